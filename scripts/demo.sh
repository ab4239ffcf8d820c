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

step "4. A store in a temporary folder: init, import the samples, list"
export OATHCTL_STORE="$work/store/tokens.sqlite" OATHCTL_KEY_FILE="$work/key/master.key"
show "$oathctl" init --actor demo
show "$oathctl" import samples/tokens-clean.csv --report "$work/import-clean.csv" --actor demo
show "$oathctl" import samples/vendor-short-header.csv --report "$work/import-vendor.csv" --actor demo
show "$oathctl" import samples/tokens-with-errors.csv --report "$work/import-errors.csv" --actor demo
echo "-- its error report:"
cut -c1-150 "$work/import-errors.csv"
step "5. Re-importing is harmless; a sixth token for a user is refused"
show "$oathctl" import samples/tokens-clean.csv --report "$work/import-again.csv"
show "$oathctl" assign 200001 carol@contoso.com
show "$oathctl" assign 200001 dave@contoso.com
show "$oathctl" list --user dave@contoso.com
show "$oathctl" batches
show "$oathctl" audit --serial 200001

step "6. Current codes of the first sample tokens (oathctl code reads each seed from a pipe)"
now=${OATHCTL_NOW:-$(date +%s)}
tail -n +2 samples/tokens-clean.csv | head -n 3 | while IFS=, read -r upn serial secret interval _; do
  code=$(printf %s "$secret" | "$oathctl" code --time "$now" --step "$interval")
  printf '  %-20s serial %-8s step %2ss  code %s\n' "$upn" "$serial" "$interval" "$code"
done
