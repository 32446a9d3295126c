/* The v1 ABI layout, frozen: a C-only program that includes nothing but the
   public header. A field that moves breaks every host built before it. */
#include <vtc.h>

#include <stddef.h>
#include <stdio.h>

#if UINTPTR_MAX == 0xffffffffffffffffu
_Static_assert(sizeof(vtc_tensor) == 136, "vtc_tensor size: frozen, extend through a side structure");
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
_Static_assert(VTC_CONTEXT_DESC_SIZE_V1 == 48, "vtc_context_desc v1 size (the struct has grown since: 1.1 appended)");
_Static_assert(offsetof(vtc_context_desc, pipeline_cache_data) == 48, "desc.pipeline_cache_data follows v1");
_Static_assert(offsetof(vtc_context_desc, pipeline_cache_size) == 56, "desc.pipeline_cache_size");
_Static_assert(sizeof(vtc_context_desc) == 64, "vtc_context_desc 1.1 size");
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
/* 1.0.0 ended at src_idx (24 + 7 * 136 bytes); 1.1.0 appends cls_index, reserved1 */
_Static_assert(offsetof(vtc_visionzip_args, src_idx) + sizeof(vtc_tensor) == 24 + 7 * 136, "vtc_visionzip_args 1.0.0");
_Static_assert(VTC_VISIONZIP_ARGS_V1_SIZE == 24 + 7 * 136, "VTC_VISIONZIP_ARGS_V1_SIZE");
_Static_assert(offsetof(vtc_visionzip_args, cls_index) == 24 + 7 * 136, "vtc_visionzip_args.cls_index");
_Static_assert(sizeof(vtc_visionzip_args) == 24 + 7 * 136 + 8, "vtc_visionzip_args size");
_Static_assert(offsetof(vtc_select_args, cls_index) == 12 && offsetof(vtc_scores_args, cls_index) == 12,
               "cls_index took reserved0's place");
_Static_assert(offsetof(vtc_compress_args, x) == 16, "vtc_compress_args.x");
_Static_assert(sizeof(vtc_compress_args) == 16 + 3 * 136, "vtc_compress_args size");
_Static_assert(offsetof(vtc_compress_weights_desc, query) == 8, "weights_desc.query");
_Static_assert(sizeof(vtc_compress_weights_desc) == 8 + 10 * 136, "weights_desc size");
_Static_assert(offsetof(vtc_composite_args, q) == 8, "vtc_composite_args.q");
_Static_assert(sizeof(vtc_composite_args) == 8 + 5 * 136, "vtc_composite_args size");
/* 1.0.0 ended at reserved0 (584 bytes); 1.1.0 appends the device's identity */
_Static_assert(offsetof(vtc_device_info, reserved0) == 580, "vtc_device_info 1.0.0 end");
_Static_assert(offsetof(vtc_device_info, device_uuid) == 584, "vtc_device_info.device_uuid");
_Static_assert(sizeof(vtc_device_info) == 640, "vtc_device_info size");
/* 1.0.0 ended at last_gpu_time_ns (56 bytes); 1.1.0 appends dispatches */
_Static_assert(offsetof(vtc_context_stats, last_gpu_time_ns) == 48, "vtc_context_stats 1.0.0 end");
_Static_assert(offsetof(vtc_context_stats, dispatches) == 56, "vtc_context_stats.dispatches");
/* 1.2.0 ended at dispatches (64 bytes); 1.3.0 appends what calls create and compile */
_Static_assert(offsetof(vtc_context_stats, objects_created) == 64, "vtc_context_stats.objects_created");
_Static_assert(offsetof(vtc_context_stats, pipelines_warmed) == 72, "vtc_context_stats.pipelines_warmed");
_Static_assert(offsetof(vtc_context_stats, compile_ns) == 80, "vtc_context_stats.compile_ns");
_Static_assert(sizeof(vtc_context_stats) == 88, "vtc_context_stats size");
_Static_assert(offsetof(vtc_api_v1, composite_attention) == 8 + 20 * 8, "vtc_api_v1 last member");
_Static_assert(sizeof(vtc_vulkan_handles) == 48, "vtc_vulkan_handles size");
_Static_assert(offsetof(vtc_vulkan_handles, get_instance_proc_addr) == 40, "vulkan_handles.get_instance_proc_addr");
_Static_assert(sizeof(vtc_allocator) == 32, "vtc_allocator size");
/* vtc 1.1 appended members; 1.0's stay where they were */
_Static_assert(VTC_API_V1_0_SIZE == 8 + 21 * 8, "the vtc 1.0 table is 176 bytes");
_Static_assert(offsetof(vtc_api_v1, enumerate_devices) == VTC_API_V1_0_SIZE, "1.1 members follow 1.0's");
_Static_assert(offsetof(vtc_api_v1, composite_query_scratch) == VTC_API_V1_0_SIZE + 6 * 8, "composite_query_scratch");
_Static_assert(offsetof(vtc_api_v1, context_pipeline_cache) == VTC_API_V1_0_SIZE + 7 * 8, "context_pipeline_cache");
_Static_assert(offsetof(vtc_api_v1, prepare) == VTC_API_V1_0_SIZE + 8 * 8, "vtc_api_v1.prepare appended");
_Static_assert(offsetof(vtc_api_v1, context_pipelines) == VTC_API_V1_0_SIZE + 9 * 8, "context_pipelines");
_Static_assert(offsetof(vtc_api_v1, context_recycle) == VTC_API_V1_0_SIZE + 10 * 8, "context_recycle");
_Static_assert(offsetof(vtc_api_v1, prune) == VTC_API_V1_0_SIZE + 11 * 8, "prune");
_Static_assert(offsetof(vtc_api_v1, prune_query_scratch) == VTC_API_V1_0_SIZE + 12 * 8, "vtc_api_v1 1.1 last member");
_Static_assert(offsetof(vtc_api_v1, run) == VTC_API_V1_0_SIZE + 13 * 8, "vtc_api_v1 1.2 first member");
_Static_assert(sizeof(vtc_api_v1) == VTC_API_V1_0_SIZE + 14 * 8, "vtc_api_v1 1.2 size");
_Static_assert(offsetof(vtc_prune_args, hidden) == 24, "vtc_prune_args.hidden");
_Static_assert(sizeof(vtc_prune_args) == 24 + 5 * 136, "vtc_prune_args size");
_Static_assert(sizeof(vtc_pipeline_stat) == 96, "vtc_pipeline_stat size");
_Static_assert(offsetof(vtc_pipeline_info, stats) == 184, "vtc_pipeline_info.stats");
_Static_assert(VTC_VULKAN_HANDLES_SIZE_V1 == 48, "vulkan_handles v1 size");
#endif
/* The v1 sizes hosts may pass are the v1 layouts, whatever the structs grow to. */
_Static_assert(VTC_DEVICE_INFO_SIZE_V1 == 584 && VTC_DEVICE_INFO_SIZE_V1 < sizeof(vtc_device_info),
               "device_info v1 size (1.1.0 appended the device's identity)");
_Static_assert(VTC_CONTEXT_STATS_SIZE_V1 == 56 && VTC_CONTEXT_STATS_SIZE_V1 < sizeof(vtc_context_stats),
               "context_stats v1 size (1.1.0 appended dispatches)");
_Static_assert(VTC_VULKAN_HANDLES_SIZE_V1 == sizeof(vtc_vulkan_handles), "vulkan_handles is still its v1 layout");
/* vtc_tensor is frozen (embedded by value everywhere, it can never grow):
   its size is asserted above, and so is what it is made of */
_Static_assert(VTC_MAX_DIMS == 6, "VTC_MAX_DIMS is part of the frozen vtc_tensor");
_Static_assert(VTC_SUCCESS == 0 && VTC_ERROR_INVALID_ARGUMENT == -1 && VTC_ERROR_OUT_OF_MEMORY == -2 &&
                   VTC_ERROR_UNSUPPORTED == -3 && VTC_ERROR_NO_DEVICE == -4 && VTC_ERROR_VULKAN == -5 &&
                   VTC_ERROR_DEVICE_LOST == -6 && VTC_ERROR_ABI_MISMATCH == -7 && VTC_ERROR_SCRATCH_TOO_SMALL == -8 &&
                   VTC_INCOMPLETE == 1,
               "result codes are never renumbered");
_Static_assert(VTC_INCOMPLETE > 0, "VTC_INCOMPLETE is a success, not an error");
_Static_assert(VTC_INCOMPLETE == 1, "result codes are never renumbered");
_Static_assert(VTC_CONTEXT_ALL == (VTC_CONTEXT_VALIDATION | VTC_CONTEXT_DISABLE_F16 | VTC_CONTEXT_DISABLE_SUBGROUP |
                                   VTC_CONTEXT_GPU_VARIANTS | VTC_CONTEXT_COMPILE_ONLY |
                                   VTC_CONTEXT_DISABLE_PUSH_DESCRIPTOR),
               "VTC_CONTEXT_ALL names every context flag");
_Static_assert(VTC_FEATURE_ALL == (VTC_FEATURE_F16_STORAGE | VTC_FEATURE_F16_ARITHMETIC | VTC_FEATURE_SUBGROUP_ARITH |
                                   VTC_FEATURE_PUSH_DESCRIPTOR | VTC_FEATURE_TIMESTAMPS),
               "VTC_FEATURE_ALL names every feature bit");
_Static_assert(VTC_ABI_VERSION == 1, "vtc 1.1 only appends: still ABI 1");
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
