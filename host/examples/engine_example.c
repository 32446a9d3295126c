/*
 * engine_example: how an engine that owns its Vulkan device puts vtc's fused
 * VisionZip between its image encoder and its projector, zero copy, in one
 * command buffer and one submit. Copy this; replace host_vk (the engine's
 * Vulkan here, host/common/host_vk.h) with your own device and buffers.
 *
 *   engine_example [--plugin PATH]      exit 0 pass, 1 fail, 77 no Vulkan device
 *
 * VTC_VALIDATION=1 puts the validation layer on the engine's instance; it
 * then also watches everything vtc records there, and any message fails.
 * The checks against the CPU references, and every other pattern (threads,
 * queue lock, shared scratch, no push descriptors), are in tests/engine/.
 */
#include "host_vk.h"
#include "vtc_loader.h"
#include "engine_projector_spv.h" /* the engine's own shader (engine_projector.comp), compiled at build time */

#include <stdio.h>
#include <string.h>

/* One CLIP-like image: CLS + 12x12 patches, 64 wide, 4 heads; 32 tokens kept. */
enum { N = 1 + 12 * 12, D = 64, H = 4, E = 48, TOKENS = 32 };

typedef struct projector_push {
    uint32_t rows, D, E;
} projector_push;

/* vtc sees the engine's memory as (buffer, offset, shape): nothing is copied. */
static vtc_tensor dev(VkBuffer buf, VkDeviceSize off, uint32_t dtype, int64_t d0, int64_t d1, int64_t d2)
{
    vtc_tensor t = {.size = sizeof(t), .dtype = dtype, .ndim = d2 ? 3 : 2, .shape = {d0, d1, d2}, .buffer = buf,
                    .offset = off};
    return t;
}

static float rnd(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)(*s >> 8) / 16777216.0f - 0.5f;
}

/* What the engine owns for one image, and its vtc context. */
typedef struct engine {
    host_vk vk;
    host_vk_buffer in, out, scratch, readback;
    host_vk_pipeline projector;
    vtc_context ctx;
} engine;

/* 1. vtc adopts the engine's device: its instance, device, queue and loader entry point. */
static vtc_result adopt(engine *g, const vtc_api_v1 *api)
{
    vtc_adopted_device ad = {.size = sizeof(ad),
                             .instance = g->vk.instance,
                             .physical_device = g->vk.phys,
                             .device = g->vk.device,
                             .queue = g->vk.queue,
                             .queue_family = g->vk.queue_family,
                             .get_instance_proc_addr = g->vk.gipa,
                             .enabled = g->vk.vtc_features, /* vtc uses only what the engine enabled */
                             .api_version = g->vk.api_version};
    /* no queue_lock: in record mode vtc never submits. An engine that also makes
       synchronous calls while its own threads submit passes one. */
    vtc_context_desc desc = {.size = sizeof(desc), .adopted = &ad};
    return api->context_create(&desc, &g->ctx);
}

/* Where one image's tensors live: the encoder's outputs and the projector's
   weights in `in`; vtc's rows, their source tokens and the projector's output in `out`. */
typedef struct frame {
    uint32_t dom, ctxt, rows; /* vtc's rows: CLS, dominant, contextual */
    VkDeviceSize o_attn, o_w, o_b, in_bytes, o_src, o_y, out_bytes;
} frame;

static int setup(engine *g, const vtc_api_v1 *api, frame *f)
{
    host_vk *vk = &g->vk;
    api->token_split(TOKENS, 1, &f->dom, &f->ctxt);
    f->rows = 1 + f->dom + f->ctxt;
    f->o_attn = host_vk_align(vk, 4 * N * D);
    f->o_w = host_vk_align(vk, f->o_attn + 4 * H * N);
    f->o_b = host_vk_align(vk, f->o_w + 4 * D * E);
    f->in_bytes = f->o_b + 4 * E;
    f->o_src = host_vk_align(vk, 4ull * f->rows * D);
    f->o_y = host_vk_align(vk, f->o_src + 4ull * f->rows);
    f->out_bytes = f->o_y + 4ull * f->rows * E;
    if (host_vk_buffer_create(vk, f->in_bytes, HOST_VK_MAPPED, &g->in) ||
        host_vk_buffer_create(vk, f->out_bytes, HOST_VK_DEVICE_LOCAL, &g->out) ||
        host_vk_buffer_create(vk, f->out_bytes, HOST_VK_MAPPED, &g->readback) ||
        host_vk_pipeline_create(vk, engine_projector_spv, sizeof(engine_projector_spv), 4, sizeof(projector_push),
                                &g->projector))
        return fprintf(stderr, "engine: buffers or projector pipeline\n"), -1;
    /* here the host plays the encoder; in an engine these buffers already hold its outputs */
    uint32_t seed = 7;
    float *in = g->in.map;
    for (size_t i = 0; i < f->in_bytes / 4; i++)
        in[i] = rnd(&seed);
    for (size_t i = 0; i < H * N; i++) /* CLS attention: positive, a few tokens strong */
        in[f->o_attn / 4 + i] = in[f->o_attn / 4 + i] * in[f->o_attn / 4 + i] * (i % 7 ? 0.01f : 1.0f);
    host_vk_range bind[4] = {{g->out.buffer, 0, 4ull * f->rows * D}, {g->in.buffer, f->o_w, 4 * D * E},
                             {g->in.buffer, f->o_b, 4 * E}, {g->out.buffer, f->o_y, 4ull * f->rows * E}};
    host_vk_pipeline_bind(vk, &g->projector, bind);
    return 0;
}

/* 3. one command buffer: the encoder's writes -> vtc -> the projector -> read-back */
static int record_and_submit(engine *g, const vtc_api_v1 *api, const frame *f, const vtc_visionzip_args *a,
                             uint64_t scratch_bytes)
{
    host_vk *vk = &g->vk;
    VkCommandBuffer cmd;
    if (host_vk_cmd_begin(vk, &cmd))
        return -1;
    const VkPipelineStageFlags cs = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    host_vk_barrier(vk, cmd, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_WRITE_BIT, cs, VK_ACCESS_SHADER_READ_BIT);
    vtc_exec ex = {.size = sizeof(ex), .cmd = cmd, .scratch = g->scratch.buffer, .scratch_size = scratch_bytes};
    vtc_result r = api->visionzip(g->ctx, a, &ex);
    if (r) {
        host_vk_cmd_free(vk, &cmd, 1);
        return fprintf(stderr, "vtc_visionzip: %s\n", api->result_string(r)), -1;
    }
    /* vtc's outputs are compute-shader writes: one barrier, then the projector reads them in place.
       vtc leaves its own pipeline bound, so the engine binds its own again. */
    host_vk_barrier(vk, cmd, cs, VK_ACCESS_SHADER_WRITE_BIT, cs, VK_ACCESS_SHADER_READ_BIT);
    projector_push pc = {f->rows, D, E};
    host_vk_pipeline_record(vk, &g->projector, cmd, &pc, (f->rows * E + 63) / 64, 1, 1);
    host_vk_barrier(vk, cmd, cs, VK_ACCESS_SHADER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    VkBufferCopy down = {0, 0, f->out_bytes};
    vk->fn.vkCmdCopyBuffer(cmd, g->out.buffer, g->readback.buffer, 1, &down);
    host_vk_barrier(vk, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                    VK_ACCESS_HOST_READ_BIT);
    if (host_vk_submit_wait(vk, &cmd, 1))
        return fprintf(stderr, "engine: submit\n"), -1;
    /* the frame is over: descriptor sets vtc bound (devices without push descriptors) may be reused */
    if (VTC_API_HAS(api, context_recycle))
        api->context_recycle(g->ctx);
    return 0;
}

/* 4. read back: the kept tokens' sources, and the projector applied to vtc's rows */
static int check(const engine *g, const frame *f, uint64_t scratch_bytes)
{
    const char *rb = g->readback.map;
    const float *in = g->in.map, *x = (const float *)rb, *y = (const float *)(rb + f->o_y);
    const float *w = in + f->o_w / 4, *b = in + f->o_b / 4;
    const int32_t *src = (const int32_t *)(rb + f->o_src);
    int bad_src = src[0] != 0; /* CLS first */
    for (uint32_t i = 1; i <= f->dom; i++)
        bad_src += src[i] <= 0 || src[i] >= N;
    double err = 0, ref = 0;
    for (uint32_t i = 0; i < f->rows; i++)
        for (int j = 0; j < E; j++) {
            double acc = b[j];
            for (int d = 0; d < D; d++)
                acc += (double)x[i * D + d] * w[d * E + j];
            err += (y[i * E + j] - acc) * (y[i * E + j] - acc);
            ref += acc * acc;
        }
    int ok = !bad_src && err <= 1e-9 * ref;
    printf("%s - example_engine_visionzip_then_projector_one_submit: %d -> %u rows (%u dominant + %u contextual + CLS), "
           "projector NMSE %.2e, %d bad src_idx, scratch %llu B\n",
           ok ? "ok" : "FAIL", N, f->rows, f->dom, f->ctxt, ref ? err / ref : 1.0, bad_src,
           (unsigned long long)scratch_bytes);
    return ok ? 0 : -1;
}

static int run(engine *g, const vtc_api_v1 *api)
{
    frame f;
    if (setup(g, api, &f))
        return -1;
    vtc_visionzip_args a = {.size = sizeof(a), .score_mode = VTC_SCORE_ATTN_CLS, .dominant = f.dom,
                            .contextual = f.ctxt};
    a.hidden = dev(g->in.buffer, 0, VTC_DTYPE_F32, 1, N, D);
    a.metric = a.hidden; /* the hidden states are their own merge metric here */
    a.attn = dev(g->in.buffer, f.o_attn, VTC_DTYPE_F32, 1, H, N);
    a.out = dev(g->out.buffer, 0, VTC_DTYPE_F32, 1, f.rows, D);
    a.src_idx = dev(g->out.buffer, f.o_src, VTC_DTYPE_I32, 1, f.rows, 0);
    /* 2. record mode allocates nothing: the engine gives it scratch of the size it asks */
    uint64_t scratch_bytes = 0;
    vtc_result r = api->query_scratch(g->ctx, VTC_OP_VISIONZIP, &a, &scratch_bytes);
    if (r || (scratch_bytes && host_vk_buffer_create(&g->vk, scratch_bytes, HOST_VK_DEVICE_LOCAL, &g->scratch)))
        return fprintf(stderr, "scratch: %s\n", api->result_string(r)), -1;
    if (record_and_submit(g, api, &f, &a, scratch_bytes))
        return -1;
    return check(g, &f, scratch_bytes);
}

int main(int argc, char **argv)
{
    vtc_loader L;
    if (vtc_loader_open(&L, argc > 2 && !strcmp(argv[1], "--plugin") ? argv[2] : NULL)) {
        fprintf(stderr, "%s\n", L.error);
        return 1;
    }
    engine g;
    memset(&g, 0, sizeof(g));
    char err[256];
    host_vk_options o = {host_vk_validation_from_env(), 0, "vtc engine example"};
    if (host_vk_create(&g.vk, &o, err, sizeof(err))) {
        fprintf(stderr, "engine: %s: skipping\n", err);
        vtc_loader_close(&L);
        return 77;
    }
    vtc_result r = adopt(&g, L.api);
    int rc = r ? (fprintf(stderr, "adopted context: %s\n", L.api->result_string(r)), 1) : run(&g, L.api) ? 1 : 0;
    /* vtc first: it must leave the engine's device as it found it */
    L.api->context_destroy(g.ctx);
    host_vk_pipeline_destroy(&g.vk, &g.projector);
    host_vk_buffer *bufs[4] = {&g.in, &g.out, &g.scratch, &g.readback};
    for (int i = 0; i < 4; i++)
        host_vk_buffer_destroy(&g.vk, bufs[i]);
    host_vk_destroy(&g.vk);
    unsigned msgs = atomic_load(&g.vk.validation_messages);
    if (g.vk.validation)
        printf("%s - example_engine_no_validation_messages: %u\n", msgs ? "FAIL" : "ok", msgs);
    vtc_loader_close(&L);
    rc |= msgs != 0;
    printf("%s\n", rc ? "FAILED" : "all ok");
    return rc;
}
