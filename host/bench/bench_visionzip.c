/*
 * VisionZip fused (vtc_visionzip) on the standard shapes:
 *   llava15    LLaVA-1.5, CLIP-L/336: B=1, N=577 (CLS + 24x24), D=1024,
 *              attn_cls with H=16, metric Dm=64 (keys averaged over heads),
 *              64 tokens kept: CLS + 53 dominant + 10 contextual
 *   llavanext  LLaVA-NeXT: the same per crop, B=5 (320 tokens kept in all)
 *   video      64 frames through the same encoder, B=64
 *   siglip     SigLIP-so400m/384: B=1, N=729 (27x27, no CLS), D=1152,
 *              qk_mean from q/k with H=16, dh=72, Dm=72, 64 tokens kept
 *
 * Bytes and FLOPs: visionzip's cost function (plugin/ops/visionzip/
 * visionzip_desc.c) on the whole batch.
 * A batch whose tensors exceed the device's maxStorageBufferRange runs as
 * several calls (see vz_chunk); the row's description says so.
 */
#include "bench.h"
#include "../../tests/ref/ref.h"
#include "op_desc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct vz_shape {
    const char *name;
    const char *words;
    int B, N, D, H, dh, Dm;
    uint32_t mode;         /* VTC_SCORE_* */
    int no_cls;
    int budget;            /* tokens kept per image */
    int llm_in;            /* visual tokens the LLM would get without VisionZip, per image */
} vz_shape;

static const vz_shape shapes[] = {
    {"llava15", "LLaVA-1.5: B=1 N=577 D=1024 attn_cls H=16 Dm=64, keep 64", 1, 577, 1024, 16, 64, 64,
     VTC_SCORE_ATTN_CLS, 0, 64, 576},
    {"llavanext", "LLaVA-NeXT: B=5 crops N=577 D=1024 attn_cls H=16 Dm=64, keep 64 each", 5, 577, 1024, 16, 64, 64,
     VTC_SCORE_ATTN_CLS, 0, 64, 576},
    {"video", "video: B=64 frames N=577 D=1024 attn_cls H=16 Dm=64, keep 64 each", 64, 577, 1024, 16, 64, 64,
     VTC_SCORE_ATTN_CLS, 0, 64, 576},
    {"siglip", "SigLIP: B=1 N=729 (no CLS) D=1152 qk_mean H=16 dh=72 Dm=72, keep 64", 1, 729, 1152, 16, 72, 72,
     VTC_SCORE_QK_MEAN, 1, 64, 729},
};
#define NSHAPES ((int)(sizeof(shapes) / sizeof(shapes[0])))

const char *const bench_visionzip_shapes[] = {"llava15", "llavanext", "video", "siglip", NULL};

#define MAX_CHUNKS 16

/* One call per chunk of images: a device whose maxStorageBufferRange is
   smaller than one tensor of the whole batch (lavapipe: 128 MiB, and the
   video hidden states are 151 MB in f32) gets the batch in several calls,
   as an engine would send it; the measured time is their sum. */
typedef struct vz_chunk {
    int b0, nb;
    bench_dt attn, q, k, hidden, metric, out, idx;
    vtc_visionzip_args args;
} vz_chunk;

typedef struct vz_run {
    bench_ctx *b;
    const vz_shape *s;
    int k, c, keep_cls, T;
    float *attn, *q, *kk, *hidden, *metric, *ref_out;
    int32_t *ref_idx;
    int nchunks;
    vz_chunk ch[MAX_CHUNKS];
} vz_run;

static vtc_result call(void *user, double *gpu_ms)
{
    vz_run *r = user;
    double sum = 0;
    for (int i = 0; i < r->nchunks; i++) {
        vtc_result res = r->b->api->visionzip(r->b->ctx, &r->ch[i].args, r->b->exec);
        if (res)
            return res;
        double g = bench_last_gpu_ms(r->b);
        if (g < 0 || sum < 0)
            sum = -1;
        else
            sum += g;
    }
    *gpu_ms = sum;
    return VTC_SUCCESS;
}

static void cpu(void *user)
{
    vz_run *r = user;
    const vz_shape *s = r->s;
    ref_visionzip((int)s->mode, s->B, s->N, s->D, s->H, s->dh, s->Dm, r->k, r->c, r->keep_cls, 0.0f, r->attn, r->q,
                  r->kk, r->hidden, r->metric, r->ref_out, r->ref_idx);
}

/* The whole batch as one call's shapes: the cost is the op's, not the chunks' sum. */
static void cost(const vz_shape *s, int k, int c, int T, uint32_t dtype, bench_row *row)
{
    vtc_visionzip_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.score_mode = s->mode;
    a.dominant = (uint32_t)k;
    a.contextual = (uint32_t)c;
    a.no_cls = (uint32_t)s->no_cls;
    vtc_op_desc_shape(&a.hidden, dtype, 3, (int64_t[]){s->B, s->N, s->D});
    vtc_op_desc_shape(&a.metric, dtype, 3, (int64_t[]){s->B, s->N, s->Dm});
    if (s->mode == VTC_SCORE_ATTN_CLS) {
        vtc_op_desc_shape(&a.attn, dtype, 3, (int64_t[]){s->B, s->H, s->N});
    } else {
        vtc_op_desc_shape(&a.q, dtype, 4, (int64_t[]){s->B, s->N, s->H, s->dh});
        vtc_op_desc_shape(&a.k, dtype, 4, (int64_t[]){s->B, s->N, s->H, s->dh});
    }
    vtc_op_desc_shape(&a.out, dtype, 3, (int64_t[]){s->B, T, s->D});
    vtc_op_desc_shape(&a.src_idx, VTC_DTYPE_I32, 2, (int64_t[]){s->B, T});
    bench_row_cost(row, vtc_op_desc_find(VTC_OP_VISIONZIP), &a, NULL);
}

/* Device tensors of one chunk: views of the host arrays at image b0. */
static int chunk_create(bench_ctx *b, vz_run *r, vz_chunk *c)
{
    const vz_shape *s = r->s;
    size_t N = (size_t)s->N, D = (size_t)s->D, H = (size_t)s->H, dh = (size_t)s->dh, Dm = (size_t)s->Dm;
    size_t b0 = (size_t)c->b0;
    int64_t nb = c->nb;
    int64_t sh_hidden[3] = {nb, s->N, s->D}, sh_metric[3] = {nb, s->N, s->Dm};
    int64_t sh_attn[3] = {nb, s->H, s->N}, sh_qk[4] = {nb, s->N, s->H, s->dh};
    int64_t sh_out[3] = {nb, r->T, s->D}, sh_idx[2] = {nb, r->T};
    int qk = s->mode != VTC_SCORE_ATTN_CLS;
    if (bench_dt_floats(b, &c->hidden, r->hidden + b0 * N * D, 3, sh_hidden) ||
        bench_dt_floats(b, &c->metric, r->metric + b0 * N * Dm, 3, sh_metric) ||
        (qk ? bench_dt_floats(b, &c->q, r->q + b0 * N * H * dh, 4, sh_qk) ||
                  bench_dt_floats(b, &c->k, r->kk + b0 * N * H * dh, 4, sh_qk)
            : bench_dt_floats(b, &c->attn, r->attn + b0 * H * N, 3, sh_attn)) ||
        bench_dt_floats(b, &c->out, NULL, 3, sh_out) || bench_dt_raw(b, &c->idx, VTC_DTYPE_I32, NULL, 2, sh_idx))
        return -1;
    vtc_visionzip_args *a = &c->args;
    a->size = sizeof(*a);
    a->score_mode = s->mode;
    a->dominant = (uint32_t)r->k;
    a->contextual = (uint32_t)r->c;
    a->no_cls = (uint32_t)s->no_cls;
    a->hidden = c->hidden.t;
    a->metric = c->metric.t;
    if (qk) {
        a->q = c->q.t;
        a->k = c->k.t;
    } else {
        a->attn = c->attn.t;
    }
    a->out = c->out.t;
    a->src_idx = c->idx.t;
    return 0;
}

static void chunk_free(bench_ctx *b, vz_chunk *c)
{
    bench_dt_free(b, &c->attn);
    bench_dt_free(b, &c->q);
    bench_dt_free(b, &c->k);
    bench_dt_free(b, &c->hidden);
    bench_dt_free(b, &c->metric);
    bench_dt_free(b, &c->out);
    bench_dt_free(b, &c->idx);
}

static void run_shape(bench_ctx *b, const vz_shape *s)
{
    bench_row *row = bench_row_add(b, "visionzip", s->name);
    if (!row)
        return;
    vz_run r;
    memset(&r, 0, sizeof(r));
    r.b = b;
    r.s = s;
    r.keep_cls = !s->no_cls;
    uint32_t dom, ctx_tokens;
    b->api->token_split((uint32_t)s->budget, (uint32_t)r.keep_cls, &dom, &ctx_tokens);
    r.k = (int)dom;
    r.c = (int)ctx_tokens;
    r.T = r.keep_cls + r.k + r.c;
    size_t B = (size_t)s->B, N = (size_t)s->N, D = (size_t)s->D, H = (size_t)s->H, dh = (size_t)s->dh;
    size_t Dm = (size_t)s->Dm, T = (size_t)r.T, es = bench_dsize(b->opt->dtype);
    cost(s, r.k, r.c, r.T, b->opt->dtype, row);

    /* the biggest per-image tensor decides how many images one call may take */
    size_t per_image = N * (D > H * dh ? D : H * dh) * es;
    uint64_t range = b->info.max_storage_buffer_range ? b->info.max_storage_buffer_range : UINT64_MAX;
    size_t fit = (size_t)(range / per_image);
    if (fit < 1)
        fit = 1;
    r.nchunks = (int)((B + fit - 1) / fit);
    if (r.nchunks > MAX_CHUNKS)
        r.nchunks = MAX_CHUNKS;
    int per = (int)((B + (size_t)r.nchunks - 1) / (size_t)r.nchunks);
    if (r.nchunks > 1)
        snprintf(row->desc, sizeof(row->desc), "%s; %d calls of B<=%d (maxStorageBufferRange %llu MiB)", s->words,
                 r.nchunks, per, (unsigned long long)(range >> 20));
    else
        snprintf(row->desc, sizeof(row->desc), "%s", s->words);
    row->tokens_in = (double)(B * (size_t)s->llm_in);
    row->tokens_out = (double)(B * T);
    const bench_llm *m = &b->opt->llm;
    row->llm_before = bench_llm_prefill_flops(m, row->tokens_in + m->text_tokens);
    row->llm_after = bench_llm_prefill_flops(m, row->tokens_out + m->text_tokens);
    snprintf(row->llm_note, sizeof(row->llm_note), "%.0f -> %.0f visual tokens + %d text", row->tokens_in,
             row->tokens_out, m->text_tokens);

    uint64_t seed = 0x5a17u + (uint64_t)s->B * 977u + N;
    r.hidden = malloc(B * N * D * sizeof(float));
    r.metric = malloc(B * N * Dm * sizeof(float));
    r.ref_out = malloc(B * T * D * sizeof(float));
    r.ref_idx = malloc(B * T * sizeof(int32_t));
    int qk = s->mode != VTC_SCORE_ATTN_CLS;
    if (qk) {
        r.q = malloc(B * N * H * dh * sizeof(float));
        r.kk = malloc(B * N * H * dh * sizeof(float));
    } else {
        r.attn = malloc(B * H * N * sizeof(float));
    }
    if (!r.hidden || !r.metric || !r.ref_out || !r.ref_idx || (qk ? !r.q || !r.kk : !r.attn)) {
        row->status = BENCH_ERROR;
        snprintf(row->detail, sizeof(row->detail), "out of host memory");
        goto out;
    }
    bench_fill_normal(&seed, r.hidden, B * N * D, 1.0f);
    bench_fill_normal(&seed, r.metric, B * N * Dm, 1.0f);
    bench_round_to_dtype(b->opt->dtype, r.hidden, B * N * D);
    bench_round_to_dtype(b->opt->dtype, r.metric, B * N * Dm);
    if (qk) {
        bench_fill_normal(&seed, r.q, B * N * H * dh, 1.0f);
        bench_fill_normal(&seed, r.kk, B * N * H * dh, 1.0f);
        bench_round_to_dtype(b->opt->dtype, r.q, B * N * H * dh);
        bench_round_to_dtype(b->opt->dtype, r.kk, B * N * H * dh);
    } else {
        /* a CLS softmax row per head: peaked, like real CLIP attention */
        for (size_t row_i = 0; row_i < B * H; row_i++) {
            float *a = r.attn + row_i * N;
            double sum = 0;
            for (size_t j = 0; j < N; j++) {
                a[j] = expf(2.0f * ref_rng_normal(&seed));
                sum += a[j];
            }
            for (size_t j = 0; j < N; j++)
                a[j] = (float)(a[j] / sum);
        }
        bench_round_to_dtype(b->opt->dtype, r.attn, B * H * N);
    }
    for (int i = 0; i < r.nchunks; i++) {
        r.ch[i].b0 = i * per;
        r.ch[i].nb = (int)B - i * per < per ? (int)B - i * per : per;
        if (r.ch[i].nb <= 0) {
            r.nchunks = i;
            break;
        }
        if (chunk_create(b, &r, &r.ch[i])) {
            row->status = BENCH_ERROR;
            snprintf(row->detail, sizeof(row->detail), "cannot create device tensors");
            goto out;
        }
    }
    if (bench_time_op(b, row, call, &r))
        goto out;
    bench_time_cpu(b, row, cpu, &r);
    if (row->cpu_ms >= 0) {
        float *got = malloc(B * T * D * sizeof(float));
        int ok = got != NULL;
        for (int i = 0; ok && i < r.nchunks; i++) {
            float *part = bench_dt_read_floats(b, &r.ch[i].out);
            ok = part != NULL;
            if (ok)
                memcpy(got + (size_t)r.ch[i].b0 * T * D, part, (size_t)r.ch[i].nb * T * D * sizeof(float));
            free(part);
        }
        if (ok)
            bench_check(b, row, got, r.ref_out, B * T * D);
        free(got);
    }
out:
    for (int i = 0; i < MAX_CHUNKS; i++)
        chunk_free(b, &r.ch[i]);
    free(r.attn);
    free(r.q);
    free(r.kk);
    free(r.hidden);
    free(r.metric);
    free(r.ref_out);
    free(r.ref_idx);
}

int bench_visionzip(bench_ctx *b, int count_only)
{
    int n = 0;
    for (int i = 0; i < NSHAPES; i++) {
        if (!bench_shape_wanted(b, shapes[i].name))
            continue;
        n++;
        if (!count_only) {
            b->step++;
            run_shape(b, &shapes[i]);
        }
    }
    return n;
}
