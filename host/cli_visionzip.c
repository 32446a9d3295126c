/* `vtc run merge`, `vtc run visionzip` and the token-grid picture. */
#include "cli.h"
#include "io/png_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char merge_usage[] =
    "usage: vtc run merge --hidden H.npy --metric M.npy --rest-index R.npy --contextual C\n"
    "                     [--dtype f32|f16] --out O.npy\n"
    "\n"
    "VisionZip contextual merging (SPEC 1.3): of the R rest tokens, every (R/C)-th is a\n"
    "target; each other rest token joins the target whose metric row is most similar\n"
    "(cosine); out[i] = hidden[target i] + mean of the hidden rows that joined it.\n"
    "  --hidden H.npy      [B][N][D] hidden states\n"
    "  --metric M.npy      [B][N][Dm] keys of the encoder layer averaged over heads\n"
    "  --rest-index R.npy  [B][R] int32 ascending indices of the tokens not kept\n"
    "                      (from 'vtc run select --rest-index')\n"
    "  --contextual C      contextual tokens per image (0 <= C <= R)\n"
    "  --dtype D           device storage: f32 (default) or f16\n"
    "  --out O.npy         [B][C][D] contextual tokens\n";

int cli_run_merge(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    const char *hidden = NULL, *metric = NULL, *rest = NULL, *cs = NULL, *out = NULL, *dt_s = NULL, *v;
    if (cli_wants_help(argc, argv)) {
        fputs(merge_usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        v = "";
        if (cli_opt(argc, argv, &i, "--hidden", &v)) hidden = v;
        else if (cli_opt(argc, argv, &i, "--metric", &v)) metric = v;
        else if (cli_opt(argc, argv, &i, "--rest-index", &v)) rest = v;
        else if (cli_opt(argc, argv, &i, "--contextual", &v)) cs = v;
        else if (cli_opt(argc, argv, &i, "--dtype", &v)) dt_s = v;
        else if (cli_opt(argc, argv, &i, "--out", &v)) out = v;
        else return cli_usage_error("merge", "unknown argument '%s'", argv[i]);
        if (!v) return cli_usage_error("merge", "%s needs a value", argv[i]);
    }
    uint32_t dtype = VTC_DTYPE_F32, c;
    if (dt_s && cli_parse_dtype(dt_s, &dtype)) return cli_usage_error("merge", "--dtype must be f32 or f16");
    if (!hidden || !metric || !rest || !cs || !out)
        return cli_usage_error("merge", "--hidden, --metric, --rest-index, --contextual and --out are required");
    if (cli_parse_u32(cs, &c)) return cli_usage_error("merge", "--contextual must be a non-negative integer");
    cli_array H = {0}, M = {0}, R = {0};
    int rc = 1;
    void *o = NULL;
    if (cli_load(hidden, 1, dtype, 3, &H) || cli_load(metric, 1, dtype, 3, &M) || cli_load(rest, 0, 0, 2, &R))
        goto done;
    if (R.a.dtype != NPY_I32) { cli_error("%s: rest indices must be int32 (<i4)", rest); goto done; }
    int64_t B = H.a.shape[0], D = H.a.shape[2];
    int64_t so[3] = {B, c, D};
    o = malloc((dtype == VTC_DTYPE_F16 ? 2 : 4) * (size_t)(B * c * D) + 1);
    if (!o) { cli_error("out of memory"); goto done; }
    vtc_merge_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.contextual = c;
    a.hidden = cli_tensor(&H);
    a.metric = cli_tensor(&M);
    a.rest_idx = cli_tensor(&R);
    a.out = cli_tensor_new(dtype, o, 3, so);
    vtc_result r = api->merge(ctx, &a, NULL);
    if (r) { rc = cli_vtc_error(api, "merge", r); goto done; }
    rc = cli_save(out, dtype, 3, so, o);
    if (!rc)
        printf("merge: %lld image(s), %lld rest tokens -> %u contextual each\n", (long long)B, (long long)R.a.shape[1], c);
done:
    free(o);
    cli_free(&H); cli_free(&M); cli_free(&R);
    return rc;
}

/* ---- the token grid picture ------------------------------------------- */
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

/*
 * Draws each image's g x g token grid (g = sqrt(N - keep_cls)): dominant
 * tokens white with a gold border, each contextual target a saturated hue with a dark border,
 * and every merged token a light shade of the hue of the target it joined.
 * The assignment is recomputed here from src_idx and the metric with the
 * same rule as SPEC 1.3 (cosine argmax, ties to the lowest target), so the
 * picture shows what vtc computed without a debug output from the GPU.
 */
int cli_visionzip_png(const char *path, int B, int N, int keep_cls, int D, int Dm, int k, int c, const float *metric,
                      const int32_t *src_idx, uint32_t metric_dtype)
{
    (void)D;
    (void)metric_dtype;
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
    int *role = malloc(sizeof(int) * N); /* -2 dominant, -1 unknown, i: target i or joined target i */
    char *is_target = malloc((size_t)N);
    if (!img || !role || !is_target) {
        free(img); free(role); free(is_target);
        return cli_error("--png: out of memory");
    }
    memset(img, 40, (size_t)W * Hh * 3);
    int rows = keep_cls + k + c;
    for (int b = 0; b < B; b++) {
        const int32_t *s = src_idx + (size_t)b * rows;
        const float *m = metric + (size_t)b * N * Dm;
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
        int x0 = gap + b * (g * cell + gap), y0 = gap;
        for (int t = 0; t < g * g; t++) {
            int tok = t + keep_cls, gy = t / g, gx = t % g;
            uint8_t col[3] = {90, 90, 90};
            int border = 0; /* 1: black (target), 2: gold (dominant) */
            if (role[tok] == -2) {
                col[0] = col[1] = col[2] = 250;
                border = 2;
            } else if (role[tok] >= 0) {
                float h = fmodf(role[tok] * 0.61803398875f, 1.0f);
                hue_rgb(h, is_target[tok] ? 0.95f : 0.55f, is_target[tok] ? 0.45f : 0.78f, col);
                border = is_target[tok];
            }
            for (int py = 0; py < cell; py++)
                for (int px = 0; px < cell; px++) {
                    uint8_t *p = img + ((size_t)(y0 + gy * cell + py) * W + x0 + gx * cell + px) * 3;
                    int edge = px == 0 || py == 0;
                    int thick = border && (px < 2 || py < 2 || px >= cell - 2 || py >= cell - 2);
                    if (thick && border == 2) {
                        p[0] = 225; p[1] = 170; p[2] = 0;
                    } else if (thick)
                        p[0] = p[1] = p[2] = 0;
                    else if (edge)
                        p[0] = p[1] = p[2] = 40;
                    else
                        memcpy(p, col, 3);
                }
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

static const char visionzip_usage[] =
    "usage: vtc run visionzip --hidden H.npy --metric M.npy\n"
    "                         (--attn A.npy | --q Q.npy --k K.npy --mode qk_cls|qk_mean) [--scale S]\n"
    "                         (--tokens T | --dominant K --contextual C) [--no-cls] [--dtype f32|f16]\n"
    "                         --out O.npy [--src-index I.npy] [--png FILE]\n"
    "\n"
    "VisionZip in one fused call (SPEC 1.4): scores -> dominant tokens -> contextual\n"
    "merging. Output rows per image: [CLS; K dominant; C contextual].\n"
    "  --hidden H.npy     [B][N][D] hidden states of the encoder layer (layer -2 in LLaVA)\n"
    "  --metric M.npy     [B][N][Dm] that layer's keys averaged over heads\n"
    "  --attn A.npy       [B][H][N] the CLS query's attention row per head (attn_cls)\n"
    "  --q, --k           [B][N][H][dh] that layer's queries and keys, with --mode\n"
    "                     qk_cls (CLS query) or qk_mean (every query; no CLS)\n"
    "  --scale S          softmax scale for the qk modes (default 1/sqrt(dh))\n"
    "  --tokens T         output tokens per image incl. CLS; split as the official settings\n"
    "                     (64 = 1+53+10, 128 = 1+107+20, 192 = 1+161+30; else ~5/6 dominant)\n"
    "  --dominant K, --contextual C   the split given explicitly\n"
    "  --no-cls           token 0 is an ordinary token (SigLIP)\n"
    "  --dtype D          device storage: f32 (default) or f16\n"
    "  --out O.npy        [B][keep_cls+K+C][D]\n"
    "  --src-index I.npy  [B][keep_cls+K+C] int32 original token index of each output row\n"
    "                     (a contextual row: its target), for 1-D or 2-D positions\n"
    "  --png FILE         draw each image's token grid: dominant white (gold border), targets\n"
    "                     saturated"
    " with a black border, merged tokens a light shade of their target's colour\n";

int cli_run_visionzip(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    const char *hidden = NULL, *metric = NULL, *attn = NULL, *q = NULL, *k = NULL, *mode = NULL, *scale_s = NULL;
    const char *tokens = NULL, *dom = NULL, *ctxs = NULL, *dt_s = NULL, *out = NULL, *srcp = NULL, *png = NULL, *v;
    int no_cls = 0;
    if (cli_wants_help(argc, argv)) {
        fputs(visionzip_usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        v = "";
        if (!strcmp(argv[i], "--no-cls")) no_cls = 1;
        else if (cli_opt(argc, argv, &i, "--hidden", &v)) hidden = v;
        else if (cli_opt(argc, argv, &i, "--metric", &v)) metric = v;
        else if (cli_opt(argc, argv, &i, "--attn", &v)) attn = v;
        else if (cli_opt(argc, argv, &i, "--q", &v)) q = v;
        else if (cli_opt(argc, argv, &i, "--k", &v)) k = v;
        else if (cli_opt(argc, argv, &i, "--mode", &v)) mode = v;
        else if (cli_opt(argc, argv, &i, "--scale", &v)) scale_s = v;
        else if (cli_opt(argc, argv, &i, "--tokens", &v)) tokens = v;
        else if (cli_opt(argc, argv, &i, "--dominant", &v)) dom = v;
        else if (cli_opt(argc, argv, &i, "--contextual", &v)) ctxs = v;
        else if (cli_opt(argc, argv, &i, "--dtype", &v)) dt_s = v;
        else if (cli_opt(argc, argv, &i, "--out", &v)) out = v;
        else if (cli_opt(argc, argv, &i, "--src-index", &v)) srcp = v;
        else if (cli_opt(argc, argv, &i, "--png", &v)) png = v;
        else return cli_usage_error("visionzip", "unknown argument '%s'", argv[i]);
        if (!v) return cli_usage_error("visionzip", "%s needs a value", argv[i]);
    }
    uint32_t dtype = VTC_DTYPE_F32, m, kd = 0, cc = 0, T;
    float scale = 0.0f;
    if (dt_s && cli_parse_dtype(dt_s, &dtype)) return cli_usage_error("visionzip", "--dtype must be f32 or f16");
    if (scale_s && cli_parse_float(scale_s, &scale)) return cli_usage_error("visionzip", "--scale must be a finite number");
    if (!hidden || !metric || !out) return cli_usage_error("visionzip", "--hidden, --metric and --out are required");
    if (!mode) m = attn ? VTC_SCORE_ATTN_CLS : VTC_SCORE_QK_CLS;
    else if (!strcmp(mode, "attn_cls")) m = VTC_SCORE_ATTN_CLS;
    else if (!strcmp(mode, "qk_cls")) m = VTC_SCORE_QK_CLS;
    else if (!strcmp(mode, "qk_mean")) m = VTC_SCORE_QK_MEAN;
    else return cli_usage_error("visionzip", "--mode must be attn_cls, qk_cls or qk_mean");
    if (m == VTC_SCORE_ATTN_CLS ? (!attn || q || k) : (attn || !q || !k))
        return cli_usage_error("visionzip", "give --attn (attn_cls) or --q and --k (qk modes)");
    if (tokens ? (dom || ctxs) : (!dom || !ctxs))
        return cli_usage_error("visionzip", "give --tokens, or --dominant and --contextual");
    if (tokens) {
        if (cli_parse_u32(tokens, &T)) return cli_usage_error("visionzip", "--tokens must be a non-negative integer");
        api->token_split(T, no_cls ? 0 : 1, &kd, &cc);
    } else if (cli_parse_u32(dom, &kd) || cli_parse_u32(ctxs, &cc)) {
        return cli_usage_error("visionzip", "--dominant and --contextual must be non-negative integers");
    }

    cli_array H = {0}, M = {0}, A = {0}, Q = {0}, K = {0};
    int rc = 1;
    void *o = NULL;
    int32_t *src = NULL;
    if (cli_load(hidden, 1, dtype, 3, &H) || cli_load(metric, 1, dtype, 3, &M)) goto done;
    vtc_visionzip_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.score_mode = m;
    a.scale = scale;
    a.dominant = kd;
    a.contextual = cc;
    a.no_cls = (uint32_t)no_cls;
    a.hidden = cli_tensor(&H);
    a.metric = cli_tensor(&M);
    if (m == VTC_SCORE_ATTN_CLS) {
        if (cli_load(attn, 1, dtype, 3, &A)) goto done;
        a.attn = cli_tensor(&A);
    } else {
        if (cli_load(q, 1, dtype, 4, &Q) || cli_load(k, 1, dtype, 4, &K)) goto done;
        a.q = cli_tensor(&Q);
        a.k = cli_tensor(&K);
    }
    int64_t B = H.a.shape[0], N = H.a.shape[1], D = H.a.shape[2], rows = (no_cls ? 0 : 1) + (int64_t)kd + cc;
    int64_t so[3] = {B, rows, D}, ss[2] = {B, rows};
    o = malloc((dtype == VTC_DTYPE_F16 ? 2 : 4) * (size_t)(B * rows * D) + 1);
    src = malloc(4 * (size_t)(B * rows) + 4);
    if (!o || !src) { cli_error("out of memory"); goto done; }
    a.out = cli_tensor_new(dtype, o, 3, so);
    a.src_idx = cli_tensor_new(VTC_DTYPE_I32, src, 2, ss);
    double t0 = cli_now_ms();
    vtc_result r = api->visionzip(ctx, &a, NULL);
    double t1 = cli_now_ms();
    if (r) { rc = cli_vtc_error(api, "visionzip", r); goto done; }
    rc = cli_save(out, dtype, 3, so, o);
    if (!rc && srcp) rc = cli_save(srcp, VTC_DTYPE_I32, 2, ss, src);
    if (!rc)
        printf("visionzip: %lld image(s), %lld -> %lld tokens each (%s%u dominant + %u contextual), %.2f ms\n",
               (long long)B, (long long)N, (long long)rows, no_cls ? "" : "CLS + ", kd, cc, t1 - t0);
    if (!rc && png) {
        float *mf = malloc(sizeof(float) * M.a.count + 4);
        if (!mf) { rc = cli_error("out of memory"); goto done; }
        npy_to_f32(&M.a, mf);
        rc = cli_visionzip_png(png, (int)B, (int)N, no_cls ? 0 : 1, (int)D, (int)M.a.shape[2], (int)kd, (int)cc, mf, src,
                               VTC_DTYPE_F32);
        free(mf);
        if (!rc)
            printf("token grid written to %s\n", png);
    }
done:
    free(o);
    free(src);
    cli_free(&H); cli_free(&M); cli_free(&A); cli_free(&Q); cli_free(&K);
    return rc;
}
