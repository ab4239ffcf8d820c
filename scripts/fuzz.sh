#!/usr/bin/env bash
# make fuzz: builds each libFuzzer target with the address sanitizer and runs it for FUZZ_SECONDS
# (default 60) from a seed corpus of the samples and test vectors. fuzz-lanes compares find's SIMD
# SHA-1 (C, built with the address sanitizer too) with libcrypto; fuzz-api sends each input to the
# HTTP API in process (a JSON body, or an upload and its query). A crash input is kept under
# Fuzz/crashes/ and the run fails; add it to Tests/HostileInputs/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
scratch=.build-fuzz
# Coverage and the address sanitizer at compile time; at link time libFuzzer's runtime without its
# main, since SwiftPM gives each executable its own entry point (which calls LLVMFuzzerRunDriver).
fuzzer_lib=$(ls "$(dirname "$(readlink -f "$(command -v swift)")")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)
flags=(-Xcc -fsanitize=address -Xswiftc -sanitize=address -Xswiftc -Xfrontend -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
       -Xlinker "$fuzzer_lib" -Xlinker -lstdc++)
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
mkdir -p Fuzz/crashes
for target in base32 csv pskc lanes formats api; do
  swift build -c debug --scratch-path "$scratch" --product "fuzz-$target" "${flags[@]}" 2>&1 | grep -vE "warning: Cannot export local symbol" | tail -2
  corpus=$(mktemp -d "${TMPDIR:-/tmp}/oathctl-corpus-$target.XXXXXX")
  case $target in
    base32) cut -f2 ../shared/vectors/rfc4648_base32.tsv ../shared/vectors/differential_totp.tsv | sed -n '1,200p' | split -l 1 - "$corpus/v" ;;
    csv) cp samples/*.csv samples/unusable/*.csv "$corpus/" ;;
    pskc) cp samples/*.xml Tests/TokenImportTests/RFC6030/*.xml "$corpus/" ;;
    lanes) split -b 300 ../shared/vectors/differential_totp.tsv "$corpus/v" ;;
    formats) cp samples/*.csv "$corpus/"
             find ../shared/peer-corpus -name '*.csv' -o -name '*.dat' -o -name '*.oath' 2>/dev/null | while read -r f; do cp "$f" "$corpus/$(basename "$f")"; done ;;
    # Byte 0 picks the route, byte 1 the content type (Fuzz/FuzzAPI/Target.swift); an upload's query ends at the first NUL.
    api) printf '\x00\x00{"name":"fuzz-admin","password":"x"}' > "$corpus/session"
         printf '\x01\x00{"upn":"fuzz@contoso.com","code":"123456"}' > "$corpus/verify"
         printf '\x02\x00{"code":"123 456"}' > "$corpus/activate"
         printf '\x03\x00{"code1":"123456","code2":"654321"}' > "$corpus/resync"
         printf '\x04\x00{"upn":"a@contoso.com"}' > "$corpus/assign"
         printf '\x05\x00{"code":"123456","upn":"fuzz@contoso.com"}' > "$corpus/find"
         printf '\x06\x00{"value":5}' > "$corpus/policy"
         printf '\x07\x00{"name":"x","role":"helpdesk","apiKey":true}' > "$corpus/operator"
         for f in samples/*.csv samples/*.xml; do { printf '\x08\x01name=a.csv&entra=true\x00'; cat "$f"; } > "$corpus/validate-$(basename "$f")"; done
         { printf '\x09\x01atomic=true\x00'; cat samples/tokens-clean.csv; } > "$corpus/import" ;;
  esac
  case $target in lanes|api) ;; *) cp Tests/HostileInputs/* "$corpus/" 2>/dev/null || true ;; esac
  echo "== fuzz-$target for ${seconds}s"
  # fuzz-api's in-process test client (HummingbirdTesting) keeps a channel per request: its leak checks would measure that, not oathctl.
  leaks=1
  [ "$target" = api ] && leaks=0
  "$scratch/debug/fuzz-$target" "$corpus" -max_total_time="$seconds" -max_len=8192 -timeout=10 -detect_leaks=$leaks \
    -artifact_prefix=Fuzz/crashes/"$target"- -print_final_stats=1 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|Done)" || true
  rm -rf "$corpus"
done
if ls Fuzz/crashes/* >/dev/null 2>&1; then
  echo "fuzz: crash inputs were kept in Fuzz/crashes/" >&2
  exit 1
fi
echo "fuzz: no crash in ${seconds}s per target"
