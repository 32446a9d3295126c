/*
 * Vulkan on vtc's own device, through the handles vtc exposes: the bench's
 * device tensors and its calibration dispatches run where the ops run.
 * The CLI is single-threaded and is the context's only user, so it submits
 * to vtc's queue without a lock and waits for idle after each submission.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int bench_vk_init(bench_vk *vk, const vtc_api_v1 *api, vtc_context ctx, char *err, size_t errlen)
{
    memset(vk, 0, sizeof(*vk));
    vtc_vulkan_handles h = {sizeof(h)};
    memset(&h, 0, sizeof(h));
    h.size = sizeof(h);
    vtc_result r = api->context_vulkan_handles(ctx, &h);
    if (r || !h.get_instance_proc_addr || !h.device) {
        snprintf(err, errlen, "vtc_context_vulkan_handles: %s", api->result_string(r));
        return -1;
    }
    vk->device = h.device;
    vk->queue = h.queue;
    PFN_vkGetPhysicalDeviceMemoryProperties gmp =
        (PFN_vkGetPhysicalDeviceMemoryProperties)h.get_instance_proc_addr(h.instance, "vkGetPhysicalDeviceMemoryProperties");
    PFN_vkGetPhysicalDeviceProperties gpp =
        (PFN_vkGetPhysicalDeviceProperties)h.get_instance_proc_addr(h.instance, "vkGetPhysicalDeviceProperties");
    PFN_vkGetPhysicalDeviceQueueFamilyProperties gqp = (PFN_vkGetPhysicalDeviceQueueFamilyProperties)
        h.get_instance_proc_addr(h.instance, "vkGetPhysicalDeviceQueueFamilyProperties");
    PFN_vkGetDeviceProcAddr gdpa = (PFN_vkGetDeviceProcAddr)h.get_instance_proc_addr(h.instance, "vkGetDeviceProcAddr");
    if (!gmp || !gpp || !gqp || !gdpa) {
        snprintf(err, errlen, "instance functions missing from vtc's vkGetInstanceProcAddr");
        return -1;
    }
    gmp(h.physical_device, &vk->mem);
#define BVK(name)                                                                                               \
    vk->name = (PFN_vk##name)gdpa(h.device, "vk" #name);                                                        \
    if (!vk->name) {                                                                                            \
        snprintf(err, errlen, "vk" #name " missing on vtc's device");                                          \
        return -1;                                                                                              \
    }
    BENCH_VK_DEVICE_FUNCS
#undef BVK

    VkCommandPoolCreateInfo pci = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pci.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
    pci.queueFamilyIndex = h.queue_family;
    if (vk->CreateCommandPool(h.device, &pci, NULL, &vk->pool) != VK_SUCCESS) {
        snprintf(err, errlen, "vkCreateCommandPool failed");
        return -1;
    }

    /* timestamps: the limit says the device has them, the queue family says
       how many bits are valid (0: none on this queue) */
    VkPhysicalDeviceProperties props;
    gpp(h.physical_device, &props);
    uint32_t nq = 0;
    gqp(h.physical_device, &nq, NULL);
    VkQueueFamilyProperties qp[32];
    if (nq > 32)
        nq = 32;
    gqp(h.physical_device, &nq, qp);
    uint32_t bits = h.queue_family < nq ? qp[h.queue_family].timestampValidBits : 0;
    if (bits && props.limits.timestampComputeAndGraphics && props.limits.timestampPeriod > 0) {
        VkQueryPoolCreateInfo qci = {VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
        qci.queryType = VK_QUERY_TYPE_TIMESTAMP;
        qci.queryCount = 2;
        if (vk->CreateQueryPool(h.device, &qci, NULL, &vk->timestamps) == VK_SUCCESS) {
            vk->ts_period_ns = props.limits.timestampPeriod;
            vk->ts_mask = bits >= 64 ? ~0ull : ((1ull << bits) - 1);
        } else {
            vk->timestamps = VK_NULL_HANDLE;
        }
    }
    return 0;
}

void bench_vk_destroy(bench_vk *vk)
{
    if (!vk->device)
        return;
    if (vk->timestamps)
        vk->DestroyQueryPool(vk->device, vk->timestamps, NULL);
    if (vk->pool)
        vk->DestroyCommandPool(vk->device, vk->pool, NULL);
    memset(vk, 0, sizeof(*vk));
}

/* ---- buffers ------------------------------------------------------------- */
static int find_type(const bench_vk *vk, uint32_t bits, VkMemoryPropertyFlags want)
{
    for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++)
        if ((bits & (1u << i)) && (vk->mem.memoryTypes[i].propertyFlags & want) == want)
            return (int)i;
    return -1;
}

int bench_buf_create(bench_vk *vk, size_t bytes, int host_visible_only, bench_buf *out)
{
    memset(out, 0, sizeof(*out));
    VkBufferCreateInfo bci = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bci.size = bytes ? (bytes + 15) / 16 * 16 : 16;
    bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
    if (vk->CreateBuffer(vk->device, &bci, NULL, &out->buffer) != VK_SUCCESS)
        return -1;
    VkMemoryRequirements req;
    vk->GetBufferMemoryRequirements(vk->device, out->buffer, &req);
    const VkMemoryPropertyFlags hv = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    int type = -1;
    if (!host_visible_only) {
        type = find_type(vk, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | hv);
        if (type < 0)
            type = find_type(vk, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    }
    if (type < 0)
        type = find_type(vk, req.memoryTypeBits, hv);
    VkMemoryAllocateInfo mai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    mai.allocationSize = req.size;
    mai.memoryTypeIndex = (uint32_t)type;
    if (type < 0 || vk->AllocateMemory(vk->device, &mai, NULL, &out->memory) != VK_SUCCESS ||
        vk->BindBufferMemory(vk->device, out->buffer, out->memory, 0) != VK_SUCCESS) {
        bench_buf_destroy(vk, out);
        return -1;
    }
    if ((vk->mem.memoryTypes[type].propertyFlags & hv) == hv &&
        vk->MapMemory(vk->device, out->memory, 0, VK_WHOLE_SIZE, 0, &out->map) != VK_SUCCESS)
        out->map = NULL;
    out->bytes = bytes;
    return 0;
}

void bench_buf_destroy(bench_vk *vk, bench_buf *b)
{
    if (b->buffer)
        vk->DestroyBuffer(vk->device, b->buffer, NULL);
    if (b->memory)
        vk->FreeMemory(vk->device, b->memory, NULL); /* unmaps */
    memset(b, 0, sizeof(*b));
}

/* One-shot command buffer: begin, record(user), end, submit, wait idle. */
static int one_shot(bench_vk *vk, void (*record)(bench_vk *vk, VkCommandBuffer cmd, void *user), void *user)
{
    VkCommandBufferAllocateInfo cai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    cai.commandPool = vk->pool;
    cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cai.commandBufferCount = 1;
    VkCommandBuffer cmd;
    if (vk->AllocateCommandBuffers(vk->device, &cai, &cmd) != VK_SUCCESS)
        return -1;
    VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    int rc = -1;
    if (vk->BeginCommandBuffer(cmd, &bi) == VK_SUCCESS) {
        record(vk, cmd, user);
        if (vk->EndCommandBuffer(cmd) == VK_SUCCESS) {
            VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
            si.commandBufferCount = 1;
            si.pCommandBuffers = &cmd;
            if (vk->QueueSubmit(vk->queue, 1, &si, VK_NULL_HANDLE) == VK_SUCCESS &&
                vk->QueueWaitIdle(vk->queue) == VK_SUCCESS)
                rc = 0;
        }
    }
    vk->FreeCommandBuffers(vk->device, vk->pool, 1, &cmd);
    return rc;
}

typedef struct copy_job {
    VkBuffer src, dst;
    VkDeviceSize bytes;
} copy_job;

static void barrier(bench_vk *vk, VkCommandBuffer cmd, VkPipelineStageFlags src, VkAccessFlags sa,
                    VkPipelineStageFlags dst, VkAccessFlags da)
{
    VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = sa;
    mb.dstAccessMask = da;
    vk->CmdPipelineBarrier(cmd, src, dst, 0, 1, &mb, 0, NULL, 0, NULL);
}

static void record_upload(bench_vk *vk, VkCommandBuffer cmd, void *user)
{
    copy_job *j = user;
    if (j->src) {
        VkBufferCopy c = {0, 0, j->bytes};
        vk->CmdCopyBuffer(cmd, j->src, j->dst, 1, &c);
    }
    /* host writes (mapped) or the copy -> the compute shaders that read next */
    barrier(vk, cmd, VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_HOST_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

static void record_download(bench_vk *vk, VkCommandBuffer cmd, void *user)
{
    copy_job *j = user;
    barrier(vk, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_HOST_READ_BIT);
    if (j->src) {
        VkBufferCopy c = {0, 0, j->bytes};
        vk->CmdCopyBuffer(cmd, j->src, j->dst, 1, &c);
        barrier(vk, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                VK_ACCESS_HOST_READ_BIT);
    }
}

int bench_buf_upload(bench_vk *vk, bench_buf *b, const void *data, size_t bytes)
{
    copy_job j = {VK_NULL_HANDLE, b->buffer, bytes};
    if (b->map) {
        memcpy(b->map, data, bytes);
        return one_shot(vk, record_upload, &j);
    }
    bench_buf st;
    if (bench_buf_create(vk, bytes, 1, &st) || !st.map) {
        bench_buf_destroy(vk, &st);
        return -1;
    }
    memcpy(st.map, data, bytes);
    j.src = st.buffer;
    int rc = one_shot(vk, record_upload, &j);
    bench_buf_destroy(vk, &st);
    return rc;
}

int bench_buf_download(bench_vk *vk, const bench_buf *b, void *data, size_t bytes)
{
    copy_job j = {VK_NULL_HANDLE, VK_NULL_HANDLE, bytes};
    if (b->map) {
        if (one_shot(vk, record_download, &j))
            return -1;
        memcpy(data, b->map, bytes);
        return 0;
    }
    bench_buf st;
    if (bench_buf_create(vk, bytes, 1, &st) || !st.map) {
        bench_buf_destroy(vk, &st);
        return -1;
    }
    j.src = b->buffer;
    j.dst = st.buffer;
    int rc = one_shot(vk, record_download, &j);
    if (!rc)
        memcpy(data, st.map, bytes);
    bench_buf_destroy(vk, &st);
    return rc;
}

/* ---- calibration pipelines ---------------------------------------------------- */
int bench_pipe_create(bench_vk *vk, const uint32_t *code, size_t words, const bench_buf *const *bufs, uint32_t nbind,
                      uint32_t push_bytes, bench_pipe *p)
{
    memset(p, 0, sizeof(*p));
    p->push_bytes = push_bytes;
    VkShaderModuleCreateInfo smi = {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    smi.codeSize = words * 4;
    smi.pCode = code;
    if (vk->CreateShaderModule(vk->device, &smi, NULL, &p->module) != VK_SUCCESS)
        goto fail;
    VkDescriptorSetLayoutBinding lb[4];
    if (nbind > 4)
        goto fail;
    for (uint32_t i = 0; i < nbind; i++) {
        memset(&lb[i], 0, sizeof(lb[i]));
        lb[i].binding = i;
        lb[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        lb[i].descriptorCount = 1;
        lb[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo dli = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    dli.bindingCount = nbind;
    dli.pBindings = lb;
    if (vk->CreateDescriptorSetLayout(vk->device, &dli, NULL, &p->dsl) != VK_SUCCESS)
        goto fail;
    VkPushConstantRange pr = {VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes};
    VkPipelineLayoutCreateInfo pli = {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pli.setLayoutCount = 1;
    pli.pSetLayouts = &p->dsl;
    pli.pushConstantRangeCount = push_bytes ? 1 : 0;
    pli.pPushConstantRanges = &pr;
    if (vk->CreatePipelineLayout(vk->device, &pli, NULL, &p->layout) != VK_SUCCESS)
        goto fail;
    VkComputePipelineCreateInfo cpi = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    cpi.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    cpi.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    cpi.stage.module = p->module;
    cpi.stage.pName = "main";
    cpi.layout = p->layout;
    if (vk->CreateComputePipelines(vk->device, VK_NULL_HANDLE, 1, &cpi, NULL, &p->pipeline) != VK_SUCCESS)
        goto fail;
    VkDescriptorPoolSize ps = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, nbind};
    VkDescriptorPoolCreateInfo dpi = {VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    dpi.maxSets = 1;
    dpi.poolSizeCount = 1;
    dpi.pPoolSizes = &ps;
    if (vk->CreateDescriptorPool(vk->device, &dpi, NULL, &p->dpool) != VK_SUCCESS)
        goto fail;
    VkDescriptorSetAllocateInfo dai = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    dai.descriptorPool = p->dpool;
    dai.descriptorSetCount = 1;
    dai.pSetLayouts = &p->dsl;
    if (vk->AllocateDescriptorSets(vk->device, &dai, &p->set) != VK_SUCCESS)
        goto fail;
    VkDescriptorBufferInfo bi[4];
    VkWriteDescriptorSet w[4];
    for (uint32_t i = 0; i < nbind; i++) {
        bi[i].buffer = bufs[i]->buffer;
        bi[i].offset = 0;
        bi[i].range = VK_WHOLE_SIZE;
        memset(&w[i], 0, sizeof(w[i]));
        w[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        w[i].dstSet = p->set;
        w[i].dstBinding = i;
        w[i].descriptorCount = 1;
        w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        w[i].pBufferInfo = &bi[i];
    }
    vk->UpdateDescriptorSets(vk->device, nbind, w, 0, NULL);
    return 0;
fail:
    bench_pipe_destroy(vk, p);
    return -1;
}

void bench_pipe_destroy(bench_vk *vk, bench_pipe *p)
{
    if (p->dpool)
        vk->DestroyDescriptorPool(vk->device, p->dpool, NULL);
    if (p->pipeline)
        vk->DestroyPipeline(vk->device, p->pipeline, NULL);
    if (p->layout)
        vk->DestroyPipelineLayout(vk->device, p->layout, NULL);
    if (p->dsl)
        vk->DestroyDescriptorSetLayout(vk->device, p->dsl, NULL);
    if (p->module)
        vk->DestroyShaderModule(vk->device, p->module, NULL);
    memset(p, 0, sizeof(*p));
}

typedef struct dispatch_job {
    const bench_pipe *p;
    const void *push;
    uint32_t gx;
} dispatch_job;

static void record_dispatch(bench_vk *vk, VkCommandBuffer cmd, void *user)
{
    dispatch_job *j = user;
    if (vk->timestamps) {
        vk->CmdResetQueryPool(cmd, vk->timestamps, 0, 2);
        vk->CmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, vk->timestamps, 0);
    }
    vk->CmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, j->p->pipeline);
    vk->CmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, j->p->layout, 0, 1, &j->p->set, 0, NULL);
    if (j->p->push_bytes)
        vk->CmdPushConstants(cmd, j->p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, j->p->push_bytes, j->push);
    vk->CmdDispatch(cmd, j->gx, 1, 1);
    if (vk->timestamps)
        vk->CmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, vk->timestamps, 1);
    /* the next run overwrites the same buffers */
    barrier(vk, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

int bench_pipe_run(bench_vk *vk, const bench_pipe *p, const void *push, uint32_t gx, double *ns)
{
    dispatch_job j = {p, push, gx};
    double t0 = now_ns();
    if (one_shot(vk, record_dispatch, &j))
        return -1;
    double host = now_ns() - t0;
    *ns = host;
    if (vk->timestamps) {
        uint64_t ts[2];
        if (vk->GetQueryPoolResults(vk->device, vk->timestamps, 0, 2, sizeof(ts), ts, 8,
                                    VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) != VK_SUCCESS)
            return -1;
        *ns = (double)((ts[1] - ts[0]) & vk->ts_mask) * vk->ts_period_ns;
    }
    return 0;
}
