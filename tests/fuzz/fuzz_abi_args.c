/*
 * libFuzzer target: the ABI's argument validation, through the public
 * functions, with host-memory tensors on one context per process.
 *
 * Each input picks an op of the build and one of its example calls
 * (plugin/ops/<op>/<op>_desc.c), resizes the inputs' dimensions to small
 * sizes around workgroup boundaries (every dimension equal to one value at
 * once), shapes the outputs with the descriptor's shape_outputs, then
 * applies up to a few mutations through the op's tables: to a tensor
 * (dtype, rank, a dimension, a stride, the size field, a reserved field, a
 * missing or doubled pointer) with values chosen to hit edges: 0, -1, 2^31,
 * 2^40, INT64_MAX, strides that overflow, ranks past 6; to a parameter of
 * the parameter table (in range, at its bounds, past them, NaN); to the
 * args' size and vtc_exec's flags. No branch per op.
 *
 * Properties checked on every call:
 *  - no crash and no sanitizer report (host memory is allocated to the exact
 *    extent each descriptor claims, so an out-of-bounds host access is seen);
 *  - the result is one of the documented codes, and a failure logs a message;
 *  - inputs are never written; outputs are untouched when a call fails;
 *  - vtc_query_scratch and the op's typed query agree with the op on whether
 *    the arguments are valid (and with each other on the bytes);
 *  - a non-zero reserved field or vtc_exec flag is INVALID_ARGUMENT;
 *  - a parameter past its table's range is refused (the table is the
 *    contract `vtc run` and help state).
 * Descriptors claiming more than a few MiB get no host pointer (vtc must then
 * reject them) so each execution stays fast.
 */
#include <vtc.h>
#include "op_desc.h"
#include "opcall.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_T 8
#define HOST_CAP ((int64_t)4 << 20) /* bytes one fuzzed tensor may claim */

typedef struct stream {
    const uint8_t *p;
    size_t n;
} stream;

static uint8_t next(stream *s)
{
    if (!s->n)
        return 0;
    s->n--;
    return *s->p++;
}

#define PICK(s, table) ((table)[next(s) % (sizeof(table) / sizeof((table)[0]))])

/* sizes around the shaders' workgroup/tile edges (4, 8, 16, 32, 64) */
static const int64_t token_dims[] = {1, 2, 3, 4, 5, 8, 9, 15, 16, 17, 31, 33, 63, 65};
static const int64_t width_dims[] = {1, 2, 3, 4, 5, 7, 8, 12, 16, 17};
static const int64_t head_widths[] = {8, 16, 24};
static const int64_t edge_dims[] = {0, 1, 2, -1, INT64_MIN, (int64_t)1 << 31, (int64_t)1 << 40,
                                    ((int64_t)1 << 40) + 1, INT64_MAX, 3, 65, 257, 4, 7};
static const int64_t edge_strides[] = {0, 1, 2, 3, -1, INT64_MAX / 2, INT64_MIN, (int64_t)1 << 32, 7, 1000};
static const uint32_t edge_dtypes[] = {VTC_DTYPE_NONE, VTC_DTYPE_F32, VTC_DTYPE_F16, VTC_DTYPE_I32, VTC_DTYPE_U8, 5,
                                       0xffffffffu};
static const uint32_t edge_ndims[] = {0, 1, 2, 3, 4, 5, 6, 7, 100};
static const uint32_t edge_sizes[] = {0, 1, sizeof(vtc_tensor) - 8, sizeof(vtc_tensor), sizeof(vtc_tensor) + 8,
                                      0xffffffffu};

/* ---- one context per process ------------------------------------------ */
static vtc_context g_ctx;
static unsigned g_messages;

static void on_log(void *user, int32_t level, const char *msg)
{
    (void)user;
    (void)level;
    if (!msg || !msg[0])
        abort(); /* every message says something */
    g_messages++;
}

static void destroy_ctx(void)
{
    vtc_context_stats st = {sizeof(st)};
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    if (vtc_context_stats_get(g_ctx, &st) == VTC_SUCCESS)
        fprintf(stderr, "fuzz_abi_args: %llu op calls ran on the device, %u errors logged, %llu validation messages\n",
                (unsigned long long)st.calls, g_messages, (unsigned long long)st.validation_messages);
    if (st.validation_messages)
        abort(); /* VTC_VALIDATION=1: a Vulkan usage error is a failure */
    vtc_context_destroy(g_ctx);
    g_ctx = NULL;
}

static vtc_context ctx_get(void)
{
    if (!g_ctx) {
        vtc_context_desc d = {0};
        d.size = sizeof(d);
        d.log = on_log;
        d.log_level = VTC_LOG_ERROR;
        if (vtc_context_create(&d, &g_ctx) != VTC_SUCCESS) {
            fprintf(stderr, "fuzz_abi_args: no Vulkan device; cannot fuzz the ABI\n");
            exit(1);
        }
        atexit(destroy_ctx);
    }
    return g_ctx;
}

/* ---- tensors ------------------------------------------------------------ */
typedef struct slot {
    vtc_tensor *t;
    int is_output;
    int index_bound;   /* I32 inputs holding indices: values in [0, index_bound) */
    int no_host;       /* a mutation removed the pointer */
    void *mem;
    void *snapshot;
    size_t bytes;
} slot;

typedef struct call {
    slot s[MAX_T];
    int n;
} call;
_Static_assert(MAX_T >= VTC_OP_DESC_MAX_TENSORS, "a slot for every tensor of a table");

/* A slot for every tensor of the op's table, in struct order; I32 inputs
   hold indices below the rows of the float inputs (as opcall_fill_input). */
static void slots_from_table(call *c, const vtc_op_desc *d, void *args)
{
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_op_tensor_desc *td = &d->tensors[i];
        c->s[c->n].t = vtc_op_tensor_in(td, args);
        c->s[c->n].is_output = (td->role & VTC_ROLE_OUTPUT) != 0;
        c->n++;
    }
    for (uint32_t i = 0; i < d->ntensors; i++) {
        vtc_tensor *t = c->s[i].t;
        if (c->s[i].is_output || t->dtype != VTC_DTYPE_I32)
            continue;
        for (uint32_t j = 0; j < d->ntensors; j++) {
            const vtc_tensor *f = c->s[j].t;
            if (!c->s[j].is_output && (f->dtype == VTC_DTYPE_F32 || f->dtype == VTC_DTYPE_F16) && f->ndim >= 2 &&
                f->shape[1] > 0 && f->shape[1] < (1 << 30) && (!c->s[i].index_bound || f->shape[1] < c->s[i].index_bound))
                c->s[i].index_bound = (int)f->shape[1];
        }
    }
}

static size_t dsize(uint32_t dt)
{
    return dt == VTC_DTYPE_F32 || dt == VTC_DTYPE_I32 ? 4 : dt == VTC_DTYPE_F16 ? 2 : dt == VTC_DTYPE_U8 ? 1 : 0;
}

/* Bytes the descriptor claims (as the ABI defines the extent), or -1 when
   it cannot be valid (vtc must reject it before touching memory). */
static int64_t claimed_bytes(const vtc_tensor *t)
{
    size_t es = dsize(t->dtype);
    if (!es || t->ndim < 1 || t->ndim > VTC_MAX_DIMS)
        return -1;
    int all_zero = 1;
    __int128 count = 1;
    for (uint32_t i = 0; i < t->ndim; i++) {
        if (t->shape[i] < 0 || t->shape[i] > ((int64_t)1 << 40))
            return -1;
        count *= t->shape[i];
        if (count > ((__int128)1 << 62))
            return -1;
        if (t->stride[i])
            all_zero = 0;
    }
    if (count == 0)
        return 0;
    __int128 extent = count;
    if (!all_zero) {
        extent = 1;
        for (uint32_t i = 0; i < t->ndim; i++) {
            if (t->stride[i] < 0)
                return -1;
            extent += (__int128)(t->shape[i] - 1) * t->stride[i];
            if (extent > ((__int128)1 << 62))
                return -1;
        }
        /* a stride pattern equal to row-major is contiguous: same extent */
        if (extent < count)
            extent = count;
    }
    return (int64_t)(extent * (__int128)es);
}

/* Gives every present tensor exactly the host memory it claims, filled from
   the input (index tensors with mostly valid indices, floats with a few
   NaN/Inf). A descriptor that cannot be valid, or claims too much, gets no
   pointer: vtc must reject it without reading anything. */
static void fill(slot *sl, uint8_t seed)
{
    uint8_t *m = sl->mem;
    uint32_t x = 0x9e3779b9u ^ seed;
    switch (sl->t->dtype) {
    case VTC_DTYPE_I32:
        for (size_t k = 0; k + 4 <= sl->bytes; k += 4) {
            x = x * 1664525u + 1013904223u;
            int32_t v = sl->index_bound > 0 ? (int32_t)((x >> 8) % (unsigned)sl->index_bound) : (int32_t)x;
            memcpy(m + k, &v, 4);
        }
        if (sl->index_bound > 0 && seed >= 0xfe && sl->bytes >= 4) {
            int32_t bad = seed == 0xff ? -1 : sl->index_bound; /* one index out of range */
            memcpy(m + (seed == 0xff ? 0 : sl->bytes - 4), &bad, 4);
        }
        break;
    case VTC_DTYPE_U8:
        for (size_t k = 0; k < sl->bytes; k++) {
            x = x * 1664525u + 1013904223u;
            m[k] = seed >= 0xf8 ? (uint8_t)(x >> 24) : (uint8_t)((x >> 24) & 1); /* kinds, sometimes invalid */
        }
        break;
    case VTC_DTYPE_F16:
        for (size_t k = 0; k + 2 <= sl->bytes; k += 2) {
            x = x * 1664525u + 1013904223u;
            uint16_t h = seed >= 0xf0 ? (uint16_t)(x >> 16) : (uint16_t)(0x3000u + ((x >> 16) & 0x0fffu));
            memcpy(m + k, &h, 2);
        }
        break;
    default:
        for (size_t k = 0; k + 4 <= sl->bytes; k += 4) {
            x = x * 1664525u + 1013904223u;
            float f = (float)((int32_t)(x >> 8) % 2000) / 1000.0f;
            if (seed >= 0xf0 && k == 0)
                f = (seed & 1) ? NAN : INFINITY;
            memcpy(m + k, &f, 4);
        }
        break;
    }
}

static void materialise(call *c, stream *s)
{
    for (int i = 0; i < c->n; i++) {
        slot *sl = &c->s[i];
        vtc_tensor *t = sl->t;
        /* the fake VkBuffer of mutation 7 only ever comes with a host pointer
           (both set: vtc must reject); alone it would be a real device tensor */
        VkBuffer fake = t->buffer;
        t->host = NULL;
        t->buffer = VK_NULL_HANDLE;
        if (t->dtype == VTC_DTYPE_NONE || sl->no_host)
            continue;
        int64_t bytes = claimed_bytes(t);
        if (bytes < 0 || bytes > HOST_CAP)
            continue;
        t->buffer = fake;
        sl->bytes = (size_t)bytes;
        sl->mem = calloc(1, sl->bytes ? sl->bytes : 1);
        sl->snapshot = malloc(sl->bytes ? sl->bytes : 1);
        if (!sl->mem || !sl->snapshot)
            abort();
        fill(sl, next(s));
        t->host = sl->mem;
        memcpy(sl->snapshot, sl->mem, sl->bytes);
    }
}

static void release(call *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->s[i].mem);
        free(c->s[i].snapshot);
    }
}

/* ---- mutations ---------------------------------------------------------- */
static const double edge_u32[] = {0, 1, 2, 3, 5, 17, 64, 2147483647.0, 2147483648.0, 4294967295.0};
static const double edge_f32[] = {0.0, 1.0, -1.0, 1e30, 1e-30, INFINITY, -INFINITY, NAN};

/* A parameter of the table: in range, at a bound, just past one, or an edge value. */
static void mutate_param(const vtc_op_desc *d, void *args, stream *s)
{
    if (!d->nparams)
        return;
    const vtc_op_param_desc *p = &d->params[next(s) % d->nparams];
    double v;
    switch (next(s) % 6) {
    case 0: v = p->min; break;
    case 1: v = p->max; break;
    case 2: v = p->min - 1; break;
    case 3: v = p->max + 1; break;
    case 4: v = p->type == VTC_PARAM_F32 ? PICK(s, edge_f32) : PICK(s, edge_u32); break;
    default: v = isinf(p->max) || p->max > 64 ? next(s) % 64 : p->min + next(s) % (uint32_t)(p->max - p->min + 1); break;
    }
    vtc_op_param_set(p, args, v);
}

static void mutate(call *c, const vtc_op_desc *d, void *args, stream *s)
{
    slot *sl = &c->s[next(s) % c->n];
    vtc_tensor *t = sl->t;
    uint8_t what = next(s) % 10;
    uint8_t i = next(s);
    switch (what) {
    case 0: t->dtype = PICK(s, edge_dtypes); break;
    case 1: t->ndim = PICK(s, edge_ndims); break;
    case 2: t->shape[i % VTC_MAX_DIMS] = PICK(s, edge_dims); break;
    case 3: t->stride[i % VTC_MAX_DIMS] = PICK(s, edge_strides); break;
    case 4: { /* a valid strided view: padded row-major, as into a bigger buffer */
        int64_t acc = 1;
        for (int k = (int)t->ndim - 1; k >= 0 && k < VTC_MAX_DIMS; k--) {
            t->stride[k] = acc;
            int64_t dim = t->shape[k] > 0 && t->shape[k] < 1024 ? t->shape[k] : 1;
            acc *= dim + (k == (int)i % 4 ? 3 : 0);
        }
        break;
    }
    case 5: sl->no_host = 1; break;
    case 6:
        if (i & 0x80)
            t->reserved0 = 1u + (i & 0x7f); /* must be refused, whatever else holds */
        else
            t->size = PICK(s, edge_sizes);
        break;
    case 7: t->buffer = (VkBuffer)(uintptr_t)0xdead0000u; break; /* host and buffer both set */
    case 8:
        if (i % 8 == 0)
            *(uint32_t *)args = PICK(s, edge_sizes) == sizeof(vtc_tensor) ? 4u : 0xffffffffu;
        else
            mutate_param(d, args, s);
        break;
    default: t->offset = (VkDeviceSize)next(s) * 4; break; /* ignored for host tensors */
    }
}

/* ---- checking one call --------------------------------------------------- */
static int known_result(vtc_result r)
{
    return r <= 0 && r >= VTC_ERROR_SCRATCH_TOO_SMALL;
}

static void check_memory(const call *c, vtc_result r)
{
    for (int i = 0; i < c->n; i++) {
        const slot *sl = &c->s[i];
        if (sl->mem && (!sl->is_output || r != VTC_SUCCESS) && memcmp(sl->mem, sl->snapshot, sl->bytes))
            abort(); /* an input written, or an output written by a failing call */
    }
}

static void finish(call *c, stream *s, const vtc_op_desc *d, void *args)
{
    uint32_t op = d->op;
    slots_from_table(c, d, args);
    int nm = next(s) % 4;
    for (int m = 0; m < nm; m++)
        mutate(c, d, args, s);
    materialise(c, s);
    vtc_context ctx = ctx_get();
    vtc_exec ex = {0};
    uint8_t e = next(s);
    ex.size = (e & 6) == 6 ? 4u : (uint32_t)sizeof(ex);
    if ((e & 0xf0) == 0xf0)
        ex.flags = 1u << (next(s) % 32); /* no flag is defined: refused */
    const vtc_exec *exec = (e & 1) ? &ex : NULL;

    unsigned before = g_messages;
    uint64_t scratch = 0;
    vtc_result q = vtc_query_scratch(ctx, op, args, &scratch);
    if (!known_result(q) || (q && g_messages == before))
        abort(); /* documented codes only; an error always logs why */
    check_memory(c, VTC_ERROR_INVALID_ARGUMENT); /* validation writes nothing */
    uint64_t typed_scratch = 0;
    opcall_query_fn typed_query = opcall_typed_query(op);
    vtc_result tq = typed_query ? typed_query(ctx, args, &typed_scratch) : q;
    if (tq != q || (q == VTC_SUCCESS && typed_query && typed_scratch != scratch))
        abort(); /* the typed query is the generic one, typed */
    int past = 0;
    for (uint32_t i = 0; i < d->nparams; i++)
        past |= opcall_param_past_range(&d->params[i], args);
    if (past && q == VTC_SUCCESS)
        abort(); /* a parameter outside the range its table states was accepted */
    int reserved_set = 0;
    for (int i = 0; i < c->n; i++)
        reserved_set |= c->s[i].t->reserved0 != 0;
    if (reserved_set && q != VTC_ERROR_INVALID_ARGUMENT)
        abort();

    before = g_messages;
    /* the typed function where the op has one, else (and every other time) the generic call */
    opcall_run_fn typed = (e & 8) ? opcall_typed_run(op) : NULL;
    vtc_result r = typed ? typed(ctx, args, exec) : vtc_run(ctx, op, args, exec);
    if (!known_result(r) || (r && g_messages == before))
        abort();
    if (exec && (ex.size < sizeof(ex) || ex.flags)) {
        if (r != VTC_ERROR_INVALID_ARGUMENT)
            abort(); /* a truncated exec, or one with flags, is rejected whatever the args */
    } else {
        /* the scratch query validates exactly as the op does */
        if (q != VTC_SUCCESS && r != q)
            abort();
        if (q == VTC_SUCCESS && r == VTC_ERROR_INVALID_ARGUMENT)
            abort();
    }
    check_memory(c, r);
    release(c);
}

/* ---- an op's call, from its examples ---------------------------------------- */
static void fuzz_op(const vtc_op_desc *d, stream *s)
{
    opcall oc;
    uint32_t nex = opcall_examples(d);
    opcall_example(&oc, d, nex ? next(s) % nex : 0);
    /* resize: a dimension the inputs share takes a small size (in all of them) */
    int64_t dims[16];
    int nd = opcall_input_dims(&oc, dims, 16), nr = next(s) % 3;
    for (int k = 0; k < nr && nd > 0; k++) {
        int64_t from = dims[next(s) % nd], to = PICK(s, token_dims);
        uint8_t w = next(s) % 3;
        if (w == 1)
            to = PICK(s, width_dims);
        else if (w == 2)
            to = PICK(s, head_widths); /* composite's dh: a multiple of 8 */
        opcall_resize(&oc, from, to);
        nd = opcall_input_dims(&oc, dims, 16);
    }
    if (next(s) & 1) /* the float inputs as f16 */
        for (uint32_t i = 0; i < d->ntensors; i++) {
            vtc_tensor *t = opcall_tensor(&oc, i);
            if (!(d->tensors[i].role & VTC_ROLE_OUTPUT) && t->dtype == VTC_DTYPE_F32 &&
                (d->tensors[i].dtypes & VTC_DTYPES(VTC_DTYPE_F16)))
                t->dtype = VTC_DTYPE_F16;
        }
    uint32_t drop = next(s);
    if (drop & 0x80) /* a parameter changed before the outputs are shaped: they follow it */
        mutate_param(d, oc.args, s);
    d->shape_outputs(oc.args);
    for (uint32_t i = 0; i < d->ntensors; i++) /* optional outputs left out, some */
        if ((d->tensors[i].role & VTC_ROLE_OPTIONAL) && (d->tensors[i].role & VTC_ROLE_OUTPUT) && (drop >> i & 1))
            memset(opcall_tensor(&oc, i), 0, sizeof(vtc_tensor));
    call c;
    memset(&c, 0, sizeof(c));
    finish(&c, s, d, oc.args); /* compress: no weight set, every call must be refused */
}

static void fuzz_context_free(stream *s)
{
    /* functions without a context: NULLs and edge sizes */
    uint32_t C = next(s) % 6, g = next(s) % 9, E = (next(s) % 5) * 4 + (next(s) & 1) * 2;
    float *tab = calloc((size_t)(C * C * E) + 1, sizeof(float));
    float *out = calloc((size_t)(g * g * E) + 1, sizeof(float));
    if (!tab || !out)
        abort();
    vtc_result r = vtc_pos_embed_2d(C, E, (next(s) & 1) ? tab : NULL);
    if (!known_result(r))
        abort();
    r = vtc_pos_embed_resize(C, g, E, (next(s) & 1) ? tab : NULL, (next(s) & 1) ? out : NULL);
    if (!known_result(r))
        abort();
    uint32_t d = 0, cc = 0;
    uint32_t tokens = (uint32_t)next(s) << (next(s) % 24);
    uint32_t kc = next(s) % 3;
    vtc_token_split(tokens, kc, &d, &cc);
    uint32_t keep = kc ? 1 : 0;
    if (tokens > keep && d + cc + keep != tokens)
        abort();
    vtc_token_split(tokens, kc, NULL, NULL);
    free(tab);
    free(out);
    if (strncmp(vtc_result_string((vtc_result)(int8_t)next(s)), "VTC_", 4))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    stream s = {data, size};
    uint32_t nops = 0;
    while (vtc_op_desc_at(nops))
        nops++;
    uint8_t pick = next(&s);
    if (pick % (nops + 1) == nops)
        fuzz_context_free(&s);
    else
        fuzz_op(vtc_op_desc_at(pick % (nops + 1)), &s);
    if (pick % 16 == 5) { /* compress without a weight set is refused everywhere */
        if (vtc_compress_weights_prepare(ctx_get(), NULL, 4) == VTC_SUCCESS)
            abort();
        vtc_compress_weights_destroy(ctx_get(), NULL);
    }
    return 0;
}
