/*
 * CPU references written straight from SPEC.md (not from any GPU code).
 * Accumulation in double unless a function says otherwise. All arrays are
 * contiguous row-major float32 unless stated.
 */
#ifndef VTC_REF_H
#define VTC_REF_H
#include <stddef.h>
#include <stdint.h>

/* SPEC 1.1. mode 0 ATTN_CLS (attn[B][H][N]), 1 QK_CLS, 2 QK_MEAN (q, k [B][N][H][dh]); scale 0 -> 1/sqrt(dh).
   QK_MEAN never materialises N x N: per query row log-sum-exp, then exp(s_ij - lse_i) per key column. */
void ref_scores(int mode, int B, int N, int H, int dh, float scale, const float *attn, const float *q, const float *k,
                float *score);
/* The same with the CLS query at row `cls` (QK_CLS). */
void ref_scores_cls(int mode, int B, int N, int H, int dh, float scale, int cls, const float *attn, const float *q,
                    const float *k, float *score);
/* ATTN_CLS summed in fp32 in ascending head order: the GPU does the same, so selection can be compared exactly. */
void ref_scores_attn_f32(int B, int N, int H, const float *attn, float *score);
/* SPEC 1.2. keep_idx[B][keep_cls+k], rest_idx[B][N-keep_cls-k], dominant[B][keep_cls+k][D]; outputs may be NULL.
   Returns 0, or -1 when k is out of range. */
int ref_select(int B, int N, int D, int k, int keep_cls, const float *score, const float *hidden, int32_t *keep_idx,
               int32_t *rest_idx, float *dominant);
/* The same with CLS at row `cls` (< 0: no CLS): it is kept, does not compete, and stands at its ascending place. */
int ref_select_cls(int B, int N, int D, int k, int cls, const float *score, const float *hidden, int32_t *keep_idx,
                   int32_t *rest_idx, float *dominant);
/* SPEC 1.3. contextual[B][c][D]; optional assign[B][R-c] (target slot of each source, sources ascending) and
   target_idx[B][c]. Returns 0, or -1 when c is out of range or a rest index is outside [0, N). */
int ref_merge(int B, int N, int D, int Dm, int R, int c, const float *hidden, const float *metric,
              const int32_t *rest_idx, float *contextual, int32_t *assign, int32_t *target_idx);
/* SPEC 1.4. out[B][keep_cls+k+c][D] = [dominant; contextual]; src_idx[B][keep_cls+k+c] (may be NULL).
   Mode 0 scores use ref_scores_attn_f32. Returns 0 or -1. */
int ref_visionzip(int mode, int B, int N, int D, int H, int dh, int Dm, int k, int c, int keep_cls, float scale,
                  const float *attn, const float *q, const float *k_, const float *hidden, const float *metric,
                  float *out, int32_t *src_idx);
/* The same with CLS at row `cls` (< 0: no CLS). */
int ref_visionzip_cls(int mode, int B, int N, int D, int H, int dh, int Dm, int k, int c, int cls, float scale,
                      const float *attn, const float *q, const float *k_, const float *hidden, const float *metric,
                      float *out, int32_t *src_idx);
/* Token budget -> (dominant, contextual): contextual = round(T / 6.4) (64 -> 10, 128 -> 20, 192 -> 30),
   dominant = T - keep_cls - contextual, contextual lowered so dominant >= 0. */
void ref_token_split(int tokens, int keep_cls, int *dominant, int *contextual);

/* Embedding-only selection (docs/prune.md). mode 0 DivPrune, 1 DART (P pivots, 0 -> 8); metric[B][N][Dm] or NULL
   (then hidden, Dm = D). keep_idx[B][K] ascending, out[B][K+c][D], src_idx[B][K+c] (each may be NULL); c > 0
   merges as ref_merge over the non-kept tokens. follow (may be NULL): a selection [B][K] to judge; where it
   differs from the exact rule only at near ties (a followed candidate strictly below the maximum by at most tol,
   relative) the reference follows it and counts *near_ties. Returns 0, -1 for bad arguments, -2 when follow is
   not a valid outcome. */
int ref_prune(int mode, int B, int N, int D, int Dm, int K, int c, int P, const float *hidden, const float *metric,
              const int32_t *follow, double tol, int *near_ties, int32_t *keep_idx, float *out, int32_t *src_idx);

/* SPEC 2: LLaVA-Mini resampler, reference path. Q = C*C queries, E width, heads h, dh = E/h. */
typedef struct ref_resampler {
    int C, E, heads;
    const float *query, *ln_q_w, *ln_q_b, *ln_kv_w, *ln_kv_b, *w_in, *b_in, *w_out, *b_out;
} ref_resampler;
/* out[B][Q][E]; attn_mean[B][Q][N] (may be NULL). pos_q[Q][E], pos_k[N][E]. */
void ref_compress(const ref_resampler *w, int B, int N, const float *pos_q, const float *pos_k, const float *x,
                  float *out, float *attn_mean);
/* MAE 2-D sin-cos table of a C x C grid: row r*C+c = [sin(c w), cos(c w), sin(r w), cos(r w)], blocks of E/4,
   w_i = 10000^(-i/(E/4)). out[C*C][E]. */
void ref_pos_embed_2d(int C, int E, float *out);
/* pos table resized C x C -> g x g as torch interpolate(mode="bicubic", align_corners=False), fp32. out[g*g][E]. */
void ref_pos_resize_bicubic(int C, int g, int E, const float *pos_q, float *out);

/* SPEC 3: composite attention. q[B][Nq][Hq][dh], k, v[B][Nk][Hkv][dh], kind[B][Nk] (0 text, 1 visual).
   Row r at position p = Nk - Nq + r: visual -> v[p][h/G] exactly; text -> causal softmax over j <= p. */
void ref_composite(int B, int Nq, int Nk, int Hq, int Hkv, int dh, float scale, const float *q, const float *k,
                   const float *v, const uint8_t *kind, float *o);

/* Comparison: NMSE = sum (a-b)^2 / sum b^2 (0/0 -> 0); a non-finite `got` where `want` is finite -> +inf. */
double ref_nmse(const float *got, const float *want, size_t n);
size_t ref_index_mismatches(const int32_t *got, const int32_t *want, size_t n);
/* Deterministic random numbers (splitmix64). */
uint64_t ref_rng_next(uint64_t *state);
float ref_rng_uniform(uint64_t *state, float lo, float hi);
float ref_rng_normal(uint64_t *state);
#endif
