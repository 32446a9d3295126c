/*
 * Pipeline-cache blobs in and out. A driver is meant to reject foreign or
 * damaged cache data itself, but not every one does so gracefully, so vtc
 * checks the header the Vulkan spec defines before handing a blob over.
 */
#include "pipeline_cache.h"

#include "device.h"

#include <stdio.h>
#include <string.h>

/* The header's integers are stored least significant byte first (Vulkan
   spec, "Pipeline Cache Header"), whatever the host's byte order. */
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int vtc_cache_header_check(const void *data, size_t size, uint32_t vendor_id, uint32_t device_id,
                           const uint8_t uuid[VK_UUID_SIZE], char *why, size_t whylen)
{
    enum { HEADER_V1 = 16 + VK_UUID_SIZE }; /* sizeof(VkPipelineCacheHeaderVersionOne) */
    const uint8_t *p = data;
    if (!p) {
        snprintf(why, whylen, "no data");
        return 0;
    }
    if (size < HEADER_V1) {
        snprintf(why, whylen, "%zu bytes, shorter than a pipeline-cache header (%d)", size, HEADER_V1);
        return 0;
    }
    uint32_t header_size = le32(p), version = le32(p + 4), vendor = le32(p + 8), device = le32(p + 12);
    if (header_size < HEADER_V1 || header_size > size) {
        snprintf(why, whylen, "header size %u is outside [%d, %zu]: truncated or not a pipeline cache", header_size,
                 HEADER_V1, size);
        return 0;
    }
    if (version != VK_PIPELINE_CACHE_HEADER_VERSION_ONE) {
        snprintf(why, whylen, "header version %u, not VK_PIPELINE_CACHE_HEADER_VERSION_ONE", version);
        return 0;
    }
    if (vendor != vendor_id || device != device_id) {
        snprintf(why, whylen, "made by device %04x:%04x, this is %04x:%04x", vendor, device, vendor_id, device_id);
        return 0;
    }
    if (memcmp(p + 16, uuid, VK_UUID_SIZE)) {
        snprintf(why, whylen, "pipelineCacheUUID differs (another driver build)");
        return 0;
    }
    return 1;
}

vtc_result vtc_pipeline_cache_create(vtc_context ctx, const void *data, size_t size)
{
    VkPipelineCacheCreateInfo cci = {VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    if (data || size) {
        VkPhysicalDeviceProperties p;
        ctx->vki.vkGetPhysicalDeviceProperties(ctx->phys, &p);
        char why[160];
        if (vtc_cache_header_check(data, size, p.vendorID, p.deviceID, p.pipelineCacheUUID, why, sizeof(why))) {
            cci.initialDataSize = size;
            cci.pInitialData = data;
        } else {
            vtc_log(ctx, VTC_LOG_WARN, "pipeline cache data ignored (%s); starting with an empty cache", why);
        }
    }
    VkResult vr = ctx->vkd.vkCreatePipelineCache(ctx->device, &cci, NULL, &ctx->pipeline_cache);
    if (vr != VK_SUCCESS && cci.pInitialData && vr != VK_ERROR_OUT_OF_HOST_MEMORY &&
        vr != VK_ERROR_OUT_OF_DEVICE_MEMORY) {
        vtc_log(ctx, VTC_LOG_WARN, "the driver refused the pipeline cache data (VkResult %d); starting empty", (int)vr);
        cci.initialDataSize = 0;
        cci.pInitialData = NULL;
        vr = ctx->vkd.vkCreatePipelineCache(ctx->device, &cci, NULL, &ctx->pipeline_cache);
    }
    if (vr != VK_SUCCESS) {
        ctx->pipeline_cache = VK_NULL_HANDLE;
        return vtc_vk_fail(ctx, vr, "vkCreatePipelineCache");
    }
    return VTC_SUCCESS;
}

VTC_API vtc_result vtc_context_pipeline_cache(vtc_context ctx, void *data, size_t *size)
{
    if (!ctx || !size)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "vtc_context_pipeline_cache: NULL argument");
    if (!ctx->pipeline_cache)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "vtc_context_pipeline_cache: the context has no pipeline cache");
    size_t n = data ? *size : 0;
    VkResult vr = ctx->vkd.vkGetPipelineCacheData(ctx->device, ctx->pipeline_cache, &n, data);
    if (vr == VK_INCOMPLETE) {
        *size = n;
        return VTC_INCOMPLETE;
    }
    if (vr != VK_SUCCESS)
        return vtc_vk_fail(ctx, vr, "vkGetPipelineCacheData");
    *size = n;
    return VTC_SUCCESS;
}
