/*
 * Soak: CALLS random mixed op calls (scores, select, merge, visionzip,
 * composite, prune; small random valid shapes) on one context. Reports and checks:
 *  - every call succeeds and no validation message is seen;
 *  - the Vulkan memory vtc holds (vtc_context_stats: live VkDeviceMemory
 *    objects and bytes) does not change once the io buffer has grown;
 *  - resident memory (RSS) stays flat once every pipeline exists: it may
 *    grow by at most RSS_SLACK_KB after the last new pipeline, which must
 *    appear in the first half of the run. Under AddressSanitizer (whose
 *    quarantine grows RSS by design) the RSS figure is printed, not checked:
 *    LeakSanitizer checks leaks there instead.
 *
 *   test_rel_soak [calls=300] [seed]      (meson test runs 600; the figures
 *                                          in docs/reliability.md are 10000)
 */
#include "rel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define REL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REL_ASAN 1
#endif
#endif
#ifndef REL_ASAN
#define REL_ASAN 0
#endif

#define RSS_SLACK_KB 4096

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
        res = -1;
    fclose(f);
    return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

static long peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmHWM:", 6))
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static vtc_context_stats stats(vtc_context ctx)
{
    vtc_context_stats st = {sizeof(st)};
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    vtc_context_stats_get(ctx, &st);
    return st;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 300;
    uint64_t s = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x50a4;
    rel_log log;
    vtc_context ctx = rel_context(&log, 0, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    int failures = 0;
    long per_op[REL_OP_MAX] = {0};
    if (rel_op_kinds() > REL_OP_MAX) {
        fprintf(stderr, "FAIL: %d ops, REL_OP_MAX is %d\n", rel_op_kinds(), REL_OP_MAX);
        return 1;
    }
    long rss_base = -1, last_new_pipeline = 0, rss_min = -1, rss_max = 0;
    uint64_t pipelines = 0, dev_allocs = 0, dev_bytes = 0;
    int dev_base_set = 0;
    for (long i = 0; i < calls; i++) {
        uint64_t h;
        int op = -1;
        vtc_result r = rel_random_call(ctx, &s, &h, &op);
        if (r != VTC_SUCCESS) {
            fprintf(stderr, "FAIL: call %ld (%s): %s\n", i, rel_op_name(op), vtc_result_string(r));
            if (++failures > 10)
                break;
        }
        if (op >= 0)
            per_op[op]++;
        vtc_context_stats st = stats(ctx);
        long rss = rss_kb();
        if (st.pipelines != pipelines) {
            pipelines = st.pipelines;
            last_new_pipeline = i;
            rss_base = rss; /* steady state starts after the last pipeline compile */
        }
        if (!dev_base_set || i < 1) {
            dev_allocs = st.device_allocations;
            dev_bytes = st.device_memory_bytes;
            dev_base_set = 1;
        } else if (st.device_allocations != dev_allocs || st.device_memory_bytes != dev_bytes) {
            /* the io buffer only grows for a call larger than all before: these are small */
            fprintf(stderr, "FAIL: call %ld: vtc's Vulkan memory went from %llu objects / %llu bytes to %llu / %llu\n", i,
                    (unsigned long long)dev_allocs, (unsigned long long)dev_bytes,
                    (unsigned long long)st.device_allocations, (unsigned long long)st.device_memory_bytes);
            failures++;
            dev_allocs = st.device_allocations;
            dev_bytes = st.device_memory_bytes;
        }
        if (i >= last_new_pipeline) {
            if (rss_min < 0 || rss < rss_min)
                rss_min = rss;
            if (rss > rss_max)
                rss_max = rss;
        }
        if (calls >= 1000 && (i + 1) % (calls / 10) == 0)
            printf("  %ld calls: rss %ld KiB, vtc Vulkan memory %llu objects / %llu bytes, %llu pipelines\n", i + 1, rss,
                   (unsigned long long)st.device_allocations, (unsigned long long)st.device_memory_bytes,
                   (unsigned long long)st.pipelines);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    vtc_context_stats st = stats(ctx);
    long rss_end = rss_kb();
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%ld calls in %.1f s (", calls, secs);
    for (int op = 0; op < rel_op_kinds(); op++)
        printf("%s%s %ld", op ? ", " : "", rel_op_name(op), per_op[op]);
    printf("), %llu succeeded\n", (unsigned long long)st.calls);
    printf("pipelines %llu (last new at call %ld); vtc Vulkan memory %llu objects, %llu bytes\n",
           (unsigned long long)st.pipelines, last_new_pipeline, (unsigned long long)st.device_allocations,
           (unsigned long long)st.device_memory_bytes);
    printf("rss after the last new pipeline %ld KiB, end %ld KiB (min %ld, max %ld), growth %ld KiB; peak rss %ld KiB%s\n",
           rss_base, rss_end, rss_min, rss_max, rss_end - rss_base, peak_rss_kb(),
           REL_ASAN ? " (AddressSanitizer build: RSS not checked)" : "");
    printf("validation messages %llu\n", (unsigned long long)st.validation_messages);
    if (st.validation_messages) {
        fprintf(stderr, "FAIL: validation messages\n");
        failures++;
    }
    if ((long)st.calls != calls) {
        fprintf(stderr, "FAIL: %llu of %ld calls counted as succeeded\n", (unsigned long long)st.calls, calls);
        failures++;
    }
    if (!REL_ASAN) {
        if (last_new_pipeline > calls / 2) {
            fprintf(stderr, "FAIL: a new pipeline at call %ld: too late to judge the steady state\n", last_new_pipeline);
            failures++;
        }
        if (rss_end - rss_base > RSS_SLACK_KB) {
            fprintf(stderr, "FAIL: RSS grew by %ld KiB after the last new pipeline\n", rss_end - rss_base);
            failures++;
        }
    }
    vtc_context_destroy(ctx);
    printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
