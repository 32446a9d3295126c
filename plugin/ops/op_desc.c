/* The descriptors of this build, from the op list (plugin/ops/meson.build),
   and the shape arithmetic every <op>_desc.c shares. */
#include "op_desc.h"
#include "vtc_op_list.h"

#include <string.h>

#define DESC_DECLARE(name) extern const vtc_op_desc vtc_op_##name##_desc;
VTC_OP_LIST(DESC_DECLARE)
#undef DESC_DECLARE

#define DESC_ENTRY(name) &vtc_op_##name##_desc,
static const vtc_op_desc *const descs[] = {VTC_OP_LIST(DESC_ENTRY)};
#undef DESC_ENTRY
#define NDESCS (sizeof(descs) / sizeof(descs[0]))

const vtc_op_desc *vtc_op_desc_at(uint32_t index)
{
    return index < NDESCS ? descs[index] : NULL;
}

const vtc_op_desc *vtc_op_desc_find(uint32_t op)
{
    for (size_t i = 0; i < NDESCS; i++)
        if (descs[i]->op == op)
            return descs[i];
    return NULL;
}

const vtc_op_desc *vtc_op_desc_named(const char *name)
{
    for (size_t i = 0; name && i < NDESCS; i++)
        if (!strcmp(descs[i]->name, name))
            return descs[i];
    return NULL;
}

const vtc_op_tensor_desc *vtc_op_desc_tensor(const vtc_op_desc *d, const char *name)
{
    for (uint32_t i = 0; d && name && i < d->ntensors; i++)
        if (!strcmp(d->tensors[i].name, name))
            return &d->tensors[i];
    return NULL;
}

double vtc_op_desc_count(const vtc_tensor *t)
{
    if (t->dtype == VTC_DTYPE_NONE || t->ndim < 1 || t->ndim > VTC_MAX_DIMS)
        return 0;
    double n = 1;
    for (uint32_t i = 0; i < t->ndim; i++)
        n *= t->shape[i] > 0 ? (double)t->shape[i] : 0;
    return n;
}

double vtc_op_desc_bytes(const vtc_tensor *t)
{
    static const double size[] = {0, 4, 2, 4, 1}; /* NONE F32 F16 I32 U8 */
    return t->dtype < sizeof(size) / sizeof(size[0]) ? vtc_op_desc_count(t) * size[t->dtype] : 0;
}

double vtc_op_desc_dim(const vtc_tensor *t, uint32_t i)
{
    return t->dtype != VTC_DTYPE_NONE && i < t->ndim && i < VTC_MAX_DIMS ? (double)t->shape[i] : 0;
}

void vtc_op_desc_shape(vtc_tensor *t, uint32_t dtype, uint32_t ndim, const int64_t *shape)
{
    memset(t, 0, sizeof(*t));
    t->size = sizeof(*t);
    t->dtype = dtype;
    t->ndim = ndim;
    memcpy(t->shape, shape, ndim * sizeof(int64_t));
}

void vtc_op_desc_shape_output(vtc_tensor *t, uint32_t dtype, uint32_t ndim, const int64_t *shape)
{
    void *host = t->host;
    VkBuffer buffer = t->buffer;
    VkDeviceSize offset = t->offset;
    vtc_op_desc_shape(t, dtype, ndim, shape);
    t->host = host;
    t->buffer = buffer;
    t->offset = offset;
}

const vtc_op_param_desc *vtc_op_desc_param(const vtc_op_desc *d, const char *name)
{
    for (uint32_t i = 0; d && name && i < d->nparams; i++)
        if (!strcmp(d->params[i].name, name))
            return &d->params[i];
    return NULL;
}

double vtc_op_param_get(const vtc_op_param_desc *p, const void *args)
{
    const unsigned char *at = (const unsigned char *)args + p->offset;
    uint32_t u;
    int32_t i;
    float f;
    switch (p->type) {
    case VTC_PARAM_U32: memcpy(&u, at, 4); return u;
    case VTC_PARAM_I32: memcpy(&i, at, 4); return i;
    default: memcpy(&f, at, 4); return f;
    }
}

/* Out-of-type values wrap as the C conversions would not: clamped to the type instead. */
void vtc_op_param_set(const vtc_op_param_desc *p, void *args, double v)
{
    unsigned char *at = (unsigned char *)args + p->offset;
    if (p->type == VTC_PARAM_U32) {
        uint32_t u = !(v > 0) ? 0u : v >= 4294967295.0 ? 0xffffffffu : (uint32_t)v;
        memcpy(at, &u, 4);
    } else if (p->type == VTC_PARAM_I32) {
        int32_t i = !(v > -2147483648.0) ? INT32_MIN : v >= 2147483647.0 ? INT32_MAX : (int32_t)v;
        if (v != v)
            i = 0;
        memcpy(at, &i, 4);
    } else {
        float f = (float)v;
        memcpy(at, &f, 4);
    }
}

_Static_assert(sizeof(vtc_visionzip_args) <= VTC_OP_ARGS_MAX && sizeof(vtc_prune_args) <= VTC_OP_ARGS_MAX &&
                   sizeof(vtc_composite_args) <= VTC_OP_ARGS_MAX && sizeof(vtc_compress_args) <= VTC_OP_ARGS_MAX &&
                   sizeof(vtc_select_args) <= VTC_OP_ARGS_MAX && sizeof(vtc_scores_args) <= VTC_OP_ARGS_MAX &&
                   sizeof(vtc_merge_args) <= VTC_OP_ARGS_MAX,
               "VTC_OP_ARGS_MAX holds every args struct");
