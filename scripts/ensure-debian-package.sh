#!/usr/bin/env bash
# ensure-debian-package.sh PACKAGE COMMAND WHY: installs Debian's PACKAGE with apt-get when COMMAND
# (a path or a name on the PATH) is missing, as root or through sudo, so that the README's test
# command works on a fresh Debian machine; fails here, clearly, naming WHY, where it cannot.
# Used by ensure-chromium.sh and ensure-redis.sh.
set -euo pipefail
pkg="$1" cmd="$2" why="$3"
have() { if [[ "$cmd" == /* ]]; then [ -x "$cmd" ]; else command -v "$cmd" >/dev/null; fi; }
have && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "ensure: $cmd missing and not root without sudo: install Debian's $pkg package ($why)" >&2; exit 1; }
  sudo="sudo"
fi
command -v apt-get >/dev/null || { echo "ensure: $cmd missing and no apt-get: install $pkg ($why)" >&2; exit 1; }
echo "ensure: installing $pkg (Debian package): $why"
$sudo apt-get update -qq && $sudo apt-get install -y -qq "$pkg" >/dev/null \
  || { echo "ensure: apt-get install $pkg failed: $why" >&2; exit 1; }
have || { echo "ensure: $pkg installed but $cmd is missing" >&2; exit 1; }
