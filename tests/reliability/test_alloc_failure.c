/*
 * Allocation failure: a vtc_allocator that fails the N-th allocation, for
 * every N an operation reaches.
 *
 * Swept: vtc_context_create; the first call of every op on a fresh context
 * (so every pipeline it builds allocates); compress weight creation,
 * preparation and the first compress call (when compress is built).
 * For each N: the call returns VTC_ERROR_OUT_OF_MEMORY or succeeds with the
 * right bits; after a failure the same context runs the call again and gets
 * the reference bits; when the context is destroyed every allocation made
 * through the callback has been freed (and ASan/LSan builds see no leak).
 * The sweep of an op ends at the first N its call never reaches.
 */
#include "rel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- the failing allocator --------------------------------------------- */
typedef struct counting {
    long count;      /* allocations asked for */
    long fail_at;    /* fail the allocation with this count (0: never) */
    long failed;     /* allocations refused */
    long live;       /* handed out and not freed */
} counting;

static void *c_alloc(void *user, size_t bytes, size_t alignment)
{
    counting *c = user;
    c->count++;
    if (c->count == c->fail_at) {
        c->failed++;
        return NULL;
    }
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) || alignment > 64) {
        rel_fail(__FILE__, __LINE__, "vtc asked for alignment %zu", alignment);
        alignment = 64;
    }
    void *p = NULL;
    if (posix_memalign(&p, alignment, bytes ? bytes : 1))
        return NULL;
    c->live++;
    return p;
}

static void c_free(void *user, void *p)
{
    counting *c = user;
    if (p) {
        c->live--;
        free(p);
    }
}

/* ---- sweeps ----------------------------------------------------------- */
static vtc_context make_ctx(counting *c, vtc_allocator *al, rel_log *log)
{
    memset(al, 0, sizeof(*al));
    al->size = sizeof(*al);
    al->user = c;
    al->alloc = c_alloc;
    al->free = c_free;
    return rel_context(log, 0, al);
}

static long sweep_create(void)
{
    long points = 0;
    for (long n = 1;; n++) {
        counting c = {0, n, 0, 0};
        vtc_allocator al = {sizeof(al), 0, &c, c_alloc, c_free};
        vtc_context_desc d;
        memset(&d, 0, sizeof(d));
        d.size = sizeof(d);
        d.allocator = &al;
        d.log_level = VTC_LOG_ERROR;
        rel_log log;
        memset(&log, 0, sizeof(log));
        d.log = rel_log_fn;
        d.log_user = &log;
        vtc_context ctx = NULL;
        vtc_result r = vtc_context_create(&d, &ctx);
        if (r == VTC_ERROR_NO_DEVICE) {
            fprintf(stderr, "no Vulkan device: skipping\n");
            exit(77);
        }
        int reached = c.failed > 0;
        CHECK(r == VTC_SUCCESS || r == VTC_ERROR_OUT_OF_MEMORY, "context_create, allocation %ld fails: %s", n,
              vtc_result_string(r));
        CHECK(r == VTC_SUCCESS || ctx == NULL, "context_create set *out on failure");
        CHECK(r == VTC_SUCCESS || log.errors > 0, "context_create, allocation %ld fails: no message logged", n);
        if (r == VTC_SUCCESS)
            vtc_context_destroy(ctx);
        CHECK(c.live == 0, "context_create, allocation %ld fails: %ld allocations leaked", n, c.live);
        if (!reached)
            break;
        points++;
    }
    return points;
}

typedef vtc_result (*call_fn)(vtc_context ctx, int op, const void *data, uint64_t *hash);

static vtc_result op_call(vtc_context ctx, int op, const void *data, uint64_t *hash)
{
    uint64_t s = *(const uint64_t *)data;
    return rel_call(ctx, op, &s, hash);
}

static vtc_result compress_call(vtc_context ctx, int op, const void *data, uint64_t *hash)
{
    (void)op;
    (void)data;
    return rel_compress_once(ctx, hash);
}

/* Sweeps N over the allocations of fn on a fresh context; returns the points swept. */
static long sweep_call(const char *name, call_fn fn, int op, const void *data, uint64_t want)
{
    long points = 0;
    for (long n = 1; n < 10000; n++) {
        counting c = {0, 0, 0, 0};
        vtc_allocator al;
        rel_log log;
        vtc_context ctx = make_ctx(&c, &al, &log);
        c.fail_at = c.count + n;
        uint64_t h = 0;
        vtc_result r = fn(ctx, op, data, &h);
        int reached = c.failed > 0;
        c.fail_at = 0;
        if (reached) {
            CHECK(r == VTC_ERROR_OUT_OF_MEMORY || (r == VTC_SUCCESS && h == want),
                  "%s, allocation %ld of the call fails: %s", name, n, vtc_result_string(r));
            CHECK(r == VTC_SUCCESS || log.errors > 0, "%s, allocation %ld fails: no message logged", name, n);
            /* the context is still usable and gives the reference bits */
            vtc_result r2 = fn(ctx, op, data, &h);
            CHECK(r2 == VTC_SUCCESS && h == want, "%s: after failing allocation %ld the retry gives %s / %s bits", name,
                  n, vtc_result_string(r2), h == want ? "the same" : "different");
            points++;
        } else {
            CHECK(r == VTC_SUCCESS && h == want, "%s: unfailed call gives %s", name, vtc_result_string(r));
        }
        rel_check_validation(ctx, name);
        vtc_context_destroy(ctx);
        CHECK(c.live == 0, "%s, allocation %ld fails: %ld allocations leaked", name, n, c.live);
        if (!reached)
            return points;
    }
    CHECK(0, "%s: the sweep did not end", name);
    return points;
}

int main(void)
{
    long total = 0;
    long pc = sweep_create();
    printf("context_create: %ld allocation-failure points\n", pc);
    total += pc;

    /* reference bits on an ordinary context */
    rel_log log;
    vtc_context ref = rel_context(&log, 0, NULL);
    for (int op = 0; op < rel_op_kinds(); op++) {
        for (uint64_t seed = 1; seed <= 2; seed++) {
            uint64_t data = seed * 1000 + (uint64_t)op, s = data, want = 0;
            vtc_result r = rel_call(ref, op, &s, &want);
            CHECK(r == VTC_SUCCESS, "reference %s failed: %s", rel_op_name(op), vtc_result_string(r));
            char name[64];
            snprintf(name, sizeof(name), "%s (seed %llu)", rel_op_name(op), (unsigned long long)seed);
            long p = sweep_call(name, op_call, op, &data, want);
            printf("%s: %ld allocation-failure points\n", name, p);
            total += p;
        }
    }

    /* compress, when this build has it */
    uint64_t want = 0;
    vtc_result r = rel_compress_once(ref, &want);
    if (r == VTC_ERROR_UNSUPPORTED) {
        printf("compress: not in this build, skipped\n");
    } else {
        CHECK(r == VTC_SUCCESS, "reference compress failed: %s", vtc_result_string(r));
        if (r == VTC_SUCCESS) {
            long p = sweep_call("compress (create, prepare, call)", compress_call, 0, NULL, want);
            printf("compress: %ld allocation-failure points\n", p);
            total += p;
        }
    }
    vtc_context_destroy(ref);
    printf("%ld allocation-failure points swept, %d failures\n", total, rel_failures());
    return rel_failures() ? 1 : 0;
}
