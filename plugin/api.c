/*
 * Exported entry points: result strings, op wrappers, scratch query and the
 * negotiated function table.
 */
#include "device/device.h"
#include "exec/exec.h"
#include "registry.h"

#include <string.h>

#define VTC_STR_(x) #x
#define VTC_STR(x) VTC_STR_(x)

/* From the header's numbers, so the string a host sees and the macros it
   compiled against cannot drift apart (meson.build's version is checked
   against both by the loader test). */
VTC_API const char *vtc_library_version(void)
{
    return VTC_STR(VTC_VERSION_MAJOR) "." VTC_STR(VTC_VERSION_MINOR) "." VTC_STR(VTC_VERSION_PATCH);
}

VTC_API const char *vtc_result_string(vtc_result r)
{
    switch (r) {
    case VTC_SUCCESS: return "VTC_SUCCESS";
    case VTC_INCOMPLETE: return "VTC_INCOMPLETE: success, but the output array was too small for every entry";
    case VTC_ERROR_INVALID_ARGUMENT: return "VTC_ERROR_INVALID_ARGUMENT: bad pointer, shape, dtype, stride or parameter";
    case VTC_ERROR_OUT_OF_MEMORY: return "VTC_ERROR_OUT_OF_MEMORY: a host or device allocation failed";
    case VTC_ERROR_UNSUPPORTED: return "VTC_ERROR_UNSUPPORTED: the device or mode cannot run this request";
    case VTC_ERROR_NO_DEVICE: return "VTC_ERROR_NO_DEVICE: no usable Vulkan device";
    case VTC_ERROR_VULKAN: return "VTC_ERROR_VULKAN: a Vulkan call failed";
    case VTC_ERROR_DEVICE_LOST: return "VTC_ERROR_DEVICE_LOST: the device was lost";
    case VTC_ERROR_ABI_MISMATCH: return "VTC_ERROR_ABI_MISMATCH: no ABI version in common";
    case VTC_ERROR_SCRATCH_TOO_SMALL: return "VTC_ERROR_SCRATCH_TOO_SMALL: record-mode scratch below the queried size";
    default: return "VTC_ERROR_UNKNOWN: unknown result code";
    }
}

/* The ops' per-context state goes first, while the device is still there. */
VTC_API void vtc_context_destroy(vtc_context ctx)
{
    vtc_context_teardown(ctx, vtc_ops_context_destroy);
}

VTC_API vtc_result vtc_query_scratch(vtc_context ctx, uint32_t op, const void *args, uint64_t *scratch_bytes)
{
    return vtc_query_scratch_op(ctx, "vtc_query_scratch", op, args, scratch_bytes);
}

VTC_API vtc_result vtc_run(vtc_context ctx, uint32_t op, const void *args, const vtc_exec *exec)
{
    return vtc_run_op(ctx, op, args, exec);
}

VTC_API vtc_result vtc_prepare(vtc_context ctx, uint32_t op, const void *args)
{
    return vtc_prepare_op(ctx, op, args);
}

static const vtc_api_v1 api_v1 = {
    sizeof(vtc_api_v1),
    1,
    vtc_library_version,
    vtc_result_string,
    vtc_context_create,
    vtc_context_destroy,
    vtc_context_info,
    vtc_list_devices,
    vtc_context_stats_get,
    vtc_context_vulkan_handles,
    vtc_query_scratch,
    vtc_scores,
    vtc_select,
    vtc_merge,
    vtc_visionzip,
    vtc_token_split,
    vtc_compress_weights_create,
    vtc_compress_weights_prepare,
    vtc_compress_weights_destroy,
    vtc_compress,
    vtc_pos_embed_2d,
    vtc_pos_embed_resize,
    vtc_composite_attention,
    vtc_enumerate_devices,
    vtc_scores_query_scratch,
    vtc_select_query_scratch,
    vtc_merge_query_scratch,
    vtc_visionzip_query_scratch,
    vtc_compress_query_scratch,
    vtc_composite_query_scratch,
    vtc_context_pipeline_cache,
    vtc_prepare,
    vtc_context_pipelines,
    vtc_context_recycle,
    vtc_prune,
    vtc_prune_query_scratch,
    vtc_run,
};

VTC_API vtc_result vtc_negotiate(uint32_t host_min, uint32_t host_max, uint32_t *chosen, const void **api)
{
    if (!chosen || !api || host_min > host_max)
        return VTC_ERROR_INVALID_ARGUMENT;
    *api = NULL;
    /* This plugin speaks ABI 1 only; pick the highest common version. */
    if (host_min > VTC_ABI_VERSION || host_max < 1u) {
        *chosen = VTC_ABI_VERSION;
        return VTC_ERROR_ABI_MISMATCH;
    }
    *chosen = 1u;
    *api = &api_v1;
    return VTC_SUCCESS;
}
