/*
 * Conformance helpers: checks, guarded buffers, dtype conversion, golden
 * files.
 */
#include "conf.h"

#include "../../host/io/npy.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int conf_fail(conf_result *r, const char *fmt, ...)
{
    if (r->status != CONF_FAIL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
        va_end(ap);
    }
    r->status = CONF_FAIL;
    return 0;
}

void conf_skip(conf_result *r, const char *fmt, ...)
{
    if (r->status == CONF_FAIL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
    va_end(ap);
    r->status = CONF_SKIP;
}

void conf_shape(conf_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->shape, sizeof(r->shape), fmt, ap);
    va_end(ap);
}

double conf_tol(uint32_t dtype)
{
    /* fp32: accumulation-order differences only. fp16: the output's own
       rounding (relative 2^-11, NMSE ~ 1e-7) with margin. */
    return dtype == VTC_DTYPE_F16 ? 2e-5 : 1e-9;
}

size_t conf_dsize(uint32_t dtype)
{
    return dtype == VTC_DTYPE_F16 ? 2 : 4;
}

/* fp16 conversions: npy.c's, the host's (the test must not share code with
   the plugin it tests; the golden files are read through the same). */
void conf_store(uint32_t dtype, void *dst, float *src, size_t n)
{
    if (dtype == VTC_DTYPE_F16) {
        uint16_t *d = dst;
        for (size_t i = 0; i < n; i++) {
            d[i] = npy_float_to_half(src[i]);
            src[i] = npy_half_to_float(d[i]);
        }
    } else {
        memcpy(dst, src, n * 4);
    }
}

void conf_load(uint32_t dtype, float *dst, const void *src, size_t n)
{
    if (dtype == VTC_DTYPE_F16) {
        const uint16_t *s = src;
        for (size_t i = 0; i < n; i++)
            dst[i] = npy_half_to_float(s[i]);
    } else {
        memcpy(dst, src, n * 4);
    }
}

int conf_check_nmse(conf_result *r, const char *what, uint32_t dtype, const void *got, const float *want, size_t n,
                    double tol)
{
    float *g = malloc((n ? n : 1) * sizeof(float));
    if (!g)
        return conf_fail(r, "out of memory");
    conf_load(dtype, g, got, n);
    double e = ref_nmse(g, want, n);
    free(g);
    if (r->nmse < 0 || e > r->nmse || isnan(e))
        r->nmse = e;
    if (!(e <= tol))
        return conf_fail(r, "%s: NMSE %.3g above tolerance %.3g", what, e, tol);
    return 1;
}

int conf_check_idx(conf_result *r, const char *what, const int32_t *got, const int32_t *want, size_t n)
{
    size_t m = ref_index_mismatches(got, want, n);
    r->mismatches += m;
    if (m) {
        size_t first = 0;
        while (first < n && got[first] == want[first])
            first++;
        return conf_fail(r, "%s: %zu of %zu indices differ (first at %zu: got %d, want %d)", what, m, n, first,
                         got[first], want[first]);
    }
    return 1;
}

int conf_check_result(conf_result *r, const char *what, vtc_result got, vtc_result want)
{
    if (got != want)
        return conf_fail(r, "%s: returned %d, expected %d", what, (int)got, (int)want);
    return 1;
}

/* ---- guarded buffers --------------------------------------------------- */
#define GUARD 64
#define GUARD_BYTE 0xA5
#define POISON_BYTE 0xCD

void *conf_buf_alloc(conf_buf *b, size_t bytes)
{
    b->bytes = bytes;
    b->raw = malloc(bytes + 2 * GUARD);
    if (!b->raw) {
        b->data = NULL;
        return NULL;
    }
    memset(b->raw, GUARD_BYTE, GUARD);
    memset(b->raw + GUARD, POISON_BYTE, bytes);
    memset(b->raw + GUARD + bytes, GUARD_BYTE, GUARD);
    b->data = b->raw + GUARD;
    return b->data;
}

int conf_buf_guard_ok(const conf_buf *b)
{
    if (!b->raw)
        return 1;
    for (size_t i = 0; i < GUARD; i++)
        if (b->raw[i] != GUARD_BYTE || b->raw[GUARD + b->bytes + i] != GUARD_BYTE)
            return 0;
    return 1;
}

int conf_buf_untouched(const conf_buf *b)
{
    for (size_t i = 0; i < b->bytes; i++)
        if (((const uint8_t *)b->data)[i] != POISON_BYTE)
            return 0;
    return 1;
}

void conf_buf_free(conf_buf *b)
{
    free(b->raw);
    memset(b, 0, sizeof(*b));
}

int conf_guards(conf_result *r, conf_buf *const *bufs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (bufs[i] && !conf_buf_guard_ok(bufs[i]))
            return conf_fail(r, "write outside an output: guard of buffer %zu was overwritten", i);
    return 1;
}

/* ---- tensors ----------------------------------------------------------- */
vtc_tensor conf_tensor(uint32_t dtype, void *host, uint32_t ndim, const int64_t *shape)
{
    vtc_tensor t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    t.dtype = dtype;
    t.ndim = ndim;
    for (uint32_t i = 0; i < ndim && i < VTC_MAX_DIMS; i++)
        t.shape[i] = shape[i];
    t.host = host;
    return t;
}

vtc_tensor conf_tensor2(uint32_t dtype, void *host, int64_t d0, int64_t d1)
{
    int64_t s[2] = {d0, d1};
    return conf_tensor(dtype, host, 2, s);
}

vtc_tensor conf_tensor3(uint32_t dtype, void *host, int64_t d0, int64_t d1, int64_t d2)
{
    int64_t s[3] = {d0, d1, d2};
    return conf_tensor(dtype, host, 3, s);
}

vtc_tensor conf_tensor4(uint32_t dtype, void *host, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    int64_t s[4] = {d0, d1, d2, d3};
    return conf_tensor(dtype, host, 4, s);
}

void conf_fill_normal(uint64_t *state, float *x, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = ref_rng_normal(state) * scale;
}

void conf_fill_uniform(uint64_t *state, float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = ref_rng_uniform(state, lo, hi);
}

/* ---- golden files ----------------------------------------------------- */
float *conf_golden_f32(conf_env *env, conf_result *r, const char *rel, size_t *count, int64_t *shape, int *ndim)
{
    /* The golden data ships with vtc (tests/data/golden, share/vtc/golden):
       without it the comparison with the papers' code did not run, a failure. */
    if (!env->golden_dir) {
        conf_fail(r, "no golden folder (looked in %s; set VTC_GOLDEN_DIR or --golden)",
                  env->golden_looked ? env->golden_looked : "no default place");
        return NULL;
    }
    char path[1024], err[512];
    snprintf(path, sizeof(path), "%s/%s", env->golden_dir, rel);
    npy_array a;
    if (npy_load(path, &a, err, sizeof(err))) {
        conf_fail(r, "golden file unavailable: %s", err);
        return NULL;
    }
    float *out = malloc((a.count ? a.count : 1) * sizeof(float));
    if (out) {
        if (a.dtype == NPY_I32) {
            for (size_t i = 0; i < a.count; i++)
                out[i] = (float)((const int32_t *)a.data)[i];
        } else if (npy_to_f32(&a, out)) {
            free(out);
            out = NULL;
            conf_fail(r, "golden %s: unexpected dtype", rel);
        }
    }
    if (out) {
        *count = a.count;
        if (shape)
            for (int i = 0; i < a.ndim && i < 8; i++)
                shape[i] = a.shape[i];
        if (ndim)
            *ndim = a.ndim;
    }
    npy_free(&a);
    return out;
}
