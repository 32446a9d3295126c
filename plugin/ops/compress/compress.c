/*
 * compress (SPEC 2): LLaVA-Mini's resampler. Weight sets are folded on the
 * host once (double precision) and kept on the device; each call records
 * 5-7 dispatches on the fast path (LN statistics unless the scores pass
 * computes them, scores, softmax, optional attention map, A X, values,
 * output) and 8-9 on the reference path.
 *
 * Fast path algebra, per query i and head h (rows r = i*h + h'):
 *   logits  s_r(j) = (X_j + pos_k_j) . Wf_r + const_r, Wf_r = Wk_h^T q_{i,h} / sqrt(dh)
 *           with X_j = (x_j - mean_j) * rstd_j * gamma + beta, so
 *           s_r(j) = rstd_j * ((x_j - mean_j) . (gamma o Wf_r)) + pb_r(j),
 *           pb_r(j) = (beta + pos_k_j) . Wf_r        (per token count, "prepare")
 *           (the bk . q term is the same for every j: softmax drops it)
 *   values  A_r v_h = (A_r X) Wv_h^T + bv_h           (rows of A sum to 1)
 *           A_r X = gamma o (sum_j A_r(j) rstd_j (x_j - mean_j)) + beta
 */
#include "op.h"
#include "compress_tiles.h"

#include "core/half.h"

#include <math.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

VTC_OP_ENTRY_POINTS(vtc_compress, vtc_compress_query_scratch, vtc_compress_args, VTC_OP_COMPRESS)

/* softmax walks a row three times per invocation: lavapipe's loop limiter
   (op.h) allows VTC_LOOP_BUDGET / 3; the limit is the power of two below it */
#define CMP_MAX_TOKENS 16384u
_Static_assert(3 * CMP_MAX_TOKENS <= VTC_LOOP_BUDGET, "compress: softmax's row loops exceed the loop budget");
#define CMP_LN_EPS 1e-5f

typedef struct vtc_prep {
    uint32_t N;
    vtc_buf buf;              /* pb [Qh][N], pos_k [N][E] (f32) */
    VkDeviceSize off_posk;
    struct vtc_prep *next;
} vtc_prep;

enum { W_WG, W_WQS, W_WKT, W_BK, W_WVT, W_BV, W_WOT, W_BO, W_GKV, W_BKV, W_COUNT };

struct vtc_weights_t {
    vtc_context ctx;
    struct vtc_weights_t *next;
    uint32_t C, Q, E, H, dh;
    float *pos_q;             /* [Q][E] host: the query grid's table (resized per N) */
    double *wf;               /* [Q*H][E] host: folded key weights without gamma (for pb) */
    float *beta_kv;           /* [E] host */
    vtc_buf dev;
    VkDeviceSize off[W_COUNT], len[W_COUNT];
    vtc_prep *preps;
};

/* ---- weight sets ------------------------------------------------------ */

/* Copies a host weight tensor of the given shape into fp32 (F16 converted). */
static vtc_result load_weight(vtc_context ctx, const vtc_tensor *t, const char *what, uint32_t ndim,
                              const int64_t *shape, int optional, float **out)
{
    *out = NULL;
    vtc_result r = vtc_tensor_check(ctx, "compress_weights_create", what, t, optional, VTC_DTYPES_FLOAT, ndim, shape);
    if (r || !vtc_tensor_present(t))
        return r;
    if (!t->host)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "compress_weights_create: %s must be a host tensor", what);
    if (!vtc_tensor_contiguous(t))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "compress_weights_create: %s must be contiguous", what);
    size_t n = (size_t)vtc_tensor_count(t);
    float *f = vtc_alloc(ctx, (n ? n : 1) * sizeof(float));
    if (!f)
        return vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "compress_weights_create: out of host memory");
    if (t->dtype == VTC_DTYPE_F32) {
        memcpy(f, t->host, n * sizeof(float));
    } else {
        const uint16_t *h = t->host;
        for (size_t i = 0; i < n; i++)
            f[i] = vtc_half_to_float(h[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(f[i])) {
            vtc_free(ctx, f);
            return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "compress_weights_create: %s[%zu] is not finite", what, i);
        }
    *out = f;
    return VTC_SUCCESS;
}

static void prep_destroy(vtc_context ctx, vtc_prep *p)
{
    vtc_buf_destroy(ctx, &p->buf);
    vtc_free(ctx, p);
}

static void weights_free(vtc_context ctx, struct vtc_weights_t *w)
{
    while (w->preps) {
        vtc_prep *n = w->preps->next;
        prep_destroy(ctx, w->preps);
        w->preps = n;
    }
    vtc_buf_destroy(ctx, &w->dev);
    vtc_free(ctx, w->pos_q);
    vtc_free(ctx, w->wf);
    vtc_free(ctx, w->beta_kv);
    vtc_free(ctx, w);
}

/* LayerNorm of one row (biased variance, eps 1e-5), in double. */
static void ln_row(const float *x, uint32_t E, const float *g, const float *b, double *out)
{
    double mean = 0, var = 0;
    for (uint32_t e = 0; e < E; e++)
        mean += x[e];
    mean /= E;
    for (uint32_t e = 0; e < E; e++)
        var += (x[e] - mean) * (x[e] - mean);
    double inv = 1.0 / sqrt(var / E + 1e-5);
    for (uint32_t e = 0; e < E; e++)
        out[e] = (x[e] - mean) * inv * g[e] + b[e];
}

/* Fills the device buffer's slices from the host parameters. */
static void fold(struct vtc_weights_t *w, const float *query, const float *lnq_w, const float *lnq_b,
                 const float *g_kv, const float *w_in, const float *b_in, const float *w_out, const float *b_out,
                 double *qp, double *row)
{
    uint32_t Q = w->Q, E = w->E, H = w->H, dh = w->dh;
    float *base = w->dev.mapped;
    float *wg = (float *)((char *)base + w->off[W_WG]), *wqs = (float *)((char *)base + w->off[W_WQS]);
    float *wkt = (float *)((char *)base + w->off[W_WKT]), *bk = (float *)((char *)base + w->off[W_BK]);
    float *wvt = (float *)((char *)base + w->off[W_WVT]), *bv = (float *)((char *)base + w->off[W_BV]);
    float *wot = (float *)((char *)base + w->off[W_WOT]), *bo = (float *)((char *)base + w->off[W_BO]);
    float *gk = (float *)((char *)base + w->off[W_GKV]), *bkv = (float *)((char *)base + w->off[W_BKV]);
    const float *Wq = w_in, *Wk = w_in + (size_t)E * E, *Wv = w_in + (size_t)2 * E * E;
    double isq = 1.0 / sqrt((double)dh);
    /* q = (LN_q(query) + pos_q) Wq^T + bq */
    for (uint32_t i = 0; i < Q; i++) {
        ln_row(query + (size_t)i * E, E, lnq_w, lnq_b, row);
        for (uint32_t e = 0; e < E; e++)
            row[e] += w->pos_q[(size_t)i * E + e];
        for (uint32_t o = 0; o < E; o++) {
            const float *wr = Wq + (size_t)o * E;
            double s = b_in[o];
            for (uint32_t e = 0; e < E; e++)
                s += row[e] * wr[e];
            qp[(size_t)i * E + o] = s;
        }
    }
    /* folded key weights and the reference path's per-head scaled queries */
    for (uint32_t i = 0; i < Q; i++)
        for (uint32_t h = 0; h < H; h++) {
            size_t r = (size_t)i * H + h;
            double *wf = w->wf + r * E;
            memset(wf, 0, sizeof(double) * E);
            for (uint32_t e = h * dh; e < (h + 1) * dh; e++) {
                double q = qp[(size_t)i * E + e] * isq;
                const float *wr = Wk + (size_t)e * E;
                for (uint32_t f = 0; f < E; f++)
                    wf[f] += q * wr[f];
            }
            for (uint32_t f = 0; f < E; f++) {
                wg[r * E + f] = (float)(wf[f] * g_kv[f]);
                wqs[r * E + f] = f / dh == h ? (float)(qp[(size_t)i * E + f] * isq) : 0.0f;
            }
        }
    for (uint32_t f = 0; f < E; f++)
        for (uint32_t o = 0; o < E; o++) {
            wkt[(size_t)f * E + o] = Wk[(size_t)o * E + f];
            wvt[(size_t)f * E + o] = Wv[(size_t)o * E + f];
            wot[(size_t)f * E + o] = w_out[(size_t)o * E + f];
        }
    memcpy(bk, b_in + E, sizeof(float) * E);
    memcpy(bv, b_in + 2 * (size_t)E, sizeof(float) * E);
    memcpy(bo, b_out, sizeof(float) * E);
    memcpy(gk, g_kv, sizeof(float) * E);
    memcpy(bkv, w->beta_kv, sizeof(float) * E);
}

extern const vtc_op_def vtc_op_compress_def;
/* The context's live weight sets: compress's per-context slot. */
static void **weights_list(vtc_context ctx)
{
    return vtc_op_state(ctx, &vtc_op_compress_def);
}

/* A weight set's host parameters, fp32 (F16 converted) as loaded. */
typedef struct host_weights {
    float *query, *lnq_w, *lnq_b, *lnkv_w, *lnkv_b, *w_in, *b_in, *w_out, *b_out;
    float *pos;               /* NULL: the sin-cos table */
} host_weights;

static void host_weights_free(vtc_context ctx, host_weights *h)
{
    float *all[] = {h->query, h->lnq_w, h->lnq_b, h->lnkv_w, h->lnkv_b, h->w_in, h->b_in, h->w_out, h->b_out, h->pos};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        vtc_free(ctx, all[i]);
}

/* The query's shape and the head count: Q = C*C rows of E, H heads. */
static vtc_result check_weights_shape(vtc_context ctx, const vtc_compress_weights_desc *d, int64_t *Q, int64_t *E,
                                      uint32_t *H, int64_t *C)
{
    const char *op = "compress_weights_create";
    vtc_result r;
    if ((r = vtc_tensor_check(ctx, op, "query", &d->query, 0, VTC_DTYPES_FLOAT, 2, NULL)))
        return r;
    *Q = d->query.shape[0];
    *E = d->query.shape[1];
    *H = d->heads ? d->heads : 8;
    *C = (int64_t)llround(sqrt((double)*Q));
    if (*Q < 1 || *C * *C != *Q || *C > 64)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: query has %lld rows, expected C*C with 1 <= C <= 64", op,
                        (long long)*Q);
    if (*E < 4 || *E % 4 != 0 || *E > 8192)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: width E = %lld must be a multiple of 4 in [4, 8192]", op,
                        (long long)*E);
    if (*H > (uint32_t)*E || *E % *H != 0)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: E = %lld is not a multiple of heads = %u", op,
                        (long long)*E, *H);
    return VTC_SUCCESS;
}

/* Every parameter of the desc, checked against Q and E and loaded into h. */
static vtc_result load_weights(vtc_context ctx, const vtc_compress_weights_desc *d, int64_t Q, int64_t E,
                               host_weights *h)
{
    int64_t sE[1] = {E}, s3E[1] = {3 * E}, sQE[2] = {Q, E}, s3EE[2] = {3 * E, E}, sEE[2] = {E, E};
    vtc_result r;
    if ((r = load_weight(ctx, &d->query, "query", 2, sQE, 0, &h->query)) ||
        (r = load_weight(ctx, &d->ln_q_weight, "ln_q_weight", 1, sE, 0, &h->lnq_w)) ||
        (r = load_weight(ctx, &d->ln_q_bias, "ln_q_bias", 1, sE, 0, &h->lnq_b)) ||
        (r = load_weight(ctx, &d->ln_kv_weight, "ln_kv_weight", 1, sE, 0, &h->lnkv_w)) ||
        (r = load_weight(ctx, &d->ln_kv_bias, "ln_kv_bias", 1, sE, 0, &h->lnkv_b)) ||
        (r = load_weight(ctx, &d->in_proj_weight, "in_proj_weight", 2, s3EE, 0, &h->w_in)) ||
        (r = load_weight(ctx, &d->in_proj_bias, "in_proj_bias", 1, s3E, 0, &h->b_in)) ||
        (r = load_weight(ctx, &d->out_proj_weight, "out_proj_weight", 2, sEE, 0, &h->w_out)) ||
        (r = load_weight(ctx, &d->out_proj_bias, "out_proj_bias", 1, sE, 0, &h->b_out)))
        return r;
    return load_weight(ctx, &d->pos_embed, "pos_embed", 2, sQE, 1, &h->pos);
}

/* A weight set of C*C queries of E, H heads, taking the query grid's table
   and beta_kv from h (NULL when out of host memory). */
static struct vtc_weights_t *weights_alloc(vtc_context ctx, int64_t C, int64_t E, uint32_t H, host_weights *h)
{
    int64_t Q = C * C;
    struct vtc_weights_t *w = vtc_calloc(ctx, sizeof(*w));
    if (!w)
        return NULL;
    w->ctx = ctx;
    w->C = (uint32_t)C;
    w->Q = (uint32_t)Q;
    w->E = (uint32_t)E;
    w->H = H;
    w->dh = (uint32_t)(E / H);
    if (h->pos) {
        w->pos_q = h->pos;
        h->pos = NULL;
    } else if ((w->pos_q = vtc_alloc(ctx, sizeof(float) * (size_t)(Q * E)))) {
        vtc_pos_embed_2d((uint32_t)C, (uint32_t)E, w->pos_q);
    }
    w->beta_kv = h->lnkv_b;
    h->lnkv_b = NULL;
    w->wf = w->pos_q ? vtc_alloc(ctx, sizeof(double) * (size_t)(Q * H * E)) : NULL;
    if (!w->wf) {
        weights_free(ctx, w);
        return NULL;
    }
    return w;
}

/* The device buffer's slices, each within maxStorageBufferRange; their total. */
static vtc_result weights_layout(vtc_context ctx, struct vtc_weights_t *w, VkDeviceSize *total)
{
    uint64_t QH = (uint64_t)w->Q * w->H, E = w->E;
    uint64_t rows[W_COUNT] = {QH * E, QH * E, E * E, E, E * E, E, E * E, E, E, E};
    *total = 0;
    for (int i = 0; i < W_COUNT; i++) {
        w->off[i] = *total;
        w->len[i] = rows[i] * sizeof(float);
        *total += vtc_scratch_round(w->len[i]);
        if (w->len[i] > vtc_caps_of(ctx)->max_range)
            return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "compress_weights_create: a %llu-byte weight exceeds "
                            "maxStorageBufferRange", (unsigned long long)w->len[i]);
    }
    return VTC_SUCCESS;
}

VTC_API vtc_result vtc_compress_weights_create(vtc_context ctx, const vtc_compress_weights_desc *d, vtc_weights *out)
{
    if (!ctx)
        return VTC_ERROR_INVALID_ARGUMENT;
    if (!d || !out)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "compress_weights_create: desc and out must not be NULL");
    if (d->size && d->size < sizeof(*d)) /* 0: the v1 layout */
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "compress_weights_create: desc.size %u is smaller than v1",
                        d->size);
    int64_t Q, E, C;
    uint32_t H;
    vtc_result r;
    if ((r = check_weights_shape(ctx, d, &Q, &E, &H, &C)))
        return r;
    host_weights h = {0};
    double *qp = NULL, *row = NULL;
    struct vtc_weights_t *w = NULL;
    VkDeviceSize total;
    if ((r = load_weights(ctx, d, Q, E, &h)))
        goto done;
    if (!(w = weights_alloc(ctx, C, E, H, &h)) || !(qp = vtc_alloc(ctx, sizeof(double) * (size_t)(Q * E))) ||
        !(row = vtc_alloc(ctx, sizeof(double) * (size_t)E))) {
        r = vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "compress_weights_create: out of host memory");
        goto done;
    }
    if ((r = weights_layout(ctx, w, &total)))
        goto done;
    /* compile-only: shapes are all vtc_prepare needs */
    if (!vtc_caps_of(ctx)->compile_only) {
        if ((r = vtc_buf_create(ctx, total, &w->dev)))
            goto done;
        fold(w, h.query, h.lnq_w, h.lnq_b, h.lnkv_w, h.w_in, h.b_in, h.w_out, h.b_out, qp, row);
        vtc_buf_flush(ctx, &w->dev);
    }
    w->next = *weights_list(ctx);
    *weights_list(ctx) = w;
    *out = w;
    w = NULL;
done:
    if (w)
        weights_free(ctx, w);
    host_weights_free(ctx, &h);
    vtc_free(ctx, qp);
    vtc_free(ctx, row);
    return r;
}

static struct vtc_weights_t *weights_find(vtc_context ctx, vtc_weights w)
{
    for (struct vtc_weights_t *p = *weights_list(ctx); p; p = p->next)
        if (p == w)
            return p;
    return NULL;
}

static vtc_prep *prep_find(struct vtc_weights_t *w, uint32_t N)
{
    for (vtc_prep *p = w->preps; p; p = p->next)
        if (p->N == N)
            return p;
    return NULL;
}

static uint32_t grid_side(uint32_t N)
{
    uint32_t g = (uint32_t)llround(sqrt((double)N));
    return g * g == N ? g : 0;
}

VTC_API vtc_result vtc_compress_weights_prepare(vtc_context ctx, vtc_weights wh, uint32_t N)
{
    if (!ctx)
        return VTC_ERROR_INVALID_ARGUMENT;
    struct vtc_weights_t *w = wh ? weights_find(ctx, wh) : NULL;
    if (!w)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "compress_weights_prepare: not a weight set of this context");
    uint32_t g = grid_side(N);
    if (!g || N > CMP_MAX_TOKENS)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                        "compress_weights_prepare: %u tokens is not a square grid g*g with 1 <= N <= %u", N,
                        CMP_MAX_TOKENS);
    if (prep_find(w, N))
        return VTC_SUCCESS;
    uint32_t QH = w->Q * w->H, E = w->E;
    VkDeviceSize pb_bytes = (VkDeviceSize)QH * N * sizeof(float), pk_bytes = (VkDeviceSize)N * E * sizeof(float);
    if (pb_bytes > vtc_caps_of(ctx)->max_range || pk_bytes > vtc_caps_of(ctx)->max_range)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "compress_weights_prepare: tables for %u tokens exceed "
                        "maxStorageBufferRange", N);
    vtc_prep *p = vtc_calloc(ctx, sizeof(*p));
    if (!p)
        return vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "compress_weights_prepare: out of host memory");
    p->N = N;
    p->off_posk = vtc_scratch_round(pb_bytes);
    if (vtc_caps_of(ctx)->compile_only) { /* the layout, no tables */
        p->next = w->preps;
        w->preps = p;
        return VTC_SUCCESS;
    }
    vtc_result r = vtc_buf_create(ctx, p->off_posk + pk_bytes, &p->buf);
    if (r) {
        vtc_free(ctx, p);
        return r;
    }
    float *pb = p->buf.mapped, *posk = (float *)((char *)p->buf.mapped + p->off_posk);
    vtc_pos_embed_resize(w->C, g, E, w->pos_q, posk);
    /* pb[r][j] = (beta + pos_k[j]) . Wf[r] */
    double *kin = vtc_alloc(ctx, sizeof(double) * E);
    if (!kin) {
        prep_destroy(ctx, p);
        return vtc_fail(ctx, VTC_ERROR_OUT_OF_MEMORY, "compress_weights_prepare: out of host memory");
    }
    for (uint32_t j = 0; j < N; j++) {
        for (uint32_t f = 0; f < E; f++)
            kin[f] = (double)w->beta_kv[f] + posk[(size_t)j * E + f];
        for (uint32_t rr = 0; rr < QH; rr++) {
            const double *wf = w->wf + (size_t)rr * E;
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (uint32_t f = 0; f < E; f += 4) {
                s0 += kin[f] * wf[f];
                s1 += kin[f + 1] * wf[f + 1];
                s2 += kin[f + 2] * wf[f + 2];
                s3 += kin[f + 3] * wf[f + 3];
            }
            pb[(size_t)rr * N + j] = (float)((s0 + s1) + (s2 + s3));
        }
    }
    vtc_free(ctx, kin);
    vtc_buf_flush(ctx, &p->buf);
    p->next = w->preps;
    w->preps = p;
    return VTC_SUCCESS;
}

VTC_API void vtc_compress_weights_destroy(vtc_context ctx, vtc_weights wh)
{
    if (!ctx || !wh)
        return;
    struct vtc_weights_t *prev = NULL;
    for (struct vtc_weights_t *p = *weights_list(ctx); p; prev = p, p = p->next)
        if (p == wh) {
            if (prev)
                prev->next = p->next;
            else
                *weights_list(ctx) = p->next;
            weights_free(ctx, p);
            return;
        }
    vtc_log(ctx, VTC_LOG_WARN, "compress_weights_destroy: %p is not a weight set of this context", (void *)wh);
}

static void weights_destroy_all(vtc_context ctx)
{
    struct vtc_weights_t *p = *weights_list(ctx);
    while (p) {
        struct vtc_weights_t *n = p->next;
        weights_free(ctx, p);
        p = n;
    }
    *weights_list(ctx) = NULL;
}

/* ---- the op --------------------------------------------------------- */

enum { T_X, T_OUT, T_ATTN };   /* the table's order (compress_desc.c) */

/* Scratch pieces, in this order, each at a vtc_scratch_round boundary:
   ctx rows concat_h(A_h v_h) [B][Q][E], LN statistics [B][N][2], logits
   [B][QH][N], then per path: FAST Y = A X [B][QH][E] (and a piece of ctx
   rows' size that nothing reads: the values pass writes the ctx rows
   above; kept so the size vtc_query_scratch reports stays as it was);
   REFERENCE X, X + pos_k, k and v, each [B][N][E]. */
typedef struct compress_layout {
    uint64_t ctx_off, ctx_bytes;
    uint64_t stats_off, stats_bytes;
    uint64_t logit_off, logit_bytes;
    uint64_t ax_off, ax_bytes;        /* FAST */
    uint64_t x_off[4], x_bytes;       /* REFERENCE: X, X + pos_k, k, v */
    uint64_t total;
} compress_layout;

/* What plan() hands record() (weights and prep are the context's; prep is
   set by prepare()). */
typedef struct compress_plan {
    struct vtc_weights_t *weights;
    const vtc_prep *prep;             /* the per-N tables */
    uint32_t B, N;
    int fast;                         /* VTC_COMPRESS_FAST, else the reference path */
    int gpu;                          /* the GPU variants (workgroup tiles), else register blocks */
    int stats_in_scores;              /* the scores pass computes the LN statistics */
    uint32_t sc_rows;                 /* scores: rows per invocation (CPU) / workgroup (GPU) */
    uint32_t sc_gpu_tokens;           /* scores, GPU: tokens per workgroup */
    uint64_t sc_groups;               /* scores: invocations (CPU) / workgroups (GPU) */
    compress_layout layout;
} compress_plan;

static compress_layout layout_of(const struct vtc_weights_t *w, uint64_t B, uint64_t N, int fast)
{
    uint64_t QH = (uint64_t)w->Q * w->H, E = w->E;
    compress_layout l;
    memset(&l, 0, sizeof(l));
    l.ctx_bytes = B * w->Q * E * 4;
    l.stats_bytes = B * N * 8;
    l.logit_bytes = B * QH * N * 4;
    l.stats_off = vtc_scratch_round(l.ctx_bytes);
    l.logit_off = l.stats_off + vtc_scratch_round(l.stats_bytes);
    uint64_t o = l.logit_off + vtc_scratch_round(l.logit_bytes);
    if (fast) {
        l.ax_off = o;
        l.ax_bytes = B * QH * E * 4;
        l.total = o + vtc_scratch_round(l.ax_bytes) + vtc_scratch_round(l.ctx_bytes);
    } else {
        l.x_bytes = B * N * E * 4;
        for (int i = 0; i < 4; i++)
            l.x_off[i] = o + (uint64_t)i * vtc_scratch_round(l.x_bytes);
        l.total = o + 4 * vtc_scratch_round(l.x_bytes);
    }
    return l;
}

/* The logits pass's tiling and where the LN statistics are computed (defined
   after the kernels' constants). */
static void plan_scores(const vtc_caps *caps, compress_plan *cp);

static vtc_result plan(vtc_context ctx, const void *vargs, vtc_plan *pl)
{
    const vtc_compress_args *a = vargs;
    struct vtc_weights_t *w = a->weights ? weights_find(ctx, a->weights) : NULL;
    if (!w)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "compress: weights is not a weight set of this context");
    if (a->path > VTC_COMPRESS_REFERENCE)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "compress: path %u is neither FAST (0) nor REFERENCE (1)",
                        a->path);
    vtc_result r;
    int64_t wx[3] = {-1, -1, w->E};
    if ((r = vtc_tensor_expect(ctx, pl, T_X, 0, wx)))
        return r;
    int64_t B = a->x.shape[0], N = a->x.shape[1];
    if (N < 1 || N > CMP_MAX_TOKENS || !grid_side((uint32_t)N))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "compress: x has %lld tokens, expected a square grid g*g "
                        "(1 <= N <= %u)", (long long)N, CMP_MAX_TOKENS);
    int64_t wo[3] = {B, w->Q, w->E};
    if ((r = vtc_tensor_expect(ctx, pl, T_OUT, VTC_DTYPES(a->x.dtype), wo)))
        return r;
    int64_t wa[3] = {B, w->Q, N};
    if ((r = vtc_tensor_expect(ctx, pl, T_ATTN, VTC_DTYPES(VTC_DTYPE_F32) | VTC_DTYPES(a->x.dtype), wa)))
        return r;
    uint64_t QH = (uint64_t)w->Q * w->H, E = w->E;
    int fast = a->path == VTC_COMPRESS_FAST;
    compress_layout l = layout_of(w, (uint64_t)B, (uint64_t)N, fast);
    /* every piece is one binding: each within maxStorageBufferRange */
    uint64_t pieces[3] = {l.stats_bytes, l.logit_bytes, fast ? l.ax_bytes : l.x_bytes}, ctxb = l.ctx_bytes;
    for (int i = 0; i < 3; i++)
        if (pieces[i] > vtc_caps_of(ctx)->max_range || ctxb > vtc_caps_of(ctx)->max_range)
            return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "compress: %lld images need a %llu-byte intermediate, more than "
                            "maxStorageBufferRange: pass fewer images per call", (long long)B,
                            (unsigned long long)(pieces[i] > ctxb ? pieces[i] : ctxb));
    /* the per-N tables are made by prepare(); plan only checks they would fit
       (vtc_query_scratch allocates nothing) */
    if ((uint64_t)QH * (uint64_t)N * 4 > vtc_caps_of(ctx)->max_range || (uint64_t)N * E * 4 > vtc_caps_of(ctx)->max_range)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "compress: tables for %lld tokens exceed maxStorageBufferRange",
                        (long long)N);
    pl->float_dtype = a->x.dtype;
    compress_plan *cp = VTC_PLAN_OF(pl, compress_plan);
    cp->weights = w;
    cp->B = (uint32_t)B;
    cp->N = (uint32_t)N;
    cp->fast = fast;
    cp->layout = l;
    plan_scores(vtc_caps_of(ctx), cp);
    pl->scratch_bytes = l.total;
    return VTC_SUCCESS;
}

static vtc_bound wslice(const struct vtc_weights_t *w, int i)
{
    vtc_bound b;
    memset(&b, 0, sizeof(b));
    b.buffer = w->dev.buffer;
    b.offset = w->off[i];
    b.range = w->len[i];
    b.dtype = VTC_DTYPE_F32;
    b.present = 1;
    return b;
}

static vtc_bound pslice(const vtc_prep *p, VkDeviceSize off, VkDeviceSize len)
{
    vtc_bound b;
    memset(&b, 0, sizeof(b));
    b.buffer = p->buf.buffer;
    b.offset = off;
    b.range = len;
    b.dtype = VTC_DTYPE_F32;
    b.present = 1;
    return b;
}

typedef struct { uint32_t B, R, F, O, in_bs, in_rs, in_gs, ogroup, out_bs, out_rs; } linear_pc;
typedef struct { uint32_t B, N, E, R, Ra, a_rs, a_gs, fgroup, use_ln; } ax_pc;
typedef struct { uint32_t B, N, E, R, use_stats, use_pb; float eps; } scores_pc;

/* Register blocks of the kernels (compress_tiles.h, shared with the
   shaders). The row blocks are specialization constants, largest there: a call with few
   rows (one query, C=1: 8 logit rows, 1 value row) takes a smaller block
   instead of computing a clamped row 16 times (c1-n576-fast on lavapipe,
   with the LN statistics folded into the scores pass: 4.6 -> 2.4 ms). */
#define SC_RB CMP_SC_RB  /* compress_scores: rows x tokens (8 rows when QH <= 8) */
#define SC_TJ CMP_SC_TJ
#define AX_RB CMP_AX_RB  /* compress_ax: rows x column quads (1 or 8 rows for small calls) */
#define AX_TQ CMP_AX_TQ
#define LN_RB CMP_LN_RB  /* compress_linear: rows x output quads (1 or 4 rows for small calls) */
#define LN_TQ CMP_LN_TQ

static uint64_t cdiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* Records `n` invocations of a register-blocked kernel. An invocation
   computes 128-256 outputs, so calls have few: small workgroups (llvmpipe
   runs each on one thread) keep every CPU thread busy and balanced; one size
   for all calls keeps one pipeline per variant to compile. Blocks were tuned
   on lavapipe (c8-n576-fast: 500 -> 55 ms); larger ones (scores 16x16) gain
   little and take ~3 s to compile. */
static vtc_result blocked_k(vtc_recorder *rec, vtc_kernel kernel, uint32_t dtype, const vtc_bound *b, uint32_t nb,
                            const void *pc, uint32_t pc_size, const uint32_t *spec, uint32_t nspec, uint64_t n)
{
    uint32_t wg = 32u, gx, gy;
    vtc_grid_2d(vtc_rec_ctx(rec), cdiv(n, wg), &gx, &gy);
    return vtc_dispatch_kernel(rec, kernel, dtype, b, nb, pc, pc_size, wg, spec, nspec, gx, gy, 1);
}
/* the push constants' size checked against the kernel's block where both are constants */
#define blocked(rec, kernel, dtype, b, nb, pc, pc_size, spec, nspec, n) \
    blocked_k(rec, kernel, dtype, b, VTC_BIND_COUNT(kernel, nb), pc, VTC_PUSH_SIZE(kernel, pc_size), spec,\
                 VTC_SPEC_COUNT(kernel, nspec), n)

/* GPU variants (!cpu_variants): a workgroup per output tile or per token
   with the reduction inside it, so one query (C=1, N=576) still fills a GPU
   (576 scores workgroups, 16 workgroups of 256 lanes for A X and each
   projection at E=1024) instead of the few dozen register-blocked
   invocations above. */
#define GPU_QW CMP_GPU_QW                      /* compress_ax_gpu / compress_linear_gpu: column quads per workgroup */
#define GPU_TILE_WG (CMP_GPU_QW * CMP_GPU_KS)  /* ... times token / input slices */
#define GPU_SC_WG CMP_GPU_SC_WG                /* compress_scores_gpu: lanes splitting one token's E/4 quads (its LMAX) */

/* Rows per workgroup: up to 8 keeps the accumulators at 8 vec4 per lane
   (64-84 VGPRs on RDNA2/3); 4 when each column of a quad finds its own row
   (head widths not a multiple of 4): 8 rows x 4 row offsets take 120-128. */
static uint32_t gpu_rows(uint32_t R, uint32_t shared) { return R <= 1 ? 1u : R <= 4 || !shared ? 4u : 8u; }

static vtc_result gpu_tiles_k(vtc_recorder *rec, vtc_kernel kernel, uint32_t dtype, const vtc_bound *b, uint32_t nb,
                              const void *pc, uint32_t pc_size, const uint32_t *spec, uint32_t nspec, uint64_t groups)
{
    uint32_t gx, gy;
    vtc_grid_2d(vtc_rec_ctx(rec), groups, &gx, &gy);
    return vtc_dispatch_kernel(rec, kernel, dtype, b, nb, pc, pc_size, GPU_TILE_WG, spec, nspec, gx, gy, 1);
}
#define gpu_tiles(rec, kernel, dtype, b, nb, pc, pc_size, spec, nspec, groups) \
    gpu_tiles_k(rec, kernel, dtype, b, VTC_BIND_COUNT(kernel, nb), pc, VTC_PUSH_SIZE(kernel, pc_size), spec,\
                   VTC_SPEC_COUNT(kernel, nspec), groups)

/* Every input stride and width is a multiple of 4 (E is): the kernel reads
   rows as vec4. A block of LN_TQ output quads shares its input row unless the
   column groups (heads) are narrower than the block. */
static vtc_result linear(vtc_recorder *rec, uint32_t dtype, const vtc_bound *in, const vtc_bound *wt,
                         const vtc_bound *bias, const vtc_bound *out, const linear_pc *pc)
{
    vtc_bound b[4] = {*in, *wt, *bias, *out};
    uint32_t es = (dtype ? dtype : vtc_rec_float_dtype(rec)) == VTC_DTYPE_F16 ? 2u : 4u;
    if (!vtc_caps_of(vtc_rec_ctx(rec))->cpu_variants) {
        /* one input row per output quad; out's offset vec4-aligned; rows per workgroup */
        uint32_t sh = pc->in_gs == 0 || pc->ogroup % 4 == 0, rows = gpu_rows(pc->R, sh);
        uint32_t spec[3] = {VTC_SPEC(compress_linear_gpu, SHARED) = sh,
                            VTC_SPEC(compress_linear_gpu, O4A) = out->offset % (4 * es) == 0,
                            VTC_SPEC(compress_linear_gpu, RB) = rows};
        return gpu_tiles(rec, VTC_K_compress_linear_gpu, dtype, b, 4, pc, sizeof(*pc), spec, 3,
                         (uint64_t)pc->B * cdiv(pc->R, rows) * cdiv(pc->O / 4, GPU_QW));
    }
    /* one input row per column block; out's offset vec4-aligned; rows per invocation */
    uint32_t rb = pc->R <= 1 ? 1u : pc->R <= 4 ? 4u : LN_RB;
    uint32_t spec[3] = {
        VTC_SPEC(compress_linear, SHARED) = pc->in_gs == 0 || pc->ogroup == pc->O || pc->ogroup % (4 * LN_TQ) == 0,
        VTC_SPEC(compress_linear, O4A) = out->offset % (4 * es) == 0, VTC_SPEC(compress_linear, RB) = rb};
    uint64_t n = (uint64_t)pc->B * cdiv(pc->R, rb) * cdiv(pc->O / 4, LN_TQ);
    return blocked(rec, VTC_K_compress_linear, dtype, b, 4, pc, sizeof(*pc), spec, 3, n);
}

/* The logits pass: `n` CPU register blocks (invocations), or `n` GPU
   workgroups of spec[1] rows x spec[2] tokens (same bindings and push
   constants; the CPU kernel takes the first two spec constants). */
static vtc_result scores(vtc_recorder *rec, uint32_t dtype, const vtc_bound *b, const scores_pc *scp,
                         const uint32_t *spec, uint64_t n)
{
    if (vtc_caps_of(vtc_rec_ctx(rec))->cpu_variants)
        return blocked(rec, VTC_K_compress_scores, dtype, b, 5, scp, sizeof(*scp), spec, 2, n);
    uint32_t gx, gy;
    vtc_grid_2d(vtc_rec_ctx(rec), n, &gx, &gy);
    return vtc_dispatch(rec, VTC_K_compress_scores_gpu, dtype, b, 5, scp, sizeof(*scp), GPU_SC_WG, spec, 3, gx, gy, 1);
}

static void plan_scores(const vtc_caps *caps, compress_plan *cp)
{
    uint32_t QH = cp->weights->Q * cp->weights->H;
    cp->gpu = !caps->cpu_variants;
    /* LN statistics: inside the fast path's scores pass when each token is read
       by one row block (a second pass over x per row block costs more than
       this dispatch: c8-n576 55 -> 60 ms), else their own kernel */
    cp->sc_rows = QH <= 8 ? 8u : SC_RB;
    cp->stats_in_scores = cp->fast && QH <= cp->sc_rows;
    /* GPU: a scores workgroup holds its token's x in cache, so every row
       block computes the statistics again (one dispatch fewer; block 0 stores them) */
    if (cp->gpu) {
        cp->sc_rows = gpu_rows(QH, 1);
        cp->stats_in_scores = cp->fast;
    }
    /* CPU: invocations of RB rows x SC_TJ tokens; GPU: workgroups of RB rows x
       sc_gpu_tokens tokens, one token while a single row block (C=1) needs the
       workgroups, 4 when many row blocks each re-read the token's x */
    cp->sc_gpu_tokens = QH <= cp->sc_rows ? 1u : 4u;
    cp->sc_groups = (uint64_t)cp->B * cdiv(QH, cp->sc_rows) * cdiv(cp->N, cp->gpu ? cp->sc_gpu_tokens : SC_TJ);
}

/* What record()'s steps share: the plan, the call's tensors, the weight,
   table and scratch bindings, and the logits pass's spec constants. */
typedef struct compress_rec {
    vtc_context ctx;
    vtc_recorder *rec;
    const compress_plan *cp;
    const vtc_bound *t;
    vtc_bound ctxb, stats, logit;     /* scratch: ctx rows, LN statistics, logits */
    vtc_bound pb, posk;               /* the per-N tables */
    vtc_bound gkv, bkv;               /* gamma and beta of the key/value layer norm */
    uint32_t x4;                      /* x read as vec4 */
    uint32_t sc_spec[3];              /* {x vec4-aligned, rows per invocation, GPU: tokens} */
} compress_rec;

/* The input of the A X pass and where it writes (the path's). */
typedef struct compress_ax_io {
    vtc_bound in, out;
    ax_pc pc;
} compress_ax_io;

/* LN statistics of every token of x, in their own pass. */
static vtc_result record_ln_stats(const compress_rec *s)
{
    const compress_plan *cp = s->cp;
    struct { uint32_t rows, E; float eps; } sp = {cp->B * cp->N, cp->weights->E, CMP_LN_EPS};
    vtc_bound b_st[2] = {s->t[T_X], s->stats};
    uint32_t gx, gy;
    if (cp->gpu) {
        vtc_grid_2d(s->ctx, (uint64_t)cp->B * cp->N, &gx, &gy);
        return vtc_dispatch(s->rec, VTC_K_compress_ln_stats_gpu, 0, b_st, 2, &sp, sizeof(sp), GPU_SC_WG, NULL, 0, gx, gy,
                            1);
    }
    vtc_grid_for(s->ctx, (uint64_t)cp->B * cp->N, &gx, &gy);
    return vtc_dispatch(s->rec, VTC_K_compress_ln_stats, 0, b_st, 2, &sp, sizeof(sp), VTC_WG, NULL, 0, gx, gy, 1);
}

/* Fast path: logits from x through the folded key weights; A X then reads x
   into Y = A X per (query, head). */
static vtc_result record_logits_fast(const compress_rec *s, const scores_pc *scp, compress_ax_io *ax)
{
    const compress_plan *cp = s->cp;
    const struct vtc_weights_t *w = cp->weights;
    uint32_t B = cp->B, N = cp->N, E = w->E, QH = w->Q * w->H;
    vtc_bound b_sc[5] = {s->t[T_X], wslice(w, W_WG), s->stats, s->pb, s->logit};
    vtc_result r = scores(s->rec, 0, b_sc, scp, s->sc_spec, cp->sc_groups);
    ax->in = s->t[T_X];
    ax->out = vtc_scratch_slice(s->rec, cp->layout.ax_off, cp->layout.ax_bytes);
    ax->pc = (ax_pc){B, N, E, QH, QH, 1, 0, E, 1};
    return r;
}

/* Reference path: X and X + pos_k, their k and v projections, logits from
   k and the scaled queries; A X then reads v into the ctx rows. */
static vtc_result record_logits_reference(const compress_rec *s, scores_pc scp, compress_ax_io *ax)
{
    const compress_plan *cp = s->cp;
    const struct vtc_weights_t *w = cp->weights;
    const compress_layout *l = &cp->layout;
    uint32_t B = cp->B, N = cp->N, E = w->E, Q = w->Q, H = w->H, QH = Q * H;
    const uint32_t F32 = VTC_DTYPE_F32;
    vtc_bound X = vtc_scratch_slice(s->rec, l->x_off[0], l->x_bytes);
    vtc_bound Xk = vtc_scratch_slice(s->rec, l->x_off[1], l->x_bytes);
    vtc_bound K = vtc_scratch_slice(s->rec, l->x_off[2], l->x_bytes);
    vtc_bound V = vtc_scratch_slice(s->rec, l->x_off[3], l->x_bytes);
    struct { uint32_t B, N, E; } ap = {B, N, E};
    vtc_bound b_ap[7] = {s->t[T_X], s->stats, s->gkv, s->bkv, s->posk, X, Xk};
    uint32_t gx, gy;
    vtc_result r;
    vtc_grid_for(s->ctx, (uint64_t)B * N * E, &gx, &gy);
    if ((r = vtc_dispatch(s->rec, VTC_K_compress_ln_apply, 0, b_ap, 7, &ap, sizeof(ap), VTC_WG, NULL, 0, gx, gy, 1)))
        return r;
    linear_pc kp = {1, B * N, E, E, 0, E, 0, E, 0, E};
    vtc_bound wk = wslice(w, W_WKT), bk = wslice(w, W_BK), wv = wslice(w, W_WVT), bv = wslice(w, W_BV);
    if ((r = linear(s->rec, F32, &Xk, &wk, &bk, &K, &kp)) || (r = linear(s->rec, F32, &X, &wv, &bv, &V, &kp)))
        return r;
    scp.use_stats = 0;
    scp.use_pb = 0;
    vtc_bound b_sc[5] = {K, wslice(w, W_WQS), s->stats, s->pb, s->logit};
    if ((r = scores(s->rec, F32, b_sc, &scp, s->sc_spec, cp->sc_groups)))
        return r;
    ax->in = V;
    ax->out = s->ctxb; /* the head owning column f picks its attention row: concat_h(A_h v_h) directly */
    ax->pc = (ax_pc){B, N, E, Q, QH, H, 1, w->dh, 0};
    return VTC_SUCCESS;
}

/* Softmax of every logit row, then (when asked for) their mean over heads
   into attn_mean. */
static vtc_result record_softmax(const compress_rec *s)
{
    const compress_plan *cp = s->cp;
    uint32_t B = cp->B, N = cp->N, Q = cp->weights->Q, H = cp->weights->H, QH = Q * H;
    struct { uint32_t rows, N; } smp = {B * QH, N};
    uint32_t gx, gy;
    vtc_result r;
    if (cp->gpu) {
        vtc_grid_2d(s->ctx, (uint64_t)B * QH, &gx, &gy); /* a workgroup per row */
        r = vtc_dispatch(s->rec, VTC_K_compress_softmax_gpu, VTC_DTYPE_F32, &s->logit, 1, &smp, sizeof(smp), VTC_WG,
                         NULL, 0, gx, gy, 1);
    } else {
        vtc_grid_for(s->ctx, (uint64_t)B * QH, &gx, &gy);
        r = vtc_dispatch(s->rec, VTC_K_compress_softmax, VTC_DTYPE_F32, &s->logit, 1, &smp, sizeof(smp), VTC_WG, NULL,
                         0, gx, gy, 1);
    }
    if (r || !s->t[T_ATTN].present)
        return r;
    struct { uint32_t B, Q, H, N; } mp = {B, Q, H, N};
    vtc_bound b_m[2] = {s->logit, s->t[T_ATTN]};
    vtc_grid_for(s->ctx, (uint64_t)B * Q * N, &gx, &gy);
    return vtc_dispatch(s->rec, VTC_K_compress_attn_mean, s->t[T_ATTN].dtype, b_m, 2, &mp, sizeof(mp), VTC_WG, NULL, 0,
                        gx, gy, 1);
}

/* A X: the attention rows times the path's input. */
static vtc_result record_ax(const compress_rec *s, const compress_ax_io *ax)
{
    const compress_plan *cp = s->cp;
    uint32_t B = cp->B, N = cp->N, E = cp->weights->E;
    uint32_t dtype = cp->fast ? 0 : VTC_DTYPE_F32;
    const ax_pc *axp = &ax->pc;
    vtc_bound b_ax[6] = {s->logit, ax->in, s->stats, s->gkv, s->bkv, ax->out};
    if (cp->gpu) {
        /* {a quad's columns share their A row, x vec4-aligned, rows per workgroup} */
        uint32_t rows = gpu_rows(axp->R, axp->fgroup % 4 == 0);
        uint32_t spec[3] = {VTC_SPEC(compress_ax_gpu, SHARED) = axp->fgroup % 4 == 0,
                            VTC_SPEC(compress_ax_gpu, X4) = s->x4, VTC_SPEC(compress_ax_gpu, RB) = rows};
        return gpu_tiles(s->rec, VTC_K_compress_ax_gpu, dtype, b_ax, 6, axp, sizeof(*axp), spec, 3,
                         (uint64_t)B * cdiv(axp->R, rows) * cdiv(E / 4, GPU_QW));
    }
    /* {A rows vec4-aligned, one A row per invocation's column block, x vec4-aligned, rows per invocation} */
    uint32_t ax_rb = axp->R <= 1 ? 1u : axp->R <= 8 ? 8u : AX_RB;
    uint32_t ax_spec[4] = {VTC_SPEC(compress_ax, A4) = N % 4 == 0,
                           VTC_SPEC(compress_ax, SHARED) = axp->fgroup == E || axp->fgroup % (4 * AX_TQ) == 0,
                           VTC_SPEC(compress_ax, X4) = s->x4, VTC_SPEC(compress_ax, RB) = ax_rb};
    return blocked(s->rec, VTC_K_compress_ax, dtype, b_ax, 6, axp, sizeof(*axp), ax_spec, 4,
                   (uint64_t)B * cdiv(axp->R, ax_rb) * cdiv(E / 4, AX_TQ));
}

static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    const compress_plan *cp = VTC_PLAN_OF_CONST(pl, compress_plan);
    const struct vtc_weights_t *w = cp->weights;
    const compress_layout *l = &cp->layout;
    uint32_t B = cp->B, N = cp->N, fast = (uint32_t)cp->fast;
    uint32_t Q = w->Q, H = w->H, E = w->E, QH = Q * H, dh = w->dh;
    const vtc_prep *p = cp->prep;
    /* x read as vec4 when its binding offset allows (scratch slices always do) */
    uint32_t x4 = !fast || t[T_X].offset % (4u * (vtc_rec_float_dtype(rec) == VTC_DTYPE_F16 ? 2u : 4u)) == 0;
    /* the CPU kernel reads the first two, numbered as the GPU kernel's */
    _Static_assert(VTC_KSPEC_compress_scores_X4 == VTC_KSPEC_compress_scores_gpu_X4 &&
                       VTC_KSPEC_compress_scores_RB == VTC_KSPEC_compress_scores_gpu_RB,
                   "compress_scores and compress_scores_gpu share one spec array");
    compress_rec s = {
        .ctx = ctx, .rec = rec, .cp = cp, .t = t,
        .ctxb = vtc_scratch_slice(rec, l->ctx_off, l->ctx_bytes),
        .stats = vtc_scratch_slice(rec, l->stats_off, l->stats_bytes),
        .logit = vtc_scratch_slice(rec, l->logit_off, l->logit_bytes),
        .pb = pslice(p, 0, (VkDeviceSize)QH * N * 4),
        .posk = pslice(p, p->off_posk, (VkDeviceSize)N * E * 4),
        .gkv = wslice(w, W_GKV),
        .bkv = wslice(w, W_BKV),
        .x4 = x4,
        .sc_spec = {VTC_SPEC(compress_scores_gpu, X4) = x4, VTC_SPEC(compress_scores_gpu, RB) = cp->sc_rows,
                    VTC_SPEC(compress_scores_gpu, TJ) = cp->sc_gpu_tokens},
    };
    scores_pc scp = {B, N, E, QH, cp->stats_in_scores ? 2u : 1u, 1, CMP_LN_EPS};
    compress_ax_io ax;
    vtc_result r;
    if (!cp->stats_in_scores && (r = record_ln_stats(&s)))
        return r;
    r = fast ? record_logits_fast(&s, &scp, &ax) : record_logits_reference(&s, scp, &ax);
    if (r || (r = record_softmax(&s)) || (r = record_ax(&s, &ax)))
        return r;
    if (fast) {
        /* values: head h of query i reads its own A X row */
        linear_pc vp = {B, Q, E, E, QH * E, H * E, E, dh, Q * E, E};
        vtc_bound wv = wslice(w, W_WVT), bv = wslice(w, W_BV);
        if ((r = linear(rec, VTC_DTYPE_F32, &ax.out, &wv, &bv, &s.ctxb, &vp)))
            return r;
    }
    linear_pc op = {B, Q, E, E, Q * E, E, 0, E, Q * E, E};
    vtc_bound wo = wslice(w, W_WOT), bo = wslice(w, W_BO);
    return linear(rec, 0, &s.ctxb, &wo, &bo, &t[T_OUT], &op);
}

/* The per-N tables, before anything is recorded (a new N in record mode
   allocates here, never in the middle of the host's command buffer). */
static vtc_result prepare(vtc_context ctx, vtc_plan *pl)
{
    compress_plan *cp = VTC_PLAN_OF(pl, compress_plan);
    struct vtc_weights_t *w = cp->weights;
    vtc_result r = vtc_compress_weights_prepare(ctx, w, cp->N);
    if (r)
        return r;
    cp->prep = prep_find(w, cp->N);
    return VTC_SUCCESS;
}

const vtc_op_def vtc_op_compress_def = {&vtc_op_compress_desc, .plan = plan, .record = record, .prepare = prepare,
                                        .context_destroy = weights_destroy_all};
