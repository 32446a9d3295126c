/* merge (SPEC 1.3): contextual tokens from the rest tokens. Two dispatches:
   assign each source to its most similar target, then per-target means. */
#include "merge.h"

#include <stddef.h>

VTC_OP_ENTRY_POINTS(vtc_merge, vtc_merge_query_scratch, vtc_merge_args, VTC_OP_MERGE)

/* Rest positions loop once per invocation in merge_reduce: keep that inside
   lavapipe's loop limiter on every device (op.h). */
#define MERGE_MAX_REST ((int)(VTC_LOOP_BUDGET / 2))
/* merge_assign_wide_cpu: targets per chunk (a lane's registers hold one sum per target) */
#define MERGE_WIDE_TC 16u
/* merge_assign_wide_cpu: rest positions per lane, each target row loaded serves them all */
#define MERGE_WIDE_SPL 4u

/* scratch: assign [B][R] i32, list [B][R] i32, offset/count [B][c][2] u32 */
uint64_t vtc_merge_scratch(const vtc_merge_shape *m)
{
    return 2 * vtc_scratch_round((uint64_t)(m->B * m->R) * 4) + vtc_scratch_round((uint64_t)(m->B * m->c) * 8);
}

vtc_result vtc_merge_record(vtc_recorder *rec, const vtc_merge_shape *m, const vtc_bound *hidden,
                            const vtc_bound *metric, const vtc_bound *rest_idx, VkDeviceSize scratch_off,
                            const vtc_bound *dst, int64_t out_rows, int64_t row_offset, const vtc_bound *src,
                            int64_t src_rows, int64_t src_offset)
{
    if (m->c == 0)
        return VTC_SUCCESS;
    vtc_context ctx = vtc_rec_ctx(rec);
    vtc_bound assign = vtc_scratch_slice(rec, scratch_off, (VkDeviceSize)(m->B * m->R) * 4);
    uint32_t gx, gy;
    vtc_result r;
    if (m->R > m->c) {
        struct { uint32_t B, N, Dm, R, c, step; } ap = {(uint32_t)m->B, (uint32_t)m->N, (uint32_t)m->Dm,
                                                       (uint32_t)m->R, (uint32_t)m->c, (uint32_t)m->step};
        /* CPU devices: one invocation per source, no barriers, while its loop over the
           targets stays well inside the loop limiter; else 32 lanes share a source */
        uint64_t per_source = (uint64_t)m->c * (3 * (uint64_t)m->Dm / 4 + 8);
        uint32_t lanes = vtc_caps_of(ctx)->cpu_variants && per_source < 40000 ? 1u : 32u;
        vtc_bound b[3] = {*metric, *rest_idx, assign};
        /* CPU devices, metric rows of whole vec4s that fit in registers: the source row
           stays in registers and each target row is read once (merge_assign_cpu) */
        if (vtc_caps_of(ctx)->cpu_variants && m->Dm % 4 == 0 && m->Dm <= 128 && metric->offset % 16 == 0) {
            /* sources per invocation: each target row read serves all of them; registers bound it */
            uint32_t spi = m->Dm <= 72 ? 4u : 2u;
            uint32_t spec[2] = {VTC_SPEC(merge_assign_cpu, DM) = (uint32_t)m->Dm, VTC_SPEC(merge_assign_cpu, SPI) = spi};
            vtc_grid_for(ctx, (uint64_t)m->B * (uint64_t)((m->R + spi - 1) / spi), &gx, &gy);
            if ((r = vtc_dispatch(rec, VTC_K_merge_assign_cpu, 0, b, 3, &ap, sizeof(ap), VTC_WG, spec, 2, gx, gy, 1)))
                return r;
        } else if (vtc_caps_of(ctx)->cpu_variants && m->Dm % 4 == 0 && metric->offset % 16 == 0 &&
                   (uint64_t)((m->c + MERGE_WIDE_TC - 1) / MERGE_WIDE_TC) * (uint64_t)(m->Dm / 4 + MERGE_WIDE_TC) <
                       VTC_LOOP_BUDGET) {
            /* CPU devices, wider rows: a subgroup of sources shares each target row it loads
               (merge_assign_wide_cpu) */
            uint32_t S = vtc_caps_of(ctx)->subgroup_size;
            uint32_t spec[2] = {VTC_SPEC(merge_assign_wide_cpu, TC) = MERGE_WIDE_TC,
                                VTC_SPEC(merge_assign_wide_cpu, SPL) = MERGE_WIDE_SPL};
            vtc_grid_2d(ctx, (uint64_t)m->B * (uint64_t)((m->R + S * MERGE_WIDE_SPL - 1) / (S * MERGE_WIDE_SPL)), &gx, &gy);
            /* the rows through a texel view where the call has one (vtc_bound.texel) */
            if ((r = vtc_dispatch(rec, metric->texel ? VTC_K_merge_assign_wide_tex_cpu : VTC_K_merge_assign_wide_cpu, 0,
                                  b, 3, &ap, sizeof(ap), S, spec, 2, gx, gy, 1)))
                return r;
        } else {
            vtc_grid_for(ctx, (uint64_t)(m->B * m->R) * lanes, &gx, &gy);
            uint32_t spec[1] = {VTC_SPEC(merge_assign, LANES) = lanes};
            if ((r = vtc_dispatch(rec, VTC_K_merge_assign, 0, b, 3, &ap, sizeof(ap), VTC_WG, spec, 1, gx, gy, 1)))
                return r;
        }
    }
    uint64_t rb = vtc_scratch_round((uint64_t)(m->B * m->R) * 4);
    vtc_bound list = vtc_scratch_slice(rec, scratch_off + rb, (VkDeviceSize)(m->B * m->R) * 4);
    vtc_bound offcnt = vtc_scratch_slice(rec, scratch_off + 2 * rb, (VkDeviceSize)(m->B * m->c) * 8);
    /* R == c: every rest token is a target; nothing is assigned and every list is empty */
    struct { uint32_t B, R, c, step; } bp = {(uint32_t)m->B, (uint32_t)m->R, (uint32_t)m->c, (uint32_t)m->step};
    vtc_bound bb[3] = {assign, list, offcnt};
    vtc_grid_for(ctx, (uint64_t)(m->B * m->c), &gx, &gy);
    if ((r = vtc_dispatch(rec, VTC_K_merge_bucket, 0, bb, 3, &bp, sizeof(bp), VTC_WG, NULL, 0, gx, gy, 1)))
        return r;
    struct { uint32_t B, N, D, R, c, step, out_rows, row_offset, write_src, src_rows, src_offset; } rp = {
        (uint32_t)m->B, (uint32_t)m->N, (uint32_t)m->D, (uint32_t)m->R, (uint32_t)m->c, (uint32_t)m->step,
        (uint32_t)out_rows, (uint32_t)row_offset, src && src->present ? 1u : 0u, (uint32_t)src_rows,
        (uint32_t)src_offset};
    vtc_bound b[6] = {*hidden, *rest_idx, list, *dst, src ? *src : (vtc_bound){0}, offcnt};
    /* CPU devices, rows of whole 16-column groups (aligned for vec4 views of hidden and dst) */
    if (vtc_caps_of(ctx)->cpu_variants && m->D % 16 == 0 && hidden->offset % 16 == 0 && dst->offset % 16 == 0) {
        uint32_t cw = m->D % 32 == 0 ? 8u : 4u; /* vec4 columns per invocation */
        vtc_grid_for(ctx, (uint64_t)(m->B * m->c * (m->D / (4 * cw))), &gx, &gy);
        uint32_t spec[1] = {VTC_SPEC(merge_reduce_cpu, CW) = cw};
        return vtc_dispatch(rec, hidden->texel ? VTC_K_merge_reduce_tex_cpu : VTC_K_merge_reduce_cpu, 0, b, 6, &rp,
                            sizeof(rp), VTC_WG, spec, 1, gx, gy, 1);
    }
    vtc_grid_for(ctx, (uint64_t)(m->B * m->c * ((m->D + 3) / 4)), &gx, &gy);
    return vtc_dispatch(rec, VTC_K_merge_reduce, 0, b, 6, &rp, sizeof(rp), VTC_WG, NULL, 0, gx, gy, 1);
}

enum { T_HIDDEN, T_METRIC, T_REST, T_OUT };   /* the table's order (merge_desc.c) */

/* What plan() hands record(). */
typedef struct merge_plan {
    vtc_merge_shape m;
} merge_plan;

/* out is optional only when there is nothing to merge */
static void uses(const void *vargs, uint32_t *need, uint32_t *skip)
{
    (void)skip;
    if (((const vtc_merge_args *)vargs)->contextual)
        *need |= 1u << T_OUT;
}

static vtc_result plan(vtc_context ctx, const void *vargs, vtc_plan *pl)
{
    const vtc_merge_args *a = vargs;
    vtc_result r;
    int64_t B = a->hidden.shape[0], N = a->hidden.shape[1], D = a->hidden.shape[2];
    int64_t wm[3] = {B, N, -1}, wr[2] = {B, -1};
    if ((r = vtc_tensor_expect(ctx, pl, T_METRIC, VTC_DTYPES(a->hidden.dtype), wm)) ||
        (r = vtc_tensor_expect(ctx, pl, T_REST, 0, wr)))
        return r;
    int64_t R = a->rest_idx.shape[1], c = a->contextual, Dm = a->metric.shape[2];
    if (c > R)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "merge: contextual = %lld but only %lld rest tokens",
                        (long long)c, (long long)R);
    if (R > N)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "merge: %lld rest indices for %lld tokens", (long long)R,
                        (long long)N);
    if (R > MERGE_MAX_REST)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "merge: at most %d rest tokens per image", MERGE_MAX_REST);
    if (c > 0 && (D < 1 || Dm < 1))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "merge: empty hidden or metric rows");
    int64_t wo[3] = {B, c, D};
    if ((r = vtc_tensor_expect(ctx, pl, T_OUT, VTC_DTYPES(a->hidden.dtype), wo)))
        return r;
    /* indices on the host can be checked before anything runs; on the device the
       shaders skip out-of-range ones instead of reading outside the buffers */
    if (a->rest_idx.host) {
        /* strides all zero mean row-major; otherwise each one is as given, 0 included
           (a broadcast view), exactly as the extent was validated */
        int contiguous = !a->rest_idx.stride[0] && !a->rest_idx.stride[1];
        int64_t s0 = contiguous ? R : a->rest_idx.stride[0], s1 = contiguous ? 1 : a->rest_idx.stride[1];
        const int32_t *ri = a->rest_idx.host;
        for (int64_t b = 0; b < B; b++)
            for (int64_t i = 0; i < R; i++) {
                int32_t v = ri[b * s0 + i * s1];
                if (v < 0 || v >= N)
                    return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "merge: rest_idx[%lld][%lld] = %d is outside [0, %lld)",
                                    (long long)b, (long long)i, v, (long long)N);
            }
    }
    if (!c) /* nothing merged: nothing read or written */
        pl->unused |= (1u << T_HIDDEN) | (1u << T_METRIC) | (1u << T_REST) | (1u << T_OUT);
    pl->float_dtype = a->hidden.dtype;
    vtc_merge_shape m = {B, N, D, Dm, R, c, c ? (R / c > 1 ? R / c : 1) : 1};
    VTC_PLAN_OF(pl, merge_plan)->m = m;
    pl->scratch_bytes = c ? vtc_merge_scratch(&m) : 0;
    return VTC_SUCCESS;
}

static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    (void)ctx;
    const vtc_merge_shape *m = &VTC_PLAN_OF_CONST(pl, merge_plan)->m;
    return vtc_merge_record(rec, m, &t[T_HIDDEN], &t[T_METRIC], &t[T_REST], 0, &t[T_OUT], m->c, 0, NULL, 0, 0);
}

const vtc_op_def vtc_op_merge_def = {&vtc_op_merge_desc, uses, plan, record};
