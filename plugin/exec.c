/*
 * Running an op: validation (the op's plan), then either recording into
 * the host's command buffer or the synchronous path (stage host tensors in
 * the context's io buffer, record, submit, wait, read back).
 */
#include "context.h"
#include "half.h"

#include <stdio.h>
#include <string.h>

/* ---- recording ------------------------------------------------------ */
void vtc_grid_2d(vtc_context ctx, uint64_t groups, uint32_t *gx, uint32_t *gy)
{
    uint64_t maxx = ctx->max_wg_count[0] ? ctx->max_wg_count[0] : 65535;
    if (groups <= maxx) {
        *gx = (uint32_t)(groups ? groups : 1);
        *gy = 1;
    } else {
        *gy = (uint32_t)((groups + maxx - 1) / maxx);
        *gx = (uint32_t)((groups + *gy - 1) / *gy);
    }
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

vtc_result vtc_dispatch(vtc_recorder *rec, const char *shader, uint32_t dtype_override, const vtc_bound *binds,
                        uint32_t nbind, const void *push, uint32_t push_size, uint32_t local_x, const uint32_t *spec,
                        uint32_t nspec, uint32_t gx, uint32_t gy, uint32_t gz)
{
    vtc_context ctx = rec->ctx;
    if (!gx || !gy || !gz)
        return VTC_SUCCESS; /* empty work */
    if (gx > ctx->max_wg_count[0] || gy > ctx->max_wg_count[1] || gz > ctx->max_wg_count[2])
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "%s: grid %ux%ux%u exceeds the device limit", shader, gx, gy, gz);
    if (push_size > VTC_PUSH_BYTES || nbind > VTC_MAX_BINDINGS)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "internal: %s push/bindings too large", shader);
    uint32_t dt = dtype_override ? dtype_override : rec->float_dtype;
    char name[96];
    snprintf(name, sizeof(name), "%s.%s.%s", shader, dt == VTC_DTYPE_F16 ? "f16" : "f32", rec->use_subgroup ? "sg" : "sh");
    vtc_pipeline *p;
    vtc_result r = vtc_pipeline_get(ctx, name, nbind, local_x, spec, nspec, &p);
    if (r)
        return r;

    const vk_device_table *d = &ctx->vkd;
    VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    d->vkCmdPipelineBarrier(rec->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1,
                            &mb, 0, NULL, 0, NULL);
    d->vkCmdBindPipeline(rec->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipeline);

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
    }
    if (nbind && ctx->descriptor_sets) {
        VkDescriptorSet set;
        if ((r = vtc_descriptor_set_alloc(ctx, nbind, &set)))
            return r;
        for (uint32_t i = 0; i < nbind; i++)
            w[i].dstSet = set;
        d->vkUpdateDescriptorSets(ctx->device, nbind, w, 0, NULL);
        d->vkCmdBindDescriptorSets(rec->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &set, 0, NULL);
    } else if (nbind) {
        d->vkCmdPushDescriptorSetKHR(rec->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, nbind, w);
    }
    uint8_t pc[VTC_PUSH_BYTES];
    memset(pc, 0, sizeof(pc));
    if (push_size)
        memcpy(pc, push, push_size);
    d->vkCmdPushConstants(rec->cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, VTC_PUSH_BYTES, pc);
    d->vkCmdDispatch(rec->cmd, gx, gy, gz);
    rec->dispatches++;
    return VTC_SUCCESS;
}

/* ---- host packing --------------------------------------------------- */
static void contiguous_strides(const vtc_tensor *t, int64_t *s)
{
    int64_t acc = 1;
    for (int i = (int)t->ndim - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= t->shape[i];
    }
}

static void effective_strides(const vtc_tensor *t, int64_t *s)
{
    memset(s, 0, sizeof(int64_t) * VTC_MAX_DIMS);
    if (vtc_tensor_contiguous(t))
        contiguous_strides(t, s);
    else
        memcpy(s, t->stride, sizeof(int64_t) * t->ndim);
}

/* Copies a (possibly strided) host tensor into/out of a packed buffer,
   converting between `host_dt` and `dev_dt` (only F16<->F32 differ). */
static void copy_element(void *dst, uint32_t ddt, const void *src, uint32_t sdt)
{
    if (ddt == sdt) {
        memcpy(dst, src, vtc_dtype_size(ddt));
    } else if (sdt == VTC_DTYPE_F16 && ddt == VTC_DTYPE_F32) {
        uint16_t h;
        memcpy(&h, src, 2);
        float f = vtc_half_to_float(h);
        memcpy(dst, &f, 4);
    } else { /* F32 -> F16 */
        float f;
        memcpy(&f, src, 4);
        uint16_t h = vtc_float_to_half(f);
        memcpy(dst, &h, 2);
    }
}

static void transfer(const vtc_tensor *t, uint32_t dev_dt, uint8_t *packed, int to_device)
{
    int64_t s[VTC_MAX_DIMS], idx[VTC_MAX_DIMS] = {0};
    effective_strides(t, s);
    size_t hs = vtc_dtype_size(t->dtype), ds = vtc_dtype_size(dev_dt);
    int64_t n = vtc_tensor_count(t);
    if (n <= 0)
        return;
    if (vtc_tensor_contiguous(t) && dev_dt == t->dtype) {
        if (to_device)
            memcpy(packed, t->host, (size_t)n * hs);
        else
            memcpy(t->host, packed, (size_t)n * hs);
        return;
    }
    uint8_t *host = t->host;
    int nd = (int)t->ndim;
    for (int64_t e = 0; e < n; e++) {
        int64_t off = 0;
        for (int i = 0; i < nd; i++)
            off += idx[i] * s[i];
        if (to_device)
            copy_element(packed + e * ds, dev_dt, host + off * hs, t->dtype);
        else
            copy_element(host + off * hs, t->dtype, packed + e * ds, dev_dt);
        for (int i = nd - 1; i >= 0; i--) {
            if (++idx[i] < t->shape[i])
                break;
            idx[i] = 0;
        }
    }
}

/* ---- synchronous submission ------------------------------------------ */
vtc_result vtc_submit_sync(vtc_context ctx, vtc_result (*record)(void *user, VkCommandBuffer cmd), void *user)
{
    const vk_device_table *d = &ctx->vkd;
    VK_CHECK(ctx, d->vkResetCommandBuffer(ctx->cmd, 0));
    VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    VK_CHECK(ctx, d->vkBeginCommandBuffer(ctx->cmd, &bi));
    if (ctx->timestamps) {
        d->vkCmdResetQueryPool(ctx->cmd, ctx->timestamps, 0, 2);
        d->vkCmdWriteTimestamp(ctx->cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, ctx->timestamps, 0);
    }
    vtc_result r = record(user, ctx->cmd);
    if (ctx->timestamps)
        d->vkCmdWriteTimestamp(ctx->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, ctx->timestamps, 1);
    VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    d->vkCmdPipelineBarrier(ctx->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                            VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
    VkResult vr = d->vkEndCommandBuffer(ctx->cmd);
    if (r)
        return r;
    if (vr != VK_SUCCESS)
        return vtc_vk_fail(ctx, vr, "vkEndCommandBuffer");
    VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &ctx->cmd;
    VK_CHECK(ctx, d->vkResetFences(ctx->device, 1, &ctx->fence));
    if (ctx->queue_lock)
        ctx->queue_lock(ctx->queue_lock_user);
    vr = d->vkQueueSubmit(ctx->queue, 1, &si, ctx->fence);
    if (ctx->queue_unlock)
        ctx->queue_unlock(ctx->queue_lock_user);
    if (vr != VK_SUCCESS)
        return vtc_vk_fail(ctx, vr, "vkQueueSubmit");
    VK_CHECK(ctx, d->vkWaitForFences(ctx->device, 1, &ctx->fence, VK_TRUE, UINT64_MAX));
    ctx->last_gpu_time_ns = 0;
    if (ctx->timestamps) {
        uint64_t ts[2];
        if (d->vkGetQueryPoolResults(ctx->device, ctx->timestamps, 0, 2, sizeof(ts), ts, 8,
                                     VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) == VK_SUCCESS) {
            uint64_t mask = ctx->timestamp_valid_bits >= 64 ? ~0ull : ((1ull << ctx->timestamp_valid_bits) - 1);
            uint64_t ticks = (ts[1] - ts[0]) & mask;
            ctx->last_gpu_time_ns = (uint64_t)((double)ticks * ctx->info.timestamp_period_ns);
        }
    }
    return VTC_SUCCESS;
}

typedef struct run_state {
    vtc_context ctx;
    const vtc_op_def *def;
    const vtc_plan *plan;
    const vtc_bound *bound;
    vtc_recorder *rec;
} run_state;

static vtc_result record_op(void *user, VkCommandBuffer cmd)
{
    run_state *s = user;
    s->rec->cmd = cmd;
    return s->def->record(s->ctx, s->plan, s->bound, s->rec);
}

/* ---- the entry point ---------------------------------------------------- */
static VkDeviceSize align_up(VkDeviceSize v, VkDeviceSize a)
{
    return (v + a - 1) / a * a;
}

vtc_result vtc_run_op(vtc_context ctx, uint32_t op, const void *args, const vtc_exec *exec)
{
    if (!ctx)
        return vtc_fail(NULL, VTC_ERROR_INVALID_ARGUMENT, "context is NULL");
    const vtc_op_def *def = vtc_op_find(op);
    if (!def)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "unknown op %u", op);
    if (!args)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: args is NULL", def->name);
    uint32_t asz;
    memcpy(&asz, args, 4);
    if (asz && asz < def->args_size)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: args.size %u is smaller than v1 (%zu)", def->name, asz,
                        def->args_size);
    if (exec && exec->size && exec->size < sizeof(vtc_exec))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: exec.size %u is smaller than v1", def->name, exec->size);
    int recording = exec && exec->cmd;

    vtc_plan plan;
    memset(&plan, 0, sizeof(plan));
    vtc_result r = def->plan(ctx, args, &plan);
    if (r)
        return r;
    if (!plan.float_dtype)
        plan.float_dtype = VTC_DTYPE_F32;
    uint32_t dev_float = plan.float_dtype;
    if (dev_float == VTC_DTYPE_F16 && !(ctx->features & VTC_FEATURE_F16_STORAGE)) {
        if (recording)
            return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED,
                            "%s: fp16 storage is unsupported or disabled (VTC_DISABLE_F16) on this device; record with F32 tensors",
                            def->name);
        for (uint32_t i = 0; i < plan.ntensors; i++) {
            const vtc_tensor *t = plan.tensors[i].t;
            if (vtc_tensor_present(t) && (plan.tensors[i].flags & VTC_T_FLOAT) && t->buffer)
                return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED,
                                "%s: fp16 storage is unsupported or disabled on this device, so fp16 device buffers cannot be read",
                                def->name);
        }
        dev_float = VTC_DTYPE_F32; /* host fp16 tensors are converted while staging */
    }

    vtc_bound bound[VTC_OP_MAX_TENSORS];
    memset(bound, 0, sizeof(bound));
    VkDeviceSize io_bytes = 0;
    VkDeviceSize io_off[VTC_OP_MAX_TENSORS];
    const VkDeviceSize align = ctx->offset_align > 256 ? ctx->offset_align : 256;
    for (uint32_t i = 0; i < plan.ntensors; i++) {
        const vtc_tensor *t = plan.tensors[i].t;
        uint32_t flags = plan.tensors[i].flags;
        if (!vtc_tensor_present(t) || vtc_tensor_count(t) == 0)
            continue;
        uint32_t dt = (flags & VTC_T_FLOAT) ? dev_float : t->dtype;
        bound[i].present = 1;
        bound[i].dtype = dt;
        if (t->buffer) {
            if (!(flags & VTC_T_STRIDED) && !vtc_tensor_contiguous(t))
                return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED,
                                "%s: tensor %u must be contiguous when it is a device buffer (host tensors may be strided)",
                                def->name, i);
            effective_strides(t, bound[i].stride);
            int64_t extent = 1;
            for (uint32_t k = 0; k < t->ndim; k++)
                extent += (t->shape[k] - 1) * bound[i].stride[k];
            bound[i].buffer = t->buffer;
            bound[i].offset = t->offset;
            bound[i].range = align_up((VkDeviceSize)extent * vtc_dtype_size(dt), 4);
        } else {
            if (recording)
                return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                                "%s: record mode needs device buffers, tensor %u is a host pointer", def->name, i);
            VkDeviceSize bytes = (VkDeviceSize)vtc_tensor_count(t) * vtc_dtype_size(dt);
            if (bytes > ctx->max_range)
                return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                                "%s: tensor %u needs %llu bytes, more than the device's maxStorageBufferRange (%llu)",
                                def->name, i, (unsigned long long)bytes, (unsigned long long)ctx->max_range);
            contiguous_strides(t, bound[i].stride);
            io_off[i] = io_bytes;
            bound[i].range = align_up(bytes, 4);
            io_bytes = align_up(io_bytes + bound[i].range, align);
        }
    }

    vtc_recorder rec;
    memset(&rec, 0, sizeof(rec));
    rec.ctx = ctx;
    rec.float_dtype = dev_float;
    rec.use_subgroup = (ctx->features & VTC_FEATURE_SUBGROUP_ARITH) != 0;

    if (recording) {
        if (plan.scratch_bytes) {
            if (!exec->scratch || exec->scratch_size < plan.scratch_bytes)
                return vtc_fail(ctx, VTC_ERROR_SCRATCH_TOO_SMALL, "%s: needs %llu scratch bytes, exec gives %llu",
                                def->name, (unsigned long long)plan.scratch_bytes,
                                (unsigned long long)(exec->scratch ? exec->scratch_size : 0));
            if (exec->scratch_offset % ctx->offset_align)
                return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: scratch_offset is not storage-offset aligned",
                                def->name);
            rec.scratch.buffer = exec->scratch;
            rec.scratch.offset = exec->scratch_offset;
            rec.scratch.range = plan.scratch_bytes;
            rec.scratch.present = 1;
        }
        rec.cmd = exec->cmd;
        r = def->record(ctx, &plan, bound, &rec);
        if (!r)
            ctx->calls++;
        return r;
    }

    /* synchronous: io buffer = packed host tensors + scratch */
    VkDeviceSize scratch_off = io_bytes;
    io_bytes = align_up(io_bytes + plan.scratch_bytes, align);
    if (io_bytes > ctx->io.size) {
        vtc_buf_destroy(ctx, &ctx->io);
        VkDeviceSize grow = align_up(io_bytes, (VkDeviceSize)1 << 20);
        r = vtc_buf_create(ctx, grow, &ctx->io);
        if (r)
            return r;
    }
    uint8_t *base = ctx->io.mapped;
    for (uint32_t i = 0; i < plan.ntensors; i++) {
        const vtc_tensor *t = plan.tensors[i].t;
        if (!bound[i].present || t->buffer)
            continue;
        bound[i].buffer = ctx->io.buffer;
        bound[i].offset = io_off[i];
        if (plan.tensors[i].flags & VTC_T_IN)
            transfer(t, bound[i].dtype, base + io_off[i], 1);
    }
    if (plan.scratch_bytes) {
        rec.scratch.buffer = ctx->io.buffer;
        rec.scratch.offset = scratch_off;
        rec.scratch.range = plan.scratch_bytes;
        rec.scratch.present = 1;
    }
    vtc_buf_flush(ctx, &ctx->io);
    run_state st = {ctx, def, &plan, bound, &rec};
    r = vtc_submit_sync(ctx, record_op, &st);
    if (r)
        return r;
    vtc_buf_invalidate(ctx, &ctx->io);
    for (uint32_t i = 0; i < plan.ntensors; i++) {
        const vtc_tensor *t = plan.tensors[i].t;
        if (bound[i].present && !t->buffer && (plan.tensors[i].flags & VTC_T_OUT))
            transfer(t, bound[i].dtype, base + io_off[i], 0);
    }
    ctx->calls++;
    return VTC_SUCCESS;
}
