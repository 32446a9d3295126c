/*
 * The one bench driver: every op's named workloads (op_desc.h), nothing per
 * op. For each workload:
 *   args      the workload's fill (parameters and shapes), the op's set-up
 *             hook where a call needs more than tensors (compress: weights),
 *             float tensors in the run dtype where the table allows F16
 *   cost      the op's cost function on the whole workload
 *   inputs    from the tensor table: floats normal(0, 1) rounded through the
 *             run dtype, I32 inputs 0, 1, 2, ... along the last dimension
 *             (ascending, valid indices), U8 inputs zero, unless the
 *             workload brings their data (composite's kind)
 *   chunks    a batch whose tensors exceed maxStorageBufferRange runs as
 *             several calls over dimension 0, as an engine would send it;
 *             the time is their sum
 *   timing    bench_time_op (or record mode under --predict)
 *   check     the op's CPU reference (ref_<op>_args.c) on host copies, given
 *             the device's outputs to follow at documented near ties; NMSE
 *             for float outputs, exact agreement for index outputs
 *   first     the first call on a fresh context after vtc_prepare
 */
#include "bench.h"
#include "../../tests/ref/ref.h"
#include "io/npy.h"
#include "op_desc.h"
#include "op_ref.h"
#include "vtc_op_list.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REF_DECLARE(name) extern const vtc_op_ref vtc_op_##name##_ref;
VTC_OP_LIST(REF_DECLARE)
#undef REF_DECLARE

const vtc_op_ref *bench_op_ref(uint32_t op)
{
#define REF_ENTRY(name) {&vtc_op_##name##_desc, &vtc_op_##name##_ref},
#define DESC_DECLARE(name) extern const vtc_op_desc vtc_op_##name##_desc;
    VTC_OP_LIST(DESC_DECLARE)
    static const struct { const vtc_op_desc *d; const vtc_op_ref *r; } refs[] = {VTC_OP_LIST(REF_ENTRY)};
#undef REF_ENTRY
#undef DESC_DECLARE
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
        if (refs[i].d->op == op)
            return refs[i].r;
    return NULL;
}

#define ARGS_MAX 2048
#define MAXT VTC_OP_DESC_MAX_TENSORS
#define MAX_CHUNKS 16

typedef struct chunk {
    int64_t b0, nb;
    bench_buf buf[MAXT];
    void *hmem[MAXT];        /* host tensors (bench_host_tensors): the call's data */
    _Alignas(16) unsigned char args[ARGS_MAX];
} chunk;

typedef struct op_run {
    bench_ctx *b;
    const vtc_op_desc *d;
    const vtc_op_ref *ref;
    _Alignas(16) unsigned char args[ARGS_MAX];     /* the whole workload, run dtypes */
    _Alignas(16) unsigned char ref_args[ARGS_MAX]; /* host copies (F32) for the reference */
    _Alignas(16) unsigned char got_args[ARGS_MAX]; /* the same with the device's outputs */
    void *host[MAXT], *got[MAXT];                  /* whole-batch host data per tensor */
    void *aux;
    int ref_rc;                                    /* the reference's last result */
    uint64_t seed, setup_seed;                     /* inputs' generator; the set-up's (never 0) */
    int nchunks;
    chunk *ch;
} op_run;

static int is_float(uint32_t dt)
{
    return dt == VTC_DTYPE_F32 || dt == VTC_DTYPE_F16;
}

static size_t elems(const vtc_tensor *t)
{
    return (size_t)vtc_op_desc_count(t);
}

/* bytes of the host copy: floats as F32 */
static size_t host_bytes(const vtc_tensor *t)
{
    return elems(t) * (is_float(t->dtype) ? 4 : bench_dsize(t->dtype));
}

static vtc_result call(void *user, double *gpu_ms)
{
    op_run *r = user;
    double sum = 0;
    for (int i = 0; i < r->nchunks; i++) {
        vtc_result res = r->b->api->run(r->b->ctx, r->d->op, r->ch[i].args, r->b->exec);
        if (res)
            return res;
        double g = bench_last_gpu_ms(r->b);
        sum = g < 0 || sum < 0 ? -1 : sum + g;
    }
    *gpu_ms = sum;
    return VTC_SUCCESS;
}

static void cpu(void *user)
{
    op_run *r = user;
    r->ref_rc = r->ref->run(r->ref_args, r->got_args, r->aux);
}

static void fail(bench_row *row, int status, const char *what)
{
    row->status = status;
    snprintf(row->detail, sizeof(row->detail), "%s", what);
}

/* Host data of every present tensor; inputs filled. 0, or -1 (memory). */
static int make_host(op_run *r)
{
    const vtc_op_desc *d = r->d;
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_op_tensor_desc *td = &d->tensors[i];
        vtc_tensor *t = vtc_op_tensor_in(td, r->args);
        if (t->dtype == VTC_DTYPE_NONE)
            continue;
        size_t n = elems(t), bytes = host_bytes(t);
        r->host[i] = calloc(1, bytes + 16);
        r->got[i] = (td->role & VTC_ROLE_OUTPUT) ? calloc(1, bytes + 16) : r->host[i];
        if (!r->host[i] || !r->got[i])
            return -1;
        if (!(td->role & VTC_ROLE_INPUT))
            continue;
        if (t->host) { /* the workload's own data */
            memcpy(r->host[i], t->host, bytes);
        } else if (is_float(t->dtype)) {
            bench_fill_normal(&r->seed, r->host[i], n, 1.0f);
            bench_round_to_dtype(t->dtype, r->host[i], n);
        } else if (t->dtype == VTC_DTYPE_I32) {
            int64_t last = t->shape[t->ndim - 1];
            for (size_t k = 0; k < n; k++)
                ((int32_t *)r->host[i])[k] = (int32_t)((int64_t)k % last);
        }
    }
    return 0;
}

/* The reference's args (and the got args): host copies, F32 floats, no buffers. */
static void host_args(op_run *r, unsigned char *dst, void *const *data)
{
    memcpy(dst, r->args, ARGS_MAX);
    for (uint32_t i = 0; i < r->d->ntensors; i++) {
        vtc_tensor *t = vtc_op_tensor_in(&r->d->tensors[i], dst);
        if (t->dtype == VTC_DTYPE_NONE)
            continue;
        if (is_float(t->dtype))
            t->dtype = VTC_DTYPE_F32;
        memset(t->stride, 0, sizeof(t->stride));
        t->host = data[i];
        t->buffer = VK_NULL_HANDLE;
        t->offset = 0;
    }
}

/* Host bytes of rows [b0, b0 + nb) of tensor i in its run dtype (F16
   converted from the F32 copy); malloc'd. */
static void *slice_in_dtype(const op_run *r, uint32_t i, const void *data, int64_t b0, int64_t nb)
{
    const vtc_tensor *t = vtc_op_tensor_in_const(&r->d->tensors[i], r->args);
    size_t per = elems(t) / (size_t)t->shape[0], es = bench_dsize(t->dtype);
    size_t n = per * (size_t)nb;
    unsigned char *out = malloc(n * es + 16);
    if (!out)
        return NULL;
    if (t->dtype == VTC_DTYPE_F16) {
        const float *f = (const float *)data + per * (size_t)b0;
        for (size_t k = 0; k < n; k++)
            ((uint16_t *)out)[k] = npy_float_to_half(f[k]);
    } else {
        memcpy(out, (const unsigned char *)data + per * (size_t)b0 * es, n * es);
    }
    return out;
}

int bench_chunks(const vtc_op_desc *d, const void *args, uint64_t range, int64_t *per_chunk)
{
    int64_t B = 0;
    double per_row = 0;
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&d->tensors[i], args);
        if (t->dtype == VTC_DTYPE_NONE || t->shape[0] <= 0)
            continue;
        if (!B)
            B = t->shape[0];
        double pr = vtc_op_desc_bytes(t) / (double)t->shape[0];
        if (pr > per_row)
            per_row = pr;
    }
    if (!range)
        range = UINT64_MAX;
    int64_t fit = per_row > 0 ? (int64_t)((double)range / per_row) : B;
    if (fit < 1)
        return -1; /* one row alone is too large */
    int64_t n = B > 0 ? (B + fit - 1) / fit : 1;
    if (n > MAX_CHUNKS)
        return -1;
    *per_chunk = B > 0 ? (B + n - 1) / n : 0;
    return B > 0 ? (int)((B + *per_chunk - 1) / *per_chunk) : 1;
}

/* Chunk c's tensor i in host memory (bench_host_tensors): inputs in the run
   dtype, outputs zeroed. 0, or -1 (memory). */
static int chunk_on_host(op_run *r, chunk *ch, uint32_t i, vtc_tensor *t)
{
    const vtc_op_tensor_desc *td = &r->d->tensors[i];
    size_t bytes = (size_t)vtc_op_desc_bytes(t);
    ch->hmem[i] = (td->role & VTC_ROLE_INPUT) ? slice_in_dtype(r, i, r->host[i], ch->b0, ch->nb) : calloc(1, bytes + 16);
    t->host = ch->hmem[i];
    t->buffer = VK_NULL_HANDLE;
    t->offset = 0;
    return ch->hmem[i] ? 0 : -1;
}

/* Device buffers of each chunk, inputs uploaded unless only recording (in
   host memory instead where bench_host_tensors says so). */
static int make_chunks(op_run *r, int64_t per)
{
    bench_ctx *b = r->b;
    int64_t B = 0;
    for (uint32_t i = 0; i < r->d->ntensors && !B; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&r->d->tensors[i], r->args);
        if (t->dtype != VTC_DTYPE_NONE)
            B = t->shape[0];
    }
    for (int c = 0; c < r->nchunks; c++) {
        chunk *ch = &r->ch[c];
        ch->b0 = c * per;
        ch->nb = B - ch->b0 < per ? B - ch->b0 : per;
        memcpy(ch->args, r->args, ARGS_MAX);
        for (uint32_t i = 0; i < r->d->ntensors; i++) {
            const vtc_op_tensor_desc *td = &r->d->tensors[i];
            vtc_tensor *t = vtc_op_tensor_in(td, ch->args);
            if (t->dtype == VTC_DTYPE_NONE)
                continue;
            t->shape[0] = ch->nb;
            t->host = NULL;
            if (bench_host_tensors(b)) {
                if (chunk_on_host(r, ch, i, t))
                    return -1;
                continue;
            }
            size_t bytes = (size_t)vtc_op_desc_bytes(t);
            if (bench_buf_create(&b->vk, bytes, &ch->buf[i]))
                return -1;
            t->buffer = ch->buf[i].buffer;
            t->offset = 0;
            if ((td->role & VTC_ROLE_INPUT) && !b->opt->predict) {
                void *data = slice_in_dtype(r, i, r->host[i], ch->b0, ch->nb);
                int rc = !data || host_vk_upload(&b->vk.hv, &ch->buf[i], data, bytes);
                free(data);
                if (rc)
                    return -1;
            }
        }
    }
    return 0;
}

/* The device's outputs into got[] (F32 for floats). */
static int download(op_run *r)
{
    bench_ctx *b = r->b;
    for (uint32_t i = 0; i < r->d->ntensors; i++) {
        const vtc_op_tensor_desc *td = &r->d->tensors[i];
        const vtc_tensor *t = vtc_op_tensor_in_const(td, r->args);
        if (t->dtype == VTC_DTYPE_NONE || !(td->role & VTC_ROLE_OUTPUT))
            continue;
        size_t per = elems(t) / (size_t)t->shape[0], es = bench_dsize(t->dtype);
        for (int c = 0; c < r->nchunks; c++) {
            size_t n = per * (size_t)r->ch[c].nb;
            unsigned char *raw = malloc(n * es + 16);
            if (raw && r->ch[c].hmem[i])
                memcpy(raw, r->ch[c].hmem[i], n * es);
            if (!raw || (!r->ch[c].hmem[i] && host_vk_download(&b->vk.hv, &r->ch[c].buf[i], raw, n * es))) {
                free(raw);
                return -1;
            }
            size_t at = per * (size_t)r->ch[c].b0;
            if (t->dtype == VTC_DTYPE_F16)
                for (size_t k = 0; k < n; k++)
                    ((float *)r->got[i])[at + k] = npy_half_to_float(((uint16_t *)raw)[k]);
            else
                memcpy((unsigned char *)r->got[i] + at * (is_float(t->dtype) ? 4 : es), raw, n * es);
            free(raw);
        }
    }
    return 0;
}

/* Every output against the reference's: NMSE over floats (the largest),
   exact agreement over indices. */
static void compare(op_run *r, bench_row *row)
{
    double worst = -1, mism = -1;
    for (uint32_t i = 0; i < r->d->ntensors; i++) {
        const vtc_op_tensor_desc *td = &r->d->tensors[i];
        const vtc_tensor *t = vtc_op_tensor_in_const(td, r->args);
        if (t->dtype == VTC_DTYPE_NONE || !(td->role & VTC_ROLE_OUTPUT))
            continue;
        size_t n = elems(t);
        if (is_float(t->dtype)) {
            double e = ref_nmse(r->got[i], r->host[i], n);
            double tol = t->dtype == VTC_DTYPE_F16 ? 1e-4 : 1e-6;
            if (!(e <= tol))
                row->check_failed = 1;
            if (e > worst || e != e)
                worst = e;
        } else if (t->dtype == VTC_DTYPE_I32) {
            size_t m = ref_index_mismatches(r->got[i], r->host[i], n);
            mism = (mism < 0 ? 0 : mism) + (double)m;
            if (m)
                row->check_failed = 1;
        }
    }
    row->nmse = worst;
    row->index_mismatches = mism;
}

/* The first chunk's call with host tensors (the F32 copies, or F16 ones). */
static void first_call(op_run *r, bench_row *row)
{
    _Alignas(16) unsigned char a[ARGS_MAX];
    void *data[MAXT] = {0};
    memcpy(a, r->ch[0].args, ARGS_MAX);
    int ok = 1;
    for (uint32_t i = 0; i < r->d->ntensors && ok; i++) {
        vtc_tensor *t = vtc_op_tensor_in(&r->d->tensors[i], a);
        if (t->dtype == VTC_DTYPE_NONE)
            continue;
        data[i] = slice_in_dtype(r, i, r->got[i], 0, r->ch[0].nb);
        ok = data[i] != NULL;
        t->host = data[i];
        t->buffer = VK_NULL_HANDLE;
        t->offset = 0;
    }
    if (ok)
        bench_first_call_row(r->b, row, r->d, a, r->setup_seed);
    else
        snprintf(row->first.why, sizeof(row->first.why), "out of host memory");
    for (uint32_t i = 0; i < MAXT; i++)
        free(data[i]);
}

/* The workload's args (seeded by its name), the op reference's set-up, the
   run dtype where the table allows it, and the row's costs. -1: the row
   says why not. */
static int set_up(op_run *r, bench_row *row, const vtc_op_workload *w)
{
    bench_ctx *b = r->b;
    const vtc_op_desc *d = r->d;
    for (const char *s = w->name; *s; s++)
        r->seed = r->seed * 131u + (unsigned char)*s;
    r->seed ^= (uint64_t)d->op << 40;
    r->setup_seed = r->seed | 1;
    memset(r->args, 0, ARGS_MAX);
    w->fill(r->args);
    if (r->ref && r->ref->setup) {
        vtc_result res = r->ref->setup(b->api, b->ctx, r->args, r->setup_seed, &r->aux);
        if (res) {
            char msg[160];
            snprintf(msg, sizeof(msg), "set-up: %s", b->api->result_string(res));
            fail(row, res == VTC_ERROR_UNSUPPORTED ? BENCH_SKIPPED : BENCH_ERROR,
                 res == VTC_ERROR_UNSUPPORTED ? "skipped (unsupported)" : msg);
            return -1;
        }
    }
    /* the run dtype where the table allows it (select's score stays F32) */
    for (uint32_t i = 0; i < d->ntensors; i++) {
        vtc_tensor *t = vtc_op_tensor_in(&d->tensors[i], r->args);
        if (is_float(t->dtype) && (d->tensors[i].dtypes & VTC_DTYPES(b->opt->dtype)))
            t->dtype = b->opt->dtype;
    }
    bench_row_cost(row, d, r->args, NULL);
    bench_llm_savings(b->opt, row, d->op, r->args);
    return 0;
}

/* The tensors: split into calls that fit maxStorageBufferRange, on the
   device (and on the host unless --predict). -1: the row says why not. */
static int make_tensors(op_run *r, bench_row *row)
{
    bench_ctx *b = r->b;
    int64_t per = 0;
    r->nchunks = bench_chunks(r->d, r->args, b->info.max_storage_buffer_range, &per);
    if (r->nchunks < 1) {
        fail(row, BENCH_SKIPPED, "skipped (a tensor exceeds maxStorageBufferRange even in 16 calls)");
        return -1;
    }
    if (r->nchunks > 1) {
        size_t len = strlen(row->desc);
        snprintf(row->desc + len, sizeof(row->desc) - len, "; %d calls of B<=%lld (maxStorageBufferRange %llu MiB)",
                 r->nchunks, (long long)per, (unsigned long long)(b->info.max_storage_buffer_range >> 20));
    }
    if ((!b->opt->predict && make_host(r)) || make_chunks(r, per)) {
        fail(row, BENCH_ERROR, "cannot create the tensors (host or device memory)");
        return -1;
    }
    return 0;
}

/* The CPU reference on the same inputs, timed, and the device's outputs against it. */
static void check_against_cpu(op_run *r, bench_row *row)
{
    host_args(r, r->ref_args, r->host);
    host_args(r, r->got_args, r->got);
    bench_time_cpu(r->b, row, cpu, r); /* its last run is the one checked */
    if (r->ref_rc) {
        row->check_failed = 1;
        snprintf(row->detail, sizeof(row->detail), "%s", r->ref_rc == -2 ? "the device's result is not a valid outcome"
                                                                      : "the CPU reference refused the call");
    } else {
        compare(r, row);
    }
}

static void op_run_free(op_run *r)
{
    bench_ctx *b = r->b;
    if (r->aux && r->ref->teardown)
        r->ref->teardown(b->api, b->ctx, r->aux);
    for (int c = 0; c < MAX_CHUNKS; c++)
        for (uint32_t i = 0; i < MAXT; i++) {
            bench_buf_destroy(&b->vk, &r->ch[c].buf[i]);
            free(r->ch[c].hmem[i]);
        }
    for (uint32_t i = 0; i < MAXT; i++) {
        if (r->got[i] != r->host[i])
            free(r->got[i]);
        free(r->host[i]);
    }
    free(r->ch);
    free(r);
}

static void run_workload(bench_ctx *b, const vtc_op_desc *d, const vtc_op_workload *w)
{
    bench_row *row = bench_row_add(b, d->name, w->name);
    if (!row)
        return;
    snprintf(row->desc, sizeof(row->desc), "%s", w->help);
    op_run *r = calloc(1, sizeof(*r));
    chunk *chunks = calloc(MAX_CHUNKS, sizeof(chunk));
    if (!r || !chunks) {
        fail(row, BENCH_ERROR, "out of host memory");
        free(r);
        free(chunks);
        return;
    }
    r->b = b;
    r->d = d;
    r->ref = bench_op_ref(d->op);
    r->ch = chunks;
    if (set_up(r, row, w) || make_tensors(r, row) || bench_time_op(b, row, call, r) || b->opt->predict)
        goto out;
    if (download(r)) {
        fail(row, BENCH_ERROR, "cannot read the outputs back");
        goto out;
    }
    if (r->ref && !b->opt->no_cpu)
        check_against_cpu(r, row);
    if (!b->opt->no_first_call)
        { first_call(r, row); if (getenv("BENCH_PAUSE")) usleep(atoi(getenv("BENCH_PAUSE"))); }
out:
    op_run_free(r);
}

int bench_op_wanted(const bench_ctx *b, const vtc_op_desc *d)
{
    return !b->opt->op || !strcmp(b->opt->op, d->name);
}

int bench_ops(bench_ctx *b, int count_only)
{
    int n = 0;
    for (uint32_t k = 0; vtc_op_desc_at(k); k++) {
        const vtc_op_desc *d = vtc_op_desc_at(k);
        if (!bench_op_wanted(b, d))
            continue;
        for (uint32_t w = 0; w < d->nworkloads; w++) {
            if (!bench_shape_wanted(b, d->workloads[w].name))
                continue;
            n++;
            if (!count_only) {
                b->step++;
                run_workload(b, d, &d->workloads[w]);
            }
        }
    }
    return n;
}
