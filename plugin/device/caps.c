/*
 * The device's capability policy, in one place: which of the device's
 * features a context uses (less the environment's and the context flags'
 * switches, less push descriptors under GPU-assisted validation), whether
 * ops pick the CPU-tuned variants, and, per call, the float dtype the
 * device stores and whether kernels take their subgroup variant. Ops read
 * the outcome (vtc_caps, op.h); nothing else decides it.
 */
#include "device.h"

uint32_t vtc_caps_usable_features(uint32_t supported, uint32_t flags)
{
    uint32_t f = supported;
    if (vtc_env_flag("VTC_DISABLE_F16") || (flags & VTC_CONTEXT_DISABLE_F16))
        f &= ~(VTC_FEATURE_F16_STORAGE | VTC_FEATURE_F16_ARITHMETIC);
    if (vtc_env_flag("VTC_DISABLE_SUBGROUP_OPS") || (flags & VTC_CONTEXT_DISABLE_SUBGROUP))
        f &= ~VTC_FEATURE_SUBGROUP_ARITH;
    if (vtc_env_flag("VTC_DISABLE_PUSH_DESCRIPTOR") || (flags & VTC_CONTEXT_DISABLE_PUSH_DESCRIPTOR))
        f &= ~VTC_FEATURE_PUSH_DESCRIPTOR;
    return f;
}

void vtc_caps_settle(vtc_context ctx, uint32_t flags)
{
    /* GPU-assisted validation (VTC_VALIDATION=gpu, also in a host's environment):
       this layer generation does not track push descriptors (it reports every
       binding uninitialized and zeroes the reads), so vtc binds its own
       descriptor sets, the path of a device without push descriptors */
    if (vtc_validation_mode(flags) == VTC_VALIDATE_GPU && ctx->push_descriptors) {
        ctx->push_descriptors = 0;
        ctx->caps.features &= ~VTC_FEATURE_PUSH_DESCRIPTOR;
        ctx->info.features = ctx->caps.features;
    }
    /* register blocking wins on CPU devices, shared-memory tiling on GPUs;
       VTC_FORCE_GPU_VARIANTS runs the GPU ones on lavapipe for testing */
    ctx->caps.cpu_variants = ctx->info.device_type == VK_PHYSICAL_DEVICE_TYPE_CPU &&
                             !(flags & VTC_CONTEXT_GPU_VARIANTS) && !vtc_env_flag("VTC_FORCE_GPU_VARIANTS");
    ctx->caps.device_type = (uint32_t)ctx->info.device_type;
    /* only the CPU-tuned kernels read rows through texel views (llvmpipe
       vectorises texel fetches, not storage-buffer loads in loops), from
       views that start on VTC_TEXEL_ALIGN boundaries; VTC_DISABLE_TEXEL_VIEWS keeps their
       storage-buffer twins (record mode's) tested on synchronous calls */
    ctx->caps.texel_views = ctx->caps.cpu_variants && ctx->caps.texel_dtypes &&
                            VTC_TEXEL_ALIGN % ctx->caps.texel_offset_align == 0 &&
                            ctx->caps.max_texels >= VTC_TEXEL_ALIGN / 4 && !vtc_env_flag("VTC_DISABLE_TEXEL_VIEWS");
    ctx->caps.max_shared_memory = ctx->info.max_shared_memory;
}

uint32_t vtc_caps_device_float(const vtc_caps *caps, uint32_t float_dtype)
{
    /* without fp16 storage, host fp16 tensors are converted while staging */
    if (float_dtype == VTC_DTYPE_F16 && !(caps->features & VTC_FEATURE_F16_STORAGE))
        return VTC_DTYPE_F32;
    return float_dtype ? float_dtype : VTC_DTYPE_F32;
}

int vtc_caps_use_subgroup(const vtc_caps *caps)
{
    return (caps->features & VTC_FEATURE_SUBGROUP_ARITH) != 0;
}
