#!/usr/bin/env bash
# Installs the browser-test tooling (playwright-core, driving Debian's /usr/bin/chromium) from npm.
# Never downloads a browser. Idempotent: does nothing when node_modules matches package-lock.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
[ -f package.json ] || exit 0
if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
