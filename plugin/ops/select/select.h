/* The kernel tier: what other ops (the fused visionzip, prune) record of select.
   Declared in its meson.build (op_kernel_headers): the only header of
   another op an op may include, and call through (tests/check_layers.py). */
#ifndef VTC_OP_SELECT_H
#define VTC_OP_SELECT_H
#include "op.h"

/* "no CLS token" for vtc_select_record's cls */
#define VTC_CLS_NONE 0xFFFFFFFFu

/* select: token `cls` (VTC_CLS_NONE: none) always kept, the k best others; keep_idx rows of keep_stride
   entries (the first (cls != NONE)+k written, ascending), rest_idx [B][N-(cls != NONE)-k] (rest may be absent). */
vtc_result vtc_select_record(vtc_recorder *rec, int64_t B, int64_t N, uint32_t cls, uint32_t k,
                             const vtc_bound *score, const vtc_bound *keep_idx, uint32_t keep_stride,
                             const vtc_bound *rest_idx);
/* gather: dst[b][row_offset + r] = src[b][idx[b*idx_stride + r]] for r < R; dst has out_rows rows per image. */
vtc_result vtc_gather_record(vtc_recorder *rec, int64_t B, int64_t N, int64_t D, int64_t R, int64_t idx_stride,
                             int64_t out_rows, int64_t row_offset, const vtc_bound *src, const vtc_bound *idx,
                             const vtc_bound *dst);

#endif
