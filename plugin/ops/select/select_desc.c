/* select as data: its tensors and the cost of one call (SPEC 1.2).
 *   bytes: score read, the kept rows of hidden gathered (when dominant_out
 *          is asked for), the index lists and dominant_out written
 *   FLOPs: none (top-k is comparisons, not counted)
 */
#include "op_desc.h"

#include <string.h>

static const vtc_op_tensor_desc tensors[] = {
    VTC_OP_TENSOR(vtc_select_args, score, VTC_ROLE_INPUT, VTC_DTYPES(VTC_DTYPE_F32), 2),
    VTC_OP_TENSOR(vtc_select_args, hidden, VTC_ROLE_INPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_select_args, keep_idx, VTC_ROLE_OUTPUT, VTC_DTYPES(VTC_DTYPE_I32), 2),
    VTC_OP_TENSOR(vtc_select_args, rest_idx, VTC_ROLE_OUTPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES(VTC_DTYPE_I32), 2),
    VTC_OP_TENSOR(vtc_select_args, dominant_out, VTC_ROLE_OUTPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES_FLOAT, 3),
};

static const vtc_op_param_desc params[] = {
    VTC_OP_PARAM(vtc_select_args, dominant, VTC_PARAM_U32, 0, VTC_PARAM_MAX_COUNT,
                 "k: tokens kept besides CLS, at most N - 1 (N without CLS)"),
    VTC_OP_PARAM(vtc_select_args, no_cls, VTC_PARAM_U32, 0, 1, "1: no CLS token, every token competes (SigLIP)"),
    VTC_OP_PARAM(vtc_select_args, cls_index, VTC_PARAM_U32, 0, VTC_PARAM_MAX_COUNT,
                 "the CLS token's row, below N (0 with no_cls)"),
};

/* keep_idx [B][keep_cls + k], rest_idx [B][N - keep_cls - k] I32; dominant_out [B][keep_cls + k][D] as hidden */
static void shape_outputs(void *args)
{
    vtc_select_args *a = args;
    int64_t B = (int64_t)vtc_op_desc_dim(&a->score, 0), N = (int64_t)vtc_op_desc_dim(&a->score, 1);
    int64_t nkeep = (a->no_cls ? 0 : 1) + (int64_t)a->dominant, D = (int64_t)vtc_op_desc_dim(&a->hidden, 2);
    vtc_op_desc_shape_output(&a->keep_idx, VTC_DTYPE_I32, 2, (int64_t[]){B, nkeep});
    vtc_op_desc_shape_output(&a->rest_idx, VTC_DTYPE_I32, 2, (int64_t[]){B, N - nkeep});
    vtc_op_desc_shape_output(&a->dominant_out, a->hidden.dtype, 3, (int64_t[]){B, nkeep, D});
}

static void cost(const void *args, const vtc_op_cost_hints *hints, vtc_op_cost *out)
{
    const vtc_select_args *a = args;
    memset(out, 0, sizeof(*out));
    double gathered = vtc_op_desc_bytes(&a->dominant_out);
    out->bytes_read = vtc_op_desc_bytes(&a->score) + gathered;
    out->bytes_written = vtc_op_desc_bytes(&a->keep_idx) + vtc_op_desc_bytes(&a->rest_idx) + gathered;
}

/* One image of N tokens, D wide: k kept (besides CLS unless no_cls), rows gathered. */
static void se_fill(void *args, int64_t N, int64_t D, uint32_t k, uint32_t no_cls)
{
    vtc_select_args *a = args;
    VTC_OP_ARGS_INIT(a);
    a->dominant = k;
    a->no_cls = no_cls;
    vtc_op_desc_shape(&a->score, VTC_DTYPE_F32, 2, (int64_t[]){1, N});
    vtc_op_desc_shape(&a->hidden, VTC_DTYPE_F32, 3, (int64_t[]){1, N, D});
    shape_outputs(a);
}

static void example_small(void *a) { se_fill(a, 5, 4, 2, 0); } /* CLS + 2 kept of N = 5 */
VTC_OP_EXAMPLES(example_small)

/* ---- named workloads ------------------------------------------------------
 * VisionZip's dominant step alone: LLaVA-1.5 (CLS + 53 of 577, D = 1024)
 * and SigLIP (54 of 729, no CLS, D = 1152), rows gathered. */
static void fill_llava15(void *a) { se_fill(a, 577, 1024, 53, 0); }
static void fill_siglip(void *a) { se_fill(a, 729, 1152, 54, 1); }

static const vtc_op_workload workloads[] = {
    {"llava15", "LLaVA-1.5: B=1 N=577 D=1024, CLS + 53 kept and gathered", fill_llava15},
    {"siglip", "SigLIP: B=1 N=729 (no CLS) D=1152, 54 kept and gathered", fill_siglip},
};

VTC_OP_DESC_DEFINE(select, VTC_OP_SELECT, sizeof(vtc_select_args));
