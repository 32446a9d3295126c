/*
 * Record-mode support for cases: device buffers on vtc's device and a
 * command buffer of the test's own, created through the handles vtc
 * exposes (the same way an engine sharing vtc's device would).
 */
#include "conf.h"

#include <stdlib.h>
#include <string.h>

struct conf_vk {
    vtc_context ctx;
    VkDevice device;
    VkQueue queue;
    VkPhysicalDeviceMemoryProperties mem;
    VkCommandPool pool;
    PFN_vkGetDeviceProcAddr gdpa;
    PFN_vkCreateBuffer CreateBuffer;
    PFN_vkDestroyBuffer DestroyBuffer;
    PFN_vkGetBufferMemoryRequirements GetBufferMemoryRequirements;
    PFN_vkAllocateMemory AllocateMemory;
    PFN_vkFreeMemory FreeMemory;
    PFN_vkBindBufferMemory BindBufferMemory;
    PFN_vkMapMemory MapMemory;
    PFN_vkCreateCommandPool CreateCommandPool;
    PFN_vkDestroyCommandPool DestroyCommandPool;
    PFN_vkAllocateCommandBuffers AllocateCommandBuffers;
    PFN_vkFreeCommandBuffers FreeCommandBuffers;
    PFN_vkBeginCommandBuffer BeginCommandBuffer;
    PFN_vkEndCommandBuffer EndCommandBuffer;
    PFN_vkCmdPipelineBarrier CmdPipelineBarrier;
    PFN_vkQueueSubmit QueueSubmit;
    PFN_vkQueueWaitIdle QueueWaitIdle;
};

static conf_vk *cached;

void conf_vk_release(vtc_context ctx)
{
    if (!cached || (ctx && cached->ctx != ctx))
        return;
    if (cached->pool)
        cached->DestroyCommandPool(cached->device, cached->pool, NULL);
    free(cached);
    cached = NULL;
}

conf_vk *conf_vk_get(conf_env *env)
{
    if (cached && cached->ctx == env->ctx)
        return cached;
    conf_vk_release(NULL);
    vtc_vulkan_handles h = {sizeof(h)};
    memset(&h, 0, sizeof(h));
    h.size = sizeof(h);
    if (env->api->context_vulkan_handles(env->ctx, &h) != VTC_SUCCESS || !h.get_instance_proc_addr)
        return NULL;
    conf_vk *vk = calloc(1, sizeof(*vk));
    if (!vk)
        return NULL;
    vk->ctx = env->ctx;
    vk->device = h.device;
    vk->queue = h.queue;
    PFN_vkGetPhysicalDeviceMemoryProperties gmp =
        (PFN_vkGetPhysicalDeviceMemoryProperties)h.get_instance_proc_addr(h.instance, "vkGetPhysicalDeviceMemoryProperties");
    vk->gdpa = (PFN_vkGetDeviceProcAddr)h.get_instance_proc_addr(h.instance, "vkGetDeviceProcAddr");
    if (!gmp || !vk->gdpa) {
        free(vk);
        return NULL;
    }
    gmp(h.physical_device, &vk->mem);
#define L(name) vk->name = (PFN_vk##name)vk->gdpa(h.device, "vk" #name); if (!vk->name) { free(vk); return NULL; }
    L(CreateBuffer) L(DestroyBuffer) L(GetBufferMemoryRequirements) L(AllocateMemory) L(FreeMemory)
    L(BindBufferMemory) L(MapMemory) L(CreateCommandPool) L(DestroyCommandPool) L(AllocateCommandBuffers)
    L(FreeCommandBuffers) L(BeginCommandBuffer) L(EndCommandBuffer) L(CmdPipelineBarrier) L(QueueSubmit)
    L(QueueWaitIdle)
#undef L
    VkCommandPoolCreateInfo pci = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pci.queueFamilyIndex = h.queue_family;
    if (vk->CreateCommandPool(h.device, &pci, NULL, &vk->pool) != VK_SUCCESS) {
        free(vk);
        return NULL;
    }
    cached = vk;
    return vk;
}

int conf_devbuf_create(conf_vk *vk, size_t bytes, conf_devbuf *out)
{
    memset(out, 0, sizeof(*out));
    VkBufferCreateInfo bci = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bci.size = bytes ? bytes : 16;
    bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
    if (vk->CreateBuffer(vk->device, &bci, NULL, &out->buffer) != VK_SUCCESS)
        return -1;
    VkMemoryRequirements req;
    vk->GetBufferMemoryRequirements(vk->device, out->buffer, &req);
    uint32_t want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    int type = -1;
    for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++)
        if ((req.memoryTypeBits & (1u << i)) && (vk->mem.memoryTypes[i].propertyFlags & want) == want) {
            type = (int)i;
            break;
        }
    VkMemoryAllocateInfo mai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    mai.allocationSize = req.size;
    mai.memoryTypeIndex = (uint32_t)type;
    if (type < 0 || vk->AllocateMemory(vk->device, &mai, NULL, &out->memory) != VK_SUCCESS ||
        vk->BindBufferMemory(vk->device, out->buffer, out->memory, 0) != VK_SUCCESS ||
        vk->MapMemory(vk->device, out->memory, 0, VK_WHOLE_SIZE, 0, &out->map) != VK_SUCCESS) {
        conf_devbuf_destroy(vk, out);
        return -1;
    }
    out->bytes = bytes;
    return 0;
}

void conf_devbuf_destroy(conf_vk *vk, conf_devbuf *b)
{
    if (b->buffer)
        vk->DestroyBuffer(vk->device, b->buffer, NULL);
    if (b->memory)
        vk->FreeMemory(vk->device, b->memory, NULL);
    memset(b, 0, sizeof(*b));
}

vtc_tensor conf_devtensor(uint32_t dtype, const conf_devbuf *b, VkDeviceSize offset, uint32_t ndim, const int64_t *shape)
{
    vtc_tensor t = conf_tensor(dtype, NULL, ndim, shape);
    t.buffer = b->buffer;
    t.offset = offset;
    return t;
}

vtc_result conf_vk_run(conf_vk *vk, uint64_t scratch_bytes, vtc_result (*record)(void *user, const vtc_exec *exec),
                       void *user)
{
    conf_devbuf scratch = {0};
    if (scratch_bytes && conf_devbuf_create(vk, scratch_bytes, &scratch))
        return VTC_ERROR_OUT_OF_MEMORY;
    VkCommandBufferAllocateInfo cai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    cai.commandPool = vk->pool;
    cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cai.commandBufferCount = 1;
    VkCommandBuffer cmd;
    vtc_result r = VTC_ERROR_VULKAN;
    if (vk->AllocateCommandBuffers(vk->device, &cai, &cmd) != VK_SUCCESS)
        goto out;
    VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vk->BeginCommandBuffer(cmd, &bi);
    /* the host wrote the inputs through a mapping: make them visible to compute */
    VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_HOST_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
    vk->CmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_HOST_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0, NULL, 0,
                           NULL);
    vtc_exec ex;
    memset(&ex, 0, sizeof(ex));
    ex.size = sizeof(ex);
    ex.cmd = cmd;
    ex.scratch = scratch.buffer;
    ex.scratch_size = scratch_bytes;
    r = record(user, &ex);
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vk->CmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, NULL, 0,
                           NULL);
    vk->EndCommandBuffer(cmd);
    if (r == VTC_SUCCESS) {
        VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
        si.commandBufferCount = 1;
        si.pCommandBuffers = &cmd;
        /* vtc's own queue: this test is the only user of the context, so no lock is needed */
        if (vk->QueueSubmit(vk->queue, 1, &si, VK_NULL_HANDLE) != VK_SUCCESS || vk->QueueWaitIdle(vk->queue) != VK_SUCCESS)
            r = VTC_ERROR_VULKAN;
    }
    vk->FreeCommandBuffers(vk->device, vk->pool, 1, &cmd);
out:
    conf_devbuf_destroy(vk, &scratch);
    return r;
}
