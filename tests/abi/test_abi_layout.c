/* The v1 ABI layout, frozen: a C-only program that includes nothing but the
   public header. A field that moves breaks every host built before it. */
#include <vtc.h>

#include <stddef.h>
#include <stdio.h>

#if UINTPTR_MAX == 0xffffffffffffffffu
_Static_assert(sizeof(vtc_tensor) == 136, "vtc_tensor size");
_Static_assert(offsetof(vtc_tensor, dtype) == 4, "vtc_tensor.dtype");
_Static_assert(offsetof(vtc_tensor, ndim) == 8, "vtc_tensor.ndim");
_Static_assert(offsetof(vtc_tensor, shape) == 16, "vtc_tensor.shape");
_Static_assert(offsetof(vtc_tensor, stride) == 64, "vtc_tensor.stride");
_Static_assert(offsetof(vtc_tensor, host) == 112, "vtc_tensor.host");
_Static_assert(offsetof(vtc_tensor, buffer) == 120, "vtc_tensor.buffer");
_Static_assert(offsetof(vtc_tensor, offset) == 128, "vtc_tensor.offset");
_Static_assert(sizeof(vtc_exec) == 40, "vtc_exec size");
_Static_assert(offsetof(vtc_exec, cmd) == 8, "vtc_exec.cmd");
_Static_assert(offsetof(vtc_exec, scratch_size) == 32, "vtc_exec.scratch_size");
_Static_assert(sizeof(vtc_context_desc) == 48, "vtc_context_desc size");
_Static_assert(offsetof(vtc_context_desc, adopted) == 40, "vtc_context_desc.adopted");
_Static_assert(sizeof(vtc_adopted_device) == 80, "vtc_adopted_device size");
_Static_assert(offsetof(vtc_adopted_device, get_instance_proc_addr) == 40, "adopted.get_instance_proc_addr");
_Static_assert(offsetof(vtc_scores_args, attn) == 16, "vtc_scores_args.attn");
_Static_assert(sizeof(vtc_scores_args) == 16 + 4 * 136, "vtc_scores_args size");
_Static_assert(offsetof(vtc_select_args, score) == 16, "vtc_select_args.score");
_Static_assert(sizeof(vtc_select_args) == 16 + 5 * 136, "vtc_select_args size");
_Static_assert(offsetof(vtc_merge_args, hidden) == 8, "vtc_merge_args.hidden");
_Static_assert(sizeof(vtc_merge_args) == 8 + 4 * 136, "vtc_merge_args size");
_Static_assert(offsetof(vtc_visionzip_args, hidden) == 24, "vtc_visionzip_args.hidden");
_Static_assert(sizeof(vtc_visionzip_args) == 24 + 7 * 136, "vtc_visionzip_args size");
_Static_assert(offsetof(vtc_compress_args, x) == 16, "vtc_compress_args.x");
_Static_assert(sizeof(vtc_compress_args) == 16 + 3 * 136, "vtc_compress_args size");
_Static_assert(offsetof(vtc_compress_weights_desc, query) == 8, "weights_desc.query");
_Static_assert(sizeof(vtc_compress_weights_desc) == 8 + 10 * 136, "weights_desc size");
_Static_assert(offsetof(vtc_composite_args, q) == 8, "vtc_composite_args.q");
_Static_assert(sizeof(vtc_composite_args) == 8 + 5 * 136, "vtc_composite_args size");
_Static_assert(sizeof(vtc_device_info) == 584, "vtc_device_info size");
_Static_assert(sizeof(vtc_context_stats) == 56, "vtc_context_stats size");
_Static_assert(offsetof(vtc_prune_args, hidden) == 24, "vtc_prune_args.hidden");
_Static_assert(sizeof(vtc_prune_args) == 24 + 5 * 136, "vtc_prune_args size");
_Static_assert(offsetof(vtc_api_v1, composite_attention) == 8 + 20 * 8, "vtc_api_v1.composite_attention");
_Static_assert(offsetof(vtc_api_v1, prune) == 8 + 21 * 8, "vtc_api_v1 last member");
#endif
_Static_assert(VTC_SUCCESS == 0 && VTC_ERROR_INVALID_ARGUMENT == -1 && VTC_ERROR_OUT_OF_MEMORY == -2 &&
                   VTC_ERROR_UNSUPPORTED == -3 && VTC_ERROR_NO_DEVICE == -4 && VTC_ERROR_VULKAN == -5 &&
                   VTC_ERROR_DEVICE_LOST == -6 && VTC_ERROR_ABI_MISMATCH == -7 && VTC_ERROR_SCRATCH_TOO_SMALL == -8,
               "result codes are never renumbered");
_Static_assert(VTC_DTYPE_F32 == 1 && VTC_DTYPE_F16 == 2 && VTC_DTYPE_I32 == 3 && VTC_DTYPE_U8 == 4, "dtypes");
_Static_assert(VTC_OP_SCORES == 1 && VTC_OP_COMPOSITE == 6 && VTC_OP_PRUNE == 7, "op ids");
_Static_assert(VTC_PRUNE_DIVPRUNE == 0 && VTC_PRUNE_DART == 1, "prune modes");

int main(void)
{
    /* zero-initialised descriptors are valid "all defaults" requests */
    vtc_context_desc d = {0};
    vtc_tensor t = {0};
    printf("ok - abi_layout_is_frozen (tensor %zu B, desc %zu B, api table %zu B)\n", sizeof(t), sizeof(d),
           sizeof(vtc_api_v1));
    return d.size != 0 || t.dtype != VTC_DTYPE_NONE;
}
