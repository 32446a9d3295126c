#!/usr/bin/env bash
# Installs into a temporary DESTDIR and builds a C-only host against the
# installed headers and vtc.pc: what a user of the package gets.
set -eu
build=$1; src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
DESTDIR="$tmp" meson install -C "$build" --no-rebuild --quiet >/dev/null
pc=$(find "$tmp" -name vtc.pc | head -1)
[ -n "$pc" ] || { echo "FAIL - pkg_config_file_installed"; exit 1; }
echo "ok - pkg_config_file_installed"
prefix=$(sed -n 's/^prefix=//p' "$pc")
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$tmp"
cflags=$(pkg-config --cflags vtc); libs=$(pkg-config --libs vtc)
for h in vtc.h vtc_visionzip.h vtc_compress.h vtc_composite.h vtc_prune.h vtc_api.h; do
  [ -f "$tmp$prefix/include/vtc/$h" ] || { echo "FAIL - header_installed: $h"; exit 1; }
done
echo "ok - headers_installed"
cc -std=c11 -Wall -Wextra -Wpedantic -Werror $cflags "$src/tests/abi/test_abi_layout.c" -o "$tmp/abi"
"$tmp/abi"
cat > "$tmp/link.c" <<'C'
#include <vtc.h>
#include <stdio.h>
int main(void) { puts(vtc_result_string(VTC_ERROR_INVALID_ARGUMENT)); return vtc_library_version()[0] != '1'; }
C
libdir=$(dirname "$(find "$tmp" -name 'libvtc.so.1' | head -1)")
san=""
# a sanitizer build of the library needs the host linked with the same runtime
readelf -d "$libdir/libvtc.so.1" | grep -q 'libasan' && san="-fsanitize=address,undefined"
cc -std=c11 $san $cflags "$tmp/link.c" $libs -o "$tmp/link"
LD_LIBRARY_PATH="$libdir" "$tmp/link" >/dev/null
echo "ok - host_links_with_pkg_config"
# the golden data is installed, and the installed tool finds it by itself
gold=$(find "$tmp" -path '*/share/vtc/golden/visionzip_clip336_b2_54x10/meta.json' | head -1)
[ -n "$gold" ] || { echo "FAIL - golden_data_installed"; exit 1; }
echo "ok - golden_data_installed"
vtc=$(find "$tmp" -path '*/bin/vtc' | head -1)
out=$(env -u VTC_GOLDEN_DIR VTC_PLUGIN_PATH="$libdir/libvtc.so.1" "$vtc" conformance --op visionzip --case golden 2>&1) ||
  { echo "FAIL - installed_conformance_finds_its_golden_data: $out"; exit 1; }
echo "$out" | grep -q "^golden data: $tmp" && echo "$out" | grep -q "^PASS .*golden" ||
  { echo "FAIL - installed_conformance_finds_its_golden_data: $out"; exit 1; }
echo "ok - installed_conformance_finds_its_golden_data"
