#include "engine_projector.h"
#include "engine_projector_spv.h" /* generated at build time by glslangValidator --vn */

typedef struct projector_push {
    uint32_t rows, D, E;
} projector_push;

int engine_projector_create(host_vk *e, engine_projector *p)
{
    return host_vk_pipeline_create(e, engine_projector_spv, sizeof(engine_projector_spv), 4, sizeof(projector_push), p);
}

void engine_projector_bind(host_vk *e, engine_projector *p, host_vk_range x, host_vk_range w, host_vk_range b,
                           host_vk_range y)
{
    host_vk_range r[4] = {x, w, b, y};
    host_vk_pipeline_bind(e, p, r);
}

void engine_projector_record(host_vk *e, engine_projector *p, VkCommandBuffer cmd, uint32_t rows, uint32_t D,
                             uint32_t E)
{
    projector_push pc = {rows, D, E};
    host_vk_pipeline_record(e, p, cmd, &pc, (rows * E + 63) / 64, 1, 1);
}

void engine_projector_destroy(host_vk *e, engine_projector *p)
{
    host_vk_pipeline_destroy(e, p);
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
