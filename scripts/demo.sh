#!/usr/bin/env bash
# The main job on the bundled samples. Secrets travel through pipes only, never through argv.
set -euo pipefail
cd "$(dirname "$0")/.."
oathctl=${OATHCTL:-.build/release/oathctl}
now=${OATHCTL_NOW:-$(date +%s)}

echo "== Current codes of the sample tokens in samples/tokens-clean.csv (time $now)"
tail -n +2 samples/tokens-clean.csv | head -n 5 | while IFS=, read -r upn serial secret interval _; do
  code=$(printf %s "$secret" | "$oathctl" code --time "$now" --step "$interval")
  printf '  %-20s serial %-8s step %2ss  code %s\n' "$upn" "$serial" "$interval" "$code"
done
echo
echo "== RFC 6238 check: seed GEZDGNBV... at T=59, 8 digits (expect 94287082)"
printf %s GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ | "$oathctl" code --time 59 --digits 8
