/*
 * The memory layer: device buffers on the context's device. It sees the
 * core and this struct, which the context embeds first (device/device.h)
 * and fills once its device exists; not the rest of the context.
 */
#ifndef VTC_MEMORY_H
#define VTC_MEMORY_H

#include "../core/core.h"

typedef struct vtc_mem {
    vtc_core core;                /* first: the core reads it through the context pointer */
    VkDevice device;
    const vk_device_table *vkd;
    VkPhysicalDeviceMemoryProperties props;
    uint64_t bytes;               /* device memory vtc holds (stats) */
    uint64_t allocations;         /* live VkDeviceMemory objects (stats) */
    uint64_t buffers_made;        /* VkBuffer + VkDeviceMemory pairs made so far (stats: objects_created) */
} vtc_mem;

typedef struct vtc_buf {
    VkBuffer buffer;
    VkDeviceMemory memory;
    VkDeviceSize size;
    VkDeviceSize alloc_size;  /* bytes of the VkDeviceMemory (stats) */
    void *mapped;            /* host-visible mapping (always: vtc only uses mappable memory) */
    int coherent;
} vtc_buf;
vtc_result vtc_buf_create(vtc_context ctx, VkDeviceSize size, vtc_buf *out);
void vtc_buf_destroy(vtc_context ctx, vtc_buf *b);
/* Make host writes visible to the device / device writes visible to the host
   (no-ops for coherent memory). */
void vtc_buf_flush(vtc_context ctx, const vtc_buf *b);
void vtc_buf_invalidate(vtc_context ctx, const vtc_buf *b);

#endif
