/*
 * Record mode cannot fail half way: every failure a call can meet (a
 * pipeline that does not compile, a workgroup size or grid over the
 * device's limits, compress's per-N tables that cannot be allocated) is met
 * by the prepare step, before vtc writes its first command into the host's
 * command buffer. Before it, a call whose first kernels were fine recorded
 * them and then failed on a later one, leaving the host a half-written
 * command buffer.
 *
 * How: adopted-mode contexts on the device of an ordinary context, through
 * a get_instance_proc_addr wrapper (as test_vk_failure.c) that counts every
 * vkCmd* vtc calls, can fail vkCreateComputePipelines / vkAllocateMemory at
 * the N-th call, and can report lower workgroup limits than the device's.
 * Each failing record-mode call must return an error with zero commands
 * written; the same call on a context without the fault records and gives
 * the synchronous call's bits; after vtc_prepare, recording creates no
 * pipeline. The failures are checked to hit a kernel after the op's first
 * (what formerly failed mid-record). The owning context's validation layer
 * must stay silent.
 */
#include "rel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PFN_vkGetInstanceProcAddr real_gipa;
static PFN_vkGetDeviceProcAddr real_gdpa;
static VkDevice g_device;
static long g_cmds;              /* vkCmd* calls vtc made */
static long g_pipelines;         /* vkCreateComputePipelines calls */
static long g_fail_pipeline_at;  /* fail the N-th pipeline creation (0: never) */
static long g_allocs, g_fail_allocs; /* while g_fail_allocs: every vkAllocateMemory fails (vtc tries other types) */
static uint32_t g_max_wg_size;   /* 0: the device's */
static uint32_t g_max_groups;    /* 0: the device's */
static int g_fence_fails;        /* vkCreateFence fails as on a device that cannot execute */

#define REAL(name) ((PFN_##name)real_gdpa(g_device, #name))

static void lower_limits(VkPhysicalDeviceLimits *l)
{
    if (g_max_wg_size) {
        l->maxComputeWorkGroupSize[0] = g_max_wg_size;
        l->maxComputeWorkGroupInvocations = g_max_wg_size;
    }
    if (g_max_groups)
        for (int i = 0; i < 3; i++)
            l->maxComputeWorkGroupCount[i] = g_max_groups;
}

static PFN_vkGetPhysicalDeviceProperties real_props;
static VKAPI_ATTR void VKAPI_CALL w_vkGetPhysicalDeviceProperties(VkPhysicalDevice pd, VkPhysicalDeviceProperties *p)
{
    real_props(pd, p);
    lower_limits(&p->limits);
}

static PFN_vkGetPhysicalDeviceProperties2 real_props2;
static VKAPI_ATTR void VKAPI_CALL w_vkGetPhysicalDeviceProperties2(VkPhysicalDevice pd, VkPhysicalDeviceProperties2 *p)
{
    real_props2(pd, p);
    lower_limits(&p->properties.limits);
}

static VKAPI_ATTR VkResult VKAPI_CALL w_vkCreateComputePipelines(VkDevice d, VkPipelineCache c, uint32_t n,
                                                                const VkComputePipelineCreateInfo *ci,
                                                                const VkAllocationCallbacks *a, VkPipeline *out)
{
    if (++g_pipelines == g_fail_pipeline_at) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = VK_NULL_HANDLE;
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    return REAL(vkCreateComputePipelines)(d, c, n, ci, a, out);
}

static VKAPI_ATTR VkResult VKAPI_CALL w_vkAllocateMemory(VkDevice d, const VkMemoryAllocateInfo *ai,
                                                        const VkAllocationCallbacks *a, VkDeviceMemory *out)
{
    g_allocs++;
    if (g_fail_allocs)
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    return REAL(vkAllocateMemory)(d, ai, a, out);
}

static VKAPI_ATTR VkResult VKAPI_CALL w_vkCreateFence(VkDevice d, const VkFenceCreateInfo *ci,
                                                     const VkAllocationCallbacks *a, VkFence *out)
{
    if (g_fence_fails)
        return VK_ERROR_INITIALIZATION_FAILED;
    return REAL(vkCreateFence)(d, ci, a, out);
}

/* Every command vtc records goes through one of these. */
static VKAPI_ATTR void VKAPI_CALL w_vkCmdDispatch(VkCommandBuffer c, uint32_t x, uint32_t y, uint32_t z)
{
    g_cmds++;
    REAL(vkCmdDispatch)(c, x, y, z);
}

static VKAPI_ATTR void VKAPI_CALL w_vkCmdBindPipeline(VkCommandBuffer c, VkPipelineBindPoint bp, VkPipeline p)
{
    g_cmds++;
    REAL(vkCmdBindPipeline)(c, bp, p);
}

static VKAPI_ATTR void VKAPI_CALL w_vkCmdPipelineBarrier(VkCommandBuffer c, VkPipelineStageFlags s, VkPipelineStageFlags d,
                                                        VkDependencyFlags f, uint32_t nm, const VkMemoryBarrier *m,
                                                        uint32_t nb, const VkBufferMemoryBarrier *b, uint32_t ni,
                                                        const VkImageMemoryBarrier *im)
{
    g_cmds++;
    REAL(vkCmdPipelineBarrier)(c, s, d, f, nm, m, nb, b, ni, im);
}

static VKAPI_ATTR void VKAPI_CALL w_vkCmdPushConstants(VkCommandBuffer c, VkPipelineLayout l, VkShaderStageFlags s,
                                                      uint32_t o, uint32_t n, const void *v)
{
    g_cmds++;
    REAL(vkCmdPushConstants)(c, l, s, o, n, v);
}

static VKAPI_ATTR void VKAPI_CALL w_vkCmdPushDescriptorSetKHR(VkCommandBuffer c, VkPipelineBindPoint bp,
                                                             VkPipelineLayout l, uint32_t set, uint32_t n,
                                                             const VkWriteDescriptorSet *w)
{
    g_cmds++;
    REAL(vkCmdPushDescriptorSetKHR)(c, bp, l, set, n, w);
}

static VKAPI_ATTR void VKAPI_CALL w_vkCmdCopyBuffer(VkCommandBuffer c, VkBuffer s, VkBuffer d, uint32_t n,
                                                   const VkBufferCopy *r)
{
    g_cmds++;
    REAL(vkCmdCopyBuffer)(c, s, d, n, r);
}

static VKAPI_ATTR void VKAPI_CALL w_vkCmdFillBuffer(VkCommandBuffer c, VkBuffer b, VkDeviceSize o, VkDeviceSize s,
                                                   uint32_t v)
{
    g_cmds++;
    REAL(vkCmdFillBuffer)(c, b, o, s, v);
}

static VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL w_gdpa(VkDevice d, const char *name)
{
#define W(fn)                                                                                             \
    if (!strcmp(name, #fn))                                                                               \
        return (PFN_vkVoidFunction)w_##fn;
    W(vkCreateComputePipelines) W(vkAllocateMemory) W(vkCmdDispatch) W(vkCmdBindPipeline) W(vkCmdPipelineBarrier)
    W(vkCmdPushConstants) W(vkCmdPushDescriptorSetKHR) W(vkCmdCopyBuffer) W(vkCmdFillBuffer) W(vkCreateFence)
#undef W
    return real_gdpa(d, name);
}

static VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL w_gipa(VkInstance inst, const char *name)
{
    if (!strcmp(name, "vkGetDeviceProcAddr"))
        return (PFN_vkVoidFunction)w_gdpa;
    if (!strcmp(name, "vkGetPhysicalDeviceProperties")) {
        real_props = (PFN_vkGetPhysicalDeviceProperties)real_gipa(inst, name);
        return (PFN_vkVoidFunction)w_vkGetPhysicalDeviceProperties;
    }
    if (!strcmp(name, "vkGetPhysicalDeviceProperties2")) {
        real_props2 = (PFN_vkGetPhysicalDeviceProperties2)real_gipa(inst, name);
        return (PFN_vkVoidFunction)w_vkGetPhysicalDeviceProperties2;
    }
    return real_gipa(inst, name);
}

static vtc_adopted_device g_adopted;

static vtc_context adopted(rel_log *log)
{
    vtc_context ctx;
    vtc_result r = rel_adopted_context(&g_adopted, log, &ctx);
    CHECK(r == VTC_SUCCESS, "adopted create: %s", vtc_result_string(r));
    return ctx;
}

/* ---- the calls: composite decode (prep, attention, split merge) and compress */
#define B 1
#define NQ 1
#define NK 512
#define HQ 4
#define HKV 2
#define DH 64
#define CE 8
#define CQ 1
#define CN 16

typedef struct calls {
    rel_arena *ar;
    size_t q, k, v, kind, out, x, cout, scratch;
    vtc_composite_args comp;
    vtc_compress_args cmp;
    vtc_weights w;        /* of the context `cmp` runs on */
    int op;               /* 0 composite, 1 compress */
    vtc_context ctx;
    uint8_t *map;         /* the arena, mapped */
    size_t nq;            /* bytes of q and of the composite output */
    uint64_t want;        /* the composite output's hash from the owner's synchronous call */
} calls;

static vtc_tensor dev(const calls *c, size_t off, uint32_t dt, int nd, int64_t a, int64_t b, int64_t cc, int64_t d)
{
    vtc_tensor t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    t.dtype = dt;
    t.ndim = (uint32_t)nd;
    int64_t sh[4] = {a, b, cc, d};
    for (int i = 0; i < nd; i++)
        t.shape[i] = sh[i];
    t.buffer = rel_arena_buffer(c->ar);
    t.offset = off;
    return t;
}

static vtc_result record_cb(void *user, const vtc_exec *ex)
{
    calls *c = user;
    return c->op == 0 ? vtc_composite_attention(c->ctx, &c->comp, ex) : vtc_compress(c->ctx, &c->cmp, ex);
}

/* Records the call into a fresh host command buffer; returns its result,
   with the commands vtc wrote in *cmds. */
static vtc_result record(calls *c, vtc_context ctx, int op, long *cmds)
{
    c->ctx = ctx;
    c->op = op;
    uint64_t need = 0;
    vtc_result r = vtc_query_scratch(ctx, op == 0 ? VTC_OP_COMPOSITE : VTC_OP_COMPRESS,
                                     op == 0 ? (const void *)&c->comp : (const void *)&c->cmp, &need);
    CHECK(r == VTC_SUCCESS, "query_scratch: %s", vtc_result_string(r));
    g_cmds = 0;
    r = rel_arena_record(c->ar, c->scratch, (size_t)need, record_cb, c);
    *cmds = g_cmds;
    return r;
}

static uint64_t fnv(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static vtc_weights make_weights(vtc_context ctx)
{
    static float query[CQ * CE], ones[CE], zeros[3 * CE], win[3 * CE * CE], wout[CE * CE];
    uint64_t st = 99;
    rel_fill_f32(&st, query, CQ * CE);
    rel_fill_f32(&st, win, 3 * CE * CE);
    rel_fill_f32(&st, wout, CE * CE);
    for (int i = 0; i < CE; i++)
        ones[i] = 1.0f;
    test_compress_arrays a = {query, ones, zeros, ones, zeros, win, zeros, wout, zeros};
    vtc_compress_weights_desc d = test_compress_desc(2, CQ, CE, &a);
    vtc_weights w = NULL;
    vtc_result r = vtc_compress_weights_create(ctx, &d, &w);
    CHECK(r == VTC_SUCCESS, "weights create: %s", vtc_result_string(r));
    return w;
}

static void set_compress(calls *c, vtc_weights w)
{
    memset(&c->cmp, 0, sizeof(c->cmp));
    c->cmp.size = sizeof(c->cmp);
    c->cmp.weights = w;
    c->cmp.x = dev(c, c->x, VTC_DTYPE_F32, 3, 1, CN, CE, 0);
    c->cmp.out = dev(c, c->cout, VTC_DTYPE_F32, 3, 1, CQ, CE, 0);
}

/* The arena's regions, their random inputs and the composite call's args. */
static int setup_calls(vtc_context owner, calls *c)
{
    memset(c, 0, sizeof(*c));
    c->ar = rel_arena_create(owner, 8u << 20);
    if (!c->ar) {
        fprintf(stderr, "no arena\n");
        return -1;
    }
    size_t nq = (size_t)B * NQ * HQ * DH * 4, nk = (size_t)B * NK * HKV * DH * 4;
    c->nq = nq;
    c->q = rel_arena_region(c->ar, nq);
    c->k = rel_arena_region(c->ar, nk);
    c->v = rel_arena_region(c->ar, nk);
    c->kind = rel_arena_region(c->ar, (size_t)B * NK);
    c->out = rel_arena_region(c->ar, nq);
    c->x = rel_arena_region(c->ar, (size_t)CN * CE * 4);
    c->cout = rel_arena_region(c->ar, (size_t)CQ * CE * 4);
    c->scratch = rel_arena_region(c->ar, 2u << 20);
    uint8_t *map = c->map = rel_arena_map(c->ar);
    uint64_t st = 5;
    rel_fill_f32(&st, (float *)(map + c->q), nq / 4);
    rel_fill_f32(&st, (float *)(map + c->k), nk / 4);
    rel_fill_f32(&st, (float *)(map + c->v), nk / 4);
    rel_fill_f32(&st, (float *)(map + c->x), (size_t)CN * CE);
    for (int j = 0; j < NK; j++)
        map[c->kind + (size_t)j] = (j >= 16 && j < 16 + 64) ? VTC_KIND_VISUAL : VTC_KIND_TEXT;
    memset(&c->comp, 0, sizeof(c->comp));
    c->comp.size = sizeof(c->comp);
    c->comp.q = dev(c, c->q, VTC_DTYPE_F32, 4, B, NQ, HQ, DH);
    c->comp.k = dev(c, c->k, VTC_DTYPE_F32, 4, B, NK, HKV, DH);
    c->comp.v = dev(c, c->v, VTC_DTYPE_F32, 4, B, NK, HKV, DH);
    c->comp.kind = dev(c, c->kind, VTC_DTYPE_U8, 2, B, NK, 0, 0);
    c->comp.out = dev(c, c->out, VTC_DTYPE_F32, 4, B, NQ, HQ, DH);
    return 0;
}

/* 1. each pipeline creation of the call fails in turn */
static void pipeline_creation_failures(calls *c)
{
    long later = 0, points = 0, cmds;
    for (long n = 1; n < 50; n++) {
        rel_log log;
        vtc_context ctx = adopted(&log);
        if (!ctx)
            break;
        g_pipelines = 0;
        g_fail_pipeline_at = n;
        memset(c->map + c->out, 0, c->nq);
        vtc_result r = record(c, ctx, 0, &cmds);
        g_fail_pipeline_at = 0;
        if (g_pipelines < n) { /* the call no longer reaches pipeline n: it succeeded */
            CHECK(r == VTC_SUCCESS && cmds > 0, "composite: unfailed record gives %s, %ld commands",
                  vtc_result_string(r), cmds);
            CHECK(fnv(c->map + c->out, c->nq) == c->want, "composite: recorded output differs from the synchronous call");
            vtc_context_destroy(ctx);
            break;
        }
        points++;
        later += n > 1;
        CHECK(r == VTC_ERROR_OUT_OF_MEMORY, "composite, pipeline %ld fails: %s", n, vtc_result_string(r));
        CHECK(cmds == 0, "composite, pipeline %ld fails: %ld commands left in the host's command buffer", n, cmds);
        CHECK(log.errors > 0, "composite, pipeline %ld fails: no message", n);
        /* the same context recovers */
        r = record(c, ctx, 0, &cmds);
        CHECK(r == VTC_SUCCESS && cmds > 0, "composite: retry after pipeline %ld failed: %s", n, vtc_result_string(r));
        vtc_context_destroy(ctx);
    }
    CHECK(later > 0, "no pipeline after the op's first failed: the sweep tested nothing that used to fail mid-record");
    printf("ok - pipeline_creation_failures_record_nothing (%ld failure points, %ld after the first kernel)\n", points,
           later);
}

/* 2, 3. a device limit lowered (through *limit, while the context is
   created) so that composite_prep fits and a later kernel does not: the
   call fails before recording, naming the later kernel's `excess`. */
static void limit_fails_before_recording(calls *c, const char *test, const char *what, uint32_t *limit, uint32_t value,
                                         const char *excess)
{
    rel_log log;
    long cmds;
    *limit = value;
    vtc_context ctx = adopted(&log);
    *limit = 0;
    vtc_result r = record(c, ctx, 0, &cmds);
    CHECK(r == VTC_ERROR_UNSUPPORTED, "composite over the %s limit: %s", what, vtc_result_string(r));
    CHECK(cmds == 0, "composite over the %s limit: %ld commands written", what, cmds);
    CHECK(!strstr(log.last, "composite_prep") && strstr(log.last, excess),
          "%s limit: the failing kernel is not a later one: %s", what, log.last);
    vtc_context_destroy(ctx);
    printf("ok - %s (%s)\n", test, log.last);
}

/* 4. compress with a new token count: its tables are allocated by the
   prepare step; that allocation fails, nothing is recorded */
static void compress_table_allocation_fails(calls *c, vtc_context owner)
{
    rel_log log;
    long cmds;
    vtc_context ctx = adopted(&log);
    vtc_weights w = make_weights(ctx);
    set_compress(c, w);
    uint64_t scratch = 0;
    long before = g_allocs;
    vtc_result r = vtc_query_scratch(ctx, VTC_OP_COMPRESS, &c->cmp, &scratch);
    CHECK(r == VTC_SUCCESS && g_allocs == before, "compress: vtc_query_scratch allocated device memory (%s)",
          vtc_result_string(r));
    g_fail_allocs = 1;
    r = record(c, ctx, 1, &cmds);
    g_fail_allocs = 0;
    CHECK(g_allocs > before, "compress: the new token count allocated nothing: the test tested nothing");
    CHECK(r == VTC_ERROR_OUT_OF_MEMORY, "compress, table allocation fails: %s", vtc_result_string(r));
    CHECK(cmds == 0, "compress, table allocation fails: %ld commands written", cmds);
    r = record(c, ctx, 1, &cmds);
    CHECK(r == VTC_SUCCESS && cmds > 0, "compress: retry gives %s", vtc_result_string(r));
    uint64_t got = fnv(c->map + c->cout, (size_t)CQ * CE * 4);
    vtc_compress_weights_destroy(ctx, w);
    vtc_context_destroy(ctx);
    /* the owner's synchronous call gives the same bits */
    vtc_weights wo = make_weights(owner);
    set_compress(c, wo);
    memset(c->map + c->cout, 0, (size_t)CQ * CE * 4);
    r = vtc_compress(owner, &c->cmp, NULL);
    CHECK(r == VTC_SUCCESS && fnv(c->map + c->cout, (size_t)CQ * CE * 4) == got,
          "compress: recorded output differs from the synchronous call (%s)", vtc_result_string(r));
    vtc_compress_weights_destroy(owner, wo);
    printf("ok - compress_table_allocation_fails_before_recording\n");
}

/* 5. after vtc_prepare, recording creates nothing: it only finds */
static void record_after_prepare(calls *c)
{
    rel_log log;
    long cmds;
    vtc_context ctx = adopted(&log);
    g_pipelines = 0;
    vtc_result r = vtc_prepare(ctx, VTC_OP_COMPOSITE, &c->comp);
    long made = g_pipelines;
    CHECK(r == VTC_SUCCESS && made > 0, "vtc_prepare: %s, %ld pipelines", vtc_result_string(r), made);
    r = vtc_prepare(ctx, VTC_OP_COMPOSITE, &c->comp);
    CHECK(r == VTC_SUCCESS && g_pipelines == made, "a second vtc_prepare created %ld more pipelines",
          g_pipelines - made);
    memset(c->map + c->out, 0, c->nq);
    r = record(c, ctx, 0, &cmds);
    CHECK(r == VTC_SUCCESS && cmds > 0 && g_pipelines == made,
          "record after vtc_prepare: %s, %ld pipelines created while recording", vtc_result_string(r),
          g_pipelines - made);
    CHECK(fnv(c->map + c->out, c->nq) == c->want, "record after vtc_prepare: output differs from the synchronous call");
    uint32_t n = 0;
    r = vtc_context_pipelines(ctx, 0, NULL, &n);
    CHECK(r == VTC_SUCCESS && n == (uint32_t)made, "vtc_context_pipelines counts %u, %ld were created", n, made);
    vtc_pipeline_info one[1];
    uint32_t cap = 1;
    r = vtc_context_pipelines(ctx, sizeof(one[0]), one, &cap);
    CHECK((made > 1 ? r == VTC_INCOMPLETE : r == VTC_SUCCESS) && cap == 1 && !strcmp(one[0].shader, "composite_prep"),
          "vtc_context_pipelines, capacity 1: %d, %u entries, first '%s'", r, cap, one[0].shader);
    vtc_context_destroy(ctx);
    printf("ok - record_after_prepare_creates_nothing (%ld pipelines)\n", made);
}

/* 6. execution objects come with the first synchronous call: a device
   whose fence cannot be created gives a context, record mode works, and
   a synchronous call says what is missing */
static void execution_objects_on_first_synchronous_call(calls *c)
{
    rel_log log;
    long cmds;
    g_fence_fails = 1;
    vtc_context ctx = adopted(&log);
    vtc_result r = record(c, ctx, 0, &cmds);
    CHECK(r == VTC_SUCCESS && cmds > 0, "record mode without a fence: %s", vtc_result_string(r));
    r = vtc_composite_attention(ctx, &c->comp, NULL);
    CHECK(r == VTC_ERROR_UNSUPPORTED && strstr(log.last, "fence"),
          "synchronous call without a fence: %s, message '%s'", vtc_result_string(r), log.last);
    g_fence_fails = 0;
    r = vtc_composite_attention(ctx, &c->comp, NULL);
    CHECK(r == VTC_SUCCESS && fnv(c->map + c->out, c->nq) == c->want, "synchronous call once the fence can be made: %s",
          vtc_result_string(r));
    vtc_context_destroy(ctx);
    printf("ok - execution_objects_on_first_synchronous_call (%s)\n", vtc_result_string(VTC_ERROR_UNSUPPORTED));
}

int main(void)
{
    rel_log olog;
    vtc_context owner = rel_context(&olog, 0, NULL);
    calls c;
    if (rel_adopt_wrapped(owner, w_gipa, &g_adopted, &real_gipa, &real_gdpa, &g_device) || setup_calls(owner, &c))
        return 1;
    /* the reference: the owner's synchronous call on the same device tensors */
    vtc_result r = vtc_composite_attention(owner, &c.comp, NULL);
    CHECK(r == VTC_SUCCESS, "reference composite: %s", vtc_result_string(r));
    c.want = fnv(c.map + c.out, c.nq);

    pipeline_creation_failures(&c);
    /* composite_prep (64 lanes) fits, a later kernel of 128 or 256 lanes does not */
    limit_fails_before_recording(&c, "workgroup_limit_fails_before_recording", "workgroup", &g_max_wg_size, 64,
                                 "exceeds the device limit");
    limit_fails_before_recording(&c, "grid_limit_fails_before_recording", "grid", &g_max_groups, 1, "grid");
    compress_table_allocation_fails(&c, owner);
    record_after_prepare(&c);
    execution_objects_on_first_synchronous_call(&c);

    rel_check_validation(owner, "the device");
    rel_arena_destroy(c.ar);
    vtc_context_destroy(owner);
    printf("%d failures\n", rel_failures());
    return rel_failures() ? 1 : 0;
}
