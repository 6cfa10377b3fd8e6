#!/usr/bin/env bash
# Side-by-side benchmark of mediagw and Janus (VideoRoom, Debian's package) under identical load
# from mediagw-load, interleaved, median of several runs per point. See docs/benchmarks.md.
#   scripts/bench.sh [--runs 3] [--subscribers 10,20,40,80,120,160] [--seconds 15] [--quick]
# Needs root for the network namespace Janus runs in (scripts/janus-ns.sh); builds first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/common.sh"
install_missing_packages
DEB_PACKAGES=(janus iproute2 curl)
install_missing_packages
build >/dev/null
exec /usr/bin/python3 "$ROOT/scripts/bench.py" "$@"
