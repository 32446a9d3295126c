/* The scores reference (CPU, from SPEC.md; tests/ref/ref.h for the conventions). */
#ifndef VTC_REF_SCORES_H
#define VTC_REF_SCORES_H
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
#endif
