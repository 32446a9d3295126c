/* The op registry: each op's plan/record pair, looked up by VTC_OP_*. */
#include "context.h"

extern const vtc_op_def vtc_op_scores_def;
extern const vtc_op_def vtc_op_select_def;
extern const vtc_op_def vtc_op_merge_def;
extern const vtc_op_def vtc_op_visionzip_def;
extern const vtc_op_def vtc_op_compress_def;
extern const vtc_op_def vtc_op_composite_def;
extern const vtc_op_def vtc_op_prune_def;

static const vtc_op_def *const ops[] = {
    &vtc_op_scores_def,
    &vtc_op_select_def,
    &vtc_op_merge_def,
    &vtc_op_visionzip_def,
    &vtc_op_compress_def,
    &vtc_op_composite_def,
    &vtc_op_prune_def,
};

const vtc_op_def *vtc_op_find(uint32_t op)
{
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (ops[i]->op == op)
            return ops[i];
    return 0;
}
