/* compress as data: its tensors and the cost of one call (SPEC 2).
 * Per image, Q queries, N tokens, E wide, h heads (the weight set's:
 * hints->heads), MACs, FLOPs = 2 x MACs (layer norms, softmax, exp not
 * counted):
 *   reference: 2 N E^2 (k, v projections) + Q E^2 (q projection)
 *              + 2 Q N E (scores and A.V over all heads) + Q E^2 (output)
 *   fast:      N E Q h (folded scores) + Q h N E (A.X per head)
 *              + Q E^2 (values: Q h rows of E times Wv_h, dh x E)
 *              + Q E^2 (output)
 * bytes: x read, out and attn_mean written, plus the weights each path must
 *   read once, counted at 4 bytes: reference 3 E^2 (Wk, Wv, Wo) + N E (key
 *   positional table); fast Q h E (folded query.key weights) + 2 E^2 (Wv,
 *   Wo) + N Q h (folded positional bias).
 */
#include "op_desc.h"

#include <string.h>

static const vtc_op_tensor_desc tensors[] = {
    VTC_OP_TENSOR(vtc_compress_args, x, VTC_ROLE_INPUT, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_compress_args, out, VTC_ROLE_OUTPUT, VTC_DTYPES_FLOAT, 3),
    VTC_OP_TENSOR(vtc_compress_args, attn_mean, VTC_ROLE_OUTPUT | VTC_ROLE_OPTIONAL, VTC_DTYPES_FLOAT, 3),
};

static const char *const paths[] = {"fast", "reference"};
static const vtc_op_param_desc params[] = {
    VTC_OP_PARAM_ENUM(vtc_compress_args, path, paths,
                      "fast: queries folded into the key/value weights; reference: q/k/v projections as written"),
};

/* out [B][Q][E] as x, attn_mean [B][Q][N] F32; Q the weight set's (out.shape[1] as the caller set it, else 1) */
static void shape_outputs(void *args)
{
    vtc_compress_args *a = args;
    int64_t B = (int64_t)vtc_op_desc_dim(&a->x, 0), N = (int64_t)vtc_op_desc_dim(&a->x, 1);
    int64_t E = (int64_t)vtc_op_desc_dim(&a->x, 2), Q = a->out.ndim >= 2 && a->out.shape[1] > 0 ? a->out.shape[1] : 1;
    vtc_op_desc_shape_output(&a->out, a->x.dtype, 3, (int64_t[]){B, Q, E});
    vtc_op_desc_shape_output(&a->attn_mean, VTC_DTYPE_F32, 3, (int64_t[]){B, Q, N});
}

static void cost(const void *args, const vtc_op_cost_hints *hints, vtc_op_cost *out)
{
    const vtc_compress_args *a = args;
    memset(out, 0, sizeof(*out));
    double B = vtc_op_desc_dim(&a->x, 0), n = vtc_op_desc_dim(&a->x, 1), e = vtc_op_desc_dim(&a->x, 2);
    double Q = vtc_op_desc_dim(&a->out, 1), h = hints && hints->heads ? hints->heads : 8;
    int fast = a->path == VTC_COMPRESS_FAST;
    double macs = fast ? n * e * Q * h + Q * h * n * e + Q * e * e + Q * e * e
                       : 2 * n * e * e + Q * e * e + 2 * Q * n * e + Q * e * e;
    out->flops = 2 * macs * B;
    double weights = fast ? (Q * h * e + 2 * e * e + n * Q * h) * 4 : (3 * e * e + n * e) * 4;
    out->bytes_read = vtc_op_desc_bytes(&a->x) + weights;
    out->bytes_written = vtc_op_desc_bytes(&a->out) + vtc_op_desc_bytes(&a->attn_mean);
}

/* x of B = 1 image of N tokens, E wide, into C x C queries; no attn_mean */
static void cm_fill(void *args, int64_t C, int64_t N, int64_t E, uint32_t path)
{
    vtc_compress_args *a = args;
    VTC_OP_ARGS_INIT(a);
    a->path = path;
    vtc_op_desc_shape(&a->x, VTC_DTYPE_F32, 3, (int64_t[]){1, N, E});
    vtc_op_desc_shape(&a->out, VTC_DTYPE_F32, 3, (int64_t[]){1, C * C, E});
}

/* x of 2x2 tokens, 8 wide, into Q = 1 query, attn_mean too; args->weights is the caller's */
static void example_small(void *a)
{
    cm_fill(a, 1, 4, 8, VTC_COMPRESS_FAST);
    shape_outputs(a);
}
VTC_OP_EXAMPLES(example_small)

/* ---- named workloads ------------------------------------------------------
 * LLaVA-Mini's compressor, E = 1024, B = 1: C = 1 and 8 (Q = 1, 64 queries),
 * N = 576 (24x24, CLIP-L/336) and 2304 (48x48, high resolution), each path.
 * The weight set (h = 8 heads) is the caller's: vtc bench makes a random one
 * (ref_compress_args.c), vtc pipelines a zero one. */
#define CM_PATHS(name, C, N)                                                                                         \
    static void fill_##name##_fast(void *a) { cm_fill(a, C, N, 1024, VTC_COMPRESS_FAST); }                           \
    static void fill_##name##_ref(void *a) { cm_fill(a, C, N, 1024, VTC_COMPRESS_REFERENCE); }
CM_PATHS(c1_n576, 1, 576)
CM_PATHS(c8_n576, 8, 576)
CM_PATHS(c1_n2304, 1, 2304)
CM_PATHS(c8_n2304, 8, 2304)

/* each shape on the fast path, then on the reference path */
#define CM_ENTRIES(name, fn, shape)                                                                                  \
    {name "-fast", "LLaVA-Mini fast path: " shape, fill_##fn##_fast},                                                \
    {name "-ref", "LLaVA-Mini reference path: " shape, fill_##fn##_ref}

static const vtc_op_workload workloads[] = {
    CM_ENTRIES("c1-n576", c1_n576, "B=1 N=576 (24x24) E=1024 h=8 -> Q=1"),
    CM_ENTRIES("c8-n576", c8_n576, "B=1 N=576 (24x24) E=1024 h=8 -> Q=64"),
    CM_ENTRIES("c1-n2304", c1_n2304, "B=1 N=2304 (48x48) E=1024 h=8 -> Q=1"),
    CM_ENTRIES("c8-n2304", c8_n2304, "B=1 N=2304 (48x48) E=1024 h=8 -> Q=64"),
};

VTC_OP_DESC_DEFINE(compress, VTC_OP_COMPRESS, sizeof(vtc_compress_args));
