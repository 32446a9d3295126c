/* The token-grid picture of `vtc run visionzip`, `vtc run prune` and `vtc demo`. */
#include "cli_run.h"
#include "io/png_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hue_rgb(float h, float s, float l, uint8_t *rgb)
{
    /* HSL -> RGB, h in [0, 1) */
    float c = (1 - fabsf(2 * l - 1)) * s, x = c * (1 - fabsf(fmodf(h * 6, 2) - 1)), m = l - c / 2;
    float r = 0, g = 0, b = 0;
    int seg = (int)(h * 6) % 6;
    if (seg == 0) { r = c; g = x; } else if (seg == 1) { r = x; g = c; } else if (seg == 2) { g = c; b = x; }
    else if (seg == 3) { g = x; b = c; } else if (seg == 4) { r = x; b = c; } else { r = c; b = x; }
    rgb[0] = (uint8_t)lrintf((r + m) * 255);
    rgb[1] = (uint8_t)lrintf((g + m) * 255);
    rgb[2] = (uint8_t)lrintf((b + m) * 255);
}

/* The role of each of one image's N tokens from its kept rows s: -2 dominant (or
   CLS), i the contextual target i or a token merged into it (is_target tells
   which), -1 none. The merge is recomputed from the metric m [N][Dm] with
   SPEC 1.3's rule (cosine argmax, ties to the lowest target). */
static void token_roles(int N, int keep_cls, int Dm, int k, int c, const float *m, const int32_t *s, int *role,
                        char *is_target)
{
    for (int j = 0; j < N; j++) {
        role[j] = -1;
        is_target[j] = 0;
    }
    for (int i = 0; i < keep_cls + k; i++)
        if (s[i] >= 0 && s[i] < N)
            role[s[i]] = -2;
    for (int i = 0; i < c; i++)
        if (s[keep_cls + k + i] >= 0 && s[keep_cls + k + i] < N) {
            role[s[keep_cls + k + i]] = i;
            is_target[s[keep_cls + k + i]] = 1;
        }
    for (int j = 0; j < N && c > 0; j++) {
        if (role[j] != -1)
            continue;
        double nj = 0, best = -2;
        for (int d = 0; d < Dm; d++)
            nj += (double)m[(size_t)j * Dm + d] * m[(size_t)j * Dm + d];
        for (int i = 0; i < c; i++) {
            int t = s[keep_cls + k + i];
            if (t < 0 || t >= N)
                continue;
            double dot = 0, nt = 0;
            for (int d = 0; d < Dm; d++) {
                dot += (double)m[(size_t)j * Dm + d] * m[(size_t)t * Dm + d];
                nt += (double)m[(size_t)t * Dm + d] * m[(size_t)t * Dm + d];
            }
            double sim = nj > 0 && nt > 0 ? dot / sqrt(nj * nt) : 0;
            if (sim > best) {
                best = sim;
                role[j] = i;
            }
        }
    }
}

/* One cell x cell square at p (rows W pixels apart): fill col, a 1-pixel grid
   line, and a 2-pixel border (1: black, a target; 2: gold, dominant). */
static void draw_cell(uint8_t *p, int W, int cell, const uint8_t *col, int border)
{
    for (int py = 0; py < cell; py++)
        for (int px = 0; px < cell; px++) {
            uint8_t *q = p + ((size_t)py * W + px) * 3;
            int edge = px == 0 || py == 0;
            int thick = border && (px < 2 || py < 2 || px >= cell - 2 || py >= cell - 2);
            if (thick && border == 2) {
                q[0] = 225; q[1] = 170; q[2] = 0;
            } else if (thick)
                q[0] = q[1] = q[2] = 0;
            else if (edge)
                q[0] = q[1] = q[2] = 40;
            else
                memcpy(q, col, 3);
        }
}

/*
 * Draws each image's g x g token grid (g = sqrt(N - keep_cls)): dominant
 * tokens white with a gold border, each contextual target a saturated hue with a dark border,
 * and every merged token a light shade of the hue of the target it joined.
 * The assignment is recomputed here from src_idx and the metric with the
 * same rule as SPEC 1.3 (cosine argmax, ties to the lowest target), so the
 * picture shows what vtc computed without a debug output from the GPU.
 */
int cli_token_grid_png(const char *path, int B, int N, int keep_cls, int Dm, int k, int c, const float *metric,
                       const int32_t *src_idx)
{
    int g = (int)lrint(sqrt((double)(N - keep_cls)));
    if (g * g != N - keep_cls || g < 1)
        return cli_error("--png: %d tokens (without CLS) are not a square grid", N - keep_cls);
    const int cell = g <= 32 ? 12 : g <= 64 ? 6 : 3, gap = 16;
    int W = B * g * cell + (B + 1) * gap, Hh = g * cell + 2 * gap;
    if (W > 16384) {
        B = (16384 - gap) / (g * cell + gap);
        W = B * g * cell + (B + 1) * gap;
    }
    uint8_t *img = malloc((size_t)W * Hh * 3);
    int *role = malloc(sizeof(int) * N);
    char *is_target = malloc((size_t)N);
    if (!img || !role || !is_target) {
        free(img); free(role); free(is_target);
        return cli_error("--png: out of memory");
    }
    memset(img, 40, (size_t)W * Hh * 3);
    int rows = keep_cls + k + c;
    for (int b = 0; b < B; b++) {
        token_roles(N, keep_cls, Dm, k, c, metric + (size_t)b * N * Dm, src_idx + (size_t)b * rows, role, is_target);
        int x0 = gap + b * (g * cell + gap), y0 = gap;
        for (int t = 0; t < g * g; t++) {
            int tok = t + keep_cls, gy = t / g, gx = t % g;
            uint8_t col[3] = {90, 90, 90};
            int border = 0;
            if (role[tok] == -2) {
                col[0] = col[1] = col[2] = 250;
                border = 2;
            } else if (role[tok] >= 0) {
                float h = fmodf(role[tok] * 0.61803398875f, 1.0f);
                hue_rgb(h, is_target[tok] ? 0.95f : 0.55f, is_target[tok] ? 0.45f : 0.78f, col);
                border = is_target[tok];
            }
            draw_cell(img + ((size_t)(y0 + gy * cell) * W + x0 + gx * cell) * 3, W, cell, col, border);
        }
    }
    char err[512];
    int rc = png_write_rgb(path, W, Hh, img, err, sizeof(err));
    free(img);
    free(role);
    free(is_target);
    if (rc)
        return cli_error("%s", err);
    return 0;
}
