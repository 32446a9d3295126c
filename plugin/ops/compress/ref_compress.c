/* LLaVA-Mini resampler reference path (SPEC 2), double accumulation. */
#include "ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void layer_norm(const float *x, int rows, int E, const float *g, const float *b, double *out)
{
    for (int r = 0; r < rows; r++) {
        const float *v = x + (size_t)r * E;
        double mean = 0, var = 0;
        for (int e = 0; e < E; e++)
            mean += v[e];
        mean /= E;
        for (int e = 0; e < E; e++)
            var += (v[e] - mean) * (v[e] - mean);
        var /= E; /* biased */
        double inv = 1.0 / sqrt(var + 1e-5);
        for (int e = 0; e < E; e++)
            out[(size_t)r * E + e] = (v[e] - mean) * inv * g[e] + b[e];
    }
}

/* y[rows][E] = x[rows][E] W^T + bias, W rows [E][E] */
static void linear(const double *x, int rows, int E, const float *W, const float *bias, double *y)
{
    for (int r = 0; r < rows; r++)
        for (int o = 0; o < E; o++) {
            const float *w = W + (size_t)o * E;
            const double *xr = x + (size_t)r * E;
            double s = bias[o];
            for (int e = 0; e < E; e++)
                s += xr[e] * w[e];
            y[(size_t)r * E + o] = s;
        }
}

void ref_compress(const ref_resampler *w, int B, int N, const float *pos_q, const float *pos_k, const float *x,
                  float *out, float *attn_mean)
{
    int E = w->E, Q = w->C * w->C, H = w->heads, dh = E / H;
    double *qn = malloc(sizeof(double) * Q * E), *qp = malloc(sizeof(double) * Q * E);
    double *X = malloc(sizeof(double) * (size_t)N * E), *kin = malloc(sizeof(double) * (size_t)N * E);
    double *kp = malloc(sizeof(double) * (size_t)N * E), *vp = malloc(sizeof(double) * (size_t)N * E);
    double *ctx = malloc(sizeof(double) * Q * E), *o = malloc(sizeof(double) * Q * E), *a = malloc(sizeof(double) * N);
    layer_norm(w->query, Q, E, w->ln_q_w, w->ln_q_b, qn);
    for (int i = 0; i < Q * E; i++)
        qn[i] += pos_q[i];
    linear(qn, Q, E, w->w_in, w->b_in, qp);
    double sc = 1.0 / sqrt((double)dh);
    for (int b = 0; b < B; b++) {
        layer_norm(x + (size_t)b * N * E, N, E, w->ln_kv_w, w->ln_kv_b, X);
        for (size_t i = 0; i < (size_t)N * E; i++)
            kin[i] = X[i] + pos_k[i];
        linear(kin, N, E, w->w_in + (size_t)E * E, w->b_in + E, kp);
        linear(X, N, E, w->w_in + (size_t)2 * E * E, w->b_in + 2 * E, vp); /* no positions on values */
        if (attn_mean)
            memset(attn_mean + (size_t)b * Q * N, 0, sizeof(float) * (size_t)Q * N);
        for (int i = 0; i < Q; i++)
            for (int h = 0; h < H; h++) {
                double m = -INFINITY, s = 0;
                for (int j = 0; j < N; j++) {
                    double d = 0;
                    for (int e = 0; e < dh; e++)
                        d += qp[(size_t)i * E + h * dh + e] * kp[(size_t)j * E + h * dh + e];
                    a[j] = d * sc;
                    m = fmax(m, a[j]);
                }
                for (int j = 0; j < N; j++) {
                    a[j] = exp(a[j] - m);
                    s += a[j];
                }
                for (int e = 0; e < dh; e++) {
                    double acc = 0;
                    for (int j = 0; j < N; j++)
                        acc += a[j] * vp[(size_t)j * E + h * dh + e];
                    ctx[(size_t)i * E + h * dh + e] = acc / s;
                }
                if (attn_mean)
                    for (int j = 0; j < N; j++)
                        attn_mean[((size_t)b * Q + i) * N + j] += (float)(a[j] / s / H);
            }
        linear(ctx, Q, E, w->w_out, w->b_out, o);
        for (int i = 0; i < Q * E; i++)
            out[(size_t)b * Q * E + i] = (float)o[i];
    }
    free(qn); free(qp); free(X); free(kin); free(kp); free(vp); free(ctx); free(o); free(a);
}
