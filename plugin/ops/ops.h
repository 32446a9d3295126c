/*
 * Recording helpers shared between ops (the fused visionzip reuses the
 * pieces of scores, select and merge).
 */
#ifndef VTC_OPS_H
#define VTC_OPS_H
#include "../context.h"

#define VTC_WG 256u   /* default workgroup size (multiple of every subgroup size) */

/* Element-wise grid: groups for `n` invocations of VTC_WG, 2-D when large. */
void vtc_grid_for(vtc_context ctx, uint64_t n, uint32_t *gx, uint32_t *gy);

/* Shapes worked out by scores' validation. */
typedef struct vtc_scores_shape {
    uint32_t mode;
    int64_t B, N, H, dh;
    float scale;             /* resolved (never 0) */
    uint32_t cls;            /* QK_CLS: the query row (the CLS token) */
} vtc_scores_shape;

/* "no CLS token" for vtc_select_record's cls */
#define VTC_CLS_NONE 0xFFFFFFFFu

/* Validates the score inputs (attn or q/k as `mode` needs) and fills sh.
   Returns the float dtype of the inputs through *dtype. */
vtc_result vtc_scores_check(vtc_context ctx, const char *op, uint32_t mode, float scale, const vtc_tensor *attn,
                            const vtc_tensor *q, const vtc_tensor *k, vtc_scores_shape *sh, uint32_t *dtype);
uint64_t vtc_scores_scratch(const vtc_scores_shape *sh);
/* Records score computation into `score` (f32 [B][N]); uses scratch bytes
   [scratch_off, scratch_off + vtc_scores_scratch(sh)). */
vtc_result vtc_scores_record(vtc_recorder *rec, const vtc_scores_shape *sh, const vtc_bound *attn, const vtc_bound *q,
                             const vtc_bound *k, const vtc_bound *score, VkDeviceSize scratch_off);

/* select: token `cls` (VTC_CLS_NONE: none) always kept, the k best others; keep_idx rows of keep_stride
   entries (the first (cls != NONE)+k written, ascending), rest_idx [B][N-(cls != NONE)-k] (rest may be absent). */
vtc_result vtc_select_record(vtc_recorder *rec, int64_t B, int64_t N, uint32_t cls, uint32_t k,
                             const vtc_bound *score, const vtc_bound *keep_idx, uint32_t keep_stride,
                             const vtc_bound *rest_idx);
/* gather: dst[b][row_offset + r] = src[b][idx[b*idx_stride + r]] for r < R; dst has out_rows rows per image. */
vtc_result vtc_gather_record(vtc_recorder *rec, int64_t B, int64_t N, int64_t D, int64_t R, int64_t idx_stride,
                             int64_t out_rows, int64_t row_offset, const vtc_bound *src, const vtc_bound *idx,
                             const vtc_bound *dst);

/* merge: shapes worked out by validation */
typedef struct vtc_merge_shape {
    int64_t B, N, D, Dm, R, c, step;
} vtc_merge_shape;
/* Scratch: assign[B][R] int32. */
uint64_t vtc_merge_scratch(const vtc_merge_shape *m);
/* Records assign + reduce: contextual rows go to dst rows [row_offset, row_offset + c) of
   out_rows-row images; when src is present, src[b][src_offset + i] = t_i (src_rows per image). */
vtc_result vtc_merge_record(vtc_recorder *rec, const vtc_merge_shape *m, const vtc_bound *hidden,
                            const vtc_bound *metric, const vtc_bound *rest_idx, VkDeviceSize scratch_off,
                            const vtc_bound *dst, int64_t out_rows, int64_t row_offset, const vtc_bound *src,
                            int64_t src_rows, int64_t src_offset);
#endif
