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

/* LLaVA-1.5's image: a 24x24 patch grid, 1024 wide. VisionZip sees the encoder's
   rows (CLS first, 16 heads, metric width 64) with PLANTED tokens the CLS query
   attends to; DivPrune and DART see the projector's rows (no CLS) with OBJ
   planted 2x2 objects. */
enum { G = 24, P = G * G, N = P + 1, D = 1024, H = 16, DM = 64, PLANTED = 24, OBJ = 12 };

/* xorshift64 and Box-Muller: each demo's data from its own fixed seed, so runs repeat. */
typedef struct demo_rng {
    uint64_t s;
} demo_rng;

static float rng_u(demo_rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (float)((r->s >> 11) * (1.0 / 9007199254740992.0));
}

static float rng_n(demo_rng *r)
{
    float u = rng_u(r) + 1e-7f, v = rng_u(r);
    return sqrtf(-2.0f * logf(u)) * cosf(6.2831853f * v);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* fp16 storage of `n` floats (malloc'd; NULL when out of memory). */
static uint16_t *to_half(const float *x, size_t n)
{
    uint16_t *h = malloc(n * 2 + 2);
    for (size_t i = 0; h && i < n; i++)
        h[i] = npy_float_to_half(x[i]);
    return h;
}

typedef struct demo_opts {
    uint32_t B, T, R, dtype;
    int r_given;
    const char *png, *mode;
} demo_opts;

/* 0, or the exit status of a usage error. */
static int demo_parse(int argc, char **argv, demo_opts *o)
{
    const char *v;
    for (int i = 1; i < argc; i++) {
        v = "";
        if (cli_opt(argc, argv, &i, "--images", &v)) {
            if (!v || cli_parse_u32(v, &o->B) || o->B < 1 || o->B > 256)
                return cli_usage_error("demo", "--images must be 1..256");
        } else if (cli_opt(argc, argv, &i, "--tokens", &v)) {
            if (!v || cli_parse_u32(v, &o->T) || o->T < 1 || o->T > 577)
                return cli_usage_error("demo", "--tokens must be 1..577");
        } else if (cli_opt(argc, argv, &i, "--repeat", &v)) {
            if (!v || cli_parse_u32(v, &o->R) || o->R < 1 || o->R > 10000)
                return cli_usage_error("demo", "--repeat must be 1..10000");
            o->r_given = 1;
        } else if (cli_opt(argc, argv, &i, "--dtype", &v)) {
            if (!v || cli_parse_dtype(v, &o->dtype))
                return cli_usage_error("demo", "--dtype must be f32 or f16");
        } else if (cli_opt(argc, argv, &i, "--mode", &v)) {
            if (!v || (strcmp(v, "visionzip") && strcmp(v, "divprune") && strcmp(v, "dart")))
                return cli_usage_error("demo", "--mode must be visionzip, divprune or dart");
            o->mode = v;
        } else if (cli_opt(argc, argv, &i, "--png", &v)) {
            if (!v)
                return cli_usage_error("demo", "--png needs a file name");
            o->png = v;
        } else {
            return cli_usage_error("demo", "unknown argument '%s'", argv[i]);
        }
    }
    return 0;
}

static void print_device(const vtc_api_v1 *api, vtc_context ctx)
{
    vtc_device_info di = {sizeof(di)};
    api->context_info(ctx, &di);
    printf("device: %s%s\n", di.name, di.device_type == VK_PHYSICAL_DEVICE_TYPE_CPU ? " (a CPU Vulkan device)" : "");
}

/* One op call on host memory, as the timing loop makes it. */
typedef enum demo_op { OP_SCORES, OP_SELECT, OP_MERGE, OP_VISIONZIP, OP_PRUNE } demo_op;

static vtc_result call_op(const vtc_api_v1 *api, vtc_context ctx, demo_op op, const void *args)
{
    switch (op) {
    case OP_SCORES: return api->scores(ctx, args, NULL);
    case OP_SELECT: return api->select(ctx, args, NULL);
    case OP_MERGE: return api->merge(ctx, args, NULL);
    case OP_VISIONZIP: return api->visionzip(ctx, args, NULL);
    default: return api->prune(ctx, args, NULL);
    }
}

typedef struct timing {
    double wall_ms, gpu_ms;
} timing;

/* R timed calls after a warm-up (the first call builds pipelines): the medians of
   wall clock and GPU time. 0, or the exit status after printing the error. */
static int time_op(const vtc_api_v1 *api, vtc_context ctx, uint32_t R, demo_op op, const void *args,
                   const char *name, timing *t)
{
    double *wall = malloc(sizeof(double) * R), *gpu = malloc(sizeof(double) * R);
    int rc = 0;
    if (!wall || !gpu) {
        rc = cli_error("out of memory");
        goto done;
    }
    for (uint32_t it = 0; it <= R; it++) {
        double t0 = cli_now_ms();
        vtc_result r = call_op(api, ctx, op, args);
        double t1 = cli_now_ms();
        if (r) {
            rc = cli_vtc_error(api, name, r);
            goto done;
        }
        vtc_context_stats st = {sizeof(st)};
        api->context_stats_get(ctx, &st);
        if (it) {
            wall[it - 1] = t1 - t0;
            gpu[it - 1] = st.last_gpu_time_ns / 1e6;
        }
    }
    qsort(wall, R, sizeof(double), cmp_double);
    qsort(gpu, R, sizeof(double), cmp_double);
    t->wall_ms = wall[R / 2];
    t->gpu_ms = gpu[R / 2];
done:
    free(wall);
    free(gpu);
    return rc;
}

static void print_times(uint32_t R, int n, const char *const *names, const timing *t)
{
    printf("\ntime per call (median of %u, host memory in and out, incl. upload/download):\n", R);
    for (int op = 0; op < n; op++)
        printf("  %-26s %8.3f ms wall %8.3f ms GPU\n", names[op], t[op].wall_ms, t[op].gpu_ms);
}

/* ---- VisionZip ---- */

/* One image's merge metric [N][DM]: smooth over the grid (neighbouring patches
   look alike), a bilinear blend of four random corners plus noise. */
static void smooth_metric(demo_rng *r, float *metric)
{
    float basis[4][DM];
    for (int q = 0; q < 4; q++)
        for (int d = 0; d < DM; d++)
            basis[q][d] = rng_n(r);
    for (int t = 0; t < N; t++) {
        float y = t ? (float)((t - 1) / G) / G : 0.5f, x = t ? (float)((t - 1) % G) / G : 0.5f;
        float w[4] = {(1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y};
        for (int d = 0; d < DM; d++) {
            float m = 0.3f * rng_n(r);
            for (int q = 0; q < 4; q++)
                m += w[q] * basis[q][d];
            metric[(size_t)t * DM + d] = m;
        }
    }
}

/* PLANTED distinct patch tokens of one image. */
static void plant_tokens(demo_rng *r, int *planted)
{
    for (int p = 0; p < PLANTED; p++) {
        int t;
        int dup;
        do {
            t = 1 + (int)(rng_u(r) * (N - 1));
            dup = 0;
            for (int q = 0; q < p; q++)
                dup |= planted[q] == t;
        } while (dup || t >= N);
        planted[p] = t;
    }
}

/* One image's CLS attention [H][N]: each head's row sums to 1, concentrated on
   the planted tokens (as CLIP's layer -2 does). */
static void cls_attention(demo_rng *r, const int *planted, float *attn)
{
    for (int h = 0; h < H; h++) {
        float *row = attn + (size_t)h * N;
        double sum = 0;
        for (int t = 0; t < N; t++) {
            row[t] = 0.2f + rng_u(r);
            sum += row[t];
        }
        for (int p = 0; p < PLANTED; p++) {
            row[planted[p]] += 30.0f + 10.0f * rng_u(r);
            sum += 30.0;
        }
        for (int t = 0; t < N; t++)
            row[t] = (float)(row[t] / sum);
    }
}

/* The demo's host memory: inputs (f32, and their f16 copies for --dtype f16),
   outputs of the fused call and of the three separate ones. */
typedef struct vz_mem {
    float *hidden, *metric, *attn, *score;
    uint16_t *hidden16, *metric16, *attn16;
    void *out;
    int32_t *src, *keep, *rest;
    int *planted;
} vz_mem;

static void vz_mem_free(vz_mem *m)
{
    free(m->hidden); free(m->metric); free(m->attn); free(m->score);
    free(m->hidden16); free(m->metric16); free(m->attn16);
    free(m->out); free(m->src); free(m->keep); free(m->rest); free(m->planted);
}

/* Allocates and fills the encoder-like inputs; 0, or 1 after "out of memory". */
static int vz_mem_make(uint32_t B, uint32_t k, int out_rows, uint32_t dtype, vz_mem *m)
{
    size_t nh = (size_t)B * N * D, nm = (size_t)B * N * DM, na = (size_t)B * H * N;
    memset(m, 0, sizeof(*m));
    m->hidden = malloc(nh * 4);
    m->metric = malloc(nm * 4);
    m->attn = malloc(na * 4);
    m->out = malloc((size_t)B * out_rows * D * 4);
    m->src = malloc((size_t)B * out_rows * 4);
    m->planted = malloc(sizeof(int) * B * PLANTED);
    m->score = malloc((size_t)B * N * 4);
    m->keep = malloc((size_t)B * (1 + k) * 4);
    m->rest = malloc((size_t)B * (N - 1 - k) * 4 + 4);
    if (!m->hidden || !m->metric || !m->attn || !m->out || !m->src || !m->planted || !m->score || !m->keep || !m->rest)
        return cli_error("out of memory");
    demo_rng r = {0x9e3779b97f4a7c15ull};
    for (size_t i = 0; i < nh; i++)
        m->hidden[i] = rng_n(&r);
    for (uint32_t b = 0; b < B; b++) {
        smooth_metric(&r, m->metric + (size_t)b * N * DM);
        plant_tokens(&r, m->planted + b * PLANTED);
        cls_attention(&r, m->planted + b * PLANTED, m->attn + (size_t)b * H * N);
    }
    if (dtype == VTC_DTYPE_F16) {
        m->hidden16 = to_half(m->hidden, nh);
        m->metric16 = to_half(m->metric, nm);
        m->attn16 = to_half(m->attn, na);
        if (!m->hidden16 || !m->metric16 || !m->attn16)
            return cli_error("out of memory");
    }
    return 0;
}

/* The fused call and the three separate ops it stands for, on the same memory. */
typedef struct vz_calls {
    vtc_visionzip_args vz;
    vtc_scores_args sa;
    vtc_select_args se;
    vtc_merge_args me;
} vz_calls;

static void vz_calls_make(const vz_mem *m, uint32_t B, uint32_t k, uint32_t c, uint32_t dtype, vz_calls *a)
{
    int64_t out_rows = 1 + k + c;
    int64_t sh_h[3] = {B, N, D}, sh_m[3] = {B, N, DM}, sh_a[3] = {B, H, N}, sh_o[3] = {B, out_rows, D},
            sh_s[2] = {B, out_rows}, sh_sc[2] = {B, N}, sh_k[2] = {B, 1 + k}, sh_r[2] = {B, N - 1 - k},
            sh_c[3] = {B, c, D};
    int f16 = dtype == VTC_DTYPE_F16;
    size_t es = f16 ? 2 : 4;
    vtc_visionzip_args *vz = &a->vz;
    *vz = (vtc_visionzip_args){.size = sizeof(*vz), .score_mode = VTC_SCORE_ATTN_CLS, .dominant = k, .contextual = c};
    vz->hidden = cli_tensor_new(dtype, f16 ? (void *)m->hidden16 : m->hidden, 3, sh_h);
    vz->metric = cli_tensor_new(dtype, f16 ? (void *)m->metric16 : m->metric, 3, sh_m);
    vz->attn = cli_tensor_new(dtype, f16 ? (void *)m->attn16 : m->attn, 3, sh_a);
    vz->out = cli_tensor_new(dtype, m->out, 3, sh_o);
    vz->src_idx = cli_tensor_new(VTC_DTYPE_I32, m->src, 2, sh_s);
    a->sa = (vtc_scores_args){.size = sizeof(a->sa), .attn = vz->attn,
                              .score = cli_tensor_new(VTC_DTYPE_F32, m->score, 2, sh_sc)};
    a->se = (vtc_select_args){.size = sizeof(a->se), .dominant = k, .score = a->sa.score,
                              .keep_idx = cli_tensor_new(VTC_DTYPE_I32, m->keep, 2, sh_k),
                              .rest_idx = cli_tensor_new(VTC_DTYPE_I32, m->rest, 2, sh_r)};
    /* the contextual rows land where the fused call puts them: after CLS and the dominant rows */
    a->me = (vtc_merge_args){.size = sizeof(a->me), .contextual = c, .hidden = vz->hidden, .metric = vz->metric,
                             .rest_idx = a->se.rest_idx,
                             .out = cli_tensor_new(dtype, (uint8_t *)m->out + (size_t)B * (1 + k) * D * es, 3, sh_c)};
}

/* Counts the planted tokens among the kept dominant rows and shows image 0's
   rows; 0 when every planted token was kept (or the budget is below PLANTED). */
static int vz_report(const vz_mem *m, uint32_t B, uint32_t k, uint32_t c)
{
    int out_rows = 1 + (int)k + (int)c, found = 0;
    const int32_t *src = m->src;
    for (uint32_t b = 0; b < B; b++)
        for (int p = 0; p < PLANTED; p++)
            for (uint32_t r = 1; r < 1 + k; r++)
                if (src[(size_t)b * out_rows + r] == m->planted[b * PLANTED + p]) {
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
    int rc = found == (int)(B * PLANTED) || k < PLANTED ? 0 : 1;
    if (rc)
        cli_error("some planted dominant tokens were not kept");
    return rc;
}

static int demo_visionzip(const demo_opts *o, const vtc_api_v1 *api, vtc_context ctx)
{
    uint32_t B = o->B, k, c;
    api->token_split(o->T, 1, &k, &c);
    const int out_rows = 1 + (int)k + (int)c;
    vz_mem m;
    int rc = vz_mem_make(B, k, out_rows, o->dtype, &m);
    if (rc)
        goto done;
    printf("vtc demo: VisionZip on synthetic LLaVA-1.5 encoder output (%s storage)\n",
           o->dtype == VTC_DTYPE_F16 ? "fp16" : "fp32");
    print_device(api, ctx);
    printf("images: %u, tokens in: %d per image (CLS + %dx%d), D = %d, %d heads, metric width %d\n", B, N, G, G, D, H,
           DM);
    printf("tokens out: %d per image = 1 CLS + %u dominant + %u contextual (%.1fx fewer)\n", out_rows, k, c,
           (double)N / out_rows);
    vz_calls a;
    vz_calls_make(&m, B, k, c, o->dtype, &a);
    static const char *const names[4] = {"scores (attn_cls)", "select (top-k + gather)", "merge (contextual)",
                                         "visionzip (fused)"};
    const void *args[4] = {&a.sa, &a.se, &a.me, &a.vz};
    timing t[4];
    for (int op = 0; op < 4 && !rc; op++)
        rc = time_op(api, ctx, o->R, (demo_op)op, args[op], names[op], &t[op]);
    if (rc)
        goto done;
    print_times(o->R, 4, names, t);
    rc = vz_report(&m, B, k, c);
    if (o->png) {
        if (cli_token_grid_png(o->png, (int)B, N, 1, DM, (int)k, (int)c, m.metric, m.src))
            rc = 1;
        else
            printf("token grid written to %s\n", o->png);
    }
done:
    vz_mem_free(&m);
    return rc;
}

/* ---- DivPrune and DART ---- */

/* `vtc demo --mode divprune|dart`: embedding-only selection on synthetic
   post-projector rows of a LLaVA-1.5 image (24 x 24 = 576 tokens, no CLS),
   a smooth background plus 12 planted 2 x 2 "objects" of their own
   direction. A diverse selection must touch every object: the demo prints
   how many it did (DivPrune must cover all 12, which exits non-zero if not). */

/* OBJ non-overlapping 2 x 2 blocks of one image's grid: obj[t] is the object
   of patch t, or -1. */
static void place_objects(demo_rng *r, int32_t *obj)
{
    for (int t = 0; t < P; t++)
        obj[t] = -1;
    for (int o = 0; o < OBJ; o++) {
        int gy, gx, clash;
        do {
            gy = (int)(rng_u(r) * (G - 1));
            gx = (int)(rng_u(r) * (G - 1));
            clash = 0;
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++) clash |= obj[(gy + dy) * G + gx + dx] >= 0;
        } while (clash);
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++) obj[(gy + dy) * G + gx + dx] = o;
    }
}

/* One image's rows [P][D]: objects in their own direction, the background a smooth blend. */
static void object_rows(demo_rng *r, int32_t *obj, float *x)
{
    float base[3][D], dir[OBJ][D];
    for (int q = 0; q < 3; q++)
        for (int d = 0; d < D; d++) base[q][d] = rng_n(r);
    for (int o = 0; o < OBJ; o++)
        for (int d = 0; d < D; d++) dir[o][d] = rng_n(r);
    place_objects(r, obj);
    for (int t = 0; t < P; t++) {
        float fy = (float)(t / G) / G, fx = (float)(t % G) / G;
        float *row = x + (size_t)t * D;
        int o = obj[t];
        for (int d = 0; d < D; d++)
            row[d] = o >= 0 ? dir[o][d] + 0.2f * rng_n(r)
                            : base[0][d] + 0.5f * fx * base[1][d] + 0.5f * fy * base[2][d] + 0.2f * rng_n(r);
    }
}

/* Planted objects with at least one kept token, over all images. */
static int objects_covered(const int32_t *obj, const int32_t *keep, uint32_t B, uint32_t T)
{
    int covered = 0;
    for (uint32_t b = 0; b < B; b++) {
        int seen[OBJ] = {0};
        for (uint32_t i = 0; i < T; i++) {
            int o = obj[b * P + keep[(size_t)b * T + i]];
            if (o >= 0) seen[o] = 1;
        }
        for (int o = 0; o < OBJ; o++) covered += seen[o];
    }
    return covered;
}

static int demo_prune(uint32_t mode, const demo_opts *o, const vtc_api_v1 *api, vtc_context ctx)
{
    uint32_t B = o->B, T = o->T;
    if (T > P)
        return cli_usage_error("demo", "--tokens must be at most %d without CLS", P);
    size_t nh = (size_t)B * P * D;
    float *x = malloc(nh * 4);
    uint16_t *x16 = NULL;
    int32_t *keep = malloc((size_t)B * T * 4 + 4), *obj = malloc(sizeof(int32_t) * B * P);
    int rc = 1;
    if (!x || !keep || !obj) {
        cli_error("out of memory");
        goto done;
    }
    demo_rng r = {0x2545f4914f6cdd1dull};
    for (uint32_t b = 0; b < B; b++)
        object_rows(&r, obj + b * P, x + (size_t)b * P * D);
    if (o->dtype == VTC_DTYPE_F16 && !(x16 = to_half(x, nh))) {
        cli_error("out of memory");
        goto done;
    }
    const char *name = mode == VTC_PRUNE_DART ? "DART (embeddings only)" : "DivPrune";
    printf("vtc demo: %s on synthetic LLaVA-1.5 post-projector embeddings (%s storage)\n", name,
           o->dtype == VTC_DTYPE_F16 ? "fp16" : "fp32");
    print_device(api, ctx);
    printf("images: %u, tokens in: %d per image (%dx%d, no CLS), D = %d, %d planted 2x2 objects\n", B, P, G, G, D, OBJ);
    printf("tokens out: %u per image (%.1fx fewer)%s\n", T, T ? (double)P / T : 0.0,
           mode == VTC_PRUNE_DART ? ", 8 pivots" : "");
    int64_t sh[3] = {B, P, D}, sk[2] = {B, T};
    vtc_prune_args a = {.size = sizeof(a), .mode = mode, .keep = T};
    a.hidden = cli_tensor_new(o->dtype, x16 ? (void *)x16 : x, 3, sh);
    a.keep_idx = cli_tensor_new(VTC_DTYPE_I32, keep, 2, sk);
    const char *op_name = mode == VTC_PRUNE_DART ? "prune (dart)" : "prune (divprune)";
    timing t;
    if ((rc = time_op(api, ctx, o->R, OP_PRUNE, &a, "prune", &t)))
        goto done;
    print_times(o->R, 1, &op_name, &t);
    int covered = objects_covered(obj, keep, B, T);
    printf("\nplanted objects with a kept token: %d of %d\n", covered, (int)(B * OBJ));
    printf("image 0 kept tokens:");
    for (uint32_t i = 0; i < T && i < 12; i++)
        printf(" %d", keep[i]);
    printf("%s\n", T > 12 ? " ..." : "");
    if (mode == VTC_PRUNE_DIVPRUNE && T >= OBJ && covered < (int)(B * OBJ))
        rc = cli_error("DivPrune left a planted object without a kept token");
    if (o->png) {
        /* the picture needs src_idx rows: the kept indices are exactly those */
        if (cli_token_grid_png(o->png, (int)B, P, 0, D, (int)T, 0, x, keep))
            rc = 1;
        else
            printf("token grid written to %s\n", o->png);
    }
done:
    free(x); free(x16); free(keep); free(obj);
    return rc;
}

int cli_demo(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    if (cli_wants_help(argc, argv)) {
        fputs(demo_usage, stdout);
        return 0;
    }
    demo_opts o = {.B = 1, .T = 64, .R = 20, .dtype = VTC_DTYPE_F32};
    int rc = demo_parse(argc, argv, &o);
    if (rc)
        return rc;
    if (!o.mode || !strcmp(o.mode, "visionzip"))
        return demo_visionzip(&o, api, ctx);
    /* DivPrune's N^2 first pick takes about a second on a CPU device: fewer runs by default */
    if (!o.r_given)
        o.R = 5;
    return demo_prune(!strcmp(o.mode, "dart") ? VTC_PRUNE_DART : VTC_PRUNE_DIVPRUNE, &o, api, ctx);
}
