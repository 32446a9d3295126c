/* visionzip (SPEC 1.4): scores -> select -> gather -> merge, one recording.
   Dispatches: 1-3 for scores, then select, gather, assign, reduce. */
#include "../scores/scores.h"
#include "../select/select.h"
#include "../merge/merge.h"

#include <stddef.h>

VTC_OP_ENTRY_POINTS(vtc_visionzip, vtc_visionzip_query_scratch, vtc_visionzip_args, VTC_OP_VISIONZIP)

VTC_API void vtc_token_split(uint32_t tokens, uint32_t keep_cls, uint32_t *dominant, uint32_t *contextual)
{
    uint32_t d = 0, c = 0;
    if (keep_cls > 1)
        keep_cls = 1;
    if (tokens > keep_cls) {
        uint32_t avail = tokens - keep_cls;
        /* round(tokens / 6.4): 64 -> 10, 128 -> 20, 192 -> 30, the official splits */
        uint64_t r = ((uint64_t)tokens * 10 + 32) / 64;
        c = r > avail ? avail : (uint32_t)r;
        d = avail - c;
    }
    if (dominant)
        *dominant = d;
    if (contextual)
        *contextual = c;
}

enum { T_HIDDEN, T_METRIC, T_ATTN, T_Q, T_K, T_OUT, T_SRC };   /* the table's order (visionzip_desc.c) */
static const vtc_scores_inputs inputs = {T_ATTN, T_Q, T_K};

/* scratch layout: [scores scratch][score B*N f32][keep B*nkeep i32][rest B*R i32][merge assign]
   [metric B*N*dh in the float dtype, only when computed from k] */
typedef struct vz_layout {
    uint64_t scores, score, keep, rest, merge, metric, total;
} vz_layout;

static vz_layout layout_of(const vtc_scores_shape *sh, const vtc_merge_shape *m, int64_t nkeep, uint64_t metric_bytes)
{
    vz_layout l;
    l.scores = 0;
    l.score = vtc_scores_scratch(sh);
    l.keep = l.score + vtc_scratch_round((uint64_t)(sh->B * sh->N) * 4);
    l.rest = l.keep + vtc_scratch_round((uint64_t)(sh->B * (nkeep ? nkeep : 1)) * 4);
    l.merge = l.rest + vtc_scratch_round((uint64_t)(sh->B * (m->R ? m->R : 1)) * 4);
    l.metric = l.merge + vtc_scratch_round(vtc_merge_scratch(m));
    l.total = l.metric + vtc_scratch_round(metric_bytes);
    return l;
}

/* the computed metric: 4 bytes an element, enough whichever float dtype the device stores */
static uint64_t metric_bytes(int metric_from_k, const vtc_merge_shape *m)
{
    return metric_from_k ? (uint64_t)(m->B * m->N * m->Dm) * 4u : 0u;
}

/* What plan() hands record(): the three stages' shapes and the scratch layout. */
typedef struct visionzip_plan {
    vtc_scores_shape sh;     /* sh.cls: the CLS token's row (0 when there is none) */
    vtc_merge_shape m;
    uint32_t cls;            /* select's CLS token, or VTC_CLS_NONE */
    uint32_t dominant;
    int64_t nkeep, rows;     /* kept rows (CLS + dominant); out rows (kept + contextual) */
    int metric_from_k;       /* the merge metric is k's head mean, computed into scratch */
    vz_layout layout;
} visionzip_plan;

/* attn or q, k by score_mode; metric may be left out only in the QK modes,
   where it is k's head mean */
static void uses(const void *vargs, uint32_t *need, uint32_t *skip)
{
    const vtc_visionzip_args *a = vargs;
    vtc_scores_uses(a->score_mode, inputs, need, skip);
    if (a->score_mode == VTC_SCORE_ATTN_CLS)
        *need |= 1u << T_METRIC;
}

static vtc_result plan(vtc_context ctx, const void *vargs, vtc_plan *pl)
{
    const vtc_visionzip_args *a = vargs;
    vtc_result r;
    if (a->no_cls > 1)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "visionzip: no_cls must be 0 or 1");
    /* cls_index and reserved1 were appended in 1.1.0: a 1.0.0 host's struct ends before them */
    int has_cls_index = a->size >= offsetof(vtc_visionzip_args, reserved1) + sizeof(a->reserved1);
    uint32_t cls_index = has_cls_index ? a->cls_index : 0u;
    if (has_cls_index && a->reserved1)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "visionzip: reserved1 must be 0");
    if (a->no_cls && cls_index)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "visionzip: cls_index is %u but no_cls says there is no CLS",
                        cls_index);
    vtc_scores_shape sh;
    uint32_t sdt = 0;
    if ((r = vtc_scores_check(ctx, pl, a->score_mode, a->scale, inputs, &sh, &sdt)))
        return r;
    int64_t wh[3] = {sh.B, sh.N, -1};
    /* QK modes may leave metric absent: VisionZip's metric is the head mean of k, computed here */
    int metric_from_k = a->score_mode != VTC_SCORE_ATTN_CLS && !vtc_tensor_present(&a->metric);
    if ((r = vtc_tensor_expect(ctx, pl, T_HIDDEN, VTC_DTYPES(sdt), wh)) ||
        (r = vtc_tensor_expect(ctx, pl, T_METRIC, VTC_DTYPES(sdt), wh)))
        return r;
    if (metric_from_k && !vtc_tensor_contiguous(&a->k))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "visionzip: computing the metric from k needs a contiguous k");
    int64_t B = sh.B, N = sh.N, D = a->hidden.shape[2], Dm = metric_from_k ? sh.dh : a->metric.shape[2];
    int64_t keep_cls = a->no_cls ? 0 : 1, k = a->dominant, c = a->contextual;
    if (keep_cls && cls_index >= N)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "visionzip: cls_index %u is not a token (N = %lld)", cls_index,
                        (long long)N);
    sh.cls = cls_index;
    if (N < keep_cls || k + c > N - keep_cls)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                        "visionzip: dominant %lld + contextual %lld exceed the %lld tokens that compete", (long long)k,
                        (long long)c, (long long)(N - keep_cls));
    if (D < 1 || (c > 0 && Dm < 1))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "visionzip: empty hidden or metric rows");
    int64_t nkeep = keep_cls + k, R = N - nkeep, rows = nkeep + c;
    if (R > VTC_LOOP_BUDGET / 2) /* merge's limit on rest tokens (lavapipe's loop limiter, op.h) */
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "visionzip: at most %u rest tokens per image", VTC_LOOP_BUDGET / 2);
    int64_t wo[3] = {B, rows, D}, ws[2] = {B, rows};
    if ((r = vtc_tensor_expect(ctx, pl, T_OUT, VTC_DTYPES(sdt), wo)) ||
        (r = vtc_tensor_expect(ctx, pl, T_SRC, 0, ws)))
        return r;
    if (!c) /* nothing merged: the metric is not read */
        pl->unused |= 1u << T_METRIC;
    pl->float_dtype = sdt;
    visionzip_plan *vp = VTC_PLAN_OF(pl, visionzip_plan);
    vp->sh = sh;
    vp->m = (vtc_merge_shape){B, N, D, Dm, R, c, c ? (R / c > 1 ? R / c : 1) : 1};
    vp->cls = keep_cls ? cls_index : VTC_CLS_NONE;
    vp->dominant = (uint32_t)k;
    vp->nkeep = nkeep;
    vp->rows = rows;
    vp->metric_from_k = c && metric_from_k;
    vp->layout = layout_of(&sh, &vp->m, nkeep, metric_bytes(vp->metric_from_k, &vp->m));
    pl->scratch_bytes = vp->layout.total;
    return VTC_SUCCESS;
}

static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    (void)ctx;
    const visionzip_plan *vp = VTC_PLAN_OF_CONST(pl, visionzip_plan);
    const vtc_scores_shape *sh = &vp->sh;
    vtc_merge_shape m = vp->m;
    uint32_t cls = vp->cls, k = vp->dominant;
    int64_t nkeep = vp->nkeep, rows = vp->rows;
    const vz_layout l = vp->layout;
    vtc_bound score = vtc_scratch_slice(rec, l.score, (VkDeviceSize)(m.B * m.N) * 4);
    vtc_bound rest = vtc_scratch_slice(rec, l.rest, (VkDeviceSize)(m.B * (m.R ? m.R : 1)) * 4);
    /* keep indices go straight into src_idx rows when the host asked for them */
    int direct = t[T_SRC].present;
    vtc_bound keep = direct ? t[T_SRC] : vtc_scratch_slice(rec, l.keep, (VkDeviceSize)(m.B * (nkeep ? nkeep : 1)) * 4);
    int64_t keep_stride = direct ? rows : nkeep;
    vtc_result r;
    if ((r = vtc_scores_record(rec, sh, &t[T_ATTN], &t[T_Q], &t[T_K], &score, l.scores)))
        return r;
    if ((r = vtc_select_record(rec, m.B, m.N, cls, k, &score, &keep, (uint32_t)keep_stride, m.c ? &rest : NULL)))
        return r;
    if ((r = vtc_gather_record(rec, m.B, m.N, m.D, nkeep, keep_stride, rows, 0, &t[T_HIDDEN], &keep, &t[T_OUT])))
        return r;
    vtc_bound metric = t[T_METRIC];
    if (vp->metric_from_k) {
        metric = vtc_scratch_slice(rec, l.metric, metric_bytes(1, &m));
        struct { uint32_t rows, H, dh; float inv_h; } pc = {(uint32_t)(m.B * m.N), (uint32_t)sh->H, (uint32_t)sh->dh,
                                                            1.0f / (float)sh->H};
        vtc_bound b[2] = {t[T_K], metric};
        uint32_t gx, gy;
        vtc_grid_for(vtc_rec_ctx(rec), (uint64_t)(m.B * m.N * m.Dm), &gx, &gy);
        if ((r = vtc_dispatch(rec, VTC_K_k_head_mean, 0, b, 2, &pc, sizeof(pc), VTC_WG, NULL, 0, gx, gy, 1)))
            return r;
    }
    return vtc_merge_record(rec, &m, &t[T_HIDDEN], &metric, &rest, l.merge, &t[T_OUT], rows, nkeep,
                            &t[T_SRC], rows, nkeep);
}

/* the smallest args a caller may pass is 1.0.0's (fields up to src_idx: the descriptor's args_size) */
_Static_assert(VTC_VISIONZIP_ARGS_V1_SIZE == offsetof(vtc_visionzip_args, cls_index), "1.0.0 size");
const vtc_op_def vtc_op_visionzip_def = {&vtc_op_visionzip_desc, uses, plan, record};
