/*
 * The example engine's consumer pipeline (engine_projector.comp): ordinary
 * descriptor sets, not push descriptors, so recording it after vtc shows
 * that the engine rebinds its own state (vtc leaves its pipeline bound).
 */
#ifndef ENGINE_PROJECTOR_H
#define ENGINE_PROJECTOR_H
#include "engine_vk.h"

typedef struct engine_projector {
    VkShaderModule module;
    VkDescriptorSetLayout set_layout;
    VkPipelineLayout layout;
    VkPipeline pipeline;
    VkDescriptorPool pool;
    VkDescriptorSet set;
} engine_projector;

/** A buffer range for one binding. */
typedef struct engine_range {
    VkBuffer buffer;
    VkDeviceSize offset, bytes;
} engine_range;

int engine_projector_create(engine_vk *e, engine_projector *p);
/** Points the set at x [rows][D], w [D][E], b [E] and y [rows][E]. */
void engine_projector_bind(engine_vk *e, engine_projector *p, engine_range x, engine_range w, engine_range b,
                           engine_range y);
/** Binds the pipeline and set, pushes the sizes, dispatches. */
void engine_projector_record(engine_vk *e, engine_projector *p, VkCommandBuffer cmd, uint32_t rows, uint32_t D,
                             uint32_t E);
void engine_projector_destroy(engine_vk *e, engine_projector *p);

/** The CPU reference, in double: y[r][j] = b[j] + sum_d x[r][d] w[d][j]. */
void engine_projector_ref(const float *x, const float *w, const float *b, int rows, int D, int E, float *y);

#endif
