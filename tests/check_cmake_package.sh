#!/usr/bin/env bash
# Installs into a temporary DESTDIR and builds a tiny CMake project that uses
# find_package(vtc): the loader + mtmd helper (load libvtc.so.1 at run time)
# and the shared plugin linked directly, and the cb_eval helper compiled in the
# consumer (vtc::mtmd_eval) against ggml.h: here the llama.cpp stand-in
# (STANDIN_INC, STUBS_LIB: tests/llama_cpp). What a CMake user of the package gets.
set -eu
build=$1; standin_inc=$2; stubs_lib=$3
command -v cmake >/dev/null || { echo "FAIL - cmake_found (tools/install-deps.sh installs it)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
DESTDIR="$tmp/root" meson install -C "$build" --no-rebuild --quiet >/dev/null
cfg=$(find "$tmp/root" -path '*/cmake/vtc/vtcConfig.cmake' | head -1)
[ -n "$cfg" ] && [ -f "$(dirname "$cfg")/vtcConfigVersion.cmake" ] ||
  { echo "FAIL - cmake_package_installed"; exit 1; }
echo "ok - cmake_package_installed"
for f in vtc_loader.h vtc_mtmd.h vtc_mtmd_eval.h; do
  [ -n "$(find "$tmp/root" -path "*/include/vtc/$f")" ] || { echo "FAIL - header_installed: $f"; exit 1; }
done
for f in libvtc_loader.a libvtc_mtmd.a vtc-loader.pc vtc-mtmd.pc vtc_mtmd_eval.c; do
  [ -n "$(find "$tmp/root" -name "$f")" ] || { echo "FAIL - installed: $f"; exit 1; }
done
echo "ok - loader_and_mtmd_helper_installed"
libdir=$(dirname "$(find "$tmp/root" -name 'libvtc.so.1' | head -1)")
prefix=$(dirname "$(dirname "$(find "$tmp/root" -path '*/include/vtc/vtc.h' | head -1)")")
prefix=$(dirname "$prefix")
san=""
# a sanitizer build's static libraries need the host linked with the same runtime
readelf -d "$libdir/libvtc.so.1" | grep -q 'libasan' && san="-fsanitize=address,undefined"

mkdir -p "$tmp/app"
cat > "$tmp/app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(vtc_consumer C)
find_package(vtc 1 CONFIG REQUIRED)
find_package(vtc 1.0...<2 CONFIG REQUIRED)
add_executable(use_loader use_loader.c)
target_link_libraries(use_loader PRIVATE vtc::loader vtc::mtmd)
add_executable(use_shared use_shared.c)
target_link_libraries(use_shared PRIVATE vtc::vtc)
# in a llama.cpp build: target_link_libraries(... vtc::mtmd_eval mtmd ggml)
add_executable(use_eval use_eval.c)
target_include_directories(use_eval PRIVATE "${STANDIN_INC}")
target_link_libraries(use_eval PRIVATE vtc::mtmd_eval "${STUBS_LIB}")
CMAKE
cat > "$tmp/app/use_eval.c" <<'C'
#include <vtc_mtmd_eval.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    vtc_mtmd_eval_params p;
    vtc_mtmd_eval *ev = NULL;
    memset(&p, 0, sizeof p);
    p.size = sizeof p;
    p.layer = VTC_MTMD_EVAL_LAYER_AUTO; /* neither block_count nor mmproj_path: refused */
    vtc_result r = vtc_mtmd_eval_create(&p, &ev);
    printf("%d\n", (int)r);
    return r == VTC_ERROR_INVALID_ARGUMENT && ev == NULL ? 0 : 1;
}
C
cat > "$tmp/app/use_loader.c" <<'C'
#include <vtc_loader.h>
#include <vtc_mtmd.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    vtc_loader L;
    if (argc < 2 || vtc_loader_open(&L, argv[1]) != VTC_SUCCESS) {
        fprintf(stderr, "%s\n", argc < 2 ? "usage: use_loader LIB" : L.error);
        return 1;
    }
    vtc_mtmd_grid g;
    memset(&g, 0, sizeof g);
    g.n_frames = 1;
    g.grid_h = g.grid_w = 24;
    vtc_mtmd_prune_desc d;
    memset(&d, 0, sizeof d);
    d.size = sizeof d;
    d.mode = VTC_PRUNE_DIVPRUNE;
    d.tokens = 64;
    unsigned n = vtc_mtmd_prune_count(&g, &d);
    printf("%s %u\n", L.api->library_version(), n);
    vtc_loader_close(&L);
    return n == 64 ? 0 : 1;
}
C
cat > "$tmp/app/use_shared.c" <<'C'
#include <vtc.h>
#include <stdio.h>
int main(void) { puts(vtc_library_version()); return vtc_library_version()[0] != '1'; }
C
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
CFLAGS="$san" LDFLAGS="$san" cmake -S "$tmp/app" -B "$tmp/app/b" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DSTANDIN_INC="$standin_inc" -DSTUBS_LIB="$stubs_lib" >"$tmp/cmake.log" 2>&1 &&
  cmake --build "$tmp/app/b" >>"$tmp/cmake.log" 2>&1 ||
  { cat "$tmp/cmake.log"; echo "FAIL - find_package_vtc_builds_a_consumer"; exit 1; }
echo "ok - find_package_vtc_builds_a_consumer"
out=$("$tmp/app/b/use_loader" "$libdir/libvtc.so.1") || { echo "FAIL - loader_target_runs: $out"; exit 1; }
echo "ok - loader_and_mtmd_targets_run ($out)"
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/app/b/use_shared") || { echo "FAIL - shared_target_runs: $out"; exit 1; }
echo "ok - shared_target_runs ($out)"
out=$("$tmp/app/b/use_eval") || { echo "FAIL - eval_helper_compiled_in_the_consumer_runs: $out"; exit 1; }
echo "ok - eval_helper_compiled_in_the_consumer_runs"
# a version outside the package's major is refused
cat > "$tmp/app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(vtc_consumer2 NONE)
find_package(vtc 2 CONFIG QUIET)
if(vtc_FOUND)
  message(FATAL_ERROR "vtc 2 accepted")
endif()
CMAKE
cmake -S "$tmp/app" -B "$tmp/app/b2" -Dvtc_DIR="$(dirname "$cfg")" >"$tmp/cmake2.log" 2>&1 ||
  { cat "$tmp/cmake2.log"; echo "FAIL - other_major_version_refused"; exit 1; }
echo "ok - other_major_version_refused"
# the same consumer through pkg-config (vtc-loader.pc, vtc-mtmd.pc); nothing links libvulkan
pcdir=$(dirname "$(find "$tmp/root" -name vtc-mtmd.pc | head -1)")
libs=$(PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$tmp/root" pkg-config --libs vtc vtc-loader vtc-mtmd)
case " $libs " in *" -lvulkan "*) echo "FAIL - pkg_config_links_no_libvulkan: $libs"; exit 1;; esac
echo "ok - pkg_config_links_no_libvulkan"
flags=$(PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$tmp/root" pkg-config --cflags --libs vtc-loader vtc-mtmd)
cc -std=c11 -Wall -Wextra -Werror $san "$tmp/app/use_loader.c" $flags -o "$tmp/pc_loader" &&
  "$tmp/pc_loader" "$libdir/libvtc.so.1" >/dev/null || { echo "FAIL - pkg_config_loader_and_mtmd_build_and_run"; exit 1; }
echo "ok - pkg_config_loader_and_mtmd_build_and_run"
src=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=eval_source vtc-mtmd)
[ -f "$tmp/root$src" ] || { echo "FAIL - pkg_config_names_the_eval_helper_source: $src"; exit 1; }
echo "ok - pkg_config_names_the_eval_helper_source"
