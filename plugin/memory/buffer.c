/* Device buffers. */
#include "memory.h"

#include <string.h>

/* The context begins with its vtc_mem (device/device.h asserts it). */
static vtc_mem *mem_of(vtc_context ctx)
{
    return (vtc_mem *)(void *)ctx;
}

/* ---- device buffers ------------------------------------------------- */
/* vtc keeps every buffer mappable: on UMA devices and lavapipe that is all
   memory; on discrete GPUs it prefers DEVICE_LOCAL|HOST_VISIBLE (resizable
   BAR) and falls back to host memory the GPU reads over the bus. */
static int find_memory_type(const vtc_mem *m, uint32_t bits, VkMemoryPropertyFlags want)
{
    for (uint32_t i = 0; i < m->props.memoryTypeCount; i++)
        if ((bits & (1u << i)) && (m->props.memoryTypes[i].propertyFlags & want) == want)
            return (int)i;
    return -1;
}

vtc_result vtc_buf_create(vtc_context ctx, VkDeviceSize size, vtc_buf *out)
{
    vtc_mem *m = mem_of(ctx);
    memset(out, 0, sizeof(*out));
    if (!size)
        size = 16;
    VkBufferCreateInfo bci = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bci.size = size;
    /* texel usage too: a synchronous call may read its staged tensors through texel views (vtc_bound.texel) */
    bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VK_CHECK(ctx, m->vkd->vkCreateBuffer(m->device, &bci, NULL, &out->buffer));
    VkMemoryRequirements req;
    m->vkd->vkGetBufferMemoryRequirements(m->device, out->buffer, &req);

    const VkMemoryPropertyFlags prefs[] = {
        VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT,
    };
    VkResult vr = VK_ERROR_OUT_OF_DEVICE_MEMORY;
    for (size_t i = 0; i < sizeof(prefs) / sizeof(prefs[0]); i++) {
        int type = find_memory_type(m, req.memoryTypeBits, prefs[i]);
        if (type < 0)
            continue;
        VkMemoryAllocateInfo mai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
        mai.allocationSize = req.size;
        mai.memoryTypeIndex = (uint32_t)type;
        vr = m->vkd->vkAllocateMemory(m->device, &mai, NULL, &out->memory);
        if (vr == VK_SUCCESS) {
            out->coherent = (m->props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
            break;
        }
    }
    if (vr != VK_SUCCESS) {
        m->vkd->vkDestroyBuffer(m->device, out->buffer, NULL);
        out->buffer = VK_NULL_HANDLE;
        return vtc_vk_fail(ctx, vr, "vkAllocateMemory");
    }
    out->size = size;
    out->alloc_size = req.size;
    m->bytes += req.size;
    m->allocations++;
    m->buffers_made++;
    vr = m->vkd->vkBindBufferMemory(m->device, out->buffer, out->memory, 0);
    if (vr == VK_SUCCESS)
        vr = m->vkd->vkMapMemory(m->device, out->memory, 0, VK_WHOLE_SIZE, 0, &out->mapped);
    if (vr != VK_SUCCESS) {
        vtc_buf_destroy(ctx, out);
        return vtc_vk_fail(ctx, vr, "vkBindBufferMemory/vkMapMemory");
    }
    return VTC_SUCCESS;
}

void vtc_buf_destroy(vtc_context ctx, vtc_buf *b)
{
    vtc_mem *m = mem_of(ctx);
    if (b->buffer)
        m->vkd->vkDestroyBuffer(m->device, b->buffer, NULL);
    if (b->memory) {
        m->vkd->vkFreeMemory(m->device, b->memory, NULL);
        m->allocations--;
        m->bytes -= b->alloc_size;
    }
    memset(b, 0, sizeof(*b));
}

/* Non-coherent memory: the whole mapping, flushed (to the device) or invalidated (from it). */
static void sync_mapping(vtc_context ctx, const vtc_buf *b, int to_device)
{
    vtc_mem *m = mem_of(ctx);
    if (b->coherent || !b->memory)
        return;
    VkMappedMemoryRange r = {VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
    r.memory = b->memory;
    r.size = VK_WHOLE_SIZE;
    if (to_device)
        m->vkd->vkFlushMappedMemoryRanges(m->device, 1, &r);
    else
        m->vkd->vkInvalidateMappedMemoryRanges(m->device, 1, &r);
}

void vtc_buf_flush(vtc_context ctx, const vtc_buf *b)
{
    sync_mapping(ctx, b, 1);
}

void vtc_buf_invalidate(vtc_context ctx, const vtc_buf *b)
{
    sync_mapping(ctx, b, 0);
}
