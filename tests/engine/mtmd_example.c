/*
 * mtmd_example: an engine holding an image chunk's embeddings as
 * float[n_tokens][n_embd] in host memory compresses them with
 * host/mtmd/vtc_mtmd.h and redoes its positions. Every result is checked
 * against the CPU references (tests/ref).
 *
 *   mtmd_example [--plugin PATH]      exit 0 pass, 1 fail
 */
#include "ref.h"
#include "vtc_loader.h"
#include "vtc_mtmd.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(name, cond, ...) do { if (cond) printf("ok - %s\n", name); else { \
    printf("FAIL - %s: ", name); printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

static float *normal(uint64_t *st, size_t n, float scale)
{
    float *x = malloc(4 * (n ? n : 1));
    for (size_t i = 0; x && i < n; i++)
        x[i] = scale * ref_rng_normal(st);
    return x;
}

/* Expected grid place of a frame row, written from the grid's definition:
   patches in row-major order after a leading CLS row or before a trailing one. */
static void want_place(const vtc_mtmd_grid *g, int32_t idx, int32_t *row, int32_t *col)
{
    int32_t P = (int32_t)(g->grid_h * g->grid_w), cls = g->has_cls ? (g->cls_last ? P : 0) : -1;
    int32_t p = idx == cls ? -1 : idx - (g->has_cls && !g->cls_last ? 1 : 0);
    *row = p < 0 ? -1 : p / (int32_t)g->grid_w;
    *col = p < 0 ? -1 : p % (int32_t)g->grid_w;
}

/* Every output row's token record agrees with the reference's source index. */
static size_t token_mismatches(const vtc_mtmd_grid *g, const vtc_mtmd_token *t, const int32_t *want_src, uint32_t rows,
                               uint32_t dom)
{
    size_t bad = 0, cls = g->has_cls;
    int32_t cls_idx = !cls ? -1 : g->cls_last ? (int32_t)(g->grid_h * g->grid_w) : 0;
    for (uint32_t i = 0; i < g->n_frames * rows; i++) {
        uint32_t slot = i % rows;
        int32_t idx = want_src[i], row, col;
        want_place(g, idx, &row, &col);
        int kind = slot >= cls + dom ? VTC_MTMD_CONTEXTUAL : idx == cls_idx ? VTC_MTMD_CLS : VTC_MTMD_DOMINANT;
        bad += t[i].index != idx || t[i].frame != (int32_t)(i / rows) || t[i].kind != kind || t[i].row != row ||
               t[i].col != col;
    }
    /* the CLS row is kept exactly once per frame */
    for (uint32_t b = 0; cls && b < g->n_frames; b++) {
        size_t n = 0;
        for (uint32_t i = 0; i < rows; i++)
            n += t[b * rows + i].kind == VTC_MTMD_CLS;
        bad += n != 1;
    }
    return bad;
}

/* One chunk: embeddings (+ encoder tensors) -> vtc_mtmd_visionzip -> compare with ref_visionzip. */
typedef struct mtmd_case {
    const char *name;
    vtc_mtmd_grid grid;
    uint32_t D, H, dh, Dm, tokens, mode, self;
} mtmd_case;

static void run_visionzip(const vtc_api_v1 *api, vtc_context ctx, const mtmd_case *c, uint64_t seed,
                          vtc_mtmd_token **keep_tok, uint32_t *keep_n)
{
    const vtc_mtmd_grid *g = &c->grid;
    uint32_t B = g->n_frames, N = g->has_cls + g->grid_h * g->grid_w, D = c->D;
    uint64_t st = seed;
    float *embd = normal(&st, (size_t)B * N * D, 1.0f);
    float *metric = normal(&st, (size_t)B * N * c->Dm, 1.0f);
    float *q = normal(&st, (size_t)B * N * c->H * c->dh, 1.0f), *k = normal(&st, (size_t)B * N * c->H * c->dh, 1.0f);
    float *attn = malloc(4 * (size_t)B * c->H * N);
    for (size_t i = 0; i < (size_t)B * c->H * N; i++)
        attn[i] = ref_rng_uniform(&st, 0, 1) < 0.1f ? ref_rng_uniform(&st, 0.05f, 0.2f) : ref_rng_uniform(&st, 0, 0.002f);

    vtc_mtmd_visionzip_desc d = {.tokens = c->tokens, .score_mode = c->mode,
                                 .flags = c->self ? VTC_MTMD_SELF_SCORES : 0,
                                 .heads = c->H, .head_dim = c->dh, .metric_dim = c->Dm,
                                 .attn = attn, .q = q, .k = k, .metric = c->self ? NULL : metric};
    uint32_t cap = vtc_mtmd_visionzip_count(g, c->tokens), n = 0;
    float *out = malloc(4 * (size_t)cap * D);
    vtc_mtmd_token *tok = malloc(sizeof(*tok) * cap);
    vtc_result r = vtc_mtmd_visionzip(api, ctx, g, D, embd, &d, out, tok, cap, &n);

    uint32_t rows = cap / B, dom, ctxt;
    ref_token_split((int)rows, (int)g->has_cls, (int *)&dom, (int *)&ctxt);
    float *want = malloc(4 * (size_t)cap * D);
    int32_t *want_src = malloc(4 * (size_t)cap);
    int cls = !g->has_cls ? -1 : g->cls_last ? (int)N - 1 : 0;
    int rc = c->self ? ref_visionzip_cls(g->has_cls ? 1 : 2, (int)B, (int)N, (int)D, 1, (int)D, (int)D, (int)dom,
                                         (int)ctxt, cls, 0, NULL, embd, embd, embd, embd, want, want_src)
                     : ref_visionzip_cls((int)c->mode, (int)B, (int)N, (int)D, (int)c->H, (int)c->dh, (int)c->Dm,
                                         (int)dom, (int)ctxt, cls, 0, attn, q, k, embd, metric, want, want_src);
    double nmse = r || rc ? INFINITY : ref_nmse(out, want, (size_t)cap * D);
    size_t bad = r || rc ? 1 : token_mismatches(g, tok, want_src, rows, dom);
    CHECK(c->name, !r && !rc && n == cap && nmse <= 1e-9 && !bad,
          "%s, %u rows (want %u), NMSE %.2e, %zu token records wrong", api->result_string(r), n, cap, nmse, bad);
    if (keep_tok) {
        *keep_tok = tok;
        *keep_n = n;
        tok = NULL;
    }
    free(embd); free(metric); free(q); free(k); free(attn); free(out); free(tok); free(want); free(want_src);
}

/* IEEE binary16, round to nearest even: what an F16 engine would hand over. */
static uint16_t to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u, e = (x >> 23) & 0xff, m = x & 0x7fffffu;
    if (e == 0xff)
        return (uint16_t)(sign | 0x7c00u | (m ? 0x200u : 0));
    int32_t he = (int32_t)e - 127 + 15;
    if (he >= 0x1f)
        return (uint16_t)(sign | 0x7c00u);
    if (he <= 0) { /* subnormal half or zero */
        if (he < -10)
            return (uint16_t)sign;
        m |= 0x800000u;
        uint32_t shift = (uint32_t)(14 - he), h = m >> shift, rest = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        h += rest > half || (rest == half && (h & 1));
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((uint32_t)he << 10) | (m >> 13), rest = m & 0x1fffu;
    h += rest > 0x1000u || (rest == 0x1000u && (h & 1)); /* a carry into the exponent is still right */
    return (uint16_t)(sign | h);
}

static float from_half(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float v = e == 0 ? ldexpf((float)m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexpf((float)(m | 0x400), e - 25);
    return (h & 0x8000) ? -v : v;
}

/* x rounded to half precision in place; returns its halves (malloc'd), what an F16 engine would hand over. */
static uint16_t *round_to_half(float *x, size_t n)
{
    uint16_t *h = malloc(2 * (n ? n : 1));
    for (size_t i = 0; h && i < n; i++) {
        h[i] = to_half(x[i]);
        x[i] = from_half(h[i]);
    }
    return h;
}

/* VisionZip's metric: k[b][first+e][:][:] averaged over heads, heads summed in ascending order. */
static float *head_mean(const float *k, uint32_t B, uint32_t Ns, uint32_t first, uint32_t N, uint32_t H, uint32_t dh)
{
    float *m = malloc(4 * (size_t)B * N * dh);
    for (uint32_t b = 0; b < B; b++)
        for (uint32_t e = 0; e < N; e++)
            for (uint32_t j = 0; j < dh; j++) {
                float acc = 0;
                for (uint32_t h = 0; h < H; h++)
                    acc += k[(((size_t)b * Ns + first + e) * H + h) * dh + j];
                m[((size_t)b * N + e) * dh + j] = acc / (float)H;
            }
    return m;
}

/* Runs the helper and compares rows (NMSE) and source indices (exactly) with a reference
   result (ref_rc: the reference's status; it fails the check when not 0). */
static void check_against(const vtc_api_v1 *api, vtc_context ctx, const char *name, int ref_rc, const vtc_mtmd_grid *g,
                          uint32_t D, const float *embd, const vtc_mtmd_visionzip_desc *d, const float *want,
                          const int32_t *want_src, uint32_t dom)
{
    if (ref_rc) {
        CHECK(name, 0, "reference failed");
        return;
    }
    uint32_t cap = vtc_mtmd_visionzip_count(g, d->tokens), n = 0, rows = cap / g->n_frames;
    float *out = malloc(4 * (size_t)cap * D);
    vtc_mtmd_token *tok = malloc(sizeof(*tok) * cap);
    vtc_result r = vtc_mtmd_visionzip(api, ctx, g, D, embd, d, out, tok, cap, &n);
    double nmse = r ? INFINITY : ref_nmse(out, want, (size_t)cap * D);
    size_t bad = r ? 1 : token_mismatches(g, tok, want_src, rows, dom);
    CHECK(name, !r && n == cap && nmse <= 1e-9 && !bad, "%s, %u rows (want %u), NMSE %.2e, %zu token records wrong",
          api->result_string(r), n, cap, nmse, bad);
    free(out);
    free(tok);
}

/* clip.cpp's LLaVA handoff. The graph appends the class embedding after the
   patches (577 rows: patch 0..575, CLS at 576) and its output is get_rows of
   rows 1..576, so mtmd's 576 embeddings are encoder rows 1..576. Layer -2's
   Qcur/Kcur (ggml ne = [dh, H, N], F32) are row-major [N][H][dh]: vtc's
   [1][N][H][dh] as they lie. Scores over all 577 rows, CLS query at 576,
   metric the head mean of k. */
static void check_clip_handoff(const vtc_api_v1 *api, vtc_context ctx)
{
    enum { G = 24, NE = G * G, NS = NE + 1, H = 16, DH = 64, D = 96, FIRST = 1, CLS = NS - 1, TOKENS = 64 };
    uint64_t st = 577;
    float *embd = normal(&st, (size_t)NE * D, 1.0f);
    float *q = malloc(4 * (size_t)NS * H * DH), *k = malloc(4 * (size_t)NS * H * DH);
    /* written through ggml's byte strides nb = {4, 4*dh, 4*dh*H} for element (i0 = j, i1 = h, i2 = n) */
    const size_t nb0 = 4, nb1 = 4 * DH, nb2 = 4 * DH * H;
    for (size_t n = 0; n < NS; n++)
        for (size_t h = 0; h < H; h++)
            for (size_t j = 0; j < DH; j++) {
                size_t at = (n * nb2 + h * nb1 + j * nb0) / 4;
                q[at] = ref_rng_normal(&st);
                k[at] = ref_rng_normal(&st);
            }
    vtc_mtmd_grid g = {1, G, G, 0, 0}; /* the embeddings as llama.cpp treats them: a 24x24 grid, no CLS of their own */
    vtc_mtmd_visionzip_desc d = {.size = sizeof(d), .tokens = TOKENS, .score_mode = VTC_SCORE_QK_CLS,
                                 .flags = VTC_MTMD_KEY_METRIC, .heads = H, .head_dim = DH, .q = q, .k = k,
                                 .score_tokens = NS, .score_first = FIRST, .score_cls = CLS};

    float score[NS], att[NE];
    ref_scores_cls(1, 1, NS, H, DH, 0, CLS, NULL, q, k, score);
    memcpy(att, score + FIRST, sizeof(att));
    float *metric = head_mean(k, 1, NS, FIRST, NE, H, DH);
    int dom, ctxt;
    ref_token_split(TOKENS, 0, &dom, &ctxt);
    float *want = malloc(4 * (size_t)TOKENS * D);
    int32_t want_src[TOKENS];
    int rc = ref_visionzip_cls(0, 1, NE, D, 1, 1, DH, dom, ctxt, -1, 0, att, NULL, NULL, embd, metric, want, want_src);
    check_against(api, ctx, "clip_handoff_577_qk_rows_for_576_embeddings", rc, &g, D, embd, &d, want, want_src,
                  (uint32_t)dom);
    /* the same tensors read as if rows matched one to one give another answer: the mapping matters */
    int32_t naive_src[TOKENS];
    ref_visionzip_cls(0, 1, NE, D, 1, 1, DH, dom, ctxt, -1, 0, score, NULL, NULL, embd, metric, want, naive_src);
    CHECK("clip_handoff_row_mapping_changes_the_selection", memcmp(naive_src, want_src, sizeof(want_src)) != 0,
          "shifting the score rows by one kept the same tokens: the test could not tell the mappings apart");
    d.score_first = 2; /* 2 + 576 rows > 577 */
    uint32_t n = 0;
    CHECK("score_rows_that_do_not_cover_the_embeddings_are_refused",
          vtc_mtmd_visionzip(api, ctx, &g, D, embd, &d, want, NULL, TOKENS, &n) == VTC_ERROR_INVALID_ARGUMENT,
          "accepted");
    free(embd); free(q); free(k); free(metric); free(want);
}

/* CLS as the last row, F16 q/k (an engine computing in half): cls_index N-1 and the key-mean metric. */
static void check_cls_last_f16(const vtc_api_v1 *api, vtc_context ctx)
{
    enum { B = 2, G = 8, N = G * G + 1, H = 4, DH = 16, D = 24, TOKENS = 20 };
    uint64_t st = 1616;
    float *embd = normal(&st, (size_t)B * N * D, 1.0f), *q = normal(&st, (size_t)B * N * H * DH, 1.0f),
          *k = normal(&st, (size_t)B * N * H * DH, 1.0f);
    /* the reference sees exactly the half values */
    uint16_t *qh = round_to_half(q, (size_t)B * N * H * DH), *kh = round_to_half(k, (size_t)B * N * H * DH);
    vtc_mtmd_grid g = {B, G, G, 1, 1};
    vtc_mtmd_visionzip_desc d = {.tokens = TOKENS, .score_mode = VTC_SCORE_QK_CLS, .flags = VTC_MTMD_KEY_METRIC,
                                 .heads = H, .head_dim = DH, .qk_dtype = VTC_DTYPE_F16,
                                 .q = (const float *)(const void *)qh, .k = (const float *)(const void *)kh};
    float *metric = head_mean(k, B, N, 0, N, H, DH), *want = malloc(4 * (size_t)B * TOKENS * D);
    int32_t want_src[B * TOKENS];
    int dom, ctxt;
    ref_token_split(TOKENS, 1, &dom, &ctxt);
    int rc = ref_visionzip_cls(1, B, N, D, H, DH, DH, dom, ctxt, N - 1, 0, NULL, q, k, embd, metric, want, want_src);
    check_against(api, ctx, "cls_last_f16_qk_keeps_cls_at_its_place", rc, &g, D, embd, &d, want, want_src,
                  (uint32_t)dom);
    /* the same values as float: no mapping, so vtc_visionzip itself takes the head mean of k */
    d.qk_dtype = VTC_DTYPE_F32;
    d.q = q;
    d.k = k;
    check_against(api, ctx, "cls_last_f32_qk_metric_from_vtc", rc, &g, D, embd, &d, want, want_src, (uint32_t)dom);
    d.qk_dtype = VTC_DTYPE_I32;
    uint32_t n = 0;
    CHECK("unknown_qk_dtype_is_refused",
          vtc_mtmd_visionzip(api, ctx, &g, D, embd, &d, want, NULL, B * TOKENS, &n) == VTC_ERROR_INVALID_ARGUMENT,
          "accepted");
    free(embd); free(q); free(k); free(qh); free(kh); free(metric); free(want);
}

/* The CLS query's row sliced out of a full [B][H][N][N] attention tensor
   (eager attention), CLS last: attn = base + cls*N, attn_stride = N*N. */
static void check_strided_attention(const vtc_api_v1 *api, vtc_context ctx)
{
    enum { B = 2, G = 6, N = G * G + 1, H = 3, D = 16, DM = 8, TOKENS = 12 };
    uint64_t st = 4242;
    float *embd = normal(&st, (size_t)B * N * D, 1.0f), *metric = normal(&st, (size_t)B * N * DM, 1.0f);
    float *full = malloc(4 * (size_t)B * H * N * N), *row = malloc(4 * (size_t)B * H * N);
    for (size_t i = 0; i < (size_t)B * H * N * N; i++)
        full[i] = ref_rng_uniform(&st, 0, 1);
    uint16_t *full_h = round_to_half(full, (size_t)B * H * N * N); /* half-exact values: the F16 run sees the same */
    for (size_t bh = 0; bh < (size_t)B * H; bh++)
        memcpy(row + bh * N, full + (bh * N + (N - 1)) * N, 4 * N);
    vtc_mtmd_grid g = {B, G, G, 1, 1};
    vtc_mtmd_visionzip_desc d = {.size = sizeof(d), .tokens = TOKENS, .score_mode = VTC_SCORE_ATTN_CLS, .heads = H,
                                 .metric_dim = DM, .metric = metric,
                                 .attn = full + (size_t)(N - 1) * N, .attn_stride = (uint64_t)N * N};
    float *want = malloc(4 * (size_t)B * TOKENS * D);
    int32_t want_src[B * TOKENS];
    int dom, ctxt;
    ref_token_split(TOKENS, 1, &dom, &ctxt);
    int rc = ref_visionzip_cls(0, B, N, D, H, 1, DM, dom, ctxt, N - 1, 0, row, NULL, NULL, embd, metric, want, want_src);
    check_against(api, ctx, "attention_row_sliced_from_full_weights", rc, &g, D, embd, &d, want, want_src,
                  (uint32_t)dom);
    /* F16 weights: scored by vtc_scores on the strided half tensor, then selected on the float embeddings */
    d.qk_dtype = VTC_DTYPE_F16;
    d.attn = (const float *)(const void *)(full_h + (size_t)(N - 1) * N);
    check_against(api, ctx, "attention_row_sliced_from_f16_weights", rc, &g, D, embd, &d, want, want_src,
                  (uint32_t)dom);
    d.attn_stride = N - 1; /* shorter than a row */
    uint32_t n = 0;
    CHECK("attn_stride_below_the_row_is_refused",
          vtc_mtmd_visionzip(api, ctx, &g, D, embd, &d, want, NULL, B * TOKENS, &n) == VTC_ERROR_INVALID_ARGUMENT,
          "accepted");
    free(embd); free(metric); free(full); free(full_h); free(row); free(want);
}

/* Qwen2-VL style positions of a compressed chunk: kept tokens keep their
   grid places, n_past advances as for the full chunk. */
static void check_mrope(const vtc_mtmd_token *tok, uint32_t n, uint32_t gh, uint32_t gw)
{
    int32_t *pos = malloc(sizeof(int32_t) * 4 * n);
    uint32_t adv = vtc_mtmd_pos_mrope(tok, n, gh, gw, 100, pos);
    size_t bad = 0, dup = 0;
    for (uint32_t i = 0; i < n; i++) {
        int cls = tok[i].row < 0;
        bad += pos[i] != 100 + tok[i].frame || pos[n + i] != 100 + (cls ? 0 : tok[i].row) ||
               pos[2 * n + i] != 100 + (cls ? 0 : tok[i].col) || pos[3 * n + i] != 0;
        for (uint32_t j = 0; j < i; j++) /* no two non-CLS rows of a frame share a place */
            dup += !cls && tok[j].row >= 0 && pos[j] == pos[i] && pos[n + j] == pos[n + i] && pos[2 * n + j] == pos[2 * n + i];
    }
    CHECK("mrope_positions_keep_grid_places", !bad && !dup && adv == (gh > gw ? gh : gw),
          "%zu wrong, %zu duplicate places, advance %u", bad, dup, adv);
    free(pos);
}

static void check_capacity(const vtc_api_v1 *api, vtc_context ctx)
{
    vtc_mtmd_grid g = {1, 4, 4, 1};
    float embd[17 * 8] = {0}, out[16 * 8];
    vtc_mtmd_token tok[16];
    memset(out, 0x5a, sizeof(out));
    memset(tok, 0x5a, sizeof(tok));
    vtc_mtmd_visionzip_desc d = {.tokens = 8, .flags = VTC_MTMD_SELF_SCORES};
    uint32_t n = 12345;
    vtc_result r = vtc_mtmd_visionzip(api, ctx, &g, 8, embd, &d, out, tok, 7, &n);
    int untouched = n == 12345;
    for (size_t i = 0; i < sizeof(out); i++)
        untouched &= ((unsigned char *)out)[i] == 0x5a;
    CHECK("capacity_below_count_is_refused_and_writes_nothing", r == VTC_ERROR_INVALID_ARGUMENT && untouched, "%s",
          api->result_string(r));
    /* a desc from the header before the appended fields: what lies after its end is not read */
    d.size = (uint32_t)offsetof(vtc_mtmd_visionzip_desc, qk_dtype);
    d.qk_dtype = 99;
    d.score_tokens = 1;
    r = vtc_mtmd_visionzip(api, ctx, &g, 8, embd, &d, out, tok, 16, &n);
    d.size = (uint32_t)offsetof(vtc_mtmd_visionzip_desc, metric);
    vtc_result r_short = vtc_mtmd_visionzip(api, ctx, &g, 8, embd, &d, out, tok, 16, &n);
    CHECK("desc_size_gates_the_appended_fields", r == VTC_SUCCESS && r_short == VTC_ERROR_INVALID_ARGUMENT, "%s, %s",
          api->result_string(r), api->result_string(r_short));
    d.size = 0;
    d.qk_dtype = 0;
    d.score_tokens = 0;
    r = vtc_mtmd_visionzip(api, ctx, &g, 8, embd, &d, out, tok, 16, &n);
    CHECK("budget_above_frame_keeps_every_token", vtc_mtmd_visionzip_count(&g, 100) == 17 &&
          vtc_mtmd_visionzip_count(&g, 8) == 8 && r == VTC_SUCCESS && n == 8, "%s n=%u", api->result_string(r), n);

    /* self scores at an LLM's width: past 256 (the score kernels' widest
       head) the embeddings are read as heads of 64, so a 2048-wide LLaVA
       embedding runs; a width that is not a multiple of 64 is refused */
    enum { WIDE = 320, ODD = 300 };
    float *wide = malloc(sizeof(float) * 17 * WIDE), *wout = malloc(sizeof(float) * 8 * WIDE);
    if (!wide || !wout)
        exit(1);
    for (int i = 0; i < 17 * WIDE; i++)
        wide[i] = (float)((i * 37) % 101) / 101.0f - 0.5f;
    d = (vtc_mtmd_visionzip_desc){.tokens = 8, .flags = VTC_MTMD_SELF_SCORES};
    r = vtc_mtmd_visionzip(api, ctx, &g, WIDE, wide, &d, wout, tok, 16, &n);
    vtc_result r_odd = vtc_mtmd_visionzip(api, ctx, &g, ODD, wide, &d, wout, tok, 16, &n);
    CHECK("self_scores_past_256_wide_run_as_heads_of_64", r == VTC_SUCCESS && n == 8 && r_odd == VTC_ERROR_INVALID_ARGUMENT,
          "%s, %s n=%u", api->result_string(r), api->result_string(r_odd), n);
    free(wide);
    free(wout);
}

/* LLaVA-Mini: CLIP embeddings with CLS -> C*C query tokens, against ref_compress. */
static void check_compress(const vtc_api_v1 *api, vtc_context ctx)
{
    enum { B = 2, G = 4, P = G * G, N = P + 1, E = 32, HEADS = 4, C = 2, Q = C * C };
    uint64_t st = 99;
    float *x = normal(&st, (size_t)B * N * E, 1.0f), *query = normal(&st, (size_t)Q * E, 1.0f);
    float *w_in = normal(&st, 3 * E * E, 0.15f), *b_in = normal(&st, 3 * E, 0.1f);
    float *w_out = normal(&st, E * E, 0.15f), *b_out = normal(&st, E, 0.1f);
    float ln_qw[E], ln_qb[E], ln_kw[E], ln_kb[E];
    for (int i = 0; i < E; i++) {
        ln_qw[i] = 1.0f + 0.1f * ref_rng_normal(&st);
        ln_qb[i] = 0.1f * ref_rng_normal(&st);
        ln_kw[i] = 1.0f + 0.1f * ref_rng_normal(&st);
        ln_kb[i] = 0.1f * ref_rng_normal(&st);
    }
    vtc_compress_weights_desc wd;
    memset(&wd, 0, sizeof(wd));
    wd.size = sizeof(wd);
    wd.heads = HEADS;
    vtc_tensor t;
    memset(&t, 0, sizeof(t));
    t.dtype = VTC_DTYPE_F32;
#define T1(field, ptr, n0) t.ndim = 1, t.shape[0] = n0, t.host = ptr, wd.field = t;
#define T2(field, ptr, n0, n1) t.ndim = 2, t.shape[0] = n0, t.shape[1] = n1, t.host = ptr, wd.field = t;
    T2(query, query, Q, E) T1(ln_q_weight, ln_qw, E) T1(ln_q_bias, ln_qb, E) T1(ln_kv_weight, ln_kw, E)
    T1(ln_kv_bias, ln_kb, E) T2(in_proj_weight, w_in, 3 * E, E) T1(in_proj_bias, b_in, 3 * E)
    T2(out_proj_weight, w_out, E, E) T1(out_proj_bias, b_out, E)
#undef T1
#undef T2
    vtc_weights w = NULL;
    vtc_result r = api->compress_weights_create(ctx, &wd, &w);
    if (r == VTC_ERROR_UNSUPPORTED) {
        /* LLaVA-Mini is built separately: this plugin build does not have it yet */
        printf("skip - compress_gives_query_tokens_on_query_grid: %s\n", api->result_string(r));
    } else {
        vtc_mtmd_grid g = {B, G, G, 1};
        float out[B * Q * E], want[B * Q * E];
        vtc_mtmd_token tok[B * Q];
        uint32_t n = 0;
        if (!r)
            r = vtc_mtmd_compress(api, ctx, w, C, &g, E, x, out, tok, B * Q, &n);
        float pos_q[Q * E], pos_k[P * E], patches[B * P * E];
        ref_pos_embed_2d(C, E, pos_q);
        ref_pos_resize_bicubic(C, G, E, pos_q, pos_k);
        for (int b = 0; b < B; b++) /* the reference gets the patch tokens without CLS */
            memcpy(patches + (size_t)b * P * E, x + ((size_t)b * N + 1) * E, sizeof(float) * P * E);
        ref_resampler rw = {C, E, HEADS, query, ln_qw, ln_qb, ln_kw, ln_kb, w_in, b_in, w_out, b_out};
        ref_compress(&rw, B, P, pos_q, pos_k, patches, want, NULL);
        double nmse = r ? INFINITY : ref_nmse(out, want, B * Q * E);
        size_t bad = 0;
        for (int i = 0; !r && i < B * Q; i++)
            bad += tok[i].index != -1 || tok[i].kind != VTC_MTMD_QUERY || tok[i].frame != i / Q ||
                   tok[i].row != (i % Q) / C || tok[i].col != (i % Q) % C;
        CHECK("compress_gives_query_tokens_on_query_grid", !r && n == B * Q && nmse <= 1e-6 && !bad,
              "%s, n=%u, NMSE %.2e, %zu token records wrong", api->result_string(r), n, nmse, bad);
        api->compress_weights_destroy(ctx, w);
    }
    free(x); free(query); free(w_in); free(b_in); free(w_out); free(b_out);
}

/* vtc_mtmd_prune on mtmd's layout: rows, token records and both position rules against ref_prune. */
static void check_prune(const vtc_api_v1 *api, vtc_context ctx, const char *name, vtc_mtmd_grid g, uint32_t D,
                        const vtc_mtmd_prune_desc *d, uint64_t seed)
{
    uint64_t st = seed;
    uint32_t B = g.n_frames, P = g.grid_h * g.grid_w, N = g.has_cls + P, cls = g.has_cls;
    /* kept rows ascending: a leading CLS row, the kept patches, a trailing CLS row, then contextual rows */
    uint32_t base = cls && !g.cls_last ? 1 : 0, cls_row = g.cls_last ? P : 0, cslot = 0, first = base;
    float *embd = normal(&st, (size_t)B * N * D, 1.0f);
    uint32_t n = 0, count = vtc_mtmd_prune_count(&g, d);
    uint32_t rows = count / B, sel = rows - cls;
    uint32_t K = d->tokens ? (d->tokens < P ? d->tokens : P) : P - (uint32_t)((double)P * d->prune_rate);
    uint32_t C = sel - K;
    float *out = malloc(sizeof(float) * (size_t)count * D + 4), *want = malloc(sizeof(float) * (size_t)B * sel * D + 4);
    float *patches = malloc(sizeof(float) * (size_t)B * P * D);
    vtc_mtmd_token *tok = malloc(sizeof(vtc_mtmd_token) * (count + 1));
    int32_t *got_keep = malloc(4 * (size_t)B * (K + 1)), *want_keep = malloc(4 * (size_t)B * (K + 1));
    int32_t *want_src = malloc(4 * (size_t)B * (sel + 1)), *pos = malloc(4 * 4 * (size_t)(count + 1));
    for (uint32_t b = 0; b < B; b++)
        memcpy(patches + (size_t)b * P * D, embd + ((size_t)b * N + base) * D, sizeof(float) * P * D);
    vtc_result r = vtc_mtmd_prune(api, ctx, &g, D, embd, d, out, tok, count, &n);
    int ok = r == VTC_SUCCESS && n == count && count == B * (cls + K + C);
    for (uint32_t b = 0; ok && b < B; b++)
        for (uint32_t i = 0; i < K; i++)
            got_keep[b * K + i] = tok[b * rows + first + i].index - (int32_t)base;
    int near = 0;
    ok = ok && !ref_prune((int)d->mode, (int)B, (int)P, (int)D, 0, (int)K, (int)C, (int)d->pivots, patches, NULL,
                          K ? got_keep : NULL, 1e-5, &near, want_keep, want, want_src) && near <= 1;
    size_t bad = 0;
    double nmse = 0;
    for (uint32_t b = 0; ok && b < B; b++) {
        const vtc_mtmd_token *t = tok + b * rows;
        cslot = g.cls_last ? K : 0;
        if (cls)
            bad += t[cslot].kind != VTC_MTMD_CLS || t[cslot].index != (int32_t)cls_row || t[cslot].row != -1 ||
                   t[cslot].col != -1 || t[cslot].frame != (int32_t)b ||
                   memcmp(out + ((size_t)b * rows + cslot) * D, embd + ((size_t)b * N + cls_row) * D, sizeof(float) * D);
        for (uint32_t i = 0; i < sel; i++) {
            int32_t idx = want_src[b * sel + i];
            uint32_t slot = i < K ? first + i : cls + i;
            bad += t[slot].index != idx + (int32_t)base || t[slot].row != idx / (int32_t)g.grid_w ||
                   t[slot].col != idx % (int32_t)g.grid_w || t[slot].frame != (int32_t)b ||
                   t[slot].kind != (i < K ? VTC_MTMD_DOMINANT : VTC_MTMD_CONTEXTUAL);
            double e = ref_nmse(out + ((size_t)b * rows + slot) * D, want + ((size_t)b * sel + i) * D, D);
            nmse = e > nmse ? e : nmse;
        }
    }
    CHECK(name, ok && !bad && nmse <= 1e-10, "%s, n=%u of %u, %d near ties, %zu token records wrong, NMSE %.2e",
          api->result_string(r), n, count, near, bad, nmse);
    if (ok) {
        /* (a) original positions, the counter advancing by the unpruned count; (b) compacted */
        uint32_t adv1 = vtc_mtmd_positions(tok, n, &g, VTC_MTMD_POS_ORIGINAL, 0, 100, pos);
        size_t pbad = adv1 != B * N;
        for (uint32_t i = 0; i < n; i++)
            pbad += pos[i] != 100 + tok[i].frame * (int32_t)N + tok[i].index;
        uint32_t adv2 = vtc_mtmd_positions(tok, n, &g, VTC_MTMD_POS_ORIGINAL, 1, 100, pos);
        uint32_t want2 = B > g.grid_h ? B : g.grid_h;
        want2 = want2 > g.grid_w ? want2 : g.grid_w;
        pbad += adv2 != want2;
        for (uint32_t i = 0; i < n; i++)
            pbad += pos[i] != 100 + tok[i].frame || (tok[i].row >= 0 && pos[n + i] != 100 + tok[i].row) ||
                    (tok[i].col >= 0 && pos[2 * n + i] != 100 + tok[i].col);
        uint32_t adv3 = vtc_mtmd_positions(tok, n, &g, VTC_MTMD_POS_COMPACT, 1, 7, pos);
        pbad += adv3 != n;
        for (uint32_t i = 0; i < n; i++)
            pbad += pos[i] != 7 + (int32_t)i || pos[n + i] != 7 + (int32_t)i || pos[2 * n + i] != 7 + (int32_t)i;
        char pn[160];
        snprintf(pn, sizeof(pn), "%s_positions_original_and_compact", name);
        CHECK(pn, !pbad, "%zu positions or advances wrong (advances %u %u %u)", pbad, adv1, adv2, adv3);
    }
    free(embd); free(out); free(want); free(patches); free(tok); free(got_keep); free(want_keep); free(want_src);
    free(pos);
}

int main(int argc, char **argv)
{
    const char *plugin = argc > 2 && !strcmp(argv[1], "--plugin") ? argv[2] : NULL;
    vtc_loader L;
    if (vtc_loader_open(&L, plugin)) {
        fprintf(stderr, "%s\n", L.error);
        return 1;
    }
    vtc_context ctx = NULL;
    vtc_result r = L.api->context_create(NULL, &ctx); /* standalone: vtc's own device, synchronous calls */
    if (r) {
        fprintf(stderr, "vtc: %s\n", L.api->result_string(r));
        vtc_loader_close(&L);
        return 77;
    }
    /* CLIP/LLaVA-1.5 style: CLS + 12x12 patches, layer -2 CLS attention */
    mtmd_case img = {"image_cls_attention_gives_rows_and_grid_places", {1, 12, 12, 1}, 32, 4, 8, 8, 32, VTC_SCORE_ATTN_CLS, 0};
    /* SigLIP-style video: no CLS, 3 frames of 8x8, layer q/k */
    mtmd_case video = {"video_frames_without_cls_from_qk", {3, 8, 8, 0}, 24, 2, 8, 8, 16, VTC_SCORE_QK_MEAN, 0};
    /* only the final embeddings: the documented fallback */
    mtmd_case self = {"final_embeddings_only_fallback_self_scores", {2, 6, 6, 1}, 16, 0, 0, 0, 12, 0, 1};
    mtmd_case self_nocls = {"final_embeddings_only_fallback_without_cls", {1, 6, 6, 0}, 16, 0, 0, 0, 12, 0, 1};
    /* the same q/k path with the class embedding after the patches (cls_index N-1 inside) */
    mtmd_case last = {"image_cls_last_from_qk_cls", {2, 10, 10, 1, 1}, 32, 4, 8, 8, 24, VTC_SCORE_QK_CLS, 0};
    mtmd_case self_last = {"final_embeddings_only_fallback_cls_last", {1, 6, 6, 1, 1}, 16, 0, 0, 0, 12, 0, 1};
    vtc_mtmd_token *tok = NULL;
    uint32_t n = 0;
    run_visionzip(L.api, ctx, &img, 1, NULL, NULL);
    run_visionzip(L.api, ctx, &video, 2, &tok, &n);
    run_visionzip(L.api, ctx, &self, 3, NULL, NULL);
    run_visionzip(L.api, ctx, &self_nocls, 4, NULL, NULL);
    run_visionzip(L.api, ctx, &last, 5, NULL, NULL);
    run_visionzip(L.api, ctx, &self_last, 6, NULL, NULL);
    if (tok)
        check_mrope(tok, n, 8, 8);
    free(tok);
    check_capacity(L.api, ctx);
    check_compress(L.api, ctx);
    /* embeddings only: a CLS image (CLS kept first, not a candidate) and SigLIP-style video frames by ratio */
    vtc_mtmd_prune_desc pd = {sizeof(pd), VTC_PRUNE_DIVPRUNE, 20, 0.0f, 4, 0};
    check_prune(L.api, ctx, "prune_divprune_cls_image_rows_and_places", (vtc_mtmd_grid){1, 12, 12, 1}, 32, &pd, 11);
    vtc_mtmd_prune_desc pv = {sizeof(pv), VTC_PRUNE_DART, 0, 0.75f, 0, 4};
    check_prune(L.api, ctx, "prune_dart_video_frames_by_ratio", (vtc_mtmd_grid){3, 8, 8, 0}, 24, &pv, 12);
    /* llama.cpp's clip order: CLS after the patches, kept at its place */
    check_prune(L.api, ctx, "prune_divprune_cls_last_image", (vtc_mtmd_grid){1, 12, 12, 1, 1}, 32, &pd, 13);
    check_clip_handoff(L.api, ctx);
    check_cls_last_f16(L.api, ctx);
    check_strided_attention(L.api, ctx);
    vtc_mtmd_prune_desc bad = pd;
    bad.pivots = 3; /* a DART parameter with DIVPRUNE */
    uint32_t nb = 0;
    float dummy[4];
    CHECK("prune_rejects_bad_requests",
          vtc_mtmd_prune_count(&(vtc_mtmd_grid){1, 2, 2, 0}, &bad) == 0 &&
              vtc_mtmd_prune(L.api, ctx, &(vtc_mtmd_grid){1, 2, 2, 0}, 1, dummy, &bad, dummy, NULL, 4, &nb) ==
                  VTC_ERROR_INVALID_ARGUMENT &&
              vtc_mtmd_prune(L.api, ctx, &(vtc_mtmd_grid){1, 2, 2, 0}, 1, dummy, &pd, dummy, NULL, 1, &nb) ==
                  VTC_ERROR_INVALID_ARGUMENT &&
              vtc_mtmd_prune_count(&(vtc_mtmd_grid){1, 2, 2, 0, 1}, &pd) == 0 &&
              vtc_mtmd_visionzip_count(&(vtc_mtmd_grid){1, 2, 2, 1, 1}, 3) == 3,
          "a bad request was accepted");
    vtc_context_stats s = {sizeof(s)};
    L.api->context_stats_get(ctx, &s);
    CHECK("no_validation_messages", s.validation_messages == 0, "%llu", (unsigned long long)s.validation_messages);
    L.api->context_destroy(ctx);
    vtc_loader_close(&L);
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
