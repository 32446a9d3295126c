/* scores reference (SPEC 1.1). */
#include "ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ref_scores_attn_f32(int B, int N, int H, const float *attn, float *score)
{
    for (int b = 0; b < B; b++)
        for (int j = 0; j < N; j++) {
            float s = 0.0f;
            for (int h = 0; h < H; h++)
                s += attn[((size_t)b * H + h) * N + j];
            score[(size_t)b * N + j] = s;
        }
}

static double dot_qk(const float *q, const float *k, int b, int i, int j, int h, int N, int H, int dh)
{
    const float *qa = q + (((size_t)b * N + i) * H + h) * dh, *ka = k + (((size_t)b * N + j) * H + h) * dh;
    double d = 0;
    for (int x = 0; x < dh; x++)
        d += (double)qa[x] * ka[x];
    return d;
}

void ref_scores(int mode, int B, int N, int H, int dh, float scale, const float *attn, const float *q, const float *k,
                float *score)
{
    ref_scores_cls(mode, B, N, H, dh, scale, 0, attn, q, k, score);
}

void ref_scores_cls(int mode, int B, int N, int H, int dh, float scale, int cls, const float *attn, const float *q,
                    const float *k, float *score)
{
    if (mode == 0) {
        ref_scores_attn_f32(B, N, H, attn, score);
        return;
    }
    double sc = scale != 0.0f ? scale : 1.0 / sqrt((double)dh);
    double *acc = calloc((size_t)N, sizeof(double));
    for (int b = 0; b < B; b++) {
        memset(acc, 0, sizeof(double) * N);
        int first = mode == 1 ? cls : 0, rows = mode == 1 ? cls + 1 : N;
        for (int h = 0; h < H; h++)
            for (int i = first; i < rows; i++) {
                /* log-sum-exp of the row, then the column contributions: no N x N buffer */
                double m = -INFINITY, s = 0;
                for (int j = 0; j < N; j++)
                    m = fmax(m, sc * dot_qk(q, k, b, i, j, h, N, H, dh));
                for (int j = 0; j < N; j++)
                    s += exp(sc * dot_qk(q, k, b, i, j, h, N, H, dh) - m);
                double lse = m + log(s);
                for (int j = 0; j < N; j++)
                    acc[j] += exp(sc * dot_qk(q, k, b, i, j, h, N, H, dh) - lse);
            }
        double f = mode == 1 ? 1.0 : 1.0 / ((double)H * N);
        for (int j = 0; j < N; j++)
            score[(size_t)b * N + j] = (float)(acc[j] * f);
    }
    free(acc);
}

