/* select (SPEC 1.2) conformance: index sets exact, dominant rows by NMSE. */
#include "conf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CONF_OP "select"

static vtc_result op_call(conf_env *env, const void *args, const vtc_exec *exec)
{
    return env->api->select(env->ctx, args, exec);
}

typedef struct sel_case {
    int B, N, D, k, keep_cls;
    int pattern;   /* 0 random with planted, 1 all equal, 2 NaN/inf mix, 3 +-0 ties */
    int cls_at;    /* CLS row when keep_cls: 0, an index, or -1 for the last row (llama.cpp's LLaVA) */
} sel_case;

static void make_scores(uint64_t *st, const sel_case *c, float *s)
{
    size_t n = (size_t)c->B * c->N;
    for (size_t i = 0; i < n; i++) {
        switch (c->pattern) {
        case 1: s[i] = 0.25f; break;
        case 2: {
            float u = ref_rng_uniform(st, 0, 1);
            s[i] = u < 0.2f ? NAN : u < 0.3f ? -INFINITY : u < 0.35f ? INFINITY : ref_rng_normal(st);
            break;
        }
        case 3: s[i] = (ref_rng_uniform(st, 0, 1) < 0.5f) ? 0.0f : -0.0f; if (i % 7 == 0) s[i] = 1.0f; break;
        default:
            /* quantised so ties happen, plus a few planted dominant tokens */
            s[i] = floorf(ref_rng_uniform(st, 0, 64)) / 64.0f;
            if (ref_rng_uniform(st, 0, 1) < 0.02f)
                s[i] = 5.0f + ref_rng_uniform(st, 0, 1);
        }
    }
}

static void run_select(conf_env *env, conf_result *r, const sel_case *c)
{
    uint64_t st = env->seed;
    int B = c->B, N = c->N, D = c->D, nkeep = c->keep_cls + c->k, nrest = N - nkeep;
    int cls_row = c->keep_cls ? (c->cls_at < 0 ? N - 1 : c->cls_at) : -1;
    conf_shape(r, "B=%d N=%d D=%d k=%d cls=%d", B, N, D, c->k, cls_row);
    size_t ds = conf_dsize(env->dtype);
    float *score = malloc(sizeof(float) * B * N), *hid = malloc(sizeof(float) * B * N * D);
    float *want_dom = malloc(sizeof(float) * B * (nkeep ? nkeep : 1) * D);
    int32_t *want_keep = malloc(4 * B * (nkeep ? nkeep : 1)), *want_rest = malloc(4 * B * (nrest ? nrest : 1));
    conf_buf bh = {0}, bk = {0}, br = {0}, bd = {0};
    void *hid_dev = conf_buf_alloc(&bh, ds * B * N * D);
    int32_t *keep = conf_buf_alloc(&bk, 4 * (size_t)B * nkeep), *rest = conf_buf_alloc(&br, 4 * (size_t)B * nrest);
    void *dom = conf_buf_alloc(&bd, ds * B * nkeep * D);
    make_scores(&st, c, score);
    conf_fill_normal(&st, hid, (size_t)B * N * D, 1.0f);
    conf_store(env->dtype, hid_dev, hid, (size_t)B * N * D);
    if (ref_select_cls(B, N, D, c->k, cls_row, score, hid, want_keep, want_rest, want_dom)) {
        conf_fail(r, "reference rejected the case");
        goto done;
    }
    vtc_select_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.dominant = (uint32_t)c->k;
    a.no_cls = c->keep_cls ? 0 : 1;
    a.cls_index = c->keep_cls ? (uint32_t)cls_row : 0u;
    a.score = conf_tensor2(VTC_DTYPE_F32, score, B, N);
    a.hidden = conf_tensor3(env->dtype, hid_dev, B, N, D);
    a.keep_idx = conf_tensor2(VTC_DTYPE_I32, keep, B, nkeep);
    a.rest_idx = conf_tensor2(VTC_DTYPE_I32, rest, B, nrest);
    a.dominant_out = conf_tensor3(env->dtype, dom, B, nkeep, D);
    vtc_result res = env->api->select(env->ctx, &a, NULL);
    if (!conf_check_result(r, "select", res, VTC_SUCCESS))
        goto done;
    conf_check_idx(r, "keep_idx", keep, want_keep, (size_t)B * nkeep);
    conf_check_idx(r, "rest_idx", rest, want_rest, (size_t)B * nrest);
    /* gathered rows are copies: exact in every dtype */
    conf_check_nmse(r, "dominant", env->dtype, dom, want_dom, (size_t)B * nkeep * D, 0.0);
    conf_buf *g[] = {&bh, &bk, &br, &bd};
    conf_guards(r, g, 4);
done:
    free(score); free(hid); free(want_dom); free(want_keep); free(want_rest);
    conf_buf_free(&bh); conf_buf_free(&bk); conf_buf_free(&br); conf_buf_free(&bd);
}

#define SEL(fn, ...) static void fn(conf_env *e, conf_result *r) { sel_case c = {__VA_ARGS__}; run_select(e, r, &c); }
SEL(llava15_dominant_set_matches_reference, 1, 577, 1024, 53, 1, 0)
SEL(batch_images_select_independently, 5, 577, 32, 107, 1, 0)
SEL(ties_go_to_lower_index, 2, 300, 8, 40, 1, 1)
SEL(nan_ranks_below_every_number, 3, 257, 8, 120, 1, 2)
SEL(negative_zero_ties_positive_zero, 2, 100, 4, 30, 1, 3)
SEL(k_zero_keeps_only_cls, 2, 65, 8, 0, 1, 0)
SEL(k_zero_without_cls_keeps_nothing, 2, 65, 8, 0, 0, 0)
SEL(k_all_keeps_every_token, 2, 65, 8, 64, 1, 0)
SEL(single_token_image_keeps_cls, 3, 1, 8, 0, 1, 0)
SEL(single_token_no_cls_k1, 3, 1, 8, 1, 0, 0)
SEL(siglip_no_cls_729, 2, 729, 1152, 54, 0, 0)
SEL(video_batch_32_frames, 32, 577, 16, 53, 1, 0)
SEL(n_16384_tokens, 1, 16384, 4, 1000, 1, 0)
SEL(n_11000_tokens_near_serial_loop_limit, 2, 11000, 4, 700, 1, 0)
SEL(workgroup_edge_n_257, 2, 257, 3, 255, 1, 0)
/* CLS anywhere: kept, not competing, at its ascending place in keep_idx */
SEL(cls_last_row_llama_cpp_layout, 2, 577, 16, 53, 1, 0, -1)
SEL(cls_mid_row_with_ties, 2, 300, 8, 40, 1, 1, 150)
SEL(cls_last_row_workgroup_edge_n_257, 2, 257, 3, 255, 1, 0, -1)
SEL(cls_last_row_k_zero, 2, 65, 8, 0, 1, 0, -1)

/* Bad inputs: an error, a message, and not one byte written. */
static void rejects_bad_input_and_writes_nothing(conf_env *env, conf_result *r)
{
    enum { B = 2, N = 20, D = 4, K = 5 };
    conf_shape(r, "B=%d N=%d", B, N);
    float score[B * N], hid[B * N * D];
    memset(score, 0, sizeof(score));
    memset(hid, 0, sizeof(hid));
    conf_buf bk = {0}, br = {0}, bd = {0};
    int32_t *keep = conf_buf_alloc(&bk, 4 * B * (K + 1));
    int32_t *rest = conf_buf_alloc(&br, 4 * B * (N - K - 1));
    float *dom = conf_buf_alloc(&bd, 4 * B * (K + 1) * D);
    vtc_select_args good;
    memset(&good, 0, sizeof(good));
    good.dominant = K;
    good.score = conf_tensor2(VTC_DTYPE_F32, score, B, N);
    good.hidden = conf_tensor3(VTC_DTYPE_F32, hid, B, N, D);
    good.keep_idx = conf_tensor2(VTC_DTYPE_I32, keep, B, K + 1);
    good.rest_idx = conf_tensor2(VTC_DTYPE_I32, rest, B, N - K - 1);
    good.dominant_out = conf_tensor3(VTC_DTYPE_F32, dom, B, K + 1, D);
    struct { const char *what; vtc_select_args a; } bad[14];
    int n = 0;
    bad[n].what = "k above competing tokens"; bad[n].a = good; bad[n].a.dominant = N; n++;
    bad[n].what = "NULL score pointer"; bad[n].a = good; bad[n].a.score.host = NULL; n++;
    bad[n].what = "score dtype f16"; bad[n].a = good; bad[n].a.score.dtype = VTC_DTYPE_F16; n++;
    bad[n].what = "keep_idx dtype f32"; bad[n].a = good; bad[n].a.keep_idx.dtype = VTC_DTYPE_F32; n++;
    bad[n].what = "keep_idx too small"; bad[n].a = good; bad[n].a.keep_idx.shape[1] = K; n++;
    bad[n].what = "hidden N mismatch"; bad[n].a = good; bad[n].a.hidden.shape[1] = N - 1; n++;
    bad[n].what = "dominant_out too small"; bad[n].a = good; bad[n].a.dominant_out.shape[1] = K; n++;
    bad[n].what = "negative stride"; bad[n].a = good; bad[n].a.score.stride[0] = -N; bad[n].a.score.stride[1] = 1; n++;
    bad[n].what = "dtype out of range"; bad[n].a = good; bad[n].a.hidden.dtype = 77; n++;
    bad[n].what = "rank 3 score"; bad[n].a = good; bad[n].a.score.ndim = 3; bad[n].a.score.shape[2] = 1; n++;
    bad[n].what = "no_cls not boolean"; bad[n].a = good; bad[n].a.no_cls = 7; n++;
    bad[n].what = "cls_index past the last token"; bad[n].a = good; bad[n].a.cls_index = N; n++;
    bad[n].what = "cls_index with no_cls"; bad[n].a = good; bad[n].a.no_cls = 1; bad[n].a.cls_index = 3; n++;
    bad[n].what = "host and buffer both set"; bad[n].a = good; bad[n].a.keep_idx.buffer = (VkBuffer)(uintptr_t)0x1234; n++;
    conf_buf *outs[] = {&bk, &br, &bd};
    for (int i = 0; i < n; i++)
        if (!conf_refuses(env, r, op_call, &bad[i].a, bad[i].what, outs, 3))
            break;
    if (env->api->select(NULL, &good, NULL) != VTC_ERROR_INVALID_ARGUMENT)
        conf_fail(r, "NULL context accepted");
    if (env->api->select(env->ctx, NULL, NULL) != VTC_ERROR_INVALID_ARGUMENT)
        conf_fail(r, "NULL args accepted");
    conf_buf_free(&bk); conf_buf_free(&br); conf_buf_free(&bd);
}

/* Strided host views: score as a column slice of a wider matrix. */
static void strided_host_score_view(conf_env *env, conf_result *r)
{
    enum { B = 2, N = 90, W = 100, K = 20 };
    conf_shape(r, "B=%d N=%d row stride %d", B, N, W);
    uint64_t st = env->seed;
    float wide[B * W], dense[B * N];
    for (int i = 0; i < B * W; i++)
        wide[i] = ref_rng_normal(&st);
    for (int b = 0; b < B; b++)
        memcpy(dense + b * N, wide + b * W + 5, sizeof(float) * N);
    int32_t want[B * (K + 1)], got[B * (K + 1)];
    ref_select(B, N, 0, K, 1, dense, NULL, want, NULL, NULL);
    vtc_select_args a;
    memset(&a, 0, sizeof(a));
    a.dominant = K;
    a.score = conf_tensor2(VTC_DTYPE_F32, wide + 5, B, N);
    a.score.stride[0] = W;
    a.score.stride[1] = 1;
    a.keep_idx = conf_tensor2(VTC_DTYPE_I32, got, B, K + 1);
    if (conf_check_result(r, "select", env->api->select(env->ctx, &a, NULL), VTC_SUCCESS))
        conf_check_idx(r, "keep_idx", got, want, B * (K + 1));
}

/* Record mode into a host command buffer gives the same indices as the synchronous call. */
static void record_mode_matches_reference(conf_env *env, conf_result *r)
{
    enum { B = 3, N = 577, D = 64, K = 53 };
    conf_shape(r, "B=%d N=%d D=%d k=%d", B, N, D, K);
    conf_vk *vk = conf_vk_for_record(env, r);
    if (!vk)
        return;
    uint64_t st = env->seed;
    size_t ds = conf_dsize(env->dtype);
    float *score = malloc(4 * B * N), *hid = malloc(4 * B * N * D), *want_dom = malloc(4 * B * (K + 1) * D);
    int32_t *want_keep = malloc(4 * B * (K + 1));
    sel_case c = {B, N, D, K, 1, 0};
    make_scores(&st, &c, score);
    conf_fill_normal(&st, hid, (size_t)B * N * D, 1.0f);
    conf_devbuf ds_, dh, dk, dd, *dev[] = {&ds_, &dh, &dk, &dd};
    size_t bytes[] = {4 * B * N, ds * B * N * D, 4 * B * (K + 1), ds * B * (K + 1) * D};
    if (!conf_devbufs_create(vk, r, 4, dev, bytes))
        goto done;
    memcpy(ds_.map, score, 4 * B * N);
    conf_store(env->dtype, dh.map, hid, (size_t)B * N * D);
    ref_select(B, N, D, K, 1, score, hid, want_keep, NULL, want_dom);
    vtc_select_args a;
    memset(&a, 0, sizeof(a));
    a.dominant = K;
    int64_t sh_s[2] = {B, N}, sh_h[3] = {B, N, D}, sh_k[2] = {B, K + 1}, sh_d[3] = {B, K + 1, D};
    a.score = conf_devtensor(VTC_DTYPE_F32, &ds_, 0, 2, sh_s);
    a.hidden = conf_devtensor(env->dtype, &dh, 0, 3, sh_h);
    a.keep_idx = conf_devtensor(VTC_DTYPE_I32, &dk, 0, 2, sh_k);
    a.dominant_out = conf_devtensor(env->dtype, &dd, 0, 3, sh_d);
    uint64_t scratch = 1;
    if (conf_record(env, r, vk, VTC_OP_SELECT, op_call, &a, &scratch)) {
        conf_check_idx(r, "keep_idx", dk.map, want_keep, B * (K + 1));
        conf_check_nmse(r, "dominant", env->dtype, dd.map, want_dom, (size_t)B * (K + 1) * D, 0.0);
    }
    /* a host pointer in record mode is refused */
    vtc_select_args bad = a;
    int32_t host_keep[B * (K + 1)];
    bad.keep_idx = conf_tensor2(VTC_DTYPE_I32, host_keep, B, K + 1);
    if (conf_record_with(env, vk, op_call, &bad, scratch) != VTC_ERROR_INVALID_ARGUMENT)
        conf_fail(r, "record mode accepted a host pointer");
    conf_devbufs_destroy(vk, 4, dev);
done:
    free(score); free(hid); free(want_dom); free(want_keep);
}

const conf_case conf_cases_select[] = {
    CONF_CASE(llava15_dominant_set_matches_reference, CONF_QUICK),
    CONF_CASE(batch_images_select_independently, 0),
    CONF_CASE(ties_go_to_lower_index, CONF_QUICK),
    CONF_CASE(nan_ranks_below_every_number, CONF_QUICK),
    CONF_CASE(negative_zero_ties_positive_zero, 0),
    CONF_CASE(k_zero_keeps_only_cls, 0),
    CONF_CASE(k_zero_without_cls_keeps_nothing, 0),
    CONF_CASE(k_all_keeps_every_token, 0),
    CONF_CASE(single_token_image_keeps_cls, 0),
    CONF_CASE(single_token_no_cls_k1, 0),
    CONF_CASE(siglip_no_cls_729, 0),
    CONF_CASE(video_batch_32_frames, 0),
    CONF_CASE(n_16384_tokens, CONF_ANY_DTYPE),
    CONF_CASE(workgroup_edge_n_257, 0),
    CONF_CASE(cls_last_row_llama_cpp_layout, CONF_QUICK),
    CONF_CASE(cls_mid_row_with_ties, 0),
    CONF_CASE(cls_last_row_workgroup_edge_n_257, 0),
    CONF_CASE(cls_last_row_k_zero, 0),
    CONF_CASE(n_11000_tokens_near_serial_loop_limit, CONF_ANY_DTYPE),
    CONF_CASE(rejects_bad_input_and_writes_nothing, CONF_QUICK | CONF_ANY_DTYPE),
    CONF_CASE(strided_host_score_view, CONF_ANY_DTYPE),
    CONF_CASE(record_mode_matches_reference, CONF_QUICK),
    {0},
};
