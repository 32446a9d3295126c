/* The template op as data: x read, y written, two FLOPs per element. */
#include "op_desc.h"
#include "vtc_toy.h"

#include <math.h>
#include <string.h>

static const vtc_op_tensor_desc tensors[] = {
    VTC_OP_TENSOR(vtc_toy_args, x, VTC_ROLE_INPUT, VTC_DTYPES_FLOAT, 2),
    VTC_OP_TENSOR(vtc_toy_args, y, VTC_ROLE_OUTPUT, VTC_DTYPES_FLOAT, 2),
};

static const vtc_op_param_desc params[] = {
    VTC_OP_PARAM(vtc_toy_args, a, VTC_PARAM_F32, -INFINITY, INFINITY, "the factor: y = a x + b (any value)"),
    VTC_OP_PARAM(vtc_toy_args, b, VTC_PARAM_F32, -INFINITY, INFINITY, "the offset (any value)"),
};

/* y: x's dtype and shape */
VTC_OP_OUTPUT_AS_INPUT(vtc_toy_args, y, x)

static void cost(const void *args, const vtc_op_cost_hints *hints, vtc_op_cost *out)
{
    const vtc_toy_args *a = args;
    memset(out, 0, sizeof(*out));
    out->bytes_read = vtc_op_desc_bytes(&a->x);
    out->bytes_written = vtc_op_desc_bytes(&a->y);
    out->flops = 2 * vtc_op_desc_count(&a->x);
}

/* y = 2 x + b over rows x cols */
static void toy_fill(void *args, int64_t rows, int64_t cols, float b)
{
    vtc_toy_args *a = args;
    VTC_OP_ARGS_INIT(a);
    a->a = 2.0f;
    a->b = b;
    vtc_op_desc_shape(&a->x, VTC_DTYPE_F32, 2, (int64_t[]){rows, cols});
    shape_outputs(a);
}

static void example_small(void *a) { toy_fill(a, 3, 4, 0.0f); }
VTC_OP_EXAMPLES(example_small)

/* ---- named workloads: one, a 4096 x 1024 activation (the template's) ----- */
static void fill_act(void *a) { toy_fill(a, 4096, 1024, 0.5f); }

static const vtc_op_workload workloads[] = {
    {"act4096", "y = 2x + 0.5 over 4096 x 1024", fill_act},
};

VTC_OP_DESC_DEFINE(toy, VTC_OP_TOY, sizeof(vtc_toy_args));
