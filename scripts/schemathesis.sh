#!/usr/bin/env bash
# schemathesis.sh [OATHCTL]: the API against its contract. Starts `oathctl serve` on loopback over a
# throwaway SQLite store (an admin's API key, the sample tokens) and runs schemathesis (PyPI, in a
# virtual environment under .build/) with generated requests on every route: no answer may be a
# 5xx, break a status or content type the document gives, or break a response schema. With a
# throwaway PostgreSQL cluster (OATHCTL_TEST_POSTGRES, from scripts/with-postgres.sh) it runs the
# same against a PostgreSQL store. Afterwards every log line the servers wrote is scanned for the
# admin's API key.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OATHCTL=${1:-$ROOT/.build/debug/oathctl}
VENV=$ROOT/.build/venv
if [ ! -x "$VENV/bin/st" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q schemathesis==4.32.5
fi
WORK=$(mktemp -d /tmp/oathctl-schemathesis.XXXXXX)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
unset OATHCTL_NOW

# contract NAME: runs schemathesis against `serve` on the store OATHCTL_STORE names.
contract() {
  local name=$1 log=$WORK/serve-$1.log key port=
  echo "== schemathesis on $name"
  export OATHCTL_KEY_FILE=$WORK/master-$name.key
  "$OATHCTL" init >/dev/null
  "$OATHCTL" import "$ROOT/samples/tokens-clean.csv" --report "$WORK/report.csv" >/dev/null
  key=$("$OATHCTL" operator add "contract-admin" --role admin --api-key | tail -1)
  "$OATHCTL" serve --listen 127.0.0.1:0 2>"$log" &
  SERVER=$!
  for _ in $(seq 100); do
    port=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "schemathesis: oathctl serve did not start:" >&2; cat "$log" >&2; exit 1; }
  "$VENV/bin/st" run "http://127.0.0.1:$port/api/v1/openapi.yaml" -H "Authorization: Bearer $key" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-20}" --seed 2026 --no-color
  kill "$SERVER"
  wait "$SERVER" || true
  SERVER=
  # The key went with every request: no line the server wrote may hold it, or its hex part.
  if grep -q -F -e "$key" -e "${key#oak_}" "$log"; then
    echo "schemathesis: the server's log on $name holds the API key" >&2
    exit 1
  fi
}

OATHCTL_STORE=$WORK/tokens.sqlite contract sqlite
if [ -n "${OATHCTL_TEST_POSTGRES:-}" ]; then
  base=${OATHCTL_TEST_POSTGRES%/*}
  /usr/lib/postgresql/15/bin/psql "$OATHCTL_TEST_POSTGRES" -q -c "DROP DATABASE IF EXISTS oathctl_contract" -c "CREATE DATABASE oathctl_contract" >/dev/null 2>&1
  OATHCTL_STORE=$base/oathctl_contract contract postgresql
fi
