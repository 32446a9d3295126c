/*
 * The example engine's consumer pipeline (host/examples/engine_projector.comp)
 * as the tests use it: ordinary descriptor sets, not push descriptors, so
 * recording it after vtc shows that the engine rebinds its own state (vtc
 * leaves its pipeline bound).
 */
#ifndef ENGINE_PROJECTOR_H
#define ENGINE_PROJECTOR_H
#include "host_vk.h"

typedef host_vk_pipeline engine_projector;

int engine_projector_create(host_vk *e, engine_projector *p);
/** Points the set at x [rows][D], w [D][E], b [E] and y [rows][E]. */
void engine_projector_bind(host_vk *e, engine_projector *p, host_vk_range x, host_vk_range w, host_vk_range b,
                           host_vk_range y);
/** Binds the pipeline and set, pushes the sizes, dispatches. */
void engine_projector_record(host_vk *e, engine_projector *p, VkCommandBuffer cmd, uint32_t rows, uint32_t D,
                             uint32_t E);
void engine_projector_destroy(host_vk *e, engine_projector *p);

/** The CPU reference, in double: y[r][j] = b[j] + sum_d x[r][d] w[d][j]. */
void engine_projector_ref(const float *x, const float *w, const float *b, int rows, int D, int E, float *y);

#endif
