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

/* What the run has seen so far. */
typedef struct soak {
    long calls, failures;
    long per_op[REL_OP_MAX];
    long rss_base, last_new_pipeline, rss_min, rss_max;
    uint64_t pipelines, dev_allocs, dev_bytes;
} soak;

/* After call i: new pipelines move the steady state's start; vtc's Vulkan
   memory must not change after the first call; RSS range since the last
   new pipeline. */
static void observe(soak *k, long i, const vtc_context_stats *st, long rss)
{
    if (st->pipelines != k->pipelines) {
        k->pipelines = st->pipelines;
        k->last_new_pipeline = i;
        k->rss_base = rss; /* steady state starts after the last pipeline compile */
    }
    if (i < 1) {
        k->dev_allocs = st->device_allocations;
        k->dev_bytes = st->device_memory_bytes;
    } else if (st->device_allocations != k->dev_allocs || st->device_memory_bytes != k->dev_bytes) {
        /* the io buffer only grows for a call larger than all before: these are small */
        fprintf(stderr, "FAIL: call %ld: vtc's Vulkan memory went from %llu objects / %llu bytes to %llu / %llu\n", i,
                (unsigned long long)k->dev_allocs, (unsigned long long)k->dev_bytes,
                (unsigned long long)st->device_allocations, (unsigned long long)st->device_memory_bytes);
        k->failures++;
        k->dev_allocs = st->device_allocations;
        k->dev_bytes = st->device_memory_bytes;
    }
    if (i >= k->last_new_pipeline) {
        if (k->rss_min < 0 || rss < k->rss_min)
            k->rss_min = rss;
        if (rss > k->rss_max)
            k->rss_max = rss;
    }
    if (k->calls >= 1000 && (i + 1) % (k->calls / 10) == 0)
        printf("  %ld calls: rss %ld KiB, vtc Vulkan memory %llu objects / %llu bytes, %llu pipelines\n", i + 1, rss,
               (unsigned long long)st->device_allocations, (unsigned long long)st->device_memory_bytes,
               (unsigned long long)st->pipelines);
}

/* The figures of the run, then its checks. */
static void report(soak *k, const vtc_context_stats *st, double secs)
{
    long rss_end = rss_kb();
    printf("%ld calls in %.1f s (", k->calls, secs);
    for (int op = 0; op < rel_op_kinds(); op++)
        printf("%s%s %ld", op ? ", " : "", rel_op_name(op), k->per_op[op]);
    printf("), %llu succeeded\n", (unsigned long long)st->calls);
    printf("pipelines %llu (last new at call %ld); vtc Vulkan memory %llu objects, %llu bytes\n",
           (unsigned long long)st->pipelines, k->last_new_pipeline, (unsigned long long)st->device_allocations,
           (unsigned long long)st->device_memory_bytes);
    printf("rss after the last new pipeline %ld KiB, end %ld KiB (min %ld, max %ld), growth %ld KiB; peak rss %ld KiB%s\n",
           k->rss_base, rss_end, k->rss_min, k->rss_max, rss_end - k->rss_base, peak_rss_kb(),
           REL_ASAN ? " (AddressSanitizer build: RSS not checked)" : "");
    printf("validation messages %llu\n", (unsigned long long)st->validation_messages);
    if (st->validation_messages) {
        fprintf(stderr, "FAIL: validation messages\n");
        k->failures++;
    }
    if ((long)st->calls != k->calls) {
        fprintf(stderr, "FAIL: %llu of %ld calls counted as succeeded\n", (unsigned long long)st->calls, k->calls);
        k->failures++;
    }
    if (REL_ASAN)
        return;
    if (k->last_new_pipeline > k->calls / 2) {
        fprintf(stderr, "FAIL: a new pipeline at call %ld: too late to judge the steady state\n", k->last_new_pipeline);
        k->failures++;
    }
    if (rss_end - k->rss_base > RSS_SLACK_KB) {
        fprintf(stderr, "FAIL: RSS grew by %ld KiB after the last new pipeline\n", rss_end - k->rss_base);
        k->failures++;
    }
}

int main(int argc, char **argv)
{
    soak k = {.calls = argc > 1 ? atol(argv[1]) : 300, .rss_base = -1, .rss_min = -1};
    uint64_t s = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x50a4;
    rel_log log;
    vtc_context ctx = rel_context(&log, 0, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (rel_op_kinds() > REL_OP_MAX) {
        fprintf(stderr, "FAIL: %d ops, REL_OP_MAX is %d\n", rel_op_kinds(), REL_OP_MAX);
        return 1;
    }
    for (long i = 0; i < k.calls; i++) {
        uint64_t h;
        int op = -1;
        vtc_result r = rel_random_call(ctx, &s, &h, &op);
        if (r != VTC_SUCCESS) {
            fprintf(stderr, "FAIL: call %ld (%s): %s\n", i, rel_op_name(op), vtc_result_string(r));
            if (++k.failures > 10)
                break;
        }
        if (op >= 0)
            k.per_op[op]++;
        vtc_context_stats st = rel_stats(ctx);
        observe(&k, i, &st, rss_kb());
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    vtc_context_stats st = rel_stats(ctx);
    report(&k, &st, (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    vtc_context_destroy(ctx);
    k.failures += rel_failures();
    printf("%ld failures\n", k.failures);
    return k.failures ? 1 : 0;
}
