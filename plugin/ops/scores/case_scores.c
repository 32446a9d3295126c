/* scores (SPEC 1.1) conformance. */
#include "conf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CONF_OP "scores"

static vtc_result op_call(conf_env *env, const void *args, const vtc_exec *exec)
{
    return env->api->scores(env->ctx, args, exec);
}

/* ATTN_CLS: per-head CLS rows summed over heads. */
static void attn_cls_sum_is_exact(conf_env *env, conf_result *r)
{
    enum { B = 2, H = 16, N = 577 };
    conf_shape(r, "B=%d H=%d N=%d", B, H, N);
    uint64_t st = env->seed;
    float *attn = malloc(4 * B * H * N), want[B * N];
    conf_buf ba = {0}, bs = {0};
    void *attn_dev = conf_buf_alloc(&ba, conf_dsize(env->dtype) * B * H * N);
    float *score = conf_buf_alloc(&bs, 4 * B * N);
    conf_fill_uniform(&st, attn, (size_t)B * H * N, 0.0f, 2.0f / N);
    conf_store(env->dtype, attn_dev, attn, (size_t)B * H * N);
    ref_scores_attn_f32(B, N, H, attn, want);
    vtc_scores_args a;
    memset(&a, 0, sizeof(a));
    a.mode = VTC_SCORE_ATTN_CLS;
    a.attn = conf_tensor3(env->dtype, attn_dev, B, H, N);
    a.score = conf_tensor2(VTC_DTYPE_F32, score, B, N);
    if (conf_check_result(r, "scores", env->api->scores(env->ctx, &a, NULL), VTC_SUCCESS)) {
        /* same order of fp32 additions as the reference: bit-exact */
        if (memcmp(score, want, sizeof(want)))
            conf_fail(r, "scores differ from the fp32 head-ordered sum");
        conf_check_nmse(r, "score", VTC_DTYPE_F32, score, want, B * N, 0.0);
    }
    conf_buf *g[] = {&ba, &bs};
    conf_guards(r, g, 2);
    free(attn);
    conf_buf_free(&ba);
    conf_buf_free(&bs);
}

/* A q/k mode's call: q and k [B][N][H][dh] in dtype dt -> score [B][N] (fp32). */
static vtc_scores_args qk_args(uint32_t mode, uint32_t dt, void *q, void *k, float *score, int B, int N, int H,
                               int dh)
{
    vtc_scores_args a;
    memset(&a, 0, sizeof(a));
    a.mode = mode;
    a.q = conf_tensor4(dt, q, B, N, H, dh);
    a.k = conf_tensor4(dt, k, B, N, H, dh);
    a.score = conf_tensor2(VTC_DTYPE_F32, score, B, N);
    return a;
}

typedef struct qk_case { uint32_t mode; int B, N, H, dh; float qscale, scale; int cls; } qk_case;

static void run_qk(conf_env *env, conf_result *r, const qk_case *c)
{
    int B = c->B, N = c->N, H = c->H, dh = c->dh;
    size_t nq = (size_t)B * N * H * dh;
    int cls = c->cls < 0 ? N - 1 : c->cls;
    conf_shape(r, "B=%d N=%d H=%d dh=%d%s", B, N, H, dh, cls ? " CLS not first" : "");
    uint64_t st = env->seed;
    float *q = malloc(4 * nq), *k = malloc(4 * nq), *want = malloc(4 * B * N);
    conf_buf bq = {0}, bk = {0}, bs = {0};
    void *qd = conf_buf_alloc(&bq, conf_dsize(env->dtype) * nq), *kd = conf_buf_alloc(&bk, conf_dsize(env->dtype) * nq);
    float *score = conf_buf_alloc(&bs, 4 * (size_t)B * N);
    conf_fill_normal(&st, q, nq, c->qscale);
    conf_fill_normal(&st, k, nq, 1.0f);
    conf_store(env->dtype, qd, q, nq);
    conf_store(env->dtype, kd, k, nq);
    ref_scores_cls((int)c->mode, B, N, H, dh, c->scale, cls, NULL, q, k, want);
    vtc_scores_args a = qk_args(c->mode, env->dtype, qd, kd, score, B, N, H, dh);
    a.cls_index = (uint32_t)cls;
    a.scale = c->scale;
    if (conf_check_result(r, "scores", env->api->scores(env->ctx, &a, NULL), VTC_SUCCESS))
        conf_check_nmse(r, "score", VTC_DTYPE_F32, score, want, (size_t)B * N, 1e-9);
    conf_buf *g[] = {&bq, &bk, &bs};
    conf_guards(r, g, 3);
    free(q); free(k); free(want);
    conf_buf_free(&bq); conf_buf_free(&bk); conf_buf_free(&bs);
}

#define QK(fn, ...) static void fn(conf_env *e, conf_result *r) { qk_case c = {__VA_ARGS__}; run_qk(e, r, &c); }
QK(qk_cls_clip_shape_matches_reference, VTC_SCORE_QK_CLS, 2, 577, 16, 64, 1.0f, 0.0f)
QK(qk_cls_explicit_scale, VTC_SCORE_QK_CLS, 1, 100, 3, 72, 1.0f, 0.37f)
QK(qk_cls_large_logits_stay_finite, VTC_SCORE_QK_CLS, 2, 129, 2, 64, 12.0f, 0.0f)
QK(qk_mean_matches_reference, VTC_SCORE_QK_MEAN, 2, 129, 2, 72, 1.0f, 0.0f)
QK(qk_mean_siglip_width_72, VTC_SCORE_QK_MEAN, 1, 257, 4, 72, 1.0f, 0.0f)
QK(qk_mean_large_logits_stay_finite, VTC_SCORE_QK_MEAN, 1, 65, 2, 64, 12.0f, 0.0f)
QK(qk_single_token, VTC_SCORE_QK_MEAN, 3, 1, 2, 8, 1.0f, 0.0f)
/* dh % 4 != 0: CPU devices fall back from the vec4 register-blocked kernels */
QK(qk_mean_head_width_not_a_multiple_of_4, VTC_SCORE_QK_MEAN, 2, 33, 3, 6, 1.0f, 0.0f)
/* N x dh beyond 65535: lavapipe silently cuts an invocation's loops there, so a kernel
   that loops over all keys in one invocation fails this case */
QK(qk_mean_long_rows_past_loop_limiter, VTC_SCORE_QK_MEAN, 1, 1100, 1, 64, 1.0f, 0.0f)
QK(qk_cls_long_row_n_16384, VTC_SCORE_QK_CLS, 1, 16384, 2, 64, 1.0f, 0.0f)
/* the CLS query as the last row (llama.cpp's LLaVA graph) */
QK(qk_cls_query_last_row, VTC_SCORE_QK_CLS, 2, 577, 4, 64, 1.0f, 0.0f, -1)

/* QK_CLS from q/k equals ATTN_CLS on the attention those q/k produce. */
static void qk_cls_equals_attn_cls_of_same_softmax(conf_env *env, conf_result *r)
{
    enum { B = 1, N = 50, H = 4, DH = 16 };
    conf_shape(r, "B=%d N=%d H=%d dh=%d", B, N, H, DH);
    uint64_t st = env->seed;
    float q[B * N * H * DH], k[B * N * H * DH], attn[B * H * N], s1[B * N], s2[B * N];
    conf_fill_normal(&st, q, sizeof(q) / 4, 1.0f);
    conf_fill_normal(&st, k, sizeof(k) / 4, 1.0f);
    for (int h = 0; h < H; h++) {
        double m = -INFINITY, sum = 0, sc = 1.0 / sqrt(DH), lg[N];
        for (int j = 0; j < N; j++) {
            double d = 0;
            for (int x = 0; x < DH; x++)
                d += (double)q[h * DH + x] * k[(j * H + h) * DH + x];
            lg[j] = d * sc;
            m = fmax(m, lg[j]);
        }
        for (int j = 0; j < N; j++)
            sum += exp(lg[j] - m);
        for (int j = 0; j < N; j++)
            attn[h * N + j] = (float)(exp(lg[j] - m) / sum);
    }
    vtc_scores_args a = qk_args(VTC_SCORE_QK_CLS, VTC_DTYPE_F32, q, k, s1, B, N, H, DH);
    vtc_scores_args b;
    memset(&b, 0, sizeof(b));
    b.mode = VTC_SCORE_ATTN_CLS;
    b.attn = conf_tensor3(VTC_DTYPE_F32, attn, B, H, N);
    b.score = conf_tensor2(VTC_DTYPE_F32, s2, B, N);
    if (conf_check_result(r, "qk", env->api->scores(env->ctx, &a, NULL), VTC_SUCCESS) &&
        conf_check_result(r, "attn", env->api->scores(env->ctx, &b, NULL), VTC_SUCCESS))
        conf_check_nmse(r, "qk_cls vs attn_cls", VTC_DTYPE_F32, s1, s2, B * N, 1e-10);
}

static void rejects_bad_score_input(conf_env *env, conf_result *r)
{
    enum { B = 1, N = 8, H = 2, DH = 4 };
    conf_shape(r, "B=%d N=%d", B, N);
    float q[B * N * H * DH] = {0}, k[B * N * H * DH] = {0};
    conf_buf bs = {0};
    float *score = conf_buf_alloc(&bs, 4 * B * N);
    vtc_scores_args good = qk_args(VTC_SCORE_QK_MEAN, VTC_DTYPE_F32, q, k, score, B, N, H, DH);
    vtc_scores_args bad[6];
    const char *what[6] = {"mode 3", "k shape differs", "k dtype differs", "score f16", "missing q", "nan scale"};
    for (int i = 0; i < 6; i++)
        bad[i] = good;
    bad[0].mode = 3;
    bad[1].k.shape[1] = N - 1;
    bad[2].k.dtype = VTC_DTYPE_F16;
    bad[3].score.dtype = VTC_DTYPE_F16;
    bad[4].q.dtype = VTC_DTYPE_NONE;
    bad[5].scale = NAN;
    conf_buf *outs[] = {&bs};
    for (int i = 0; i < 6; i++)
        if (!conf_refuses(env, r, op_call, &bad[i], what[i], outs, 1))
            break;
    conf_buf_free(&bs);
}

const conf_case conf_cases_scores[] = {
    CONF_CASE(attn_cls_sum_is_exact, CONF_QUICK),
    CONF_CASE(qk_cls_clip_shape_matches_reference, CONF_QUICK),
    CONF_CASE(qk_cls_explicit_scale, 0),
    CONF_CASE(qk_cls_large_logits_stay_finite, 0),
    CONF_CASE(qk_mean_matches_reference, CONF_QUICK),
    CONF_CASE(qk_mean_siglip_width_72, 0),
    CONF_CASE(qk_mean_large_logits_stay_finite, 0),
    CONF_CASE(qk_single_token, 0),
    CONF_CASE(qk_mean_long_rows_past_loop_limiter, 0),
    CONF_CASE(qk_mean_head_width_not_a_multiple_of_4, 0),
    CONF_CASE(qk_cls_long_row_n_16384, 0),
    CONF_CASE(qk_cls_query_last_row, CONF_QUICK),
    CONF_CASE(qk_cls_equals_attn_cls_of_same_softmax, CONF_ANY_DTYPE),
    CONF_CASE(rejects_bad_score_input, CONF_QUICK | CONF_ANY_DTYPE),
    {0},
};
