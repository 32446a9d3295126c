/*
 * Context lifetime, logging, host allocation and device buffers.
 */
#include "device.h"
#include "pipeline_cache.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- context -------------------------------------------------------- */
/* Execution objects (command pool, command buffer, fence, timestamps) come
   with vtc_prepare or the first synchronous call (exec.c), so a context on a
   device that compiles but cannot execute still opens. The dummy buffer is made here
   where memory allows: record mode promises to allocate nothing. */
static vtc_result create_objects(vtc_context ctx)
{
    if (ctx->caps.compile_only)
        return VTC_SUCCESS;
    vtc_result r = vtc_dummy_ensure(ctx);
    /* A device that gives no memory (RADV's null device) still opens for
       `vtc info`; the prepare step of a call retries and reports it. */
    if (r == VTC_ERROR_OUT_OF_MEMORY && !ctx->adopted) {
        ctx->no_memory_at_create = 1;
        return VTC_SUCCESS;
    }
    return r;
}

vtc_result vtc_dummy_ensure(vtc_context ctx)
{
    if (ctx->dummy.buffer)
        return VTC_SUCCESS;
    vtc_result r = vtc_buf_create(ctx, 256, &ctx->dummy);
    if (r)
        return r;
    memset(ctx->dummy.mapped, 0, 256);
    vtc_buf_flush(ctx, &ctx->dummy);
    return VTC_SUCCESS;
}

void vtc_context_teardown(vtc_context ctx, void (*before_release)(vtc_context ctx))
{
    if (!ctx)
        return;
    /* Adopted: only our own fence, never the host's queue. Standalone: only
       once something was submitted (the fence exists), which also spares a
       compile-only driver (RADV's null device) a queue it cannot wait on. */
    if (ctx->device && ctx->vkd.vkDeviceWaitIdle && !ctx->adopted && ctx->fence)
        ctx->vkd.vkDeviceWaitIdle(ctx->device);
    if (ctx->device && ctx->vkd.vkDestroyBuffer) {
        if (before_release)
            before_release(ctx);
        vtc_buf_destroy(ctx, &ctx->io);
        vtc_buf_destroy(ctx, &ctx->dummy);
        vtc_dsets_destroy(ctx);
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
    vtc_allocator a = ctx->mem.core.allocator;
    int has = ctx->mem.core.has_allocator;
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
    if (desc->size && desc->size < VTC_CONTEXT_DESC_SIZE_V1)
        return vtc_fail(NULL, VTC_ERROR_INVALID_ARGUMENT, "vtc_context_desc.size %u is smaller than v1 (%u)",
                        desc->size, VTC_CONTEXT_DESC_SIZE_V1);
    /* fields after v1 exist only when the caller's size covers them */
    const int has_cache_fields = desc->size >= offsetof(vtc_context_desc, pipeline_cache_size) + sizeof(size_t);
    const void *cache_data = has_cache_fields ? desc->pipeline_cache_data : NULL;
    size_t cache_size = has_cache_fields ? desc->pipeline_cache_size : 0;
    char msg[160];
    if (desc->flags & ~VTC_CONTEXT_ALL) {
        snprintf(msg, sizeof(msg), "vtc_context_desc.flags 0x%x has bits vtc does not define (0x%x)", desc->flags,
                 desc->flags & ~VTC_CONTEXT_ALL);
        return create_fail(desc, VTC_ERROR_INVALID_ARGUMENT, msg);
    }
    const vtc_allocator *al = desc->allocator;
    if (al && al->size && al->size < sizeof(vtc_allocator)) {
        snprintf(msg, sizeof(msg), "vtc_allocator.size %u is smaller than v1 (%zu)", al->size, sizeof(vtc_allocator));
        return create_fail(desc, VTC_ERROR_INVALID_ARGUMENT, msg);
    }
    if (al && al->reserved0)
        return create_fail(desc, VTC_ERROR_INVALID_ARGUMENT, "vtc_allocator.reserved0 must be 0");
    if (al && (!al->alloc || !al->free))
        return create_fail(desc, VTC_ERROR_INVALID_ARGUMENT, "vtc_allocator needs both alloc and free");
    vtc_context ctx = al ? al->alloc(al->user, sizeof(*ctx), 64) : malloc(sizeof(*ctx));
    if (!ctx)
        return create_fail(desc, VTC_ERROR_OUT_OF_MEMORY, "out of host memory creating the context");
    memset(ctx, 0, sizeof(*ctx));
    atomic_init(&ctx->validation_messages, 0);
    if (al) {
        ctx->mem.core.allocator = *al;
        ctx->mem.core.has_allocator = 1;
    }
    ctx->mem.core.log = desc->log;
    ctx->mem.core.log_user = desc->log_user;
    ctx->mem.core.log_level = desc->log_level > 0 ? desc->log_level : VTC_LOG_WARN;
    ctx->caps.compile_only = (desc->flags & VTC_CONTEXT_COMPILE_ONLY) != 0;

    vtc_result r = desc->adopted ? vtc_device_init_adopted(ctx, desc->adopted, desc->flags) : vtc_device_init_standalone(ctx, desc);
    ctx->mem.device = ctx->device;
    ctx->mem.vkd = &ctx->vkd;
    if (!r)
        r = create_objects(ctx);
    if (!r)
        r = vtc_pipeline_cache_create(ctx, cache_data, cache_size);
    vk_keep_resident();
    if (!r)
        vtc_caps_settle(ctx, desc->flags);
    if (r) {
        vtc_context_teardown(ctx, NULL);
        return r;
    }
    vtc_log(ctx, VTC_LOG_INFO, "device %u: %s (%s), subgroup %u, features 0x%x", ctx->info.index, ctx->info.name,
            ctx->info.driver, ctx->caps.subgroup_size, ctx->caps.features);
    *out = ctx;
    return VTC_SUCCESS;
}

/* Output structs are sized by the caller (abi/vtc.h): `room` is how many
   bytes the caller's struct has, 0 standing for the v1 layout. NULL and
   below v1 are refused before anything is written. */
static vtc_result out_room(vtc_context ctx, const char *fn, const void *out, uint32_t v1, uint32_t *room)
{
    if (!ctx || !out)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: NULL argument", fn);
    uint32_t size;
    memcpy(&size, out, sizeof(size)); /* every output struct starts with its size */
    if (size && size < v1)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: out->size %u is smaller than the v1 layout (%u bytes)", fn,
                        size, v1);
    *room = size ? size : v1;
    return VTC_SUCCESS;
}

/* Copies what both sides know, zeroes what only the caller knows (so fields
   newer than this plugin read 0), never touches a byte past `room`. */
static void out_write(void *out, uint32_t room, const void *full, size_t full_size)
{
    uint32_t n = room < full_size ? room : (uint32_t)full_size;
    memcpy(out, full, n);
    if (room > n)
        memset((uint8_t *)out + n, 0, room - n);
    memcpy(out, &n, sizeof(n)); /* every output struct starts with its size */
}

/* What the three context queries answer, filled by one of these from a
   context out_room accepted. */
typedef union out_struct {
    vtc_device_info info;
    vtc_context_stats stats;
    vtc_vulkan_handles handles;
} out_struct;

static void fill_info(vtc_context ctx, out_struct *o)
{
    memcpy(&o->info, &ctx->info, sizeof(ctx->info));
}

static void fill_stats(vtc_context ctx, out_struct *o)
{
    vtc_context_stats *st = &o->stats;
    st->device_memory_bytes = ctx->mem.bytes;
    st->device_allocations = ctx->mem.allocations;
    st->pipelines = ctx->pipelines_created;
    st->calls = ctx->calls;
    st->validation_messages = atomic_load(&ctx->validation_messages);
    st->last_gpu_time_ns = ctx->last_gpu_time_ns;
    st->dispatches = ctx->dispatches;
    st->objects_created = ctx->objects_created + 2 * ctx->mem.buffers_made;
    st->pipelines_warmed = ctx->pipelines_warmed;
    st->compile_ns = ctx->compile_ns;
}

static void fill_handles(vtc_context ctx, out_struct *o)
{
    vtc_vulkan_handles *h = &o->handles;
    h->queue_family = ctx->queue_family;
    h->instance = ctx->instance;
    h->physical_device = ctx->phys;
    h->device = ctx->device;
    h->queue = ctx->queue;
    h->get_instance_proc_addr = ctx->gipa;
}

/* A context query: checks the caller's struct (out_room), fills the whole
   struct of this plugin (`full_size` bytes, zeroed first) and gives the
   caller what its size holds (out_write). */
static vtc_result out_answer(vtc_context ctx, const char *fn, void *out, uint32_t v1, size_t full_size,
                             void (*fill)(vtc_context, out_struct *))
{
    uint32_t room = 0;
    vtc_result r = out_room(ctx, fn, out, v1, &room);
    if (r)
        return r;
    out_struct full;
    memset(&full, 0, sizeof(full));
    fill(ctx, &full);
    out_write(out, room, &full, full_size);
    return VTC_SUCCESS;
}

VTC_API vtc_result vtc_context_info(vtc_context ctx, vtc_device_info *out)
{
    return out_answer(ctx, "vtc_context_info", out, VTC_DEVICE_INFO_SIZE_V1, sizeof(vtc_device_info), fill_info);
}

VTC_API vtc_result vtc_context_stats_get(vtc_context ctx, vtc_context_stats *out)
{
    return out_answer(ctx, "vtc_context_stats_get", out, VTC_CONTEXT_STATS_SIZE_V1, sizeof(vtc_context_stats),
                      fill_stats);
}

VTC_API vtc_result vtc_context_vulkan_handles(vtc_context ctx, vtc_vulkan_handles *out)
{
    return out_answer(ctx, "vtc_context_vulkan_handles", out, VTC_VULKAN_HANDLES_SIZE_V1, sizeof(vtc_vulkan_handles),
                      fill_handles);
}

/* Both device lists: `stride` is the caller's element size, `v1_count`
   selects vtc 1.0's count-all, never-incomplete answer. */
static vtc_result list_devices(const char *fn, vtc_device_info *out, uint32_t stride, uint32_t *count, int v1_count)
{
    if (!count)
        return vtc_fail(NULL, VTC_ERROR_INVALID_ARGUMENT, "%s: count is NULL", fn);
    if (v1_count && *count && !out)
        return vtc_fail(NULL, VTC_ERROR_INVALID_ARGUMENT, "%s: out is NULL with a capacity of %u", fn, *count);
    if (stride && stride < VTC_DEVICE_INFO_SIZE_V1)
        return vtc_fail(NULL, VTC_ERROR_INVALID_ARGUMENT, "%s: element size %u is smaller than the v1 layout (%u bytes)",
                        fn, stride, VTC_DEVICE_INFO_SIZE_V1);
    if (!stride)
        stride = VTC_DEVICE_INFO_SIZE_V1;
    uint32_t cap = out ? *count : 0;
    struct vtc_context_t tmp;
    memset(&tmp, 0, sizeof(tmp));
    tmp.mem.core.log_level = VTC_LOG_WARN;
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
    uint32_t written = 0;
    for (uint32_t i = 0; i < n && i < cap; i++) {
        vtc_device_info di;
        vtc_device_fill_info(&tmp, devs[i], i, &di);
        out_write((uint8_t *)out + (size_t)i * stride, stride, &di, sizeof(di));
        written++;
    }
    if (v1_count || !out) {
        *count = n;
    } else {
        *count = written;
        if (written < n)
            r = VTC_INCOMPLETE;
    }
done:
    if (inst && tmp.vki.vkDestroyInstance)
        tmp.vki.vkDestroyInstance(inst, NULL);
    vk_loader_close(tmp.libvulkan);
    return r;
}

VTC_API vtc_result vtc_list_devices(vtc_device_info *out, uint32_t *count)
{
    return list_devices("vtc_list_devices", out, VTC_DEVICE_INFO_SIZE_V1, count, 1);
}

VTC_API vtc_result vtc_enumerate_devices(vtc_device_info *out, uint32_t element_size, uint32_t *count)
{
    return list_devices("vtc_enumerate_devices", out, element_size, count, 0);
}

void **vtc_context_op_slot(vtc_context ctx, uint32_t index)
{
    return index < VTC_MAX_OPS ? &ctx->op_state[index] : NULL;
}
