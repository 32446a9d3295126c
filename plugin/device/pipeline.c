/*
 * Lazy compute pipelines from the embedded SPIR-V, with a VkPipelineCache.
 * Layouts: set 0 holds `nbind` storage buffers (push descriptors, or sets
 * from descriptor_sets.c), plus 128
 * bytes of push constants; one layout per binding count, shared by pipelines.
 * A kernel with samplerBuffer bindings (its texel_mask) has uniform texel
 * buffers there, in a layout per (count, mask).
 */
#include "device.h"
#include "spirv_blobs.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t vtc_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Set 0's layout: `nbind` bindings, those in `mask` uniform texel buffers,
   the rest storage buffers; pushed, or allocated from vtc's pools
   (descriptor_sets.c). */
static vtc_result set_layout_create(vtc_context ctx, uint32_t nbind, uint32_t mask, VkDescriptorSetLayout *out)
{
    VkDescriptorSetLayoutBinding b[VTC_MAX_BINDINGS];
    for (uint32_t i = 0; i < nbind; i++) {
        memset(&b[i], 0, sizeof(b[i]));
        b[i].binding = i;
        b[i].descriptorType = (mask >> i & 1u) ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                                               : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        b[i].descriptorCount = 1;
        b[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo dci = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    dci.flags = ctx->push_descriptors ? VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR : 0;
    dci.bindingCount = nbind;
    dci.pBindings = b;
    VK_CHECK(ctx, ctx->vkd.vkCreateDescriptorSetLayout(ctx->device, &dci, NULL, out));
    ctx->objects_created++;
    return VTC_SUCCESS;
}

/* The pipeline layout over one set layout and the 128 bytes of push constants. */
static vtc_result pipeline_layout_create(vtc_context ctx, VkDescriptorSetLayout sl, VkPipelineLayout *out)
{
    VkPushConstantRange pcr = {VK_SHADER_STAGE_COMPUTE_BIT, 0, VTC_PUSH_BYTES};
    VkPipelineLayoutCreateInfo lci = {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    lci.setLayoutCount = 1;
    lci.pSetLayouts = &sl;
    lci.pushConstantRangeCount = 1;
    lci.pPushConstantRanges = &pcr;
    VK_CHECK(ctx, ctx->vkd.vkCreatePipelineLayout(ctx->device, &lci, NULL, out));
    ctx->objects_created++;
    return VTC_SUCCESS;
}

static vtc_result texel_layout(vtc_context ctx, uint32_t nbind, uint32_t mask, VkPipelineLayout *out, uint8_t *code)
{
    for (uint32_t i = 0; i < ctx->ntexel_layouts; i++)
        if (ctx->texel_layouts[i].nbind == nbind && ctx->texel_layouts[i].mask == mask) {
            *out = ctx->texel_layouts[i].layout;
            *code = (uint8_t)(VTC_TEXEL_SET_CODE0 + i);
            return VTC_SUCCESS;
        }
    if (ctx->ntexel_layouts == VTC_MAX_TEXEL_LAYOUTS)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "internal: no free texel layout slot");
    VkDescriptorSetLayout sl;
    VkPipelineLayout pl;
    vtc_result r = set_layout_create(ctx, nbind, mask, &sl);
    if (r)
        return r;
    if ((r = pipeline_layout_create(ctx, sl, &pl))) {
        ctx->vkd.vkDestroyDescriptorSetLayout(ctx->device, sl, NULL);
        return r;
    }
    *code = (uint8_t)(VTC_TEXEL_SET_CODE0 + ctx->ntexel_layouts);
    ctx->texel_layouts[ctx->ntexel_layouts++] = (struct vtc_texel_layout){nbind, mask, sl, pl};
    *out = pl;
    return VTC_SUCCESS;
}

static vtc_result get_layout(vtc_context ctx, uint32_t nbind, uint32_t texel_mask, VkPipelineLayout *out,
                             uint8_t *code)
{
    if (texel_mask)
        return texel_layout(ctx, nbind, texel_mask, out, code);
    *code = (uint8_t)nbind;
    if (ctx->layouts[nbind]) {
        *out = ctx->layouts[nbind];
        return VTC_SUCCESS;
    }
    /* A set layout left by an earlier call whose pipeline layout failed is
       reused, not created again (that leaked it). Handles are stored only on
       success: a failed vkCreate* leaves its output undefined. */
    vtc_result r;
    if (!ctx->set_layouts[nbind]) {
        VkDescriptorSetLayout sl;
        if ((r = set_layout_create(ctx, nbind, 0, &sl)))
            return r;
        ctx->set_layouts[nbind] = sl;
    }
    VkPipelineLayout pl;
    if ((r = pipeline_layout_create(ctx, ctx->set_layouts[nbind], &pl)))
        return r;
    ctx->layouts[nbind] = pl;
    *out = pl;
    return VTC_SUCCESS;
}

static uint32_t full_spec(vtc_context ctx, uint32_t local_x, const uint32_t *spec, uint32_t nspec, uint32_t *all)
{
    all[0] = ctx->caps.subgroup_size;
    all[1] = local_x;
    for (uint32_t i = 0; i < nspec; i++)
        all[2 + i] = spec[i];
    return nspec + 2;
}

vtc_pipeline *vtc_pipeline_find(vtc_context ctx, vtc_kernel kernel, const vtc_spirv_blob *blob, uint32_t nbind,
                                uint32_t local_x, const uint32_t *spec, uint32_t nspec)
{
    if ((unsigned)kernel >= VTC_KERNEL_COUNT || nbind > VTC_MAX_BINDINGS || nspec + 2 > VTC_MAX_SPEC)
        return NULL;
    uint32_t all[VTC_MAX_SPEC];
    uint32_t nall = full_spec(ctx, local_x, spec, nspec, all);
    for (vtc_pipeline *p = ctx->kernel_pipelines[kernel]; p; p = p->next_same)
        if (p->blob == blob && p->nbind == nbind && p->nspec == nall && !memcmp(p->spec, all, nall * sizeof(uint32_t)))
            return p;
    return NULL;
}

vtc_result vtc_pipeline_get(vtc_context ctx, vtc_kernel kernel, const vtc_spirv_blob *blob, uint32_t nbind,
                            uint32_t local_x, const uint32_t *spec, uint32_t nspec, vtc_pipeline **out)
{
    if ((unsigned)kernel >= VTC_KERNEL_COUNT || !blob)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "internal: kernel %d has no such build", (int)kernel);
    const char *name = blob->name;
    if (nbind > VTC_MAX_BINDINGS || nspec + 2 > VTC_MAX_SPEC)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "internal: pipeline %s: too many bindings/constants", name);
    if ((*out = vtc_pipeline_find(ctx, kernel, blob, nbind, local_x, spec, nspec)))
        return VTC_SUCCESS;
    uint32_t all[VTC_MAX_SPEC];
    uint32_t nall = full_spec(ctx, local_x, spec, nspec, all);

    if (local_x == 0 || local_x > ctx->caps.max_wg_size)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "%s: workgroup size %u exceeds the device limit %u", name, local_x,
                        ctx->caps.max_wg_size);
    VkPipelineLayout layout = VK_NULL_HANDLE;
    uint8_t set_code = 0;
    vtc_result r = get_layout(ctx, nbind, vtc_kernel_defs[kernel].texel_mask, &layout, &set_code);
    if (r)
        return r;

    vtc_pipeline *p = vtc_calloc(ctx, sizeof(*p));
    if (!p)
        return vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "out of host memory (pipeline %s)", name);
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->blob = blob;
    memcpy(p->spec, all, nall * sizeof(uint32_t));
    p->nspec = nall;
    p->nbind = nbind;
    p->texel_mask = vtc_kernel_defs[kernel].texel_mask;
    p->set_code = set_code;
    p->layout = layout;
    p->local_x = local_x;

    const uint64_t t0 = vtc_now_ns();
    VkShaderModuleCreateInfo smci = {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    smci.codeSize = blob->count * 4;
    smci.pCode = blob->words;
    VkShaderModule mod;
    VkResult vr = ctx->vkd.vkCreateShaderModule(ctx->device, &smci, NULL, &mod);
    if (vr != VK_SUCCESS) {
        vtc_free(ctx, p);
        return vtc_vk_fail(ctx, vr, "vkCreateShaderModule");
    }
    VkSpecializationMapEntry map[VTC_MAX_SPEC];
    for (uint32_t i = 0; i < nall; i++) {
        map[i].constantID = i;
        map[i].offset = i * 4;
        map[i].size = 4;
    }
    VkSpecializationInfo si = {nall, map, nall * 4, p->spec};
    VkComputePipelineCreateInfo cpci = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    cpci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    cpci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    cpci.stage.module = mod;
    cpci.stage.pName = "main";
    cpci.stage.pSpecializationInfo = &si;
    cpci.layout = layout;
    if (ctx->capture_stats)
        cpci.flags |= VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR;
    vr = ctx->vkd.vkCreateComputePipelines(ctx->device, ctx->pipeline_cache, 1, &cpci, NULL, &p->pipeline);
    ctx->vkd.vkDestroyShaderModule(ctx->device, mod, NULL);
    ctx->compile_ns += vtc_now_ns() - t0;
    if (vr != VK_SUCCESS) {
        vtc_free(ctx, p);
        return vtc_vk_fail(ctx, vr, "vkCreateComputePipelines");
    }
    p->next = ctx->pipelines;
    ctx->pipelines = p;
    p->next_same = ctx->kernel_pipelines[kernel];
    ctx->kernel_pipelines[kernel] = p;
    ctx->pipelines_created++;
    ctx->objects_created++;
    *out = p;
    return VTC_SUCCESS;
}

void vtc_pipelines_destroy(vtc_context ctx)
{
    vtc_pipeline *p = ctx->pipelines;
    while (p) {
        vtc_pipeline *n = p->next;
        ctx->vkd.vkDestroyPipeline(ctx->device, p->pipeline, NULL);
        vtc_free(ctx, p);
        p = n;
    }
    ctx->pipelines = NULL;
    memset(ctx->kernel_pipelines, 0, sizeof(ctx->kernel_pipelines));
    for (int i = 0; i <= VTC_MAX_BINDINGS; i++) {
        if (ctx->layouts[i])
            ctx->vkd.vkDestroyPipelineLayout(ctx->device, ctx->layouts[i], NULL);
        if (ctx->set_layouts[i])
            ctx->vkd.vkDestroyDescriptorSetLayout(ctx->device, ctx->set_layouts[i], NULL);
        ctx->layouts[i] = VK_NULL_HANDLE;
        ctx->set_layouts[i] = VK_NULL_HANDLE;
    }
    for (uint32_t i = 0; i < ctx->ntexel_layouts; i++) {
        ctx->vkd.vkDestroyPipelineLayout(ctx->device, ctx->texel_layouts[i].layout, NULL);
        ctx->vkd.vkDestroyDescriptorSetLayout(ctx->device, ctx->texel_layouts[i].set, NULL);
    }
    ctx->ntexel_layouts = 0;
}

/* ---- introspection (vtc_context_pipelines) ---------------------------- */
static void fill_stats(vtc_context ctx, const vtc_pipeline *p, vtc_pipeline_info *pi)
{
    if (!ctx->capture_stats)
        return;
    VkPipelineInfoKHR info = {VK_STRUCTURE_TYPE_PIPELINE_INFO_KHR};
    info.pipeline = p->pipeline;
    uint32_t nexe = 0;
    if (ctx->vkd.vkGetPipelineExecutablePropertiesKHR(ctx->device, &info, &nexe, NULL) != VK_SUCCESS || !nexe)
        return;
    pi->executables = nexe;
    VkPipelineExecutableInfoKHR ei = {VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_INFO_KHR};
    ei.pipeline = p->pipeline;
    ei.executableIndex = 0; /* a compute pipeline has one stage; drivers report one executable for it */
    uint32_t n = 0;
    if (ctx->vkd.vkGetPipelineExecutableStatisticsKHR(ctx->device, &ei, &n, NULL) != VK_SUCCESS)
        return;
    pi->has_statistics = 1;
    pi->stat_total = n;
    if (!n)
        return;
    VkPipelineExecutableStatisticKHR st[VTC_MAX_PIPELINE_STATS];
    uint32_t m = n < VTC_MAX_PIPELINE_STATS ? n : VTC_MAX_PIPELINE_STATS;
    for (uint32_t i = 0; i < m; i++) {
        memset(&st[i], 0, sizeof(st[i]));
        st[i].sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_STATISTIC_KHR;
    }
    VkResult vr = ctx->vkd.vkGetPipelineExecutableStatisticsKHR(ctx->device, &ei, &m, st);
    if (vr != VK_SUCCESS && vr != VK_INCOMPLETE)
        return;
    for (uint32_t i = 0; i < m; i++) {
        vtc_pipeline_stat *o = &pi->stats[i];
        snprintf(o->name, sizeof(o->name), "%s", st[i].name);
        switch (st[i].format) {
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_BOOL32_KHR:
            o->format = VTC_STAT_BOOL;
            o->u64 = st[i].value.b32 ? 1 : 0;
            break;
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR:
            o->format = VTC_STAT_INT64;
            o->i64 = st[i].value.i64;
            break;
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR:
            o->format = VTC_STAT_UINT64;
            o->u64 = st[i].value.u64;
            break;
        default:
            o->format = VTC_STAT_FLOAT64;
            o->f64 = st[i].value.f64;
            break;
        }
    }
    pi->stat_count = m;
}

static void fill_info(vtc_context ctx, const vtc_pipeline *p, uint32_t index, vtc_pipeline_info *pi)
{
    memset(pi, 0, sizeof(*pi));
    pi->size = sizeof(*pi);
    pi->index = index;
    /* blob names are "<shader>.<f32|f16>.<sh|sg>" */
    const char *dot = strchr(p->name, '.');
    size_t n = dot ? (size_t)(dot - p->name) : strlen(p->name);
    if (n >= sizeof(pi->shader))
        n = sizeof(pi->shader) - 1;
    memcpy(pi->shader, p->name, n);
    snprintf(pi->variant, sizeof(pi->variant), "%s", dot ? dot + 1 : "");
    pi->local_size[0] = p->local_x;
    pi->local_size[1] = 1;
    pi->local_size[2] = 1;
    pi->subgroup_size = p->spec[0];
    pi->spec_count = p->nspec < VTC_MAX_PIPELINE_SPEC ? p->nspec : VTC_MAX_PIPELINE_SPEC;
    memcpy(pi->spec, p->spec, pi->spec_count * sizeof(uint32_t));
    pi->bindings = p->nbind;
    fill_stats(ctx, p, pi);
}

VTC_API vtc_result vtc_context_pipelines(vtc_context ctx, uint32_t elem_size, vtc_pipeline_info *out, uint32_t *count)
{
    if (!ctx || !count)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "vtc_context_pipelines: ctx and count must not be NULL");
    if (*count && !out)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "vtc_context_pipelines: out is NULL but *count is %u", *count);
    if (elem_size == 0)
        elem_size = VTC_PIPELINE_INFO_SIZE_V1;
    if (elem_size < VTC_PIPELINE_INFO_SIZE_V1)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                        "vtc_context_pipelines: elem_size %u is smaller than the v1 vtc_pipeline_info (%u)", elem_size,
                        VTC_PIPELINE_INFO_SIZE_V1);
    /* caller-sized: a host built against a longer (newer) struct reads 0 in
       what this plugin does not know, an older one gets its prefix */
    const size_t fill = elem_size < sizeof(vtc_pipeline_info) ? elem_size : sizeof(vtc_pipeline_info);
    uint32_t total = 0;
    for (const vtc_pipeline *p = ctx->pipelines; p; p = p->next)
        total++;
    if (!out) {
        *count = total;
        return VTC_SUCCESS;
    }
    uint32_t want = *count < total ? *count : total;
    vtc_pipeline_info *pi = vtc_alloc(ctx, sizeof(*pi));
    if (!pi)
        return vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "vtc_context_pipelines: out of host memory");
    /* the list is newest first; entry i is the i-th created */
    for (uint32_t i = 0; i < want; i++) {
        const vtc_pipeline *p = ctx->pipelines;
        for (uint32_t k = 0; k < total - 1 - i; k++)
            p = p->next;
        fill_info(ctx, p, i, pi);
        pi->size = (uint32_t)fill;
        memcpy((char *)out + (size_t)i * elem_size, pi, fill);
        if (elem_size > fill)
            memset((char *)out + (size_t)i * elem_size + fill, 0, elem_size - fill);
    }
    vtc_free(ctx, pi);
    *count = want;
    return want < total ? VTC_INCOMPLETE : VTC_SUCCESS;
}
