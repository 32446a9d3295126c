/* scores (SPEC 1.1): ATTN_CLS sums heads; QK_CLS softmaxes the CLS query
   per head then sums; QK_MEAN runs row log-sum-exp then column sums. */
#include "scores.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

VTC_OP_ENTRY_POINTS(vtc_scores, vtc_scores_query_scratch, vtc_scores_args, VTC_OP_SCORES)

void vtc_scores_uses(uint32_t mode, vtc_scores_inputs in, uint32_t *need, uint32_t *skip)
{
    uint32_t attn = 1u << in.attn, qk = (1u << in.q) | (1u << in.k);
    if (mode == VTC_SCORE_ATTN_CLS) {
        *need |= attn;
        *skip |= qk;
    } else if (mode == VTC_SCORE_QK_CLS || mode == VTC_SCORE_QK_MEAN) {
        *need |= qk;
        *skip |= attn;
    } else {
        *skip |= attn | qk;
    }
}

vtc_result vtc_scores_check(vtc_context ctx, const vtc_plan *pl, uint32_t mode, float scale, vtc_scores_inputs in,
                            vtc_scores_shape *sh, uint32_t *dtype)
{
    const char *op = pl->desc->name;
    memset(sh, 0, sizeof(*sh));
    sh->mode = mode;
    vtc_result r;
    if (mode == VTC_SCORE_ATTN_CLS) {
        const vtc_tensor *attn = vtc_plan_tensor(pl, in.attn);
        sh->B = attn->shape[0];
        sh->H = attn->shape[1];
        sh->N = attn->shape[2];
        *dtype = attn->dtype;
    } else if (mode == VTC_SCORE_QK_CLS || mode == VTC_SCORE_QK_MEAN) {
        const vtc_tensor *q = vtc_plan_tensor(pl, in.q);
        if ((r = vtc_tensor_expect(ctx, pl, in.k, VTC_DTYPES(q->dtype), q->shape)))
            return r;
        sh->B = q->shape[0];
        sh->N = q->shape[1];
        sh->H = q->shape[2];
        sh->dh = q->shape[3];
        if (sh->dh > 256)
            return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "%s: head width %lld > 256", op, (long long)sh->dh);
        *dtype = q->dtype;
    } else {
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: score mode %u is not ATTN_CLS(0), QK_CLS(1) or QK_MEAN(2)",
                        op, mode);
    }
    if (sh->B < 1 || sh->N < 1 || sh->H < 1 || (mode != VTC_SCORE_ATTN_CLS && sh->dh < 1))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: empty score input", op);
    if (!(scale == scale) || isinf(scale))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: scale is not finite", op);
    sh->scale = scale != 0.0f ? scale : (sh->dh ? 1.0f / sqrtf((float)sh->dh) : 1.0f);
    return VTC_SUCCESS;
}

uint64_t vtc_scores_scratch(const vtc_scores_shape *sh)
{
    uint64_t per = vtc_scratch_round((uint64_t)(sh->B * sh->H * sh->N) * 4);
    switch (sh->mode) {
    case VTC_SCORE_QK_CLS: return per;
    case VTC_SCORE_QK_MEAN: return 2 * per;
    default: return 0;
    }
}

vtc_result vtc_scores_record(vtc_recorder *rec, const vtc_scores_shape *sh, const vtc_bound *attn, const vtc_bound *q,
                             const vtc_bound *k, const vtc_bound *score, VkDeviceSize scratch_off)
{
    vtc_context ctx = vtc_rec_ctx(rec);
    struct { uint32_t B, N, H; float factor; } rp = {(uint32_t)sh->B, (uint32_t)sh->N, (uint32_t)sh->H, 1.0f};
    /* scores_qk_lse / _colsum (and their _cpu forms); scores_qk_cls also takes the CLS row */
    struct { uint32_t B, N, H, dh; float scale; } qp = {(uint32_t)sh->B, (uint32_t)sh->N, (uint32_t)sh->H,
                                                        (uint32_t)sh->dh, sh->scale};
    struct { uint32_t B, N, H, dh; float scale; uint32_t cls; } cp = {qp.B, qp.N, qp.H, qp.dh, qp.scale, sh->cls};
    uint32_t gx, gy;
    uint64_t bhn = (uint64_t)(sh->B * sh->H * sh->N);
    vtc_result r;
    if (sh->mode == VTC_SCORE_ATTN_CLS) {
        vtc_bound b[2] = {*attn, *score};
        vtc_grid_for(ctx, (uint64_t)(sh->B * sh->N), &gx, &gy);
        return vtc_dispatch(rec, VTC_K_scores_reduce, 0, b, 2, &rp, sizeof(rp), VTC_WG, NULL, 0, gx, gy, 1);
    }
    vtc_bound p0 = vtc_scratch_slice(rec, scratch_off, bhn * 4);
    if (sh->mode == VTC_SCORE_QK_CLS) {
        vtc_bound b[3] = {*q, *k, p0};
        vtc_grid_2d(ctx, (uint64_t)(sh->B * sh->H), &gx, &gy);
        if ((r = vtc_dispatch(rec, VTC_K_scores_qk_cls, 0, b, 3, &cp, sizeof(cp), VTC_WG, NULL, 0, gx, gy, 1)))
            return r;
    } else {
        vtc_bound col = vtc_scratch_slice(rec, scratch_off + vtc_scratch_round(bhn * 4), bhn * 4);
        vtc_bound b1[3] = {*q, *k, p0};
        vtc_bound b2[4] = {*q, *k, p0, col};
        /* CPU devices: several rows (columns) per invocation with q (k) in registers and the
           other side streamed, vec4 loads; needs dh % 4 == 0, 16-byte aligned bases, and
           N inside the per-invocation loop limit */
        if (vtc_caps_of(ctx)->cpu_variants && sh->dh % 4 == 0 && sh->dh <= 128 && sh->N <= VTC_LOOP_BUDGET && q->offset % 16 == 0 &&
            k->offset % 16 == 0) {
            /* more rows per invocation amortise each load further; registers bound it */
            uint32_t rpl = sh->dh <= 80 ? 4u : 2u;
            /* the lse and colsum kernels number their constants alike */
            _Static_assert(VTC_KSPEC_scores_qk_lse_cpu_DH == VTC_KSPEC_scores_qk_colsum_cpu_DH &&
                               VTC_KSPEC_scores_qk_lse_cpu_RPL == VTC_KSPEC_scores_qk_colsum_cpu_RPL,
                           "scores_qk_lse_cpu and scores_qk_colsum_cpu share one spec array");
            uint32_t spec[2] = {VTC_SPEC(scores_qk_lse_cpu, DH) = (uint32_t)sh->dh, VTC_SPEC(scores_qk_lse_cpu, RPL) = rpl};
            vtc_grid_for(ctx, (uint64_t)(sh->B * sh->H) * (uint64_t)((sh->N + rpl - 1) / rpl), &gx, &gy);
            if ((r = vtc_dispatch(rec, VTC_K_scores_qk_lse_cpu, 0, b1, 3, &qp, sizeof(qp), VTC_WG, spec, 2, gx, gy, 1)) ||
                (r = vtc_dispatch(rec, VTC_K_scores_qk_colsum_cpu, 0, b2, 4, &qp, sizeof(qp), VTC_WG, spec, 2, gx, gy, 1)))
                return r;
        } else {
            /* one workgroup of 64 per row (pass 1) / column (pass 2): the long loop over
               the other axis is split across invocations */
            const uint32_t wg = 64;
            vtc_grid_2d(ctx, bhn, &gx, &gy);
            if ((r = vtc_dispatch(rec, VTC_K_scores_qk_lse, 0, b1, 3, &qp, sizeof(qp), wg, NULL, 0, gx, gy, 1)) ||
                (r = vtc_dispatch(rec, VTC_K_scores_qk_colsum, 0, b2, 4, &qp, sizeof(qp), wg, NULL, 0, gx, gy, 1)))
                return r;
        }
        p0 = col;
        rp.factor = (float)(1.0 / ((double)sh->H * (double)sh->N));
    }
    vtc_bound b[2] = {p0, *score};
    vtc_grid_for(ctx, (uint64_t)(sh->B * sh->N), &gx, &gy);
    /* the per-head probabilities live in f32 scratch whatever the input dtype */
    return vtc_dispatch(rec, VTC_K_scores_reduce, VTC_DTYPE_F32, b, 2, &rp, sizeof(rp), VTC_WG, NULL, 0, gx, gy, 1);
}

/* ---- the op ---------------------------------------------------------- */
enum { T_ATTN, T_Q, T_K, T_SCORE };   /* the table's order (scores_desc.c) */
static const vtc_scores_inputs inputs = {T_ATTN, T_Q, T_K};

/* What plan() hands record(): the validated shape, cls_index included. */
typedef struct scores_plan {
    vtc_scores_shape sh;
} scores_plan;

static void uses(const void *vargs, uint32_t *need, uint32_t *skip)
{
    vtc_scores_uses(((const vtc_scores_args *)vargs)->mode, inputs, need, skip);
}

static vtc_result plan(vtc_context ctx, const void *vargs, vtc_plan *pl)
{
    const vtc_scores_args *a = vargs;
    vtc_scores_shape sh;
    uint32_t dt = 0;
    vtc_result r = vtc_scores_check(ctx, pl, a->mode, a->scale, inputs, &sh, &dt);
    if (r)
        return r;
    int64_t want[2] = {sh.B, sh.N};
    if ((r = vtc_tensor_expect(ctx, pl, T_SCORE, 0, want)))
        return r;
    if (a->cls_index && (a->mode != VTC_SCORE_QK_CLS || a->cls_index >= sh.N))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "scores: cls_index %u %s", a->cls_index,
                        a->mode != VTC_SCORE_QK_CLS ? "is only read by QK_CLS (must be 0)" : "is not a token");
    pl->float_dtype = dt;
    pl->scratch_bytes = vtc_scores_scratch(&sh);
    sh.cls = a->cls_index;
    VTC_PLAN_OF(pl, scores_plan)->sh = sh;
    return VTC_SUCCESS;
}

static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    (void)ctx;
    const scores_plan *sp = VTC_PLAN_OF_CONST(pl, scores_plan);
    return vtc_scores_record(rec, &sp->sh, &t[T_ATTN], &t[T_Q], &t[T_K], &t[T_SCORE], 0);
}

const vtc_op_def vtc_op_scores_def = {&vtc_op_scores_desc, uses, plan, record};
