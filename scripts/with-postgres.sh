#!/usr/bin/env bash
# with-postgres.sh COMMAND...: runs COMMAND with a throwaway PostgreSQL 15 cluster (scripts/pg-up.sh),
# exporting OATHCTL_TEST_POSTGRES, PGPASSWORD and OATHCTL_REQUIRE_POSTGRES=1 (so the tests that need
# the cluster fail rather than skip), and stops and removes the cluster afterwards, even when
# COMMAND fails or is interrupted. COMMAND's exit status is kept.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(mktemp -d /tmp/oathctl-pg.XXXXXX)
chmod 755 "$DIR"
trap 'bash "$HERE/pg-down.sh" "$DIR"' EXIT
trap 'exit 130' INT TERM
if ! bash "$HERE/pg-up.sh" "$DIR"; then
  echo "oathctl: could not start the throwaway PostgreSQL cluster (see above); the PostgreSQL tests need it" >&2
  exit 1
fi
# shellcheck disable=SC1091
source "$DIR/env"
export OATHCTL_REQUIRE_POSTGRES=1
"$@"
