/*
 * The executor, above the registry: finds the op, checks every tensor of
 * its descriptor's table, runs its plan(), binds the table's tensors, then
 * either records into the host's command buffer or takes the synchronous
 * path (stage host tensors in the context's io buffer, record, submit,
 * wait, read back). It sees the context struct (device.h) as the layer
 * that runs it; ops see only op.h.
 */
#include "device.h"
#include "exec.h"
#include "registry.h"
#include "core/half.h"

#include <stdio.h>
#include <string.h>

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
/* Created on the first synchronous call, not with the context: record mode
   and vtc_prepare never need them, and a device that compiles but cannot
   execute (RADV's null device: vkCreateFence fails) still gets a context
   for `vtc info` and `vtc pipelines`. */
static vtc_result sync_objects_ensure(vtc_context ctx)
{
    const vk_device_table *d = &ctx->vkd;
    VkResult vr;
    const char *what = NULL;
    if (!ctx->cmd_pool) {
        VkCommandPoolCreateInfo pci = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
        pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
        pci.queueFamilyIndex = ctx->queue_family;
        VkCommandPool pool;
        if ((vr = d->vkCreateCommandPool(ctx->device, &pci, NULL, &pool)) != VK_SUCCESS) {
            what = "a command pool (vkCreateCommandPool)";
            goto fail;
        }
        ctx->cmd_pool = pool;
        ctx->objects_created++;
    }
    if (!ctx->cmd) {
        VkCommandBufferAllocateInfo cai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
        cai.commandPool = ctx->cmd_pool;
        cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
        cai.commandBufferCount = 1;
        VkCommandBuffer cmd;
        if ((vr = d->vkAllocateCommandBuffers(ctx->device, &cai, &cmd)) != VK_SUCCESS) {
            what = "a command buffer (vkAllocateCommandBuffers)";
            goto fail;
        }
        ctx->cmd = cmd;
        ctx->objects_created++;
    }
    if (!ctx->fence) {
        VkFenceCreateInfo fci = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        VkFence fence;
        if ((vr = d->vkCreateFence(ctx->device, &fci, NULL, &fence)) != VK_SUCCESS) {
            what = "a fence (vkCreateFence)";
            goto fail;
        }
        ctx->fence = fence;
        ctx->objects_created++;
    }
    if ((ctx->caps.features & VTC_FEATURE_TIMESTAMPS) && !ctx->timestamps) {
        VkQueryPoolCreateInfo qci = {VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
        qci.queryType = VK_QUERY_TYPE_TIMESTAMP;
        qci.queryCount = 2;
        VkQueryPool qp;
        if ((vr = d->vkCreateQueryPool(ctx->device, &qci, NULL, &qp)) != VK_SUCCESS) {
            what = "a timestamp query pool (vkCreateQueryPool)";
            goto fail;
        }
        ctx->timestamps = qp;
        ctx->objects_created++;
    }
    return VTC_SUCCESS;
fail:
    if (vr == VK_ERROR_OUT_OF_HOST_MEMORY || vr == VK_ERROR_OUT_OF_DEVICE_MEMORY || vr == VK_ERROR_DEVICE_LOST)
        return vtc_vk_fail(ctx, vr, what);
    return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED,
                    "synchronous calls need %s, which failed with VkResult %d: this device cannot execute work "
                    "(a compile-only device such as RADV's null device?); record mode and vtc_prepare do not need it",
                    what, (int)vr);
}

/* Record + submit + wait on the context's own command buffer, created with
   its fence and timestamp pool on the first call. `record` fills it. */
static vtc_result submit_sync(vtc_context ctx, vtc_result (*record)(void *user, VkCommandBuffer cmd), void *user)
{
    vtc_result sr = sync_objects_ensure(ctx);
    if (sr)
        return sr;
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
    s->rec->dset_next = 0;
    return s->def->record(s->ctx, s->plan, s->bound, s->rec);
}

/* ---- the entry point ---------------------------------------------------- */
static VkDeviceSize align_up(VkDeviceSize v, VkDeviceSize a)
{
    return (v + a - 1) / a * a;
}

vtc_result vtc_args_check(vtc_context ctx, const vtc_op_def *def, const void *args, const char *caller)
{
    if (!args)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: args is NULL", caller);
    uint32_t asz;
    memcpy(&asz, args, 4);
    if (asz && asz < def->desc->args_size)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: args.size %u is smaller than v1 (%zu)", caller, asz,
                        def->desc->args_size);
    /* every tensor, read by the op or not: a reserved field ignored today
       could never be given a meaning tomorrow */
    for (uint32_t i = 0; i < def->desc->ntensors; i++) {
        const vtc_op_tensor_desc *td = &def->desc->tensors[i];
        const vtc_tensor *t = vtc_op_tensor_in_const(td, args);
        if (t->size && t->size != sizeof(vtc_tensor))
            return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                            "%s: tensor %u (%s) has size %u; vtc_tensor is frozen at %zu bytes (or 0)", caller, i,
                            td->name, t->size, sizeof(vtc_tensor));
        if (t->reserved0)
            return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: tensor %u (%s) has reserved0 = %u; it must be 0",
                            caller, i, td->name, t->reserved0);
    }
    return VTC_SUCCESS;
}

/* Each tensor the call uses, alone, from the op's table; then the op's
   plan(), which states the relations between them. Shared by calls,
   vtc_prepare and the scratch queries. */
static vtc_result plan_call(vtc_context ctx, const vtc_op_def *def, const void *args, vtc_plan *plan)
{
    const vtc_op_desc *d = def->desc;
    uint32_t need = 0, skip = 0;
    if (def->uses)
        def->uses(args, &need, &skip);
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_op_tensor_desc *td = &d->tensors[i];
        if (skip & (1u << i))
            continue;
        int optional = (td->role & VTC_ROLE_OPTIONAL) && !(need & (1u << i));
        vtc_result r = vtc_tensor_check(ctx, d->name, td->name, vtc_op_tensor_in_const(td, args), optional,
                                        td->dtypes, td->rank, NULL);
        if (r)
            return r;
    }
    memset(plan, 0, sizeof(*plan));
    plan->desc = d;
    plan->args = args;
    plan->unused = skip;
    return def->plan(ctx, args, plan);
}

/* Table tensor i as the call gives it, or NULL when the call does not use it. */
static const vtc_tensor *used_tensor(const vtc_plan *plan, uint32_t i)
{
    const vtc_tensor *t = vtc_op_tensor_in_const(&plan->desc->tensors[i], plan->args);
    return (plan->unused & (1u << i)) || !vtc_tensor_present(t) ? NULL : t;
}

/* What one call validated: plan, the device's float dtype, bound tensors
   (host tensors at their io-buffer offsets, buffers not yet set) and the
   io bytes they take. Shared by calls and vtc_prepare, so the prepare step
   sees the offsets (and so the specialisation constants) a call will. */
typedef struct vtc_call {
    const vtc_op_def *def;
    vtc_plan plan;
    vtc_bound bound[VTC_OP_DESC_MAX_TENSORS];
    VkDeviceSize io_off[VTC_OP_DESC_MAX_TENSORS];
    VkDeviceSize io_bytes;
    vtc_recorder rec;
} vtc_call;

/* Without fp16 storage (or with it disabled) fp16 host tensors are staged
   as F32; fp16 device buffers cannot be read, and record mode has only those. */
static vtc_result check_float_storage(vtc_context ctx, const vtc_plan *plan, uint32_t dev_float, int recording,
                                      const char *name)
{
    if (dev_float == plan->float_dtype)
        return VTC_SUCCESS;
    if (recording)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED,
                        "%s: fp16 storage is unsupported or disabled (VTC_DISABLE_F16) on this device; record with F32 tensors",
                        name);
    const vtc_op_desc *d = plan->desc;
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_tensor *t = used_tensor(plan, i);
        if (t && t->dtype == VTC_DTYPE_F16 && t->buffer)
            return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED,
                            "%s: fp16 storage is unsupported or disabled on this device, so fp16 device buffers "
                            "cannot be read (%s)", name, d->tensors[i].name);
    }
    return VTC_SUCCESS;
}

/* Texel views (op.h, vtc_bound.texel) are made of host-memory tensors only:
   they lie in vtc's own io buffer, whose size and layout vtc controls, and
   llvmpipe compiles a shader variant per static texture state, which for a
   texel buffer includes whether the buffer's size is a power of two and
   whether bits 8-15 of the view's byte size are all zero. So the io buffer's
   size is never a power of two (io_ensure), a viewed tensor starts on a
   VTC_TEXEL_ALIGN boundary and its view runs to the end of the io buffer (a
   multiple of VTC_TEXEL_ALIGN bytes): every view, the warm-up's included,
   has the same state, and prepare's warm-up compiles the variant every call
   uses. */
static VkDeviceSize texel_bytes(uint32_t dtype) { return 4 * (VkDeviceSize)vtc_dtype_size(dtype); }
static VkFormat texel_format(uint32_t dtype)
{
    return dtype == VTC_DTYPE_F16 ? VK_FORMAT_R16G16B16A16_SFLOAT : VK_FORMAT_R32G32B32A32_SFLOAT;
}
/* The most bytes a view may span: maxTexelBufferElements texels, whole VTC_TEXEL_ALIGN blocks. */
static VkDeviceSize texel_view_max(vtc_context ctx, uint32_t dtype)
{
    return ctx->caps.max_texels * texel_bytes(dtype) / VTC_TEXEL_ALIGN * VTC_TEXEL_ALIGN;
}

/* A host-memory input tensor of a synchronous call gets a view where the
   device reads its float dtype as 4-channel texels and it spans at least one
   texel and fits one view. */
static int texel_wanted(vtc_context ctx, const vtc_op_tensor_desc *td, uint32_t dtype, VkDeviceSize bytes)
{
    const vtc_caps *cp = &ctx->caps;
    return cp->texel_views && (td->role & VTC_ROLE_INPUT) && (dtype == VTC_DTYPE_F32 || dtype == VTC_DTYPE_F16) &&
           (cp->texel_dtypes & VTC_DTYPES(dtype)) && bytes >= texel_bytes(dtype) &&
           bytes <= texel_view_max(ctx, dtype);
}

/* The synchronous call's texel views (vtc_bound.texel), made before its
   commands are recorded and destroyed once vtc has waited for them; each
   runs from its tensor to the io buffer's end (see above). */
static vtc_result texel_views_create(vtc_context ctx, vtc_bound *bound, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!bound[i].present || !bound[i].texel)
            continue;
        VkBufferViewCreateInfo vci = {VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
        vci.buffer = ctx->io.buffer;
        vci.format = texel_format(bound[i].dtype);
        vci.offset = bound[i].offset;
        vci.range = ctx->io.size - bound[i].offset;
        if (vci.range > texel_view_max(ctx, bound[i].dtype))
            vci.range = texel_view_max(ctx, bound[i].dtype);
        VkResult vr = ctx->vkd.vkCreateBufferView(ctx->device, &vci, NULL, &bound[i].texel_view);
        if (vr != VK_SUCCESS) {
            bound[i].texel_view = VK_NULL_HANDLE;
            return vtc_vk_fail(ctx, vr, "vkCreateBufferView");
        }
        /* not in objects_created: the call's own, like the descriptor sets it takes (abi/vtc.h) */
    }
    return VTC_SUCCESS;
}

static void texel_views_destroy(vtc_context ctx, vtc_bound *bound, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (bound[i].texel_view) {
            ctx->vkd.vkDestroyBufferView(ctx->device, bound[i].texel_view, NULL);
            bound[i].texel_view = VK_NULL_HANDLE;
        }
}

/* Binds each used tensor: a device buffer where it lies, a host tensor at
   its offset in the io buffer (packed, `align`ed); *io_bytes their total. A host
   tensor that gets a texel view starts on a VTC_TEXEL_ALIGN boundary. */
static vtc_result bind_tensors(vtc_context ctx, vtc_call *c, uint32_t dev_float, int recording, VkDeviceSize align,
                               VkDeviceSize *io_bytes, const char *name)
{
    const vtc_plan *plan = &c->plan;
    const vtc_op_desc *d = plan->desc;
    vtc_bound *bound = c->bound;
    *io_bytes = 0;
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_tensor *t = used_tensor(plan, i);
        const vtc_op_tensor_desc *td = &d->tensors[i];
        if (!t || vtc_tensor_count(t) == 0)
            continue;
        /* the float tensors travel in the device's float dtype (F16 staged as F32 without fp16 storage) */
        uint32_t dt = t->dtype == plan->float_dtype ? dev_float : t->dtype;
        bound[i].present = 1;
        bound[i].dtype = dt;
        if (t->buffer) {
            if (!(td->role & VTC_ROLE_STRIDED) && !vtc_tensor_contiguous(t))
                return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED,
                                "%s: %s must be contiguous when it is a device buffer (host tensors may be strided)",
                                name, td->name);
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
                                "%s: record mode needs device buffers, %s is a host pointer", name, td->name);
            VkDeviceSize bytes = (VkDeviceSize)vtc_tensor_count(t) * vtc_dtype_size(dt);
            if (bytes > ctx->caps.max_range)
                return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                                "%s: %s needs %llu bytes, more than the device's maxStorageBufferRange (%llu)",
                                name, td->name, (unsigned long long)bytes, (unsigned long long)ctx->caps.max_range);
            contiguous_strides(t, bound[i].stride);
            bound[i].texel = !recording && texel_wanted(ctx, td, dt, bytes);
            if (bound[i].texel)
                *io_bytes = align_up(*io_bytes, VTC_TEXEL_ALIGN);
            c->io_off[i] = *io_bytes;
            bound[i].offset = *io_bytes;
            bound[i].range = align_up(bytes, 4);
            *io_bytes = align_up(*io_bytes + bound[i].range, align);
        }
    }
    return VTC_SUCCESS;
}

/* Scratch: the host's (record mode: checked against the plan's need and
   the offset alignment), else the io buffer's tail after the host tensors. */
static vtc_result bind_scratch(vtc_context ctx, vtc_call *c, const vtc_exec *exec, int recording, VkDeviceSize align,
                               VkDeviceSize io_bytes, const char *name)
{
    const vtc_plan *plan = &c->plan;
    vtc_recorder *rec = &c->rec;
    if (recording) {
        if (plan->scratch_bytes) {
            if (!exec->scratch || exec->scratch_size < plan->scratch_bytes)
                return vtc_fail(ctx, VTC_ERROR_SCRATCH_TOO_SMALL, "%s: needs %llu scratch bytes, exec gives %llu",
                                name, (unsigned long long)plan->scratch_bytes,
                                (unsigned long long)(exec->scratch ? exec->scratch_size : 0));
            if (exec->scratch_offset % ctx->caps.offset_align)
                return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: scratch_offset is not storage-offset aligned",
                                name);
            rec->scratch.buffer = exec->scratch;
            rec->scratch.offset = exec->scratch_offset;
            rec->scratch.range = plan->scratch_bytes;
            rec->scratch.present = 1;
        }
        c->io_bytes = 0;
    } else {
        /* io buffer = packed host tensors, then scratch */
        if (plan->scratch_bytes) {
            rec->scratch.offset = io_bytes;
            rec->scratch.range = plan->scratch_bytes;
            rec->scratch.present = 1;
        }
        c->io_bytes = align_up(io_bytes + plan->scratch_bytes, align);
    }
    return VTC_SUCCESS;
}

static vtc_result call_validate(vtc_context ctx, uint32_t op, const void *args, const vtc_exec *exec, int recording,
                                const char *fn, vtc_call *c)
{
    if (!ctx)
        return vtc_fail(NULL, VTC_ERROR_INVALID_ARGUMENT, "%scontext is NULL", fn);
    const vtc_op_def *def = vtc_op_find(op);
    if (!def)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%sunknown op %u", fn, op);
    const char *name = def->desc->name;
    vtc_result r = vtc_args_check(ctx, def, args, name);
    if (r)
        return r;
    if (exec && exec->size && exec->size < sizeof(vtc_exec))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: exec.size %u is smaller than v1", name, exec->size);
    if (exec && exec->flags)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: exec.flags 0x%x: no vtc_exec flag is defined, it must be 0",
                        name, exec->flags);

    memset(c, 0, sizeof(*c));
    c->def = def;
    vtc_plan *plan = &c->plan;
    r = plan_call(ctx, def, args, plan);
    if (r)
        return r;
    if (!plan->float_dtype)
        plan->float_dtype = VTC_DTYPE_F32;
    uint32_t dev_float = vtc_caps_device_float(&ctx->caps, plan->float_dtype);
    r = check_float_storage(ctx, plan, dev_float, recording, name);
    if (r)
        return r;
    const VkDeviceSize align = ctx->caps.offset_align > 256 ? ctx->caps.offset_align : 256;
    VkDeviceSize io_bytes;
    r = bind_tensors(ctx, c, dev_float, recording, align, &io_bytes, name);
    if (r)
        return r;
    vtc_recorder *rec = &c->rec;
    rec->ctx = ctx;
    rec->float_dtype = dev_float;
    rec->use_subgroup = vtc_caps_use_subgroup(&ctx->caps);
    return bind_scratch(ctx, c, exec, recording, align, io_bytes, name);
}

/* The prepare step: everything that can fail before a command is written.
   The op's hook creates its data, then record() runs in prepare mode, which
   creates every pipeline it would bind and checks every grid. */
static vtc_result call_prepare(vtc_context ctx, vtc_call *c)
{
    vtc_result r;
    if (c->def->prepare && (r = c->def->prepare(ctx, &c->plan)))
        return r;
    /* Failing at context creation and again now, 256 bytes are not a passing
       shortage: the device gives no memory at all. */
    if (!ctx->caps.compile_only && (r = vtc_dummy_ensure(ctx)))
        return ctx->no_memory_at_create
                   ? vtc_fail(ctx, VTC_ERROR_UNSUPPORTED,
                              "%s: this device gives no device memory (vkAllocateMemory of 256 bytes fails since "
                              "context creation): it cannot run calls (a compile-only device such as RADV's null "
                              "device?); vtc_prepare with VTC_CONTEXT_COMPILE_ONLY still compiles", c->def->desc->name)
                   : r;
    vtc_recorder pr = c->rec;
    pr.cmd = VK_NULL_HANDLE;
    pr.prepare_only = 1;
    pr.dispatches = 0;
    r = c->def->record(ctx, &c->plan, c->bound, &pr);
    /* the list of binding counts belongs to the call (call_release frees it) */
    c->rec.dset_nbind = pr.dset_nbind;
    c->rec.dset_count = pr.dset_count;
    c->rec.dset_cap = pr.dset_cap;
    return r;
}

/* Without push descriptors: one set per dispatch, allocated now, before a
   command is written. A synchronous call's predecessor has completed (vtc
   waited for it), so its sets are reused. */
static vtc_result call_alloc_sets(vtc_context ctx, vtc_call *c, int recording)
{
    if (ctx->push_descriptors || !c->rec.dset_count)
        return VTC_SUCCESS;
    if (!recording)
        vtc_dsets_reset_sync(ctx);
    c->rec.dsets = vtc_alloc(ctx, c->rec.dset_count * sizeof(VkDescriptorSet));
    if (!c->rec.dsets)
        return vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "out of host memory (descriptor sets)");
    return vtc_dsets_alloc(ctx, recording, c->rec.dset_nbind, c->rec.dset_count, c->rec.dsets);
}

/* The call's host-side lists (the sets themselves stay in their pools). */
static void call_release(vtc_context ctx, vtc_call *c)
{
    vtc_free(ctx, c->rec.dset_nbind);
    vtc_free(ctx, c->rec.dsets);
    c->rec.dset_nbind = NULL;
    c->rec.dsets = NULL;
}

/* The typed queries and the generic one: plan only, nothing allocated. */
vtc_result vtc_query_scratch_op(vtc_context ctx, const char *caller, uint32_t op, const void *args,
                                uint64_t *scratch_bytes)
{
    if (!ctx || !scratch_bytes)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: NULL argument", caller);
    const vtc_op_def *def = vtc_op_find(op);
    if (!def)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: unknown op %u", caller, op);
    vtc_result r = vtc_args_check(ctx, def, args, caller);
    if (r)
        return r;
    vtc_plan plan;
    r = plan_call(ctx, def, args, &plan);
    if (r)
        return r;
    *scratch_bytes = plan.scratch_bytes;
    return VTC_SUCCESS;
}

/* The synchronous path's staging and scratch buffer, grown to `bytes`. */
static vtc_result io_ensure(vtc_context ctx, VkDeviceSize bytes)
{
    if (bytes <= ctx->io.size)
        return VTC_SUCCESS;
    vtc_buf_destroy(ctx, &ctx->io);
    /* whole MiB, never a power of two (texel views: see VTC_TEXEL_ALIGN) */
    VkDeviceSize mib = align_up(bytes, (VkDeviceSize)1 << 20) >> 20;
    if (!(mib & (mib - 1)))
        mib += mib > 1 ? 1 : 2;
    return vtc_buf_create(ctx, mib << 20, &ctx->io);
}

/* ---- warm-up --------------------------------------------------------- */
/* lavapipe (Mesa's llvmpipe, the CPU device) only translates SPIR-V to NIR
   in vkCreateComputePipelines and JIT-compiles a pipeline with LLVM at its
   first dispatch: that made a first VisionZip call after vtc_prepare cost
   ~10x the next. A dispatch of no workgroups compiles it and runs nothing,
   so vtc_prepare records one per pipeline not yet warmed and waits for it.
   GPU drivers compile at creation and are spared the submission. */
static int compiles_at_first_dispatch(vtc_context ctx)
{
    return ctx->info.device_type == VK_PHYSICAL_DEVICE_TYPE_CPU;
}

typedef struct warm_state {
    vtc_context ctx;
    vtc_buf buf;             /* binding b at b * stride: no two bindings alias (synchronization validation) */
    VkDeviceSize stride;
    vtc_pipeline **p;
    VkDescriptorSet *sets;   /* without push descriptors: one per pipeline with bindings, in order */
    VkBufferView views[2];   /* samplerBuffer bindings of f32, f16 builds: as a call's (VTC_TEXEL_ALIGN) */
    uint32_t n;
} warm_state;

static vtc_result warm_record(void *user, VkCommandBuffer cmd)
{
    warm_state *w = user;
    vtc_context ctx = w->ctx;
    const vk_device_table *d = &ctx->vkd;
    static const uint8_t zeros[VTC_PUSH_BYTES];
    VkDescriptorBufferInfo bi[VTC_MAX_BINDINGS];
    VkWriteDescriptorSet wr[VTC_MAX_BINDINGS];
    for (uint32_t b = 0; b < VTC_MAX_BINDINGS; b++) {
        bi[b].buffer = w->buf.buffer;
        bi[b].offset = b * w->stride;
        bi[b].range = w->stride;
    }
    uint32_t next_set = 0;
    VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    for (uint32_t i = 0; i < w->n; i++) {
        const vtc_pipeline *p = w->p[i];
        d->vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1,
                                &mb, 0, NULL, 0, NULL);
        d->vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipeline);
        VkDescriptorSet set = p->nbind && !ctx->push_descriptors ? w->sets[next_set++] : VK_NULL_HANDLE;
        for (uint32_t b = 0; b < p->nbind; b++) {
            memset(&wr[b], 0, sizeof(wr[b]));
            wr[b].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
            wr[b].dstSet = set;
            wr[b].dstBinding = b;
            wr[b].descriptorCount = 1;
            if (p->texel_mask >> b & 1u) {
                wr[b].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
                wr[b].pTexelBufferView = &w->views[strstr(p->name, ".f16.") != NULL];
            } else {
                wr[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
                wr[b].pBufferInfo = &bi[b];
            }
        }
        if (p->nbind && ctx->push_descriptors) {
            d->vkCmdPushDescriptorSetKHR(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, p->nbind, wr);
        } else if (p->nbind) {
            d->vkUpdateDescriptorSets(ctx->device, p->nbind, wr, 0, NULL);
            d->vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &set, 0, NULL);
        }
        d->vkCmdPushConstants(cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, VTC_PUSH_BYTES, zeros);
        d->vkCmdDispatch(cmd, 0, 0, 0);
    }
    return VTC_SUCCESS;
}

static vtc_result warm_pipelines(vtc_context ctx)
{
    uint32_t n = 0, nsets = 0, texel = 0;
    for (vtc_pipeline *p = ctx->pipelines; p; p = p->next)
        if (!p->warmed) {
            n++;
            nsets += p->nbind != 0;
            texel |= p->texel_mask;
        }
    if (!n)
        return VTC_SUCCESS;
    vtc_result r = VTC_SUCCESS;
    warm_state w;
    memset(&w, 0, sizeof(w));
    w.ctx = ctx;
    w.p = vtc_alloc(ctx, n * sizeof(vtc_pipeline *));
    w.stride = ctx->caps.offset_align > 16 ? ctx->caps.offset_align : 16;
    uint8_t *nbind = vtc_alloc(ctx, nsets ? nsets : 1);
    if (!ctx->push_descriptors && nsets)
        w.sets = vtc_alloc(ctx, nsets * sizeof(VkDescriptorSet));
    if (!w.p || !nbind || (!ctx->push_descriptors && nsets && !w.sets)) {
        r = vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "out of host memory (pipeline warm-up)");
        goto out;
    }
    nsets = 0;
    for (vtc_pipeline *p = ctx->pipelines; p; p = p->next)
        if (!p->warmed) {
            w.p[w.n++] = p;
            if (p->nbind)
                nbind[nsets++] = p->set_code;
        }
    /* with samplerBuffer bindings: the storage buffers in the first
       VTC_TEXEL_ALIGN bytes, then the views over the next two blocks, in a
       buffer of three (not a power of two): a call's views' static state */
    VkDeviceSize size = VTC_MAX_BINDINGS * w.stride;
    if (texel)
        size = 3 * VTC_TEXEL_ALIGN > size ? 3 * VTC_TEXEL_ALIGN : size + 2 * VTC_TEXEL_ALIGN;
    if ((r = vtc_buf_create(ctx, size, &w.buf)))
        goto out;
    for (uint32_t f = 0; f < 2 && texel; f++) {
        uint32_t dt = f ? VTC_DTYPE_F16 : VTC_DTYPE_F32;
        if (!(ctx->caps.texel_dtypes & VTC_DTYPES(dt)))
            continue;
        VkBufferViewCreateInfo vci = {VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
        vci.buffer = w.buf.buffer;
        vci.format = texel_format(dt);
        vci.offset = size - 2 * VTC_TEXEL_ALIGN;
        vci.range = 2 * VTC_TEXEL_ALIGN;
        VkResult vr = ctx->vkd.vkCreateBufferView(ctx->device, &vci, NULL, &w.views[f]);
        if (vr != VK_SUCCESS) {
            w.views[f] = VK_NULL_HANDLE;
            r = vtc_vk_fail(ctx, vr, "vkCreateBufferView");
            goto out;
        }
    }
    if (w.sets) {
        /* a synchronous call waits for its predecessor, this one included */
        vtc_dsets_reset_sync(ctx);
        if ((r = vtc_dsets_alloc(ctx, 0, nbind, nsets, w.sets)))
            goto out;
    }
    const uint64_t t0 = vtc_now_ns(), gpu_ns = ctx->last_gpu_time_ns;
    r = submit_sync(ctx, warm_record, &w);
    ctx->last_gpu_time_ns = gpu_ns; /* the statistic is the last call's */
    ctx->compile_ns += vtc_now_ns() - t0;
    if (!r) {
        for (uint32_t i = 0; i < w.n; i++)
            w.p[i]->warmed = 1;
        ctx->pipelines_warmed += w.n;
    }
out:
    for (uint32_t f = 0; f < 2; f++)
        if (w.views[f])
            ctx->vkd.vkDestroyBufferView(ctx->device, w.views[f], NULL);
    vtc_buf_destroy(ctx, &w.buf);
    vtc_free(ctx, w.p);
    vtc_free(ctx, w.sets);
    vtc_free(ctx, nbind);
    return r;
}

/* After the prepare step, what the call itself would otherwise create at its
   start: a synchronous call's command buffer, fence and timestamps and its
   staging buffer (when a tensor is in host memory: that call is
   synchronous), descriptor pools with room for its sets, and, where the
   driver compiles at the first dispatch, that compile. A call with device
   tensors only may be recorded into the host's command buffer with the
   host's scratch, so no staging is made for it. */
static vtc_result prepare_execution(vtc_context ctx, const vtc_call *c)
{
    int host_tensors = 0;
    for (uint32_t i = 0; i < c->plan.desc->ntensors; i++)
        host_tensors |= c->bound[i].present && !vtc_plan_tensor(&c->plan, i)->buffer;
    const int warm = compiles_at_first_dispatch(ctx);
    vtc_result r;
    if ((host_tensors || warm) && (r = sync_objects_ensure(ctx)))
        return r;
    if (host_tensors && c->io_bytes > ctx->io.size) {
        if ((r = io_ensure(ctx, c->io_bytes)))
            return r;
        /* fresh pages fault on first touch: 60 ms of a first composite call
           staging 32 MB on lavapipe went to the kernel, not to vtc */
        memset(ctx->io.mapped, 0, (size_t)ctx->io.size);
        vtc_buf_flush(ctx, &ctx->io);
    }
    if (warm && (r = warm_pipelines(ctx)))
        return r;
    if (!ctx->push_descriptors && c->rec.dset_count && (r = vtc_dsets_reserve(ctx, c->rec.dset_count)))
        return r;
    return VTC_SUCCESS;
}

/* The args tell the prepare step every tensor's offset, but not record
   mode's scratch_offset (vtc_exec): ops choose vec4 variants from their
   bindings' alignment, and a scratch slice is as aligned as the host's
   scratch_offset. Where the device allows offsets that are not 16-byte
   aligned, the prepare pass runs again at each such residue, so whatever
   scratch_offset the call brings finds its pipelines made. */
static vtc_result prepare_scratch_offsets(vtc_context ctx, vtc_call *c)
{
    const VkDeviceSize a = ctx->caps.offset_align ? ctx->caps.offset_align : 4;
    vtc_result r = VTC_SUCCESS;
    if (!c->plan.scratch_bytes)
        return r;
    for (VkDeviceSize shift = a; shift < 16 && !r; shift += a) {
        vtc_recorder pr = c->rec;
        pr.cmd = VK_NULL_HANDLE;
        pr.prepare_only = 1;
        pr.dispatches = 0;
        pr.dset_nbind = NULL;
        pr.dset_count = pr.dset_cap = 0;
        pr.scratch.offset += shift;
        r = c->def->record(ctx, &c->plan, c->bound, &pr);
        vtc_free(ctx, pr.dset_nbind);
    }
    return r;
}

vtc_result vtc_prepare_op(vtc_context ctx, uint32_t op, const void *args)
{
    vtc_call call;
    vtc_result r = call_validate(ctx, op, args, NULL, 0, "vtc_prepare: ", &call);
    if (!r)
        r = call_prepare(ctx, &call);
    /* compile-only contexts list what a call selects (`vtc pipelines`, the
       portability suite), not every alignment's variant */
    if (!r && !ctx->caps.compile_only)
        r = prepare_scratch_offsets(ctx, &call);
    if (!r && !ctx->caps.compile_only)
        r = prepare_execution(ctx, &call);
    call_release(ctx, &call);
    return r;
}

vtc_result vtc_run_op(vtc_context ctx, uint32_t op, const void *args, const vtc_exec *exec)
{
    int recording = exec && exec->cmd;
    vtc_call call, *c = &call;
    vtc_result r = call_validate(ctx, op, args, exec, recording, "", c);
    if (r)
        return r;
    if (ctx->caps.compile_only)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "%s: the context was created VTC_CONTEXT_COMPILE_ONLY: "
                        "vtc_prepare compiles, calls do not run", c->def->desc->name);
    if ((r = call_prepare(ctx, c)))
        goto out;
    const vtc_op_def *def = c->def;
    vtc_plan *plan = &c->plan;
    vtc_bound *bound = c->bound;
    vtc_recorder *rec = &c->rec;

    if (recording) {
        if ((r = call_alloc_sets(ctx, c, 1)))
            goto out;
        rec->cmd = exec->cmd;
        r = def->record(ctx, plan, bound, rec);
        if (!r) {
            ctx->calls++;
            ctx->dispatches += rec->dispatches;
        }
        goto out;
    }

    if ((r = io_ensure(ctx, c->io_bytes)))
        goto out;
    if ((r = call_alloc_sets(ctx, c, 0)))
        goto out;
    uint8_t *base = ctx->io.mapped;
    const vtc_op_desc *d = plan->desc;
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&d->tensors[i], args);
        if (!bound[i].present || t->buffer)
            continue;
        bound[i].buffer = ctx->io.buffer;
        if (d->tensors[i].role & VTC_ROLE_INPUT)
            transfer(t, bound[i].dtype, base + c->io_off[i], 1);
    }
    if (plan->scratch_bytes)
        rec->scratch.buffer = ctx->io.buffer;
    vtc_buf_flush(ctx, &ctx->io);
    if ((r = texel_views_create(ctx, bound, d->ntensors)))
        goto out;
    run_state st = {ctx, def, plan, bound, rec};
    if ((r = submit_sync(ctx, record_op, &st)))
        goto out;
    vtc_buf_invalidate(ctx, &ctx->io);
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&d->tensors[i], args);
        if (bound[i].present && !t->buffer && (d->tensors[i].role & VTC_ROLE_OUTPUT))
            transfer(t, bound[i].dtype, base + c->io_off[i], 0);
    }
    ctx->calls++;
    ctx->dispatches += rec->dispatches;
out:
    texel_views_destroy(ctx, c->bound, VTC_OP_DESC_MAX_TENSORS);
    call_release(ctx, c);
    return r;
}
