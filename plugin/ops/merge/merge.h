/* The kernel tier: what other ops (the fused visionzip, prune) record of merge.
   Declared in its meson.build (op_kernel_headers): the only header of
   another op an op may include, and call through (tests/check_layers.py). */
#ifndef VTC_OP_MERGE_H
#define VTC_OP_MERGE_H
#include "op.h"

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
