/* PLACEHOLDER: replaced whole by the merge implementation. */
#include "ops.h"
static vtc_result plan(vtc_context ctx, const void *a, vtc_plan *pl)
{
    (void)a; (void)pl;
    return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "merge: not built yet");
}
static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    (void)pl; (void)t; (void)rec;
    return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "merge: not built yet");
}
const vtc_op_def vtc_op_merge_def = {VTC_OP_MERGE, "merge", sizeof(vtc_merge_args), plan, record};
