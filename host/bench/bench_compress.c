/*
 * LLaVA-Mini compression (vtc_compress) on the standard shapes: C = 1 and 8
 * (Q = 1 and 64 queries), N = 576 (24x24, CLIP-L/336) and 2304 (48x48, the
 * high-resolution path), E = 1024, h = 8 heads, B = 1; each through the fast
 * path (folded queries) and the reference path. Shape names:
 * c<C>-n<N>-fast / -ref. The weights are random (vtc_compress_weights_create
 * with host fp32 tensors; pos_embed left for vtc to build).
 *
 * Bytes and FLOPs: compress's cost function (plugin/ops/compress/
 * compress_desc.c: MACs of each path, weights moved once).
 * The CPU reference (tests/ref, double accumulation) implements the reference
 * path; both rows of a (C, N) pair are compared with, and timed against, it.
 */
#include "bench.h"
#include "../../tests/ref/ref.h"
#include "op_desc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define E 1024
#define HEADS 8

const char *const bench_compress_shapes[] = {"c1-n576-fast",  "c1-n576-ref",  "c8-n576-fast",  "c8-n576-ref",
                                             "c1-n2304-fast", "c1-n2304-ref", "c8-n2304-fast", "c8-n2304-ref", NULL};

typedef struct cm_run {
    bench_ctx *b;
    int C, N, g;
    ref_resampler w;
    float *pos_q, *pos_k, *x, *ref_out;
    vtc_compress_args args;
} cm_run;

static vtc_result call(void *user, double *gpu_ms)
{
    cm_run *r = user;
    vtc_result res = r->b->api->compress(r->b->ctx, &r->args, r->b->exec);
    *gpu_ms = bench_last_gpu_ms(r->b);
    return res;
}

static void cpu(void *user)
{
    cm_run *r = user;
    ref_compress(&r->w, 1, r->N, r->pos_q, r->pos_k, r->x, r->ref_out, NULL);
}

static void cost(int C, int N, int fast, uint32_t dtype, bench_row *row)
{
    vtc_compress_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.path = fast ? VTC_COMPRESS_FAST : VTC_COMPRESS_REFERENCE;
    vtc_op_desc_shape(&a.x, dtype, 3, (int64_t[]){1, N, E});
    vtc_op_desc_shape(&a.out, dtype, 3, (int64_t[]){1, (int64_t)C * C, E});
    vtc_op_cost_hints hints = {HEADS};
    bench_row_cost(row, vtc_op_desc_find(VTC_OP_COMPRESS), &a, &hints);
}

static float *normal(uint64_t *seed, size_t n, float scale, float offset)
{
    float *x = malloc(n * sizeof(float));
    if (x)
        for (size_t i = 0; i < n; i++)
            x[i] = offset + scale * ref_rng_normal(seed);
    return x;
}

static vtc_tensor host_tensor(float *data, int64_t d0, int64_t d1)
{
    vtc_tensor t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    t.dtype = VTC_DTYPE_F32;
    t.ndim = d1 ? 2 : 1;
    t.shape[0] = d0;
    t.shape[1] = d1;
    t.host = data;
    return t;
}

static void row_setup(bench_ctx *b, bench_row *row, int C, int N, int fast)
{
    snprintf(row->desc, sizeof(row->desc), "LLaVA-Mini %s path: B=1 N=%d (%dx%d) E=%d h=%d -> Q=%d", fast ? "fast" : "reference",
             N, (int)lround(sqrt(N)), (int)lround(sqrt(N)), E, HEADS, C * C);
    cost(C, N, fast, b->opt->dtype, row);
    row->tokens_in = N;
    row->tokens_out = (double)C * C;
    const bench_llm *m = &b->opt->llm;
    row->llm_before = bench_llm_prefill_flops(m, N + m->text_tokens);
    /* LLaVA-Mini's pre-fusion layers still see every visual token and the text */
    row->llm_after = bench_llm_prefill_flops(m, C * C + m->text_tokens) +
                     bench_llm_prefill_flops_layers(m, N + m->text_tokens, BENCH_LLAVAMINI_PREFUSION_LAYERS);
    snprintf(row->llm_note, sizeof(row->llm_note), "%d -> %d visual tokens + %d text, incl. %d pre-fusion layers "
             "over %d+%d%s", N, C * C, m->text_tokens, BENCH_LLAVAMINI_PREFUSION_LAYERS, N, m->text_tokens,
             C == 1 && N == 576 ? " (paper, LLaVA-Mini-7B: 77% fewer FLOPs)" : "");
}

static void fail_rows(bench_ctx *b, bench_row **rows, int status, const char *detail)
{
    for (int p = 0; p < 2; p++)
        if (rows[p]) {
            b->step++;
            rows[p]->status = status;
            snprintf(rows[p]->detail, sizeof(rows[p]->detail), "%s", detail);
        }
}

static void run_pair(bench_ctx *b, int C, int N, const int want[2])
{
    bench_row *rows[2] = {NULL, NULL};
    for (int p = 0; p < 2; p++)
        if (want[p]) {
            char name[32];
            snprintf(name, sizeof(name), "c%d-n%d-%s", C, N, p == 0 ? "fast" : "ref");
            rows[p] = bench_row_add(b, "compress", name);
            if (!rows[p])
                return;
            row_setup(b, rows[p], C, N, p == 0);
        }
    const vtc_api_v1 *api = b->api;
    int Q = C * C;
    cm_run r;
    memset(&r, 0, sizeof(r));
    r.b = b;
    r.C = C;
    r.N = N;
    r.g = (int)lround(sqrt(N));
    uint64_t seed = 0xc0de00u + (uint64_t)C * 7919u + (uint64_t)N;
    float inv = 1.0f / sqrtf((float)E);
    float *query = normal(&seed, (size_t)Q * E, 1.0f, 0), *lnqw = normal(&seed, E, 0.1f, 1), *lnqb = normal(&seed, E, 0.1f, 0);
    float *lnkw = normal(&seed, E, 0.1f, 1), *lnkb = normal(&seed, E, 0.1f, 0);
    float *win = normal(&seed, (size_t)3 * E * E, inv, 0), *bin = normal(&seed, 3 * E, 0.02f, 0);
    float *wout = normal(&seed, (size_t)E * E, inv, 0), *bout = normal(&seed, E, 0.02f, 0);
    r.x = normal(&seed, (size_t)N * E, 1.0f, 0);
    r.pos_q = malloc((size_t)Q * E * sizeof(float));
    r.pos_k = malloc((size_t)N * E * sizeof(float));
    r.ref_out = malloc((size_t)Q * E * sizeof(float));
    vtc_weights w = NULL;
    bench_dt t_x = {0}, t_out = {0};
    if (!query || !lnqw || !lnqb || !lnkw || !lnkb || !win || !bin || !wout || !bout || !r.x || !r.pos_q || !r.pos_k ||
        !r.ref_out) {
        fail_rows(b, rows, BENCH_ERROR, "out of host memory");
        goto out;
    }
    bench_round_to_dtype(b->opt->dtype, r.x, (size_t)N * E);
    r.w = (ref_resampler){C, E, HEADS, query, lnqw, lnqb, lnkw, lnkb, win, bin, wout, bout};
    ref_pos_embed_2d(C, E, r.pos_q);
    ref_pos_resize_bicubic(C, r.g, E, r.pos_q, r.pos_k);

    vtc_compress_weights_desc d;
    memset(&d, 0, sizeof(d));
    d.size = sizeof(d);
    d.heads = HEADS;
    d.query = host_tensor(query, Q, E);
    d.ln_q_weight = host_tensor(lnqw, E, 0);
    d.ln_q_bias = host_tensor(lnqb, E, 0);
    d.ln_kv_weight = host_tensor(lnkw, E, 0);
    d.ln_kv_bias = host_tensor(lnkb, E, 0);
    d.in_proj_weight = host_tensor(win, 3 * E, E);
    d.in_proj_bias = host_tensor(bin, 3 * E, 0);
    d.out_proj_weight = host_tensor(wout, E, E);
    d.out_proj_bias = host_tensor(bout, E, 0);
    vtc_result res = api->compress_weights_create(b->ctx, &d, &w);
    if (!res)
        res = api->compress_weights_prepare(b->ctx, w, (uint32_t)N);
    if (res) {
        char msg[160];
        snprintf(msg, sizeof(msg), "weights: %s", api->result_string(res));
        fail_rows(b, rows, res == VTC_ERROR_UNSUPPORTED ? BENCH_SKIPPED : BENCH_ERROR,
                  res == VTC_ERROR_UNSUPPORTED ? "skipped (unsupported)" : msg);
        goto out;
    }
    int64_t sh_x[3] = {1, N, E}, sh_out[3] = {1, Q, E};
    if (bench_dt_floats(b, &t_x, r.x, 3, sh_x) || bench_dt_floats(b, &t_out, NULL, 3, sh_out)) {
        fail_rows(b, rows, BENCH_ERROR, "cannot create device tensors");
        goto out;
    }
    int have_ref = 0;
    for (int p = 0; p < 2; p++) {
        if (!rows[p])
            continue;
        b->step++;
        r.args.size = sizeof(r.args);
        r.args.path = p == 0 ? VTC_COMPRESS_FAST : VTC_COMPRESS_REFERENCE;
        r.args.weights = w;
        r.args.x = t_x.t;
        r.args.out = t_out.t;
        if (bench_time_op(b, rows[p], call, &r))
            continue;
        /* one CPU reference serves both paths (same workload, same answer) */
        if (!have_ref) {
            bench_time_cpu(b, rows[p], cpu, &r);
            have_ref = rows[p]->cpu_ms >= 0 ? 1 : -1;
            for (int o = 0; o < 2; o++)
                if (rows[o])
                    rows[o]->cpu_ms = rows[p]->cpu_ms;
        }
        if (have_ref > 0) {
            float *got = bench_dt_read_floats(b, &t_out);
            if (got)
                bench_check(b, rows[p], got, r.ref_out, (size_t)Q * E);
            free(got);
        }
    }
out:
    if (w)
        api->compress_weights_destroy(b->ctx, w);
    bench_dt_free(b, &t_x);
    bench_dt_free(b, &t_out);
    free(query);
    free(lnqw);
    free(lnqb);
    free(lnkw);
    free(lnkb);
    free(win);
    free(bin);
    free(wout);
    free(bout);
    free(r.x);
    free(r.pos_q);
    free(r.pos_k);
    free(r.ref_out);
}

int bench_compress(bench_ctx *b, int count_only)
{
    static const int Cs[2] = {1, 8}, Ns[2] = {576, 2304};
    int n = 0;
    for (int ni = 0; ni < 2; ni++)
        for (int ci = 0; ci < 2; ci++) {
            int want[2];
            for (int p = 0; p < 2; p++) {
                char name[32];
                snprintf(name, sizeof(name), "c%d-n%d-%s", Cs[ci], Ns[ni], p == 0 ? "fast" : "ref");
                want[p] = bench_shape_wanted(b, name);
                n += want[p];
            }
            if (!count_only && (want[0] || want[1]))
                run_pair(b, Cs[ci], Ns[ni], want);
        }
    return n;
}
