/* The compress reference (CPU, from SPEC.md; tests/ref/ref.h for the conventions). */
#ifndef VTC_REF_COMPRESS_H
#define VTC_REF_COMPRESS_H
#include <stddef.h>
#include <stdint.h>

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
#endif
