/* prune (docs/prune.md) conformance: DivPrune and DART index sets against the
   CPU reference (exact; an fp32 near tie within 1e-5 may bend, an exact tie
   never), kept and merged rows by NMSE, edge budgets, record mode, errors. */
#include "conf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CONF_OP "prune"

static vtc_result op_call(conf_env *env, const void *args, const vtc_exec *exec)
{
    return env->api->prune(env->ctx, args, exec);
}

#define NEAR_TIE_TOL 1e-5
#define MAX_NEAR_TIES 1   /* 0 seen on lavapipe; one allowed for other fp32 orders */

typedef struct pr_case {
    uint32_t mode;
    int B, N, D, Dm, K, c, P;   /* Dm 0: metric absent (hidden compared) */
    int pattern;                /* 0 random + duplicate and zero rows, 1 all rows equal, 2 few distinct rows,
                                   3 plain random (the first pick is then a real maximum) */
} pr_case;

static void make_rows(uint64_t *st, int pattern, int B, int N, int W, float *x)
{
    conf_fill_normal(st, x, (size_t)B * N * W, 1.0f);
    for (int b = 0; b < B; b++) {
        float *img = x + (size_t)b * N * W;
        for (int i = 0; i < N; i++) {
            int from = -1;
            if (pattern == 1)
                from = 0;
            else if (pattern == 2)
                from = i % 5;
            else if (i > 0 && ref_rng_uniform(st, 0, 1) < 0.15f)
                from = (int)ref_rng_uniform(st, 0, (float)i); /* an exact duplicate of an earlier row */
            if (from >= 0 && from != i)
                memcpy(img + (size_t)i * W, img + (size_t)from * W, sizeof(float) * W);
            if (pattern == 3)
                continue;
            if (pattern == 0 && i % 17 == 5)
                memset(img + (size_t)i * W, 0, sizeof(float) * W); /* zero rows: cosine 0 with everything */
        }
    }
}

/* The call of `c` without its tensors. */
static vtc_prune_args pr_budget(const pr_case *c)
{
    vtc_prune_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.mode = c->mode;
    a.keep = (uint32_t)c->K;
    a.contextual = (uint32_t)c->c;
    a.pivots = (uint32_t)c->P;
    return a;
}

/* The call of `c` on host tensors, float ones in dtype dt (out and src_idx
   only when od is given). */
static vtc_prune_args pr_args(const pr_case *c, uint32_t dt, void *hd, void *md, int32_t *keep, void *od, int32_t *src)
{
    int rows = c->K + c->c;
    vtc_prune_args a = pr_budget(c);
    a.hidden = conf_tensor3(dt, hd, c->B, c->N, c->D);
    if (c->Dm)
        a.metric = conf_tensor3(dt, md, c->B, c->N, c->Dm);
    if (c->K > 0)
        a.keep_idx = conf_tensor2(VTC_DTYPE_I32, keep, c->B, c->K);
    if (rows > 0 && od) {
        a.out = conf_tensor3(dt, od, c->B, rows, c->D);
        a.src_idx = conf_tensor2(VTC_DTYPE_I32, src, c->B, rows);
    }
    return a;
}

/* Runs the op on host tensors; returns the call's result. */
static vtc_result call_prune(conf_env *env, const pr_case *c, void *hd, void *md, int32_t *keep, void *od,
                             int32_t *src)
{
    vtc_prune_args a = pr_args(c, env->dtype, hd, md, keep, od, src);
    return env->api->prune(env->ctx, &a, NULL);
}

static void run_prune(conf_env *env, conf_result *r, const pr_case *c)
{
    int B = c->B, N = c->N, D = c->D, Dm = c->Dm, K = c->K, C = c->c, rows = K + C;
    conf_shape(r, "B=%d N=%d D=%d Dm=%d %s K=%d c=%d P=%d", B, N, D, Dm, c->mode ? "dart" : "divprune", K, C, c->P);
    uint64_t st = env->seed;
    size_t ds = conf_dsize(env->dtype);
    size_t nh = (size_t)B * N * D, nm = (size_t)B * N * (Dm ? Dm : 1), no = (size_t)B * (rows ? rows : 1) * D;
    float *hid = malloc(4 * nh), *met = malloc(4 * nm), *want = malloc(4 * no);
    int32_t *want_keep = malloc(4 * (size_t)B * (K ? K : 1)), *want_src = malloc(4 * (size_t)B * (rows ? rows : 1));
    conf_buf bh = {0}, bm = {0}, bk = {0}, bo = {0}, bs = {0}, bo2 = {0};
    void *hd = conf_buf_alloc(&bh, ds * nh), *md = conf_buf_alloc(&bm, ds * nm);
    int32_t *keep = conf_buf_alloc(&bk, 4 * (size_t)B * (K ? K : 1));
    void *od = conf_buf_alloc(&bo, ds * no), *od2 = conf_buf_alloc(&bo2, ds * no);
    int32_t *src = conf_buf_alloc(&bs, 4 * (size_t)B * (rows ? rows : 1));
    make_rows(&st, c->pattern, B, N, D, hid);
    conf_store(env->dtype, hd, hid, nh);
    if (Dm) {
        make_rows(&st, c->pattern, B, N, Dm, met);
        conf_store(env->dtype, md, met, nm);
    }
    const float *mref = Dm ? met : NULL;
    if (!conf_check_result(r, "prune", call_prune(env, c, hd, md, keep, od, src), VTC_SUCCESS))
        goto done;
    if (rows == 0) {
        if (!conf_buf_untouched(&bk) || !conf_buf_untouched(&bo) || !conf_buf_untouched(&bs))
            conf_fail(r, "an empty budget wrote output");
        goto guards;
    }
    int32_t *got_keep = keep;
    if (K == 0)
        got_keep = NULL;
    int near = 0;
    int rc = ref_prune((int)c->mode, B, N, D, Dm, K, C, c->P, hid, mref, got_keep, NEAR_TIE_TOL, &near, want_keep, want,
                       want_src);
    if (rc == -2) {
        /* show how far off the exact rule it is */
        ref_prune((int)c->mode, B, N, D, Dm, K, C, c->P, hid, mref, NULL, 0, NULL, want_keep, want, want_src);
        conf_check_idx(r, "keep_idx", keep, want_keep, (size_t)B * K);
        conf_fail(r, "keep_idx is not the %s selection (beyond fp32 near ties)", c->mode ? "DART" : "DivPrune");
        goto guards;
    }
    if (rc) {
        conf_fail(r, "reference rejected the case");
        goto guards;
    }
    if (near > MAX_NEAR_TIES)
        conf_fail(r, "%d near-tie deviations from the exact rule (at most %d expected)", near, MAX_NEAR_TIES);
    if (K > 0)
        conf_check_idx(r, "keep_idx", keep, want_keep, (size_t)B * K);
    conf_check_idx(r, "src_idx", src, want_src, (size_t)B * rows);
    conf_check_nmse(r, "out", env->dtype, od, want, (size_t)B * rows * D, conf_tol(env->dtype));
    /* same input, same bits */
    if (call_prune(env, c, hd, md, keep, od2, src) != VTC_SUCCESS || memcmp(od, od2, ds * (size_t)B * rows * D))
        conf_fail(r, "a second identical call gave different bits");
guards:;
    conf_buf *g[] = {&bh, &bm, &bk, &bo, &bs, &bo2};
    conf_guards(r, g, 6);
done:
    free(hid); free(met); free(want); free(want_keep); free(want_src);
    conf_buf_free(&bh); conf_buf_free(&bm); conf_buf_free(&bk); conf_buf_free(&bo); conf_buf_free(&bs);
    conf_buf_free(&bo2);
}

#define PR(fn, ...) static void fn(conf_env *e, conf_result *r) { pr_case c = {__VA_ARGS__}; run_prune(e, r, &c); }
/*                                      mode B  N    D   Dm  K   c  P  pattern */
PR(divprune_batched_duplicates_zero_rows, 0, 3, 70,  24, 0,  12, 0, 0, 0)
PR(divprune_llava_576_to_64,              0, 1, 576, 48, 0,  64, 0, 0, 0)
PR(divprune_wide_rows_past_loop_limiter,  0, 1, 160, 1024, 0, 24, 0, 0, 0)
/* N > 4096: no distance matrix, the per-step path (prune.c) */
PR(divprune_past_distance_matrix_limit,   0, 1, 4100, 2,  0, 4,  0, 0, 3)
/* K steps past one prune_greedy dispatch's share of llvmpipe's loop limiter */
PR(divprune_steps_in_several_dispatches,  0, 1, 2000, 8,  0, 1000, 0, 0, 3)
PR(dart_picks_in_several_dispatches,      1, 1, 2000, 32, 0, 1000, 0, 0, 3)
PR(dart_wide_rows_past_loop_limiter,      1, 1, 160, 1024, 0, 40, 0, 0, 0)
PR(divprune_with_merge_and_metric,        0, 2, 90,  20, 12, 14, 6, 0, 0)
PR(divprune_all_rows_equal,               0, 2, 33,  8,  0,  7,  0, 0, 1)
PR(divprune_few_distinct_rows,            0, 2, 40,  12, 0,  9,  0, 0, 2)
PR(divprune_keep_one,                     0, 2, 25,  8,  0,  1,  0, 0, 3)
PR(divprune_keep_two_plain_rows,          0, 3, 40,  6,  0,  2,  0, 0, 3)
PR(divprune_keep_every_token,             0, 2, 30,  8,  0,  30, 0, 0, 0)
PR(divprune_one_token,                    0, 3, 1,   8,  0,  1,  0, 0, 0)
PR(divprune_merge_only,                   0, 2, 30,  8,  0,  0,  5, 0, 0)
PR(divprune_empty_budget,                 0, 2, 30,  8,  0,  0,  0, 0, 0)
PR(dart_default_pivots,                   1, 2, 80,  32, 0,  20, 0, 0, 0)
PR(dart_pivot_remainder_split,            1, 3, 64,  16, 0,  17, 0, 3, 0)
PR(dart_budget_below_pivots,              1, 2, 40,  16, 0,  5,  0, 8, 0)
PR(dart_with_merge_and_metric,            1, 2, 100, 24, 16, 24, 8, 4, 0)
PR(dart_all_rows_equal,                   1, 2, 33,  8,  0,  11, 0, 2, 1)
PR(dart_few_distinct_rows,                1, 2, 40,  12, 0,  13, 0, 3, 2)
PR(dart_keep_every_token,                 1, 1, 30,  8,  0,  30, 0, 0, 0)
PR(dart_llava_576_to_64,                  1, 1, 576, 48, 0,  64, 0, 0, 0)

/* Selection only, on hand-made rows x [B][N][D] stored in the run dtype:
   keep_idx must be `want` exactly. */
static void check_hand_keep(conf_env *env, conf_result *r, uint32_t mode, uint32_t pivots, float *x, int B, int N,
                            int D, uint32_t K, const int32_t *want)
{
    size_t n = (size_t)B * N * D, nk = (size_t)B * K;
    void *hd = malloc(conf_dsize(env->dtype) * n);
    int32_t *keep = malloc(4 * nk);
    memset(keep, 0xff, 4 * nk); /* -1: no index */
    conf_store(env->dtype, hd, x, n);
    pr_case c = {mode, B, N, D, 0, (int)K, 0, (int)pivots, 0};
    vtc_prune_args a = pr_args(&c, env->dtype, hd, NULL, keep, NULL, NULL);
    if (conf_check_result(r, "prune", env->api->prune(env->ctx, &a, NULL), VTC_SUCCESS))
        conf_check_idx(r, "keep_idx", keep, want, nk);
    free(hd);
    free(keep);
}

/* Known answers worked by hand (docs/prune.md), not by the reference. */
static void divprune_hand_worked_answer(conf_env *env, conf_result *r)
{
    /* unit directions 0, 10, 20, 90, 180 degrees (scaled: cosine, not dot) and a zero row.
       nn: 0.015 0.015 0.015 0.658 1 1 -> tie 4/5 at 1 goes to 4; then 0 (farthest from 180);
       then 3 and 5 tie at 1 -> 3; then 5 -> {0, 3, 4, 5} */
    conf_shape(r, "B=1 N=6 D=2 K=4");
    float deg = 3.14159265358979f / 180.0f;
    float x[12] = {5.0f, 0.0f, cosf(10 * deg), sinf(10 * deg), cosf(20 * deg), sinf(20 * deg),
                   0.0f, 0.1f, -2.0f, 0.0f, 0.0f, 0.0f};
    int32_t want[4] = {0, 3, 4, 5};
    check_hand_keep(env, r, VTC_PRUNE_DIVPRUNE, 0, x, 1, 6, 2, 4, want);
}

/* 0, 10, 20 and 100 degrees: nn = 0.015 0.015 0.015 0.826, so K = 1 keeps {3}; K = 2 adds the
   farthest from 100 degrees, 0 degrees (1 - cos 100 = 1.17): {0, 3}. */
static void divprune_first_pick_is_the_loneliest(conf_env *env, conf_result *r)
{
    conf_shape(r, "B=2 N=4 D=2 K=1,2");
    float deg = 3.14159265358979f / 180.0f, x[16];
    for (int b = 0; b < 2; b++) {
        float ang[4] = {0, 10, 20, 100};
        for (int i = 0; i < 4; i++) {
            x[b * 8 + 2 * i] = (1.0f + i) * cosf(ang[i] * deg);
            x[b * 8 + 2 * i + 1] = (1.0f + i) * sinf(ang[i] * deg);
        }
    }
    int32_t want[2][4] = {{3, 3}, {0, 3, 0, 3}};
    for (uint32_t K = 1; K <= 2; K++)
        check_hand_keep(env, r, VTC_PRUNE_DIVPRUNE, 0, x, 2, 4, 2, K, want[K - 1]);
}

static void dart_hand_worked_answer(conf_env *env, conf_result *r)
{
    /* L1 norms 3 2.1 1 1 0.5 0.5: pivots {0, 1} (P = 2); K = 5 leaves 3: pivot 0 takes 2, pivot 1 one.
       cos to row 0 = (1,0,0)*3: rows 2..5 -> 0, -1, 0.83, 0; two lowest: 3 (-1), then the 0-ties 2 < 5 -> 2.
       pivot 1 = (0,2.1,0): among 4, 5: cos 0.55 and 0 -> 5. Kept {0, 1, 2, 3, 5}. */
    conf_shape(r, "B=1 N=6 D=3 K=5 P=2");
    float x[18] = {3, 0, 0, 0, 2.1f, 0, 0, 0, 1, -1, 0, 0, 0.3f, 0.2f, 0, 0, 0, 0.5f};
    int32_t want[5] = {0, 1, 2, 3, 5};
    check_hand_keep(env, r, VTC_PRUNE_DART, 2, x, 1, 6, 3, 5, want);
}

/* Record mode: selection, gather and merge in the host's command buffer, scratch from the query. */
static void record_mode(conf_env *env, conf_result *r, uint32_t mode)
{
    enum { B = 2, N = 120, D = 32, K = 16, C = 4, ROWS = K + C };
    conf_shape(r, "B=%d N=%d D=%d K=%d c=%d", B, N, D, K, C);
    conf_vk *vk = conf_vk_for_record(env, r);
    if (!vk)
        return;
    uint64_t st = env->seed;
    size_t ds = conf_dsize(env->dtype);
    float *hid = malloc(4 * B * N * D), *want = malloc(4 * B * ROWS * D);
    int32_t want_keep[B * K], want_src[B * ROWS];
    make_rows(&st, 0, B, N, D, hid);
    conf_devbuf dh, dk, dout, dsrc, *dev[] = {&dh, &dk, &dout, &dsrc};
    size_t bytes[] = {ds * B * N * D, 4 * B * K, ds * B * ROWS * D + 256, 4 * B * ROWS};
    if (!conf_devbufs_create(vk, r, 4, dev, bytes))
        goto done;
    conf_store(env->dtype, dh.map, hid, (size_t)B * N * D);
    pr_case c = {mode, B, N, D, 0, K, C, 0, 0};
    vtc_prune_args a = pr_budget(&c);
    int64_t sh_h[3] = {B, N, D}, sh_k[2] = {B, K}, sh_o[3] = {B, ROWS, D}, sh_s[2] = {B, ROWS};
    a.hidden = conf_devtensor(env->dtype, &dh, 0, 3, sh_h);
    a.keep_idx = conf_devtensor(VTC_DTYPE_I32, &dk, 0, 2, sh_k);
    a.out = conf_devtensor(env->dtype, &dout, 256, 3, sh_o);
    a.src_idx = conf_devtensor(VTC_DTYPE_I32, &dsrc, 0, 2, sh_s);
    uint64_t scratch = 0;
    if (conf_record(env, r, vk, VTC_OP_PRUNE, op_call, &a, &scratch)) {
        int near = 0;
        int rc = ref_prune((int)mode, B, N, D, 0, K, C, 0, hid, NULL, dk.map, NEAR_TIE_TOL, &near, want_keep, want,
                           want_src);
        if (rc || near > MAX_NEAR_TIES)
            conf_fail(r, "keep_idx is not the reference selection (rc %d, %d near ties)", rc, near);
        conf_check_idx(r, "keep_idx", dk.map, want_keep, B * K);
        conf_check_idx(r, "src_idx", dsrc.map, want_src, B * ROWS);
        conf_check_nmse(r, "out", env->dtype, (char *)dout.map + 256, want, (size_t)B * ROWS * D, conf_tol(env->dtype));
        conf_short_scratch_refused(env, r, vk, op_call, &a, scratch);
    }
    conf_devbufs_destroy(vk, 4, dev);
done:
    free(hid); free(want);
}
static void record_mode_divprune(conf_env *env, conf_result *r) { record_mode(env, r, VTC_PRUNE_DIVPRUNE); }
static void record_mode_dart(conf_env *env, conf_result *r) { record_mode(env, r, VTC_PRUNE_DART); }

static void rejects_bad_input_and_writes_nothing(conf_env *env, conf_result *r)
{
    enum { B = 1, N = 30, D = 8, DM = 4, K = 6, C = 3 };
    conf_shape(r, "B=%d N=%d", B, N);
    float hid[B * N * D] = {0}, met[B * N * DM] = {0};
    conf_buf bk = {0}, bo = {0}, bs = {0};
    int32_t *keep = conf_buf_alloc(&bk, 4 * B * K);
    float *out = conf_buf_alloc(&bo, 4 * B * (K + C) * D);
    int32_t *src = conf_buf_alloc(&bs, 4 * B * (K + C));
    pr_case c = {VTC_PRUNE_DIVPRUNE, B, N, D, DM, K, C, 0, 0};
    vtc_prune_args good = pr_args(&c, VTC_DTYPE_F32, hid, met, keep, out, src);
    enum { NBAD = 11 };
    vtc_prune_args bad[NBAD];
    const char *what[NBAD] = {"mode 2", "reserved0 set", "pivots with divprune", "keep + contextual > N",
                              "metric rows differ", "keep_idx too short", "out too small", "hidden f16 with f32 out",
                              "src_idx f32", "contextual without out", "no output at all"};
    for (int i = 0; i < NBAD; i++)
        bad[i] = good;
    bad[0].mode = 2;
    bad[1].reserved0 = 1;
    bad[2].pivots = 4;
    bad[3].keep = 28;
    bad[4].metric.shape[1] = N + 1;
    bad[5].keep_idx.shape[1] = K - 1;
    bad[6].out.shape[1] = K + C - 1;
    bad[7].hidden.dtype = VTC_DTYPE_F16;
    bad[8].src_idx.dtype = VTC_DTYPE_F32;
    memset(&bad[9].out, 0, sizeof(bad[9].out));
    bad[10].contextual = 0;
    memset(&bad[10].keep_idx, 0, sizeof(bad[10].keep_idx));
    memset(&bad[10].out, 0, sizeof(bad[10].out));
    memset(&bad[10].src_idx, 0, sizeof(bad[10].src_idx));
    conf_buf *outs[] = {&bk, &bo, &bs};
    for (int i = 0; i < NBAD; i++)
        if (!conf_refuses(env, r, op_call, &bad[i], what[i], outs, 3))
            break;
    if (env->api->prune(env->ctx, &good, NULL) != VTC_SUCCESS)
        conf_fail(r, "the valid call failed");
    conf_buf_free(&bk); conf_buf_free(&bo); conf_buf_free(&bs);
}

const conf_case conf_cases_prune[] = {
    CONF_CASE(divprune_hand_worked_answer, CONF_QUICK),
    CONF_CASE(dart_hand_worked_answer, CONF_QUICK),
    CONF_CASE(divprune_batched_duplicates_zero_rows, CONF_QUICK),
    CONF_CASE(divprune_llava_576_to_64, 0),
    CONF_CASE(divprune_with_merge_and_metric, CONF_QUICK),
    CONF_CASE(divprune_wide_rows_past_loop_limiter, 0),
    CONF_CASE(dart_wide_rows_past_loop_limiter, 0),
    CONF_CASE(divprune_past_distance_matrix_limit, 0),
    CONF_CASE(divprune_steps_in_several_dispatches, 0),
    CONF_CASE(dart_picks_in_several_dispatches, 0),
    CONF_CASE(divprune_all_rows_equal, 0),
    CONF_CASE(divprune_few_distinct_rows, 0),
    CONF_CASE(divprune_keep_one, CONF_QUICK),
    CONF_CASE(divprune_keep_two_plain_rows, 0),
    CONF_CASE(divprune_first_pick_is_the_loneliest, CONF_QUICK),
    CONF_CASE(divprune_keep_every_token, 0),
    CONF_CASE(divprune_one_token, 0),
    CONF_CASE(divprune_merge_only, 0),
    CONF_CASE(divprune_empty_budget, 0),
    CONF_CASE(dart_default_pivots, CONF_QUICK),
    CONF_CASE(dart_pivot_remainder_split, 0),
    CONF_CASE(dart_budget_below_pivots, 0),
    CONF_CASE(dart_with_merge_and_metric, CONF_QUICK),
    CONF_CASE(dart_all_rows_equal, 0),
    CONF_CASE(dart_few_distinct_rows, 0),
    CONF_CASE(dart_keep_every_token, 0),
    CONF_CASE(dart_llava_576_to_64, 0),
    CONF_CASE(record_mode_divprune, CONF_QUICK),
    CONF_CASE(record_mode_dart, CONF_QUICK),
    CONF_CASE(rejects_bad_input_and_writes_nothing, CONF_QUICK | CONF_ANY_DTYPE),
    {0},
};
