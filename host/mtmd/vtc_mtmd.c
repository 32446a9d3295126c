#include "vtc_mtmd.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static vtc_tensor host_tensor(const float *p, uint32_t dtype, uint32_t ndim, const int64_t *shape)
{
    vtc_tensor t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    t.dtype = dtype;
    t.ndim = ndim;
    for (uint32_t i = 0; i < ndim; i++)
        t.shape[i] = shape[i];
    t.host = (void *)p; /* vtc only reads input tensors */
    return t;
}

static uint32_t tokens_per_frame(const vtc_mtmd_grid *g)
{
    return (g->has_cls ? 1u : 0u) + g->grid_h * g->grid_w;
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
    int32_t p = index - (g->has_cls ? 1 : 0);
    t->index = index;
    t->row = p < 0 ? -1 : p / (int32_t)g->grid_w;
    t->col = p < 0 ? -1 : p % (int32_t)g->grid_w;
}

vtc_result vtc_mtmd_visionzip(const vtc_api_v1 *api, vtc_context ctx, const vtc_mtmd_grid *grid, uint32_t n_embd,
                              const float *embd, const vtc_mtmd_visionzip_desc *desc, float *out_embd,
                              vtc_mtmd_token *out_tok, uint32_t capacity, uint32_t *n_out)
{
    if (!api || !grid || !embd || !desc || !out_embd || !n_out || !n_embd || !grid->n_frames || !grid->grid_h ||
        !grid->grid_w || grid->has_cls > 1 || (desc->size && desc->size < sizeof(*desc)))
        return VTC_ERROR_INVALID_ARGUMENT;
    uint32_t count = vtc_mtmd_visionzip_count(grid, desc->tokens);
    if (!count || capacity < count)
        return VTC_ERROR_INVALID_ARGUMENT;
    uint32_t cls = grid->has_cls, rows = budget(grid, desc->tokens), dom = 0, ctxt = 0;
    api->token_split(rows, cls, &dom, &ctxt);
    int64_t B = grid->n_frames, N = tokens_per_frame(grid), D = n_embd;

    vtc_visionzip_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.dominant = dom;
    a.contextual = ctxt;
    a.no_cls = cls ? 0 : 1;
    a.scale = desc->scale;
    int64_t sh_h[3] = {B, N, D};
    a.hidden = host_tensor(embd, VTC_DTYPE_F32, 3, sh_h);
    if (desc->flags & VTC_MTMD_SELF_SCORES) {
        /* the embeddings attend to themselves: one head as wide as the embedding */
        int64_t sh_q[4] = {B, N, 1, D};
        a.score_mode = cls ? VTC_SCORE_QK_CLS : VTC_SCORE_QK_MEAN;
        a.q = host_tensor(embd, VTC_DTYPE_F32, 4, sh_q);
        a.k = a.q;
        a.metric = a.hidden;
    } else {
        a.score_mode = desc->score_mode;
        int64_t sh_a[3] = {B, desc->heads, N}, sh_q[4] = {B, N, desc->heads, desc->head_dim};
        if (desc->score_mode == VTC_SCORE_ATTN_CLS) {
            a.attn = host_tensor(desc->attn, VTC_DTYPE_F32, 3, sh_a);
        } else {
            a.q = host_tensor(desc->q, VTC_DTYPE_F32, 4, sh_q);
            a.k = host_tensor(desc->k, VTC_DTYPE_F32, 4, sh_q);
        }
        int64_t sh_m[3] = {B, N, desc->metric_dim};
        a.metric = desc->metric ? host_tensor(desc->metric, VTC_DTYPE_F32, 3, sh_m) : a.hidden;
        if ((desc->score_mode == VTC_SCORE_ATTN_CLS && !desc->attn) ||
            (desc->score_mode != VTC_SCORE_ATTN_CLS && (!desc->q || !desc->k)))
            return VTC_ERROR_INVALID_ARGUMENT;
    }
    int32_t *src = malloc(sizeof(int32_t) * (size_t)count);
    if (!src)
        return VTC_ERROR_OUT_OF_MEMORY;
    int64_t sh_o[3] = {B, rows, D}, sh_s[2] = {B, rows};
    a.out = host_tensor(out_embd, VTC_DTYPE_F32, 3, sh_o);
    a.src_idx = host_tensor(NULL, VTC_DTYPE_I32, 2, sh_s);
    a.src_idx.host = src;
    vtc_result r = api->visionzip(ctx, &a, NULL);
    if (r == VTC_SUCCESS) {
        for (uint32_t i = 0; out_tok && i < count; i++) {
            uint32_t slot = i % rows;
            place(grid, src[i], &out_tok[i]);
            out_tok[i].frame = (int32_t)(i / rows);
            out_tok[i].kind = slot < cls ? VTC_MTMD_CLS : slot < cls + dom ? VTC_MTMD_DOMINANT : VTC_MTMD_CONTEXTUAL;
        }
        *n_out = count;
    }
    free(src);
    return r;
}

vtc_result vtc_mtmd_compress(const vtc_api_v1 *api, vtc_context ctx, vtc_weights w, uint32_t query_side,
                             const vtc_mtmd_grid *grid, uint32_t n_embd, const float *embd, float *out_embd,
                             vtc_mtmd_token *out_tok, uint32_t capacity, uint32_t *n_out)
{
    if (!api || !grid || !embd || !out_embd || !n_out || !n_embd || !query_side || !grid->n_frames || !grid->grid_h ||
        !grid->grid_w || grid->has_cls > 1)
        return VTC_ERROR_INVALID_ARGUMENT;
    uint64_t Q = (uint64_t)query_side * query_side, count = grid->n_frames * Q;
    if (count > capacity)
        return VTC_ERROR_INVALID_ARGUMENT;
    int64_t B = grid->n_frames, N = tokens_per_frame(grid), P = (int64_t)grid->grid_h * grid->grid_w, E = n_embd;
    vtc_compress_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.path = VTC_COMPRESS_FAST;
    a.weights = w;
    /* the patch tokens only: a strided view that skips each frame's CLS row, no copy */
    int64_t sh_x[3] = {B, P, E}, sh_o[3] = {B, (int64_t)Q, E};
    a.x = host_tensor(embd + (grid->has_cls ? E : 0), VTC_DTYPE_F32, 3, sh_x);
    a.x.stride[0] = N * E;
    a.x.stride[1] = E;
    a.x.stride[2] = 1;
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
    if (!g || !d || !g->n_frames || !g->grid_h || !g->grid_w || g->has_cls > 1 || (d->size && d->size < sizeof(*d)) ||
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
        vtc_prune_args a;
        memset(&a, 0, sizeof(a));
        a.size = sizeof(a);
        a.mode = desc->mode;
        a.keep = K;
        a.contextual = C;
        a.pivots = desc->pivots;
        /* the patch rows only: a strided view that skips each frame's CLS row (staging packs it) */
        int64_t sh_h[3] = {B, P, D}, sh_o[3] = {B, sel, D}, sh_s[2] = {B, sel};
        a.hidden = host_tensor(embd + (cls ? D : 0), VTC_DTYPE_F32, 3, sh_h);
        if (cls) {
            a.hidden.stride[0] = N * D;
            a.hidden.stride[1] = D;
            a.hidden.stride[2] = 1;
        }
        a.out = host_tensor(tmp, VTC_DTYPE_F32, 3, sh_o);
        a.src_idx = host_tensor(NULL, VTC_DTYPE_I32, 2, sh_s);
        a.src_idx.host = src;
        r = api->prune(ctx, &a, NULL);
    }
    if (r == VTC_SUCCESS) {
        for (int64_t b = 0; b < B; b++) {
            float *o = out_embd + (size_t)(b * rows) * D;
            vtc_mtmd_token *t = out_tok ? out_tok + b * rows : NULL;
            if (cls) {
                memcpy(o, embd + (size_t)(b * N) * D, sizeof(float) * (size_t)D);
                if (t) {
                    place(grid, 0, &t[0]);
                    t[0].frame = (int32_t)b;
                    t[0].kind = VTC_MTMD_CLS;
                }
            }
            memcpy(o + (size_t)cls * D, tmp + (size_t)(b * sel) * D, sizeof(float) * (size_t)(sel * D));
            for (uint32_t i = 0; t && i < sel; i++) {
                place(grid, src[b * sel + i] + (int32_t)cls, &t[cls + i]);
                t[cls + i].frame = (int32_t)b;
                t[cls + i].kind = i < K ? VTC_MTMD_DOMINANT : VTC_MTMD_CONTEXTUAL;
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
