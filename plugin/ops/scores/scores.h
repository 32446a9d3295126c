/* What other ops (the fused visionzip, prune) record of scores. */
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
/* Validates the score inputs (attn or q/k as `mode` needs) and fills sh.
   Returns the float dtype of the inputs through *dtype. */
vtc_result vtc_scores_check(vtc_context ctx, const char *op, uint32_t mode, float scale, const vtc_tensor *attn,
                            const vtc_tensor *q, const vtc_tensor *k, vtc_scores_shape *sh, uint32_t *dtype);
uint64_t vtc_scores_scratch(const vtc_scores_shape *sh);
/* Records score computation into `score` (f32 [B][N]); uses scratch bytes
   [scratch_off, scratch_off + vtc_scores_scratch(sh)). */
vtc_result vtc_scores_record(vtc_recorder *rec, const vtc_scores_shape *sh, const vtc_bound *attn, const vtc_bound *q,
                             const vtc_bound *k, const vtc_bound *score, VkDeviceSize scratch_off);
#endif
