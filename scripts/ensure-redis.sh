#!/usr/bin/env bash
# The worker-fleet tests (packages/fleet/test) start their own Debian redis-server on a free
# loopback port in a temp folder, and stop it. Installed when missing (ensure-debian-package.sh).
# Where an init system runs, the package also starts its own service on port 6379; the tests do
# not use it.
set -euo pipefail
exec bash "$(dirname "$0")/ensure-debian-package.sh" redis-server redis-server "the worker-fleet tests need redis-server"
