/*
 * GPU-side bounds: every op, on device tensors placed in one larger VkBuffer
 * with a canary guard before and after every region, stays inside its views.
 *
 * For random valid shapes (sizes one below, at and one above the workgroup
 * and tile sizes the ops use: 4/8/16 subgroup lanes, 16 serial-select
 * lanes, 32 merge lanes, 64 (score rows, composite tiles), 256 (element
 * grids), the 512-key split-KV threshold), each call is made twice:
 *   1. with device tensors at offsets in the middle of the arena (composite
 *      q/k/v also with padded strides, as views into a bigger buffer), all
 *      other bytes of the arena holding the canary;
 *   2. with the same data as packed host tensors.
 * Checks: no byte of the arena changed except output elements of the views
 * (guards, gaps between strided rows, inputs: all intact), and the device
 * outputs equal the host outputs bit for bit (so a read outside a view, which
 * a canary cannot see, shows up as a different result).
 * Runs on the default (CPU-tuned) variants and on the GPU variants
 * (VTC_CONTEXT_GPU_VARIANTS: shared-memory tiles, 32-lane merge, workgroup
 * select).
 *
 * Then the ABI limits: shapes whose byte size overflows 64 bits, element
 * counts past 2^31, and views larger than maxStorageBufferRange are rejected
 * with INVALID_ARGUMENT, a message naming the problem, and nothing written.
 */
#include "rel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXT 7
#define ARENA_BYTES ((size_t)4 << 20)


/* ---- one call: tensor specs, bound as host or device tensors --------------- */
typedef struct tspec {
    uint32_t dtype;        /* NONE: absent */
    uint32_t ndim;
    int64_t shape[4];
    int output;
    int strided;           /* place with padded strides (composite q/k/v) */
    int index_bound;       /* I32 input: ascending indices below this */
} tspec;

typedef struct opcall {
    int op;                /* 0 scores, 1 select, 2 merge, 3 visionzip, 4 composite, 5 prune */
    uint32_t p[4];         /* op parameters */
    tspec t[MAXT];
    int nt;
    char desc[160];
} opcall;

static size_t esize(uint32_t dt)
{
    return dt == VTC_DTYPE_F16 ? 2 : dt == VTC_DTYPE_U8 ? 1 : 4;
}

static int64_t count_of(const tspec *t)
{
    int64_t n = 1;
    for (uint32_t i = 0; i < t->ndim; i++)
        n *= t->shape[i];
    return n;
}

static vtc_result invoke(vtc_context ctx, const opcall *c, const vtc_tensor *v, const vtc_exec *ex)
{
    switch (c->op) {
    case 0: {
        vtc_scores_args a = {sizeof(a), c->p[0], 0.0f, 0, v[0], v[1], v[2], v[3]};
        return vtc_scores(ctx, &a, ex);
    }
    case 1: {
        vtc_select_args a = {sizeof(a), c->p[0], c->p[1], 0, v[0], v[1], v[2], v[3], v[4]};
        return vtc_select(ctx, &a, ex);
    }
    case 2: {
        vtc_merge_args a = {sizeof(a), c->p[0], v[0], v[1], v[2], v[3]};
        return vtc_merge(ctx, &a, ex);
    }
    case 3: {
        vtc_visionzip_args a = {sizeof(a), c->p[0], c->p[1], c->p[2], c->p[3], 0.0f, v[0], v[1], v[2], v[3], v[4], v[5],
                                v[6]};
        return vtc_visionzip(ctx, &a, ex);
    }
    case 5: {
        vtc_prune_args a = {sizeof(a), c->p[0], c->p[1], c->p[2], c->p[3], 0, v[0], v[1], v[2], v[3], v[4]};
        return vtc_prune(ctx, &a, ex);
    }
    default: {
        vtc_composite_args a = {sizeof(a), 0.0f, v[0], v[1], v[2], v[3], v[4]};
        return vtc_composite_attention(ctx, &a, ex);
    }
    }
}

/* vtc_query_scratch for the call's op (record mode's scratch size). */
static vtc_result query(vtc_context ctx, const opcall *c, const vtc_tensor *v, uint64_t *bytes)
{
    static const uint32_t ops[] = {VTC_OP_SCORES, VTC_OP_SELECT, VTC_OP_MERGE, VTC_OP_VISIONZIP, VTC_OP_COMPOSITE,
                                   VTC_OP_PRUNE};
    vtc_scores_args sa = {sizeof(sa), c->p[0], 0.0f, 0, v[0], v[1], v[2], v[3]};
    vtc_select_args se = {sizeof(se), c->p[0], c->p[1], 0, v[0], v[1], v[2], v[3], v[4]};
    vtc_merge_args me = {sizeof(me), c->p[0], v[0], v[1], v[2], v[3]};
    vtc_visionzip_args vz = {sizeof(vz), c->p[0], c->p[1], c->p[2], c->p[3], 0.0f, v[0], v[1], v[2], v[3], v[4], v[5],
                             v[6]};
    vtc_composite_args co = {sizeof(co), 0.0f, v[0], v[1], v[2], v[3], v[4]};
    vtc_prune_args pr = {sizeof(pr), c->p[0], c->p[1], c->p[2], c->p[3], 0, v[0], v[1], v[2], v[3], v[4]};
    const void *args[] = {&sa, &se, &me, &vz, &co, &pr};
    return vtc_query_scratch(ctx, ops[c->op], args[c->op], bytes);
}

typedef struct record_job {
    vtc_context ctx;
    const opcall *c;
    const vtc_tensor *v;
} record_job;

static vtc_result record_call(void *user, const vtc_exec *ex)
{
    record_job *j = user;
    return invoke(j->ctx, j->c, j->v, ex);
}

/* Element e (row-major over the shape) of a view with element strides st. */
static int64_t elem_offset(const tspec *t, const int64_t *st, int64_t e)
{
    int64_t off = 0;
    for (int i = (int)t->ndim - 1; i >= 0; i--) {
        off += (e % t->shape[i]) * st[i];
        e /= t->shape[i];
    }
    return off;
}

static void gen_input(uint64_t *s, const tspec *t, void *dst)
{
    int64_t n = count_of(t);
    if (t->dtype == VTC_DTYPE_I32) {
        int32_t *d = dst;
        int64_t R = t->shape[t->ndim - 1];
        for (int64_t i = 0; i < n; i++)
            d[i] = t->index_bound ? (int32_t)((i % R) * t->index_bound / R) : (int32_t)(rel_rand(s) % 7);
    } else if (t->dtype == VTC_DTYPE_U8) {
        uint8_t *d = dst;
        for (int64_t i = 0; i < n; i++)
            d[i] = (uint8_t)(rel_rand(s) & 1);
    } else if (t->dtype == VTC_DTYPE_F16) {
        uint16_t *d = dst;
        for (int64_t i = 0; i < n; i++)
            d[i] = (uint16_t)(0x3000u + rel_rand(s) % 0x0fffu); /* 0.125 .. 1 */
    } else {
        rel_fill_f32(s, dst, (size_t)n);
    }
}

/* Every changed byte of the arena must be an output element of a view or
   lie in the scratch range; counts the others and reports the first. */
static void check_writes(rel_arena *ar, const uint8_t *before, const opcall *c, const size_t *off,
                         int64_t (*st)[4], size_t scratch_off, size_t scratch_bytes, const char *mode,
                         const char *variant)
{
    const uint8_t *map = rel_arena_map(ar);
    size_t asize = rel_arena_size(ar);
    uint8_t *allowed = calloc(asize, 1);
    if (!allowed)
        exit(1);
    memset(allowed + scratch_off, 1, scratch_bytes);
    for (int i = 0; i < c->nt; i++) {
        const tspec *t = &c->t[i];
        if (t->dtype == VTC_DTYPE_NONE || !t->output)
            continue;
        size_t es = esize(t->dtype);
        for (int64_t e = 0; e < count_of(t); e++)
            memset(allowed + off[i] + (size_t)elem_offset(t, st[i], e) * es, 1, es);
    }
    size_t bad = 0, first = 0;
    for (size_t c0 = 0; c0 < asize; c0 += 4096) {
        size_t len = asize - c0 < 4096 ? asize - c0 : 4096;
        if (!memcmp(map + c0, before + c0, len))
            continue;
        for (size_t b = c0; b < c0 + len; b++)
            if (map[b] != before[b] && !allowed[b] && !bad++)
                first = b;
    }
    if (bad) {
        /* name the nearest region at or before the byte: its guard, gap or tail was hit */
        int owner = -1;
        for (int i = 0; i < c->nt; i++)
            if (c->t[i].dtype != VTC_DTYPE_NONE && off[i] <= first + rel_arena_guard(ar) &&
                (owner < 0 || off[i] > off[owner]))
                owner = i;
        CHECK(0, "%s [%s, %s]: %zu bytes written outside the output views%s, first at arena byte %zu (near tensor %d at %zu)",
              c->desc, variant, mode, bad, scratch_bytes ? " and the scratch" : "", first, owner,
              owner >= 0 ? off[owner] : 0);
    }
    free(allowed);
}

/* Device outputs (read through the views) equal the packed host outputs. */
static void check_equal(rel_arena *ar, const opcall *c, const size_t *off, int64_t (*st)[4], void *const *packed,
                        const char *mode, const char *variant)
{
    const uint8_t *map = rel_arena_map(ar);
    for (int i = 0; i < c->nt; i++) {
        const tspec *t = &c->t[i];
        if (t->dtype == VTC_DTYPE_NONE || !t->output)
            continue;
        size_t es = esize(t->dtype);
        int64_t n = count_of(t), diff = -1;
        for (int64_t e = 0; e < n && diff < 0; e++)
            if (memcmp(map + off[i] + (size_t)elem_offset(t, st[i], e) * es, (const uint8_t *)packed[i] + e * es, es))
                diff = e;
        CHECK(diff < 0, "%s [%s, %s]: output tensor %d differs from the host-tensor call at element %lld", c->desc,
              variant, mode, i, (long long)diff);
    }
}

/* Canary everywhere, then the inputs at their view positions. */
static void fill_arena(rel_arena *ar, const opcall *c, const size_t *off, int64_t (*st)[4], void *const *packed)
{
    uint8_t *map = rel_arena_map(ar);
    memset(map, REL_CANARY, rel_arena_size(ar));
    for (int i = 0; i < c->nt; i++) {
        const tspec *t = &c->t[i];
        if (t->dtype == VTC_DTYPE_NONE || t->output)
            continue;
        size_t es = esize(t->dtype);
        for (int64_t e = 0; e < count_of(t); e++)
            memcpy(map + off[i] + (size_t)elem_offset(t, st[i], e) * es, (const uint8_t *)packed[i] + e * es, es);
    }
}

/* Runs one call three ways: device tensors synchronously, device tensors in
   record mode with the scratch in the arena too, and packed host tensors;
   checks bounds after each device run and equality with the host run. */
static void run_case(vtc_context ctx, rel_arena *ar, uint64_t *s, const opcall *c, const char *variant)
{
    vtc_tensor dev[MAXT], host[MAXT];
    void *packed[MAXT] = {0};
    int64_t st[MAXT][4];
    size_t off[MAXT] = {0};
    memset(dev, 0, sizeof(dev));
    memset(host, 0, sizeof(host));
    memset(st, 0, sizeof(st));
    rel_arena_reset(ar);
    for (int i = 0; i < c->nt; i++) {
        const tspec *t = &c->t[i];
        if (t->dtype == VTC_DTYPE_NONE)
            continue;
        size_t es = esize(t->dtype);
        int64_t n = count_of(t);
        /* strides: packed, or each outer dimension padded by one element (rows of a bigger buffer) */
        int64_t acc = 1;
        for (int d = (int)t->ndim - 1; d >= 0; d--) {
            st[i][d] = acc;
            acc *= t->shape[d] + (t->strided && d < (int)t->ndim - 1 ? 1 : 0);
        }
        int64_t extent = 1;
        for (uint32_t d = 0; d < t->ndim; d++)
            extent += (t->shape[d] - 1) * st[i][d];
        off[i] = rel_arena_region(ar, (size_t)extent * es);
        if (off[i] == (size_t)-1) {
            fprintf(stderr, "arena too small for %s\n", c->desc);
            exit(1);
        }
        packed[i] = calloc((size_t)n + 1, es);
        if (!packed[i])
            exit(1);
        if (!t->output)
            gen_input(s, t, packed[i]);
        dev[i].size = host[i].size = sizeof(vtc_tensor);
        dev[i].dtype = host[i].dtype = t->dtype;
        dev[i].ndim = host[i].ndim = t->ndim;
        memcpy(dev[i].shape, t->shape, sizeof(t->shape));
        memcpy(host[i].shape, t->shape, sizeof(t->shape));
        if (t->strided)
            memcpy(dev[i].stride, st[i], sizeof(st[i]));
        dev[i].buffer = rel_arena_buffer(ar);
        dev[i].offset = off[i];
        host[i].host = packed[i];
    }
    uint64_t scratch_bytes = 0;
    vtc_result rq = query(ctx, c, dev, &scratch_bytes);
    CHECK(rq == VTC_SUCCESS, "%s [%s]: vtc_query_scratch: %s", c->desc, variant, vtc_result_string(rq));
    size_t scratch_off = scratch_bytes ? rel_arena_region(ar, (size_t)scratch_bytes) : 0;
    if (scratch_off == (size_t)-1) {
        fprintf(stderr, "arena too small for the scratch of %s\n", c->desc);
        exit(1);
    }
    size_t asize = rel_arena_size(ar);
    uint8_t *before = malloc(asize);
    uint8_t *sync_out = malloc(asize);
    if (!before || !sync_out)
        exit(1);

    /* 1. synchronous, device tensors */
    fill_arena(ar, c, off, st, packed);
    memcpy(before, rel_arena_map(ar), asize);
    vtc_result r = invoke(ctx, c, dev, NULL);
    CHECK(r == VTC_SUCCESS, "%s [%s]: device call failed: %s", c->desc, variant, vtc_result_string(r));
    check_writes(ar, before, c, off, st, 0, 0, "sync", variant);
    memcpy(sync_out, rel_arena_map(ar), asize);

    /* 2. record mode, scratch guarded in the same buffer */
    fill_arena(ar, c, off, st, packed);
    record_job job = {ctx, c, dev};
    vtc_result rr = rel_arena_record(ar, scratch_off, (size_t)scratch_bytes, record_call, &job);
    CHECK(rr == VTC_SUCCESS, "%s [%s]: recorded call failed: %s", c->desc, variant, vtc_result_string(rr));
    check_writes(ar, before, c, off, st, scratch_off, (size_t)scratch_bytes, "record", variant);

    /* 3. the same call on packed host tensors gives the same bits as both */
    vtc_result rh = invoke(ctx, c, host, NULL);
    CHECK(rh == VTC_SUCCESS, "%s [%s]: host call failed: %s", c->desc, variant, vtc_result_string(rh));
    if (rh == VTC_SUCCESS && rr == VTC_SUCCESS)
        check_equal(ar, c, off, st, packed, "record", variant);
    if (rh == VTC_SUCCESS && r == VTC_SUCCESS) {
        memcpy(rel_arena_map(ar), sync_out, asize);
        check_equal(ar, c, off, st, packed, "sync", variant);
    }
    free(before);
    free(sync_out);
    for (int i = 0; i < MAXT; i++)
        free(packed[i]);
}

/* ---- random valid shapes per op -------------------------------------------- */
static tspec T(uint32_t dt, uint32_t nd, int64_t a, int64_t b, int64_t c, int64_t d, int out)
{
    tspec t = {dt, nd, {a, b, c, d}, out, 0, 0};
    return t;
}

static const int64_t edge_small[] = {3, 4, 5, 7, 8, 9, 15, 16, 17};
static const int64_t edge_rows[] = {15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257};
static const int64_t edge_width[] = {1, 3, 4, 5, 7, 8, 9};

static opcall gen_scores(uint64_t *s)
{
    opcall c = {0};
    c.op = 0;
    c.nt = 4;
    c.p[0] = (uint32_t)(rel_rand(s) % 3);
    int64_t B = 1 + (int64_t)(rel_rand(s) % 2), N = REL_PICK(s, edge_rows), H = 1 + (int64_t)(rel_rand(s) % 3);
    int64_t dh = REL_PICK(s, edge_width);
    uint32_t dt = (rel_rand(s) % 4) ? VTC_DTYPE_F32 : VTC_DTYPE_F16;
    if (c.p[0] == VTC_SCORE_ATTN_CLS) {
        c.t[0] = T(dt, 3, B, H, N, 0, 0);
    } else {
        c.t[1] = T(dt, 4, B, N, H, dh, 0);
        c.t[2] = T(dt, 4, B, N, H, dh, 0);
    }
    c.t[3] = T(VTC_DTYPE_F32, 2, B, N, 0, 0, 1);
    snprintf(c.desc, sizeof(c.desc), "scores mode %u B=%lld N=%lld H=%lld dh=%lld %s", c.p[0], (long long)B,
             (long long)N, (long long)H, (long long)dh, dt == VTC_DTYPE_F16 ? "f16" : "f32");
    return c;
}

static opcall gen_select(uint64_t *s)
{
    opcall c = {0};
    c.op = 1;
    c.nt = 5;
    int64_t B = REL_PICK(s, edge_small), N = REL_PICK(s, edge_rows), D = REL_PICK(s, edge_width);
    c.p[1] = (uint32_t)(rel_rand(s) & 1); /* no_cls */
    int64_t kc = c.p[1] ? 0 : 1;
    c.p[0] = (uint32_t)(rel_rand(s) % (uint64_t)(N - kc)); /* leaves at least one rest token */
    int64_t nkeep = kc + c.p[0];
    c.t[0] = T(VTC_DTYPE_F32, 2, B, N, 0, 0, 0);
    c.t[1] = T(VTC_DTYPE_F32, 3, B, N, D, 0, 0);
    c.t[2] = T(VTC_DTYPE_I32, 2, B, nkeep, 0, 0, 1);
    c.t[3] = T(VTC_DTYPE_I32, 2, B, N - nkeep, 0, 0, 1);
    c.t[4] = T(VTC_DTYPE_F32, 3, B, nkeep, D, 0, 1);
    snprintf(c.desc, sizeof(c.desc), "select B=%lld N=%lld D=%lld dominant=%u no_cls=%u", (long long)B, (long long)N,
             (long long)D, c.p[0], c.p[1]);
    return c;
}

static opcall gen_merge(uint64_t *s)
{
    opcall c = {0};
    c.op = 2;
    c.nt = 4;
    int64_t B = 1 + (int64_t)(rel_rand(s) % 3), N = REL_PICK(s, edge_rows), D = REL_PICK(s, edge_width);
    int64_t Dm = REL_PICK(s, edge_width);
    static const int64_t rs[] = {31, 32, 33, 63, 64, 65};
    int64_t R = REL_PICK(s, rs);
    if (R > N)
        R = N;
    c.p[0] = (uint32_t)(1 + rel_rand(s) % (uint64_t)R);
    uint32_t dt = (rel_rand(s) % 4) ? VTC_DTYPE_F32 : VTC_DTYPE_F16;
    c.t[0] = T(dt, 3, B, N, D, 0, 0);
    c.t[1] = T(dt, 3, B, N, Dm, 0, 0);
    c.t[2] = T(VTC_DTYPE_I32, 2, B, R, 0, 0, 0);
    c.t[2].index_bound = (int)N;
    c.t[3] = T(dt, 3, B, c.p[0], D, 0, 1);
    snprintf(c.desc, sizeof(c.desc), "merge B=%lld N=%lld D=%lld Dm=%lld R=%lld c=%u %s", (long long)B, (long long)N,
             (long long)D, (long long)Dm, (long long)R, c.p[0], dt == VTC_DTYPE_F16 ? "f16" : "f32");
    return c;
}

static opcall gen_visionzip(uint64_t *s)
{
    opcall c = {0};
    c.op = 3;
    c.nt = 7;
    int64_t B = 1 + (int64_t)(rel_rand(s) % 2), N = REL_PICK(s, edge_rows), D = REL_PICK(s, edge_width);
    int64_t H = 1 + (int64_t)(rel_rand(s) % 2), dh = REL_PICK(s, edge_width);
    c.p[0] = (uint32_t)(rel_rand(s) % 3);
    c.p[3] = (uint32_t)(rel_rand(s) & 1);
    int64_t kc = c.p[3] ? 0 : 1, avail = N - kc;
    c.p[1] = (uint32_t)(rel_rand(s) % (uint64_t)(avail + 1));
    c.p[2] = (uint32_t)(rel_rand(s) % (uint64_t)(avail - c.p[1] + 1));
    int64_t rows = kc + c.p[1] + c.p[2];
    c.t[0] = T(VTC_DTYPE_F32, 3, B, N, D, 0, 0);
    c.t[1] = T(VTC_DTYPE_F32, 3, B, N, D, 0, 0);
    if (c.p[0] == VTC_SCORE_ATTN_CLS) {
        c.t[2] = T(VTC_DTYPE_F32, 3, B, H, N, 0, 0);
    } else {
        c.t[3] = T(VTC_DTYPE_F32, 4, B, N, H, dh, 0);
        c.t[4] = T(VTC_DTYPE_F32, 4, B, N, H, dh, 0);
    }
    c.t[5] = T(VTC_DTYPE_F32, 3, B, rows, D, 0, 1);
    if (rel_rand(s) & 1)
        c.t[6] = T(VTC_DTYPE_I32, 2, B, rows, 0, 0, 1);
    snprintf(c.desc, sizeof(c.desc), "visionzip mode %u B=%lld N=%lld D=%lld dominant=%u contextual=%u no_cls=%u",
             c.p[0], (long long)B, (long long)N, (long long)D, c.p[1], c.p[2], c.p[3]);
    return c;
}

static opcall gen_composite(uint64_t *s, int big)
{
    opcall c = {0};
    c.op = 4;
    c.nt = 5;
    static const int64_t nk_small[] = {3, 4, 5, 15, 16, 17, 63, 64, 65};
    static const int64_t nk_big[] = {511, 512, 513}; /* around the split-KV threshold */
    static const int64_t dhs[] = {8, 16};
    int64_t B = 1 + (int64_t)(rel_rand(s) % 2), Hkv = 1 + (int64_t)(rel_rand(s) % 2),
            G = 1 + (int64_t)(rel_rand(s) % 3);
    int64_t Nk = big ? REL_PICK(s, nk_big) : REL_PICK(s, nk_small), dh = REL_PICK(s, dhs);
    int64_t Nq = big ? 1 + (int64_t)(rel_rand(s) % 3) : ((rel_rand(s) & 1) ? Nk : 1 + (int64_t)(rel_rand(s) % Nk));
    if (big)
        B = 1;
    uint32_t dt = (rel_rand(s) % 4) ? VTC_DTYPE_F32 : VTC_DTYPE_F16;
    int strided = (int)(rel_rand(s) & 1);
    c.t[0] = T(dt, 4, B, Nq, Hkv * G, dh, 0);
    c.t[1] = T(dt, 4, B, Nk, Hkv, dh, 0);
    c.t[2] = T(dt, 4, B, Nk, Hkv, dh, 0);
    c.t[0].strided = c.t[1].strided = c.t[2].strided = strided;
    c.t[3] = T(VTC_DTYPE_U8, 2, B, Nk, 0, 0, 0);
    c.t[4] = T(dt, 4, B, Nq, Hkv * G, dh, 1);
    snprintf(c.desc, sizeof(c.desc), "composite B=%lld Nq=%lld Nk=%lld Hq=%lld Hkv=%lld dh=%lld %s%s", (long long)B,
             (long long)Nq, (long long)Nk, (long long)(Hkv * G), (long long)Hkv, (long long)dh,
             dt == VTC_DTYPE_F16 ? "f16" : "f32", strided ? " strided" : "");
    return c;
}

static opcall gen_prune(uint64_t *s)
{
    opcall c = {0};
    c.op = 5;
    c.nt = 5;
    int64_t B = 1 + (int64_t)(rel_rand(s) % 2), N = REL_PICK(s, edge_rows), D = REL_PICK(s, edge_width);
    int64_t Dm = REL_PICK(s, edge_width);
    c.p[0] = (uint32_t)(rel_rand(s) & 1);
    c.p[1] = (uint32_t)(rel_rand(s) % (uint64_t)(N > 40 ? 40 : N + 1)); /* K steps: keep the run short */
    c.p[2] = (uint32_t)(rel_rand(s) % (uint64_t)(N - c.p[1] + 1 > 20 ? 20 : N - c.p[1] + 1));
    c.p[3] = c.p[0] ? (uint32_t)(rel_rand(s) % 10) : 0;
    int64_t rows = (int64_t)c.p[1] + c.p[2];
    uint32_t dt = (rel_rand(s) % 4) ? VTC_DTYPE_F32 : VTC_DTYPE_F16;
    c.t[0] = T(dt, 3, B, N, D, 0, 0);
    if (rel_rand(s) & 1)
        c.t[1] = T(dt, 3, B, N, Dm, 0, 0);
    if (c.p[1] > 0)
        c.t[2] = T(VTC_DTYPE_I32, 2, B, c.p[1], 0, 0, 1);
    if (rows > 0)
        c.t[3] = T(dt, 3, B, rows, D, 0, 1);
    if (rows > 0 && (rel_rand(s) & 1))
        c.t[4] = T(VTC_DTYPE_I32, 2, B, rows, 0, 0, 1);
    snprintf(c.desc, sizeof(c.desc), "prune %s B=%lld N=%lld D=%lld keep=%u contextual=%u pivots=%u %s",
             c.p[0] ? "dart" : "divprune", (long long)B, (long long)N, (long long)D, c.p[1], c.p[2], c.p[3],
             dt == VTC_DTYPE_F16 ? "f16" : "f32");
    return c;
}

/* ---- ABI limits ------------------------------------------------------------ */
static void expect_code(vtc_context ctx, rel_log *log, rel_arena *ar, vtc_tensor attn, const char *needle,
                        const char *what, vtc_result want)
{
    static float tiny[4];
    rel_arena_reset(ar);
    size_t out_off = rel_arena_region(ar, 4096);
    vtc_scores_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.attn = attn;
    a.score.size = sizeof(vtc_tensor);
    a.score.dtype = VTC_DTYPE_F32;
    a.score.ndim = 2;
    a.score.shape[0] = attn.shape[0];
    a.score.shape[1] = attn.shape[2];
    if (attn.host) {
        a.score.host = tiny; /* both on the host: the staging check must catch it, reading nothing */
    } else {
        a.score.buffer = rel_arena_buffer(ar);
        a.score.offset = out_off;
    }
    unsigned errors = log->errors;
    vtc_result r = vtc_scores(ctx, &a, NULL);
    CHECK(r == want, "%s: got %s, want %s", what, vtc_result_string(r), vtc_result_string(want));
    CHECK(log->errors > errors && strstr(log->last, needle), "%s: message '%s' does not mention '%s'", what, log->last,
          needle);
    CHECK(rel_arena_first_dirty(ar, 0, rel_arena_size(ar)) < 0, "%s: the rejected call wrote to the arena", what);
    /* host tensors are sized at staging, which the scratch query does not do */
    uint64_t scratch = 0;
    r = vtc_query_scratch(ctx, VTC_OP_SCORES, &a, &scratch);
    CHECK(attn.host || want != VTC_ERROR_INVALID_ARGUMENT || r == want, "%s: vtc_query_scratch got %s", what,
          vtc_result_string(r));
}

static void expect_rejected(vtc_context ctx, rel_log *log, rel_arena *ar, vtc_tensor attn, const char *needle,
                            const char *what)
{
    expect_code(ctx, log, ar, attn, needle, what, VTC_ERROR_INVALID_ARGUMENT);
}

static vtc_tensor attn_view(rel_arena *ar, int64_t B, int64_t H, int64_t N, const int64_t *stride)
{
    vtc_tensor t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    t.dtype = VTC_DTYPE_F32;
    t.ndim = 3;
    t.shape[0] = B;
    t.shape[1] = H;
    t.shape[2] = N;
    if (stride)
        memcpy(t.stride, stride, 3 * sizeof(int64_t));
    t.buffer = rel_arena_buffer(ar);
    t.offset = 0;
    return t;
}

static void check_limits(vtc_context ctx, rel_log *log, rel_arena *ar)
{
    vtc_device_info info = {sizeof(info)};
    memset(&info, 0, sizeof(info));
    info.size = sizeof(info);
    vtc_context_info(ctx, &info);
    uint64_t range = info.max_storage_buffer_range;
    /* element count past 2^63 */
    expect_rejected(ctx, log, ar, attn_view(ar, (int64_t)1 << 30, (int64_t)1 << 30, (int64_t)1 << 30, NULL), "overflow",
                    "shape 2^30 x 2^30 x 2^30");
    /* strides whose byte extent passes 2^63 */
    int64_t huge[3] = {INT64_MAX / 4, 1, 1};
    expect_rejected(ctx, log, ar, attn_view(ar, 3, 1, 4, huge), "overflow", "stride INT64_MAX/4");
    int64_t huge2[3] = {(int64_t)1 << 61, 1, 1};
    expect_rejected(ctx, log, ar, attn_view(ar, 2, 1, 4, huge2), "overflow", "stride 2^61 (x4 bytes)");
    /* more elements than 32-bit shader indexing covers */
    expect_rejected(ctx, log, ar, attn_view(ar, 1, 1 << 16, 1 << 15, NULL), "2^31", "2^31 elements");
    /* a view longer than maxStorageBufferRange: small count, long stride */
    int64_t past[3] = {(int64_t)(range / 4), 1, 1};
    expect_rejected(ctx, log, ar, attn_view(ar, 2, 1, 4, past), "maxStorageBufferRange", "view past maxStorageBufferRange");
    /* contiguous, when the range is below 2^31 elements of 4 bytes */
    if (range / 4 + 1 < ((uint64_t)1 << 31))
        expect_rejected(ctx, log, ar, attn_view(ar, 1, 1, (int64_t)(range / 4) + 1, NULL), "maxStorageBufferRange",
                        "contiguous tensor past maxStorageBufferRange");
    /* a host tensor that would need more than maxStorageBufferRange bytes staged:
       vtc must refuse before reading it (the pointer backs 4 bytes only) */
    if (range / 4 + 1 < ((uint64_t)1 << 31)) {
        static float tiny[1];
        tiny[0] = 1.0f;
        vtc_tensor t = attn_view(ar, 1, 1, (int64_t)(range / 4) + 1, NULL);
        t.buffer = VK_NULL_HANDLE;
        t.host = tiny;
        expect_rejected(ctx, log, ar, t, "maxStorageBufferRange", "host tensor past maxStorageBufferRange");
    }
    /* a strided device view where the op's shaders assume packed rows (all but composite q/k/v) */
    int64_t padded[3] = {2 * 8, 8, 1};
    expect_code(ctx, log, ar, attn_view(ar, 2, 2, 4, padded), "contiguous", "strided device tensor of scores",
                VTC_ERROR_UNSUPPORTED);
    /* negative stride, offset not aligned */
    int64_t neg[3] = {-4, 1, 1};
    expect_rejected(ctx, log, ar, attn_view(ar, 2, 1, 4, neg), "negative", "negative stride");
    vtc_tensor mis = attn_view(ar, 1, 1, 4, NULL);
    mis.offset = 2;
    expect_rejected(ctx, log, ar, mis, "offset", "offset not a multiple of the alignment");
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x8b0d5;
    int per_op = argc > 2 ? atoi(argv[2]) : 5;
    printf("seed 0x%llx, %d cases per op and variant\n", (unsigned long long)seed, per_op);
    int cases = 0;
    for (int variant = 0; variant < 2; variant++) {
        rel_log log;
        vtc_context ctx = rel_context(&log, variant ? VTC_CONTEXT_GPU_VARIANTS : 0, NULL);
        rel_arena *ar = rel_arena_create(ctx, ARENA_BYTES);
        if (!ar) {
            fprintf(stderr, "cannot create the device arena\n");
            return 1;
        }
        const char *vname = variant ? "gpu-variants" : "default";
        uint64_t s = seed + (uint64_t)variant;
        for (int i = 0; i < per_op; i++) {
            opcall calls[7] = {gen_scores(&s), gen_select(&s), gen_merge(&s), gen_visionzip(&s), gen_composite(&s, 0),
                               gen_composite(&s, i == 0), gen_prune(&s)};
            for (int k = 0; k < 7; k++) {
                if (getenv("VTC_REL_VERBOSE"))
                    printf("  [%s] %s\n", vname, calls[k].desc);
                run_case(ctx, ar, &s, &calls[k], vname);
                cases++;
            }
        }
        if (variant == 0)
            check_limits(ctx, &log, ar);
        vtc_context_stats st = {sizeof(st)};
        memset(&st, 0, sizeof(st));
        st.size = sizeof(st);
        vtc_context_stats_get(ctx, &st);
        CHECK(st.validation_messages == 0, "%s: %llu validation messages", vname,
              (unsigned long long)st.validation_messages);
        rel_arena_destroy(ar);
        vtc_context_destroy(ctx);
    }
    printf("%d bounds cases, %d failures\n", cases, rel_failures());
    return rel_failures() ? 1 : 0;
}
