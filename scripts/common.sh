# Shared set-up for scripts/run.sh and scripts/test.sh: install what is missing, then build.
# Sourced, not run. Idempotent: with everything present it only runs ninja.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${MEDIAGW_BUILD_DIR:-$ROOT/build}"

# Every Debian package the build, the daemon and the tests use (see ../shared/ENVIRONMENT.md).
DEB_PACKAGES=(
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev libnice-dev
  libssl-dev libsrtp2-dev openssl glib-networking nginx libnginx-mod-rtmp ffmpeg libjwt-dev
  gstreamer1.0-x iproute2
  libsoup-3.0-dev libjson-glib-dev libgtest-dev meson ninja-build pkg-config g++
  nodejs npm chromium
)

install_missing_packages() {
  local missing=()
  for p in "${DEB_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  # nodejs/npm may come from outside Debian on some machines; accept any working node + npm.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    local filtered=()
    for p in "${missing[@]}"; do
      [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p")
    done
    missing=("${filtered[@]+"${filtered[@]}"}")
  fi
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "Installing missing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  local sanitize="${MEDIAGW_SANITIZE:-none}"
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    meson setup "$BUILD_DIR" "$ROOT" --buildtype=debugoptimized -Db_sanitize="$sanitize"
  else
    local current
    current=$(meson introspect "$BUILD_DIR" --buildoptions 2>/dev/null |
      /usr/bin/python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="b_sanitize"][0])' 2>/dev/null || echo "$sanitize")
    if [ "$current" != "$sanitize" ]; then
      meson configure "$BUILD_DIR" -Db_sanitize="$sanitize"
    fi
  fi
  ninja -C "$BUILD_DIR"
}
