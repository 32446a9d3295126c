#!/usr/bin/env bash
# Configures (once) and builds vtc in $1 (default: build). Extra arguments go to meson setup.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build}; shift || true
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$root" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null || ninja -C "$dir"
