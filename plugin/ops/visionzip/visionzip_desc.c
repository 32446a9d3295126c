/* visionzip as data: its tensors and the cost of one call (SPEC 1.4).
 *   bytes: the mode's attention input (attn, or q and k), metric and hidden
 *          read (every row: dominant rows are gathered, the rest merged);
 *          out and src_idx written
 *   FLOPs: the scores (scores_desc.c: attn_cls B*H*N, qk_cls 2*B*H*N*dh,
 *          qk_mean 4*B*H*N^2*dh), the metric's head mean B*N*H*dh when it
 *          is computed from k, and the merge of the R = N - keep_cls - k
 *          rest tokens into c (merge_desc.c)
 */
#include "op_desc.h"

#include <float.h>
#include <string.h>

#define IN_OPT (VTC_ROLE_INPUT | VTC_ROLE_OPTIONAL)
static const vtc_op_tensor_desc tensors[] = {
    VTC_OP_TENSOR(vtc_visionzip_args, hidden, VTC_ROLE_INPUT, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_visionzip_args, metric, IN_OPT, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_visionzip_args, attn, IN_OPT, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_visionzip_args, q, IN_OPT, VTC_DTYPES_FLOAT, 4),
    VTC_OP_TENSOR(vtc_visionzip_args, k, IN_OPT, VTC_DTYPES_FLOAT, 4),
    VTC_OP_TENSOR(vtc_visionzip_args, out, VTC_ROLE_OUTPUT, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_visionzip_args, src_idx, VTC_ROLE_OUTPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES(VTC_DTYPE_I32), 2),
};

static const char *const score_modes[] = {"attn_cls", "qk_cls", "qk_mean"};
static const vtc_op_param_desc params[] = {
    VTC_OP_PARAM_ENUM(vtc_visionzip_args, score_mode, score_modes,
                      "attn_cls: from attn; qk_cls: softmax of the CLS query (q, k); qk_mean: of every query"),
    VTC_OP_PARAM(vtc_visionzip_args, dominant, VTC_PARAM_U32, 0, VTC_PARAM_MAX_COUNT,
                 "k: dominant tokens kept besides CLS; k + c at most N - 1 (N without CLS)"),
    VTC_OP_PARAM(vtc_visionzip_args, contextual, VTC_PARAM_U32, 0, VTC_PARAM_MAX_COUNT,
                 "c: contextual tokens merged from the N - 1 - k rest (at most 30000 rest tokens)"),
    VTC_OP_PARAM(vtc_visionzip_args, no_cls, VTC_PARAM_U32, 0, 1, "1: no CLS token, every token competes (SigLIP)"),
    VTC_OP_PARAM(vtc_visionzip_args, scale, VTC_PARAM_F32, -FLT_MAX, FLT_MAX, "softmax scale (qk modes); 0: 1/sqrt(dh)"),
    VTC_OP_PARAM(vtc_visionzip_args, cls_index, VTC_PARAM_U32, 0, VTC_PARAM_MAX_COUNT,
                 "the CLS token's row, below N (0 with no_cls; N - 1 for llama.cpp's LLaVA graph)"),
};

/* out [B][keep_cls + k + c][D] as hidden, src_idx [B][keep_cls + k + c] I32 */
static void shape_outputs(void *args)
{
    vtc_visionzip_args *a = args;
    int64_t B = (int64_t)vtc_op_desc_dim(&a->hidden, 0), D = (int64_t)vtc_op_desc_dim(&a->hidden, 2);
    int64_t rows = (a->no_cls ? 0 : 1) + (int64_t)a->dominant + a->contextual;
    vtc_op_desc_shape_output(&a->out, a->hidden.dtype, 3, (int64_t[]){B, rows, D});
    vtc_op_desc_shape_output(&a->src_idx, VTC_DTYPE_I32, 2, (int64_t[]){B, rows});
}

static void cost(const void *args, const vtc_op_cost_hints *hints, vtc_op_cost *out)
{
    const vtc_visionzip_args *a = args;
    memset(out, 0, sizeof(*out));
    int metric_from_k = a->score_mode != VTC_SCORE_ATTN_CLS && a->metric.dtype == VTC_DTYPE_NONE;
    double B = vtc_op_desc_dim(&a->hidden, 0), N = vtc_op_desc_dim(&a->hidden, 1), D = vtc_op_desc_dim(&a->hidden, 2);
    double in, scores;
    vtc_op_cost_scores(a->score_mode, &a->attn, &a->q, &a->k, N, &in, &scores);
    out->bytes_read = in + vtc_op_desc_bytes(&a->metric) + vtc_op_desc_bytes(&a->hidden);
    out->bytes_written = vtc_op_desc_bytes(&a->out) + vtc_op_desc_bytes(&a->src_idx);

    double Dm = metric_from_k ? vtc_op_desc_dim(&a->k, 3) : vtc_op_desc_dim(&a->metric, 2);
    if (metric_from_k)
        scores += vtc_op_desc_count(&a->k);
    double keep_cls = a->no_cls ? 0 : 1, c = a->contextual, R = N - keep_cls - a->dominant;
    out->flops = scores + B * vtc_op_cost_merge_flops(R, c, Dm, D);
}

/* The tower outputs hosts hand over: B images of N tokens, D wide; H heads
   of dh; k dominant and c contextual tokens kept. */
typedef struct vz_shape {
    int64_t B, N, D, H, dh, Dm; /* Dm 0: no metric (QK modes average k over heads) */
    uint32_t mode, no_cls, k, c;
} vz_shape;

static void vz_fill(void *args, const vz_shape *s)
{
    vtc_visionzip_args *a = args;
    VTC_OP_ARGS_INIT(a);
    a->score_mode = s->mode;
    a->no_cls = s->no_cls;
    a->dominant = s->k;
    a->contextual = s->c;
    vtc_op_desc_shape(&a->hidden, VTC_DTYPE_F32, 3, (int64_t[]){s->B, s->N, s->D});
    if (s->Dm)
        vtc_op_desc_shape(&a->metric, VTC_DTYPE_F32, 3, (int64_t[]){s->B, s->N, s->Dm});
    if (s->mode == VTC_SCORE_ATTN_CLS) {
        vtc_op_desc_shape(&a->attn, VTC_DTYPE_F32, 3, (int64_t[]){s->B, s->H, s->N});
    } else {
        vtc_op_desc_shape(&a->q, VTC_DTYPE_F32, 4, (int64_t[]){s->B, s->N, s->H, s->dh});
        vtc_op_desc_shape(&a->k, VTC_DTYPE_F32, 4, (int64_t[]){s->B, s->N, s->H, s->dh});
    }
    shape_outputs(a);
}

#define VZ_FILL(fn, ...)                                                                                             \
    static void fn(void *args)                                                                                       \
    {                                                                                                                \
        static const vz_shape s = {__VA_ARGS__};                                                                     \
        vz_fill(args, &s);                                                                                           \
    }
/* CLS + 2 dominant + 1 contextual of N = 6 tokens, from attn and from q, k */
VZ_FILL(example_attn, 1, 6, 4, 2, 4, 4, VTC_SCORE_ATTN_CLS, 0, 2, 1)
VZ_FILL(example_qk, 1, 6, 4, 2, 4, 4, VTC_SCORE_QK_CLS, 0, 2, 1)
VTC_OP_EXAMPLES(example_attn, example_qk)

/* the tensors fill the v1 args up to VTC_VISIONZIP_ARGS_V1_SIZE (cls_index came after, in 1.1.0) */
_Static_assert(offsetof(vtc_visionzip_args, src_idx) + sizeof(vtc_tensor) == VTC_VISIONZIP_ARGS_V1_SIZE,
               "visionzip's v1 args end with src_idx");

/* ---- named workloads (vtc bench, vtc bench --predict, vtc pipelines) ----
 * 64 tokens kept: CLS + 53 dominant + 10 contextual with a CLS token, 54 + 10
 * without (vtc_token_split(64)). */
VZ_FILL(fill_llava15, 1, 577, 1024, 16, 64, 64, VTC_SCORE_ATTN_CLS, 0, 53, 10)
VZ_FILL(fill_llava15_qk, 1, 577, 1024, 16, 64, 0, VTC_SCORE_QK_CLS, 0, 53, 10)
VZ_FILL(fill_llavanext, 5, 577, 1024, 16, 64, 64, VTC_SCORE_ATTN_CLS, 0, 53, 10)
VZ_FILL(fill_video, 64, 577, 1024, 16, 64, 64, VTC_SCORE_ATTN_CLS, 0, 53, 10)
VZ_FILL(fill_siglip, 1, 729, 1152, 16, 72, 72, VTC_SCORE_QK_MEAN, 1, 54, 10)

static const vtc_op_workload workloads[] = {
    {"llava15", "LLaVA-1.5: B=1 N=577 D=1024 attn_cls H=16 Dm=64, keep 64", fill_llava15},
    {"llava15-qk", "LLaVA-1.5 from layer -2's q/k (llama.cpp): B=1 N=577 D=1024 qk_cls H=16 dh=64, metric = "
                   "mean k, keep 64", fill_llava15_qk},
    {"llavanext", "LLaVA-NeXT: B=5 crops N=577 D=1024 attn_cls H=16 Dm=64, keep 64 each", fill_llavanext},
    {"video", "video: B=64 frames N=577 D=1024 attn_cls H=16 Dm=64, keep 64 each", fill_video},
    {"siglip", "SigLIP: B=1 N=729 (no CLS) D=1152 qk_mean H=16 dh=72 Dm=72, keep 64", fill_siglip},
};

VTC_OP_DESC_DEFINE(visionzip, VTC_OP_VISIONZIP, VTC_VISIONZIP_ARGS_V1_SIZE);
