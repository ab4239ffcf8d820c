#!/usr/bin/env bash
# browser-tests.sh [OATHCTL]: the web page in a real browser. Installs Debian's chromium and
# chromium-driver when missing (as root, as for PostgreSQL), makes a Python virtual environment
# with selenium under .build/, starts `oathctl serve` on loopback over a fresh SQLite store with a
# helpdesk, an admin and an auditor, and runs Tests/Browser/test_pages.py against it. Screenshots
# go to docs/screenshots/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OATHCTL=${1:-$ROOT/.build/debug/oathctl}
if [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/lib/chromium/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "oathctl: installing chromium and chromium-driver for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "oathctl: the browser tests need chromium and chromium-driver: sudo apt-get install chromium chromium-driver" >&2
    exit 1
  fi
fi
VENV=$ROOT/.build/venv-browser
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import selenium" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q selenium==4.51.0
fi
WORK=$(mktemp -d /tmp/oathctl-browser.XXXXXX)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export OATHCTL_STORE=$WORK/tokens.sqlite OATHCTL_KEY_FILE=$WORK/master.key
unset OATHCTL_NOW
# One seed per token (an import refuses a seed twice); the tests compute each token's codes from it.
export SEED=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ SEED2=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP SEED3=KRUGKIDROVUWG2ZAMJZG653OEBTG66BA
"$OATHCTL" init >/dev/null
cat > "$WORK/tokens.csv" <<CSV
upn,serial number,secret key,time interval,manufacturer,model
helga@contoso.com,T1,$SEED,30,Contoso,HardwareKey
olaf@contoso.com,T2,$SEED2,30,Contoso,HardwareKey
,T3,$SEED3,30,Contoso,HardwareKey
CSV
"$OATHCTL" import "$WORK/tokens.csv" --report "$WORK/report.csv" >/dev/null || { cat "$WORK/report.csv" >&2; exit 1; }
"$OATHCTL" policy set lockout.threshold 3 >/dev/null
for who in hana:helpdesk ada:admin audrey:auditor; do
  printf '%s\n' "${who%%:*}-browser-password" | "$OATHCTL" operator add "${who%%:*}" --role "${who##*:}" >/dev/null
done
"$OATHCTL" serve --listen 127.0.0.1:0 2>"$WORK/serve.log" &
SERVER=$!
PORT=
for _ in $(seq 100); do
  PORT=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/serve.log")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "browser tests: oathctl serve did not start:" >&2; cat "$WORK/serve.log" >&2; exit 1; }
mkdir -p "$ROOT/docs/screenshots"
BASE="http://127.0.0.1:$PORT" OATHCTL="$OATHCTL" WORK="$WORK" SAMPLES="$ROOT/samples" SHOTS="$ROOT/docs/screenshots" \
  "$VENV/bin/python" "$ROOT/Tests/Browser/test_pages.py"
# Nothing the page was sent may be in the server's log: passwords, the seed.
for secret in hana-browser-password ada-browser-password audrey-browser-password "$SEED" "$SEED2" "$SEED3"; do
  if grep -q -F "$secret" "$WORK/serve.log"; then echo "browser tests: the server's log holds a secret" >&2; exit 1; fi
done
