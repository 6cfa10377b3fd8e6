#!/usr/bin/env bash
# Installs what is missing, builds into build/, and starts mediagw on http://127.0.0.1:8080.
# Extra arguments go to mediagw (see build/gateway/mediagw --help).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing_packages
build
echo "mediagw: open http://127.0.0.1:8080/r/demo?name=you"
exec "$BUILD_DIR/gateway/mediagw" "$@"
