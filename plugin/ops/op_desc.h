/*
 * An op as data, without Vulkan: its identity (id, name, v1 args size),
 * its args struct's tensor table and the cost of one call. One file per op
 * (plugin/ops/<op>/<op>_desc.c, listed in op_descs); built into the
 * plugin, where vtc_op_def.desc points at it and the executor checks and
 * binds every tensor from the table, and into the host library vtc_opdesc,
 * which the CLI, bench, conformance, the fuzzer and the reliability tests
 * read instead of each keeping its own copy of every op's shapes.
 *
 * Includes only the public ABI headers.
 */
#ifndef VTC_OP_DESC_H
#define VTC_OP_DESC_H

#include "vtc.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A tensor's role: read or written by the call, and whether it may be
   absent (dtype NONE). Whether an optional tensor is read can depend on
   the op's parameters (visionzip reads attn or q, k by score_mode: the
   op's uses hook, plugin/op.h). STRIDED: the op's shaders honour the
   tensor's strides on a device buffer too (others must be contiguous
   there; host tensors are packed either way). */
#define VTC_ROLE_INPUT    0x1u
#define VTC_ROLE_OUTPUT   0x2u
#define VTC_ROLE_OPTIONAL 0x4u
#define VTC_ROLE_STRIDED  0x8u

/* bit (1 << dtype) of each dtype a tensor may have */
#define VTC_DTYPES(d) (1u << (d))
#define VTC_DTYPES_FLOAT (VTC_DTYPES(VTC_DTYPE_F32) | VTC_DTYPES(VTC_DTYPE_F16))

typedef struct vtc_op_tensor_desc {
    const char *name;         /* the member's name in the args struct */
    size_t offset;            /* offsetof the member */
    uint32_t role;            /* VTC_ROLE_* */
    uint32_t dtypes;          /* VTC_DTYPES bits allowed (plan() may narrow it further: "as hidden") */
    uint32_t rank;            /* ndim the op requires */
} vtc_op_tensor_desc;

#define VTC_OP_TENSOR(args_type, member, role, dtypes, rank) \
    {#member, offsetof(args_type, member), (role), (dtypes), (rank)}

/* What one call moves and computes, at SPEC level: every input read once,
   every output written once, weights moved once; intermediates and
   comparisons not counted (the formulas are in each <op>_desc.c). */
typedef struct vtc_op_cost {
    double bytes_read;
    double bytes_written;
    double flops;
} vtc_op_cost;

/* What a cost needs that the args only refer to (NULL: the defaults). */
typedef struct vtc_op_cost_hints {
    uint32_t heads;           /* compress: the weight set's head count (0: its default, 8) */
} vtc_op_cost_hints;

/* The largest number of tensors an args struct has (a test checks it). */
#define VTC_OP_DESC_MAX_TENSORS 8

/* A parameter of the args struct that is not a tensor: what `vtc run`
   turns into a flag (--name, underscores as dashes), what the fuzzer and
   the reliability tests mutate within and past its range, what help says. */
#define VTC_PARAM_U32 1u
#define VTC_PARAM_I32 2u
#define VTC_PARAM_F32 3u

typedef struct vtc_op_param_desc {
    const char *name;         /* the member's name in the args struct */
    size_t offset;            /* offsetof the member */
    uint32_t type;            /* VTC_PARAM_* */
    double min, max;          /* the range the plugin accepts (inclusive); a call with a value
                                 outside it is refused. Within it a value can still be refused
                                 by a relation to the shapes (dominant <= N - 1). F32 with
                                 min -INFINITY and max INFINITY: every value, NaN included */
    const char *help;         /* one line: meaning, unit, what 0 means */
    const char *const *names; /* NULL, or the values' names (names[v] for v = min..max), which
                                 `vtc run` takes in place of the number */
} vtc_op_param_desc;

#define VTC_OP_PARAM(args_type, member, type, min, max, help) \
    {#member, offsetof(args_type, member), (type), (min), (max), (help), NULL}
/* an enum: a U32 from 0 to the last of `names` (a static array of strings) */
#define VTC_OP_PARAM_ENUM(args_type, member, names, help) \
    {#member, offsetof(args_type, member), VTC_PARAM_U32, 0, sizeof(names) / sizeof((names)[0]) - 1, (help), (names)}
/* The largest value of a count bounded only by a shape (tokens, rows):
   elements are indexed in 32 bits, so no dimension reaches 2^31. */
#define VTC_PARAM_MAX_COUNT 2147483647.0

/* A named workload: the shapes a host hands over for one model (bench,
   `vtc pipelines`, `vtc bench --predict`). */
typedef struct vtc_op_workload {
    const char *name;         /* "llava15": what `vtc bench --shape` takes */
    const char *help;         /* one line: which model, rows x width, what is kept */
    /* Fills `args` (zeroed first) with the workload: parameters and F32
       (I32, U8) tensors shaped for it, host pointers NULL, as example(). */
    void (*fill)(void *args);
} vtc_op_workload;

typedef struct vtc_op_desc {
    uint32_t op;              /* VTC_OP_* */
    const char *name;         /* "visionzip" */
    size_t args_size;         /* bytes of the v1 args struct */
    const vtc_op_tensor_desc *tensors;   /* every vtc_tensor of the v1 args, in struct order */
    uint32_t ntensors;
    /* The cost of one call with these args, from the tensors' shapes and
       dtypes and the op's parameters (composite also reads kind's host
       data when it has some; without it every query row counts as text). */
    void (*cost)(const void *args, const vtc_op_cost_hints *hints, vtc_op_cost *out);
    /* Fills `args` (zeroed first) with small valid call number `which`:
       parameters, and F32 (I32, U8) tensors shaped for it, host pointers
       NULL. Between them the examples make every tensor present at least
       once (visionzip: one per score mode). Returns 0, or -1 past the last.
       compress's needs a weight set the caller makes (E = 8, Q = 1)
       and puts in args->weights. */
    int (*example)(uint32_t which, void *args);
    /* Appended: the args' parameters, and the named workloads (may be 0). */
    const vtc_op_param_desc *params;
    uint32_t nparams;
    const vtc_op_workload *workloads;
    uint32_t nworkloads;
    /* Appended: shapes every output tensor (dtype, ndim, shape; strides
       zeroed, host and buffer left as they are) from the input tensors and
       the parameters, as the op requires them. The caller drops optional
       outputs it does not want. Shapes may come out negative or zero where
       the parameters do not fit the inputs (the op then refuses the call).
       compress: Q is the weight set's, which args cannot tell: the caller
       sets out.shape[1] first (0: 1). */
    void (*shape_outputs)(void *args);
} vtc_op_desc;

/* The descriptors of this build, in the op list's order (plugin/ops/meson.build). */
const vtc_op_desc *vtc_op_desc_at(uint32_t index);   /* NULL past the end */
const vtc_op_desc *vtc_op_desc_find(uint32_t op);    /* NULL when unknown */
const vtc_op_desc *vtc_op_desc_named(const char *name);
/* The table's entry for `name`, or NULL. */
const vtc_op_tensor_desc *vtc_op_desc_tensor(const vtc_op_desc *d, const char *name);

/* The tensor a table entry describes, inside an args struct. */
static inline vtc_tensor *vtc_op_tensor_in(const vtc_op_tensor_desc *t, void *args)
{
    return (vtc_tensor *)(void *)((unsigned char *)args + t->offset);
}
static inline const vtc_tensor *vtc_op_tensor_in_const(const vtc_op_tensor_desc *t, const void *args)
{
    return (const vtc_tensor *)(const void *)((const unsigned char *)args + t->offset);
}

/* ---- for the <op>_desc.c files ------------------------------------------ */
/* Elements of a tensor's shape (0 when absent or malformed), and its bytes. */
double vtc_op_desc_count(const vtc_tensor *t);
double vtc_op_desc_bytes(const vtc_tensor *t);
/* dim i, or 0 when the tensor does not have it */
double vtc_op_desc_dim(const vtc_tensor *t, uint32_t i);
/* Shapes one tensor for an example: `dtype`, `ndim` dims. */
void vtc_op_desc_shape(vtc_tensor *t, uint32_t dtype, uint32_t ndim, const int64_t *shape);
/* The same for an output, keeping its host pointer and buffer. */
void vtc_op_desc_shape_output(vtc_tensor *t, uint32_t dtype, uint32_t ndim, const int64_t *shape);

/* shape_outputs() of an op whose one output takes an input's dtype and shape. */
#define VTC_OP_OUTPUT_AS_INPUT(args_type, out, in)                                                                   \
    static void shape_outputs(void *args)                                                                            \
    {                                                                                                                \
        args_type *a = args;                                                                                         \
        vtc_op_desc_shape_output(&a->out, a->in.dtype, a->in.ndim <= VTC_MAX_DIMS ? a->in.ndim : 0, a->in.shape);    \
    }

/* Zeroes an args struct and sets its size: where every example and workload fill starts. */
#define VTC_OP_ARGS_INIT(a) (memset((a), 0, sizeof(*(a))), (a)->size = sizeof(*(a)))

/* example() from fill functions, one a call (each starts with VTC_OP_ARGS_INIT). */
#define VTC_OP_EXAMPLES(...)                                                                                         \
    static int example(uint32_t which, void *args)                                                                   \
    {                                                                                                                \
        static void (*const fills[])(void *) = {__VA_ARGS__};                                                        \
        if (which >= sizeof(fills) / sizeof(fills[0]))                                                               \
            return -1;                                                                                               \
        fills[which](args);                                                                                          \
        return 0;                                                                                                    \
    }

/* An <op>_desc.c's descriptor, from its parts as each file names them:
   static tensors[], params[], workloads[], cost(), example() and shape_outputs(). */
#define VTC_OP_DESC_DEFINE(op_name, op_id, v1_args_size)                                                             \
    const vtc_op_desc vtc_op_##op_name##_desc = {                                                                    \
        (op_id), #op_name, (v1_args_size), tensors, sizeof(tensors) / sizeof(tensors[0]), cost, example,              \
        params, sizeof(params) / sizeof(params[0]), workloads, sizeof(workloads) / sizeof(workloads[0]),              \
        shape_outputs}

/* Costs that ops built from the shared kernels also count: */
/* the scores step (scores_desc.c): its input's bytes and its FLOPs for `mode` over N tokens */
static inline void vtc_op_cost_scores(uint32_t mode, const vtc_tensor *attn, const vtc_tensor *q, const vtc_tensor *k,
                                      double N, double *bytes_read, double *flops)
{
    if (mode == VTC_SCORE_ATTN_CLS) {
        *bytes_read = vtc_op_desc_bytes(attn);
        *flops = vtc_op_desc_count(attn);
    } else {
        *bytes_read = vtc_op_desc_bytes(q) + vtc_op_desc_bytes(k);
        double qk = vtc_op_desc_count(q); /* B*N*H*dh */
        *flops = mode == VTC_SCORE_QK_MEAN ? 4 * qk * N : 2 * qk;
    }
}
/* the merge step's FLOPs per image (merge_desc.c): R rest tokens into c,
   compared at width Dm, averaged at width D */
static inline double vtc_op_cost_merge_flops(double R, double c, double Dm, double D)
{
    return 3 * R * Dm + 2 * (R - c) * c * Dm + (R - c) * D + 2 * c * D;
}
/* The table's entry for parameter `name`, or NULL; a parameter's value as a double, and set from one. */
const vtc_op_param_desc *vtc_op_desc_param(const vtc_op_desc *d, const char *name);
double vtc_op_param_get(const vtc_op_param_desc *p, const void *args);
void vtc_op_param_set(const vtc_op_param_desc *p, void *args, double v);
/* Bytes an args buffer needs for any op of this build (the largest args
   struct, appended members included). */
#define VTC_OP_ARGS_MAX 1536

#endif
