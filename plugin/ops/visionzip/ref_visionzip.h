/* The visionzip reference (CPU, from SPEC.md; tests/ref/ref.h for the conventions). */
#ifndef VTC_REF_VISIONZIP_H
#define VTC_REF_VISIONZIP_H
#include <stddef.h>
#include <stdint.h>

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
#endif
