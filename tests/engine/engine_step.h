/*
 * One image chunk through the example engine, as an engine's graph runs it:
 * encoder outputs already in the engine's device buffers -> vtc's fused
 * VisionZip recorded into the engine's command buffer -> the engine's own
 * projector dispatch reading vtc's output buffer -> one submit. Then the
 * result is checked against the CPU references (tests/ref).
 */
#ifndef ENGINE_STEP_H
#define ENGINE_STEP_H
#include "host_vk.h"
#include "vtc.h"

typedef struct engine_case {
    uint32_t score_mode; /**< VTC_SCORE_* */
    int B;               /**< images in the chunk */
    int grid;            /**< patch grid side; N = 1 + grid*grid (token 0 is CLS) */
    int D, H, dh, Dm;    /**< hidden width, heads, head width, metric width */
    int E;               /**< projector output width */
    int tokens;          /**< VisionZip budget per image, CLS included */
    uint64_t seed;
} engine_case;

/** The engine's own Vulkan (host/common/host_vk.h): validation as VTC_VALIDATION
 *  says, no VK_KHR_push_descriptor when ENGINE_NO_PUSH_DESCRIPTOR=1. */
int engine_open(host_vk *e, char *err, size_t errlen);

/** A small CLIP-like case (B=2, 12x12 grid + CLS, 32 tokens) for `mode`. */
engine_case engine_case_small(uint32_t mode, uint64_t seed);

/** The engine's device as vtc adopts it (no queue lock: callers add one if they need it). */
void engine_adopted_device(const host_vk *e, vtc_adopted_device *ad);

/** vtc context on the engine's device (adopted mode). */
vtc_result engine_vtc_context(host_vk *e, const vtc_api_v1 *api, vtc_context *out);

/** vtc's view of `ndim` dims of `shape` at `off` in one of the engine's buffers: nothing is copied. */
vtc_tensor engine_tensor(VkBuffer buf, VkDeviceSize off, uint32_t dtype, int ndim, const int64_t *shape);

/** Runs and checks one chunk; prints "ok - tag: ..." or "FAIL - tag: ..."; 0 when it passed. */
int engine_step_visionzip(host_vk *e, const vtc_api_v1 *api, vtc_context ctx, const engine_case *c, const char *tag);

/** The projector alone on random input (the engine's device working without vtc); 0 when it passed. */
int engine_step_projector(host_vk *e, uint64_t seed, const char *tag);

#endif
