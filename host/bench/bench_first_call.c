/*
 * First-call latency: what a host that prepares at model load waits for on
 * its first image. For every row: a fresh context with no pipeline cache
 * data, the op's set-up hook (compress: its weights), vtc_prepare with the
 * call's args (timed), then the first call (timed, host clock, host tensors
 * so the same args serve both) and up to three more (fewer when they
 * outlast --max-time), whose median is the warm time. The pipelines the first call still creates are counted from
 * vtc_context_stats.pipelines: 0 when prepare compiled everything.
 * The driver's own shader cache is off for the whole run
 * (MESA_SHADER_CACHE_DISABLE=true, set by cli_bench before the driver
 * loads), so "cold" is cold for the driver as well as for vtc.
 */
#include "bench.h"
#include "op_desc.h"
#include "op_ref.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* The context's creation counters: pipelines, Vulkan objects and compile
   time so far (objects and compile time < 0 from a plugin before 1.3.0). */
typedef struct counters {
    double pipelines, objects, compile_ms;
} counters;

static counters counted(const vtc_api_v1 *api, vtc_context ctx)
{
    vtc_context_stats st;
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    counters c = {-1, -1, -1};
    if (api->context_stats_get(ctx, &st) != VTC_SUCCESS)
        return c;
    c.pipelines = (double)st.pipelines;
    if (st.size >= offsetof(vtc_context_stats, compile_ns) + sizeof(st.compile_ns)) {
        c.objects = (double)st.objects_created;
        c.compile_ms = (double)st.compile_ns * 1e-6;
    }
    return c;
}

static double delta(double before, double after)
{
    return before >= 0 && after >= 0 ? after - before : -1;
}

void bench_first_call_row(bench_ctx *b, bench_row *row, const vtc_op_desc *d, const void *host_args, uint64_t seed)
{
    const vtc_api_v1 *api = b->api;
    bench_first_call *f = &row->first;
    _Alignas(16) unsigned char args[2048];
    memcpy(args, host_args, sizeof(args));
    const vtc_op_ref *ref = bench_op_ref(d->op);
    vtc_context_desc cd;
    memset(&cd, 0, sizeof(cd));
    cd.size = sizeof(cd);
    vtc_context ctx = NULL;
    void *aux = NULL;
    vtc_result r = api->context_create(&cd, &ctx);
    const char *what = "context";
    bench_progress(b, row, "first call, fresh context", 0, 0);
    if (!r && ref && ref->setup) {
        what = "set-up";
        r = ref->setup(api, ctx, args, seed, &aux);
    }
    if (!r) {
        what = "vtc_prepare";
        double t0 = now_ms();
        r = api->prepare(ctx, d->op, args);
        f->prepare_ms = now_ms() - t0;
    }
    if (!r) {
        what = "first call";
        counters c0 = counted(api, ctx);
        double t0 = now_ms();
        r = api->run(ctx, d->op, args, NULL);
        f->cold_ms = now_ms() - t0;
        counters c1 = counted(api, ctx);
        f->pipelines = delta(c0.pipelines, c1.pipelines);
        f->objects = delta(c0.objects, c1.objects);
        f->compile_ms = delta(c0.compile_ms, c1.compile_ms);
    }
    /* up to 3 warm calls, fewer when they outlast the shape's time budget */
    double warm[3], spent = 0;
    int nw = 0;
    for (; nw < 3 && !r; nw++) {
        if (nw && b->opt->max_time_s > 0 && spent > b->opt->max_time_s * 1e3)
            break;
        what = "warm call";
        double t0 = now_ms();
        r = api->run(ctx, d->op, args, NULL);
        warm[nw] = now_ms() - t0;
        spent += warm[nw];
    }
    if (!r) {
        bench_stats s;
        bench_stats_of(warm, nw, &s);
        f->warm_ms = s.median;
        f->measured = 1;
    } else {
        snprintf(f->why, sizeof(f->why), "%s: %s", what, api->result_string(r));
    }
    if (aux)
        ref->teardown(api, ctx, aux);
    if (ctx)
        api->context_destroy(ctx);
}
