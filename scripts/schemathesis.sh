#!/usr/bin/env bash
# schemathesis.sh [OATHCTL]: the API against its contract. Starts `oathctl serve` on loopback over a
# throwaway SQLite store (an admin's API key, the sample tokens) and runs schemathesis (PyPI, in a
# virtual environment under .build/) with generated requests on every route: no answer may be a
# 5xx, break a status or content type the document gives, or break a response schema.
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
export OATHCTL_STORE=$WORK/tokens.sqlite OATHCTL_KEY_FILE=$WORK/master.key
unset OATHCTL_NOW
"$OATHCTL" init >/dev/null
"$OATHCTL" import "$ROOT/samples/tokens-clean.csv" --report "$WORK/report.csv" >/dev/null
KEY=$("$OATHCTL" operator add contract-admin --role admin --api-key | tail -1)
"$OATHCTL" serve --listen 127.0.0.1:0 2>"$WORK/serve.log" &
SERVER=$!
PORT=
for _ in $(seq 100); do
  PORT=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/serve.log")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "schemathesis: oathctl serve did not start:" >&2; cat "$WORK/serve.log" >&2; exit 1; }
"$VENV/bin/st" run "http://127.0.0.1:$PORT/api/v1/openapi.yaml" -H "Authorization: Bearer $KEY" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-20}" --seed 2026 --no-color
