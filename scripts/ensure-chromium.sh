#!/usr/bin/env bash
# The browser client's test (packages/server/test/http-browser.test.ts) drives Debian's Chromium;
# playwright-core never downloads a browser. Installed when missing (ensure-debian-package.sh).
set -euo pipefail
exec bash "$(dirname "$0")/ensure-debian-package.sh" chromium /usr/bin/chromium "the browser client test needs /usr/bin/chromium"
