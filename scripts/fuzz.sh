#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build-fuzz/ and runs each for SECONDS
# (default 30) from its seed corpus in tests/fuzz/corpus/. New inputs go to build-fuzz/corpus/,
# crashes to build-fuzz/crashes/TARGET/ (add the reproducer to the seed corpus with the fix).
# Ends with "N passed, N failed": a target passes when it ran its time without a crash.
set -euo pipefail
SECONDS_PER_TARGET="${1:-30}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/common.sh"
DEB_PACKAGES+=(clang libfuzzer-14-dev)
install_missing_packages
FUZZ_DIR="$ROOT/build-fuzz"
if [ ! -f "$FUZZ_DIR/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$FUZZ_DIR" "$ROOT" --buildtype=debugoptimized \
    -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false
fi
TARGETS=(signaling rest_body token rtmp_url sdp transport rtp)
ninja -C "$FUZZ_DIR" "${TARGETS[@]/#/tests/fuzz/fuzz_}"

export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"  # leaks: LSan runs in the test suites
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
passed=0
failed=0
for t in "${TARGETS[@]}"; do
  work="$FUZZ_DIR/corpus/$t"
  crashes="$FUZZ_DIR/crashes/$t"
  mkdir -p "$work" "$crashes"
  log="$FUZZ_DIR/fuzz-$t.log"
  set +e
  "$FUZZ_DIR/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$crashes/" \
    "$work" "$ROOT/tests/fuzz/corpus/$t" >"$log" 2>&1
  status=$?
  set -e
  runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  if [ $status -eq 0 ]; then
    passed=$((passed + 1))
    echo "fuzz_$t: ${runs} executions in ${SECONDS_PER_TARGET} s, no crash"
  else
    failed=$((failed + 1))
    echo "fuzz_$t: FAILED (exit $status) after ${runs} executions; see $log and $crashes"
    tail -40 "$log"
  fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
