#!/usr/bin/env bash
# The unit suites of the parts with threads of their own (the forwarder and its keyframe
# coalescing, DTLS/SRTP, the RTP rewriter; signaling and tokens beside them) built with
# ThreadSanitizer into build-tsan/ and run; any race report fails its suite (no suppressions).
# Ends with "N passed, N failed" (test cases; a suite that races or crashes counts one failure).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/common.sh"
install_missing_packages
TSAN_DIR="$ROOT/build-tsan"
if [ ! -f "$TSAN_DIR/build.ninja" ]; then
  meson setup "$TSAN_DIR" "$ROOT" --buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false
fi
SUITES=(plugins_test signaling_test auth_unit_test pipelines_unit_test)
ninja -C "$TSAN_DIR" "${SUITES[@]/#/tests/}"
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1"
export GST_DEBUG_NO_COLOR=1
passed=0
failed=0
for s in "${SUITES[@]}"; do
  log="$TSAN_DIR/$s.log"
  set +e
  "$TSAN_DIR/tests/$s" >"$log" 2>&1
  status=$?
  set -e
  n=$(grep -o '^\[  PASSED  \] [0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  bad=$(grep -o '^\[  FAILED  \] [0-9]* test' "$log" | grep -o '[0-9]*' || echo 0)
  passed=$((passed + n))
  if [ $status -ne 0 ] || grep -q 'WARNING: ThreadSanitizer' "$log"; then
    failed=$((failed + (bad > 0 ? bad : 1)))
    echo "$s: FAILED under ThreadSanitizer (exit $status)"
    grep -A30 -m1 'WARNING: ThreadSanitizer' "$log" || tail -30 "$log"
  else
    echo "$s: $n passed, no race"
  fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
