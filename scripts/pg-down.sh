#!/usr/bin/env bash
# pg-down.sh DIR: stops the cluster pg-up.sh started in DIR and removes it (quietly when there is none).
DIR=${1:?usage: pg-down.sh DIR}
PGBIN=/usr/lib/postgresql/15/bin
RUN=()
if [ "$(id -u)" = 0 ]; then RUN=(runuser -u postgres --); fi
if [ -f "$DIR/data/postmaster.pid" ]; then
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
fi
rm -rf "$DIR"
