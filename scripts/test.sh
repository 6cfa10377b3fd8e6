#!/usr/bin/env bash
# Installs what is missing, builds into build/, runs every test, and ends with "N passed, N failed".
# MEDIAGW_SANITIZE=address,undefined scripts/test.sh builds and tests under ASan + UBSan
# (into build-sanitize/ unless MEDIAGW_BUILD_DIR says otherwise).
if [ "${MEDIAGW_SANITIZE:-none}" != none ] && [ -z "${MEDIAGW_BUILD_DIR:-}" ]; then
  export MEDIAGW_BUILD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build-sanitize"
fi
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing_packages
"$ROOT/tests/browser/setup.sh"
build

RESULTS="$BUILD_DIR/test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
set +e
meson test -C "$BUILD_DIR" --print-errorlogs --num-processes 2 "$@"
status=$?
set -e
/usr/bin/python3 "$ROOT/scripts/count_tests.py" "$BUILD_DIR" "$RESULTS"
counted=$?
[ $status -eq 0 ] && [ $counted -eq 0 ]
