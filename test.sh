#!/usr/bin/env bash
# Runs every test suite: installs what is missing, builds, runs `meson test`
# (unit, conformance on lavapipe at subgroup sizes 4/8/16/32/64 with the
# validation layer on, CLI, examples, fuzz-corpus replay, reliability,
# portability on RADV's null device), then in a sanitizer build
# (address,undefined) the same minus conformance, which runs --quick there
# (suite 'sanitize'). Ends with the line "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")" && pwd)
"$root/tools/install-deps.sh" || exit 1
"$root/tools/build.sh" "$root/build" || { echo "0 passed, 1 failed"; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
# suite 'sanitize' (the quick matrix) is the sanitizer stage's; here the full one runs
skip=(); [ $# -eq 0 ] && skip=(--no-suite sanitize)
meson test -C "$root/build" --print-errorlogs --num-processes "$jobs" "${skip[@]}" "$@"
rc=$?
summary() { # testlog.json -> pass/fail counts
  python3 - "$1" <<'PY'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get('result')
    if r in ('OK', 'EXPECTEDFAIL'): p += 1
    elif r != 'SKIP': f += 1
print(p, f)
PY
}
read -r p1 f1 < <(summary "$root/build/meson-logs/testlog.json")
p2=0; f2=0
if [ $# -eq 0 ] && [ "${VTC_SKIP_SANITIZE:-0}" != 1 ]; then
  # ASan/UBSan over the unit suites and the quick conformance matrix (the full one runs above).
  if "$root/tools/build.sh" "$root/build-asan" -Db_sanitize=address,undefined -Dbuildtype=debug; then
    # tests/lsan.supp: leaks the Vulkan loader, driver and layer keep for
    # themselves, by module (meson's default test setup sets it too); the
    # unit test lsan_still_reports_a_leak_through_vtc proves vtc's own still fail.
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      LSAN_OPTIONS=suppressions="$root/tests/lsan.supp":print_suppressions=0 \
      meson test -C "$root/build-asan" --print-errorlogs --num-processes "$jobs" --suite unit --suite cli \
      --suite examples --suite fuzz --suite reliability --suite sanitize
    [ $? -ne 0 ] && rc=1
    read -r p2 f2 < <(summary "$root/build-asan/meson-logs/testlog.json")
  else
    f2=1; rc=1
  fi
fi
echo "$((p1 + p2)) passed, $((f1 + f2)) failed"
exit $rc
