/* PLACEHOLDER: replaced whole by the compress implementation. */
#include "ops.h"
static vtc_result plan(vtc_context ctx, const void *a, vtc_plan *pl)
{
    (void)a; (void)pl;
    return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "compress: not built yet");
}
static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    (void)pl; (void)t; (void)rec;
    return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "compress: not built yet");
}
const vtc_op_def vtc_op_compress_def = {VTC_OP_COMPRESS, "compress", sizeof(vtc_compress_args), plan, record};
VTC_API vtc_result vtc_compress_weights_create(vtc_context ctx, const vtc_compress_weights_desc *d, vtc_weights *o)
{
    (void)d; (void)o;
    return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "compress: not built yet");
}
VTC_API vtc_result vtc_compress_weights_prepare(vtc_context ctx, vtc_weights w, uint32_t n)
{
    (void)w; (void)n;
    return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "compress: not built yet");
}
VTC_API void vtc_compress_weights_destroy(vtc_context ctx, vtc_weights w) { (void)ctx; (void)w; }
void vtc_weights_destroy_all(vtc_context ctx) { (void)ctx; }
VTC_API vtc_result vtc_pos_embed_2d(uint32_t C, uint32_t E, float *out) { (void)C; (void)E; (void)out; return VTC_ERROR_UNSUPPORTED; }
VTC_API vtc_result vtc_pos_embed_resize(uint32_t C, uint32_t g, uint32_t E, const float *t, float *out)
{ (void)C; (void)g; (void)E; (void)t; (void)out; return VTC_ERROR_UNSUPPORTED; }
