/* The kernel tier: what other ops (the fused visionzip, prune) record of scores.
   Declared in its meson.build (op_kernel_headers): the only header of
   another op an op may include, and call through (tests/check_layers.py). */
#ifndef VTC_OP_SCORES_H
#define VTC_OP_SCORES_H
#include "op.h"

/* Shapes worked out by scores' validation. */
typedef struct vtc_scores_shape {
    uint32_t mode;
    int64_t B, N, H, dh;
    float scale;             /* resolved (never 0) */
    uint32_t cls;            /* QK_CLS: the query row (the CLS token) */
} vtc_scores_shape;
/* The score inputs' places in the calling op's table (scores', visionzip's). */
typedef struct vtc_scores_inputs {
    uint32_t attn, q, k;
} vtc_scores_inputs;
/* The uses hook's part for the score inputs: ATTN_CLS needs attn and
   ignores q and k, the QK modes the other way round; an unknown mode reads
   none (vtc_scores_check reports it). */
void vtc_scores_uses(uint32_t mode, vtc_scores_inputs in, uint32_t *need, uint32_t *skip);
/* Checks the mode, the score inputs' relations (k shaped as q) and the
   scale, and fills sh. Returns the float dtype of the inputs through *dtype. */
vtc_result vtc_scores_check(vtc_context ctx, const vtc_plan *pl, uint32_t mode, float scale, vtc_scores_inputs in,
                            vtc_scores_shape *sh, uint32_t *dtype);
uint64_t vtc_scores_scratch(const vtc_scores_shape *sh);
/* Records score computation into `score` (f32 [B][N]); uses scratch bytes
   [scratch_off, scratch_off + vtc_scores_scratch(sh)). */
vtc_result vtc_scores_record(vtc_recorder *rec, const vtc_scores_shape *sh, const vtc_bound *attn, const vtc_bound *q,
                             const vtc_bound *k, const vtc_bound *score, VkDeviceSize scratch_off);
#endif
