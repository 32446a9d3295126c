/* PLACEHOLDER: replaced whole by the visionzip implementation. */
#include "ops.h"
static vtc_result plan(vtc_context ctx, const void *a, vtc_plan *pl)
{
    (void)a; (void)pl;
    return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "visionzip: not built yet");
}
static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    (void)pl; (void)t; (void)rec;
    return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "visionzip: not built yet");
}
const vtc_op_def vtc_op_visionzip_def = {VTC_OP_VISIONZIP, "visionzip", sizeof(vtc_visionzip_args), plan, record};
VTC_API void vtc_token_split(uint32_t tokens, uint32_t keep_cls, uint32_t *dominant, uint32_t *contextual)
{
    (void)tokens; (void)keep_cls;
    if (dominant) *dominant = 0;
    if (contextual) *contextual = 0;
}
