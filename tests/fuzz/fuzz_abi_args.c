/*
 * libFuzzer target: the ABI's argument validation, through the public
 * functions, with host-memory tensors on one context per process.
 *
 * Each input builds a valid call for one op from a few bytes (shapes drawn
 * from small sizes around workgroup boundaries), then applies to tensors of
 * the op's table (plugin/ops/<op>/<op>_desc.c: which members of the args
 * are tensors, which are outputs) up to a few
 * mutations (dtype, rank, a dimension, a stride, the size field, a
 * reserved field, a missing or doubled pointer, an op parameter, vtc_exec
 * flags) with values chosen to hit edges: 0, -1, 2^31, 2^40, INT64_MAX,
 * strides that overflow, ranks past 6.
 *
 * Properties checked on every call:
 *  - no crash and no sanitizer report (host memory is allocated to the exact
 *    extent each descriptor claims, so an out-of-bounds host access is seen);
 *  - the result is one of the documented codes, and a failure logs a message;
 *  - inputs are never written; outputs are untouched when a call fails;
 *  - vtc_query_scratch and the op's typed query agree with the op on whether
 *    the arguments are valid (and with each other on the bytes);
 *  - a non-zero reserved field or vtc_exec flag is INVALID_ARGUMENT.
 * Descriptors claiming more than a few MiB get no host pointer (vtc must then
 * reject them) so each execution stays fast.
 */
#include <vtc.h>
#include "op_desc.h"

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
static const int64_t small_dims[] = {1, 1, 2, 2, 3, 4, 5, 7, 8, 9};
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
static const uint32_t edge_u32[] = {0, 1, 2, 3, 5, 17, 64, 0x7fffffffu, 0xffffffffu};
static const float edge_scale[] = {0.0f, 1.0f, -1.0f, 1e30f, 1e-30f, INFINITY, -INFINITY, NAN};

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
    const char *index_name;  /* an I32 input holding indices into ... */
    int64_t index_bound;     /* ... [0, index_bound) */
} call;
_Static_assert(MAX_T >= VTC_OP_DESC_MAX_TENSORS, "a slot for every tensor of a table");

/* A slot for every tensor of the op's table, in struct order. */
static void slots_from_table(call *c, uint32_t op, void *args)
{
    const vtc_op_desc *d = vtc_op_desc_find(op);
    if (!d)
        abort();
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_op_tensor_desc *td = &d->tensors[i];
        c->s[c->n].t = vtc_op_tensor_in(td, args);
        c->s[c->n].is_output = (td->role & VTC_ROLE_OUTPUT) != 0;
        c->s[c->n].index_bound = c->index_name && !strcmp(td->name, c->index_name) ? (int)c->index_bound : 0;
        c->n++;
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
typedef struct params {
    uint32_t *args_size;
    uint32_t *u[4];  /* op parameters that are uint32 */
    float *scale;
} params;

static void mutate(call *c, params *p, stream *s)
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
        for (int d = (int)t->ndim - 1; d >= 0 && d < VTC_MAX_DIMS; d--) {
            t->stride[d] = acc;
            int64_t dim = t->shape[d] > 0 && t->shape[d] < 1024 ? t->shape[d] : 1;
            acc *= dim + (d == (int)i % 4 ? 3 : 0);
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
            *p->args_size = PICK(s, edge_sizes) == sizeof(vtc_tensor) ? 4u : 0xffffffffu;
        else if (i % 8 == 1 && p->scale)
            *p->scale = PICK(s, edge_scale);
        else if (p->u[i % 4])
            *p->u[i % 4] = PICK(s, edge_u32);
        break;
    default: t->offset = (VkDeviceSize)next(s) * 4; break; /* ignored for host tensors */
    }
}

/* ---- checking one call --------------------------------------------------- */
static vtc_result typed_query(vtc_context ctx, uint32_t op, const void *args, uint64_t *bytes)
{
    switch (op) {
    case VTC_OP_SCORES: return vtc_scores_query_scratch(ctx, args, bytes);
    case VTC_OP_SELECT: return vtc_select_query_scratch(ctx, args, bytes);
    case VTC_OP_MERGE: return vtc_merge_query_scratch(ctx, args, bytes);
    case VTC_OP_VISIONZIP: return vtc_visionzip_query_scratch(ctx, args, bytes);
    case VTC_OP_COMPRESS: return vtc_compress_query_scratch(ctx, args, bytes);
    case VTC_OP_COMPOSITE: return vtc_composite_query_scratch(ctx, args, bytes);
    case VTC_OP_PRUNE: return vtc_prune_query_scratch(ctx, args, bytes);
    default: abort();
    }
}

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

static void finish(call *c, params *p, stream *s, uint32_t op, void *args,
                   vtc_result (*run)(vtc_context, const void *, const vtc_exec *))
{
    slots_from_table(c, op, args);
    int nm = next(s) % 4;
    for (int m = 0; m < nm; m++)
        mutate(c, p, s);
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
    vtc_result tq = typed_query(ctx, op, args, &typed_scratch);
    if (tq != q || (q == VTC_SUCCESS && typed_scratch != scratch))
        abort(); /* the typed query is the generic one, typed */
    int reserved_set = 0;
    for (int i = 0; i < c->n; i++)
        reserved_set |= c->s[i].t->reserved0 != 0;
    if (reserved_set && q != VTC_ERROR_INVALID_ARGUMENT)
        abort();

    before = g_messages;
    vtc_result r = run(ctx, args, exec);
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

/* ---- the ops ------------------------------------------------------------- */
static vtc_result run_scores(vtc_context x, const void *a, const vtc_exec *e) { return vtc_scores(x, a, e); }
static vtc_result run_select(vtc_context x, const void *a, const vtc_exec *e) { return vtc_select(x, a, e); }
static vtc_result run_merge(vtc_context x, const void *a, const vtc_exec *e) { return vtc_merge(x, a, e); }
static vtc_result run_vz(vtc_context x, const void *a, const vtc_exec *e) { return vtc_visionzip(x, a, e); }
static vtc_result run_comp(vtc_context x, const void *a, const vtc_exec *e) { return vtc_composite_attention(x, a, e); }
static vtc_result run_compress(vtc_context x, const void *a, const vtc_exec *e) { return vtc_compress(x, a, e); }
static vtc_result run_prune(vtc_context x, const void *a, const vtc_exec *e) { return vtc_prune(x, a, e); }

static uint32_t float_dtype(stream *s)
{
    return (next(s) & 1) ? VTC_DTYPE_F16 : VTC_DTYPE_F32;
}

static void fuzz_scores(stream *s)
{
    vtc_scores_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.mode = next(s) % 3;
    int64_t B = PICK(s, small_dims), N = PICK(s, token_dims), H = PICK(s, small_dims), dh = PICK(s, width_dims);
    uint32_t dt = float_dtype(s);
    call c = {0};
    if (a.mode == VTC_SCORE_ATTN_CLS) {
        vtc_op_desc_shape(&a.attn, dt, 3, (int64_t[]){B, H, N});
    } else {
        vtc_op_desc_shape(&a.q, dt, 4, (int64_t[]){B, N, H, dh});
        vtc_op_desc_shape(&a.k, dt, 4, (int64_t[]){B, N, H, dh});
    }
    vtc_op_desc_shape(&a.score, VTC_DTYPE_F32, 2, (int64_t[]){B, N});
    params p = {&a.size, {&a.mode, NULL, NULL, NULL}, &a.scale};
    finish(&c, &p, s, VTC_OP_SCORES, &a, run_scores);
}

static void fuzz_select(stream *s)
{
    vtc_select_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.no_cls = next(s) & 1;
    int64_t B = PICK(s, small_dims), N = PICK(s, token_dims), D = PICK(s, width_dims);
    int64_t keep_cls = a.no_cls ? 0 : 1;
    a.dominant = (uint32_t)(next(s) % (N - keep_cls + 1));
    int64_t nkeep = keep_cls + a.dominant, nrest = N - nkeep;
    uint32_t dt = float_dtype(s), opt = next(s);
    call c = {0};
    vtc_op_desc_shape(&a.score, VTC_DTYPE_F32, 2, (int64_t[]){B, N});
    vtc_op_desc_shape(&a.keep_idx, VTC_DTYPE_I32, 2, (int64_t[]){B, nkeep});
    if ((opt & 1) && nrest > 0)
        vtc_op_desc_shape(&a.rest_idx, VTC_DTYPE_I32, 2, (int64_t[]){B, nrest});
    if (opt & 2) {
        vtc_op_desc_shape(&a.hidden, dt, 3, (int64_t[]){B, N, D});
        if (opt & 4)
            vtc_op_desc_shape(&a.dominant_out, dt, 3, (int64_t[]){B, nkeep, D});
    }
    params p = {&a.size, {&a.dominant, &a.no_cls, NULL, NULL}, NULL};
    finish(&c, &p, s, VTC_OP_SELECT, &a, run_select);
}

static void fuzz_merge(stream *s)
{
    vtc_merge_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    int64_t B = PICK(s, small_dims), N = PICK(s, token_dims), D = PICK(s, width_dims), Dm = PICK(s, width_dims);
    int64_t R = next(s) % (N + 1);
    a.contextual = (uint32_t)(next(s) % (R + 1));
    uint32_t dt = float_dtype(s);
    call c = {0};
    vtc_op_desc_shape(&a.hidden, dt, 3, (int64_t[]){B, N, D});
    vtc_op_desc_shape(&a.metric, dt, 3, (int64_t[]){B, N, Dm});
    vtc_op_desc_shape(&a.rest_idx, VTC_DTYPE_I32, 2, (int64_t[]){B, R});
    vtc_op_desc_shape(&a.out, dt, 3, (int64_t[]){B, a.contextual, D});
    c.index_name = "rest_idx";
    c.index_bound = N;
    params p = {&a.size, {&a.contextual, NULL, NULL, NULL}, NULL};
    finish(&c, &p, s, VTC_OP_MERGE, &a, run_merge);
}

static void fuzz_visionzip(stream *s)
{
    vtc_visionzip_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.score_mode = next(s) % 3;
    a.no_cls = next(s) & 1;
    int64_t B = PICK(s, small_dims), N = PICK(s, token_dims), H = PICK(s, small_dims), dh = PICK(s, width_dims);
    int64_t D = PICK(s, width_dims), Dm = PICK(s, width_dims), keep_cls = a.no_cls ? 0 : 1;
    int64_t avail = N - keep_cls;
    a.dominant = (uint32_t)(next(s) % (avail + 1));
    a.contextual = (uint32_t)(next(s) % (avail - a.dominant + 1));
    int64_t rows = keep_cls + a.dominant + a.contextual;
    uint32_t dt = float_dtype(s);
    call c = {0};
    vtc_op_desc_shape(&a.hidden, dt, 3, (int64_t[]){B, N, D});
    vtc_op_desc_shape(&a.metric, dt, 3, (int64_t[]){B, N, Dm});
    if (a.score_mode == VTC_SCORE_ATTN_CLS) {
        vtc_op_desc_shape(&a.attn, dt, 3, (int64_t[]){B, H, N});
    } else {
        vtc_op_desc_shape(&a.q, dt, 4, (int64_t[]){B, N, H, dh});
        vtc_op_desc_shape(&a.k, dt, 4, (int64_t[]){B, N, H, dh});
    }
    vtc_op_desc_shape(&a.out, dt, 3, (int64_t[]){B, rows, D});
    if (next(s) & 1)
        vtc_op_desc_shape(&a.src_idx, VTC_DTYPE_I32, 2, (int64_t[]){B, rows});
    params p = {&a.size, {&a.score_mode, &a.dominant, &a.contextual, &a.no_cls}, &a.scale};
    finish(&c, &p, s, VTC_OP_VISIONZIP, &a, run_vz);
}

static void fuzz_composite(stream *s)
{
    vtc_composite_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    int64_t B = PICK(s, small_dims), Nk = PICK(s, token_dims), Hkv = 1 + next(s) % 3, G = 1 + next(s) % 3;
    int64_t dh = PICK(s, head_widths), Nq = (next(s) & 1) ? Nk : 1 + next(s) % Nk;
    uint32_t dt = float_dtype(s);
    call c = {0};
    vtc_op_desc_shape(&a.q, dt, 4, (int64_t[]){B, Nq, Hkv * G, dh});
    vtc_op_desc_shape(&a.k, dt, 4, (int64_t[]){B, Nk, Hkv, dh});
    vtc_op_desc_shape(&a.v, dt, 4, (int64_t[]){B, Nk, Hkv, dh});
    vtc_op_desc_shape(&a.kind, VTC_DTYPE_U8, 2, (int64_t[]){B, Nk});
    vtc_op_desc_shape(&a.out, dt, 4, (int64_t[]){B, Nq, Hkv * G, dh});
    params p = {&a.size, {NULL, NULL, NULL, NULL}, &a.scale};
    finish(&c, &p, s, VTC_OP_COMPOSITE, &a, run_comp);
}

static void fuzz_compress(stream *s)
{
    /* no weight set: every call must be rejected, whatever the tensors say */
    vtc_compress_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.path = next(s) % 3;
    int64_t B = PICK(s, small_dims), N = PICK(s, token_dims), E = PICK(s, width_dims);
    vtc_op_desc_shape(&a.x, VTC_DTYPE_F32, 3, (int64_t[]){B, N, E});
    vtc_op_desc_shape(&a.out, VTC_DTYPE_F32, 3, (int64_t[]){B, 1, E});
    call c = {0};
    params p = {&a.size, {&a.path, NULL, NULL, NULL}, NULL};
    finish(&c, &p, s, VTC_OP_COMPRESS, &a, run_compress);
    if (vtc_compress_weights_prepare(ctx_get(), NULL, (uint32_t)N) == VTC_SUCCESS)
        abort();
    vtc_compress_weights_destroy(ctx_get(), NULL);
}

static void fuzz_prune(stream *s)
{
    vtc_prune_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.mode = next(s) % 2;
    int64_t B = PICK(s, small_dims), N = PICK(s, token_dims), D = PICK(s, width_dims), Dm = PICK(s, width_dims);
    a.keep = (uint32_t)(next(s) % (N + 1));
    a.contextual = (uint32_t)(next(s) % (N - a.keep + 1));
    if (a.mode == VTC_PRUNE_DART)
        a.pivots = next(s) % 12;
    int64_t rows = (int64_t)a.keep + a.contextual;
    uint32_t dt = float_dtype(s), opt = next(s);
    call c = {0};
    vtc_op_desc_shape(&a.hidden, dt, 3, (int64_t[]){B, N, D});
    if (opt & 1)
        vtc_op_desc_shape(&a.metric, dt, 3, (int64_t[]){B, N, Dm});
    if ((opt & 2) && a.keep > 0)
        vtc_op_desc_shape(&a.keep_idx, VTC_DTYPE_I32, 2, (int64_t[]){B, a.keep});
    if ((opt & 4) || a.contextual > 0 || !(opt & 2))
        vtc_op_desc_shape(&a.out, dt, 3, (int64_t[]){B, rows, D});
    if (opt & 8)
        vtc_op_desc_shape(&a.src_idx, VTC_DTYPE_I32, 2, (int64_t[]){B, rows});
    params p = {&a.size, {&a.mode, &a.keep, &a.contextual, &a.pivots}, NULL};
    finish(&c, &p, s, VTC_OP_PRUNE, &a, run_prune);
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
    switch (next(&s) % 8) {
    case 0: fuzz_scores(&s); break;
    case 1: fuzz_select(&s); break;
    case 2: fuzz_merge(&s); break;
    case 3: fuzz_visionzip(&s); break;
    case 4: fuzz_composite(&s); break;
    case 5: fuzz_compress(&s); break;
    case 7: fuzz_prune(&s); break;
    default: fuzz_context_free(&s); break;
    }
    return 0;
}
