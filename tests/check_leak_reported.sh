#!/usr/bin/env bash
# Passes when LeakSanitizer reports the context leak_through_vtc leaks on
# purpose, under the same LSAN_OPTIONS (tests/lsan.supp) as every other test
# of the sanitizer stage: the suppressions hide the driver's memory, not vtc's.
set -u
exe=$1; supp=$2
case "${LSAN_OPTIONS:-}" in
  *suppressions=$supp*) echo "ok - runs_with_the_stage_suppressions" ;;
  *) echo "FAIL - runs_with_the_stage_suppressions: LSAN_OPTIONS='${LSAN_OPTIONS:-}'"; exit 1 ;;
esac
out=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1" "$exe" 2>&1); rc=$?
[ $rc -eq 77 ] && { echo "$out"; echo "FAIL - no Vulkan device to create the context on"; exit 1; }
[ $rc -ne 0 ] && echo "ok - leak_fails_the_run (exit $rc)" || { echo "$out"; echo "FAIL - leak_fails_the_run: exit 0"; exit 1; }
echo "$out" | grep -q "ERROR: LeakSanitizer: detected memory leaks" &&
  echo "$out" | grep -A8 "^Direct leak" | grep -q "vtc_context_create" &&
  echo "ok - report_names_vtc_context_create" || { echo "$out"; echo "FAIL - report_names_vtc_context_create"; exit 1; }
