#!/usr/bin/env bash
# The worker-fleet tests (packages/fleet/test) start their own Debian redis-server on a free
# loopback port in a temp folder. Install the Debian package if it is missing, so the README's test
# command works on a fresh Debian machine; fail here, clearly, if we cannot (like ensure-chromium.sh).
set -euo pipefail
command -v redis-server >/dev/null && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "ensure-redis: redis-server missing and not root without sudo: install Debian's redis-server package" >&2; exit 1; }
  sudo="sudo"
fi
command -v apt-get >/dev/null || { echo "ensure-redis: redis-server missing and no apt-get: install Redis 6.2 or later (redis-server on the PATH)" >&2; exit 1; }
echo "ensure-redis: installing redis-server (Debian package) for the worker-fleet tests"
# Where an init system runs, the package also starts its own service on port 6379; the tests do
# not use it (they start theirs).
$sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
  || { echo "ensure-redis: apt-get install redis-server failed: the worker-fleet tests need redis-server" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "ensure-redis: redis-server installed but not on the PATH" >&2; exit 1; }
