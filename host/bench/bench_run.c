/*
 * The measuring loop and what every op case shares: statistics, rows, the
 * progress line, device tensors, the CPU-reference timing and the check of
 * the device's output against it (a benchmark of wrong answers is worthless,
 * and the reference is computed anyway for the speed ratio).
 */
#include "bench.h"
#include "../../tests/ref/ref.h"
#include "io/npy.h"
#include "op_desc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* ---- statistics ----------------------------------------------------------- */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(const double *s, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)pos;
    if (i >= n - 1)
        return s[n - 1];
    double f = pos - i;
    return s[i] * (1 - f) + s[i + 1] * f;
}

void bench_stats_of(double *x, int n, bench_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->n = n;
    if (n <= 0)
        return;
    qsort(x, (size_t)n, sizeof(double), cmp_double);
    out->min = x[0];
    out->max = x[n - 1];
    out->median = quantile(x, n, 0.5);
    out->p25 = quantile(x, n, 0.25);
    out->p75 = quantile(x, n, 0.75);
}

/* ---- rows and progress ------------------------------------------------------- */
void bench_row_cost(bench_row *row, const vtc_op_desc *desc, const void *args, const vtc_op_cost_hints *hints)
{
    vtc_op_cost c;
    desc->cost(args, hints, &c);
    row->bytes = c.bytes_read + c.bytes_written;
    row->flops = c.flops;
}

int bench_host_tensors(const bench_ctx *b)
{
    return b->info.device_type == VK_PHYSICAL_DEVICE_TYPE_CPU && b->calib.gpu_timed && !b->opt->predict;
}

int bench_shape_wanted(const bench_ctx *b, const char *name)
{
    const char *s = b->opt->shape;
    return !s || !strncmp(name, s, strlen(s));
}

bench_row *bench_row_add(bench_ctx *b, const char *op, const char *shape)
{
    if (b->nrows == b->cap) {
        int cap = b->cap ? b->cap * 2 : 16;
        bench_row *r = realloc(b->rows, (size_t)cap * sizeof(*r));
        if (!r)
            return NULL;
        b->rows = r;
        b->cap = cap;
    }
    bench_row *row = &b->rows[b->nrows++];
    memset(row, 0, sizeof(*row));
    snprintf(row->op, sizeof(row->op), "%s", op);
    snprintf(row->shape, sizeof(row->shape), "%s", shape);
    row->cpu_ms = -1;
    row->nmse = -1;
    return row;
}

void bench_progress(bench_ctx *b, const bench_row *row, const char *what, int i, int n)
{
    if (b->opt->quiet)
        return;
    if (b->progress_tty) {
        fprintf(stderr, "\r\033[K[%d/%d] %s %s: %s", b->step, b->steps, row->op, row->shape, what);
        if (n > 0)
            fprintf(stderr, " %d/%d", i, n);
        fflush(stderr);
    } else if (i == 0) {
        /* not a terminal (a log file, CI): one line per phase, no redraws */
        fprintf(stderr, "vtc bench: [%d/%d] %s %s: %s\n", b->step, b->steps, row->op, row->shape, what);
    }
}

void bench_progress_done(bench_ctx *b)
{
    if (!b->opt->quiet && b->progress_tty)
        fprintf(stderr, "\r\033[K");
}

/* ---- timing -------------------------------------------------------------------- */
static void set_error(bench_ctx *b, bench_row *row, const char *what, vtc_result r)
{
    if (r == VTC_ERROR_UNSUPPORTED) {
        row->status = BENCH_SKIPPED;
        snprintf(row->detail, sizeof(row->detail), "skipped (unsupported)");
    } else {
        row->status = BENCH_ERROR;
        snprintf(row->detail, sizeof(row->detail), "%s: %s", what, b->api->result_string(r));
    }
}

double bench_last_gpu_ms(const bench_ctx *b)
{
    vtc_context_stats st = {sizeof(st)};
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    if (b->api->context_stats_get(b->ctx, &st) == VTC_SUCCESS && st.last_gpu_time_ns)
        return (double)st.last_gpu_time_ns * 1e-6;
    return -1;
}

#define WARM_SETTLE_MS 200.0

vtc_result bench_time_op(bench_ctx *b, bench_row *row, bench_call_fn call, void *user)
{
    const bench_opts *o = b->opt;
    if (o->predict)
        return bench_predict_record(b, row, call, user);
    vtc_result r;
    double g;
    /* --warmup runs, and past the first (which compiles) runs for at least
       WARM_SETTLE_MS: right after lavapipe JIT-compiles a kernel, its two
       worker threads often share one CPU for the next few runs (a per-dispatch
       trace of DART 576 x 2048: every kernel at its one-thread time, 2.4 ms a
       call, for 9 runs, then 1.4 ms), which two warm-up runs left in the
       timed ones. On this project's 2-vCPU machine they sometimes stay that
       way for a whole row (README, performance): no warm-up fixes that. A run
       over a second ends the warm-up. */
    double settled = 0;
    for (int i = 0; i < o->warmup || (o->warmup > 0 && settled < WARM_SETTLE_MS && i < 200); i++) {
        bench_progress(b, row, "warm-up", i, o->warmup);
        double t0 = now_ms();
        if ((r = call(user, &g))) {
            set_error(b, row, "warm-up call", r);
            return r;
        }
        double dt = now_ms() - t0;
        if (dt > 1000)
            break;
        if (i > 0)
            settled += dt;
    }
    double *gpu = calloc((size_t)o->repeat, sizeof(double)), *host = calloc((size_t)o->repeat, sizeof(double));
    if (!gpu || !host) {
        free(gpu);
        free(host);
        set_error(b, row, "timing", VTC_ERROR_OUT_OF_MEMORY);
        return VTC_ERROR_OUT_OF_MEMORY;
    }
    int gpu_timed = 1, n = 0;
    double spent = 0;
    r = VTC_SUCCESS;
    for (; n < o->repeat; n++) {
        /* adaptive: a slow shape stops after its budget, one that takes a
           third of it per run after a single run, so none takes minutes */
        double budget = o->max_time_s * 1e3;
        if (budget > 0 && n >= 1 && ((n >= 3 && spent > budget) || spent / n > budget / 3))
            break;
        bench_progress(b, row, "timed runs", n, o->repeat);
        double t0 = now_ms();
        g = -1;
        if ((r = call(user, &g))) {
            set_error(b, row, "timed call", r);
            break;
        }
        host[n] = now_ms() - t0;
        spent += host[n];
        gpu[n] = g;
        if (g < 0)
            gpu_timed = 0;
    }
    if (!r) {
        bench_stats hs;
        bench_stats_of(host, n, &hs);
        row->host_median_ms = hs.median;
        row->gpu_timed = gpu_timed;
        bench_stats_of(gpu_timed ? gpu : host, n, &row->ms);
    }
    free(gpu);
    free(host);
    return r;
}

void bench_time_cpu(bench_ctx *b, bench_row *row, void (*fn)(void *user), void *user)
{
    row->cpu_ms = -1;
    if (b->opt->no_cpu)
        return;
    double best = 0;
    for (int i = 0; i < 3; i++) {
        bench_progress(b, row, "CPU reference", i, 0);
        double t0 = now_ms();
        fn(user);
        double t = now_ms() - t0;
        if (i == 0 || t < best)
            best = t;
        if (t > 500)
            break;
    }
    row->cpu_ms = best;
}

void bench_check(bench_ctx *b, bench_row *row, const float *got, const float *want, size_t n)
{
    row->nmse = ref_nmse(got, want, n);
    double tol = b->opt->dtype == VTC_DTYPE_F16 ? 1e-4 : 1e-6;
    row->check_failed = !(row->nmse <= tol);
}

/* ---- data ------------------------------------------------------------------------- */
size_t bench_dsize(uint32_t dtype)
{
    switch (dtype) {
    case VTC_DTYPE_F16: return 2;
    case VTC_DTYPE_U8: return 1;
    default: return 4;
    }
}

void bench_round_to_dtype(uint32_t dtype, float *x, size_t n)
{
    if (dtype != VTC_DTYPE_F16)
        return;
    for (size_t i = 0; i < n; i++)
        x[i] = npy_half_to_float(npy_float_to_half(x[i]));
}

void bench_fill_normal(uint64_t *state, float *x, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = ref_rng_normal(state) * scale;
}

static size_t count_of(uint32_t ndim, const int64_t *shape)
{
    size_t n = 1;
    for (uint32_t i = 0; i < ndim; i++)
        n *= (size_t)shape[i];
    return n;
}

int bench_dt_raw(bench_ctx *b, bench_dt *d, uint32_t dtype, const void *host, uint32_t ndim, const int64_t *shape)
{
    memset(d, 0, sizeof(*d));
    size_t bytes = count_of(ndim, shape) * bench_dsize(dtype);
    if (bench_buf_create(&b->vk, bytes, &d->buf))
        return -1;
    if (host && host_vk_upload(&b->vk.hv, &d->buf, host, bytes)) {
        bench_buf_destroy(&b->vk, &d->buf);
        return -1;
    }
    d->t.size = sizeof(d->t);
    d->t.dtype = dtype;
    d->t.ndim = ndim;
    for (uint32_t i = 0; i < ndim; i++)
        d->t.shape[i] = shape[i];
    d->t.buffer = d->buf.buffer;
    return 0;
}

int bench_dt_floats(bench_ctx *b, bench_dt *d, const float *host, uint32_t ndim, const int64_t *shape)
{
    uint32_t dt = b->opt->dtype;
    if (!host || dt == VTC_DTYPE_F32)
        return bench_dt_raw(b, d, dt, host, ndim, shape);
    size_t n = count_of(ndim, shape);
    uint16_t *h = malloc(n * 2 + 2);
    if (!h)
        return -1;
    for (size_t i = 0; i < n; i++)
        h[i] = npy_float_to_half(host[i]);
    int rc = bench_dt_raw(b, d, dt, h, ndim, shape);
    free(h);
    return rc;
}

float *bench_dt_read_floats(bench_ctx *b, const bench_dt *d)
{
    size_t n = count_of(d->t.ndim, d->t.shape), es = bench_dsize(d->t.dtype);
    void *raw = malloc(n * es + 4);
    float *f = malloc(n * sizeof(float) + 4);
    if (!raw || !f || host_vk_download(&b->vk.hv, &d->buf, raw, n * es)) {
        free(raw);
        free(f);
        return NULL;
    }
    if (d->t.dtype == VTC_DTYPE_F16)
        for (size_t i = 0; i < n; i++)
            f[i] = npy_half_to_float(((const uint16_t *)raw)[i]);
    else
        memcpy(f, raw, n * 4);
    free(raw);
    return f;
}

void bench_dt_free(bench_ctx *b, bench_dt *d)
{
    bench_buf_destroy(&b->vk, &d->buf);
    memset(d, 0, sizeof(*d));
}
