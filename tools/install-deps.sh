#!/usr/bin/env bash
# Installs what vtc needs to build and test, from Debian's packages only,
# when something is missing. Safe to run again: it installs nothing when
# everything is present.
set -u
pkgs=(libvulkan-dev mesa-vulkan-drivers glslang-tools spirv-tools vulkan-validationlayers
      meson ninja-build pkg-config libjson-c-dev gcc g++ libc6-dev python3 binutils cmake)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "vtc: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2 || { echo "vtc: apt-get update failed" >&2; exit 1; }
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || { echo "vtc: apt-get install failed" >&2; exit 1; }
