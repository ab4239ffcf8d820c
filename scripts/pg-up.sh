#!/usr/bin/env bash
# pg-up.sh DIR [PORT]: a throwaway PostgreSQL 15 cluster for the tests and benchmarks.
#
# initdb into DIR/data (as the postgres user when run as root: initdb refuses root), listening on
# 127.0.0.1:PORT (default: a free port) and a Unix socket in DIR, password (SCRAM) for TCP, trust on
# the socket. Writes DIR/env with OATHCTL_TEST_POSTGRES (a store URL), PGPASSWORD and the port for
# the tests. Installs postgresql-15 with apt-get when missing and running as root.
# fsync is off: the tests measure behaviour, not durability (`make bench` turns it back on).
set -euo pipefail
DIR=${1:?usage: pg-up.sh DIR [PORT]}
PORT=${2:-}
PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/initdb" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "pg-up: installing postgresql-15" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null
  else
    echo "pg-up: PostgreSQL 15 is missing; install it with: sudo apt-get install postgresql-15" >&2
    exit 1
  fi
fi
if [ -z "$PORT" ]; then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
fi
RUN=()
if [ "$(id -u)" = 0 ]; then RUN=(runuser -u postgres --); fi
rm -rf "$DIR"; mkdir -p "$DIR"
PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
(umask 077; printf '%s\n' "$PASSWORD" > "$DIR/pw")
if [ "$(id -u)" = 0 ]; then chown -R postgres "$DIR"; fi
"${RUN[@]}" "$PGBIN/initdb" -D "$DIR/data" -U postgres -E UTF8 --locale=C --no-sync \
  --auth-local=trust --auth-host=scram-sha-256 --pwfile="$DIR/pw" >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${PG_FSYNC:-off} -c synchronous_commit=${PG_FSYNC:-off} -c full_page_writes=${PG_FSYNC:-off}" \
  start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
"${RUN[@]}" "$PGBIN/psql" -h "$DIR" -p "$PORT" -U postgres -q -c "CREATE DATABASE oathctl_test" >/dev/null
cat > "$DIR/env" <<ENV
export OATHCTL_TEST_POSTGRES=postgres://postgres@127.0.0.1:$PORT/oathctl_test
export OATHCTL_TEST_POSTGRES_SOCKET=$DIR
export OATHCTL_TEST_POSTGRES_PORT=$PORT
export PGPASSWORD=$PASSWORD
ENV
chmod 644 "$DIR/env"
echo "pg-up: PostgreSQL 15 on 127.0.0.1:$PORT (data in $DIR)" >&2
