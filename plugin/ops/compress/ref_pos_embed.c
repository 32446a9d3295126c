/* LLaVA-Mini positional tables (SPEC 2): MAE 2-D sin-cos and PyTorch bicubic resize. */
#include "ref.h"

#include <math.h>
#include <stdlib.h>

void ref_pos_embed_2d(int C, int E, float *out)
{
    int q = E / 4;
    for (int r = 0; r < C; r++)
        for (int c = 0; c < C; c++) {
            float *row = out + ((size_t)r * C + c) * E;
            for (int i = 0; i < q; i++) {
                double w = pow(10000.0, -(double)i / q);
                row[i] = (float)sin(c * w);
                row[q + i] = (float)cos(c * w);
                row[2 * q + i] = (float)sin(r * w);
                row[3 * q + i] = (float)cos(r * w);
            }
        }
}

/* PyTorch's cubic convolution weights (A = -0.75) for fractional offset t. */
static void cubic_weights(double t, double w[4])
{
    const double A = -0.75;
    double x = t + 1.0;
    w[0] = ((A * x - 5.0 * A) * x + 8.0 * A) * x - 4.0 * A;
    x = t;
    w[1] = ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0;
    x = 1.0 - t;
    w[2] = ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0;
    x = 2.0 - t;
    w[3] = ((A * x - 5.0 * A) * x + 8.0 * A) * x - 4.0 * A;
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void ref_pos_resize_bicubic(int C, int g, int E, const float *pos_q, float *out)
{
    /* align_corners=False: source = (dst + 0.5) * in/out - 0.5, taps clamped to the border */
    double scale = (double)C / g;
    for (int y = 0; y < g; y++) {
        double sy = (y + 0.5) * scale - 0.5;
        int iy = (int)floor(sy);
        double wy[4];
        cubic_weights(sy - iy, wy);
        for (int x = 0; x < g; x++) {
            double sx = (x + 0.5) * scale - 0.5;
            int ix = (int)floor(sx);
            double wx[4];
            cubic_weights(sx - ix, wx);
            float *o = out + ((size_t)y * g + x) * E;
            for (int e = 0; e < E; e++) {
                double acc = 0;
                for (int a = 0; a < 4; a++) {
                    int ry = clampi(iy - 1 + a, 0, C - 1);
                    double rowv = 0;
                    for (int bb = 0; bb < 4; bb++) {
                        int rx = clampi(ix - 1 + bb, 0, C - 1);
                        rowv += wx[bb] * pos_q[((size_t)ry * C + rx) * E + e];
                    }
                    acc += wy[a] * rowv;
                }
                o[e] = (float)acc;
            }
        }
    }
}
