/*
 * `vtc demo`: the README's main job. VisionZip on synthetic encoder output
 * shaped like LLaVA-1.5's CLIP-L/336 layer -2 (N = 577 incl. CLS, D = 1024,
 * 16 heads, metric width 64) with planted dominant tokens, so the output can
 * be checked by eye: the planted tokens must be among the kept ones.
 */
#include "cli_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int demo_prune(uint32_t mode, uint32_t B, uint32_t T, uint32_t R, uint32_t dtype, const char *png,
                      const vtc_api_v1 *api, vtc_context ctx);

static const char demo_usage[] =
    "usage: vtc demo [--mode visionzip|divprune|dart] [--images B] [--tokens T] [--repeat R]\n"
    "                [--dtype f32|f16] [--png FILE]\n"
    "\n"
    "Runs VisionZip (scores -> dominant selection -> contextual merging, one fused call) on\n"
    "synthetic LLaVA-1.5-shaped encoder output: per image 577 tokens (CLS + 24x24),\n"
    "D = 1024, 16 heads, metric width 64, with 24 planted dominant tokens the CLS query\n"
    "attends to. Prints tokens in and out, whether the planted tokens were kept, and the\n"
    "time per op (median of R runs after a warm-up; wall clock and GPU timestamps).\n"
    "  --mode M      visionzip (default); divprune or dart: selection from the embeddings\n"
    "                alone (docs/prune.md) on synthetic post-projector rows (576 tokens,\n"
    "                D = 1024, 12 planted objects: prints how many kept a token)\n"
    "  --images B    images in the batch (default 1; LLaVA-NeXT uses 5)\n"
    "  --tokens T    output tokens per image incl. CLS (default 64 = 1 + 53 + 10)\n"
    "  --repeat R    timed runs (default 20; 5 for divprune and dart)\n"
    "  --dtype D     device storage: f32 (default) or f16\n"
    "  --png FILE    draw the 24x24 token grid of each image: kept, merged and where\n";

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((rng >> 11) * (1.0 / 9007199254740992.0));
}
static float nrand(void)
{
    float u = urand() + 1e-7f, v = urand();
    return sqrtf(-2.0f * logf(u)) * cosf(6.2831853f * v);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct timing { double wall_ms, gpu_ms; } timing;

static timing median_of(double *wall, double *gpu, int n)
{
    qsort(wall, (size_t)n, sizeof(double), cmp_double);
    qsort(gpu, (size_t)n, sizeof(double), cmp_double);
    timing t = {wall[n / 2], gpu[n / 2]};
    return t;
}

int cli_demo(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    uint32_t B = 1, T = 64, R = 20, dtype = VTC_DTYPE_F32;
    const char *png = NULL, *mode = NULL, *v;
    int r_given = 0;
    if (cli_wants_help(argc, argv)) {
        fputs(demo_usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        v = "";
        if (cli_opt(argc, argv, &i, "--images", &v)) {
            if (!v || cli_parse_u32(v, &B) || B < 1 || B > 256) return cli_usage_error("demo", "--images must be 1..256");
        } else if (cli_opt(argc, argv, &i, "--tokens", &v)) {
            if (!v || cli_parse_u32(v, &T) || T < 1 || T > 577) return cli_usage_error("demo", "--tokens must be 1..577");
        } else if (cli_opt(argc, argv, &i, "--repeat", &v)) {
            if (!v || cli_parse_u32(v, &R) || R < 1 || R > 10000) return cli_usage_error("demo", "--repeat must be 1..10000");
            r_given = 1;
        } else if (cli_opt(argc, argv, &i, "--dtype", &v)) {
            if (!v || cli_parse_dtype(v, &dtype)) return cli_usage_error("demo", "--dtype must be f32 or f16");
        } else if (cli_opt(argc, argv, &i, "--mode", &v)) {
            if (!v || (strcmp(v, "visionzip") && strcmp(v, "divprune") && strcmp(v, "dart")))
                return cli_usage_error("demo", "--mode must be visionzip, divprune or dart");
            mode = v;
        } else if (cli_opt(argc, argv, &i, "--png", &v)) {
            if (!v) return cli_usage_error("demo", "--png needs a file name");
            png = v;
        } else {
            return cli_usage_error("demo", "unknown argument '%s'", argv[i]);
        }
    }
    if (mode && strcmp(mode, "visionzip"))
        /* DivPrune's N^2 first pick takes about a second on a CPU device: fewer runs by default */
        return demo_prune(!strcmp(mode, "dart") ? VTC_PRUNE_DART : VTC_PRUNE_DIVPRUNE, B, T, r_given ? R : 5, dtype,
                              png, api, ctx);
    const int N = 577, D = 1024, H = 16, Dm = 64, G = 24, PLANTED = 24;
    uint32_t k, c;
    api->token_split(T, 1, &k, &c);
    const int out_rows = 1 + (int)k + (int)c;

    size_t nh = (size_t)B * N * D, nm = (size_t)B * N * Dm, na = (size_t)B * H * N;
    float *hidden = malloc(nh * 4), *metric = malloc(nm * 4), *attn = malloc(na * 4);
    void *out = malloc((size_t)B * out_rows * D * 4);
    int32_t *src = malloc((size_t)B * out_rows * 4);
    int *planted = malloc(sizeof(int) * B * PLANTED);
    float *score = malloc((size_t)B * N * 4);
    int32_t *keep = malloc((size_t)B * (1 + k) * 4), *rest = malloc((size_t)B * (N - 1 - k) * 4 + 4);
    int rc = 1;
    if (!hidden || !metric || !attn || !out || !src || !planted || !score || !keep || !rest) {
        cli_error("out of memory");
        goto done;
    }
    /* Encoder-like data: smooth metric (neighbouring patches look alike), CLS attention
       concentrated on a few planted tokens (as CLIP's layer -2 does). */
    for (size_t i = 0; i < nh; i++)
        hidden[i] = nrand();
    for (uint32_t b = 0; b < B; b++) {
        float basis[4][64];
        for (int q = 0; q < 4; q++)
            for (int d = 0; d < Dm; d++)
                basis[q][d] = nrand();
        for (int t = 0; t < N; t++) {
            float y = t ? (float)((t - 1) / G) / G : 0.5f, x = t ? (float)((t - 1) % G) / G : 0.5f;
            float w[4] = {(1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y};
            for (int d = 0; d < Dm; d++) {
                float m = 0.3f * nrand();
                for (int q = 0; q < 4; q++)
                    m += w[q] * basis[q][d];
                metric[((size_t)b * N + t) * Dm + d] = m;
            }
        }
        for (int p = 0; p < PLANTED; p++) {
            int t;
            int dup;
            do {
                t = 1 + (int)(urand() * (N - 1));
                dup = 0;
                for (int q = 0; q < p; q++)
                    dup |= planted[b * PLANTED + q] == t;
            } while (dup || t >= N);
            planted[b * PLANTED + p] = t;
        }
        for (int h = 0; h < H; h++) {
            float *row = attn + ((size_t)b * H + h) * N;
            double sum = 0;
            for (int t = 0; t < N; t++) {
                row[t] = 0.2f + urand();
                sum += row[t];
            }
            for (int p = 0; p < PLANTED; p++) {
                row[planted[b * PLANTED + p]] += 30.0f + 10.0f * urand();
                sum += 30.0;
            }
            for (int t = 0; t < N; t++)
                row[t] = (float)(row[t] / sum);
        }
    }
    size_t es = dtype == VTC_DTYPE_F16 ? 2 : 4;
    void *hidden_d = hidden, *metric_d = metric, *attn_d = attn;
    if (dtype == VTC_DTYPE_F16) {
        uint16_t *h16 = malloc(nh * 2), *m16 = malloc(nm * 2), *a16 = malloc(na * 2);
        if (!h16 || !m16 || !a16) {
            free(h16); free(m16); free(a16);
            cli_error("out of memory");
            goto done;
        }
        for (size_t i = 0; i < nh; i++) h16[i] = npy_float_to_half(hidden[i]);
        for (size_t i = 0; i < nm; i++) m16[i] = npy_float_to_half(metric[i]);
        for (size_t i = 0; i < na; i++) a16[i] = npy_float_to_half(attn[i]);
        hidden_d = h16;
        metric_d = m16;
        attn_d = a16;
    }

    vtc_device_info di = {sizeof(di)};
    api->context_info(ctx, &di);
    printf("vtc demo: VisionZip on synthetic LLaVA-1.5 encoder output (%s storage)\n",
           dtype == VTC_DTYPE_F16 ? "fp16" : "fp32");
    printf("device: %s%s\n", di.name, di.device_type == VK_PHYSICAL_DEVICE_TYPE_CPU ? " (a CPU Vulkan device)" : "");
    printf("images: %u, tokens in: %d per image (CLS + %dx%d), D = %d, %d heads, metric width %d\n", B, N, G, G, D, H, Dm);
    printf("tokens out: %d per image = 1 CLS + %u dominant + %u contextual (%.1fx fewer)\n", out_rows, k, c,
           (double)N / out_rows);

    int64_t sh_h[3] = {B, N, D}, sh_m[3] = {B, N, Dm}, sh_a[3] = {B, H, N}, sh_o[3] = {B, out_rows, D},
            sh_s[2] = {B, out_rows}, sh_sc[2] = {B, N}, sh_k[2] = {B, 1 + k}, sh_r[2] = {B, N - 1 - k};
    vtc_visionzip_args vz;
    memset(&vz, 0, sizeof(vz));
    vz.size = sizeof(vz);
    vz.score_mode = VTC_SCORE_ATTN_CLS;
    vz.dominant = k;
    vz.contextual = c;
    vz.hidden = cli_tensor_new(dtype, hidden_d, 3, sh_h);
    vz.metric = cli_tensor_new(dtype, metric_d, 3, sh_m);
    vz.attn = cli_tensor_new(dtype, attn_d, 3, sh_a);
    vz.out = cli_tensor_new(dtype, out, 3, sh_o);
    vz.src_idx = cli_tensor_new(VTC_DTYPE_I32, src, 2, sh_s);

    vtc_scores_args sa;
    memset(&sa, 0, sizeof(sa));
    sa.size = sizeof(sa);
    sa.attn = vz.attn;
    sa.score = cli_tensor_new(VTC_DTYPE_F32, score, 2, sh_sc);
    vtc_select_args se;
    memset(&se, 0, sizeof(se));
    se.size = sizeof(se);
    se.dominant = k;
    se.score = sa.score;
    se.keep_idx = cli_tensor_new(VTC_DTYPE_I32, keep, 2, sh_k);
    se.rest_idx = cli_tensor_new(VTC_DTYPE_I32, rest, 2, sh_r);
    vtc_merge_args me;
    memset(&me, 0, sizeof(me));
    me.size = sizeof(me);
    me.contextual = c;
    me.hidden = vz.hidden;
    me.metric = vz.metric;
    me.rest_idx = se.rest_idx;
    int64_t sh_c[3] = {B, c, D};
    me.out = cli_tensor_new(dtype, (uint8_t *)out + (size_t)B * (1 + k) * D * es, 3, sh_c);

    const char *names[4] = {"scores (attn_cls)", "select (top-k + gather)", "merge (contextual)", "visionzip (fused)"};
    double *wall = malloc(sizeof(double) * R), *gpu = malloc(sizeof(double) * R);
    timing t[4];
    for (int op = 0; op < 4; op++) {
        for (uint32_t it = 0; it <= R; it++) {
            double t0 = cli_now_ms();
            vtc_result r = op == 0 ? api->scores(ctx, &sa, NULL)
                         : op == 1 ? api->select(ctx, &se, NULL)
                         : op == 2 ? api->merge(ctx, &me, NULL)
                                   : api->visionzip(ctx, &vz, NULL);
            double t1 = cli_now_ms();
            if (r) {
                rc = cli_vtc_error(api, names[op], r);
                free(wall);
                free(gpu);
                goto done;
            }
            vtc_context_stats st = {sizeof(st)};
            st.size = sizeof(st);
            api->context_stats_get(ctx, &st);
            if (it) { /* the first run builds pipelines: a warm-up */
                wall[it - 1] = t1 - t0;
                gpu[it - 1] = st.last_gpu_time_ns / 1e6;
            }
        }
        t[op] = median_of(wall, gpu, (int)R);
    }
    free(wall);
    free(gpu);
    printf("\ntime per call (median of %u, host memory in and out, incl. upload/download):\n", R);
    for (int op = 0; op < 4; op++)
        printf("  %-26s %8.3f ms wall %8.3f ms GPU\n", names[op], t[op].wall_ms, t[op].gpu_ms);

    int found = 0;
    for (uint32_t b = 0; b < B; b++)
        for (int p = 0; p < PLANTED; p++)
            for (uint32_t r = 1; r < 1 + k; r++)
                if (src[(size_t)b * out_rows + r] == planted[b * PLANTED + p]) {
                    found++;
                    break;
                }
    printf("\nplanted dominant tokens kept: %d of %d\n", found, (int)(B * PLANTED));
    printf("image 0 output rows -> source tokens: CLS=%d, dominant", src[0]);
    for (uint32_t i = 1; i < 1 + k && i < 9; i++)
        printf(" %d", src[i]);
    printf("%s; contextual targets", k > 8 ? " ..." : "");
    for (uint32_t i = 0; i < c && i < 10; i++)
        printf(" %d", src[1 + k + i]);
    printf("%s\n", c > 10 ? " ..." : "");
    rc = found == (int)(B * PLANTED) || k < PLANTED ? 0 : 1;
    if (rc)
        cli_error("some planted dominant tokens were not kept");
    if (png) {
        if (cli_token_grid_png(png, (int)B, N, 1, Dm, (int)k, (int)c, metric, src))
            rc = 1;
        else
            printf("token grid written to %s\n", png);
    }
    if (dtype == VTC_DTYPE_F16) {
        free(hidden_d);
        free(metric_d);
        free(attn_d);
    }
done:
    free(hidden); free(metric); free(attn); free(out); free(src); free(planted); free(score); free(keep); free(rest);
    return rc;
}

/* `vtc demo --mode divprune|dart`: embedding-only selection on synthetic
   post-projector rows of a LLaVA-1.5 image (24 x 24 = 576 tokens, no CLS),
   a smooth background plus 12 planted 2 x 2 "objects" of their own
   direction. A diverse selection must touch every object: the demo prints
   how many it did (DivPrune must cover all 12, which exits non-zero if not). */
static uint64_t demo_rng = 0x2545f4914f6cdd1dull;
static float demo_u(void)
{
    demo_rng ^= demo_rng << 13;
    demo_rng ^= demo_rng >> 7;
    demo_rng ^= demo_rng << 17;
    return (float)((demo_rng >> 11) * (1.0 / 9007199254740992.0));
}
static float demo_n(void)
{
    float u = demo_u() + 1e-7f, v = demo_u();
    return sqrtf(-2.0f * logf(u)) * cosf(6.2831853f * v);
}
static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int demo_prune(uint32_t mode, uint32_t B, uint32_t T, uint32_t R, uint32_t dtype, const char *png,
                   const vtc_api_v1 *api, vtc_context ctx)
{
    enum { G = 24, N = G * G, D = 1024, OBJ = 12 };
    if (T > N)
        return cli_usage_error("demo", "--tokens must be at most %d without CLS", N);
    size_t nh = (size_t)B * N * D, es = dtype == VTC_DTYPE_F16 ? 2 : 4;
    float *x = malloc(nh * 4);
    void *xd = dtype == VTC_DTYPE_F16 ? malloc(nh * 2) : x;
    int32_t *keep = malloc((size_t)B * T * 4 + 4), *obj = malloc(sizeof(int32_t) * B * N);
    double *wall = malloc(sizeof(double) * R), *gpu = malloc(sizeof(double) * R);
    int rc = 1;
    if (!x || !xd || !keep || !obj || !wall || !gpu) {
        cli_error("out of memory");
        goto done;
    }
    for (uint32_t b = 0; b < B; b++) {
        float base[3][D], dir[OBJ][D];
        for (int q = 0; q < 3; q++)
            for (int d = 0; d < D; d++) base[q][d] = demo_n();
        for (int o = 0; o < OBJ; o++)
            for (int d = 0; d < D; d++) dir[o][d] = demo_n();
        for (int t = 0; t < N; t++)
            obj[b * N + t] = -1;
        for (int o = 0; o < OBJ; o++) { /* non-overlapping 2 x 2 blocks */
            int gy, gx, clash;
            do {
                gy = (int)(demo_u() * (G - 1));
                gx = (int)(demo_u() * (G - 1));
                clash = 0;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) clash |= obj[b * N + (gy + dy) * G + gx + dx] >= 0;
            } while (clash);
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++) obj[b * N + (gy + dy) * G + gx + dx] = o;
        }
        for (int t = 0; t < N; t++) {
            float fy = (float)(t / G) / G, fx = (float)(t % G) / G;
            float *row = x + ((size_t)b * N + t) * D;
            int o = obj[b * N + t];
            for (int d = 0; d < D; d++)
                row[d] = o >= 0 ? dir[o][d] + 0.2f * demo_n()
                                : base[0][d] + 0.5f * fx * base[1][d] + 0.5f * fy * base[2][d] + 0.2f * demo_n();
        }
    }
    if (dtype == VTC_DTYPE_F16)
        for (size_t i = 0; i < nh; i++) ((uint16_t *)xd)[i] = npy_float_to_half(x[i]);
    vtc_device_info di = {sizeof(di)};
    api->context_info(ctx, &di);
    const char *name = mode == VTC_PRUNE_DART ? "DART (embeddings only)" : "DivPrune";
    printf("vtc demo: %s on synthetic LLaVA-1.5 post-projector embeddings (%s storage)\n", name,
           dtype == VTC_DTYPE_F16 ? "fp16" : "fp32");
    printf("device: %s%s\n", di.name, di.device_type == VK_PHYSICAL_DEVICE_TYPE_CPU ? " (a CPU Vulkan device)" : "");
    printf("images: %u, tokens in: %d per image (%dx%d, no CLS), D = %d, %d planted 2x2 objects\n", B, N, G, G, D, OBJ);
    printf("tokens out: %u per image (%.1fx fewer)%s\n", T, T ? (double)N / T : 0.0,
           mode == VTC_PRUNE_DART ? ", 8 pivots" : "");
    vtc_prune_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.mode = mode;
    a.keep = T;
    int64_t sh[3] = {B, N, D}, sk[2] = {B, T};
    a.hidden = cli_tensor_new(dtype, xd, 3, sh);
    a.keep_idx = cli_tensor_new(VTC_DTYPE_I32, keep, 2, sk);
    if (T == 0)
        memset(&a.keep_idx, 0, sizeof(a.keep_idx));
    for (uint32_t it = 0; it <= R; it++) {
        double t0 = cli_now_ms();
        vtc_result r = api->prune(ctx, &a, NULL);
        double t1 = cli_now_ms();
        if (r) {
            rc = cli_vtc_error(api, "prune", r);
            goto done;
        }
        vtc_context_stats st;
        st.size = sizeof(st);
        api->context_stats_get(ctx, &st);
        if (it) { /* the first run builds pipelines: a warm-up */
            wall[it - 1] = t1 - t0;
            gpu[it - 1] = st.last_gpu_time_ns / 1e6;
        }
    }
    qsort(wall, R, sizeof(double), cmp_d);
    qsort(gpu, R, sizeof(double), cmp_d);
    printf("\ntime per call (median of %u, host memory in and out, incl. upload/download):\n", R);
    printf("  %-26s %8.3f ms wall %8.3f ms GPU\n", mode == VTC_PRUNE_DART ? "prune (dart)" : "prune (divprune)",
           wall[R / 2], gpu[R / 2]);
    int covered = 0;
    for (uint32_t b = 0; b < B; b++) {
        int seen[OBJ] = {0};
        for (uint32_t i = 0; i < T; i++) {
            int o = obj[b * N + keep[(size_t)b * T + i]];
            if (o >= 0) seen[o] = 1;
        }
        for (int o = 0; o < OBJ; o++) covered += seen[o];
    }
    printf("\nplanted objects with a kept token: %d of %d\n", covered, (int)(B * OBJ));
    printf("image 0 kept tokens:");
    for (uint32_t i = 0; i < T && i < 12; i++)
        printf(" %d", keep[i]);
    printf("%s\n", T > 12 ? " ..." : "");
    rc = 0;
    if (mode == VTC_PRUNE_DIVPRUNE && T >= OBJ && covered < (int)(B * OBJ))
        rc = cli_error("DivPrune left a planted object without a kept token");
    if (png) {
        /* the picture needs src_idx rows: the kept indices are exactly those */
        if (cli_token_grid_png(png, (int)B, N, 0, D, (int)T, 0, x, keep))
            rc = 1;
        else
            printf("token grid written to %s\n", png);
    }
done:
    if (xd != x) free(xd);
    free(x); free(keep); free(obj); free(wall); free(gpu);
    (void)es;
    return rc;
}
