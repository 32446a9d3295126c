/*
 * `vtc bench --predict`: what each op's GPU path would cost on a few named
 * GPUs, on paper. Nothing is timed. For every workload (the same calls a
 * measured run makes, bench_ops.c) the op is
 * recorded once in record mode into a command buffer that is never submitted
 * (so the dispatch count is what the plugin's plan records for this device,
 * with GPU variants: on a CPU device --predict forces them), and the bound is
 *
 *   t >= max(bytes / bandwidth, FLOPs / fp32 peak) + dispatches x overhead
 *
 * bytes and FLOPs are the op's cost (plugin/ops/<op>/<op>_desc.c: inputs,
 * outputs and weights moved once; intermediates in scratch not counted), so
 * t is a lower bound (a roofline), not a measurement. The GPUs' figures are
 * their published peak memory bandwidth and FP32 (non-tensor-core) rate.
 */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

/* Published figures: memory bandwidth (GB/s) and FP32 vector peak (TFLOP/s). */
static const bench_gpu gpus[] = {
    {"RTX 4090", 1008, 82.6},     /* Ada AD102, GDDR6X */
    {"RX 7900 XTX", 960, 61.4},   /* RDNA3 Navi31; 61.4 counts dual-issue FP32 (30.7 without) */
    {"Arc A770", 560, 19.7},      /* Alchemist ACM-G10, 16 GB */
    {"H100 SXM", 3350, 67.0},     /* Hopper, HBM3 */
};
const int bench_ngpus = (int)(sizeof(gpus) / sizeof(gpus[0]));
const bench_gpu *bench_gpus = gpus;

int bench_predict_begin(bench_ctx *b, char *err, size_t errlen)
{
    bench_vk *vk = &b->vk;
    /* Large enough for every standard shape's scratch (the largest, compress
       c8-n2304-ref, needs about 40 MB); record mode checks it per call. */
    if (bench_buf_create(vk, (size_t)256 << 20, &b->pred_scratch)) {
        snprintf(err, errlen, "cannot allocate the 256 MiB scratch buffer for record mode");
        return -1;
    }
    VkCommandBufferAllocateInfo ai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = vk->hv.pool;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    if (vk->hv.fn.vkAllocateCommandBuffers(vk->hv.device, &ai, &b->pred_cmd) != VK_SUCCESS) {
        snprintf(err, errlen, "vkAllocateCommandBuffers failed");
        return -1;
    }
    memset(&b->pred_exec, 0, sizeof(b->pred_exec));
    b->pred_exec.size = sizeof(b->pred_exec);
    b->pred_exec.cmd = b->pred_cmd;
    b->pred_exec.scratch = b->pred_scratch.buffer;
    b->pred_exec.scratch_size = b->pred_scratch.bytes;
    b->exec = &b->pred_exec;
    return 0;
}

void bench_predict_end(bench_ctx *b)
{
    if (b->pred_cmd)
        host_vk_cmd_free(&b->vk.hv, &b->pred_cmd, 1);
    b->pred_cmd = VK_NULL_HANDLE;
    bench_buf_destroy(&b->vk, &b->pred_scratch);
    b->exec = NULL;
}

static uint64_t dispatches(const bench_ctx *b)
{
    vtc_context_stats st;
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    if (b->api->context_stats_get(b->ctx, &st) != VTC_SUCCESS || st.size < sizeof(st))
        return 0;
    return st.dispatches;
}

vtc_result bench_predict_record(bench_ctx *b, bench_row *row, bench_call_fn call, void *user)
{
    bench_vk *vk = &b->vk;
    VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    if (vk->hv.fn.vkBeginCommandBuffer(b->pred_cmd, &bi) != VK_SUCCESS) {
        row->status = BENCH_ERROR;
        snprintf(row->detail, sizeof(row->detail), "vkBeginCommandBuffer failed");
        return VTC_ERROR_VULKAN;
    }
    uint64_t d0 = dispatches(b);
    double g;
    vtc_result r = call(user, &g);
    uint64_t d1 = dispatches(b);
    vk->hv.fn.vkEndCommandBuffer(b->pred_cmd); /* never submitted: the bound needs only what was recorded */
    if (r) {
        row->status = r == VTC_ERROR_UNSUPPORTED ? BENCH_SKIPPED : BENCH_ERROR;
        snprintf(row->detail, sizeof(row->detail), "record: %s", b->api->result_string(r));
        return r;
    }
    row->dispatches = (double)(d1 - d0);
    row->predicted = 1;
    return VTC_SUCCESS;
}

double bench_predict_us(const bench_row *r, const bench_gpu *g)
{
    double mem = r->bytes / (g->bandwidth_gbs * 1e9), flop = r->flops / (g->fp32_tflops * 1e12);
    return 1e6 * (mem > flop ? mem : flop) + r->dispatches * BENCH_DISPATCH_OVERHEAD_US;
}

void bench_report_predict(const bench_ctx *b, FILE *f)
{
    const bench_llm *m = &b->opt->llm;
    fprintf(f, "vtc bench --predict: a roofline bound on paper, NOT a measurement\n");
    fprintf(f, "  dispatches: recorded (never run) by the plugin on %s with GPU variants\n", b->info.name);
    fprintf(f, "  bound = max(bytes / bandwidth, FLOPs / fp32 peak) + dispatches x %.0f us (assumed per-dispatch\n"
               "  launch + barrier cost); bytes = inputs, outputs, weights moved once (intermediates not counted)\n",
            BENCH_DISPATCH_OVERHEAD_US);
    fprintf(f, "  GPUs at their published peaks:");
    for (int i = 0; i < bench_ngpus; i++)
        fprintf(f, "%s %s %.0f GB/s %.1f TFLOP/s", i ? ";" : "", gpus[i].name, gpus[i].bandwidth_gbs, gpus[i].fp32_tflops);
    int w = 15; /* the shape column fits the longest name */
    for (int i = 0; i < b->nrows; i++)
        if ((int)strlen(b->rows[i].shape) > w)
            w = (int)strlen(b->rows[i].shape);
    fprintf(f, "\n\n%-9s %-*s %9s %9s %6s", "op", w, "shape", "MB", "GFLOP", "disp");
    for (int i = 0; i < bench_ngpus; i++)
        fprintf(f, " %12s", gpus[i].name);
    fprintf(f, "   %s\n", "LLM GFLOP removed");
    fprintf(f, "%-9s %-*s %9s %9s %6s", "", w, "", "", "", "");
    for (int i = 0; i < bench_ngpus; i++)
        fprintf(f, " %12s", "us (bound)");
    fprintf(f, "\n");
    for (int i = 0; i < b->nrows; i++) {
        const bench_row *r = &b->rows[i];
        if (r->status != BENCH_OK || !r->predicted) {
            fprintf(f, "%-9s %-*s %s\n", r->op, w, r->shape, r->status == BENCH_OK ? "not recorded" : r->detail);
            continue;
        }
        fprintf(f, "%-9s %-*s %9.2f %9.3f %6.0f", r->op, w, r->shape, r->bytes * 1e-6, r->flops * 1e-9, r->dispatches);
        for (int g = 0; g < bench_ngpus; g++)
            fprintf(f, " %12.1f", bench_predict_us(r, &gpus[g]));
        if (r->llm_before > 0)
            fprintf(f, "   %.1f%s", (r->llm_before - r->llm_after) * 1e-9,
                    !strcmp(r->op, "composite") ? " (all layers; the op bound is one layer's)" : "");
        fprintf(f, "\n");
    }
    fprintf(f, "  LLM: %s (%d layers, d=%d, ffn %d), %d text tokens; see 'what it saves' in a measured run\n", m->name,
            m->layers, m->dim, m->ffn, m->text_tokens);
}
