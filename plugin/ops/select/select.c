/* select (SPEC 1.2): dominant tokens by score, then a gather of their rows. */
#include "select.h"

#include <stddef.h>

VTC_OP_ENTRY_POINTS(vtc_select, vtc_select_query_scratch, vtc_select_args, VTC_OP_SELECT)

vtc_result vtc_select_record(vtc_recorder *rec, int64_t B, int64_t N, uint32_t cls, uint32_t k,
                             const vtc_bound *score, const vtc_bound *keep_idx, uint32_t keep_stride,
                             const vtc_bound *rest_idx)
{
    struct { uint32_t B, N, cls, k, write_rest, keep_stride; } pc = {
        (uint32_t)B, (uint32_t)N, cls, k, rest_idx && rest_idx->present ? 1u : 0u, keep_stride};
    vtc_bound b[3] = {*score, *keep_idx, rest_idx ? *rest_idx : (vtc_bound){0}};
    uint32_t gx, gy;
    /* The serial variant loops 5 N times per invocation: keep it inside lavapipe's
       loop limiter (op.h), use the workgroup variant beyond. */
    if (vtc_caps_of(vtc_rec_ctx(rec))->cpu_variants && 5 * N + 1100 < VTC_LOOP_BUDGET) {
        /* one invocation per image: barriers cost more than the serial work on CPU devices */
        const uint32_t wg = 16;
        vtc_grid_2d(vtc_rec_ctx(rec), ((uint64_t)B + wg - 1) / wg, &gx, &gy);
        return vtc_dispatch(rec, VTC_K_select_topk_serial, VTC_DTYPE_F32, b, 3, &pc, sizeof(pc), wg, NULL, 0, gx, gy, 1);
    }
    vtc_grid_2d(vtc_rec_ctx(rec), (uint64_t)B, &gx, &gy);
    return vtc_dispatch(rec, VTC_K_select_topk, VTC_DTYPE_F32, b, 3, &pc, sizeof(pc), VTC_WG, NULL, 0, gx, gy, 1);
}

vtc_result vtc_gather_record(vtc_recorder *rec, int64_t B, int64_t N, int64_t D, int64_t R, int64_t idx_stride,
                             int64_t out_rows, int64_t row_offset, const vtc_bound *src, const vtc_bound *idx,
                             const vtc_bound *dst)
{
    if (R <= 0 || D <= 0)
        return VTC_SUCCESS;
    struct { uint32_t B, N, D, R, out_rows, row_offset, idx_stride; } pc = {
        (uint32_t)B, (uint32_t)N, (uint32_t)D, (uint32_t)R, (uint32_t)out_rows, (uint32_t)row_offset,
        (uint32_t)idx_stride};
    vtc_bound b[3] = {*src, *idx, *dst};
    uint32_t gx, gy;
    if (vtc_caps_of(vtc_rec_ctx(rec))->cpu_variants && D % 16 == 0 && src->offset % 16 == 0 && dst->offset % 16 == 0) {
        vtc_grid_for(vtc_rec_ctx(rec), (uint64_t)(B * R * (D / 16)), &gx, &gy);
        return vtc_dispatch(rec, VTC_K_gather_rows_cpu, 0, b, 3, &pc, sizeof(pc), VTC_WG, NULL, 0, gx, gy, 1);
    }
    vtc_grid_for(vtc_rec_ctx(rec), (uint64_t)(B * R * D), &gx, &gy);
    return vtc_dispatch(rec, VTC_K_gather_rows, 0, b, 3, &pc, sizeof(pc), VTC_WG, NULL, 0, gx, gy, 1);
}

enum { T_SCORE, T_HIDDEN, T_KEEP, T_REST, T_DOM };   /* the table's order (select_desc.c) */

/* What plan() hands record(). */
typedef struct select_plan {
    int64_t B, N;
    int64_t D;               /* hidden's row width (0 when no gather) */
    int64_t nkeep;           /* kept rows per image: the CLS token (if any) + dominant */
    uint32_t cls;            /* the CLS token, or VTC_CLS_NONE */
    uint32_t dominant;
    int gather;              /* dominant_out asked for: gather the kept rows of hidden */
} select_plan;

/* dominant_out is gathered from hidden */
static void uses(const void *vargs, uint32_t *need, uint32_t *skip)
{
    (void)skip;
    if (((const vtc_select_args *)vargs)->dominant_out.dtype != VTC_DTYPE_NONE)
        *need |= 1u << T_HIDDEN;
}

static vtc_result plan(vtc_context ctx, const void *vargs, vtc_plan *pl)
{
    const vtc_select_args *a = vargs;
    vtc_result r;
    if (a->no_cls > 1)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "select: no_cls must be 0 or 1");
    if (a->no_cls && a->cls_index)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "select: cls_index is %u but no_cls says there is no CLS",
                        a->cls_index);
    int64_t B = a->score.shape[0], N = a->score.shape[1];
    uint32_t keep_cls = a->no_cls ? 0u : 1u;
    if (B < 1 || N < 1)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "select: score has an empty dimension");
    if (keep_cls && a->cls_index >= N)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "select: cls_index %u is not a token (N = %lld)", a->cls_index,
                        (long long)N);
    if (N < (int64_t)keep_cls || (int64_t)a->dominant > N - keep_cls)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                        "select: dominant = %u but only %lld tokens compete (N = %lld, keep_cls = %u)", a->dominant,
                        (long long)(N - keep_cls), (long long)N, keep_cls);
    int64_t nkeep = keep_cls + a->dominant, nrest = N - nkeep;
    int64_t wk[2] = {B, nkeep}, wr[2] = {B, nrest};
    if ((r = vtc_tensor_expect(ctx, pl, T_KEEP, 0, wk)) || (r = vtc_tensor_expect(ctx, pl, T_REST, 0, wr)))
        return r;
    int want_dom = vtc_tensor_present(&a->dominant_out);
    int64_t D = 0;
    if (vtc_tensor_present(&a->hidden)) {
        int64_t wh[3] = {B, N, -1};
        D = a->hidden.shape[2];
        int64_t wd[3] = {B, nkeep, D};
        if ((r = vtc_tensor_expect(ctx, pl, T_HIDDEN, 0, wh)) ||
            (r = vtc_tensor_expect(ctx, pl, T_DOM, VTC_DTYPES(a->hidden.dtype), wd)))
            return r;
        pl->float_dtype = a->hidden.dtype;
    }
    if (!want_dom)
        pl->unused |= 1u << T_HIDDEN;
    *VTC_PLAN_OF(pl, select_plan) = (select_plan){B, N, D, nkeep, keep_cls ? a->cls_index : VTC_CLS_NONE, a->dominant,
                                                   want_dom};
    return VTC_SUCCESS;
}

static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    (void)ctx;
    const select_plan *sp = VTC_PLAN_OF_CONST(pl, select_plan);
    int64_t nkeep = sp->nkeep;
    vtc_result r = vtc_select_record(rec, sp->B, sp->N, sp->cls, sp->dominant, &t[T_SCORE], &t[T_KEEP],
                                     (uint32_t)nkeep, &t[T_REST]);
    if (r || !sp->gather)
        return r;
    return vtc_gather_record(rec, sp->B, sp->N, sp->D, nkeep, nkeep, nkeep, 0, &t[T_HIDDEN], &t[T_KEEP], &t[T_DOM]);
}

const vtc_op_def vtc_op_select_def = {&vtc_op_select_desc, uses, plan, record};
