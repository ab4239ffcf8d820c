#!/usr/bin/env bash
# serve-demo.sh: `make serve`. A fresh demo store under .build/demo-serve (the bundled sample tokens,
# a helpdesk and an admin operator with the passwords printed below: a demo, never a real store),
# then `oathctl serve` on http://127.0.0.1:8443 until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
oathctl=${OATHCTL:-.build/release/oathctl}
dir=.build/demo-serve
rm -rf "$dir"
mkdir -p "$dir"
export OATHCTL_STORE=$dir/tokens.sqlite OATHCTL_KEY_FILE=$dir/master.key
unset OATHCTL_NOW
"$oathctl" init --actor demo >/dev/null
"$oathctl" import samples/tokens-clean.csv --report "$dir/report-clean.csv" --actor demo >/dev/null
"$oathctl" import samples/vendor-short-header.csv --report "$dir/report-vendor.csv" --actor demo >/dev/null
printf 'helpdesk-demo-password\n' | "$oathctl" operator add helpdesk --role helpdesk --actor demo >/dev/null
printf 'admin-demo-password\n' | "$oathctl" operator add admin --role admin --actor demo >/dev/null
seed=$(sed -n 2p samples/tokens-clean.csv | cut -d, -f3)
cat <<INFO

oathctl's page, on a demo store ($dir):

  open   http://127.0.0.1:8443/
  sign in as  helpdesk / helpdesk-demo-password   (search, user page, token card, activate)
         or   admin    / admin-demo-password      (and upload, batches, policy, operators)

  Token 100001 belongs to $(sed -n 2p samples/tokens-clean.csv | cut -d, -f1). The code it shows now:
    printf '%s' '$seed' | $oathctl code

INFO
exec "$oathctl" serve --listen 127.0.0.1:8443
