/*
 * Vulkan allocation failure: every Vulkan object vtc creates or allocates
 * (buffers, device memory, mappings, shader modules, pipelines, layouts,
 * the pipeline cache, command pool and buffer, fence, timestamp pool, the
 * texel views of a synchronous call on a CPU device) and
 * every recording/submission step that may report VK_ERROR_OUT_OF_*_MEMORY
 * fails in turn, N = 1, 2, ... until an operation no longer reaches N.
 *
 * How: an adopted-mode context (abi/vtc.h) on the device of an ordinary
 * context, whose get_instance_proc_addr is a wrapper handing vtc wrapped
 * device functions. A wrapper returns VK_ERROR_OUT_OF_DEVICE_MEMORY (memory)
 * or VK_ERROR_OUT_OF_HOST_MEMORY (the rest) when its call is the N-th
 * fallible one, and otherwise calls the driver and counts the live objects.
 * Waits (vkWaitForFences, vkQueueWaitIdle) never fail here: a failed wait
 * leaves work in flight, which is device loss territory (docs/reliability.md).
 *
 * For each N: the call returns VTC_ERROR_OUT_OF_MEMORY (or succeeds with the
 * reference bits), the same context then gives the reference bits, and once
 * it is destroyed every Vulkan object vtc created has been destroyed. The
 * device's validation layer (VTC_VALIDATION=1 on the owning context) must
 * stay silent throughout.
 */
#include "rel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- injection state (the test is single-threaded) ------------------------ */
static long g_calls, g_fail_at, g_failed, g_live;
static PFN_vkGetInstanceProcAddr real_gipa;
static PFN_vkGetDeviceProcAddr real_gdpa;
static VkDevice g_device;

static int fail_now(void)
{
    if (++g_calls == g_fail_at) {
        g_failed++;
        return 1;
    }
    return 0;
}

#define REAL(name) ((PFN_##name)real_gdpa(g_device, #name))

/* Creation wrappers: fail, or create and count a live object. */
#define CREATE_WRAPPER(name, Info, Handle, err)                                                          \
    static VKAPI_ATTR VkResult VKAPI_CALL w_##name(VkDevice d, const Info *ci, const VkAllocationCallbacks *a, \
                                                   Handle *out)                                         \
    {                                                                                                   \
        if (fail_now())                                                                                 \
            return err;                                                                                 \
        VkResult r = REAL(name)(d, ci, a, out);                                                         \
        if (r == VK_SUCCESS)                                                                            \
            g_live++;                                                                                   \
        return r;                                                                                       \
    }
#define DESTROY_WRAPPER(name, Handle)                                                                     \
    static VKAPI_ATTR void VKAPI_CALL w_##name(VkDevice d, Handle h, const VkAllocationCallbacks *a)       \
    {                                                                                                   \
        if (h)                                                                                          \
            g_live--;                                                                                   \
        REAL(name)(d, h, a);                                                                            \
    }

CREATE_WRAPPER(vkCreateBuffer, VkBufferCreateInfo, VkBuffer, VK_ERROR_OUT_OF_DEVICE_MEMORY)
CREATE_WRAPPER(vkAllocateMemory, VkMemoryAllocateInfo, VkDeviceMemory, VK_ERROR_OUT_OF_DEVICE_MEMORY)
CREATE_WRAPPER(vkCreateShaderModule, VkShaderModuleCreateInfo, VkShaderModule, VK_ERROR_OUT_OF_HOST_MEMORY)
CREATE_WRAPPER(vkCreatePipelineCache, VkPipelineCacheCreateInfo, VkPipelineCache, VK_ERROR_OUT_OF_HOST_MEMORY)
CREATE_WRAPPER(vkCreatePipelineLayout, VkPipelineLayoutCreateInfo, VkPipelineLayout, VK_ERROR_OUT_OF_HOST_MEMORY)
CREATE_WRAPPER(vkCreateDescriptorSetLayout, VkDescriptorSetLayoutCreateInfo, VkDescriptorSetLayout,
               VK_ERROR_OUT_OF_HOST_MEMORY)
CREATE_WRAPPER(vkCreateCommandPool, VkCommandPoolCreateInfo, VkCommandPool, VK_ERROR_OUT_OF_HOST_MEMORY)
CREATE_WRAPPER(vkCreateQueryPool, VkQueryPoolCreateInfo, VkQueryPool, VK_ERROR_OUT_OF_HOST_MEMORY)
CREATE_WRAPPER(vkCreateFence, VkFenceCreateInfo, VkFence, VK_ERROR_OUT_OF_HOST_MEMORY)
CREATE_WRAPPER(vkCreateBufferView, VkBufferViewCreateInfo, VkBufferView, VK_ERROR_OUT_OF_HOST_MEMORY)
DESTROY_WRAPPER(vkDestroyBuffer, VkBuffer)
DESTROY_WRAPPER(vkFreeMemory, VkDeviceMemory)
DESTROY_WRAPPER(vkDestroyShaderModule, VkShaderModule)
DESTROY_WRAPPER(vkDestroyPipelineCache, VkPipelineCache)
DESTROY_WRAPPER(vkDestroyPipelineLayout, VkPipelineLayout)
DESTROY_WRAPPER(vkDestroyDescriptorSetLayout, VkDescriptorSetLayout)
DESTROY_WRAPPER(vkDestroyCommandPool, VkCommandPool)
DESTROY_WRAPPER(vkDestroyQueryPool, VkQueryPool)
DESTROY_WRAPPER(vkDestroyFence, VkFence)
DESTROY_WRAPPER(vkDestroyPipeline, VkPipeline)
DESTROY_WRAPPER(vkDestroyBufferView, VkBufferView)

static VKAPI_ATTR VkResult VKAPI_CALL w_vkCreateComputePipelines(VkDevice d, VkPipelineCache c, uint32_t n,
                                                                const VkComputePipelineCreateInfo *ci,
                                                                const VkAllocationCallbacks *a, VkPipeline *out)
{
    if (fail_now()) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = VK_NULL_HANDLE; /* as the spec requires of a failed creation */
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    VkResult r = REAL(vkCreateComputePipelines)(d, c, n, ci, a, out);
    for (uint32_t i = 0; i < n; i++)
        if (out[i])
            g_live++;
    return r;
}

static VKAPI_ATTR VkResult VKAPI_CALL w_vkAllocateCommandBuffers(VkDevice d, const VkCommandBufferAllocateInfo *ai,
                                                                VkCommandBuffer *out)
{
    if (fail_now())
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    return REAL(vkAllocateCommandBuffers)(d, ai, out); /* freed with their pool */
}

static VKAPI_ATTR VkResult VKAPI_CALL w_vkMapMemory(VkDevice d, VkDeviceMemory m, VkDeviceSize o, VkDeviceSize s,
                                                   VkMemoryMapFlags f, void **p)
{
    if (fail_now())
        return VK_ERROR_MEMORY_MAP_FAILED;
    return REAL(vkMapMemory)(d, m, o, s, f, p);
}

static VKAPI_ATTR VkResult VKAPI_CALL w_vkBindBufferMemory(VkDevice d, VkBuffer b, VkDeviceMemory m, VkDeviceSize o)
{
    if (fail_now())
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    return REAL(vkBindBufferMemory)(d, b, m, o);
}

static VKAPI_ATTR VkResult VKAPI_CALL w_vkBeginCommandBuffer(VkCommandBuffer c, const VkCommandBufferBeginInfo *bi)
{
    if (fail_now())
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    return REAL(vkBeginCommandBuffer)(c, bi);
}

static VKAPI_ATTR VkResult VKAPI_CALL w_vkEndCommandBuffer(VkCommandBuffer c)
{
    if (fail_now())
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    return REAL(vkEndCommandBuffer)(c);
}

static VKAPI_ATTR VkResult VKAPI_CALL w_vkQueueSubmit(VkQueue q, uint32_t n, const VkSubmitInfo *si, VkFence f)
{
    if (fail_now())
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    return ((PFN_vkQueueSubmit)real_gdpa(g_device, "vkQueueSubmit"))(q, n, si, f);
}

static VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL w_gdpa(VkDevice d, const char *name)
{
#define W(fn)                                                                                             \
    if (!strcmp(name, #fn))                                                                               \
        return (PFN_vkVoidFunction)w_##fn;
    W(vkCreateBuffer) W(vkAllocateMemory) W(vkCreateShaderModule) W(vkCreatePipelineCache) W(vkCreatePipelineLayout)
    W(vkCreateDescriptorSetLayout) W(vkCreateCommandPool) W(vkCreateQueryPool) W(vkCreateFence)
    W(vkDestroyBuffer) W(vkFreeMemory) W(vkDestroyShaderModule) W(vkDestroyPipelineCache) W(vkDestroyPipelineLayout)
    W(vkDestroyDescriptorSetLayout) W(vkDestroyCommandPool) W(vkDestroyQueryPool) W(vkDestroyFence)
    W(vkDestroyPipeline) W(vkCreateComputePipelines) W(vkAllocateCommandBuffers) W(vkMapMemory)
    W(vkBindBufferMemory) W(vkBeginCommandBuffer) W(vkEndCommandBuffer) W(vkQueueSubmit)
    W(vkCreateBufferView) W(vkDestroyBufferView)
#undef W
    return real_gdpa(d, name);
}

static VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL w_gipa(VkInstance inst, const char *name)
{
    if (!strcmp(name, "vkGetDeviceProcAddr"))
        return (PFN_vkVoidFunction)w_gdpa;
    return real_gipa(inst, name);
}

/* ---- the sweep -------------------------------------------------------------- */
static vtc_adopted_device g_adopted;

static vtc_result create_adopted(rel_log *log, vtc_context *out)
{
    return rel_adopted_context(&g_adopted, log, out);
}

static long sweep_create(void)
{
    long points = 0;
    for (long n = 1; n < 1000; n++) {
        g_calls = g_failed = 0;
        g_fail_at = n;
        rel_log log;
        vtc_context ctx;
        vtc_result r = create_adopted(&log, &ctx);
        g_fail_at = 0;
        int reached = g_failed > 0;
        CHECK(r == VTC_SUCCESS || r == VTC_ERROR_OUT_OF_MEMORY, "adopted create, Vulkan call %ld fails: %s", n,
              vtc_result_string(r));
        CHECK(r == VTC_SUCCESS || log.errors > 0, "adopted create, Vulkan call %ld fails: no message", n);
        vtc_context_destroy(ctx);
        CHECK(g_live == 0, "adopted create, Vulkan call %ld fails: %ld Vulkan objects leaked", n, g_live);
        g_live = 0;
        if (!reached)
            return points;
        points++;
    }
    CHECK(0, "create sweep did not end");
    return points;
}

/* op 0..rel_op_kinds()-1: rel_call; rel_op_kinds(): compress (weights create + prepare + call) */
static vtc_result do_call(vtc_context ctx, int op, uint64_t seed, uint64_t *h)
{
    uint64_t s = seed;
    return op < rel_op_kinds() ? rel_call(ctx, op, &s, h) : rel_compress_once(ctx, h);
}

static const char *name_of(int op)
{
    return op < rel_op_kinds() ? rel_op_name(op) : "compress";
}

static long sweep_op(int op, uint64_t seed, uint64_t want)
{
    long points = 0;
    for (long n = 1; n < 1000; n++) {
        rel_log log;
        vtc_context ctx;
        g_fail_at = 0;
        vtc_result r = create_adopted(&log, &ctx);
        CHECK(r == VTC_SUCCESS, "adopted create: %s", vtc_result_string(r));
        if (r)
            return points;
        g_calls = g_failed = 0;
        g_fail_at = n;
        uint64_t h = 0;
        r = do_call(ctx, op, seed, &h);
        g_fail_at = 0;
        int reached = g_failed > 0;
        if (reached) {
            CHECK(r == VTC_ERROR_OUT_OF_MEMORY || (r == VTC_SUCCESS && h == want), "%s: Vulkan call %ld fails: %s",
                  name_of(op), n, vtc_result_string(r));
            CHECK(r == VTC_SUCCESS || log.errors > 0, "%s: Vulkan call %ld fails: no message", name_of(op), n);
            vtc_result r2 = do_call(ctx, op, seed, &h);
            CHECK(r2 == VTC_SUCCESS && h == want, "%s: after Vulkan call %ld failed, the retry gives %s / %s bits",
                  name_of(op), n, vtc_result_string(r2), h == want ? "the same" : "different");
            points++;
        } else {
            CHECK(r == VTC_SUCCESS && h == want, "%s: unfailed call gives %s", name_of(op), vtc_result_string(r));
        }
        vtc_context_destroy(ctx);
        CHECK(g_live == 0, "%s: Vulkan call %ld fails: %ld Vulkan objects leaked", name_of(op), n, g_live);
        g_live = 0;
        if (!reached)
            return points;
    }
    CHECK(0, "%s: sweep did not end", name_of(op));
    return points;
}

int main(void)
{
    rel_log olog;
    vtc_context owner = rel_context(&olog, 0, NULL);
    if (rel_adopt_wrapped(owner, w_gipa, &g_adopted, &real_gipa, &real_gdpa, &g_device))
        return 1;

    long total = sweep_create();
    printf("adopted context_create: %ld Vulkan failure points\n", total);
    /* references on the owning (unwrapped) context */
    for (int op = 0; op <= rel_op_kinds(); op++) {
        uint64_t seed = 4242 + (uint64_t)op, want = 0;
        vtc_result r = do_call(owner, op, seed, &want);
        if (op == rel_op_kinds() && r == VTC_ERROR_UNSUPPORTED) {
            printf("compress: not in this build, skipped\n");
            continue;
        }
        CHECK(r == VTC_SUCCESS, "reference %s: %s", name_of(op), vtc_result_string(r));
        long p = sweep_op(op, seed, want);
        printf("%s: %ld Vulkan failure points\n", name_of(op), p);
        total += p;
    }
    rel_check_validation(owner, "the device");
    vtc_context_destroy(owner);
    printf("%ld Vulkan failure points swept, %d failures\n", total, rel_failures());
    return rel_failures() ? 1 : 0;
}
