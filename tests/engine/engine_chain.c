/*
 * Recording patterns a plugin inside someone else's command buffer must get
 * right, run with the layer's synchronization validation on the engine's
 * instance (VTC_VALIDATION=1), where a missing or wrong barrier is a message:
 *   chain   vtc VisionZip -> the engine's projector reading vtc's output ->
 *           vtc VisionZip again on the projector's output, one command
 *           buffer, one scratch buffer for both vtc calls;
 *   twice   two command buffers, each recording VisionZip into the same
 *           scratch, submitted together (vtc's barriers must order the second
 *           recording's scratch writes after the first's, across buffers);
 *   nobarrier  the chain without the engine's barrier between vtc and the
 *           projector: the check that the layer does see a hazard here;
 *   shortbinding  the chain with the projector's output binding half as long
 *           as it writes: the check that GPU-assisted validation
 *           (VTC_VALIDATION=gpu) does see an out-of-bounds store.
 */
#include "engine_chain.h"
#include "engine_projector.h"
#include "engine_step.h"
#include "ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { B = 2, GRID = 12, N = 1 + GRID * GRID, D = 64, H = 4, DM = 16, E = 48, TOKENS1 = 32, TOKENS2 = 12 };

static vtc_tensor dev(VkBuffer buf, VkDeviceSize off, uint32_t dtype, int ndim, int64_t d0, int64_t d1, int64_t d2)
{
    return engine_tensor(buf, off, dtype, ndim, (const int64_t[3]){d0, d1, d2});
}

/* One VisionZip (CLS attention scores) over device tensors. */
static vtc_visionzip_args vz_args(VkBuffer buf, VkDeviceSize hidden, VkDeviceSize attn, VkDeviceSize out,
                                  VkDeviceSize src, int n, int width, uint32_t dom, uint32_t ctxt)
{
    vtc_visionzip_args a = {.size = sizeof(a), .score_mode = VTC_SCORE_ATTN_CLS, .dominant = dom, .contextual = ctxt};
    int rows = 1 + (int)dom + (int)ctxt;
    a.hidden = dev(buf, hidden, VTC_DTYPE_F32, 3, B, n, width);
    a.metric = a.hidden; /* the hidden states are their own merge metric here */
    a.attn = dev(buf, attn, VTC_DTYPE_F32, 3, B, H, n);
    a.out = dev(buf, out, VTC_DTYPE_F32, 3, B, rows, width);
    a.src_idx = dev(buf, src, VTC_DTYPE_I32, 2, B, rows, 0);
    return a;
}

static void fill(uint64_t *st, float *x, size_t n, int attn)
{
    for (size_t i = 0; i < n; i++)
        x[i] = attn ? (ref_rng_uniform(st, 0, 1) < 0.1f ? ref_rng_uniform(st, 0.05f, 0.2f) : ref_rng_uniform(st, 0, 0.002f))
                    : ref_rng_normal(st);
}

/* Compares one VisionZip result in `mem` with the CPU on the same inputs. */
static int check_vz(const char *tag, const char *what, const char *mem, const vtc_visionzip_args *a)
{
    int n = (int)a->hidden.shape[1], width = (int)a->hidden.shape[2], rows = (int)a->out.shape[1];
    float *want = malloc(sizeof(float) * B * rows * width);
    int32_t *want_src = malloc(sizeof(int32_t) * B * rows);
    int ok = want && want_src &&
             !ref_visionzip(VTC_SCORE_ATTN_CLS, B, n, width, H, 1, width, (int)a->dominant, (int)a->contextual, 1, 0.0f,
                            (const float *)(mem + a->attn.offset), NULL, NULL, (const float *)(mem + a->hidden.offset),
                            (const float *)(mem + a->metric.offset), want, want_src);
    double nmse = ok ? ref_nmse((const float *)(mem + a->out.offset), want, (size_t)B * rows * width) : 1.0;
    size_t bad = ok ? ref_index_mismatches((const int32_t *)(mem + a->src_idx.offset), want_src, (size_t)B * rows) : 1;
    ok = ok && nmse <= 1e-9 && bad == 0;
    printf("%s - %s_%s: B=%d N=%d width %d -> %d rows, NMSE %.2e, %zu src_idx mismatches\n", ok ? "ok" : "FAIL", tag,
           what, B, n, width, rows, nmse, bad);
    free(want);
    free(want_src);
    return ok ? 0 : -1;
}

/* Offsets in the one host-visible buffer every tensor of a run lives in. */
typedef struct chain_layout {
    VkDeviceSize hidden, attn1, attn2, w, b, out1, src1, y, out2, src2, outb, srcb, total;
} chain_layout;

static chain_layout layout_of(const host_vk *e, int rows1, int rows2)
{
    chain_layout l;
    VkDeviceSize o = 0;
#define PLACE(field, bytes) (l.field = o, o = host_vk_align(e, o + (bytes)))
    PLACE(hidden, 4ull * B * N * D);
    PLACE(attn1, 4ull * B * H * N);
    PLACE(attn2, 4ull * B * H * rows1);
    PLACE(w, 4ull * D * E);
    PLACE(b, 4ull * E);
    PLACE(out1, 4ull * B * rows1 * D);
    PLACE(src1, 4ull * B * rows1);
    PLACE(y, 4ull * B * rows1 * E);
    PLACE(out2, 4ull * B * rows2 * E);
    PLACE(src2, 4ull * B * rows2);
    PLACE(outb, 4ull * B * rows1 * D);
    PLACE(srcb, 4ull * B * rows1);
#undef PLACE
    l.total = o;
    return l;
}

/* The recording of one pattern: its three VisionZip calls, their buffers, the scratch they share. */
typedef struct chain_run {
    const char *mode;
    int chain, barrier; /* one command buffer with the projector between; the engine's barrier after vtc */
    int rows1;
    chain_layout l;
    host_vk_buffer mem, scratch;
    engine_projector proj;
    vtc_visionzip_args a1, a2, ab; /* first call, second on the projector's output, second recording */
    vtc_exec ex;
} chain_run;

/* The inputs in one host-visible buffer, the calls over it, and scratch as big as the larger call needs. */
static int chain_setup(host_vk *e, const vtc_api_v1 *api, vtc_context ctx, chain_run *c)
{
    uint32_t dom1, ctx1, dom2, ctx2;
    api->token_split(TOKENS1, 1, &dom1, &ctx1);
    api->token_split(TOKENS2, 1, &dom2, &ctx2);
    c->rows1 = 1 + (int)(dom1 + ctx1);
    int rows1 = c->rows1, rows2 = 1 + (int)(dom2 + ctx2);
    const chain_layout *l = &c->l;
    c->l = layout_of(e, rows1, rows2);
    if (host_vk_buffer_create(e, l->total, HOST_VK_MAPPED, &c->mem) || engine_projector_create(e, &c->proj)) {
        printf("FAIL - %s: engine buffers\n", c->mode);
        return -1;
    }
    char *m = c->mem.map;
    uint64_t st = 1234;
    fill(&st, (float *)(m + l->hidden), (size_t)B * N * D, 0);
    fill(&st, (float *)(m + l->attn1), (size_t)B * H * N, 1);
    fill(&st, (float *)(m + l->attn2), (size_t)B * H * rows1, 1);
    fill(&st, (float *)(m + l->w), (size_t)D * E, 0);
    fill(&st, (float *)(m + l->b), (size_t)E, 0);
    VkBuffer buf = c->mem.buffer;
    c->a1 = vz_args(buf, l->hidden, l->attn1, l->out1, l->src1, N, D, dom1, ctx1);
    c->a2 = vz_args(buf, l->y, l->attn2, l->out2, l->src2, rows1, E, dom2, ctx2);
    c->ab = vz_args(buf, l->hidden, l->attn1, l->outb, l->srcb, N, D, dom1, ctx1);
    uint64_t s1 = 0, s2 = 0;
    if (api->query_scratch(ctx, VTC_OP_VISIONZIP, &c->a1, &s1) || api->query_scratch(ctx, VTC_OP_VISIONZIP, &c->a2, &s2) ||
        host_vk_buffer_create(e, s1 > s2 ? s1 : s2, HOST_VK_DEVICE_LOCAL, &c->scratch)) {
        printf("FAIL - %s: scratch\n", c->mode);
        return -1;
    }
    c->ex = (vtc_exec){.size = sizeof(c->ex), .scratch = c->scratch.buffer, .scratch_size = s1 > s2 ? s1 : s2};
    return 0;
}

/* chain: vtc -> (the engine's barrier) -> the projector on vtc's rows -> vtc on the projector's rows. */
static vtc_result record_chain(host_vk *e, const vtc_api_v1 *api, vtc_context ctx, chain_run *c, VkCommandBuffer cmd)
{
    const chain_layout *l = &c->l;
    VkBuffer buf = c->mem.buffer;
    host_vk_range rx = {buf, l->out1, 4ull * B * c->rows1 * D}, rw = {buf, l->w, 4ull * D * E};
    host_vk_range rb = {buf, l->b, 4ull * E}, ry = {buf, l->y, 4ull * B * c->rows1 * E};
    if (!strcmp(c->mode, "shortbinding"))
        ry.bytes /= 2;
    engine_projector_bind(e, &c->proj, rx, rw, rb, ry);
    c->ex.cmd = cmd;
    vtc_result r = api->visionzip(ctx, &c->a1, &c->ex);
    if (c->barrier)
        host_vk_barrier(e, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
    engine_projector_record(e, &c->proj, cmd, (uint32_t)(B * c->rows1), D, E);
    host_vk_barrier(e, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                   VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
    if (!r)
        r = api->visionzip(ctx, &c->a2, &c->ex);
    host_vk_barrier(e, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                   VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    return r;
}

/* Records the pattern and submits it; 0 when vtc recorded and the queue ran it. */
static int chain_submit(host_vk *e, const vtc_api_v1 *api, vtc_context ctx, chain_run *c)
{
    VkCommandBuffer cmd[2];
    vtc_result r = VTC_SUCCESS;
    if (c->chain) {
        if (host_vk_cmd_begin(e, &cmd[0]))
            return -1;
        r = record_chain(e, api, ctx, c, cmd[0]);
    } else {
        for (int i = 0; i < 2; i++) {
            if (host_vk_cmd_begin(e, &cmd[i])) {
                if (i)
                    host_vk_cmd_free(e, &cmd[0], 1);
                return -1;
            }
            c->ex.cmd = cmd[i];
            if (!r)
                r = api->visionzip(ctx, i ? &c->ab : &c->a1, &c->ex);
            host_vk_barrier(e, cmd[i], VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                           VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
        }
    }
    if (host_vk_submit_wait(e, cmd, c->chain ? 1 : 2) || r) {
        printf("FAIL - %s: %s\n", c->mode, r ? api->result_string(r) : "submit");
        return -1;
    }
    return 0;
}

/* The chain's second and third steps against the CPU: the projector on vtc's rows, vtc on the projector's. */
static int check_chain(const chain_run *c)
{
    const chain_layout *l = &c->l;
    const char *m = c->mem.map;
    int rows1 = c->rows1, fails = 0;
    float *want_y = malloc(sizeof(float) * B * rows1 * E);
    double nmse = 1.0;
    if (want_y) {
        engine_projector_ref((const float *)(m + l->out1), (const float *)(m + l->w), (const float *)(m + l->b),
                             B * rows1, D, E, want_y);
        nmse = ref_nmse((const float *)(m + l->y), want_y, (size_t)B * rows1 * E);
    }
    free(want_y);
    printf("%s - %s_engine_shader_between: projector NMSE %.2e\n", nmse <= 1e-9 ? "ok" : "FAIL", c->mode, nmse);
    fails += nmse > 1e-9;
    fails += check_vz(c->mode, "second_vtc_call_reads_the_engines_output", m, &c->a2) != 0;
    return fails;
}

int engine_chain(host_vk *e, const vtc_api_v1 *api, vtc_context ctx, const char *mode)
{
    chain_run c;
    memset(&c, 0, sizeof(c));
    c.mode = mode;
    c.chain = strcmp(mode, "twice") != 0;
    c.barrier = strcmp(mode, "nobarrier") != 0;
    int control = !c.barrier || !strcmp(mode, "shortbinding");
    int fails = 1;
    if (chain_setup(e, api, ctx, &c) || chain_submit(e, api, ctx, &c))
        goto done;
    fails = check_vz(mode, "first_vtc_call", c.mem.map, &c.a1) != 0;
    if (control)
        fails = 0; /* the caller counts the layer's messages; results may be wrong by design */
    else if (c.chain)
        fails += check_chain(&c);
    else
        fails += check_vz(mode, "second_recording_same_scratch", c.mem.map, &c.ab) != 0;
done:
    host_vk_buffer_destroy(e, &c.scratch);
    engine_projector_destroy(e, &c.proj);
    host_vk_buffer_destroy(e, &c.mem);
    return fails;
}
