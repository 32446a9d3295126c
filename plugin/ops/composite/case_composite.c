/* composite attention (SPEC 3, EE-MLLM) conformance. */
#include "conf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CONF_OP "composite"

static vtc_result op_call(conf_env *env, const void *args, const vtc_exec *exec)
{
    return env->api->composite_attention(env->ctx, args, exec);
}

/* Where the visual tokens sit in kind[b][.] (per image, image b shifts runs by b). */
enum {
    PAT_PREFIX,    /* image first, then the prompt: the EE-MLLM layout */
    PAT_RUNS,      /* visual runs at the start, in the middle and at the end */
    PAT_MIDDLE,    /* one run in the middle */
    PAT_END,       /* one run at the end */
    PAT_ALL_VIS,
    PAT_ALL_TEXT,
    PAT_RANDOM,    /* interleaved at random */
};

typedef struct comp_case {
    int B, Nq, Nk, Hq, Hkv, dh;
    int pattern;
    float qscale;      /* std of q (k has std 1): large values push logits to +-80 */
    float scale;       /* 0: 1/sqrt(dh) */
    int fused;         /* q, k, v are strided views into one [B][N][Hq+2Hkv][dh] buffer (prefill only) */
} comp_case;

static void make_kind(const comp_case *c, uint64_t *st, uint8_t *kind)
{
    int N = c->Nk;
    for (int b = 0; b < c->B; b++) {
        uint8_t *k = kind + (size_t)b * N;
        for (int j = 0; j < N; j++) {
            int vis = 0;
            switch (c->pattern) {
            case PAT_PREFIX: vis = j < (N * 9) / 10 - b; break;
            case PAT_RUNS: vis = j < N / 5 + b || (j >= (2 * N) / 5 && j < (3 * N) / 5) || j >= N - N / 6; break;
            case PAT_MIDDLE: vis = j >= N / 3 && j < (2 * N) / 3 + b; break;
            case PAT_END: vis = j >= N / 2 + b; break;
            case PAT_ALL_VIS: vis = 1; break;
            case PAT_ALL_TEXT: vis = 0; break;
            case PAT_RANDOM: vis = (ref_rng_next(st) >> 40) & 1; break;
            }
            k[j] = (uint8_t)(vis ? VTC_KIND_VISUAL : VTC_KIND_TEXT);
        }
    }
}

/* Visual rows: the output row must be the value row, bit for bit in the run dtype. */
static int check_visual_exact(conf_result *r, const comp_case *c, uint32_t dtype, const uint8_t *kind, const void *out,
                              const void *vdev, const int64_t *vstride)
{
    size_t es = conf_dsize(dtype);
    int G = c->Hq / c->Hkv;
    for (int b = 0; b < c->B; b++)
        for (int q = 0; q < c->Nq; q++) {
            int p = c->Nk - c->Nq + q;
            if (!kind[(size_t)b * c->Nk + p])
                continue;
            for (int h = 0; h < c->Hq; h++) {
                const uint8_t *o = (const uint8_t *)out + ((((size_t)b * c->Nq + q) * c->Hq + h) * c->dh) * es;
                const uint8_t *v = (const uint8_t *)vdev +
                                   (size_t)(b * vstride[0] + p * vstride[1] + (h / G) * vstride[2]) * es;
                if (memcmp(o, v, (size_t)c->dh * es))
                    return conf_fail(r, "visual row b=%d r=%d h=%d is not its value row bit for bit", b, q, h);
            }
        }
    return 1;
}

/* Host-pointer args of `c`'s shape: q and out [B][Nq][Hq][dh], k and v
   [B][Nk][Hkv][dh] in dtype dt, kind [B][Nk]; dense, the v1 layout. */
static vtc_composite_args host_args(const comp_case *c, uint32_t dt, void *q, void *k, void *v, uint8_t *kind,
                                    void *out)
{
    vtc_composite_args a;
    memset(&a, 0, sizeof(a));
    a.q = conf_tensor4(dt, q, c->B, c->Nq, c->Hq, c->dh);
    a.k = conf_tensor4(dt, k, c->B, c->Nk, c->Hkv, c->dh);
    a.v = conf_tensor4(dt, v, c->B, c->Nk, c->Hkv, c->dh);
    a.kind = conf_tensor2(VTC_DTYPE_U8, kind, c->B, c->Nk);
    a.out = conf_tensor4(dt, out, c->B, c->Nq, c->Hq, c->dh);
    return a;
}

/* Builds inputs for `c`, runs the op on host tensors and checks against
   ref_composite (NMSE) and the visual rows exactly. */
static void run_case(conf_env *env, conf_result *r, const comp_case *c)
{
    int B = c->B, Nq = c->Nq, Nk = c->Nk, Hq = c->Hq, Hkv = c->Hkv, dh = c->dh;
    conf_shape(r, "B=%d Nq=%d Nk=%d Hq=%d Hkv=%d dh=%d", B, Nq, Nk, Hq, Hkv, dh);
    uint64_t st = env->seed;
    uint32_t dt = env->dtype;
    size_t es = conf_dsize(dt);
    size_t nq = (size_t)B * Nq * Hq * dh, nk = (size_t)B * Nk * Hkv * dh;
    float *q = malloc(4 * nq), *k = malloc(4 * nk), *v = malloc(4 * nk), *want = malloc(4 * nq);
    uint8_t *kind = malloc((size_t)B * Nk);
    make_kind(c, &st, kind);
    conf_fill_normal(&st, q, nq, c->qscale);
    conf_fill_normal(&st, k, nk, 1.0f);
    conf_fill_normal(&st, v, nk, 1.0f);

    conf_buf bq = {0}, bk = {0}, bv = {0}, bo = {0}, bqkv = {0};
    void *qd, *kd, *vd;
    int64_t s[4] = {0}; /* fused: the strides of q, k and v, views into one buffer */
    int64_t vstride[3] = {(int64_t)Nk * Hkv * dh, (int64_t)Hkv * dh, dh};
    if (c->fused) {
        /* one row holds [q heads | k heads | v heads], like a fused QKV projection's output */
        int W = Hq + 2 * Hkv, N = Nk;
        uint8_t *f = conf_buf_alloc(&bqkv, es * (size_t)B * N * W * dh);
        float *tmp = malloc(4 * (size_t)dh);
        for (int b = 0; b < B; b++)
            for (int n = 0; n < N; n++) {
                size_t row = ((size_t)b * N + n) * W;
                for (int h = 0; h < W; h++) {
                    float *src = h < Hq ? q + (((size_t)b * N + n) * Hq + h) * dh
                               : h < Hq + Hkv ? k + (((size_t)b * N + n) * Hkv + (h - Hq)) * dh
                                              : v + (((size_t)b * N + n) * Hkv + (h - Hq - Hkv)) * dh;
                    memcpy(tmp, src, 4 * (size_t)dh);
                    conf_store(dt, f + (row + h) * dh * es, tmp, (size_t)dh);
                    memcpy(src, tmp, 4 * (size_t)dh); /* reference sees the rounded values */
                }
            }
        free(tmp);
        qd = f;
        kd = f + (size_t)Hq * dh * es;
        vd = f + (size_t)(Hq + Hkv) * dh * es;
        s[0] = vstride[0] = (int64_t)N * W * dh;
        s[1] = vstride[1] = (int64_t)W * dh;
        s[2] = dh;
        s[3] = 1;
    } else {
        qd = conf_buf_alloc(&bq, es * nq);
        kd = conf_buf_alloc(&bk, es * nk);
        vd = conf_buf_alloc(&bv, es * nk);
        conf_store(dt, qd, q, nq);
        conf_store(dt, kd, k, nk);
        conf_store(dt, vd, v, nk);
    }
    void *out = conf_buf_alloc(&bo, es * nq);
    vtc_composite_args a = host_args(c, dt, qd, kd, vd, kind, out);
    a.size = sizeof(a);
    a.scale = c->scale;
    if (c->fused) {
        memcpy(a.q.stride, s, sizeof(s));
        memcpy(a.k.stride, s, sizeof(s));
        memcpy(a.v.stride, s, sizeof(s));
    }
    ref_composite(B, Nq, Nk, Hq, Hkv, dh, c->scale, q, k, v, kind, want);
    if (conf_check_result(r, "composite", env->api->composite_attention(env->ctx, &a, NULL), VTC_SUCCESS)) {
        conf_check_nmse(r, "out", dt, out, want, nq, conf_tol(dt));
        check_visual_exact(r, c, dt, kind, out, vd, vstride);
    }
    conf_buf *g[] = {&bq, &bk, &bv, &bo, &bqkv};
    conf_guards(r, g, 5);
    free(q); free(k); free(v); free(want); free(kind);
    conf_buf_free(&bq); conf_buf_free(&bk); conf_buf_free(&bv); conf_buf_free(&bo); conf_buf_free(&bqkv);
}

#define CASE(fn, ...) static void fn(conf_env *e, conf_result *r) { comp_case c = {__VA_ARGS__}; run_case(e, r, &c); }
/*   B  Nq  Nk  Hq Hkv dh  pattern       qscale scale fused */
CASE(prefill_dh64_image_then_prompt, 2, 40, 40, 4, 4, 64, PAT_PREFIX, 1.0f, 0.0f, 0)
CASE(prefill_dh72_siglip_width, 1, 45, 45, 3, 3, 72, PAT_RUNS, 1.0f, 0.0f, 0)
CASE(prefill_dh80, 1, 38, 38, 2, 2, 80, PAT_MIDDLE, 1.0f, 0.0f, 0)
CASE(prefill_dh96, 1, 38, 38, 2, 1, 96, PAT_END, 1.0f, 0.0f, 0)
CASE(prefill_dh128_visual_runs_start_middle_end, 2, 50, 50, 2, 2, 128, PAT_RUNS, 1.0f, 0.0f, 0)
CASE(prefill_dh256_widest_head, 1, 21, 21, 2, 2, 256, PAT_RUNS, 1.0f, 0.0f, 0)
CASE(gqa4_prefill_interleaved_kinds, 2, 33, 33, 8, 2, 64, PAT_RANDOM, 1.0f, 0.0f, 0)
CASE(gqa8_chunked_prefill_7_rows, 1, 7, 70, 16, 2, 64, PAT_RUNS, 1.0f, 0.0f, 0)
CASE(gqa1_chunked_prefill_7_rows_long_cache_splits_kv, 2, 7, 1030, 2, 2, 64, PAT_PREFIX, 1.0f, 0.0f, 0)
/* 2100 keys in one split: more loop iterations than llvmpipe's 65535
   back-edge limiter allows if the head-width loops were left rolled. */
CASE(prefill_tail_64_text_rows_over_2100_keys_one_split, 1, 64, 2100, 8, 8, 64, PAT_PREFIX, 1.0f, 0.0f, 0)
CASE(decode_single_row_gqa4_splits_kv, 2, 1, 1500, 8, 2, 128, PAT_PREFIX, 1.0f, 0.0f, 0)
CASE(decode_single_row_gqa8, 1, 1, 77, 8, 1, 80, PAT_ALL_TEXT, 1.0f, 0.0f, 0)
CASE(decode_visual_last_row_copies_value, 1, 1, 600, 4, 1, 64, PAT_END, 1.0f, 0.0f, 0)
CASE(all_visual_rows_copy_values, 2, 30, 30, 4, 2, 72, PAT_ALL_VIS, 1.0f, 0.0f, 0)
CASE(all_text_prefill, 1, 45, 45, 4, 4, 64, PAT_ALL_TEXT, 1.0f, 0.0f, 0)
CASE(keys_not_a_multiple_of_any_tile, 1, 67, 67, 2, 1, 64, PAT_RUNS, 1.0f, 0.0f, 0)
CASE(large_logits_softmax_stays_stable, 1, 40, 40, 2, 2, 64, PAT_RUNS, 9.0f, 0.0f, 0)
CASE(large_logits_split_kv_merge_stays_stable, 1, 1, 1200, 4, 4, 64, PAT_ALL_TEXT, 9.0f, 0.0f, 0)
CASE(explicit_scale, 1, 30, 30, 2, 2, 96, PAT_MIDDLE, 1.0f, 0.37f, 0)
CASE(strided_views_into_fused_qkv, 2, 36, 36, 4, 2, 64, PAT_RUNS, 1.0f, 0.0f, 1)
CASE(strided_fused_qkv_dh72, 1, 29, 29, 2, 2, 72, PAT_PREFIX, 1.0f, 0.0f, 1)

/* Host inputs of a square call (Nq = Nk = N, Hq = Hkv = H), n = B*N*H*dh
   elements each: q, k, v drawn with std 1 from the case's seed, and guarded
   buffers in the run dtype for them and out. */
typedef struct sq_io {
    comp_case c;
    uint32_t dt;
    size_t n;
    float *q, *k, *v, *want;
    conf_buf bq, bk, bv, bo;
} sq_io;

static void sq_init(sq_io *io, conf_env *env, conf_result *r, int B, int N, int H, int DH)
{
    conf_shape(r, "B=%d N=%d H=%d dh=%d", B, N, H, DH);
    uint64_t st = env->seed;
    size_t n = (size_t)B * N * H * DH;
    *io = (sq_io){.c = {B, N, N, H, H, DH, 0, 1.0f, 0.0f, 0}, .dt = env->dtype, .n = n};
    io->q = malloc(4 * n);
    io->k = malloc(4 * n);
    io->v = malloc(4 * n);
    io->want = malloc(4 * n);
    conf_fill_normal(&st, io->q, n, 1.0f);
    conf_fill_normal(&st, io->k, n, 1.0f);
    conf_fill_normal(&st, io->v, n, 1.0f);
    conf_buf *b[] = {&io->bq, &io->bk, &io->bv, &io->bo};
    for (int i = 0; i < 4; i++)
        conf_buf_alloc(b[i], conf_dsize(io->dt) * n);
}

/* Stores q, k, v in the run dtype (rounding the host copies the reference
   reads) and returns the call on them, out included. */
static vtc_composite_args sq_args(sq_io *io, uint8_t *kind)
{
    conf_store(io->dt, io->bq.data, io->q, io->n);
    conf_store(io->dt, io->bk.data, io->k, io->n);
    conf_store(io->dt, io->bv.data, io->v, io->n);
    return host_args(&io->c, io->dt, io->bq.data, io->bk.data, io->bv.data, kind, io->bo.data);
}

static void sq_done(conf_result *r, sq_io *io)
{
    conf_buf *g[] = {&io->bq, &io->bk, &io->bv, &io->bo};
    conf_guards(r, g, 4);
    free(io->q); free(io->k); free(io->v); free(io->want);
    for (int i = 0; i < 4; i++)
        conf_buf_free(g[i]);
}

/* Property: every kind text is plain causal attention. The expected values
   come from the textbook formulation (materialised causal softmax row), not
   from ref_composite. */
static void all_text_equals_plain_causal_attention(conf_env *env, conf_result *r)
{
    enum { B = 1, N = 29, H = 2, DH = 64 };
    sq_io io;
    sq_init(&io, env, r, B, N, H, DH);
    uint8_t kind[B * N];
    memset(kind, VTC_KIND_TEXT, sizeof(kind));
    vtc_composite_args a = sq_args(&io, kind);
    const float *q = io.q, *k = io.k, *v = io.v;
    for (int i = 0; i < N; i++)
        for (int h = 0; h < H; h++) {
            double logits[N], mx = -INFINITY, sum = 0;
            for (int j = 0; j <= i; j++) {
                double d = 0;
                for (int x = 0; x < DH; x++)
                    d += (double)q[(i * H + h) * DH + x] * k[(j * H + h) * DH + x];
                logits[j] = d / sqrt((double)DH);
                if (logits[j] > mx)
                    mx = logits[j];
            }
            for (int j = 0; j <= i; j++)
                sum += exp(logits[j] - mx);
            for (int x = 0; x < DH; x++) {
                double o = 0;
                for (int j = 0; j <= i; j++)
                    o += exp(logits[j] - mx) / sum * v[(j * H + h) * DH + x];
                io.want[(i * H + h) * DH + x] = (float)o;
            }
        }
    if (conf_check_result(r, "composite", env->api->composite_attention(env->ctx, &a, NULL), VTC_SUCCESS))
        conf_check_nmse(r, "out", io.dt, io.bo.data, io.want, io.n, conf_tol(io.dt));
    sq_done(r, &io);
}

/* A visual row's q is never read (NaN there changes nothing) and its output
   is its value row bit for bit, also for values arithmetic could disturb:
   -0, subnormals, the largest finite fp16 value. Text rows still match the
   reference. */
static void visual_rows_copy_value_bits_and_ignore_q(conf_env *env, conf_result *r)
{
    enum { B = 1, N = 24, H = 2, DH = 64 };
    sq_io io;
    sq_init(&io, env, r, B, N, H, DH);
    uint32_t dt = io.dt;
    size_t n = io.n;
    uint8_t kind[B * N];
    for (int j = 0; j < N; j++)
        kind[j] = (uint8_t)(j % 3 != 2 ? VTC_KIND_VISUAL : VTC_KIND_TEXT);
    float *q = io.q, *v = io.v;
    float special[6] = {-0.0f, dt == VTC_DTYPE_F16 ? 5.9604645e-08f : 1e-40f, dt == VTC_DTYPE_F16 ? -3.0e-6f : -3e-39f,
                        dt == VTC_DTYPE_F16 ? 65504.0f : 1e30f, 1.0f / 3.0f, -1e-3f};
    for (int j = 0; j < N; j++) {
        if (!kind[j])
            continue;
        for (int x = 0; x < H * DH; x += 5)
            v[(size_t)j * H * DH + x] = special[(x / 5 + j) % 6];
    }
    for (int j = 0; j < N; j++)
        if (kind[j])
            for (int x = 0; x < H * DH; x++)
                q[(size_t)j * H * DH + x] = NAN;
    vtc_composite_args a = sq_args(&io, kind);
    float *want = io.want;
    void *out = io.bo.data;
    ref_composite(B, N, N, H, H, DH, 0.0f, q, io.k, v, kind, want);
    int64_t vs[3] = {(int64_t)N * H * DH, H * DH, DH};
    if (conf_check_result(r, "composite", env->api->composite_attention(env->ctx, &a, NULL), VTC_SUCCESS)) {
        check_visual_exact(r, &io.c, dt, kind, out, io.bv.data, vs);
        /* text rows alone (the visual rows' huge values would hide their error) */
        float *got = malloc(4 * n), *gt = malloc(4 * n), *wt = malloc(4 * n);
        conf_load(dt, got, out, n);
        size_t m = 0;
        for (int j = 0; j < N; j++)
            if (!kind[j]) {
                memcpy(gt + m, got + (size_t)j * H * DH, 4 * (size_t)H * DH);
                memcpy(wt + m, want + (size_t)j * H * DH, 4 * (size_t)H * DH);
                m += (size_t)H * DH;
            }
        conf_check_nmse(r, "text rows", VTC_DTYPE_F32, gt, wt, m, conf_tol(dt));
        free(got); free(gt); free(wt);
    }
    sq_done(r, &io);
}

/* Same input twice -> same bits (fixed reduction order, split-KV merge included). */
static void repeated_calls_are_bit_identical(conf_env *env, conf_result *r)
{
    enum { B = 1, NQ = 3, NK = 1100, HQ = 4, HKV = 1, DH = 64 };
    conf_shape(r, "B=%d Nq=%d Nk=%d Hq=%d Hkv=%d dh=%d", B, NQ, NK, HQ, HKV, DH);
    uint64_t st = env->seed;
    uint32_t dt = env->dtype;
    size_t nq = (size_t)B * NQ * HQ * DH, nk = (size_t)B * NK * HKV * DH, es = conf_dsize(dt);
    float *q = malloc(4 * nq), *k = malloc(4 * nk), *v = malloc(4 * nk);
    uint8_t *kind = calloc(1, NK);
    for (int j = 100; j < 700; j++)
        kind[j] = VTC_KIND_VISUAL;
    conf_fill_normal(&st, q, nq, 1.0f);
    conf_fill_normal(&st, k, nk, 1.0f);
    conf_fill_normal(&st, v, nk, 1.0f);
    void *qd = malloc(es * nq), *kd = malloc(es * nk), *vd = malloc(es * nk), *o1 = malloc(es * nq),
         *o2 = malloc(es * nq);
    conf_store(dt, qd, q, nq);
    conf_store(dt, kd, k, nk);
    conf_store(dt, vd, v, nk);
    comp_case c = {B, NQ, NK, HQ, HKV, DH, 0, 1.0f, 0.0f, 0};
    vtc_composite_args a = host_args(&c, dt, qd, kd, vd, kind, o1);
    vtc_composite_args a2 = a;
    a2.out = conf_tensor4(dt, o2, B, NQ, HQ, DH);
    if (conf_check_result(r, "first", env->api->composite_attention(env->ctx, &a, NULL), VTC_SUCCESS) &&
        conf_check_result(r, "second", env->api->composite_attention(env->ctx, &a2, NULL), VTC_SUCCESS) &&
        memcmp(o1, o2, es * nq))
        conf_fail(r, "two identical calls gave different bits");
    free(q); free(k); free(v); free(kind); free(qd); free(kd); free(vd); free(o1); free(o2);
}

static void rejects_bad_arguments_and_writes_nothing(conf_env *env, conf_result *r)
{
    enum { B = 1, N = 8, H = 4, DH = 64 };
    conf_shape(r, "B=%d N=%d H=%d dh=%d", B, N, H, DH);
    static float q[B * N * H * DH], k[B * N * H * DH], v[B * N * H * DH], wide[B * N * H * 2 * DH];
    static uint8_t kind[B * N];
    static float kind_f[B * N];
    conf_buf bo = {0};
    float *out = conf_buf_alloc(&bo, 4 * B * N * H * DH);
    comp_case c = {B, N, N, H, H, DH, 0, 1.0f, 0.0f, 0};
    vtc_composite_args good = host_args(&c, VTC_DTYPE_F32, q, k, v, kind, out);
    enum { NBAD = 14 };
    vtc_composite_args bad[NBAD];
    const char *what[NBAD] = {"Hq % Hkv != 0", "Nq > Nk", "v shape differs from k", "out shape differs from q",
                              "kind is f32", "kind shape", "k dtype differs", "out dtype differs",
                              "v dtype differs", "head width 12", "q/k head width differ", "inner stride 2",
                              "nan scale", "batch differs"};
    for (int i = 0; i < NBAD; i++)
        bad[i] = good;
    bad[0].k = conf_tensor4(VTC_DTYPE_F32, k, B, N, 3, DH);
    bad[0].v = conf_tensor4(VTC_DTYPE_F32, v, B, N, 3, DH);
    bad[1].k = conf_tensor4(VTC_DTYPE_F32, k, B, N - 1, H, DH);
    bad[1].v = conf_tensor4(VTC_DTYPE_F32, v, B, N - 1, H, DH);
    bad[1].kind = conf_tensor2(VTC_DTYPE_U8, kind, B, N - 1);
    bad[2].v = conf_tensor4(VTC_DTYPE_F32, v, B, N - 1, H, DH);
    bad[3].out = conf_tensor4(VTC_DTYPE_F32, out, B, N, H / 2, DH);
    bad[4].kind = conf_tensor2(VTC_DTYPE_F32, kind_f, B, N);
    bad[5].kind = conf_tensor2(VTC_DTYPE_U8, kind, B, N - 1);
    bad[6].k.dtype = VTC_DTYPE_F16;
    bad[7].out.dtype = VTC_DTYPE_F16;
    bad[8].v.dtype = VTC_DTYPE_F16;
    bad[9].q = conf_tensor4(VTC_DTYPE_F32, q, B, N, H, 12);
    bad[9].k = conf_tensor4(VTC_DTYPE_F32, k, B, N, H, 12);
    bad[9].v = conf_tensor4(VTC_DTYPE_F32, v, B, N, H, 12);
    bad[9].out = conf_tensor4(VTC_DTYPE_F32, out, B, N, H, 12);
    bad[10].q = conf_tensor4(VTC_DTYPE_F32, q, B, N, H / 2, 2 * DH);
    bad[10].out = conf_tensor4(VTC_DTYPE_F32, out, B, N, H / 2, 2 * DH);
    /* q as every other element of a wider buffer: dh stride 2 */
    bad[11].q = conf_tensor4(VTC_DTYPE_F32, wide, B, N, H, DH);
    int64_t s2[4] = {(int64_t)N * H * 2 * DH, H * 2 * DH, 2 * DH, 2};
    memcpy(bad[11].q.stride, s2, sizeof(s2));
    bad[12].scale = NAN;
    bad[13].q = conf_tensor4(VTC_DTYPE_F32, q, B + 1, N / 2, H, DH);
    bad[13].out = conf_tensor4(VTC_DTYPE_F32, out, B + 1, N / 2, H, DH);
    conf_buf *outs[] = {&bo};
    for (int i = 0; i < NBAD; i++)
        if (!conf_refuses(env, r, op_call, &bad[i], what[i], outs, 1))
            break;
    conf_guards(r, outs, 1);
    conf_buf_free(&bo);
}

/* Record mode: device buffers, q/k/v as strided views into one fused QKV
   device buffer, scratch from vtc_query_scratch; same numbers as the
   reference, visual rows exact. Also a decode call that takes the split-KV
   path, recorded the same way. */
static void record_one(conf_env *env, conf_result *r, conf_vk *vk, int B, int Nq, int Nk, int Hq, int Hkv, int DH)
{
    uint32_t dt = env->dtype;
    size_t es = conf_dsize(dt);
    int W = Hq + 2 * Hkv;
    /* fused buffer [B][Nk][W][dh]; q reads the last Nq rows' q heads (chunked prefill/decode layout) */
    size_t nf = (size_t)B * Nk * W * DH, nq = (size_t)B * Nq * Hq * DH, nk = (size_t)B * Nk * Hkv * DH;
    uint64_t st = env->seed ^ (uint64_t)Nq;
    float *f = malloc(4 * nf), *q = malloc(4 * nq), *k = malloc(4 * nk), *v = malloc(4 * nk), *want = malloc(4 * nq);
    uint8_t *kind = malloc((size_t)B * Nk);
    conf_fill_normal(&st, f, nf, 1.0f);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < Nk; j++)
            kind[(size_t)b * Nk + j] = (uint8_t)((j >= Nk / 8 && j < Nk / 2) || j == Nk - 2 ? 1 : 0);
    conf_devbuf df, dk, dout, *dev[] = {&df, &dk, &dout};
    size_t bytes[] = {es * nf, (size_t)B * Nk, es * nq};
    if (!conf_devbufs_create(vk, r, 3, dev, bytes))
        goto done;
    conf_store(dt, df.map, f, nf); /* rounds f for the reference */
    memcpy(dk.map, kind, (size_t)B * Nk);
    for (int b = 0; b < B; b++) {
        for (int j = 0; j < Nk; j++) {
            const float *row = f + ((size_t)b * Nk + j) * W * DH;
            memcpy(k + ((size_t)b * Nk + j) * Hkv * DH, row + (size_t)Hq * DH, 4 * (size_t)Hkv * DH);
            memcpy(v + ((size_t)b * Nk + j) * Hkv * DH, row + (size_t)(Hq + Hkv) * DH, 4 * (size_t)Hkv * DH);
        }
        for (int i = 0; i < Nq; i++)
            memcpy(q + ((size_t)b * Nq + i) * Hq * DH, f + ((size_t)b * Nk + Nk - Nq + i) * W * DH,
                   4 * (size_t)Hq * DH);
    }
    ref_composite(B, Nq, Nk, Hq, Hkv, DH, 0.0f, q, k, v, kind, want);
    vtc_composite_args a;
    memset(&a, 0, sizeof(a));
    int64_t sq[4] = {B, Nq, Hq, DH}, sk[4] = {B, Nk, Hkv, DH}, skind[2] = {B, Nk};
    int64_t stride[4] = {(int64_t)Nk * W * DH, (int64_t)W * DH, DH, 1};
    a.q = conf_devtensor(dt, &df, (VkDeviceSize)(Nk - Nq) * W * DH * es, 4, sq);
    a.k = conf_devtensor(dt, &df, (VkDeviceSize)Hq * DH * es, 4, sk);
    a.v = conf_devtensor(dt, &df, (VkDeviceSize)(Hq + Hkv) * DH * es, 4, sk);
    memcpy(a.q.stride, stride, sizeof(stride));
    memcpy(a.k.stride, stride, sizeof(stride));
    memcpy(a.v.stride, stride, sizeof(stride));
    a.kind = conf_devtensor(VTC_DTYPE_U8, &dk, 0, 2, skind);
    a.out = conf_devtensor(dt, &dout, 0, 4, sq);
    uint64_t scratch = 0;
    if (conf_record(env, r, vk, VTC_OP_COMPOSITE, op_call, &a, &scratch)) {
        conf_check_nmse(r, "out", dt, dout.map, want, nq, conf_tol(dt));
        comp_case c = {B, Nq, Nk, Hq, Hkv, DH, 0, 1.0f, 0.0f, 1};
        int64_t vs[3] = {stride[0], stride[1], stride[2]};
        check_visual_exact(r, &c, dt, kind, dout.map, (uint8_t *)df.map + (size_t)(Hq + Hkv) * DH * es, vs);
    }
    /* too little scratch is refused before anything is recorded */
    conf_short_scratch_refused(env, r, vk, op_call, &a, scratch);
done:
    conf_devbufs_destroy(vk, 3, dev);
    free(f); free(q); free(k); free(v); free(want); free(kind);
}

static void record_mode_strided_fused_qkv_matches_reference(conf_env *env, conf_result *r)
{
    conf_shape(r, "prefill B=2 N=48 Hq=4 Hkv=2 dh=64; decode B=1 Nk=1200 Hq=8 Hkv=2 dh=64");
    conf_vk *vk = conf_vk_for_record(env, r);
    if (!vk)
        return;
    record_one(env, r, vk, 2, 48, 48, 4, 2, 64);
    record_one(env, r, vk, 1, 1, 1200, 8, 2, 64);
}

const conf_case conf_cases_composite[] = {
    CONF_CASE(prefill_dh64_image_then_prompt, CONF_QUICK),
    CONF_CASE(prefill_dh72_siglip_width, CONF_QUICK),
    CONF_CASE(prefill_dh80, 0),
    CONF_CASE(prefill_dh96, 0),
    CONF_CASE(prefill_dh128_visual_runs_start_middle_end, CONF_QUICK),
    CONF_CASE(prefill_dh256_widest_head, 0),
    CONF_CASE(gqa4_prefill_interleaved_kinds, CONF_QUICK),
    CONF_CASE(gqa8_chunked_prefill_7_rows, 0),
    CONF_CASE(gqa1_chunked_prefill_7_rows_long_cache_splits_kv, 0),
    CONF_CASE(prefill_tail_64_text_rows_over_2100_keys_one_split, 0),
    CONF_CASE(decode_single_row_gqa4_splits_kv, CONF_QUICK),
    CONF_CASE(decode_single_row_gqa8, 0),
    CONF_CASE(decode_visual_last_row_copies_value, 0),
    CONF_CASE(all_visual_rows_copy_values, 0),
    CONF_CASE(all_text_prefill, 0),
    CONF_CASE(keys_not_a_multiple_of_any_tile, 0),
    CONF_CASE(large_logits_softmax_stays_stable, CONF_QUICK),
    CONF_CASE(large_logits_split_kv_merge_stays_stable, 0),
    CONF_CASE(explicit_scale, 0),
    CONF_CASE(strided_views_into_fused_qkv, CONF_QUICK),
    CONF_CASE(strided_fused_qkv_dh72, 0),
    CONF_CASE(all_text_equals_plain_causal_attention, 0),
    CONF_CASE(visual_rows_copy_value_bits_and_ignore_q, CONF_QUICK),
    CONF_CASE(repeated_calls_are_bit_identical, 0),
    CONF_CASE(rejects_bad_arguments_and_writes_nothing, CONF_QUICK | CONF_ANY_DTYPE),
    CONF_CASE(record_mode_strided_fused_qkv_matches_reference, CONF_QUICK),
    {0},
};
