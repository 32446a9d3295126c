/* EE-MLLM composite attention reference (SPEC 3), double accumulation. */
#include "ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ref_composite(int B, int Nq, int Nk, int Hq, int Hkv, int dh, float scale, const float *q, const float *k,
                   const float *v, const uint8_t *kind, float *o)
{
    int G = Hq / Hkv;
    double sc = scale != 0.0f ? scale : 1.0 / sqrt((double)dh);
    double *w = malloc(sizeof(double) * (size_t)Nk), *acc = malloc(sizeof(double) * (size_t)dh);
    for (int b = 0; b < B; b++)
        for (int r = 0; r < Nq; r++) {
            int p = Nk - Nq + r;
            for (int h = 0; h < Hq; h++) {
                int hk = h / G;
                float *out = o + (((size_t)b * Nq + r) * Hq + h) * dh;
                if (kind[(size_t)b * Nk + p]) { /* visual: the aligner, its own value row */
                    memcpy(out, v + (((size_t)b * Nk + p) * Hkv + hk) * dh, sizeof(float) * dh);
                    continue;
                }
                const float *qr = q + (((size_t)b * Nq + r) * Hq + h) * dh;
                double m = -INFINITY, s = 0;
                for (int j = 0; j <= p; j++) {
                    const float *kr = k + (((size_t)b * Nk + j) * Hkv + hk) * dh;
                    double d = 0;
                    for (int x = 0; x < dh; x++)
                        d += (double)qr[x] * kr[x];
                    w[j] = d * sc;
                    m = fmax(m, w[j]);
                }
                memset(acc, 0, sizeof(double) * dh);
                for (int j = 0; j <= p; j++) {
                    double e = exp(w[j] - m);
                    s += e;
                    const float *vr = v + (((size_t)b * Nk + j) * Hkv + hk) * dh;
                    for (int x = 0; x < dh; x++)
                        acc[x] += e * vr[x];
                }
                for (int x = 0; x < dh; x++)
                    out[x] = (float)(acc[x] / s);
            }
        }
    free(w);
    free(acc);
}
