/* Calls of any op from its descriptor: see opcall.h. */
#include "opcall.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

vtc_tensor *opcall_tensor(opcall *c, uint32_t i)
{
    return vtc_op_tensor_in(&c->d->tensors[i], c->args);
}

int opcall_example(opcall *c, const vtc_op_desc *d, uint32_t which)
{
    memset(c, 0, sizeof(*c));
    c->d = d;
    return d->example(which, c->args);
}

uint32_t opcall_examples(const vtc_op_desc *d)
{
    unsigned char args[VTC_OP_ARGS_MAX];
    uint32_t n = 0;
    while (d->example(n, args) == 0)
        n++;
    return n;
}

void opcall_resize(opcall *c, int64_t from, int64_t to)
{
    for (uint32_t i = 0; i < c->d->ntensors; i++) {
        vtc_tensor *t = opcall_tensor(c, i);
        if (c->d->tensors[i].role & VTC_ROLE_OUTPUT || t->dtype == VTC_DTYPE_NONE)
            continue;
        for (uint32_t k = 0; k < t->ndim && k < VTC_MAX_DIMS; k++)
            if (t->shape[k] == from)
                t->shape[k] = to;
    }
}

int opcall_input_dims(const opcall *c, int64_t *out, int max)
{
    int n = 0;
    for (uint32_t i = 0; i < c->d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&c->d->tensors[i], c->args);
        if (c->d->tensors[i].role & VTC_ROLE_OUTPUT || t->dtype == VTC_DTYPE_NONE)
            continue;
        for (uint32_t k = 0; k < t->ndim && k < VTC_MAX_DIMS; k++) {
            int seen = 0;
            for (int j = 0; j < n; j++)
                seen |= out[j] == t->shape[k];
            if (!seen && n < max)
                out[n++] = t->shape[k];
        }
    }
    return n;
}

double opcall_bytes(const opcall *c)
{
    double b = 0;
    for (uint32_t i = 0; i < c->d->ntensors; i++)
        b += vtc_op_desc_bytes(vtc_op_tensor_in_const(&c->d->tensors[i], c->args));
    return b;
}

void opcall_describe(opcall *c)
{
    static const char *dt[] = {"", "f32", "f16", "i32", "u8"};
    size_t n = (size_t)snprintf(c->desc, sizeof(c->desc), "%s", c->d->name);
    for (uint32_t i = 0; i < c->d->nparams && n < sizeof(c->desc); i++)
        n += (size_t)snprintf(c->desc + n, sizeof(c->desc) - n, " %s=%g", c->d->params[i].name,
                              vtc_op_param_get(&c->d->params[i], c->args));
    for (uint32_t i = 0; i < c->d->ntensors && n < sizeof(c->desc); i++) {
        const vtc_tensor *t = opcall_tensor(c, i);
        if (t->dtype == VTC_DTYPE_NONE || t->ndim > VTC_MAX_DIMS)
            continue;
        n += (size_t)snprintf(c->desc + n, sizeof(c->desc) - n, " %s%s[", c->d->tensors[i].name,
                              t->dtype < 5 ? dt[t->dtype] : "?");
        for (uint32_t k = 0; k < t->ndim && n < sizeof(c->desc); k++)
            n += (size_t)snprintf(c->desc + n, sizeof(c->desc) - n, "%s%lld", k ? "," : "", (long long)t->shape[k]);
        if (n < sizeof(c->desc))
            n += (size_t)snprintf(c->desc + n, sizeof(c->desc) - n, "]");
    }
}

int opcall_param_past_range(const vtc_op_param_desc *p, const void *args)
{
    double v = vtc_op_param_get(p, args);
    if (p->type == VTC_PARAM_F32 && isinf(p->min) && isinf(p->max))
        return 0;
    return !(v >= p->min && v <= p->max);
}

static size_t esize(uint32_t dt)
{
    return dt == VTC_DTYPE_F16 ? 2 : dt == VTC_DTYPE_U8 ? 1 : 4;
}

void opcall_fill_input(const opcall *c, uint32_t i, uint64_t *rng, void *dst)
{
    const vtc_tensor *t = vtc_op_tensor_in_const(&c->d->tensors[i], c->args);
    size_t n = (size_t)vtc_op_desc_count(t);
    if (t->dtype == VTC_DTYPE_I32) {
        /* indices into the rows of the float inputs: ascending, spread */
        int64_t bound = 0, R = t->ndim >= 2 ? t->shape[t->ndim - 1] : 1;
        for (uint32_t j = 0; j < c->d->ntensors; j++) {
            const vtc_tensor *f = vtc_op_tensor_in_const(&c->d->tensors[j], c->args);
            if (!(c->d->tensors[j].role & VTC_ROLE_OUTPUT) && (f->dtype == VTC_DTYPE_F32 || f->dtype == VTC_DTYPE_F16) &&
                f->ndim >= 2 && f->shape[1] >= R && (!bound || f->shape[1] < bound))
                bound = f->shape[1];
        }
        for (size_t e = 0; e < n; e++)
            ((int32_t *)dst)[e] = R > 0 ? (int32_t)((int64_t)(e % (size_t)R) * (bound ? bound : R) / R) : 0;
    } else if (t->dtype == VTC_DTYPE_U8) {
        for (size_t e = 0; e < n; e++)
            ((uint8_t *)dst)[e] = (uint8_t)(rnd(rng) & 1);
    } else if (t->dtype == VTC_DTYPE_F16) {
        for (size_t e = 0; e < n; e++)
            ((uint16_t *)dst)[e] = (uint16_t)(0x3000u + rnd(rng) % 0x0fffu); /* 0.125 .. 1 */
    } else {
        for (size_t e = 0; e < n; e++)
            ((float *)dst)[e] = (float)((int64_t)(rnd(rng) % 2001) - 1000) / 500.0f;
    }
}

/* The plugin accepts it, on packed host tensors holding valid data. */
/* The plugin accepts the call, and its record-mode scratch fits `max_scratch`
   bytes (the bounds test places it in its arena beside the tensors). */
static int accepted(vtc_context ctx, opcall *c, uint64_t *rng, double max_scratch)
{
    void *mem[VTC_OP_DESC_MAX_TENSORS] = {0};
    int ok = 1;
    for (uint32_t i = 0; i < c->d->ntensors && ok; i++) {
        vtc_tensor *t = opcall_tensor(c, i);
        if (t->dtype == VTC_DTYPE_NONE)
            continue;
        mem[i] = calloc((size_t)vtc_op_desc_count(t) + 1, esize(t->dtype));
        ok = mem[i] != NULL;
        if (ok && !(c->d->tensors[i].role & VTC_ROLE_OUTPUT))
            opcall_fill_input(c, i, rng, mem[i]);
        t->host = mem[i];
    }
    uint64_t scratch = 0;
    ok = ok && vtc_query_scratch(ctx, c->d->op, c->args, &scratch) == VTC_SUCCESS && (double)scratch <= max_scratch;
    for (uint32_t i = 0; i < c->d->ntensors; i++) {
        opcall_tensor(c, i)->host = NULL;
        free(mem[i]);
    }
    return ok;
}

/* Sizes that are in range; an example's count doubled or a tenth of the rows, mostly small. */
static double draw_param(const vtc_op_param_desc *p, double example, int64_t maxdim, uint64_t *rng)
{
    double v;
    switch (rnd(rng) % 6) {
    case 0: v = p->min; break;
    case 1: v = example; break;
    case 2: v = p->type == VTC_PARAM_F32 ? 0.5 * (double)(rnd(rng) % 5) : (double)(rnd(rng) % (uint64_t)(maxdim < 64 ? maxdim + 1 : 65)); break;
    default: v = p->type == VTC_PARAM_F32 ? example : (double)(rnd(rng) % (uint64_t)(2 * example + 9)); break;
    }
    return v < p->min ? p->min : v > p->max ? p->max : v;
}

int opcall_random_valid(vtc_context ctx, opcall *c, const vtc_op_desc *d, uint64_t *rng, const int64_t *sizes,
                        size_t nsizes, double max_bytes, unsigned flags)
{
    uint32_t nex = opcall_examples(d);
    for (int attempt = 0; attempt < 400; attempt++) {
        opcall_example(c, d, (uint32_t)(rnd(rng) % nex));
        int64_t dims[16], maxdim = 1;
        int nd = opcall_input_dims(c, dims, 16);
        /* resize from the largest first would let a new size be resized again: take a snapshot */
        int64_t to[16];
        for (int k = 0; k < nd; k++)
            to[k] = (rnd(rng) & 1) && nsizes ? sizes[rnd(rng) % nsizes] : dims[k];
        for (int k = 0; k < nd; k++)
            opcall_resize(c, dims[k], -1 - k); /* placeholders: no value is renamed twice */
        for (int k = 0; k < nd; k++) {
            opcall_resize(c, -1 - k, to[k]);
            maxdim = to[k] > maxdim ? to[k] : maxdim;
        }
        for (uint32_t i = 0; i < d->nparams; i++)
            if (rnd(rng) & 1)
                vtc_op_param_set(&d->params[i], c->args,
                                 draw_param(&d->params[i], vtc_op_param_get(&d->params[i], c->args), maxdim, rng));
        int f16 = (flags & OPCALL_F16) && rnd(rng) % 4 == 0;
        uint32_t dropped = 0;
        for (uint32_t i = 0; i < d->ntensors; i++) {
            const vtc_op_tensor_desc *td = &d->tensors[i];
            vtc_tensor *t = opcall_tensor(c, i);
            if (td->role & VTC_ROLE_OUTPUT)
                continue;
            if ((td->role & VTC_ROLE_OPTIONAL) && rnd(rng) % 4 == 0)
                memset(t, 0, sizeof(*t));
            else if (f16 && t->dtype == VTC_DTYPE_F32 && (td->dtypes & VTC_DTYPES(VTC_DTYPE_F16)))
                t->dtype = VTC_DTYPE_F16;
        }
        for (uint32_t i = 0; i < d->ntensors; i++)
            if ((d->tensors[i].role & VTC_ROLE_OUTPUT) && opcall_tensor(c, i)->dtype == VTC_DTYPE_NONE)
                dropped |= 1u << i; /* absent in the example: stays absent */
            else if ((d->tensors[i].role & VTC_ROLE_OPTIONAL) && (d->tensors[i].role & VTC_ROLE_OUTPUT) &&
                     rnd(rng) % 3 == 0)
                dropped |= 1u << i;
        d->shape_outputs(c->args);
        for (uint32_t i = 0; i < d->ntensors; i++)
            if (dropped & (1u << i))
                memset(opcall_tensor(c, i), 0, sizeof(vtc_tensor));
        if (opcall_bytes(c) <= max_bytes && accepted(ctx, c, rng, max_bytes)) {
            opcall_describe(c);
            return 0;
        }
    }
    for (uint32_t w = 0; w < nex; w++) {
        opcall_example(c, d, w);
        if (accepted(ctx, c, rng, INFINITY)) {
            opcall_describe(c);
            return 0;
        }
    }
    return -1;
}

/* The typed entry points the ABI table already has (1.0-1.2): a closed list.
   Ops added since ship static inline wrappers over vtc_run (VTC_OP_TYPED_WRAPPERS,
   tested by typed_wrappers_call_the_generic_entry_points) and never join it. */
static vtc_result run_scores(vtc_context x, const void *a, const vtc_exec *e) { return vtc_scores(x, a, e); }
static vtc_result run_select(vtc_context x, const void *a, const vtc_exec *e) { return vtc_select(x, a, e); }
static vtc_result run_merge(vtc_context x, const void *a, const vtc_exec *e) { return vtc_merge(x, a, e); }
static vtc_result run_vz(vtc_context x, const void *a, const vtc_exec *e) { return vtc_visionzip(x, a, e); }
static vtc_result run_comp(vtc_context x, const void *a, const vtc_exec *e) { return vtc_composite_attention(x, a, e); }
static vtc_result run_compress(vtc_context x, const void *a, const vtc_exec *e) { return vtc_compress(x, a, e); }
static vtc_result run_prune(vtc_context x, const void *a, const vtc_exec *e) { return vtc_prune(x, a, e); }

opcall_run_fn opcall_typed_run(uint32_t op)
{
    switch (op) {
    case VTC_OP_SCORES: return run_scores;
    case VTC_OP_SELECT: return run_select;
    case VTC_OP_MERGE: return run_merge;
    case VTC_OP_VISIONZIP: return run_vz;
    case VTC_OP_COMPRESS: return run_compress;
    case VTC_OP_COMPOSITE: return run_comp;
    case VTC_OP_PRUNE: return run_prune;
    default: return NULL;
    }
}

static vtc_result q_scores(vtc_context x, const void *a, uint64_t *b) { return vtc_scores_query_scratch(x, a, b); }
static vtc_result q_select(vtc_context x, const void *a, uint64_t *b) { return vtc_select_query_scratch(x, a, b); }
static vtc_result q_merge(vtc_context x, const void *a, uint64_t *b) { return vtc_merge_query_scratch(x, a, b); }
static vtc_result q_vz(vtc_context x, const void *a, uint64_t *b) { return vtc_visionzip_query_scratch(x, a, b); }
static vtc_result q_compress(vtc_context x, const void *a, uint64_t *b) { return vtc_compress_query_scratch(x, a, b); }
static vtc_result q_comp(vtc_context x, const void *a, uint64_t *b) { return vtc_composite_query_scratch(x, a, b); }
static vtc_result q_prune(vtc_context x, const void *a, uint64_t *b) { return vtc_prune_query_scratch(x, a, b); }

opcall_query_fn opcall_typed_query(uint32_t op)
{
    switch (op) {
    case VTC_OP_SCORES: return q_scores;
    case VTC_OP_SELECT: return q_select;
    case VTC_OP_MERGE: return q_merge;
    case VTC_OP_VISIONZIP: return q_vz;
    case VTC_OP_COMPRESS: return q_compress;
    case VTC_OP_COMPOSITE: return q_comp;
    case VTC_OP_PRUNE: return q_prune;
    default: return NULL;
    }
}
