/*
 * LLaVA-Mini positional tables (SPEC 2), host side: the MAE 2-D sin-cos
 * table of the C x C query grid and its bicubic resize to the g x g token
 * grid. The resize follows PyTorch's upsample_bicubic2d (align_corners=False)
 * operation for operation in fp32 (source index, cubic coefficients with
 * A = -0.75, clamped taps, four row interpolations then one column
 * interpolation) so the key table matches the official code's, not just
 * the same formula in another rounding order.
 */
#include "vtc.h"

#include <math.h>
#include <stddef.h>

VTC_API vtc_result vtc_pos_embed_2d(uint32_t C, uint32_t E, float *out)
{
    if (!out || C == 0 || C > 4096 || E == 0 || E % 4 != 0 || E > (1u << 20))
        return VTC_ERROR_INVALID_ARGUMENT;
    uint32_t q = E / 4;
    for (uint32_t r = 0; r < C; r++)
        for (uint32_t c = 0; c < C; c++) {
            float *row = out + ((size_t)r * C + c) * E;
            for (uint32_t i = 0; i < q; i++) {
                /* MAE: omega = 1 / 10000^(i / (E/4)), in float64 as numpy computes it */
                double w = 1.0 / pow(10000.0, (double)i / (double)q);
                row[i] = (float)sin((double)c * w);
                row[q + i] = (float)cos((double)c * w);
                row[2 * q + i] = (float)sin((double)r * w);
                row[3 * q + i] = (float)cos((double)r * w);
            }
        }
    return VTC_SUCCESS;
}

static float cubic1(float x, float A) { return ((A + 2) * x - (A + 3)) * x * x + 1; }
static float cubic2(float x, float A) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; }

static void cubic_coeffs(float t, float w[4])
{
    const float A = -0.75f;
    w[0] = cubic2(t + 1.0f, A);
    w[1] = cubic1(t, A);
    w[2] = cubic1(1.0f - t, A);
    w[3] = cubic2(2.0f - t, A);
}

static int64_t clamp_i(int64_t v, int64_t hi) { return v < 0 ? 0 : v > hi ? hi : v; }

VTC_API vtc_result vtc_pos_embed_resize(uint32_t C, uint32_t g, uint32_t E, const float *table, float *out)
{
    if (!table || !out || C == 0 || C > 4096 || g == 0 || g > 4096 || E == 0 || E > (1u << 20))
        return VTC_ERROR_INVALID_ARGUMENT;
    /* PyTorch: scale = input/output (no scale_factor given), src = scale * (dst + 0.5) - 0.5, unclamped for cubic */
    float scale = (float)C / (float)g;
    for (uint32_t y = 0; y < g; y++) {
        float ry = scale * ((float)y + 0.5f) - 0.5f;
        int64_t iy = (int64_t)floorf(ry);
        float wy[4];
        cubic_coeffs(ry - (float)iy, wy);
        for (uint32_t x = 0; x < g; x++) {
            float rx = scale * ((float)x + 0.5f) - 0.5f;
            int64_t ix = (int64_t)floorf(rx);
            float wx[4];
            cubic_coeffs(rx - (float)ix, wx);
            float *o = out + ((size_t)y * g + x) * E;
            for (uint32_t e = 0; e < E; e++) {
                float rows[4];
                for (int k = 0; k < 4; k++) {
                    size_t ty = (size_t)clamp_i(iy - 1 + k, C - 1) * C;
                    const float *t0 = table + (ty + (size_t)clamp_i(ix - 1, C - 1)) * E + e;
                    const float *t1 = table + (ty + (size_t)clamp_i(ix, C - 1)) * E + e;
                    const float *t2 = table + (ty + (size_t)clamp_i(ix + 1, C - 1)) * E + e;
                    const float *t3 = table + (ty + (size_t)clamp_i(ix + 2, C - 1)) * E + e;
                    rows[k] = *t0 * wx[0] + *t1 * wx[1] + *t2 * wx[2] + *t3 * wx[3];
                }
                o[e] = rows[0] * wy[0] + rows[1] * wy[1] + rows[2] * wy[2] + rows[3] * wy[3];
            }
        }
    }
    return VTC_SUCCESS;
}
