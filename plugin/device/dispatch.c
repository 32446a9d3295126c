/*
 * What ops call while they record (op.h): the device's caps, grids, scratch
 * slices and vtc_dispatch, which creates pipelines in the prepare pass and
 * only writes commands after it.
 */
#include "device.h"
#include "spirv_blobs.h"

#include <string.h>

const vtc_caps *vtc_caps_of(vtc_context ctx)
{
    return &ctx->caps;
}

vtc_context vtc_rec_ctx(const vtc_recorder *rec)
{
    return rec->ctx;
}

uint32_t vtc_rec_float_dtype(const vtc_recorder *rec)
{
    return rec->float_dtype;
}

void vtc_grid_2d(vtc_context ctx, uint64_t groups, uint32_t *gx, uint32_t *gy)
{
    uint64_t maxx = ctx->caps.max_wg_count[0] ? ctx->caps.max_wg_count[0] : 65535;
    if (groups <= maxx) {
        *gx = (uint32_t)(groups ? groups : 1);
        *gy = 1;
    } else {
        *gy = (uint32_t)((groups + maxx - 1) / maxx);
        *gx = (uint32_t)((groups + *gy - 1) / *gy);
    }
}

void vtc_grid_for(vtc_context ctx, uint64_t n, uint32_t *gx, uint32_t *gy)
{
    vtc_grid_2d(ctx, (n + VTC_WG - 1) / VTC_WG, gx, gy);
}

vtc_bound vtc_scratch_slice(const vtc_recorder *rec, VkDeviceSize offset, VkDeviceSize bytes)
{
    vtc_bound b = rec->scratch;
    b.offset += offset;
    b.range = bytes ? bytes : 4;
    memset(b.stride, 0, sizeof(b.stride));
    b.present = 1;
    return b;
}

/* The prepare pass of one dispatch: checks the grid and the kernel's build
   against the device, creates its pipeline, and counts the descriptor set
   it will take (without push descriptors). */
static vtc_result prepare_dispatch(vtc_recorder *rec, vtc_kernel kernel, const vtc_kernel_def *k,
                                   const vtc_spirv_blob *blob, uint32_t dt, uint32_t nbind, uint32_t push_size,
                                   uint32_t local_x, const uint32_t *spec, uint32_t nspec, uint32_t gx, uint32_t gy,
                                   uint32_t gz)
{
    vtc_context ctx = rec->ctx;
    vtc_pipeline *p;
    if (!k)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "internal: no kernel %d in this build", (int)kernel);
    const char *shader = k->name;
    if (gx > ctx->caps.max_wg_count[0] || gy > ctx->caps.max_wg_count[1] || gz > ctx->caps.max_wg_count[2])
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "%s: grid %ux%ux%u exceeds the device limit", shader, gx, gy, gz);
    if (push_size > VTC_PUSH_BYTES || nbind > VTC_MAX_BINDINGS)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "internal: %s push/bindings too large", shader);
    /* vtc_dispatch checked this at build time; a direct call is checked here */
    if (push_size != k->push_bytes)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "internal: %s: %u bytes of push constants, its block has %u",
                        shader, push_size, k->push_bytes);
    if (!blob)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED,
                        "internal: %s has no %s.%s build (its op's meson.build does not declare that variant)",
                        shader, dt == VTC_DTYPE_F16 ? "f16" : "f32", rec->use_subgroup ? "sg" : "sh");
    vtc_result r = vtc_pipeline_get(ctx, kernel, blob, nbind, local_x, spec, nspec, &p);
    if (r)
        return r;
    if (!ctx->push_descriptors && nbind) {
        /* this dispatch will take one descriptor set of its pipeline's layout */
        if (rec->dset_count == rec->dset_cap) {
            uint32_t cap = rec->dset_cap ? 2 * rec->dset_cap : 16;
            uint8_t *n = vtc_alloc(ctx, cap);
            if (!n)
                return vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "out of host memory (descriptor set list)");
            if (rec->dset_count)
                memcpy(n, rec->dset_nbind, rec->dset_count);
            vtc_free(ctx, rec->dset_nbind);
            rec->dset_nbind = n;
            rec->dset_cap = cap;
        }
        rec->dset_nbind[rec->dset_count++] = p->set_code;
    }
    return VTC_SUCCESS;
}

/* Binds the dispatch's buffers (absent ones: the dummy buffer) by push
   descriptors, or through the next descriptor set the prepare step made. */
static void bind_buffers(vtc_recorder *rec, const vtc_pipeline *p, const vtc_bound *binds, uint32_t nbind)
{
    vtc_context ctx = rec->ctx;
    const vk_device_table *d = &ctx->vkd;
    VkDescriptorBufferInfo bi[VTC_MAX_BINDINGS];
    VkWriteDescriptorSet w[VTC_MAX_BINDINGS];
    for (uint32_t i = 0; i < nbind; i++) {
        if (binds[i].present && binds[i].buffer) {
            bi[i].buffer = binds[i].buffer;
            bi[i].offset = binds[i].offset;
            bi[i].range = binds[i].range ? binds[i].range : 4;
        } else {
            bi[i].buffer = ctx->dummy.buffer;
            bi[i].offset = 0;
            bi[i].range = ctx->dummy.size;
        }
        memset(&w[i], 0, sizeof(w[i]));
        w[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        w[i].dstBinding = i;
        w[i].descriptorCount = 1;
        w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        w[i].pBufferInfo = &bi[i];
        if (p->texel_mask >> i & 1u) { /* a samplerBuffer: the executor's view (checked before recording) */
            w[i].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
            w[i].pBufferInfo = NULL;
            w[i].pTexelBufferView = &binds[i].texel_view;
        }
    }
    if (nbind && ctx->push_descriptors) {
        d->vkCmdPushDescriptorSetKHR(rec->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, nbind, w);
    } else if (nbind) {
        /* a fresh set of this call's, written once and bound (neither can fail) */
        VkDescriptorSet set = rec->dsets[rec->dset_next++];
        for (uint32_t i = 0; i < nbind; i++)
            w[i].dstSet = set;
        d->vkUpdateDescriptorSets(ctx->device, nbind, w, 0, NULL);
        d->vkCmdBindDescriptorSets(rec->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &set, 0, NULL);
    }
}

vtc_result vtc_dispatch_kernel(vtc_recorder *rec, vtc_kernel kernel, uint32_t dtype_override, const vtc_bound *binds,
                               uint32_t nbind, const void *push, uint32_t push_size, uint32_t local_x,
                               const uint32_t *spec, uint32_t nspec, uint32_t gx, uint32_t gy, uint32_t gz)
{
    vtc_context ctx = rec->ctx;
    if (!gx || !gy || !gz)
        return VTC_SUCCESS; /* empty work */
    uint32_t dt = dtype_override ? dtype_override : rec->float_dtype;
    const vtc_kernel_def *k = (unsigned)kernel < VTC_KERNEL_COUNT ? &vtc_kernel_defs[kernel] : NULL;
    const vtc_spirv_blob *blob = k ? k->variant[VTC_VARIANT(dt == VTC_DTYPE_F16, rec->use_subgroup)] : NULL;
    /* a samplerBuffer binding reads the executor's texel view: an op picks
       such a kernel only for a tensor that gets one (vtc_bound.texel) */
    for (uint32_t i = 0; k && i < nbind; i++)
        if ((k->texel_mask >> i & 1u) &&
            (!binds[i].present || !binds[i].texel || (!rec->prepare_only && !binds[i].texel_view)))
            return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "internal: %s binding %u has no texel view", k->name, i);
    if (rec->prepare_only) {
        vtc_result r = prepare_dispatch(rec, kernel, k, blob, dt, nbind, push_size, local_x, spec, nspec, gx, gy, gz);
        if (r)
            return r;
        rec->dispatches++;
        return VTC_SUCCESS;
    }
    /* The prepare pass ran this same record() with the same arguments, so the
       pipeline exists; a miss is a bug in an op (its choices differ between
       passes) and is caught here before this dispatch writes anything. */
    vtc_pipeline *p = blob ? vtc_pipeline_find(ctx, kernel, blob, nbind, local_x, spec, nspec) : NULL;
    const char *name = p ? p->name : k ? k->name : "?";
    if (!p)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "internal: pipeline %s was not created by the prepare step", name);
    if (!ctx->push_descriptors && nbind && rec->dset_next >= rec->dset_count)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "internal: %s: no descriptor set left from the prepare step", name);

    const vk_device_table *d = &ctx->vkd;
    VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    d->vkCmdPipelineBarrier(rec->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1,
                            &mb, 0, NULL, 0, NULL);
    d->vkCmdBindPipeline(rec->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipeline);
    bind_buffers(rec, p, binds, nbind);
    /* exactly the shader's block (prepare checked push_size against it); the
       layout's range stays VTC_PUSH_BYTES, so every kernel shares layouts */
    if (push_size)
        d->vkCmdPushConstants(rec->cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_size, push);
    d->vkCmdDispatch(rec->cmd, gx, gy, gz);
    rec->dispatches++;
    return VTC_SUCCESS;
}
