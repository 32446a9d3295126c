/* `vtc run prune`: DivPrune / DART selection on embedding rows (abi/vtc_prune.h). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


int cli_visionzip_png(const char *path, int B, int N, int keep_cls, int D, int Dm, int k, int c, const float *metric,
                      const int32_t *src_idx, uint32_t metric_dtype);

static const char prune_usage[] =
    "usage: vtc run prune --hidden H.npy [--metric M.npy] [--mode divprune|dart] [--pivots P]\n"
    "                     (--keep K | --prune-rate R) [--contextual C] [--dtype f32|f16]\n"
    "                     [--out O.npy] [--keep-index I.npy] [--src-index S.npy] [--png FILE]\n"
    "\n"
    "Keeps K of each image's N rows chosen from the embeddings alone (no attention needed;\n"
    "docs/prune.md), optionally followed by VisionZip's contextual merge of the rest.\n"
    "  --hidden H.npy     [B][N][D] rows to keep (e.g. a vision chunk's output embeddings)\n"
    "  --metric M.npy     [B][N][Dm] rows compared instead of hidden (default: hidden)\n"
    "  --mode M           divprune (default): greedy max-min cosine distance;\n"
    "                     dart: the P highest-L1-norm pivots, then per pivot the least similar\n"
    "  --pivots P         DART pivots (default 8)\n"
    "  --keep K           rows kept per image\n"
    "  --prune-rate R     or a share pruned, 0 <= R < 1: K = N - floor(N * R) (--image-pruning-rate)\n"
    "  --contextual C     also merge C contextual rows from the others (default 0)\n"
    "  --dtype D          device storage: f32 (default) or f16\n"
    "  --out O.npy        [B][K+C][D] kept rows (ascending index), then the contextual rows\n"
    "  --keep-index I.npy [B][K] int32 kept indices, ascending\n"
    "  --src-index S.npy  [B][K+C] int32 original index of each output row\n"
    "  --png FILE         draw each image's token grid (N must be a square): kept white\n"
    "                     (gold border), contextual targets and their merged tokens in colour\n";

int cli_run_prune(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    const char *hidden = NULL, *metric = NULL, *mode = NULL, *piv_s = NULL, *keep_s = NULL, *rate_s = NULL;
    const char *ctx_s = NULL, *dt_s = NULL, *out = NULL, *keepp = NULL, *srcp = NULL, *png = NULL, *v;
    if (cli_wants_help(argc, argv)) {
        fputs(prune_usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        v = "";
        if (cli_opt(argc, argv, &i, "--hidden", &v)) hidden = v;
        else if (cli_opt(argc, argv, &i, "--metric", &v)) metric = v;
        else if (cli_opt(argc, argv, &i, "--mode", &v)) mode = v;
        else if (cli_opt(argc, argv, &i, "--pivots", &v)) piv_s = v;
        else if (cli_opt(argc, argv, &i, "--keep", &v)) keep_s = v;
        else if (cli_opt(argc, argv, &i, "--prune-rate", &v)) rate_s = v;
        else if (cli_opt(argc, argv, &i, "--contextual", &v)) ctx_s = v;
        else if (cli_opt(argc, argv, &i, "--dtype", &v)) dt_s = v;
        else if (cli_opt(argc, argv, &i, "--out", &v)) out = v;
        else if (cli_opt(argc, argv, &i, "--keep-index", &v)) keepp = v;
        else if (cli_opt(argc, argv, &i, "--src-index", &v)) srcp = v;
        else if (cli_opt(argc, argv, &i, "--png", &v)) png = v;
        else return cli_usage_error("prune", "unknown argument '%s'", argv[i]);
        if (!v) return cli_usage_error("prune", "%s needs a value", argv[i]);
    }
    uint32_t dtype = VTC_DTYPE_F32, m = VTC_PRUNE_DIVPRUNE, P = 0, K = 0, C = 0;
    float rate = 0.0f;
    if (dt_s && cli_parse_dtype(dt_s, &dtype)) return cli_usage_error("prune", "--dtype must be f32 or f16");
    if (!hidden) return cli_usage_error("prune", "--hidden is required");
    if (!out && !keepp && !srcp && !png) return cli_usage_error("prune", "give --out, --keep-index, --src-index or --png");
    if (mode && !strcmp(mode, "dart")) m = VTC_PRUNE_DART;
    else if (mode && strcmp(mode, "divprune")) return cli_usage_error("prune", "--mode must be divprune or dart");
    if (piv_s && (m != VTC_PRUNE_DART || cli_parse_u32(piv_s, &P) || P < 1))
        return cli_usage_error("prune", "--pivots must be a positive integer, with --mode dart");
    if (!keep_s == !rate_s) return cli_usage_error("prune", "give --keep or --prune-rate");
    if (keep_s && cli_parse_u32(keep_s, &K)) return cli_usage_error("prune", "--keep must be a non-negative integer");
    if (rate_s && (cli_parse_float(rate_s, &rate) || !(rate >= 0.0f && rate < 1.0f)))
        return cli_usage_error("prune", "--prune-rate must be in [0, 1)");
    if (ctx_s && cli_parse_u32(ctx_s, &C)) return cli_usage_error("prune", "--contextual must be a non-negative integer");

    cli_array H = {0}, M = {0};
    int rc = 1;
    void *o = NULL;
    int32_t *keep = NULL, *src = NULL;
    float *mf = NULL;
    if (cli_load(hidden, 1, dtype, 3, &H) || (metric && cli_load(metric, 1, dtype, 3, &M))) goto done;
    int64_t B = H.a.shape[0], N = H.a.shape[1], D = H.a.shape[2];
    if (rate_s)
        K = (uint32_t)(N - (int64_t)floor((double)N * rate));
    int64_t rows = (int64_t)K + C;
    vtc_prune_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.mode = m;
    a.keep = K;
    a.contextual = C;
    a.pivots = P;
    a.hidden = cli_tensor(&H);
    if (metric) a.metric = cli_tensor(&M);
    int64_t so[3] = {B, rows, D}, ss[2] = {B, rows}, sk[2] = {B, K};
    o = malloc((dtype == VTC_DTYPE_F16 ? 2 : 4) * (size_t)(B * rows * D) + 4);
    keep = malloc(4 * (size_t)(B * K) + 4);
    src = malloc(4 * (size_t)(B * rows) + 4);
    if (!o || !keep || !src) { cli_error("out of memory"); goto done; }
    if (out || C > 0) a.out = cli_tensor_new(dtype, o, 3, so);
    if (K > 0) a.keep_idx = cli_tensor_new(VTC_DTYPE_I32, keep, 2, sk);
    if (rows > 0) a.src_idx = cli_tensor_new(VTC_DTYPE_I32, src, 2, ss);
    double t0 = cli_now_ms();
    vtc_result r = api->prune(ctx, &a, NULL);
    double t1 = cli_now_ms();
    if (r) { rc = cli_vtc_error(api, "prune", r); goto done; }
    rc = 0;
    if (out) rc = cli_save(out, dtype, 3, so, o);
    if (!rc && keepp) rc = cli_save(keepp, VTC_DTYPE_I32, 2, sk, keep);
    if (!rc && srcp) rc = cli_save(srcp, VTC_DTYPE_I32, 2, ss, src);
    if (!rc)
        printf("prune (%s): %lld image(s), %lld -> %lld tokens each (%u kept + %u contextual), %.2f ms\n",
               m == VTC_PRUNE_DART ? "dart" : "divprune", (long long)B, (long long)N, (long long)rows, K, C, t1 - t0);
    if (!rc && png) {
        const cli_array *X = metric ? &M : &H;
        mf = malloc(sizeof(float) * X->a.count + 4);
        if (!mf) { rc = cli_error("out of memory"); goto done; }
        npy_to_f32(&X->a, mf);
        rc = cli_visionzip_png(png, (int)B, (int)N, 0, (int)D, (int)X->a.shape[2], (int)K, (int)C, mf, src,
                               VTC_DTYPE_F32);
        if (!rc)
            printf("token grid written to %s\n", png);
    }
done:
    free(o); free(keep); free(src); free(mf);
    cli_free(&H); cli_free(&M);
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

int cli_demo_prune(uint32_t mode, uint32_t B, uint32_t T, uint32_t R, uint32_t dtype, const char *png,
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
        if (cli_visionzip_png(png, (int)B, N, 0, D, D, (int)T, 0, x, keep, VTC_DTYPE_F32))
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
