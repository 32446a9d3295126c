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
static void shape_outputs(void *args)
{
    vtc_toy_args *a = args;
    vtc_op_desc_shape_output(&a->y, a->x.dtype, a->x.ndim <= VTC_MAX_DIMS ? a->x.ndim : 0, a->x.shape);
}

static void cost(const void *args, const vtc_op_cost_hints *hints, vtc_op_cost *out)
{
    const vtc_toy_args *a = args;
    memset(out, 0, sizeof(*out));
    out->bytes_read = vtc_op_desc_bytes(&a->x);
    out->bytes_written = vtc_op_desc_bytes(&a->y);
    out->flops = 2 * vtc_op_desc_count(&a->x);
}

static int example(uint32_t which, void *args)
{
    vtc_toy_args *a = args;
    if (which)
        return -1;
    memset(a, 0, sizeof(*a));
    a->size = sizeof(*a);
    a->a = 2.0f;
    vtc_op_desc_shape(&a->x, VTC_DTYPE_F32, 2, (int64_t[]){3, 4});
    vtc_op_desc_shape(&a->y, VTC_DTYPE_F32, 2, (int64_t[]){3, 4});
    return 0;
}

/* ---- named workloads: one, a 4096 x 1024 activation (the template's) ----- */
static void fill_act(void *args)
{
    vtc_toy_args *a = args;
    memset(a, 0, sizeof(*a));
    a->size = sizeof(*a);
    a->a = 2.0f;
    a->b = 0.5f;
    vtc_op_desc_shape(&a->x, VTC_DTYPE_F32, 2, (int64_t[]){4096, 1024});
    vtc_op_desc_shape(&a->y, VTC_DTYPE_F32, 2, (int64_t[]){4096, 1024});
}

static const vtc_op_workload workloads[] = {
    {"act4096", "y = 2x + 0.5 over 4096 x 1024", fill_act},
};

const vtc_op_desc vtc_op_toy_desc = {VTC_OP_TOY, "toy", sizeof(vtc_toy_args), tensors,
                                     sizeof(tensors) / sizeof(tensors[0]), cost, example,
                                     params, sizeof(params) / sizeof(params[0]),
                                     workloads, sizeof(workloads) / sizeof(workloads[0]), shape_outputs};
