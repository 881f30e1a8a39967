#!/usr/bin/env bash
# The browser client's test (packages/server/test/http-browser.test.ts) drives Debian's Chromium;
# playwright-core never downloads a browser. Install the Debian package if it is missing, so the
# README's test command works on a fresh Debian machine; fail here, clearly, if we cannot.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "ensure-chromium: /usr/bin/chromium missing and not root without sudo: install Debian's chromium package" >&2; exit 1; }
  sudo="sudo"
fi
command -v apt-get >/dev/null || { echo "ensure-chromium: /usr/bin/chromium missing and no apt-get: install Chromium at /usr/bin/chromium" >&2; exit 1; }
echo "ensure-chromium: installing chromium (Debian package) for the browser client test"
$sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null \
  || { echo "ensure-chromium: apt-get install chromium failed: the browser client test needs /usr/bin/chromium" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "ensure-chromium: chromium installed but /usr/bin/chromium is missing" >&2; exit 1; }
