#include "engine_step.h"
#include "engine_projector.h"
#include "ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int engine_open(host_vk *e, char *err, size_t errlen)
{
    const char *np = getenv("ENGINE_NO_PUSH_DESCRIPTOR");
    host_vk_options o = {host_vk_validation_from_env(), np && *np && strcmp(np, "0"), "vtc example engine"};
    return host_vk_create(e, &o, err, errlen);
}

engine_case engine_case_small(uint32_t mode, uint64_t seed)
{
    engine_case c = {mode, 2, 12, 64, 4, 16, 16, 48, 32, seed};
    return c;
}

void engine_adopted_device(const host_vk *e, vtc_adopted_device *ad)
{
    *ad = (vtc_adopted_device){.size = sizeof(*ad), .instance = e->instance, .physical_device = e->phys,
                               .device = e->device, .queue = e->queue, .queue_family = e->queue_family,
                               .get_instance_proc_addr = e->gipa, .enabled = e->vtc_features,
                               .api_version = e->api_version};
}

vtc_result engine_vtc_context(host_vk *e, const vtc_api_v1 *api, vtc_context *out)
{
    vtc_adopted_device ad;
    engine_adopted_device(e, &ad);
    /* no queue_lock: this engine records only, and vtc submits to the queue
       only for synchronous calls, which this engine never makes */
    vtc_context_desc desc = {.size = sizeof(desc), .adopted = &ad};
    vtc_result r = api->context_create(&desc, out);
    if (r)
        return r;
    /* vtc must not push descriptors on a device whose engine did not enable them
       (it may bind its own sets where it could push: GPU-assisted validation does) */
    vtc_device_info info = {.size = sizeof(info)};
    api->context_info(*out, &info);
    if (e->no_push_descriptors && (info.features & VTC_FEATURE_PUSH_DESCRIPTOR)) {
        fprintf(stderr, "vtc uses push descriptors on a device that lacks them\n");
        api->context_destroy(*out);
        *out = NULL;
        return VTC_ERROR_UNSUPPORTED;
    }
    return VTC_SUCCESS;
}

/* Where each tensor lives in the engine's buffers. */
typedef struct step_layout {
    VkDeviceSize hidden, metric, attn, q, k, w, b, in_total; /* encoder arena (and its staging twin) */
    VkDeviceSize out, src, y, out_total;                     /* vtc's outputs and the projector's */
} step_layout;

static step_layout layout_of(const host_vk *e, const engine_case *c, int rows)
{
    int N = 1 + c->grid * c->grid;
    size_t nh = (size_t)c->B * N * c->D, nm = (size_t)c->B * N * c->Dm;
    size_t na = (size_t)c->B * c->H * N, nq = (size_t)c->B * N * c->H * c->dh;
    step_layout l;
    memset(&l, 0, sizeof(l));
    l.metric = host_vk_align(e, l.hidden + 4 * nh);
    l.attn = host_vk_align(e, l.metric + 4 * nm);
    l.q = host_vk_align(e, l.attn + (c->score_mode == VTC_SCORE_ATTN_CLS ? 4 * na : 0));
    l.k = host_vk_align(e, l.q + (c->score_mode != VTC_SCORE_ATTN_CLS ? 4 * nq : 0));
    l.w = host_vk_align(e, l.k + (c->score_mode != VTC_SCORE_ATTN_CLS ? 4 * nq : 0));
    l.b = host_vk_align(e, l.w + 4 * (size_t)c->D * c->E);
    l.in_total = l.b + 4 * (size_t)c->E;
    size_t n_out = (size_t)c->B * rows;
    l.out = 0;
    l.src = host_vk_align(e, 4 * n_out * c->D);
    l.y = host_vk_align(e, l.src + 4 * n_out);
    l.out_total = l.y + 4 * n_out * c->E;
    return l;
}

vtc_tensor engine_tensor(VkBuffer buf, VkDeviceSize off, uint32_t dtype, int ndim, const int64_t *shape)
{
    vtc_tensor t = {.size = sizeof(t), .dtype = dtype, .ndim = (uint32_t)ndim, .buffer = buf, .offset = off};
    memcpy(t.shape, shape, sizeof(int64_t) * (size_t)ndim);
    return t;
}

static void fill_normal(uint64_t *st, float *x, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * ref_rng_normal(st);
}

/* The host-side inputs of one case, and what the CPU says the GPU must produce. */
typedef struct step_data {
    float *hidden, *metric, *attn, *q, *k, *w, *b, *want_out, *want_y;
    int32_t *want_src;
} step_data;

static void step_data_free(step_data *d)
{
    free(d->hidden); free(d->metric); free(d->attn); free(d->q); free(d->k); free(d->w); free(d->b);
    free(d->want_out); free(d->want_y); free(d->want_src);
    memset(d, 0, sizeof(*d));
}

static int step_data_make(const engine_case *c, uint32_t dom, uint32_t ctx_tokens, int rows, step_data *d)
{
    int B = c->B, N = 1 + c->grid * c->grid;
    size_t nh = (size_t)B * N * c->D, nm = (size_t)B * N * c->Dm;
    size_t na = (size_t)B * c->H * N, nq = (size_t)B * N * c->H * c->dh;
    memset(d, 0, sizeof(*d));
    d->hidden = malloc(4 * nh);
    d->metric = malloc(4 * nm);
    d->attn = malloc(4 * na);
    d->q = malloc(4 * nq);
    d->k = malloc(4 * nq);
    d->w = malloc(4 * (size_t)c->D * c->E);
    d->b = malloc(4 * (size_t)c->E);
    d->want_out = malloc(4 * (size_t)B * rows * c->D);
    d->want_y = malloc(4 * (size_t)B * rows * c->E);
    d->want_src = malloc(4 * (size_t)B * rows);
    if (!d->hidden || !d->metric || !d->attn || !d->q || !d->k || !d->w || !d->b || !d->want_out || !d->want_y ||
        !d->want_src)
        return -1;
    uint64_t st = c->seed;
    fill_normal(&st, d->hidden, nh, 1.0f);
    fill_normal(&st, d->metric, nm, 1.0f);
    /* CLS attention rows: a few strong tokens, the rest faint, as in a real encoder */
    for (size_t i = 0; i < na; i++)
        d->attn[i] = ref_rng_uniform(&st, 0, 1) < 0.1f ? ref_rng_uniform(&st, 0.05f, 0.2f) : ref_rng_uniform(&st, 0, 0.002f);
    fill_normal(&st, d->q, nq, 1.0f);
    fill_normal(&st, d->k, nq, 1.0f);
    fill_normal(&st, d->w, (size_t)c->D * c->E, 0.125f);
    fill_normal(&st, d->b, (size_t)c->E, 0.1f);
    if (ref_visionzip((int)c->score_mode, B, N, c->D, c->H, c->dh, c->Dm, (int)dom, (int)ctx_tokens, 1, 0.0f, d->attn,
                      d->q, d->k, d->hidden, d->metric, d->want_out, d->want_src))
        return -1;
    engine_projector_ref(d->want_out, d->w, d->b, B * rows, c->D, c->E, d->want_y);
    return 0;
}

typedef struct step_gpu {
    host_vk_buffer staging, arena, outputs, scratch, readback;
    engine_projector proj;
} step_gpu;

static void step_gpu_free(host_vk *e, step_gpu *g)
{
    engine_projector_destroy(e, &g->proj);
    host_vk_buffer_destroy(e, &g->staging);
    host_vk_buffer_destroy(e, &g->arena);
    host_vk_buffer_destroy(e, &g->outputs);
    host_vk_buffer_destroy(e, &g->scratch);
    host_vk_buffer_destroy(e, &g->readback);
}

/* The "encoder" has run: its outputs and the projector's weights in the staging buffer. */
static void stage_inputs(char *st, const step_layout *l, const engine_case *c, const step_data *d)
{
    int B = c->B, N = 1 + c->grid * c->grid;
    memcpy(st + l->hidden, d->hidden, 4 * (size_t)B * N * c->D);
    memcpy(st + l->metric, d->metric, 4 * (size_t)B * N * c->Dm);
    if (c->score_mode == VTC_SCORE_ATTN_CLS) {
        memcpy(st + l->attn, d->attn, 4 * (size_t)B * c->H * N);
    } else {
        memcpy(st + l->q, d->q, 4 * (size_t)B * N * c->H * c->dh);
        memcpy(st + l->k, d->k, 4 * (size_t)B * N * c->H * c->dh);
    }
    memcpy(st + l->w, d->w, 4 * (size_t)c->D * c->E);
    memcpy(st + l->b, d->b, 4 * (size_t)c->E);
}

/* vtc's view of the engine's buffers: no copies, just (buffer, offset, shape) */
static vtc_visionzip_args step_args(const engine_case *c, const step_layout *l, const step_gpu *g, uint32_t dom,
                                    uint32_t ctxt)
{
    int B = c->B, N = 1 + c->grid * c->grid, rows = 1 + (int)dom + (int)ctxt;
    VkBuffer arena = g->arena.buffer, outs = g->outputs.buffer;
    int64_t sh_h[3] = {B, N, c->D}, sh_m[3] = {B, N, c->Dm}, sh_a[3] = {B, c->H, N};
    int64_t sh_q[4] = {B, N, c->H, c->dh}, sh_o[3] = {B, rows, c->D}, sh_s[2] = {B, rows};
    vtc_visionzip_args a = {.size = sizeof(a), .score_mode = c->score_mode, .dominant = dom, .contextual = ctxt};
    a.hidden = engine_tensor(arena, l->hidden, VTC_DTYPE_F32, 3, sh_h);
    a.metric = engine_tensor(arena, l->metric, VTC_DTYPE_F32, 3, sh_m);
    if (c->score_mode == VTC_SCORE_ATTN_CLS) {
        a.attn = engine_tensor(arena, l->attn, VTC_DTYPE_F32, 3, sh_a);
    } else {
        a.q = engine_tensor(arena, l->q, VTC_DTYPE_F32, 4, sh_q);
        a.k = engine_tensor(arena, l->k, VTC_DTYPE_F32, 4, sh_q);
    }
    a.out = engine_tensor(outs, l->out, VTC_DTYPE_F32, 3, sh_o);
    a.src_idx = engine_tensor(outs, l->src, VTC_DTYPE_I32, 2, sh_s);
    return a;
}

/* One frame into `cmd`: upload -> vtc -> the projector on vtc's rows -> read-back. The
   engine's commands are recorded whatever vtc returns; the caller decides on its result. */
static vtc_result record_frame(host_vk *e, const vtc_api_v1 *api, vtc_context ctx, VkCommandBuffer cmd,
                               const engine_case *c, const step_layout *l, step_gpu *g, const vtc_visionzip_args *a,
                               uint64_t scratch_bytes)
{
    uint32_t n_out = (uint32_t)(c->B * a->out.shape[1]);
    VkBuffer arena = g->arena.buffer, outs = g->outputs.buffer;
    host_vk_range rx = {outs, l->out, 4ull * n_out * c->D}, rw = {arena, l->w, 4ull * c->D * c->E};
    host_vk_range rb = {arena, l->b, 4ull * c->E}, ry = {outs, l->y, 4ull * n_out * c->E};
    engine_projector_bind(e, &g->proj, rx, rw, rb, ry);
    /* the "encoder" writes its outputs: here a transfer, so the engine owes vtc a transfer->compute barrier */
    VkBufferCopy up = {0, 0, l->in_total};
    e->fn.vkCmdCopyBuffer(cmd, g->staging.buffer, arena, 1, &up);
    host_vk_barrier(e, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                   VK_ACCESS_SHADER_READ_BIT);
    vtc_exec ex = {.size = sizeof(ex), .cmd = cmd, .scratch = g->scratch.buffer, .scratch_size = scratch_bytes};
    vtc_result r = api->visionzip(ctx, a, &ex);
    /* vtc's outputs are compute-shader writes: one barrier, then the consumer reads them in place */
    host_vk_barrier(e, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                   VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
    engine_projector_record(e, &g->proj, cmd, n_out, (uint32_t)c->D, (uint32_t)c->E);
    host_vk_barrier(e, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                   VK_ACCESS_TRANSFER_READ_BIT);
    VkBufferCopy down = {0, 0, l->out_total};
    e->fn.vkCmdCopyBuffer(cmd, outs, g->readback.buffer, 1, &down);
    host_vk_barrier(e, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                   VK_ACCESS_HOST_READ_BIT);
    return r;
}

/* The read-back against the CPU; prints the case's line. */
static int check_frame(const char *tag, const engine_case *c, const step_layout *l, const step_gpu *g, const step_data *d,
                       const vtc_visionzip_args *a, uint64_t scratch_bytes, uint64_t allocations)
{
    int rows = (int)a->out.shape[1], N = 1 + c->grid * c->grid;
    size_t n_out = (size_t)c->B * rows;
    const char *rb_map = g->readback.map;
    double nmse_y = ref_nmse((const float *)(rb_map + l->y), d->want_y, n_out * c->E);
    double nmse_out = ref_nmse((const float *)(rb_map + l->out), d->want_out, n_out * c->D);
    size_t bad_src = ref_index_mismatches((const int32_t *)(rb_map + l->src), d->want_src, n_out);
    int ok = nmse_y <= 1e-9 && nmse_out <= 1e-9 && bad_src == 0 && allocations == 0;
    printf("%s - %s: B=%d N=%d D=%d mode %u -> %d rows/image (%u+%u+1), projector NMSE %.2e, vtc out NMSE %.2e, "
           "%zu src_idx mismatches, scratch %llu B, vtc device allocations while recording %llu\n",
           ok ? "ok" : "FAIL", tag, c->B, N, c->D, c->score_mode, rows, a->dominant, a->contextual, nmse_y, nmse_out,
           bad_src, (unsigned long long)scratch_bytes, (unsigned long long)allocations);
    return ok;
}

int engine_step_visionzip(host_vk *e, const vtc_api_v1 *api, vtc_context ctx, const engine_case *c, const char *tag)
{
    uint32_t dom = 0, ctxt = 0;
    api->token_split((uint32_t)c->tokens, 1, &dom, &ctxt);
    int rows = 1 + (int)dom + (int)ctxt;
    step_layout l = layout_of(e, c, rows);
    step_data d;
    step_gpu g;
    memset(&g, 0, sizeof(g));
    int ok = 0;
    const char *why = "setup";
    vtc_result r = VTC_SUCCESS;
    if (step_data_make(c, dom, ctxt, rows, &d))
        goto done;
    why = "engine buffers";
    if (host_vk_buffer_create(e, l.in_total, HOST_VK_MAPPED, &g.staging) || host_vk_buffer_create(e, l.in_total, HOST_VK_DEVICE_LOCAL, &g.arena) ||
        host_vk_buffer_create(e, l.out_total, HOST_VK_DEVICE_LOCAL, &g.outputs) || host_vk_buffer_create(e, l.out_total, HOST_VK_MAPPED, &g.readback) ||
        engine_projector_create(e, &g.proj))
        goto done;
    stage_inputs(g.staging.map, &l, c, &d);
    vtc_visionzip_args a = step_args(c, &l, &g, dom, ctxt);
    uint64_t scratch_bytes = 0;
    r = api->query_scratch(ctx, VTC_OP_VISIONZIP, &a, &scratch_bytes);
    why = "vtc_query_scratch";
    if (r || (scratch_bytes && host_vk_buffer_create(e, scratch_bytes, HOST_VK_DEVICE_LOCAL, &g.scratch)))
        goto done;
    /* (the sizes must survive: a zeroed size makes both queries fail and the allocation check vacuous) */
    vtc_context_stats before = {sizeof(before)}, after = {sizeof(after)};
    api->context_stats_get(ctx, &before);
    VkCommandBuffer cmd;
    why = "command buffer";
    if (host_vk_cmd_begin(e, &cmd))
        goto done;
    r = record_frame(e, api, ctx, cmd, c, &l, &g, &a, scratch_bytes);
    api->context_stats_get(ctx, &after);
    why = "vtc_visionzip (record)";
    if (r) {
        host_vk_cmd_free(e, &cmd, 1);
        goto done;
    }
    why = "submit";
    if (host_vk_submit_wait(e, &cmd, 1))
        goto done;
    /* the engine's frame is over: descriptor sets vtc bound (no push descriptors) may be reused */
    if (VTC_API_HAS(api, context_recycle))
        api->context_recycle(ctx);
    ok = check_frame(tag, c, &l, &g, &d, &a, scratch_bytes, after.device_allocations - before.device_allocations);
    why = NULL;
done:
    if (why)
        printf("FAIL - %s: %s failed (%s)\n", tag, why, r ? api->result_string(r) : "engine");
    step_gpu_free(e, &g);
    step_data_free(&d);
    return ok ? 0 : -1;
}

int engine_step_projector(host_vk *e, uint64_t seed, const char *tag)
{
    enum { ROWS = 40, D = 32, E = 24 };
    VkDeviceSize ox = 0, ow = host_vk_align(e, 4 * ROWS * D), ob = host_vk_align(e, ow + 4 * D * E);
    VkDeviceSize oy = host_vk_align(e, ob + 4 * E), total = oy + 4 * ROWS * E;
    float x[ROWS * D], w[D * E], b[E], want[ROWS * E];
    uint64_t st = seed;
    fill_normal(&st, x, ROWS * D, 1.0f);
    fill_normal(&st, w, D * E, 0.2f);
    fill_normal(&st, b, E, 0.1f);
    engine_projector_ref(x, w, b, ROWS, D, E, want);
    host_vk_buffer buf;
    engine_projector p;
    memset(&p, 0, sizeof(p));
    int ok = 0, ran = 0;
    VkCommandBuffer cmd;
    if (!host_vk_buffer_create(e, total, HOST_VK_MAPPED, &buf)) {
        memcpy((char *)buf.map + ox, x, sizeof(x));
        memcpy((char *)buf.map + ow, w, sizeof(w));
        memcpy((char *)buf.map + ob, b, sizeof(b));
        host_vk_range rx = {buf.buffer, ox, sizeof(x)}, rw = {buf.buffer, ow, sizeof(w)};
        host_vk_range rb = {buf.buffer, ob, sizeof(b)}, ry = {buf.buffer, oy, 4 * ROWS * E};
        if (!engine_projector_create(e, &p) && !host_vk_cmd_begin(e, &cmd)) {
            engine_projector_bind(e, &p, rx, rw, rb, ry);
            host_vk_barrier(e, cmd, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                           VK_ACCESS_SHADER_READ_BIT);
            engine_projector_record(e, &p, cmd, ROWS, D, E);
            host_vk_barrier(e, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                           VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
            if (!host_vk_submit_wait(e, &cmd, 1)) {
                double nmse = ref_nmse((const float *)((char *)buf.map + oy), want, ROWS * E);
                ok = nmse <= 1e-9;
                ran = 1;
                printf("%s - %s: projector NMSE %.2e\n", ok ? "ok" : "FAIL", tag, nmse);
            }
        }
        engine_projector_destroy(e, &p);
        host_vk_buffer_destroy(e, &buf);
    }
    if (!ran)
        printf("FAIL - %s: the engine's device could not run its own work\n", tag);
    return ok ? 0 : -1;
}
