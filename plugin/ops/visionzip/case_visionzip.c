/* visionzip (SPEC 1.4) conformance: the fused op, including the official code's outputs. */
#include "conf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CONF_OP "visionzip"

static vtc_result op_call(conf_env *env, const void *args, const vtc_exec *exec)
{
    return env->api->visionzip(env->ctx, args, exec);
}

typedef struct vz_case {
    uint32_t mode;
    int B, N, D, H, dh, Dm, tokens, keep_cls;
    int record;   /* run through a host command buffer */
    int cls_at;   /* CLS row when keep_cls: 0, an index, or -1 for the last row (llama.cpp's LLaVA) */
    int metric_from_k;  /* QK modes: pass no metric, vtc averages k over heads */
} vz_case;

/* The call of `c` on host tensors, float ones in dtype dt: the CLS row
   cls_row (-1: none), then `dominant` and `contextual` rows; the q/k modes
   read q from ad, the attention mode attn; no metric when md is NULL. */
static vtc_visionzip_args vz_args(const vz_case *c, uint32_t dt, uint32_t dominant, uint32_t contextual, int cls_row,
                                  void *hd, void *md, void *ad, void *kd, void *od, int32_t *src)
{
    int B = c->B, N = c->N, H = c->H, rows = (cls_row >= 0) + (int)dominant + (int)contextual;
    vtc_visionzip_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a); /* cls_index is read only when size covers it */
    a.score_mode = c->mode;
    a.dominant = dominant;
    a.contextual = contextual;
    a.no_cls = cls_row < 0;
    a.cls_index = cls_row < 0 ? 0u : (uint32_t)cls_row;
    a.hidden = conf_tensor3(dt, hd, B, N, c->D);
    if (md)
        a.metric = conf_tensor3(dt, md, B, N, c->Dm);
    if (c->mode == VTC_SCORE_ATTN_CLS) {
        a.attn = conf_tensor3(dt, ad, B, H, N);
    } else {
        a.q = conf_tensor4(dt, ad, B, N, H, c->dh);
        a.k = conf_tensor4(dt, kd, B, N, H, c->dh);
    }
    a.out = conf_tensor3(dt, od, B, rows, c->D);
    a.src_idx = conf_tensor2(VTC_DTYPE_I32, src, B, rows);
    return a;
}

/* The metric the op derives when given none: the head mean of the keys
   k [rows][H][dh], in fp32 over ascending heads. */
static void head_mean(const float *k, size_t rows, int H, int dh, float *met)
{
    float inv_h = 1.0f / (float)H;
    for (size_t row = 0; row < rows; row++)
        for (int d = 0; d < dh; d++) {
            float s = 0.0f;
            for (int h = 0; h < H; h++)
                s += k[(row * H + h) * dh + d];
            met[row * dh + d] = s * inv_h;
        }
}

static void run_vz(conf_env *env, conf_result *r, const vz_case *c)
{
    int B = c->B, N = c->N, D = c->D, H = c->H, dh = c->dh, Dm = c->Dm, cls = c->keep_cls;
    int cls_row = cls ? (c->cls_at < 0 ? N - 1 : c->cls_at) : -1;
    uint32_t k, C;
    env->api->token_split((uint32_t)c->tokens, (uint32_t)cls, &k, &C);
    int rows = cls + (int)k + (int)C;
    conf_shape(r, "B=%d N=%d D=%d %s %d+%u+%u%s", B, N, D, c->mode == 0 ? "attn" : c->mode == 1 ? "qk_cls" : "qk_mean",
               cls, k, C, cls_row > 0 ? " (CLS not first)" : "");
    uint64_t st = env->seed;
    size_t ds = conf_dsize(env->dtype);
    size_t nh = (size_t)B * N * D, nm = (size_t)B * N * Dm, na = c->mode ? (size_t)B * N * H * dh : (size_t)B * H * N;
    size_t no = (size_t)B * rows * D;
    float *hid = malloc(4 * nh), *met = malloc(4 * nm), *att = malloc(4 * na), *kk = malloc(4 * na), *want = malloc(4 * no);
    int32_t *want_src = malloc(4 * (size_t)B * rows);
    conf_buf bh = {0}, bm = {0}, ba = {0}, bk = {0}, bo = {0}, bs = {0};
    void *hd = conf_buf_alloc(&bh, ds * nh), *md = conf_buf_alloc(&bm, ds * nm), *ad = conf_buf_alloc(&ba, ds * na);
    void *kd = conf_buf_alloc(&bk, ds * na), *od = conf_buf_alloc(&bo, ds * no);
    int32_t *src = conf_buf_alloc(&bs, 4 * (size_t)B * rows);
    conf_fill_normal(&st, hid, nh, 1.0f);
    conf_fill_normal(&st, met, nm, 1.0f);
    if (c->mode == 0) {
        /* softmax-like rows with a few strong tokens, distinct per image */
        for (size_t i = 0; i < na; i++)
            att[i] = ref_rng_uniform(&st, 0, 1) < 0.05f ? ref_rng_uniform(&st, 0.05f, 0.2f) : ref_rng_uniform(&st, 0, 0.002f);
    } else {
        conf_fill_normal(&st, att, na, 1.0f);
        conf_fill_normal(&st, kk, na, 1.0f);
    }
    conf_store(env->dtype, hd, hid, nh);
    conf_store(env->dtype, md, met, nm);
    conf_store(env->dtype, ad, att, na);
    if (c->mode)
        conf_store(env->dtype, kd, kk, na);
    if (c->metric_from_k) {
        /* from the keys the device sees, then stored in the run dtype */
        if (Dm != dh) {
            conf_fail(r, "case error: Dm must be dh");
            goto done;
        }
        head_mean(kk, (size_t)B * N, H, dh, met);
        conf_store(env->dtype, md, met, nm);
    }
    if (ref_visionzip_cls((int)c->mode, B, N, D, H, dh, Dm, (int)k, (int)C, cls_row, 0.0f, att, att, kk, hid, met, want,
                          want_src)) {
        conf_fail(r, "reference rejected the case");
        goto done;
    }
    vtc_visionzip_args a = vz_args(c, env->dtype, k, C, cls_row, hd, c->metric_from_k ? NULL : md, ad, kd, od, src);
    if (conf_check_result(r, "visionzip", env->api->visionzip(env->ctx, &a, NULL), VTC_SUCCESS)) {
        conf_check_idx(r, "src_idx", src, want_src, (size_t)B * rows);
        conf_check_nmse(r, "out", env->dtype, od, want, no, conf_tol(env->dtype));
    }
    conf_buf *g[] = {&bh, &bm, &ba, &bk, &bo, &bs};
    conf_guards(r, g, 6);
done:
    free(hid); free(met); free(att); free(kk); free(want); free(want_src);
    conf_buf_free(&bh); conf_buf_free(&bm); conf_buf_free(&ba); conf_buf_free(&bk); conf_buf_free(&bo); conf_buf_free(&bs);
}

#define VZ(fn, ...) static void fn(conf_env *e, conf_result *r) { vz_case c = {__VA_ARGS__}; run_vz(e, r, &c); }
VZ(llava15_64_tokens, 0, 1, 577, 1024, 16, 0, 64, 64, 1, 0)
VZ(llava15_128_tokens, 0, 1, 577, 256, 16, 0, 64, 128, 1, 0)
VZ(llava15_192_tokens, 0, 1, 577, 256, 16, 0, 64, 192, 1, 0)
VZ(llava_next_five_crops, 0, 5, 577, 64, 16, 0, 64, 64, 1, 0)
VZ(video_32_frames, 0, 32, 577, 16, 16, 0, 64, 64, 1, 0)
VZ(siglip_qk_mean_no_cls, 2, 1, 729, 64, 4, 72, 72, 64, 0, 0)
VZ(qk_cls_scores_end_to_end, 1, 2, 197, 32, 4, 64, 64, 32, 1, 0)
VZ(tiny_budget_cls_only, 0, 2, 50, 8, 2, 0, 8, 1, 1, 0)
VZ(budget_of_every_token, 0, 2, 40, 8, 2, 0, 8, 40, 1, 0)
/* CLS as the last row (llama.cpp's LLaVA graph appends it after the patches) or in between */
VZ(cls_last_attn_llama_cpp_layout, 0, 1, 577, 64, 16, 0, 64, 64, 1, 0, -1)
VZ(cls_last_qk_cls_batched, 1, 2, 197, 32, 4, 64, 64, 32, 1, 0, -1)
VZ(cls_mid_qk_cls, 1, 1, 100, 16, 2, 32, 32, 24, 1, 0, 37)
/* the host passes q, k and hidden only: the metric is the head mean of k */
VZ(qk_cls_metric_from_k, 1, 2, 577, 64, 16, 64, 64, 64, 1, 0, 0, 1)
VZ(qk_mean_metric_from_k_no_cls, 2, 1, 257, 32, 4, 72, 72, 64, 0, 0, 0, 1)
VZ(qk_cls_metric_from_k_cls_last, 1, 1, 577, 32, 4, 16, 16, 128, 1, 0, -1, 1)

/* The official VisionZip code's output on CLIP-L/336 layer -2 data (B=2, 54 + 10). */
static void golden_matches_official_code(conf_env *env, conf_result *r)
{
    size_t na, nh, nm, nk, no;
    int64_t sa[8], sh[8], sm[8], sk[8], so[8];
    int nd;
    float *attn = conf_golden_f32(env, r, "visionzip_clip336_b2_54x10/attn_cls.npy", &na, sa, &nd);
    float *hid = conf_golden_f32(env, r, "visionzip_clip336_b2_54x10/hidden.npy", &nh, sh, &nd);
    float *met = conf_golden_f32(env, r, "visionzip_clip336_b2_54x10/metric.npy", &nm, sm, &nd);
    float *keepf = conf_golden_f32(env, r, "visionzip_clip336_b2_54x10/keep_index.npy", &nk, sk, &nd);
    float *want = conf_golden_f32(env, r, "visionzip_clip336_b2_54x10/out.npy", &no, so, &nd);
    if (!attn || !hid || !met || !keepf || !want)
        goto done;
    int B = (int)sa[0], H = (int)sa[1], N = (int)sa[2], D = (int)sh[2], Dm = (int)sm[2], nkeep = (int)sk[1];
    int rows = (int)so[1];
    conf_shape(r, "B=%d N=%d D=%d official %d+%d", B, N, D, nkeep, rows - nkeep);
    float *out = malloc(4 * no);
    int32_t *src = malloc(4 * (size_t)B * rows);
    vz_case c = {.mode = VTC_SCORE_ATTN_CLS, .B = B, .N = N, .D = D, .H = H, .Dm = Dm, .keep_cls = 1};
    vtc_visionzip_args a =
        vz_args(&c, VTC_DTYPE_F32, (uint32_t)nkeep - 1, (uint32_t)(rows - nkeep), 0, hid, met, attn, NULL, out, src);
    a.size = 0; /* a 1.0.0 host's call: CLS first */
    if (conf_check_result(r, "visionzip", env->api->visionzip(env->ctx, &a, NULL), VTC_SUCCESS)) {
        int32_t *got_keep = malloc(4 * (size_t)B * nkeep), *want_keep = malloc(4 * (size_t)B * nkeep);
        for (int b = 0; b < B; b++)
            for (int i = 0; i < nkeep; i++) {
                got_keep[b * nkeep + i] = src[b * rows + i];
                want_keep[b * nkeep + i] = (int32_t)keepf[b * nkeep + i];
            }
        conf_check_idx(r, "keep_index vs official", got_keep, want_keep, (size_t)B * nkeep);
        /* fp32 implementation against the official fp32 output */
        conf_check_nmse(r, "out vs official", VTC_DTYPE_F32, out, want, no, 1e-10);
        free(got_keep);
        free(want_keep);
    }
    free(out);
    free(src);
done:
    free(attn); free(hid); free(met); free(keepf); free(want);
}

/* The CPU reference itself agrees with the official outputs (so the reference is a valid judge). */
static void reference_matches_official_code(conf_env *env, conf_result *r)
{
    size_t na, nh, nm, no;
    int64_t sa[8], sh[8], sm[8], so[8];
    int nd;
    float *attn = conf_golden_f32(env, r, "visionzip_clip336_b2_54x10/attn_cls.npy", &na, sa, &nd);
    float *hid = conf_golden_f32(env, r, "visionzip_clip336_b2_54x10/hidden.npy", &nh, sh, &nd);
    float *met = conf_golden_f32(env, r, "visionzip_clip336_b2_54x10/metric.npy", &nm, sm, &nd);
    float *want = conf_golden_f32(env, r, "visionzip_clip336_b2_54x10/out.npy", &no, so, &nd);
    if (attn && hid && met && want) {
        int B = (int)sa[0], H = (int)sa[1], N = (int)sa[2], D = (int)sh[2], Dm = (int)sm[2], rows = (int)so[1];
        conf_shape(r, "B=%d N=%d D=%d", B, N, D);
        float *out = malloc(4 * no);
        if (ref_visionzip(0, B, N, D, H, 0, Dm, 53, rows - 54, 1, 0, attn, NULL, NULL, hid, met, out, NULL))
            conf_fail(r, "reference failed");
        else
            conf_check_nmse(r, "reference vs official", VTC_DTYPE_F32, out, want, no, 1e-10);
        free(out);
    }
    free(attn); free(hid); free(met); free(want);
}

/* Record mode: the whole fused op in the host's command buffer, scratch sized by the query. */
static void record_mode_one_recording(conf_env *env, conf_result *r)
{
    enum { B = 2, N = 577, D = 96, H = 16, DM = 64, K = 53, C = 10, ROWS = 1 + K + C };
    conf_shape(r, "B=%d N=%d D=%d %d+%d", B, N, D, K, C);
    conf_vk *vk = conf_vk_for_record(env, r);
    if (!vk)
        return;
    uint64_t st = env->seed;
    size_t ds = conf_dsize(env->dtype);
    float *hid = malloc(4 * B * N * D), *met = malloc(4 * B * N * DM), *att = malloc(4 * B * H * N), *want = malloc(4 * B * ROWS * D);
    int32_t want_src[B * ROWS];
    conf_fill_normal(&st, hid, (size_t)B * N * D, 1.0f);
    conf_fill_normal(&st, met, (size_t)B * N * DM, 1.0f);
    conf_fill_uniform(&st, att, (size_t)B * H * N, 0.0f, 1.0f);
    conf_devbuf dh, dm, da, dout, dsrc, *dev[] = {&dh, &dm, &da, &dout, &dsrc};
    size_t bytes[] = {ds * B * N * D, ds * B * N * DM, ds * B * H * N, ds * B * ROWS * D + 256, 4 * B * ROWS};
    if (!conf_devbufs_create(vk, r, 5, dev, bytes))
        goto done;
    conf_store(env->dtype, dh.map, hid, (size_t)B * N * D);
    conf_store(env->dtype, dm.map, met, (size_t)B * N * DM);
    conf_store(env->dtype, da.map, att, (size_t)B * H * N);
    ref_visionzip(0, B, N, D, H, 0, DM, K, C, 1, 0, att, NULL, NULL, hid, met, want, want_src);
    vtc_visionzip_args a;
    memset(&a, 0, sizeof(a));
    a.dominant = K;
    a.contextual = C;
    int64_t sh_h[3] = {B, N, D}, sh_m[3] = {B, N, DM}, sh_a[3] = {B, H, N}, sh_o[3] = {B, ROWS, D}, sh_s[2] = {B, ROWS};
    a.hidden = conf_devtensor(env->dtype, &dh, 0, 3, sh_h);
    a.metric = conf_devtensor(env->dtype, &dm, 0, 3, sh_m);
    a.attn = conf_devtensor(env->dtype, &da, 0, 3, sh_a);
    a.out = conf_devtensor(env->dtype, &dout, 256, 3, sh_o); /* an offset into the host's buffer */
    a.src_idx = conf_devtensor(VTC_DTYPE_I32, &dsrc, 0, 2, sh_s);
    uint64_t scratch = 0;
    if (conf_record(env, r, vk, VTC_OP_VISIONZIP, op_call, &a, &scratch)) {
        conf_check_idx(r, "src_idx", dsrc.map, want_src, B * ROWS);
        conf_check_nmse(r, "out", env->dtype, (char *)dout.map + 256, want, (size_t)B * ROWS * D, conf_tol(env->dtype));
        conf_short_scratch_refused(env, r, vk, op_call, &a, scratch);
    }
    conf_devbufs_destroy(vk, 5, dev);
done:
    free(hid); free(met); free(att); free(want);
}

static void rejects_bad_input_and_writes_nothing(conf_env *env, conf_result *r)
{
    enum { B = 1, N = 30, D = 8, H = 2, DM = 4 };
    conf_shape(r, "B=%d N=%d", B, N);
    float hid[B * N * D] = {0}, met[B * N * DM] = {0}, att[B * H * N] = {0};
    conf_buf bo = {0}, bs = {0};
    float *out = conf_buf_alloc(&bo, 4 * B * 10 * D);
    int32_t *src = conf_buf_alloc(&bs, 4 * B * 10);
    vtc_visionzip_args good;
    memset(&good, 0, sizeof(good));
    good.dominant = 6;
    good.contextual = 3;
    good.hidden = conf_tensor3(VTC_DTYPE_F32, hid, B, N, D);
    good.metric = conf_tensor3(VTC_DTYPE_F32, met, B, N, DM);
    good.attn = conf_tensor3(VTC_DTYPE_F32, att, B, H, N);
    good.out = conf_tensor3(VTC_DTYPE_F32, out, B, 10, D);
    good.src_idx = conf_tensor2(VTC_DTYPE_I32, src, B, 10);
    if (env->api->visionzip(env->ctx, &good, NULL) != VTC_SUCCESS)
        conf_fail(r, "the valid call failed");
    /* a 1.0.0 host's struct ends before cls_index: what lies past its size is not read */
    vtc_visionzip_args v1 = good;
    v1.size = VTC_VISIONZIP_ARGS_V1_SIZE;
    v1.cls_index = 999;
    v1.reserved1 = 5;
    if (env->api->visionzip(env->ctx, &v1, NULL) != VTC_SUCCESS)
        conf_fail(r, "a 1.0.0-sized call read past its size");
    conf_buf_free(&bo);
    conf_buf_free(&bs);
    out = conf_buf_alloc(&bo, 4 * B * 10 * D);
    src = conf_buf_alloc(&bs, 4 * B * 10);
    good.out.host = out;
    good.src_idx.host = src;
    enum { NBAD = 10 };
    vtc_visionzip_args bad[NBAD];
    const char *what[NBAD] = {"too many tokens", "metric rows differ", "attn N differs", "out too small", "hidden f16",
                              "src_idx f32", "cls_index past the last token", "cls_index with no_cls",
                              "reserved1 set", "size below 1.0.0's"};
    for (int i = 0; i < NBAD; i++)
        bad[i] = good;
    bad[0].dominant = 25;
    bad[1].metric.shape[1] = N + 1;
    bad[2].attn.shape[2] = N - 1;
    bad[3].out.shape[1] = 9;
    bad[4].hidden.dtype = VTC_DTYPE_F16;
    bad[5].src_idx.dtype = VTC_DTYPE_F32;
    bad[6].size = sizeof(bad[6]);
    bad[6].cls_index = N;
    bad[7].size = sizeof(bad[7]);
    bad[7].no_cls = 1;
    bad[7].dominant = 7;
    bad[7].cls_index = 2;
    bad[8].size = sizeof(bad[8]);
    bad[8].reserved1 = 1;
    bad[9].size = VTC_VISIONZIP_ARGS_V1_SIZE - 8;
    conf_buf *outs[] = {&bo, &bs};
    for (int i = 0; i < NBAD; i++)
        if (!conf_refuses(env, r, op_call, &bad[i], what[i], outs, 2))
            break;
    conf_buf_free(&bo);
    conf_buf_free(&bs);
}

const conf_case conf_cases_visionzip[] = {
    CONF_CASE(golden_matches_official_code, CONF_QUICK | CONF_ANY_DTYPE),
    CONF_CASE(reference_matches_official_code, CONF_ANY_DTYPE),
    CONF_CASE(llava15_64_tokens, CONF_QUICK),
    CONF_CASE(llava15_128_tokens, 0),
    CONF_CASE(llava15_192_tokens, 0),
    CONF_CASE(llava_next_five_crops, 0),
    CONF_CASE(video_32_frames, 0),
    CONF_CASE(siglip_qk_mean_no_cls, 0),
    CONF_CASE(qk_cls_scores_end_to_end, 0),
    CONF_CASE(tiny_budget_cls_only, 0),
    CONF_CASE(budget_of_every_token, 0),
    CONF_CASE(cls_last_attn_llama_cpp_layout, CONF_QUICK),
    CONF_CASE(cls_last_qk_cls_batched, 0),
    CONF_CASE(cls_mid_qk_cls, 0),
    CONF_CASE(qk_cls_metric_from_k, CONF_QUICK),
    CONF_CASE(qk_mean_metric_from_k_no_cls, 0),
    CONF_CASE(qk_cls_metric_from_k_cls_last, 0),
    CONF_CASE(record_mode_one_recording, CONF_QUICK),
    CONF_CASE(rejects_bad_input_and_writes_nothing, CONF_QUICK | CONF_ANY_DTYPE),
    {0},
};
