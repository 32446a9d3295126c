/*
 * Ordinary descriptor sets, for devices where vtc does not use push
 * descriptors (an adopted device whose host did not enable
 * VK_KHR_push_descriptor, as ggml-vulkan does not; or the
 * VTC_CONTEXT_DISABLE_PUSH_DESCRIPTOR switch).
 *
 * A call's sets are allocated in its prepare step, one per dispatch, after
 * the prepare pass has counted the dispatches and their binding counts, so
 * recording only writes and binds them (vkUpdateDescriptorSets cannot fail).
 * A set must not be rewritten while a command buffer that binds it may still
 * run, so the two kinds of call keep separate pools:
 *  - synchronous calls wait for their own submission: their pools are reset
 *    at the start of the next synchronous call;
 *  - record-mode calls go into a host's command buffer whose completion vtc
 *    never sees: their sets stay until vtc_context_recycle says every
 *    recording has completed (or until the context is destroyed).
 */
#include "device.h"

#include <string.h>

/* Sets per pool; each set holds at most VTC_MAX_BINDINGS storage buffers,
   and a few of them a uniform texel buffer (CPU devices' _tex_cpu kernels) */
#define DSET_POOL_SETS 256u
#define DSET_POOL_TEXELS 64u
/* Record-mode pools after which a host that never recycles is told so, once. */
#define DSET_RECORDED_WARN_POOLS 64u

static vtc_result pool_create(vtc_context ctx, VkDescriptorPool *out)
{
    VkDescriptorPoolSize ps[2] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, DSET_POOL_SETS * VTC_MAX_BINDINGS},
                                  {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, DSET_POOL_TEXELS}};
    VkDescriptorPoolCreateInfo ci = {VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    ci.maxSets = DSET_POOL_SETS;
    ci.poolSizeCount = 2;
    ci.pPoolSizes = ps;
    VK_CHECK(ctx, ctx->vkd.vkCreateDescriptorPool(ctx->device, &ci, NULL, out));
    ctx->objects_created++;
    return VTC_SUCCESS;
}

static vtc_result pools_grow(vtc_context ctx, vtc_dset_pools *p)
{
    if (p->count == p->cap) {
        uint32_t cap = p->cap ? 2 * p->cap : 4;
        VkDescriptorPool *n = vtc_alloc(ctx, cap * sizeof(*n));
        if (!n)
            return vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "out of host memory (descriptor pools)");
        if (p->count)
            memcpy(n, p->pools, p->count * sizeof(*n));
        vtc_free(ctx, p->pools);
        p->pools = n;
        p->cap = cap;
    }
    vtc_result r = pool_create(ctx, &p->pools[p->count]);
    if (r)
        return r;
    p->count++;
    return VTC_SUCCESS;
}

vtc_result vtc_dsets_alloc(vtc_context ctx, int recorded, const uint8_t *codes, uint32_t n, VkDescriptorSet *out)
{
    vtc_dset_pools *p = recorded ? &ctx->dsets_recorded : &ctx->dsets_sync;
    for (uint32_t i = 0; i < n;) {
        if (p->used == p->count) {
            vtc_result r = pools_grow(ctx, p);
            if (r)
                return r;
            if (recorded && p->count == DSET_RECORDED_WARN_POOLS)
                vtc_log(ctx, VTC_LOG_WARN, "%u descriptor sets held for record-mode calls: call vtc_context_recycle "
                        "once the recorded command buffers have completed", DSET_RECORDED_WARN_POOLS * DSET_POOL_SETS);
        }
        /* one set at a time: a pool that runs out moves on to the next */
        VkDescriptorSetAllocateInfo ai = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
        ai.descriptorPool = p->pools[p->used];
        ai.descriptorSetCount = 1;
        ai.pSetLayouts = codes[i] < VTC_TEXEL_SET_CODE0 ? &ctx->set_layouts[codes[i]]
                                                        : &ctx->texel_layouts[codes[i] - VTC_TEXEL_SET_CODE0].set;
        VkResult vr = ctx->vkd.vkAllocateDescriptorSets(ctx->device, &ai, &out[i]);
        if (vr == VK_ERROR_OUT_OF_POOL_MEMORY || vr == VK_ERROR_FRAGMENTED_POOL) {
            p->used++;
            p->taken = 0;
            continue;
        }
        if (vr != VK_SUCCESS)
            return vtc_vk_fail(ctx, vr, "vkAllocateDescriptorSets");
        p->taken++;
        i++;
    }
    return VTC_SUCCESS;
}

static void pools_reset(vtc_context ctx, vtc_dset_pools *p)
{
    for (uint32_t i = 0; i < p->count; i++)
        ctx->vkd.vkResetDescriptorPool(ctx->device, p->pools[i], 0);
    p->used = 0;
    p->taken = 0;
}

/* vtc_prepare: pools with room for `n` more sets of either kind of call, so
   the call after it creates no pool. A synchronous call resets its pools
   first, so all of them count; record-mode sets stay until recycled, so
   only what is left of them. */
vtc_result vtc_dsets_reserve(vtc_context ctx, uint32_t n)
{
    vtc_dset_pools *sync = &ctx->dsets_sync, *rec = &ctx->dsets_recorded;
    while ((uint64_t)sync->count * DSET_POOL_SETS < n) {
        vtc_result r = pools_grow(ctx, sync);
        if (r)
            return r;
    }
    for (;;) {
        uint64_t room = rec->count > rec->used ? (uint64_t)(rec->count - rec->used) * DSET_POOL_SETS - rec->taken : 0;
        if (room >= n)
            return VTC_SUCCESS;
        vtc_result r = pools_grow(ctx, rec);
        if (r)
            return r;
    }
}

void vtc_dsets_reset_sync(vtc_context ctx)
{
    pools_reset(ctx, &ctx->dsets_sync);
}

static void pools_destroy(vtc_context ctx, vtc_dset_pools *p)
{
    for (uint32_t i = 0; i < p->count; i++)
        ctx->vkd.vkDestroyDescriptorPool(ctx->device, p->pools[i], NULL);
    vtc_free(ctx, p->pools);
    memset(p, 0, sizeof(*p));
}

void vtc_dsets_destroy(vtc_context ctx)
{
    pools_destroy(ctx, &ctx->dsets_sync);
    pools_destroy(ctx, &ctx->dsets_recorded);
}

VTC_API vtc_result vtc_context_recycle(vtc_context ctx)
{
    if (!ctx)
        return vtc_fail(NULL, VTC_ERROR_INVALID_ARGUMENT, "vtc_context_recycle: context is NULL");
    pools_reset(ctx, &ctx->dsets_recorded);
    return VTC_SUCCESS;
}
