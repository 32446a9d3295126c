/*
 * First-call latency: what a host waits for its first result, pipeline
 * creation included. Measured on two fresh contexts of the same device: one
 * with no pipeline cache (cold), one given the cache data the first handed
 * back (warm), which is what `vtc` does across runs with
 * $XDG_CACHE_HOME/vtc. The driver may keep its own shader cache as well
 * (Mesa: $XDG_CACHE_HOME/mesa_shader_cache), which this cannot switch off,
 * so "cold" means cold for vtc's cache only.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* VisionZip on LLaVA-1.5's tower output: 577 tokens of 1024, 16 heads, 64 kept. */
enum { N = 577, D = 1024, H = 16, DOM = 53, CTX = 10, KEEP = 1 + DOM + CTX };

static vtc_tensor host3(void *p, int64_t a, int64_t b, int64_t c)
{
    vtc_tensor t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    t.dtype = VTC_DTYPE_F32;
    t.ndim = 3;
    t.shape[0] = a;
    t.shape[1] = b;
    t.shape[2] = c;
    t.host = p;
    return t;
}

/* Creates a context (from `cache` when given), times its first call, hands
   back its cache data when asked. */
static vtc_result one(const vtc_api_v1 *api, const void *cache, size_t cache_bytes, const vtc_visionzip_args *a,
                      double *ms, void **blob, size_t *blob_bytes)
{
    vtc_context_desc d;
    memset(&d, 0, sizeof(d));
    d.size = sizeof(d);
    d.pipeline_cache_data = cache;
    d.pipeline_cache_size = cache_bytes;
    vtc_context ctx;
    vtc_result r = api->context_create(&d, &ctx);
    if (r)
        return r;
    double t0 = now_ms();
    r = api->visionzip(ctx, a, NULL);
    *ms = now_ms() - t0;
    if (!r && blob) {
        size_t n = 0;
        r = api->context_pipeline_cache(ctx, NULL, &n);
        *blob = r ? NULL : malloc(n ? n : 1);
        if (!r && !*blob)
            r = VTC_ERROR_OUT_OF_MEMORY;
        if (!r)
            r = api->context_pipeline_cache(ctx, *blob, &n);
        if (r == VTC_INCOMPLETE) /* grew in between: what was written is still a valid cache */
            r = VTC_SUCCESS;
        *blob_bytes = n;
    }
    api->context_destroy(ctx);
    return r;
}

int bench_first_call(const vtc_api_v1 *api, bench_first_call_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    err[0] = 0;
    if (!VTC_API_HAS(api, context_pipeline_cache)) {
        snprintf(err, errlen, "the plugin predates pipeline-cache data (vtc 1.0)");
        return -1;
    }
    float *hidden = malloc(sizeof(float) * N * D), *attn = malloc(sizeof(float) * H * N);
    float *o = malloc(sizeof(float) * KEEP * D);
    if (!hidden || !attn || !o) {
        free(hidden), free(attn), free(o);
        snprintf(err, errlen, "out of host memory");
        return -1;
    }
    uint64_t s = 12;
    bench_fill_normal(&s, hidden, (size_t)N * D, 1.0f);
    for (int i = 0; i < H * N; i++)
        attn[i] = (float)((i * 2654435761u) % 1000u) * 1e-6f;
    vtc_visionzip_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.score_mode = VTC_SCORE_ATTN_CLS;
    a.dominant = DOM;
    a.contextual = CTX;
    a.hidden = host3(hidden, 1, N, D);
    a.metric = a.hidden;
    a.attn = host3(attn, 1, H, N);
    a.out = host3(o, 1, KEEP, D);
    void *blob = NULL;
    size_t bytes = 0;
    vtc_result r = one(api, NULL, 0, &a, &out->cold_ms, &blob, &bytes);
    if (!r)
        r = one(api, blob, bytes, &a, &out->warm_ms, NULL, NULL);
    out->cache_bytes = bytes;
    free(blob);
    free(hidden), free(attn), free(o);
    if (r) {
        snprintf(err, errlen, "%s", api->result_string(r));
        return -1;
    }
    out->measured = 1;
    return 0;
}
