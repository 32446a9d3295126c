/* merge as data: its tensors and the cost of one call (SPEC 1.3).
 *   bytes: hidden, metric and rest_idx read, out written
 *   FLOPs per image, R rest tokens, c targets: 3*R*Dm (normalise)
 *          + 2*(R-c)*c*Dm (cosine to every target) + (R-c)*D + 2*c*D
 *          (sums, mean, plus target)
 */
#include "op_desc.h"

#include <string.h>

static const vtc_op_tensor_desc tensors[] = {
    VTC_OP_TENSOR(vtc_merge_args, hidden, VTC_ROLE_INPUT, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_merge_args, metric, VTC_ROLE_INPUT, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_merge_args, rest_idx, VTC_ROLE_INPUT, VTC_DTYPES(VTC_DTYPE_I32), 2),
    VTC_OP_TENSOR(vtc_merge_args, out, VTC_ROLE_OUTPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES_FLOAT, 3),
};

static const vtc_op_param_desc params[] = {
    VTC_OP_PARAM(vtc_merge_args, contextual, VTC_PARAM_U32, 0, 30000,
                 "c: contextual tokens per image, at most R (the rest tokens, at most 30000)"),
};

/* out [B][c][D] as hidden */
static void shape_outputs(void *args)
{
    vtc_merge_args *a = args;
    int64_t B = (int64_t)vtc_op_desc_dim(&a->hidden, 0), D = (int64_t)vtc_op_desc_dim(&a->hidden, 2);
    vtc_op_desc_shape_output(&a->out, a->hidden.dtype, 3, (int64_t[]){B, a->contextual, D});
}

static void cost(const void *args, const vtc_op_cost_hints *hints, vtc_op_cost *out)
{
    const vtc_merge_args *a = args;
    memset(out, 0, sizeof(*out));
    out->bytes_read = vtc_op_desc_bytes(&a->hidden) + vtc_op_desc_bytes(&a->metric) + vtc_op_desc_bytes(&a->rest_idx);
    out->bytes_written = vtc_op_desc_bytes(&a->out);
    double B = vtc_op_desc_dim(&a->hidden, 0), D = vtc_op_desc_dim(&a->hidden, 2);
    double Dm = vtc_op_desc_dim(&a->metric, 2), R = vtc_op_desc_dim(&a->rest_idx, 1), c = a->contextual;
    out->flops = B * vtc_op_cost_merge_flops(R, c, Dm, D);
}

/* One image of N tokens (D wide, metric Dm wide): its R rest tokens into c. */
static void me_fill(void *args, int64_t N, int64_t D, int64_t Dm, int64_t R, uint32_t c)
{
    vtc_merge_args *a = args;
    VTC_OP_ARGS_INIT(a);
    a->contextual = c;
    vtc_op_desc_shape(&a->hidden, VTC_DTYPE_F32, 3, (int64_t[]){1, N, D});
    vtc_op_desc_shape(&a->metric, VTC_DTYPE_F32, 3, (int64_t[]){1, N, Dm});
    vtc_op_desc_shape(&a->rest_idx, VTC_DTYPE_I32, 2, (int64_t[]){1, R});
    shape_outputs(a);
}

static void example_small(void *a) { me_fill(a, 5, 4, 4, 1, 1); } /* rest_idx zero-filled: R = 1, token 0 */
VTC_OP_EXAMPLES(example_small)

/* ---- named workloads ------------------------------------------------------
 * VisionZip's contextual step alone: the rest of LLaVA-1.5 (523 of 577
 * tokens, metric Dm = 64) and of SigLIP (675 of 729, Dm = 72) into 10. */
static void fill_llava15(void *a) { me_fill(a, 577, 1024, 64, 523, 10); }
static void fill_siglip(void *a) { me_fill(a, 729, 1152, 72, 675, 10); }

static const vtc_op_workload workloads[] = {
    {"llava15", "LLaVA-1.5: B=1 N=577 D=1024 Dm=64, 523 rest tokens into 10", fill_llava15},
    {"siglip", "SigLIP: B=1 N=729 D=1152 Dm=72, 675 rest tokens into 10", fill_siglip},
};

VTC_OP_DESC_DEFINE(merge, VTC_OP_MERGE, sizeof(vtc_merge_args));
