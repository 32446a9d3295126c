/* merge reference (SPEC 1.3). */
#include "ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ref_merge(int B, int N, int D, int Dm, int R, int c, const float *hidden, const float *metric,
              const int32_t *rest_idx, float *contextual, int32_t *assign, int32_t *target_idx)
{
    if (c < 0 || c > R)
        return -1;
    if (c == 0)
        return 0;
    for (size_t i = 0; i < (size_t)B * R; i++)
        if (rest_idx[i] < 0 || rest_idx[i] >= N)
            return -1;
    int step = R / c > 1 ? R / c : 1;
    double *mn = malloc(sizeof(double) * (size_t)R * Dm), *acc = malloc(sizeof(double) * (size_t)c * D);
    int *slot = malloc(sizeof(int) * R), *count = malloc(sizeof(int) * c);
    for (int b = 0; b < B; b++) {
        const int32_t *ri = rest_idx + (size_t)b * R;
        for (int i = 0; i < R; i++) {
            const float *m = metric + ((size_t)b * N + ri[i]) * Dm;
            double nrm = 0;
            for (int d = 0; d < Dm; d++)
                nrm += (double)m[d] * m[d];
            nrm = sqrt(nrm);
            for (int d = 0; d < Dm; d++)
                mn[(size_t)i * Dm + d] = nrm > 0 ? m[d] / nrm : 0.0; /* a zero row stays zero */
            slot[i] = -1;
        }
        for (int t = 0; t < c; t++) {
            slot[t * step] = t;
            if (target_idx)
                target_idx[(size_t)b * c + t] = ri[t * step];
        }
        memset(acc, 0, sizeof(double) * (size_t)c * D);
        memset(count, 0, sizeof(int) * c);
        int src = 0;
        for (int i = 0; i < R; i++) {
            if (slot[i] >= 0)
                continue; /* a target */
            int best = 0;
            double bs = -INFINITY;
            for (int t = 0; t < c; t++) {
                double s = 0;
                for (int d = 0; d < Dm; d++)
                    s += mn[(size_t)i * Dm + d] * mn[(size_t)t * step * Dm + d];
                if (s > bs) { /* strict: ties keep the lowest target */
                    bs = s;
                    best = t;
                }
            }
            if (assign)
                assign[(size_t)b * (R - c) + src] = best;
            src++;
            count[best]++;
            const float *h = hidden + ((size_t)b * N + ri[i]) * D;
            for (int d = 0; d < D; d++)
                acc[(size_t)best * D + d] += h[d];
        }
        for (int t = 0; t < c; t++) {
            const float *h = hidden + ((size_t)b * N + ri[t * step]) * D;
            int cnt = count[t] > 1 ? count[t] : 1;
            for (int d = 0; d < D; d++)
                contextual[((size_t)b * c + t) * D + d] = (float)(h[d] + acc[(size_t)t * D + d] / cnt);
        }
    }
    free(mn); free(acc); free(slot); free(count);
    return 0;
}

