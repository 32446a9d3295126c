/* prune as data: its tensors and the cost of one call (docs/prune.md).
 *   bytes: hidden and metric read; keep_idx, out and src_idx written
 *   FLOPs per image, Dm the compared width (metric's, else hidden's), the
 *          least arithmetic the maths of docs/prune.md needs: a distance
 *          term 1/2 (x^_i[c] - x^_j[c])^2 is 3 FLOPs (subtract, multiply,
 *          add), the norms 3 N Dm. DivPrune 3 Dm N (N - 1) / 2 + 3 N Dm:
 *          d is symmetric, so every unordered pair once; the greedy steps
 *          then read those distances again and add no arithmetic per
 *          column. DART 3 (1 + P') N Dm, P' = min(P, K) pivots (norms, then
 *          each pivot against every token). Plus the merge of the N - K
 *          rest into c (merge_desc.c) when c > 0.
 *          (Before issue 21 this counted DivPrune as 2 (N^2 + K N) Dm: each
 *          pair twice, a recomputed row per step and 2 FLOPs per term.)
 */
#include "op_desc.h"

#include <string.h>

static const vtc_op_tensor_desc tensors[] = {
    VTC_OP_TENSOR(vtc_prune_args, hidden, VTC_ROLE_INPUT, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_prune_args, metric, VTC_ROLE_INPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_prune_args, keep_idx, VTC_ROLE_OUTPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES(VTC_DTYPE_I32), 2),
    VTC_OP_TENSOR(vtc_prune_args, out, VTC_ROLE_OUTPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_prune_args, src_idx, VTC_ROLE_OUTPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES(VTC_DTYPE_I32), 2),
};

static const char *const modes[] = {"divprune", "dart"};
static const vtc_op_param_desc params[] = {
    VTC_OP_PARAM_ENUM(vtc_prune_args, mode, modes,
                      "divprune: greedy max-min cosine distance; dart: least similar to the P highest-L1-norm pivots"),
    VTC_OP_PARAM(vtc_prune_args, keep, VTC_PARAM_U32, 0, VTC_PARAM_MAX_COUNT, "K: rows kept per image; K + c at most N"),
    VTC_OP_PARAM(vtc_prune_args, contextual, VTC_PARAM_U32, 0, VTC_PARAM_MAX_COUNT,
                 "c: contextual rows merged from the N - K others (0: no merge; needs out)"),
    VTC_OP_PARAM(vtc_prune_args, pivots, VTC_PARAM_U32, 0, 4294967295.0,
                 "dart: P pivots (0: 8; more than K: K); divprune: must be 0"),
};

/* keep_idx [B][K] I32, out [B][K + c][D] as hidden, src_idx [B][K + c] I32 */
static void shape_outputs(void *args)
{
    vtc_prune_args *a = args;
    int64_t B = (int64_t)vtc_op_desc_dim(&a->hidden, 0), D = (int64_t)vtc_op_desc_dim(&a->hidden, 2);
    int64_t K = a->keep, rows = K + a->contextual;
    vtc_op_desc_shape_output(&a->keep_idx, VTC_DTYPE_I32, 2, (int64_t[]){B, K});
    vtc_op_desc_shape_output(&a->out, a->hidden.dtype, 3, (int64_t[]){B, rows, D});
    vtc_op_desc_shape_output(&a->src_idx, VTC_DTYPE_I32, 2, (int64_t[]){B, rows});
}

static void cost(const void *args, const vtc_op_cost_hints *hints, vtc_op_cost *out)
{
    const vtc_prune_args *a = args;
    memset(out, 0, sizeof(*out));
    out->bytes_read = vtc_op_desc_bytes(&a->hidden) + vtc_op_desc_bytes(&a->metric);
    out->bytes_written = vtc_op_desc_bytes(&a->keep_idx) + vtc_op_desc_bytes(&a->out) + vtc_op_desc_bytes(&a->src_idx);
    double B = vtc_op_desc_dim(&a->hidden, 0), N = vtc_op_desc_dim(&a->hidden, 1), D = vtc_op_desc_dim(&a->hidden, 2);
    double Dm = a->metric.dtype != VTC_DTYPE_NONE ? vtc_op_desc_dim(&a->metric, 2) : D;
    double K = a->keep, c = a->contextual, R = N - K;
    double P = a->pivots ? a->pivots : VTC_PRUNE_DART_DEFAULT_PIVOTS;
    if (P > K)
        P = K;
    double pick = a->mode == VTC_PRUNE_DART ? 3 * (1 + P) * N * Dm : 3 * Dm * N * (N - 1) / 2 + 3 * N * Dm;
    if (K == 0)
        pick = 0;
    double merge = c > 0 ? vtc_op_cost_merge_flops(R, c, Dm, D) : 0;
    out->flops = B * (pick + merge);
}

/* B images of N rows, D wide, no metric: K kept, c merged in */
static void pr_fill(void *args, uint32_t mode, int64_t B, int64_t N, int64_t D, uint32_t K, uint32_t c)
{
    vtc_prune_args *a = args;
    VTC_OP_ARGS_INIT(a);
    a->mode = mode;
    a->keep = K;
    a->contextual = c;
    vtc_op_desc_shape(&a->hidden, VTC_DTYPE_F32, 3, (int64_t[]){B, N, D});
    shape_outputs(a);
}

/* DivPrune: 2 kept + 1 merged of N = 6, compared on a metric */
static void example_divprune(void *args)
{
    vtc_prune_args *a = args;
    pr_fill(a, VTC_PRUNE_DIVPRUNE, 1, 6, 4, 2, 1);
    vtc_op_desc_shape(&a->metric, VTC_DTYPE_F32, 3, (int64_t[]){1, 6, 4});
}
VTC_OP_EXAMPLES(example_divprune)

/* ---- named workloads ------------------------------------------------------
 * What a llama.cpp host hands over after the projector (embeddings only, no
 * metric): LLaVA-1.5 576 x 2048 (1.1B-class LM) and 576 x 4096 (7B),
 * LLaVA-NeXT's 5 tiles of 576 x 4096, Qwen2-VL-7B's 1024 x 3584; 64 kept at
 * each, and 128, 192 and 25 % of N (144) at 576 x 4096; "+10": 10 of the
 * rest merged in (the contextual path). Both modes each. */
#define PR_WORKLOADS(m, mode)                                                                                        \
    static void fill_##m##_576x2048(void *a) { pr_fill(a, mode, 1, 576, 2048, 64, 0); }                              \
    static void fill_##m##_576x4096(void *a) { pr_fill(a, mode, 1, 576, 4096, 64, 0); }                              \
    static void fill_##m##_576x4096_k128(void *a) { pr_fill(a, mode, 1, 576, 4096, 128, 0); }                        \
    static void fill_##m##_576x4096_k192(void *a) { pr_fill(a, mode, 1, 576, 4096, 192, 0); }                        \
    static void fill_##m##_576x4096_k25(void *a) { pr_fill(a, mode, 1, 576, 4096, 144, 0); }                         \
    static void fill_##m##_576x4096_c10(void *a) { pr_fill(a, mode, 1, 576, 4096, 64, 10); }                         \
    static void fill_##m##_5x576x4096(void *a) { pr_fill(a, mode, 5, 576, 4096, 64, 0); }                            \
    static void fill_##m##_1024x3584(void *a) { pr_fill(a, mode, 1, 1024, 3584, 64, 0); }
PR_WORKLOADS(divprune, VTC_PRUNE_DIVPRUNE)
PR_WORKLOADS(dart, VTC_PRUNE_DART)

#define PR_ENTRIES(m, words)                                                                                         \
    {#m "-576x2048", words ": LLaVA-1.5 on a 1.1B-class LM, B=1 N=576 D=2048, keep 64", fill_##m##_576x2048},      \
    {#m "-576x4096", words ": LLaVA-1.5-7B, B=1 N=576 D=4096, keep 64", fill_##m##_576x4096},                      \
    {#m "-576x4096-k128", words ": LLaVA-1.5-7B, B=1 N=576 D=4096, keep 128", fill_##m##_576x4096_k128},           \
    {#m "-576x4096-k192", words ": LLaVA-1.5-7B, B=1 N=576 D=4096, keep 192", fill_##m##_576x4096_k192},           \
    {#m "-576x4096-k25pct", words ": LLaVA-1.5-7B, B=1 N=576 D=4096, keep 25% (144)", fill_##m##_576x4096_k25},     \
    {#m "-576x4096+10", words ": LLaVA-1.5-7B, B=1 N=576 D=4096, keep 64 + 10 merged", fill_##m##_576x4096_c10},  \
    {#m "-5x576x4096", words ": LLaVA-NeXT, B=5 tiles N=576 D=4096, keep 64 each", fill_##m##_5x576x4096},         \
    {#m "-1024x3584", words ": Qwen2-VL-7B, B=1 N=1024 D=3584, keep 64", fill_##m##_1024x3584}

static const vtc_op_workload workloads[] = {
    PR_ENTRIES(divprune, "DivPrune"),
    PR_ENTRIES(dart, "DART"),
};

VTC_OP_DESC_DEFINE(prune, VTC_OP_PRUNE, sizeof(vtc_prune_args));
