/*
 * Context lifetime, logging, host allocation and device buffers.
 */
#include "context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- logging ------------------------------------------------------- */
static void vlog(vtc_context ctx, int32_t level, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (ctx && ctx->log) {
        if (level <= ctx->log_level)
            ctx->log(ctx->log_user, level, msg);
        return;
    }
    int32_t max = ctx ? ctx->log_level : VTC_LOG_WARN;
    if (level <= max)
        fprintf(stderr, "vtc: %s%s\n", level == VTC_LOG_ERROR ? "error: " : level == VTC_LOG_WARN ? "warning: " : "",
                msg);
}

void vtc_log(vtc_context ctx, int32_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(ctx, level, fmt, ap);
    va_end(ap);
}

vtc_result vtc_fail(vtc_context ctx, vtc_result r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(ctx, VTC_LOG_ERROR, fmt, ap);
    va_end(ap);
    return r;
}

vtc_result vtc_vk_fail(vtc_context ctx, VkResult vr, const char *what)
{
    vtc_result r = VTC_ERROR_VULKAN;
    /* a failed map is address space running out: memory, not a broken device */
    if (vr == VK_ERROR_OUT_OF_HOST_MEMORY || vr == VK_ERROR_OUT_OF_DEVICE_MEMORY || vr == VK_ERROR_MEMORY_MAP_FAILED)
        r = VTC_ERROR_OUT_OF_MEMORY;
    else if (vr == VK_ERROR_DEVICE_LOST)
        r = VTC_ERROR_DEVICE_LOST;
    else if (vr == VK_ERROR_INITIALIZATION_FAILED || vr == VK_ERROR_INCOMPATIBLE_DRIVER)
        r = VTC_ERROR_NO_DEVICE;
    return vtc_fail(ctx, r, "%s failed (VkResult %d)", what, (int)vr);
}

/* ---- host memory ---------------------------------------------------- */
void *vtc_alloc(vtc_context ctx, size_t bytes)
{
    if (!bytes)
        bytes = 1;
    if (ctx && ctx->has_allocator)
        return ctx->allocator.alloc(ctx->allocator.user, bytes, 16);
    return malloc(bytes);
}

void *vtc_calloc(vtc_context ctx, size_t bytes)
{
    void *p = vtc_alloc(ctx, bytes);
    if (p)
        memset(p, 0, bytes ? bytes : 1);
    return p;
}

void vtc_free(vtc_context ctx, void *p)
{
    if (!p)
        return;
    if (ctx && ctx->has_allocator)
        ctx->allocator.free(ctx->allocator.user, p);
    else
        free(p);
}

/* ---- device buffers ------------------------------------------------- */
/* vtc keeps every buffer mappable: on UMA devices and lavapipe that is all
   memory; on discrete GPUs it prefers DEVICE_LOCAL|HOST_VISIBLE (resizable
   BAR) and falls back to host memory the GPU reads over the bus. */
static int find_memory_type(vtc_context ctx, uint32_t bits, VkMemoryPropertyFlags want)
{
    for (uint32_t i = 0; i < ctx->memprops.memoryTypeCount; i++)
        if ((bits & (1u << i)) && (ctx->memprops.memoryTypes[i].propertyFlags & want) == want)
            return (int)i;
    return -1;
}

vtc_result vtc_buf_create(vtc_context ctx, VkDeviceSize size, vtc_buf *out)
{
    memset(out, 0, sizeof(*out));
    if (!size)
        size = 16;
    VkBufferCreateInfo bci = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bci.size = size;
    bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VK_CHECK(ctx, ctx->vkd.vkCreateBuffer(ctx->device, &bci, NULL, &out->buffer));
    VkMemoryRequirements req;
    ctx->vkd.vkGetBufferMemoryRequirements(ctx->device, out->buffer, &req);

    const VkMemoryPropertyFlags prefs[] = {
        VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT,
    };
    VkResult vr = VK_ERROR_OUT_OF_DEVICE_MEMORY;
    for (size_t i = 0; i < sizeof(prefs) / sizeof(prefs[0]); i++) {
        int type = find_memory_type(ctx, req.memoryTypeBits, prefs[i]);
        if (type < 0)
            continue;
        VkMemoryAllocateInfo mai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
        mai.allocationSize = req.size;
        mai.memoryTypeIndex = (uint32_t)type;
        vr = ctx->vkd.vkAllocateMemory(ctx->device, &mai, NULL, &out->memory);
        if (vr == VK_SUCCESS) {
            out->coherent = (ctx->memprops.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
            break;
        }
    }
    if (vr != VK_SUCCESS) {
        ctx->vkd.vkDestroyBuffer(ctx->device, out->buffer, NULL);
        out->buffer = VK_NULL_HANDLE;
        return vtc_vk_fail(ctx, vr, "vkAllocateMemory");
    }
    out->size = size;
    out->alloc_size = req.size;
    ctx->device_memory_bytes += req.size;
    ctx->device_allocations++;
    vr = ctx->vkd.vkBindBufferMemory(ctx->device, out->buffer, out->memory, 0);
    if (vr == VK_SUCCESS)
        vr = ctx->vkd.vkMapMemory(ctx->device, out->memory, 0, VK_WHOLE_SIZE, 0, &out->mapped);
    if (vr != VK_SUCCESS) {
        vtc_buf_destroy(ctx, out);
        return vtc_vk_fail(ctx, vr, "vkBindBufferMemory/vkMapMemory");
    }
    return VTC_SUCCESS;
}

void vtc_buf_destroy(vtc_context ctx, vtc_buf *b)
{
    if (b->buffer)
        ctx->vkd.vkDestroyBuffer(ctx->device, b->buffer, NULL);
    if (b->memory) {
        ctx->vkd.vkFreeMemory(ctx->device, b->memory, NULL);
        ctx->device_allocations--;
        ctx->device_memory_bytes -= b->alloc_size;
    }
    memset(b, 0, sizeof(*b));
}

void vtc_buf_flush(vtc_context ctx, const vtc_buf *b)
{
    if (b->coherent || !b->memory)
        return;
    VkMappedMemoryRange r = {VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
    r.memory = b->memory;
    r.size = VK_WHOLE_SIZE;
    ctx->vkd.vkFlushMappedMemoryRanges(ctx->device, 1, &r);
}

void vtc_buf_invalidate(vtc_context ctx, const vtc_buf *b)
{
    if (b->coherent || !b->memory)
        return;
    VkMappedMemoryRange r = {VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
    r.memory = b->memory;
    r.size = VK_WHOLE_SIZE;
    ctx->vkd.vkInvalidateMappedMemoryRanges(ctx->device, 1, &r);
}

/* ---- context -------------------------------------------------------- */
static vtc_result create_sync_objects(vtc_context ctx)
{
    VkCommandPoolCreateInfo pci = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pci.queueFamilyIndex = ctx->queue_family;
    VK_CHECK(ctx, ctx->vkd.vkCreateCommandPool(ctx->device, &pci, NULL, &ctx->cmd_pool));
    VkCommandBufferAllocateInfo cai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    cai.commandPool = ctx->cmd_pool;
    cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cai.commandBufferCount = 1;
    VK_CHECK(ctx, ctx->vkd.vkAllocateCommandBuffers(ctx->device, &cai, &ctx->cmd));
    VkFenceCreateInfo fci = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VK_CHECK(ctx, ctx->vkd.vkCreateFence(ctx->device, &fci, NULL, &ctx->fence));
    if (ctx->features & VTC_FEATURE_TIMESTAMPS) {
        VkQueryPoolCreateInfo qci = {VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
        qci.queryType = VK_QUERY_TYPE_TIMESTAMP;
        qci.queryCount = 2;
        VK_CHECK(ctx, ctx->vkd.vkCreateQueryPool(ctx->device, &qci, NULL, &ctx->timestamps));
    }
    VkPipelineCacheCreateInfo cci = {VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    VK_CHECK(ctx, ctx->vkd.vkCreatePipelineCache(ctx->device, &cci, NULL, &ctx->pipeline_cache));
    vtc_result r = vtc_buf_create(ctx, 256, &ctx->dummy);
    if (r)
        return r;
    memset(ctx->dummy.mapped, 0, 256);
    return VTC_SUCCESS;
}

void vtc_weights_destroy_all(vtc_context ctx);

VTC_API void vtc_context_destroy(vtc_context ctx)
{
    if (!ctx)
        return;
    if (ctx->device && ctx->vkd.vkDeviceWaitIdle) {
        /* Adopted: only our own fence, never the host's queue. */
        if (!ctx->adopted)
            ctx->vkd.vkDeviceWaitIdle(ctx->device);
    }
    if (ctx->device && ctx->vkd.vkDestroyBuffer) {
        vtc_weights_destroy_all(ctx);
        vtc_buf_destroy(ctx, &ctx->io);
        vtc_buf_destroy(ctx, &ctx->dummy);
        vtc_pipelines_destroy(ctx);
        if (ctx->pipeline_cache)
            ctx->vkd.vkDestroyPipelineCache(ctx->device, ctx->pipeline_cache, NULL);
        if (ctx->timestamps)
            ctx->vkd.vkDestroyQueryPool(ctx->device, ctx->timestamps, NULL);
        if (ctx->fence)
            ctx->vkd.vkDestroyFence(ctx->device, ctx->fence, NULL);
        if (ctx->cmd_pool)
            ctx->vkd.vkDestroyCommandPool(ctx->device, ctx->cmd_pool, NULL);
        if (!ctx->adopted)
            ctx->vkd.vkDestroyDevice(ctx->device, NULL);
    }
    if (!ctx->adopted && ctx->instance) {
        if (ctx->messenger && ctx->vki.vkDestroyDebugUtilsMessengerEXT)
            ctx->vki.vkDestroyDebugUtilsMessengerEXT(ctx->instance, ctx->messenger, NULL);
        if (ctx->vki.vkDestroyInstance)
            ctx->vki.vkDestroyInstance(ctx->instance, NULL);
    }
    vk_loader_close(ctx->libvulkan);
    vtc_allocator a = ctx->allocator;
    int has = ctx->has_allocator;
    memset(ctx, 0, sizeof(*ctx));
    if (has)
        a.free(a.user, ctx);
    else
        free(ctx);
}

/* Before the context exists, an error goes to the descriptor's log callback
   when it has one (the ABI promises every error a message there). */
static vtc_result create_fail(const vtc_context_desc *desc, vtc_result r, const char *msg)
{
    if (desc->log) {
        desc->log(desc->log_user, VTC_LOG_ERROR, msg);
        return r;
    }
    return vtc_fail(NULL, r, "%s", msg);
}

VTC_API vtc_result vtc_context_create(const vtc_context_desc *desc, vtc_context *out)
{
    static const vtc_context_desc defaults = {0};
    if (!out)
        return vtc_fail(NULL, VTC_ERROR_INVALID_ARGUMENT, "vtc_context_create: out is NULL");
    if (!desc)
        desc = &defaults;
    if (desc->size && desc->size < sizeof(vtc_context_desc))
        return vtc_fail(NULL, VTC_ERROR_INVALID_ARGUMENT, "vtc_context_desc.size %u is smaller than v1 (%zu)",
                        desc->size, sizeof(vtc_context_desc));
    const vtc_allocator *al = desc->allocator;
    if (al && (!al->alloc || !al->free))
        return create_fail(desc, VTC_ERROR_INVALID_ARGUMENT, "vtc_allocator needs both alloc and free");
    vtc_context ctx = al ? al->alloc(al->user, sizeof(*ctx), 64) : malloc(sizeof(*ctx));
    if (!ctx)
        return create_fail(desc, VTC_ERROR_OUT_OF_MEMORY, "out of host memory creating the context");
    memset(ctx, 0, sizeof(*ctx));
    atomic_init(&ctx->validation_messages, 0);
    if (al) {
        ctx->allocator = *al;
        ctx->has_allocator = 1;
    }
    ctx->log = desc->log;
    ctx->log_user = desc->log_user;
    ctx->log_level = desc->log_level > 0 ? desc->log_level : VTC_LOG_WARN;

    vtc_result r = desc->adopted ? vtc_device_init_adopted(ctx, desc->adopted, desc->flags) : vtc_device_init_standalone(ctx, desc);
    if (!r)
        r = create_sync_objects(ctx);
    vk_keep_resident();
    /* GPU-assisted validation, on vtc's own instance or (VTC_VALIDATION=gpu
       in the host's environment) on a host's device */
    ctx->descriptor_sets = vtc_validation_mode(desc->flags) == VTC_VALIDATE_GPU;
    ctx->cpu_variants = ctx->info.device_type == VK_PHYSICAL_DEVICE_TYPE_CPU && !(desc->flags & VTC_CONTEXT_GPU_VARIANTS) &&
                        !vtc_env_flag("VTC_FORCE_GPU_VARIANTS");
    if (r) {
        vtc_context_destroy(ctx);
        return r;
    }
    vtc_log(ctx, VTC_LOG_INFO, "device %u: %s (%s), subgroup %u, features 0x%x", ctx->info.index, ctx->info.name,
            ctx->info.driver, ctx->subgroup_size, ctx->features);
    *out = ctx;
    return VTC_SUCCESS;
}

VTC_API vtc_result vtc_context_info(vtc_context ctx, vtc_device_info *out)
{
    if (!ctx || !out)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "vtc_context_info: NULL argument");
    *out = ctx->info;
    return VTC_SUCCESS;
}

VTC_API vtc_result vtc_context_stats_get(vtc_context ctx, vtc_context_stats *out)
{
    if (!ctx || !out)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "vtc_context_stats_get: NULL argument");
    memset(out, 0, sizeof(*out));
    out->size = sizeof(*out);
    out->device_memory_bytes = ctx->device_memory_bytes;
    out->device_allocations = ctx->device_allocations;
    out->pipelines = ctx->pipelines_created;
    out->calls = ctx->calls;
    out->validation_messages = atomic_load(&ctx->validation_messages);
    out->last_gpu_time_ns = ctx->last_gpu_time_ns;
    return VTC_SUCCESS;
}

VTC_API vtc_result vtc_context_vulkan_handles(vtc_context ctx, vtc_vulkan_handles *out)
{
    if (!ctx || !out)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "vtc_context_vulkan_handles: NULL argument");
    memset(out, 0, sizeof(*out));
    out->size = sizeof(*out);
    out->queue_family = ctx->queue_family;
    out->instance = ctx->instance;
    out->physical_device = ctx->phys;
    out->device = ctx->device;
    out->queue = ctx->queue;
    out->get_instance_proc_addr = ctx->gipa;
    return VTC_SUCCESS;
}

VTC_API vtc_result vtc_list_devices(vtc_device_info *out, uint32_t *count)
{
    if (!count || (*count && !out))
        return vtc_fail(NULL, VTC_ERROR_INVALID_ARGUMENT, "vtc_list_devices: NULL argument");
    struct vtc_context_t tmp;
    memset(&tmp, 0, sizeof(tmp));
    tmp.log_level = VTC_LOG_WARN;
    char err[512];
    tmp.libvulkan = vk_loader_open(&tmp.gipa, err, sizeof(err));
    if (!tmp.libvulkan)
        return vtc_fail(NULL, VTC_ERROR_NO_DEVICE, "%s", err);
    vk_global_table g;
    vtc_result r = VTC_SUCCESS;
    VkInstance inst = VK_NULL_HANDLE;
    if (vk_load_global(tmp.gipa, &g)) {
        r = vtc_fail(NULL, VTC_ERROR_NO_DEVICE, "Vulkan loader is incomplete");
        goto done;
    }
    VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.apiVersion = VK_API_VERSION_1_1;
    VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ci.pApplicationInfo = &app;
    VkResult vr = g.vkCreateInstance(&ci, NULL, &inst);
    if (vr != VK_SUCCESS) {
        r = vtc_vk_fail(NULL, vr, "vkCreateInstance");
        inst = VK_NULL_HANDLE;
        goto done;
    }
    if (vk_load_instance(tmp.gipa, inst, &tmp.vki)) {
        r = vtc_fail(NULL, VTC_ERROR_NO_DEVICE, "Vulkan instance is incomplete");
        goto done;
    }
    uint32_t n = 0;
    tmp.vki.vkEnumeratePhysicalDevices(inst, &n, NULL);
    VkPhysicalDevice devs[64];
    if (n > 64)
        n = 64;
    tmp.vki.vkEnumeratePhysicalDevices(inst, &n, devs);
    for (uint32_t i = 0; i < n && i < *count; i++)
        vtc_device_fill_info(&tmp, devs[i], i, &out[i]);
    *count = n;
done:
    if (inst && tmp.vki.vkDestroyInstance)
        tmp.vki.vkDestroyInstance(inst, NULL);
    vk_loader_close(tmp.libvulkan);
    return r;
}
