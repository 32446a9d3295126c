/*
 * vtc_prepare leaves nothing to the first call (issue 21): for every op of
 * the build and every one of its example calls (plugin/ops/<op>/<op>_desc.c),
 * on a fresh context, vtc_prepare with the call's arguments, then the call,
 * in two modes:
 *  - host: every tensor in host memory, a synchronous call;
 *  - record: every tensor a region of a device buffer, recorded into the
 *    test's own command buffer with its own scratch (rel_arena_record);
 *  - record without push descriptors (descriptor sets from vtc's pools);
 *  - host without push descriptors: on a CPU device the kernels that read
 *    host tensors through texel views, bound through descriptor sets.
 * The call must create no pipeline (vtc_context_stats.pipelines) and no
 * other Vulkan object (objects_created), and spend no time compiling
 * (compile_ns); prepare must have created pipelines (a fresh context has
 * none, so a prepare that compiled nothing cannot pass) and, on a driver
 * that compiles at a pipeline's first dispatch (lavapipe), warmed every one
 * (pipelines_warmed). Timing is the benchmark's business (`vtc bench`), not
 * this test's: it checks what the first call does, not how long it takes.
 */
#include "rel.h"
#include "op_desc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MODE_HOST, MODE_RECORD, MODE_RECORD_SETS, MODE_HOST_SETS, MODES };
static const char *const mode_name[MODES] = {"host", "record", "record-sets", "host-sets"};

/* compress's examples need a weight set (tests/common/test_tensors.h) */
static vtc_weights weights_create(vtc_context ctx, test_tiny_weights *t)
{
    vtc_compress_weights_desc d = test_tiny_weights_desc(t);
    vtc_weights w = NULL;
    vtc_result r = vtc_compress_weights_create(ctx, &d, &w);
    CHECK(r == VTC_SUCCESS, "compress weights: %s", vtc_result_string(r));
    return w;
}

typedef struct rec_call {
    vtc_context ctx;
    uint32_t op;
    const void *args;
} rec_call;

static vtc_result rec_cb(void *user, const vtc_exec *exec)
{
    const rec_call *c = user;
    return vtc_run(c->ctx, c->op, c->args, exec);
}

/* zeroed tensors: index inputs 0, kinds all text, scores tied; all valid */
static void on_host(const vtc_op_desc *d, void *args, void *mem[VTC_OP_DESC_MAX_TENSORS])
{
    for (uint32_t i = 0; i < d->ntensors; i++) {
        vtc_tensor *t = vtc_op_tensor_in(&d->tensors[i], args);
        if (t->dtype != VTC_DTYPE_NONE)
            t->host = mem[i] = calloc((size_t)vtc_op_desc_count(t) + 1, 8);
    }
}

/* The same, each tensor a zeroed region of a device arena, and a region
   for the call's scratch (*scratch_off, *scratch bytes). NULL: no arena. */
static rel_arena *in_device_arena(vtc_context ctx, const vtc_op_desc *d, uint32_t which, void *args,
                                  size_t *scratch_off, uint64_t *scratch)
{
    rel_arena *ar = rel_arena_create(ctx, 8u << 20);
    CHECK(ar != NULL, "%s: no device arena", d->name);
    if (!ar)
        return NULL;
    for (uint32_t i = 0; i < d->ntensors; i++) {
        vtc_tensor *t = vtc_op_tensor_in(&d->tensors[i], args);
        if (t->dtype == VTC_DTYPE_NONE)
            continue;
        size_t bytes = (size_t)vtc_op_desc_bytes(t) + 4;
        size_t off = rel_arena_region(ar, bytes);
        CHECK(off != (size_t)-1, "%s: arena full", d->name);
        memset(rel_arena_map(ar) + off, 0, bytes);
        t->buffer = rel_arena_buffer(ar);
        t->offset = off;
    }
    vtc_result q = vtc_query_scratch(ctx, d->op, args, scratch);
    CHECK(q == VTC_SUCCESS, "%s example %u: query_scratch %s", d->name, which, vtc_result_string(q));
    *scratch_off = rel_arena_region(ar, (size_t)*scratch + 256);
    return ar;
}

/* One example in one mode on a fresh context; 0 when every check held. */
static int one(const vtc_op_desc *d, uint32_t which, int mode, int cpu_device, unsigned *created)
{
    int failed_before = rel_failures();
    rel_log log;
    int sets = mode == MODE_RECORD_SETS || mode == MODE_HOST_SETS;
    vtc_context ctx = rel_context(&log, sets ? VTC_CONTEXT_DISABLE_PUSH_DESCRIPTOR : 0, NULL);
    unsigned char args[2048];
    CHECK(d->args_size <= sizeof(args), "%s: args of %zu bytes", d->name, d->args_size);
    memset(args, 0, sizeof(args));
    d->example(which, args);
    test_tiny_weights tw;
    vtc_weights w = NULL;
    if (d->op == VTC_OP_COMPRESS)
        ((vtc_compress_args *)(void *)args)->weights = w = weights_create(ctx, &tw);

    void *mem[VTC_OP_DESC_MAX_TENSORS] = {0};
    rel_arena *ar = NULL;
    size_t scratch_off = 0;
    uint64_t scratch = 0;
    if (mode == MODE_HOST || mode == MODE_HOST_SETS) {
        on_host(d, args, mem);
    } else {
        ar = in_device_arena(ctx, d, which, args, &scratch_off, &scratch);
        if (!ar)
            goto out;
    }

    vtc_context_stats s0 = rel_stats(ctx);
    vtc_result r = vtc_prepare(ctx, d->op, args);
    vtc_context_stats s1 = rel_stats(ctx);
    CHECK(r == VTC_SUCCESS, "%s example %u %s: prepare %s (%s)", d->name, which, mode_name[mode], vtc_result_string(r),
          log.last);
    CHECK(s1.pipelines > s0.pipelines, "%s example %u %s: prepare on a fresh context created no pipeline", d->name,
          which, mode_name[mode]);
    if (cpu_device)
        CHECK(s1.pipelines_warmed == s1.pipelines,
              "%s example %u %s: %llu of %llu pipelines warmed on a device that compiles at the first dispatch",
              d->name, which, mode_name[mode], (unsigned long long)s1.pipelines_warmed,
              (unsigned long long)s1.pipelines);
    if (mode == MODE_HOST || mode == MODE_HOST_SETS) {
        r = vtc_run(ctx, d->op, args, NULL);
    } else {
        rec_call c = {ctx, d->op, args};
        r = rel_arena_record(ar, scratch_off, (size_t)scratch, rec_cb, &c);
    }
    vtc_context_stats s2 = rel_stats(ctx);
    CHECK(r == VTC_SUCCESS, "%s example %u %s: call %s (%s)", d->name, which, mode_name[mode], vtc_result_string(r),
          log.last);
    CHECK(s2.calls == s1.calls + 1, "%s example %u %s: the call did not count", d->name, which, mode_name[mode]);
    CHECK(s2.pipelines == s1.pipelines, "%s example %u %s: the call after prepare created %llu pipeline(s)", d->name,
          which, mode_name[mode], (unsigned long long)(s2.pipelines - s1.pipelines));
    CHECK(s2.objects_created == s1.objects_created,
          "%s example %u %s: the call after prepare created %llu Vulkan object(s)", d->name, which, mode_name[mode],
          (unsigned long long)(s2.objects_created - s1.objects_created));
    CHECK(s2.compile_ns == s1.compile_ns, "%s example %u %s: the call after prepare compiled for %.3f ms", d->name,
          which, mode_name[mode], (double)(s2.compile_ns - s1.compile_ns) * 1e-6);
    CHECK(s2.validation_messages == 0, "%s example %u %s: %llu validation messages", d->name, which, mode_name[mode],
          (unsigned long long)s2.validation_messages);
    *created += (unsigned)(s1.pipelines - s0.pipelines);
out:
    for (uint32_t i = 0; i < VTC_OP_DESC_MAX_TENSORS; i++)
        free(mem[i]);
    rel_arena_destroy(ar);
    if (w)
        vtc_compress_weights_destroy(ctx, w);
    vtc_context_destroy(ctx);
    return rel_failures() != failed_before;
}

int main(void)
{
    rel_log log;
    vtc_context probe = rel_context(&log, 0, NULL);
    vtc_device_info info;
    memset(&info, 0, sizeof(info));
    info.size = sizeof(info);
    vtc_context_info(probe, &info);
    vtc_context_destroy(probe);
    const int cpu_device = info.device_type == VK_PHYSICAL_DEVICE_TYPE_CPU;

    for (int mode = 0; mode < MODES; mode++) {
        unsigned examples = 0, failed = 0, created = 0;
        char failing[512] = "";
        for (uint32_t k = 0; vtc_op_desc_at(k); k++) {
            const vtc_op_desc *d = vtc_op_desc_at(k);
            unsigned char probe_args[2048];
            for (uint32_t which = 0; d->example(which, probe_args) == 0; which++, examples++)
                if (one(d, which, mode, cpu_device, &created)) {
                    failed++;
                    size_t n = strlen(failing);
                    snprintf(failing + n, sizeof(failing) - n, " %s#%u", d->name, which);
                }
        }
        CHECK(examples > 0, "no example call in this build");
        printf("%s - %s_call_after_prepare_creates_and_compiles_nothing (%u examples, %u pipelines made by prepare%s%s)\n",
               failed ? "not ok" : "ok", mode_name[mode], examples, created, failed ? "; failing:" : "", failing);
    }
    printf("%d failures\n", rel_failures());
    return rel_failures() ? 1 : 0;
}
