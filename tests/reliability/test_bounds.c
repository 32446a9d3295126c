/*
 * GPU-side bounds: every op, on device tensors placed in one larger VkBuffer
 * with a canary guard before and after every region, stays inside its views.
 *
 * Every op of the build but compress (whose calls need a weight set), its
 * calls drawn from its descriptor (opcall.h: the examples, their dimensions
 * resized to sizes one below, at and one above the workgroup and tile sizes
 * the ops use: 4/8/16 subgroup lanes, 16 serial-select lanes, 32 merge
 * lanes, 64 (score rows, composite tiles), 256 (element grids), the 512-key
 * split-KV threshold; parameters drawn from its table), through vtc_run.
 * Each call is made three ways:
 *   1. with device tensors at offsets in the middle of the arena (float
 *      inputs also with padded strides, as views into a bigger buffer, when
 *      the op takes them), all other bytes of the arena holding the canary,
 *      synchronously and recorded;
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

#define ARENA_BYTES ((size_t)8 << 20) /* tensors up to 1.5 MB (strided: more) and a scratch up to 1.5 MB */
#define MAXT VTC_OP_DESC_MAX_TENSORS

static size_t esize(uint32_t dt)
{
    return dt == VTC_DTYPE_F16 ? 2 : dt == VTC_DTYPE_U8 ? 1 : 4;
}

static int64_t count_of(const vtc_tensor *t)
{
    return (int64_t)vtc_op_desc_count(t);
}

static int is_output(const opcall *c, int i)
{
    return (c->d->tensors[i].role & VTC_ROLE_OUTPUT) != 0;
}

/* The call with tensors `v` in place of its own. */
static void with_tensors(const opcall *c, const vtc_tensor *v, void *args)
{
    memcpy(args, c->args, sizeof(c->args));
    for (uint32_t i = 0; i < c->d->ntensors; i++)
        *vtc_op_tensor_in(&c->d->tensors[i], args) = v[i];
}

typedef struct record_job {
    vtc_context ctx;
    const opcall *c;
    const void *args;
} record_job;

static vtc_result record_call(void *user, const vtc_exec *ex)
{
    record_job *j = user;
    return vtc_run(j->ctx, j->c->d->op, j->args, ex);
}

/* Element e (row-major over the shape) of a view with element strides st. */
static int64_t elem_offset(const vtc_tensor *t, const int64_t *st, int64_t e)
{
    int64_t off = 0;
    for (int i = (int)t->ndim - 1; i >= 0; i--) {
        off += (e % t->shape[i]) * st[i];
        e /= t->shape[i];
    }
    return off;
}

/* Every changed byte of the arena must be an output element of a view or
   lie in the scratch range; counts the others and reports the first. */
static void check_writes(rel_arena *ar, const uint8_t *before, const opcall *c, const size_t *off,
                         int64_t (*st)[VTC_MAX_DIMS], size_t scratch_off, size_t scratch_bytes, const char *mode,
                         const char *variant)
{
    const uint8_t *map = rel_arena_map(ar);
    size_t asize = rel_arena_size(ar);
    uint8_t *allowed = calloc(asize, 1);
    if (!allowed)
        exit(1);
    memset(allowed + scratch_off, 1, scratch_bytes);
    for (uint32_t i = 0; i < c->d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&c->d->tensors[i], c->args);
        if (t->dtype == VTC_DTYPE_NONE || !is_output(c, (int)i))
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
        for (uint32_t i = 0; i < c->d->ntensors; i++)
            if (vtc_op_tensor_in_const(&c->d->tensors[i], c->args)->dtype != VTC_DTYPE_NONE &&
                off[i] <= first + rel_arena_guard(ar) && (owner < 0 || off[i] > off[owner]))
                owner = (int)i;
        CHECK(0, "%s [%s, %s]: %zu bytes written outside the output views%s, first at arena byte %zu (near %s at %zu)",
              c->desc, variant, mode, bad, scratch_bytes ? " and the scratch" : "", first,
              owner >= 0 ? c->d->tensors[owner].name : "no tensor", owner >= 0 ? off[owner] : 0);
    }
    free(allowed);
}

/* Device outputs (read through the views) equal the packed host outputs. */
static void check_equal(rel_arena *ar, const opcall *c, const size_t *off, int64_t (*st)[VTC_MAX_DIMS],
                        void *const *packed, const char *mode, const char *variant)
{
    const uint8_t *map = rel_arena_map(ar);
    for (uint32_t i = 0; i < c->d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&c->d->tensors[i], c->args);
        if (t->dtype == VTC_DTYPE_NONE || !is_output(c, (int)i))
            continue;
        size_t es = esize(t->dtype);
        int64_t n = count_of(t), diff = -1;
        for (int64_t e = 0; e < n && diff < 0; e++)
            if (memcmp(map + off[i] + (size_t)elem_offset(t, st[i], e) * es, (const uint8_t *)packed[i] + e * es, es))
                diff = e;
        CHECK(diff < 0, "%s [%s, %s]: output %s differs from the host-tensor call at element %lld", c->desc, variant,
              mode, c->d->tensors[i].name, (long long)diff);
    }
}

/* Canary everywhere, then the inputs at their view positions. */
static void fill_arena(rel_arena *ar, const opcall *c, const size_t *off, int64_t (*st)[VTC_MAX_DIMS],
                       void *const *packed)
{
    uint8_t *map = rel_arena_map(ar);
    memset(map, REL_CANARY, rel_arena_size(ar));
    for (uint32_t i = 0; i < c->d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&c->d->tensors[i], c->args);
        if (t->dtype == VTC_DTYPE_NONE || is_output(c, (int)i))
            continue;
        size_t es = esize(t->dtype);
        for (int64_t e = 0; e < count_of(t); e++)
            memcpy(map + off[i] + (size_t)elem_offset(t, st[i], e) * es, (const uint8_t *)packed[i] + e * es, es);
    }
}

/* Lays the call's tensors out in the arena (float inputs with padded outer
   strides when `strided`); fills dev[] and the strides. */
static int place(rel_arena *ar, const opcall *c, int strided, vtc_tensor *dev, int64_t (*st)[VTC_MAX_DIMS],
                 size_t *off)
{
    rel_arena_reset(ar);
    for (uint32_t i = 0; i < c->d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&c->d->tensors[i], c->args);
        memset(&dev[i], 0, sizeof(dev[i]));
        if (t->dtype == VTC_DTYPE_NONE)
            continue;
        int pad = strided && !is_output(c, (int)i) && (t->dtype == VTC_DTYPE_F32 || t->dtype == VTC_DTYPE_F16);
        /* strides: packed, or each outer dimension padded by one element (rows of a bigger buffer) */
        int64_t acc = 1, extent = 1;
        for (int d = (int)t->ndim - 1; d >= 0; d--) {
            st[i][d] = acc;
            acc *= t->shape[d] + (pad && d < (int)t->ndim - 1 ? 1 : 0);
        }
        for (uint32_t d = 0; d < t->ndim; d++)
            extent += (t->shape[d] - 1) * st[i][d];
        off[i] = rel_arena_region(ar, (size_t)extent * esize(t->dtype));
        if (off[i] == (size_t)-1)
            return -1;
        dev[i] = *t;
        if (pad)
            memcpy(dev[i].stride, st[i], sizeof(st[i]));
        dev[i].buffer = rel_arena_buffer(ar);
        dev[i].offset = off[i];
    }
    return 0;
}

/* Runs one call three ways: device tensors synchronously, device tensors in
   record mode with the scratch in the arena too, and packed host tensors;
   checks bounds after each device run and equality with the host run. */
static void run_case(vtc_context ctx, rel_arena *ar, uint64_t *s, const opcall *c, const char *variant)
{
    vtc_tensor dev[MAXT], host[MAXT];
    void *packed[MAXT] = {0};
    int64_t st[MAXT][VTC_MAX_DIMS];
    size_t off[MAXT] = {0};
    _Alignas(16) unsigned char dargs[VTC_OP_ARGS_MAX], hargs[VTC_OP_ARGS_MAX];
    memset(st, 0, sizeof(st));
    for (uint32_t i = 0; i < c->d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&c->d->tensors[i], c->args);
        host[i] = *t;
        if (t->dtype == VTC_DTYPE_NONE)
            continue;
        packed[i] = calloc((size_t)count_of(t) + 1, esize(t->dtype));
        if (!packed[i])
            exit(1);
        if (!is_output(c, (int)i))
            opcall_fill_input(c, i, s, packed[i]);
        host[i].host = packed[i];
    }
    with_tensors(c, host, hargs);
    size_t asize = rel_arena_size(ar), scratch_off = 0;
    uint8_t *before = malloc(asize);
    uint8_t *sync_out = malloc(asize);
    if (!before || !sync_out)
        exit(1);
    /* strided float inputs where the op takes them (composite's q, k, v: others
       refuse a strided device view as UNSUPPORTED), else packed */
    uint64_t scratch_bytes = 0;
    vtc_result r = VTC_ERROR_INVALID_ARGUMENT;
    for (int strided = (int)(rel_rand(s) & 1); strided >= 0; strided--) {
        if (place(ar, c, strided, dev, st, off)) {
            fprintf(stderr, "arena too small for %s\n", c->desc);
            exit(1);
        }
        with_tensors(c, dev, dargs);
        vtc_result rq = vtc_query_scratch(ctx, c->d->op, dargs, &scratch_bytes);
        if (strided && rq != VTC_SUCCESS)
            continue; /* visionzip computing the metric from k needs a packed k */
        CHECK(rq == VTC_SUCCESS, "%s [%s]: vtc_query_scratch: %s", c->desc, variant, vtc_result_string(rq));
        scratch_off = scratch_bytes ? rel_arena_region(ar, (size_t)scratch_bytes) : 0;
        if (scratch_off == (size_t)-1) {
            fprintf(stderr, "arena too small for the scratch of %s\n", c->desc);
            exit(1);
        }
        /* 1. synchronous, device tensors */
        fill_arena(ar, c, off, st, packed);
        memcpy(before, rel_arena_map(ar), asize);
        r = vtc_run(ctx, c->d->op, dargs, NULL);
        if (!(strided && r == VTC_ERROR_UNSUPPORTED))
            break;
    }
    CHECK(r == VTC_SUCCESS, "%s [%s]: device call failed: %s", c->desc, variant, vtc_result_string(r));
    check_writes(ar, before, c, off, st, 0, 0, "sync", variant);
    memcpy(sync_out, rel_arena_map(ar), asize);

    /* 2. record mode, scratch guarded in the same buffer */
    fill_arena(ar, c, off, st, packed);
    record_job job = {ctx, c, dargs};
    vtc_result rr = rel_arena_record(ar, scratch_off, (size_t)scratch_bytes, record_call, &job);
    CHECK(rr == VTC_SUCCESS, "%s [%s]: recorded call failed: %s", c->desc, variant, vtc_result_string(rr));
    check_writes(ar, before, c, off, st, scratch_off, (size_t)scratch_bytes, "record", variant);

    /* 3. the same call on packed host tensors gives the same bits as both */
    vtc_result rh = vtc_run(ctx, c->d->op, hargs, NULL);
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

/* sizes around the edges named at the top */
static const int64_t edge_sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 511,
                                     512, 513};

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
        for (int i = 0; i < per_op; i++)
            for (int op = 0; op < rel_op_kinds(); op++) {
                opcall c;
                if (rel_draw(op, &s, edge_sizes, sizeof(edge_sizes) / sizeof(edge_sizes[0]), 1.5 * (1 << 20), OPCALL_F16, &c)) {
                    CHECK(0, "%s: no valid call drawn", rel_op_name(op));
                    continue;
                }
                if (getenv("VTC_REL_VERBOSE"))
                    printf("  [%s] %s\n", vname, c.desc);
                run_case(ctx, ar, &s, &c, vname);
                cases++;
            }
        if (variant == 0)
            check_limits(ctx, &log, ar);
        rel_check_validation(ctx, vname);
        rel_arena_destroy(ar);
        vtc_context_destroy(ctx);
    }
    printf("%d bounds cases, %d failures\n", cases, rel_failures());
    return rel_failures() ? 1 : 0;
}
