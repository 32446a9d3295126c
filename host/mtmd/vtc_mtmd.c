#include "vtc_mtmd.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static vtc_tensor host_tensor(const float *p, uint32_t dtype, uint32_t ndim, const int64_t *shape)
{
    vtc_tensor t = {.size = sizeof(t), .dtype = dtype, .ndim = ndim, .host = (void *)p}; /* vtc only reads inputs */
    memcpy(t.shape, shape, sizeof(int64_t) * ndim);
    return t;
}

/* A [B][rows][width] view into larger frames: `frame` elements from one frame to
   the next, `row` from one row to the next, each row dense. */
static void strided_rows(vtc_tensor *t, int64_t frame, int64_t row)
{
    t->stride[0] = frame;
    t->stride[1] = row;
    t->stride[2] = 1;
}

static uint32_t tokens_per_frame(const vtc_mtmd_grid *g)
{
    return (g->has_cls ? 1u : 0u) + g->grid_h * g->grid_w;
}

static int grid_ok(const vtc_mtmd_grid *g)
{
    return g && g->n_frames && g->grid_h && g->grid_w && g->has_cls <= 1 && g->cls_last <= g->has_cls;
}

/* The CLS row of a frame, or -1 without one. */
static int32_t cls_row(const vtc_mtmd_grid *g)
{
    return !g->has_cls ? -1 : g->cls_last ? (int32_t)(g->grid_h * g->grid_w) : 0;
}

/* Row of a frame's first patch: patches follow a leading CLS row. */
static int32_t patch_base(const vtc_mtmd_grid *g)
{
    return g->has_cls && !g->cls_last ? 1 : 0;
}

/* The budget a frame can actually hold: asking for more keeps every token. */
static uint32_t budget(const vtc_mtmd_grid *g, uint32_t tokens)
{
    uint32_t n = tokens_per_frame(g), cls = g->has_cls ? 1u : 0u;
    if (tokens > n)
        tokens = n;
    return tokens > cls ? tokens : cls;
}

uint32_t vtc_mtmd_visionzip_count(const vtc_mtmd_grid *grid, uint32_t tokens)
{
    if (!grid || !grid->grid_h || !grid->grid_w)
        return 0;
    uint64_t n = (uint64_t)grid->n_frames * budget(grid, tokens);
    return n > UINT32_MAX ? 0 : (uint32_t)n;
}

static void place(const vtc_mtmd_grid *g, int32_t index, vtc_mtmd_token *t)
{
    int32_t p = index == cls_row(g) ? -1 : index - patch_base(g);
    t->index = index;
    t->row = p < 0 ? -1 : p / (int32_t)g->grid_w;
    t->col = p < 0 ? -1 : p % (int32_t)g->grid_w;
}

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1f, m = h & 0x3ff, bits;
    if (e == 0x1f) {
        bits = sign | 0x7f800000u | (m << 13);
    } else if (e) {
        bits = sign | ((e + 112) << 23) | (m << 13);
    } else if (!m) {
        bits = sign;
    } else { /* subnormal: renormalise into a float exponent */
        e = 113;
        while (!(m & 0x400)) {
            m <<= 1;
            e--;
        }
        bits = sign | (e << 23) | ((m & 0x3ff) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof(f));
    return f;
}

/* The desc fields appended after `metric`, as zero when the host's struct ends before them. */
static vtc_mtmd_visionzip_desc desc_full(const vtc_mtmd_visionzip_desc *d)
{
    vtc_mtmd_visionzip_desc f;
    memset(&f, 0, sizeof(f));
    size_t n = d->size ? d->size : sizeof(f);
    memcpy(&f, d, n < sizeof(f) ? n : sizeof(f));
    return f;
}

/* Head mean of k rows first..first+N-1 of every frame, as [B][N][dh] float:
   VisionZip's metric when the embeddings and the score rows differ (vtc
   computes it itself only for k with the embeddings' own rows). */
static float *key_mean(const vtc_mtmd_visionzip_desc *d, int64_t B, int64_t N, int64_t Ns)
{
    int64_t H = d->heads, dh = d->head_dim;
    float *m = malloc(sizeof(float) * (size_t)(B * N * dh));
    if (!m)
        return NULL;
    for (int64_t b = 0; b < B; b++)
        for (int64_t e = 0; e < N; e++) {
            float *o = m + (size_t)((b * N + e) * dh);
            size_t row = (size_t)((b * Ns + d->score_first + e) * H * dh);
            for (int64_t j = 0; j < dh; j++) {
                float acc = 0.0f;
                for (int64_t h = 0; h < H; h++) {
                    size_t at = row + (size_t)(h * dh + j);
                    acc += d->qk_dtype == VTC_DTYPE_F16 ? half_to_float(((const uint16_t *)(const void *)d->k)[at])
                                                        : d->k[at];
                }
                o[j] = acc / (float)H;
            }
        }
    return m;
}

/* A desc that cannot describe the encoder's tensors for N embedding rows per frame. */
static int desc_invalid(const vtc_mtmd_visionzip_desc *desc, int64_t N)
{
    uint32_t dt = desc->qk_dtype ? desc->qk_dtype : VTC_DTYPE_F32;
    int64_t Ns = desc->score_tokens ? desc->score_tokens : N;
    int64_t as = desc->attn_stride ? (int64_t)desc->attn_stride : Ns;
    int attn_mode = desc->score_mode == VTC_SCORE_ATTN_CLS;
    return (dt != VTC_DTYPE_F32 && dt != VTC_DTYPE_F16) || (int64_t)desc->score_first + N > Ns || as < Ns ||
           (desc->score_tokens && desc->score_mode == VTC_SCORE_QK_CLS && (int64_t)desc->score_cls >= Ns) ||
           (desc->score_mode > VTC_SCORE_QK_MEAN) || (attn_mode && !desc->attn) ||
           (!attn_mode && (!desc->q || !desc->k)) || !desc->heads || (!attn_mode && !desc->head_dim) ||
           (desc->metric && !desc->metric_dim);
}

/* The encoder's tensors as they lie (their rows are the embeddings'): VisionZip scores them itself. */
static void encoder_scores(const vtc_mtmd_visionzip_desc *desc, int64_t B, int64_t N, const vtc_tensor *t_attn,
                           const vtc_tensor *t_q, const vtc_tensor *t_k, vtc_visionzip_args *a)
{
    int attn_mode = desc->score_mode == VTC_SCORE_ATTN_CLS;
    a->score_mode = desc->score_mode;
    if (attn_mode) {
        a->attn = *t_attn;
    } else {
        a->q = *t_q;
        a->k = *t_k;
    }
    int64_t sh_m[3] = {B, N, desc->metric_dim};
    if (desc->metric)
        a->metric = host_tensor(desc->metric, VTC_DTYPE_F32, 3, sh_m);
    else if (!(desc->flags & VTC_MTMD_KEY_METRIC) || attn_mode)
        a->metric = a->hidden;
    /* else left absent: vtc takes the head mean of k */
}

/* Score rows other than the embeddings' (or half q/k with float embeddings: one
   call's float tensors share one dtype): the scores first, into `*score`, then
   VisionZip reads them as one head of CLS attention over the embeddings' rows.
   Sets a's scores and metric; `*score` and `*kmean` are the caller's to free. */
static vtc_result score_then_select(const vtc_api_v1 *api, vtc_context ctx, const vtc_mtmd_visionzip_desc *desc,
                                    int64_t B, int64_t N, int64_t Ns, const vtc_tensor *t_attn, const vtc_tensor *t_q,
                                    const vtc_tensor *t_k, vtc_visionzip_args *a, float **score, float **kmean)
{
    int attn_mode = desc->score_mode == VTC_SCORE_ATTN_CLS;
    vtc_scores_args s = {.size = sizeof(s), .mode = desc->score_mode, .scale = desc->scale};
    if (desc->score_mode == VTC_SCORE_QK_CLS)
        s.cls_index = desc->score_tokens ? desc->score_cls : a->cls_index;
    if (attn_mode)
        s.attn = *t_attn;
    else {
        s.q = *t_q;
        s.k = *t_k;
    }
    int64_t sh_sc[2] = {B, Ns};
    if (!(*score = malloc(sizeof(float) * (size_t)(B * Ns))))
        return VTC_ERROR_OUT_OF_MEMORY;
    s.score = host_tensor(*score, VTC_DTYPE_F32, 2, sh_sc);
    vtc_result r = api->scores(ctx, &s, NULL);
    if (r)
        return r;
    /* one head holding the scores: ATTN_CLS sums heads, so the sum is the score itself;
       a strided view picks each frame's rows that have an embedding */
    int64_t sh_1[3] = {B, 1, N};
    a->score_mode = VTC_SCORE_ATTN_CLS;
    a->attn = host_tensor(*score + desc->score_first, VTC_DTYPE_F32, 3, sh_1);
    strided_rows(&a->attn, Ns, N);
    if (desc->metric) {
        int64_t Dm = desc->metric_dim, sh_m[3] = {B, N, Dm};
        a->metric = host_tensor(desc->metric + (size_t)desc->score_first * (size_t)Dm, VTC_DTYPE_F32, 3, sh_m);
        strided_rows(&a->metric, Ns * Dm, Dm);
    } else if ((desc->flags & VTC_MTMD_KEY_METRIC) && !attn_mode) {
        int64_t sh_m[3] = {B, N, desc->head_dim};
        if (!(*kmean = key_mean(desc, B, N, Ns)))
            return VTC_ERROR_OUT_OF_MEMORY;
        a->metric = host_tensor(*kmean, VTC_DTYPE_F32, 3, sh_m);
    } else {
        a->metric = a->hidden;
    }
    return VTC_SUCCESS;
}

/* The token records of `count` kept rows, `rows` a frame, from their source rows. */
static void write_tokens(const vtc_mtmd_grid *grid, const int32_t *src, uint32_t count, uint32_t rows, uint32_t dom,
                         vtc_mtmd_token *out_tok)
{
    uint32_t cls = grid->has_cls;
    int32_t crow = cls_row(grid);
    for (uint32_t i = 0; out_tok && i < count; i++) {
        uint32_t slot = i % rows;
        place(grid, src[i], &out_tok[i]);
        out_tok[i].frame = (int32_t)(i / rows);
        /* kept rows are ascending, so CLS is wherever its row falls among them */
        out_tok[i].kind = slot >= cls + dom ? VTC_MTMD_CONTEXTUAL
                          : src[i] == crow  ? VTC_MTMD_CLS
                                            : VTC_MTMD_DOMINANT;
    }
}

vtc_result vtc_mtmd_visionzip(const vtc_api_v1 *api, vtc_context ctx, const vtc_mtmd_grid *grid, uint32_t n_embd,
                              const float *embd, const vtc_mtmd_visionzip_desc *desc_in, float *out_embd,
                              vtc_mtmd_token *out_tok, uint32_t capacity, uint32_t *n_out)
{
    if (!api || !grid_ok(grid) || !embd || !desc_in || !out_embd || !n_out || !n_embd ||
        (desc_in->size && desc_in->size < offsetof(vtc_mtmd_visionzip_desc, qk_dtype)))
        return VTC_ERROR_INVALID_ARGUMENT;
    vtc_mtmd_visionzip_desc d = desc_full(desc_in);
    const vtc_mtmd_visionzip_desc *desc = &d;
    uint32_t count = vtc_mtmd_visionzip_count(grid, desc->tokens);
    if (!count || capacity < count)
        return VTC_ERROR_INVALID_ARGUMENT;
    uint32_t cls = grid->has_cls, rows = budget(grid, desc->tokens), dom = 0, ctxt = 0;
    int32_t crow = cls_row(grid);
    api->token_split(rows, cls, &dom, &ctxt);
    int64_t B = grid->n_frames, N = tokens_per_frame(grid), D = n_embd;
    int self = (desc->flags & VTC_MTMD_SELF_SCORES) != 0;
    uint32_t dt = desc->qk_dtype ? desc->qk_dtype : VTC_DTYPE_F32;
    int64_t Ns = desc->score_tokens ? desc->score_tokens : N;
    int64_t as = desc->attn_stride ? (int64_t)desc->attn_stride : Ns;
    /* self scores: the scores kernels take heads up to 256 wide, so a wider
       embedding (every LLM's) is read as heads of 64 */
    int64_t self_dh = D <= 256 ? D : 64;
    if ((self && D % self_dh) || (!self && desc_invalid(desc, N)))
        return VTC_ERROR_INVALID_ARGUMENT;
    int mapped = !self && (Ns != N || desc->score_first || dt == VTC_DTYPE_F16);

    vtc_visionzip_args a = {.size = sizeof(a), .dominant = dom, .contextual = ctxt, .no_cls = cls ? 0 : 1,
                            .cls_index = crow < 0 ? 0 : (uint32_t)crow, .scale = desc->scale};
    int64_t sh_h[3] = {B, N, D};
    a.hidden = host_tensor(embd, VTC_DTYPE_F32, 3, sh_h);
    float *score = NULL, *kmean = NULL;
    int32_t *src = NULL;
    vtc_result r = VTC_SUCCESS;
    int64_t sh_a[3] = {B, desc->heads, Ns}, sh_q[4] = {B, Ns, desc->heads, desc->head_dim};
    vtc_tensor t_attn = host_tensor(desc->attn, dt, 3, sh_a), t_q = host_tensor(desc->q, dt, 4, sh_q),
               t_k = host_tensor(desc->k, dt, 4, sh_q);
    if (as != Ns)
        strided_rows(&t_attn, (int64_t)desc->heads * as, as);
    if (self) {
        /* the embeddings attend to themselves: one head as wide as the
           embedding, or n_embd / 64 heads of 64 past 256 */
        int64_t sh_s[4] = {B, N, D / self_dh, self_dh};
        a.score_mode = cls ? VTC_SCORE_QK_CLS : VTC_SCORE_QK_MEAN;
        a.q = host_tensor(embd, VTC_DTYPE_F32, 4, sh_s);
        a.k = a.q;
        a.metric = a.hidden;
    } else if (!mapped) {
        encoder_scores(desc, B, N, &t_attn, &t_q, &t_k, &a);
    } else if ((r = score_then_select(api, ctx, desc, B, N, Ns, &t_attn, &t_q, &t_k, &a, &score, &kmean))) {
        goto done;
    }
    if (!(src = malloc(sizeof(int32_t) * (size_t)count))) {
        r = VTC_ERROR_OUT_OF_MEMORY;
        goto done;
    }
    int64_t sh_o[3] = {B, rows, D}, sh_s[2] = {B, rows};
    a.out = host_tensor(out_embd, VTC_DTYPE_F32, 3, sh_o);
    a.src_idx = host_tensor(NULL, VTC_DTYPE_I32, 2, sh_s);
    a.src_idx.host = src;
    r = api->visionzip(ctx, &a, NULL);
    if (r == VTC_SUCCESS) {
        write_tokens(grid, src, count, rows, dom, out_tok);
        *n_out = count;
    }
done:
    free(src);
    free(score);
    free(kmean);
    return r;
}

vtc_result vtc_mtmd_compress(const vtc_api_v1 *api, vtc_context ctx, vtc_weights w, uint32_t query_side,
                             const vtc_mtmd_grid *grid, uint32_t n_embd, const float *embd, float *out_embd,
                             vtc_mtmd_token *out_tok, uint32_t capacity, uint32_t *n_out)
{
    if (!api || !grid_ok(grid) || !embd || !out_embd || !n_out || !n_embd || !query_side)
        return VTC_ERROR_INVALID_ARGUMENT;
    uint64_t Q = (uint64_t)query_side * query_side, count = grid->n_frames * Q;
    if (count > capacity)
        return VTC_ERROR_INVALID_ARGUMENT;
    int64_t B = grid->n_frames, N = tokens_per_frame(grid), P = (int64_t)grid->grid_h * grid->grid_w, E = n_embd;
    vtc_compress_args a = {.size = sizeof(a), .path = VTC_COMPRESS_FAST, .weights = w};
    /* the patch tokens only: a strided view that skips each frame's CLS row, no copy */
    int64_t sh_x[3] = {B, P, E}, sh_o[3] = {B, (int64_t)Q, E};
    a.x = host_tensor(embd + patch_base(grid) * E, VTC_DTYPE_F32, 3, sh_x);
    strided_rows(&a.x, N * E, E);
    a.out = host_tensor(out_embd, VTC_DTYPE_F32, 3, sh_o);
    vtc_result r = api->compress(ctx, &a, NULL);
    if (r == VTC_SUCCESS) {
        for (uint64_t i = 0; out_tok && i < count; i++) {
            uint32_t q = (uint32_t)(i % Q);
            out_tok[i].index = -1;
            out_tok[i].row = (int32_t)(q / query_side);
            out_tok[i].col = (int32_t)(q % query_side);
            out_tok[i].frame = (int32_t)(i / Q);
            out_tok[i].kind = VTC_MTMD_QUERY;
        }
        *n_out = (uint32_t)count;
    }
    return r;
}

uint32_t vtc_mtmd_pos_mrope(const vtc_mtmd_token *tok, uint32_t n, uint32_t grid_h, uint32_t grid_w, int32_t pos_0,
                            int32_t *pos)
{
    uint32_t frames = 0;
    for (uint32_t i = 0; i < n; i++) {
        int cls = tok[i].row < 0 || tok[i].col < 0;
        pos[i] = pos_0 + tok[i].frame;
        pos[n + i] = pos_0 + (cls ? 0 : tok[i].row);
        pos[2 * n + i] = pos_0 + (cls ? 0 : tok[i].col);
        pos[3 * n + i] = 0;
        if ((uint32_t)tok[i].frame + 1 > frames)
            frames = (uint32_t)tok[i].frame + 1;
    }
    uint32_t adv = frames > grid_h ? frames : grid_h;
    return adv > grid_w ? adv : grid_w;
}

/* Kept and contextual rows per frame for a request, or -1 when invalid. */
static int prune_split(const vtc_mtmd_grid *g, const vtc_mtmd_prune_desc *d, uint32_t *keep, uint32_t *ctxt)
{
    if (!grid_ok(g) || !d || (d->size && d->size < sizeof(*d)) ||
        d->mode > VTC_PRUNE_DART || (d->mode == VTC_PRUNE_DIVPRUNE && d->pivots))
        return -1;
    uint64_t P = (uint64_t)g->grid_h * g->grid_w, K = d->tokens;
    if (!K) {
        if (!(d->prune_rate >= 0.0f && d->prune_rate < 1.0f))
            return -1;
        K = P - (uint64_t)((double)P * d->prune_rate);
    }
    if (K > P)
        K = P;
    uint64_t C = d->contextual < P - K ? d->contextual : P - K;
    uint64_t rows = (uint64_t)g->has_cls + K + C;
    if (P > UINT32_MAX || rows * g->n_frames > UINT32_MAX)
        return -1;
    *keep = (uint32_t)K;
    *ctxt = (uint32_t)C;
    return 0;
}

uint32_t vtc_mtmd_prune_count(const vtc_mtmd_grid *grid, const vtc_mtmd_prune_desc *desc)
{
    uint32_t K, C;
    if (prune_split(grid, desc, &K, &C))
        return 0;
    return grid->n_frames * (grid->has_cls + K + C);
}

vtc_result vtc_mtmd_prune(const vtc_api_v1 *api, vtc_context ctx, const vtc_mtmd_grid *grid, uint32_t n_embd,
                          const float *embd, const vtc_mtmd_prune_desc *desc, float *out_embd,
                          vtc_mtmd_token *out_tok, uint32_t capacity, uint32_t *n_out)
{
    uint32_t K, C;
    if (!api || !embd || !out_embd || !n_out || !n_embd || prune_split(grid, desc, &K, &C))
        return VTC_ERROR_INVALID_ARGUMENT;
    if (api->size < offsetof(vtc_api_v1, prune) + sizeof(api->prune) || !api->prune)
        return VTC_ERROR_UNSUPPORTED; /* a plugin older than the prune op */
    uint32_t count = vtc_mtmd_prune_count(grid, desc), cls = grid->has_cls, rows = cls + K + C, sel = K + C;
    if (capacity < count)
        return VTC_ERROR_INVALID_ARGUMENT;
    int64_t B = grid->n_frames, N = tokens_per_frame(grid), P = N - cls, D = n_embd;
    float *tmp = malloc(sizeof(float) * (size_t)(B * (sel ? sel : 1) * D));
    int32_t *src = malloc(sizeof(int32_t) * (size_t)(B * (sel ? sel : 1)));
    if (!tmp || !src) {
        free(tmp);
        free(src);
        return VTC_ERROR_OUT_OF_MEMORY;
    }
    vtc_result r = VTC_SUCCESS;
    if (sel > 0) {
        vtc_prune_args a = {.size = sizeof(a), .mode = desc->mode, .keep = K, .contextual = C, .pivots = desc->pivots};
        /* the patch rows only: a strided view that skips each frame's CLS row (staging packs it) */
        int64_t sh_h[3] = {B, P, D}, sh_o[3] = {B, sel, D}, sh_s[2] = {B, sel};
        a.hidden = host_tensor(embd + patch_base(grid) * D, VTC_DTYPE_F32, 3, sh_h);
        if (cls)
            strided_rows(&a.hidden, N * D, D);
        a.out = host_tensor(tmp, VTC_DTYPE_F32, 3, sh_o);
        a.src_idx = host_tensor(NULL, VTC_DTYPE_I32, 2, sh_s);
        a.src_idx.host = src;
        r = api->prune(ctx, &a, NULL);
    }
    if (r == VTC_SUCCESS) {
        /* output slot of the CLS row: its ascending place among the kept rows */
        uint32_t cslot = grid->cls_last ? K : 0, first = grid->cls_last ? 0 : cls;
        int32_t crow = cls_row(grid);
        for (int64_t b = 0; b < B; b++) {
            float *o = out_embd + (size_t)(b * rows) * D;
            vtc_mtmd_token *t = out_tok ? out_tok + b * rows : NULL;
            const float *kept = tmp + (size_t)(b * sel) * D;
            memcpy(o + (size_t)first * D, kept, sizeof(float) * (size_t)K * D);
            memcpy(o + (size_t)(cls + K) * D, kept + (size_t)K * D, sizeof(float) * (size_t)C * D);
            for (uint32_t i = 0; t && i < sel; i++) {
                uint32_t slot = i < K ? first + i : cls + i;
                place(grid, src[b * sel + i] + patch_base(grid), &t[slot]);
                t[slot].frame = (int32_t)b;
                t[slot].kind = i < K ? VTC_MTMD_DOMINANT : VTC_MTMD_CONTEXTUAL;
            }
            if (cls) {
                memcpy(o + (size_t)cslot * D, embd + (size_t)(b * N + crow) * D, sizeof(float) * (size_t)D);
                if (t) {
                    place(grid, crow, &t[cslot]);
                    t[cslot].frame = (int32_t)b;
                    t[cslot].kind = VTC_MTMD_CLS;
                }
            }
        }
        *n_out = count;
    }
    free(tmp);
    free(src);
    return r;
}

uint32_t vtc_mtmd_positions(const vtc_mtmd_token *tok, uint32_t n, const vtc_mtmd_grid *grid, uint32_t rule,
                            uint32_t mrope, int32_t pos_0, int32_t *pos)
{
    if (!grid || (n && (!tok || !pos)) || rule > VTC_MTMD_POS_COMPACT || mrope > 1)
        return 0;
    if (rule == VTC_MTMD_POS_COMPACT) {
        for (uint32_t i = 0; i < n; i++) {
            pos[i] = pos_0 + (int32_t)i;
            if (mrope) {
                pos[n + i] = pos[2 * n + i] = pos_0 + (int32_t)i;
                pos[3 * n + i] = 0;
            }
        }
        return n;
    }
    if (mrope)
        return vtc_mtmd_pos_mrope(tok, n, grid->grid_h, grid->grid_w, pos_0, pos);
    uint32_t per = tokens_per_frame(grid);
    for (uint32_t i = 0; i < n; i++)
        pos[i] = pos_0 + tok[i].frame * (int32_t)per + tok[i].index;
    return grid->n_frames * per;
}
