#!/usr/bin/env bash
# libvtc exports only vtc_* (plus the version node) and never links libvulkan.
set -u
lib=$1
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -vE '^(vtc_[a-z0-9_]+(@@VTC_1)?|VTC_1)$')
if [ -n "$bad" ]; then echo "FAIL - only_vtc_symbols_exported: $bad"; exit 1; fi
echo "ok - only_vtc_symbols_exported"
if nm -D "$lib" | grep -qE ' [TDBR] vk'; then echo "FAIL - no_vk_symbol_exported"; exit 1; fi
echo "ok - no_vk_symbol_exported"
if readelf -d "$lib" | grep NEEDED | grep -q vulkan; then echo "FAIL - does_not_link_libvulkan"; exit 1; fi
echo "ok - does_not_link_libvulkan"
soname=$(readelf -d "$lib" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libvtc.so.1" ] || { echo "FAIL - versioned_soname: '$soname'"; exit 1; }
echo "ok - versioned_soname ($soname)"
