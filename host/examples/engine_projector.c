#include "engine_projector.h"
#include "engine_projector_spv.h" /* generated at build time by glslangValidator --vn */

#include <string.h>

typedef struct projector_push {
    uint32_t rows, D, E;
} projector_push;

int engine_projector_create(engine_vk *e, engine_projector *p)
{
    memset(p, 0, sizeof(*p));
    const engine_vk_fn *f = &e->fn;
    VkShaderModuleCreateInfo smi = {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    smi.codeSize = sizeof(engine_projector_spv);
    smi.pCode = engine_projector_spv;
    VkDescriptorSetLayoutBinding b[4];
    memset(b, 0, sizeof(b));
    for (uint32_t i = 0; i < 4; i++) {
        b[i].binding = i;
        b[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        b[i].descriptorCount = 1;
        b[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo dli = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    dli.bindingCount = 4;
    dli.pBindings = b;
    VkPushConstantRange pc = {VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(projector_push)};
    VkDescriptorPoolSize ps = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 4};
    VkDescriptorPoolCreateInfo dpi = {VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    dpi.maxSets = 1;
    dpi.poolSizeCount = 1;
    dpi.pPoolSizes = &ps;
    if (f->vkCreateShaderModule(e->device, &smi, NULL, &p->module) != VK_SUCCESS ||
        f->vkCreateDescriptorSetLayout(e->device, &dli, NULL, &p->set_layout) != VK_SUCCESS ||
        f->vkCreateDescriptorPool(e->device, &dpi, NULL, &p->pool) != VK_SUCCESS)
        goto fail;
    VkPipelineLayoutCreateInfo pli = {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pli.setLayoutCount = 1;
    pli.pSetLayouts = &p->set_layout;
    pli.pushConstantRangeCount = 1;
    pli.pPushConstantRanges = &pc;
    VkDescriptorSetAllocateInfo dai = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    dai.descriptorPool = p->pool;
    dai.descriptorSetCount = 1;
    dai.pSetLayouts = &p->set_layout;
    if (f->vkCreatePipelineLayout(e->device, &pli, NULL, &p->layout) != VK_SUCCESS ||
        f->vkAllocateDescriptorSets(e->device, &dai, &p->set) != VK_SUCCESS)
        goto fail;
    VkComputePipelineCreateInfo cpi = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    cpi.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    cpi.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    cpi.stage.module = p->module;
    cpi.stage.pName = "main";
    cpi.layout = p->layout;
    if (f->vkCreateComputePipelines(e->device, VK_NULL_HANDLE, 1, &cpi, NULL, &p->pipeline) != VK_SUCCESS)
        goto fail;
    return 0;
fail:
    engine_projector_destroy(e, p);
    return -1;
}

void engine_projector_bind(engine_vk *e, engine_projector *p, engine_range x, engine_range w, engine_range b,
                           engine_range y)
{
    engine_range r[4] = {x, w, b, y};
    VkDescriptorBufferInfo bi[4];
    VkWriteDescriptorSet wr[4];
    memset(wr, 0, sizeof(wr));
    for (int i = 0; i < 4; i++) {
        bi[i].buffer = r[i].buffer;
        bi[i].offset = r[i].offset;
        bi[i].range = r[i].bytes;
        wr[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        wr[i].dstSet = p->set;
        wr[i].dstBinding = (uint32_t)i;
        wr[i].descriptorCount = 1;
        wr[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        wr[i].pBufferInfo = &bi[i];
    }
    e->fn.vkUpdateDescriptorSets(e->device, 4, wr, 0, NULL);
}

void engine_projector_record(engine_vk *e, engine_projector *p, VkCommandBuffer cmd, uint32_t rows, uint32_t D,
                             uint32_t E)
{
    projector_push pc = {rows, D, E};
    e->fn.vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipeline);
    e->fn.vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &p->set, 0, NULL);
    e->fn.vkCmdPushConstants(cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(pc), &pc);
    e->fn.vkCmdDispatch(cmd, (rows * E + 63) / 64, 1, 1);
}

void engine_projector_destroy(engine_vk *e, engine_projector *p)
{
    const engine_vk_fn *f = &e->fn;
    if (p->pipeline)
        f->vkDestroyPipeline(e->device, p->pipeline, NULL);
    if (p->layout)
        f->vkDestroyPipelineLayout(e->device, p->layout, NULL);
    if (p->pool)
        f->vkDestroyDescriptorPool(e->device, p->pool, NULL); /* frees the set */
    if (p->set_layout)
        f->vkDestroyDescriptorSetLayout(e->device, p->set_layout, NULL);
    if (p->module)
        f->vkDestroyShaderModule(e->device, p->module, NULL);
    memset(p, 0, sizeof(*p));
}

void engine_projector_ref(const float *x, const float *w, const float *b, int rows, int D, int E, float *y)
{
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < E; j++) {
            double acc = b[j];
            for (int d = 0; d < D; d++)
                acc += (double)x[(size_t)r * D + d] * w[(size_t)d * E + j];
            y[(size_t)r * E + j] = (float)acc;
        }
}
