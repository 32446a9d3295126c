/* VisionZip reference (SPEC 1.4): scores, select and merge chained. */
#include "ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ref_visionzip(int mode, int B, int N, int D, int H, int dh, int Dm, int k, int c, int keep_cls, float scale,
                  const float *attn, const float *q, const float *k_, const float *hidden, const float *metric,
                  float *out, int32_t *src_idx)
{
    return ref_visionzip_cls(mode, B, N, D, H, dh, Dm, k, c, keep_cls ? 0 : -1, scale, attn, q, k_, hidden, metric, out,
                             src_idx);
}

int ref_visionzip_cls(int mode, int B, int N, int D, int H, int dh, int Dm, int k, int c, int cls, float scale,
                      const float *attn, const float *q, const float *k_, const float *hidden, const float *metric,
                      float *out, int32_t *src_idx)
{
    int keep_cls = cls >= 0;
    if (k < 0 || c < 0 || N < keep_cls || k + c > N - keep_cls || cls >= N)
        return -1;
    int nkeep = keep_cls + k, R = N - nkeep, rows = nkeep + c;
    float *score = malloc(sizeof(float) * (size_t)B * N), *dom = malloc(sizeof(float) * ((size_t)B * nkeep * D + 1));
    float *ctx = malloc(sizeof(float) * ((size_t)B * c * D + 1));
    int32_t *keep = malloc(4 * ((size_t)B * nkeep + 1)), *rest = malloc(4 * ((size_t)B * R + 1));
    int32_t *tgt = malloc(4 * ((size_t)B * c + 1));
    ref_scores_cls(mode, B, N, H, dh, scale, keep_cls ? cls : 0, attn, q, k_, score);
    int r = ref_select_cls(B, N, D, k, cls, score, hidden, keep, rest, dom);
    if (!r)
        r = ref_merge(B, N, D, Dm, R, c, hidden, metric, rest, ctx, NULL, tgt);
    for (int b = 0; !r && b < B; b++) {
        memcpy(out + (size_t)b * rows * D, dom + (size_t)b * nkeep * D, sizeof(float) * (size_t)nkeep * D);
        memcpy(out + ((size_t)b * rows + nkeep) * D, ctx + (size_t)b * c * D, sizeof(float) * (size_t)c * D);
        if (src_idx) {
            memcpy(src_idx + (size_t)b * rows, keep + (size_t)b * nkeep, 4 * (size_t)nkeep);
            memcpy(src_idx + (size_t)b * rows + nkeep, tgt + (size_t)b * c, 4 * (size_t)c);
        }
    }
    free(score); free(dom); free(ctx); free(keep); free(rest); free(tgt);
    return r;
}

void ref_token_split(int tokens, int keep_cls, int *dominant, int *contextual)
{
    int avail = tokens - keep_cls;
    if (avail <= 0) {
        *dominant = *contextual = 0;
        return;
    }
    int c = (tokens * 10 + 32) / 64; /* round(tokens / 6.4) */
    if (c > avail)
        c = avail;
    *contextual = c;
    *dominant = avail - c;
}
