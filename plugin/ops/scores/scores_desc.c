/* scores as data: its tensors and the cost of one call (SPEC 1.1).
 *   bytes: the mode's inputs (attn, or q and k) read, score written
 *   FLOPs: attn_cls B*H*N adds; qk_cls 2*B*H*N*dh (the CLS query against
 *          every key); qk_mean 4*B*H*N^2*dh (two passes over q.k: row
 *          log-sum-exp, then column sums; no N x N buffer)
 */
#include "op_desc.h"

#include <float.h>
#include <string.h>

static const vtc_op_tensor_desc tensors[] = {
    VTC_OP_TENSOR(vtc_scores_args, attn, VTC_ROLE_INPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_scores_args, q, VTC_ROLE_INPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES_FLOAT, 4),
    VTC_OP_TENSOR(vtc_scores_args, k, VTC_ROLE_INPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES_FLOAT, 4),
    VTC_OP_TENSOR(vtc_scores_args, score, VTC_ROLE_OUTPUT, VTC_DTYPES(VTC_DTYPE_F32), 2),
};

static const char *const score_modes[] = {"attn_cls", "qk_cls", "qk_mean"};
static const vtc_op_param_desc params[] = {
    VTC_OP_PARAM_ENUM(vtc_scores_args, mode, score_modes,
                      "attn_cls: sum of the CLS attention rows; qk_cls: softmax of the CLS query; qk_mean: of every query"),
    VTC_OP_PARAM(vtc_scores_args, scale, VTC_PARAM_F32, -FLT_MAX, FLT_MAX, "softmax scale (qk modes); 0: 1/sqrt(dh)"),
    VTC_OP_PARAM(vtc_scores_args, cls_index, VTC_PARAM_U32, 0, VTC_PARAM_MAX_COUNT,
                 "qk_cls: the CLS token's row, below N (else 0)"),
};

/* score [B][N] F32, B and N from attn [B][H][N] or q [B][N][H][dh] */
static void shape_outputs(void *args)
{
    vtc_scores_args *a = args;
    int attn = a->mode == VTC_SCORE_ATTN_CLS;
    int64_t B = (int64_t)vtc_op_desc_dim(attn ? &a->attn : &a->q, 0);
    int64_t N = (int64_t)vtc_op_desc_dim(attn ? &a->attn : &a->q, attn ? 2 : 1);
    vtc_op_desc_shape_output(&a->score, VTC_DTYPE_F32, 2, (int64_t[]){B, N});
}

static void cost(const void *args, const vtc_op_cost_hints *hints, vtc_op_cost *out)
{
    const vtc_scores_args *a = args;
    memset(out, 0, sizeof(*out));
    vtc_op_cost_scores(a->mode, &a->attn, &a->q, &a->k, vtc_op_desc_dim(&a->q, 1), &out->bytes_read, &out->flops);
    out->bytes_written = vtc_op_desc_bytes(&a->score);
}

/* The scores step on B = 1 image of N tokens, H heads (of dh for the qk modes). */
static void sc_fill(void *args, uint32_t mode, int64_t N, int64_t H, int64_t dh)
{
    vtc_scores_args *a = args;
    VTC_OP_ARGS_INIT(a);
    a->mode = mode;
    if (mode == VTC_SCORE_ATTN_CLS) {
        vtc_op_desc_shape(&a->attn, VTC_DTYPE_F32, 3, (int64_t[]){1, H, N});
    } else {
        vtc_op_desc_shape(&a->q, VTC_DTYPE_F32, 4, (int64_t[]){1, N, H, dh});
        vtc_op_desc_shape(&a->k, VTC_DTYPE_F32, 4, (int64_t[]){1, N, H, dh});
    }
    shape_outputs(a);
}

static void example_attn(void *a) { sc_fill(a, VTC_SCORE_ATTN_CLS, 5, 2, 0); }
static void example_qk_mean(void *a) { sc_fill(a, VTC_SCORE_QK_MEAN, 5, 2, 4); }
VTC_OP_EXAMPLES(example_attn, example_qk_mean)

/* ---- named workloads ------------------------------------------------------
 * The scores step alone, on VisionZip's inputs: LLaVA-1.5's CLS attention
 * row, its layer -2 q/k (CLS query), SigLIP's q/k (mean over queries). */
static void fill_llava15(void *a) { sc_fill(a, VTC_SCORE_ATTN_CLS, 577, 16, 0); }
static void fill_llava15_qk(void *a) { sc_fill(a, VTC_SCORE_QK_CLS, 577, 16, 64); }
static void fill_siglip(void *a) { sc_fill(a, VTC_SCORE_QK_MEAN, 729, 16, 72); }

static const vtc_op_workload workloads[] = {
    {"llava15", "LLaVA-1.5: B=1 N=577 attn_cls H=16", fill_llava15},
    {"llava15-qk", "LLaVA-1.5 layer -2: B=1 N=577 qk_cls H=16 dh=64", fill_llava15_qk},
    {"siglip", "SigLIP: B=1 N=729 qk_mean H=16 dh=72", fill_siglip},
};

VTC_OP_DESC_DEFINE(scores, VTC_OP_SCORES, sizeof(vtc_scores_args));
