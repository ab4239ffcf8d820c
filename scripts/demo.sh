#!/usr/bin/env bash
# The main job on the bundled samples. Secrets travel through files and pipes only, never argv.
set -uo pipefail
cd "$(dirname "$0")/.."
oathctl=${OATHCTL:-.build/release/oathctl}
work=$(mktemp -d "${TMPDIR:-/tmp}/oathctl-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; echo "(exit status $?)"; }

step "1. Check a clean vendor file against the upload rules"
show "$oathctl" validate samples/tokens-clean.csv --report "$work/Failures_tokens-clean.csv"

step "2. Check a file with every kind of mistake: every bad row is found in one pass"
show "$oathctl" validate samples/tokens-with-errors.csv --report "$work/Failures_tokens-with-errors.csv" --rejects "$work/fix-me.csv"
echo "-- error report (never holds a secret):"
cut -c1-150 "$work/Failures_tokens-with-errors.csv"
echo "-- rejected rows for fixing were written 0600: $(stat -c '%a %n' "$work/fix-me.csv")"

step "3. A file that cannot be used at all exits 2"
show "$oathctl" validate samples/unusable/no-header.csv --report "$work/no-header.csv"

step "4. Vendor files in, upload-ready files out (seeds go only to the 0600 output file)"
show "$oathctl" convert samples/vendor-tokens.pskc.xml --psk-file samples/vendor-transport.key --upn-map samples/users.csv \
  --to entra-csv --output "$work/upload-from-pskc.csv" --report "$work/convert-pskc.csv"
echo "-- $(stat -c '%a' "$work/upload-from-pskc.csv") $work/upload-from-pskc.csv (secrets masked here):"
sed -E 's/,[A-Z2-7]{20,},/,<secret>,/' "$work/upload-from-pskc.csv"
show "$oathctl" convert samples/vendor-hex-seeds.csv --secret-encoding hex --delimiter ';' \
  --map 'serial number=Token SN' --map 'secret key=Seed' --map 'time interval=Period' --map 'manufacturer=Vendor' --map 'model=Type' \
  --to graph-json --output "$work/graph.json" --report "$work/convert-hex.csv"

step "4b. Another token manager's export (OATH CSV, no header): HOTP is refused, SHA-512 kept"
show "$oathctl" validate samples/other-manager.oath.csv --input-format oath-csv --manufacturer Vendor --model Fob \
  --report "$work/oath-csv.csv"
cut -c1-150 "$work/oath-csv.csv"

step "4c. No output may destroy the input: the report path names the input itself"
show "$oathctl" validate samples/tokens-clean.csv --report samples/tokens-clean.csv

step "5. A store in a temporary folder: init, import the samples, list"
export OATHCTL_STORE="$work/store/tokens.sqlite" OATHCTL_KEY_FILE="$work/key/master.key"
show "$oathctl" init --actor demo
show "$oathctl" import samples/tokens-clean.csv --report "$work/import-clean.csv" --actor demo
show "$oathctl" import samples/vendor-short-header.csv --report "$work/import-vendor.csv" --actor demo
show "$oathctl" import samples/tokens-with-errors.csv --report "$work/import-errors.csv" --actor demo
echo "-- its error report:"
cut -c1-150 "$work/import-errors.csv"
step "6. Re-importing is harmless; a sixth token for a user is refused"
show "$oathctl" import samples/tokens-clean.csv --report "$work/import-again.csv"
show "$oathctl" assign 200001 carol@contoso.com
show "$oathctl" assign 200001 dave@contoso.com
show "$oathctl" list --user dave@contoso.com
show "$oathctl" batches
show "$oathctl" audit --serial 200001

step "7. Helpdesk: activate a token with the code it shows (computed here from its seed, 3 steps fast)"
now=${OATHCTL_NOW:-$(date +%s)}
seed=$(sed -n 2p samples/tokens-clean.csv | cut -d, -f3)
code_at() { printf %s "$seed" | "$oathctl" code --time "$1"; }
export OATHCTL_NOW=$now
# Codes are typed when asked or piped in; never on the command line (ps and shell history would keep them).
showin() { local input=$1; shift; printf '$ printf <code> | %s\n' "$*"; printf '%s\n' "$input" | "$@"; echo "(exit status $?)"; }
showin "$(code_at $((now + 90)))" "$oathctl" activate 100001 --actor helpdesk
step "8. A sign-in check, then the same code again (a replay)"
next=$(code_at $((now + 120)))
showin "$next" "$oathctl" verify 100001
showin "$next" "$oathctl" verify 100001
step "9. Lockout: wrong codes up to the threshold (policy lockout.threshold, here 3), then even a good code is refused"
show "$oathctl" policy set lockout.threshold 3
for wrong in 000000 000001 000002; do printf '%s\n' "$wrong" | "$oathctl" verify 100001 >/dev/null; done
showin "$(code_at $((now + 150)))" "$oathctl" verify 100001
show "$oathctl" unlock 100001
showin "$(code_at $((now + 150)))" "$oathctl" verify 100001
show "$oathctl" audit --serial 100001

step "Next: the web page for the helpdesk and admins"
echo "Run 'make serve': it starts oathctl serve on a demo store with a demo helpdesk and admin operator,"
echo "and prints the URL (http://127.0.0.1:8443/) and how to sign in."
