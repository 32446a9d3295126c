/*
 * The context's VkPipelineCache: seeded from the host's blob when that blob
 * was made by this device and driver, handed back on request.
 */
#ifndef VTC_PIPELINE_CACHE_H
#define VTC_PIPELINE_CACHE_H

#include <stddef.h>
#include <stdint.h>
#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan_core.h>

/* Whether `data` starts with a VkPipelineCacheHeaderVersionOne that this
   device (vendor, device, pipelineCacheUUID) wrote: 1 if so; else 0 with
   the reason in `why`. Reads no byte past `size`, trusts nothing in the
   blob, needs no device: the fuzz target calls it directly. */
int vtc_cache_header_check(const void *data, size_t size, uint32_t vendor_id, uint32_t device_id,
                           const uint8_t uuid[VK_UUID_SIZE], char *why, size_t whylen);

struct vtc_context_t;
/* Creates ctx->pipeline_cache, from `data` when its header matches (else
   empty, with one warning saying why). */
int32_t vtc_pipeline_cache_create(struct vtc_context_t *ctx, const void *data, size_t size);

#endif
