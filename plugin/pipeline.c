/*
 * Lazy compute pipelines from the embedded SPIR-V, with a VkPipelineCache.
 * Layouts: set 0 holds `nbind` storage buffers (push descriptors), plus 128
 * bytes of push constants; one layout per binding count, shared by pipelines.
 */
#include "context.h"
#include "spirv_blobs.h"

#include <stdio.h>
#include <string.h>

static const vtc_spirv_blob *find_blob(const char *name)
{
    size_t lo = 0, hi = vtc_spirv_blob_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(vtc_spirv_blobs[mid].name, name);
        if (!c)
            return &vtc_spirv_blobs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static vtc_result get_layout(vtc_context ctx, uint32_t nbind, VkPipelineLayout *out)
{
    if (ctx->layouts[nbind]) {
        *out = ctx->layouts[nbind];
        return VTC_SUCCESS;
    }
    VkDescriptorSetLayoutBinding b[VTC_MAX_BINDINGS];
    for (uint32_t i = 0; i < nbind; i++) {
        memset(&b[i], 0, sizeof(b[i]));
        b[i].binding = i;
        b[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        b[i].descriptorCount = 1;
        b[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo dci = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    dci.flags = ctx->descriptor_sets ? 0 : VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
    dci.bindingCount = nbind;
    dci.pBindings = b;
    /* A set layout left by an earlier call whose pipeline layout failed is
       reused, not created again (that leaked it). Handles are stored only on
       success: a failed vkCreate* leaves its output undefined. */
    if (!ctx->set_layouts[nbind]) {
        VkDescriptorSetLayout sl;
        VK_CHECK(ctx, ctx->vkd.vkCreateDescriptorSetLayout(ctx->device, &dci, NULL, &sl));
        ctx->set_layouts[nbind] = sl;
    }
    VkPushConstantRange pcr = {VK_SHADER_STAGE_COMPUTE_BIT, 0, VTC_PUSH_BYTES};
    VkPipelineLayoutCreateInfo lci = {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    lci.setLayoutCount = 1;
    lci.pSetLayouts = &ctx->set_layouts[nbind];
    lci.pushConstantRangeCount = 1;
    lci.pPushConstantRanges = &pcr;
    VkPipelineLayout pl;
    VK_CHECK(ctx, ctx->vkd.vkCreatePipelineLayout(ctx->device, &lci, NULL, &pl));
    ctx->layouts[nbind] = pl;
    *out = pl;
    return VTC_SUCCESS;
}

vtc_result vtc_pipeline_get(vtc_context ctx, const char *name, uint32_t nbind, uint32_t local_x,
                            const uint32_t *spec, uint32_t nspec, vtc_pipeline **out)
{
    if (nbind > VTC_MAX_BINDINGS || nspec + 2 > VTC_MAX_SPEC)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "internal: pipeline %s: too many bindings/constants", name);
    uint32_t all[VTC_MAX_SPEC];
    all[0] = ctx->subgroup_size;
    all[1] = local_x;
    for (uint32_t i = 0; i < nspec; i++)
        all[2 + i] = spec[i];
    uint32_t nall = nspec + 2;

    for (vtc_pipeline *p = ctx->pipelines; p; p = p->next)
        if (p->nbind == nbind && p->nspec == nall && !strcmp(p->name, name) &&
            !memcmp(p->spec, all, nall * sizeof(uint32_t))) {
            *out = p;
            return VTC_SUCCESS;
        }

    const vtc_spirv_blob *blob = find_blob(name);
    if (!blob)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "internal: no shader '%s' in this build", name);
    if (local_x == 0 || local_x > ctx->max_wg_size)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "%s: workgroup size %u exceeds the device limit %u", name, local_x,
                        ctx->max_wg_size);
    VkPipelineLayout layout = VK_NULL_HANDLE;
    vtc_result r = get_layout(ctx, nbind, &layout);
    if (r)
        return r;

    vtc_pipeline *p = vtc_calloc(ctx, sizeof(*p));
    if (!p)
        return vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "out of host memory (pipeline %s)", name);
    snprintf(p->name, sizeof(p->name), "%s", name);
    memcpy(p->spec, all, nall * sizeof(uint32_t));
    p->nspec = nall;
    p->nbind = nbind;
    p->layout = layout;

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
    vr = ctx->vkd.vkCreateComputePipelines(ctx->device, ctx->pipeline_cache, 1, &cpci, NULL, &p->pipeline);
    ctx->vkd.vkDestroyShaderModule(ctx->device, mod, NULL);
    if (vr != VK_SUCCESS) {
        vtc_free(ctx, p);
        return vtc_vk_fail(ctx, vr, "vkCreateComputePipelines");
    }
    p->next = ctx->pipelines;
    ctx->pipelines = p;
    ctx->pipelines_created++;
    *out = p;
    return VTC_SUCCESS;
}

/* descriptor_sets mode only: pools of VTC_POOL_SETS sets, chained, never reset. */
#define VTC_POOL_SETS 256
typedef struct vtc_desc_pool {
    VkDescriptorPool pool;
    uint32_t used;
    struct vtc_desc_pool *next;
} vtc_desc_pool;

vtc_result vtc_descriptor_set_alloc(vtc_context ctx, uint32_t nbind, VkDescriptorSet *out)
{
    VkPipelineLayout layout;
    vtc_result r = get_layout(ctx, nbind, &layout);
    if (r)
        return r;
    vtc_desc_pool *p = ctx->desc_pools;
    if (!p || p->used == VTC_POOL_SETS) {
        p = vtc_calloc(ctx, sizeof(*p));
        if (!p)
            return vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "out of host memory (descriptor pool)");
        VkDescriptorPoolSize ps = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, VTC_POOL_SETS * VTC_MAX_BINDINGS};
        VkDescriptorPoolCreateInfo pci = {VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
        pci.maxSets = VTC_POOL_SETS;
        pci.poolSizeCount = 1;
        pci.pPoolSizes = &ps;
        VkResult vr = ctx->vkd.vkCreateDescriptorPool(ctx->device, &pci, NULL, &p->pool);
        if (vr != VK_SUCCESS) {
            vtc_free(ctx, p);
            return vtc_vk_fail(ctx, vr, "vkCreateDescriptorPool");
        }
        p->next = ctx->desc_pools;
        ctx->desc_pools = p;
    }
    VkDescriptorSetAllocateInfo ai = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorPool = p->pool;
    ai.descriptorSetCount = 1;
    ai.pSetLayouts = &ctx->set_layouts[nbind];
    VK_CHECK(ctx, ctx->vkd.vkAllocateDescriptorSets(ctx->device, &ai, out));
    p->used++;
    return VTC_SUCCESS;
}

void vtc_pipelines_destroy(vtc_context ctx)
{
    while (ctx->desc_pools) {
        vtc_desc_pool *n = ctx->desc_pools->next;
        ctx->vkd.vkDestroyDescriptorPool(ctx->device, ctx->desc_pools->pool, NULL);
        vtc_free(ctx, ctx->desc_pools);
        ctx->desc_pools = n;
    }
    vtc_pipeline *p = ctx->pipelines;
    while (p) {
        vtc_pipeline *n = p->next;
        ctx->vkd.vkDestroyPipeline(ctx->device, p->pipeline, NULL);
        vtc_free(ctx, p);
        p = n;
    }
    ctx->pipelines = NULL;
    for (int i = 0; i <= VTC_MAX_BINDINGS; i++) {
        if (ctx->layouts[i])
            ctx->vkd.vkDestroyPipelineLayout(ctx->device, ctx->layouts[i], NULL);
        if (ctx->set_layouts[i])
            ctx->vkd.vkDestroyDescriptorSetLayout(ctx->device, ctx->set_layouts[i], NULL);
        ctx->layouts[i] = VK_NULL_HANDLE;
        ctx->set_layouts[i] = VK_NULL_HANDLE;
    }
}
