/* prune (abi/vtc_prune.h, docs/prune.md): DivPrune or DART selection on
   embedding rows, then the kept rows gathered and, optionally, VisionZip's
   contextual merge of the rest. Dispatches: norms; then
   - DivPrune, N <= PRUNE_DMAT_MAX_N (the distance-matrix path): rows
     normalised once (prune_unit), the N x N distance matrix, each unordered
     pair once (prune_dmat on GPUs: shared-memory tiles; prune_dmat_cpu on
     CPU devices: register blocks), each row's nearest-neighbour distance
     (prune_nnmin), and the K greedy steps in one workgroup per image over
     the matrix rows (prune_greedy). The matrix costs N^2 floats of scratch
     per image and makes the K N Dm of the steps K N loads: at N = 576 the
     first pick's N^2 Dm / 2 is already the whole bound, the steps then add
     no arithmetic. Images go through in groups sized to the scratch cap.
   - DART: select_topk on the L1 norms (the pivots), the pivots' distances
     to every token (prune_pivd), the picks (prune_greedy).
   - DivPrune past that size (no matrix): GPUs one fused prune_select, a
     workgroup per image looping over the steps; CPU devices, where
     llvmpipe stops an invocation after 65535 loop back-edges in all, a
     prune_dist + prune_pick pair per step, the nn pass cut into chunks.
   prune_greedy is cut into a few dispatches for the same limiter when K
   steps of N/WG tokens would pass it. Every path gives the same bits:
   every distance is the same terms summed in the same (column) order,
   minima and argmaxes are exact. */
#include "../merge/merge.h"
#include "../select/select.h"

#include <string.h>

VTC_OP_ENTRY_POINTS(vtc_prune, vtc_prune_query_scratch, vtc_prune_args, VTC_OP_PRUNE)

#define PRUNE_MAX_N ((int)(VTC_LOOP_BUDGET / 2))  /* per-invocation loops stay inside lavapipe's loop limiter */
#define PRUNE_MAX_DM 32768
/* the matrix path's normalised rows (prune_unit): vec4s a row, zero padded */
#define PRUNE_DP4(Dm) (((Dm) + 3) / 4)
/* distance-matrix path: N at most 4096 (64 MiB a matrix) and, per group of
   images, matrix and normalised rows within 256 MiB of scratch and each
   within maxStorageBufferRange */
#define PRUNE_DMAT_MAX_N 4096
#define PRUNE_DMAT_MAX_BYTES (256ull << 20)
/* prune_dmat_cpu's blocks: TI rows i per lane of a one-subgroup workgroup */
#define DMAT_CPU_TI 8u
#define DMAT_CPU_TJ 32u /* rows j per block: JS = TJ / S shuffled loads (at least 1) */
/* prune_pivd: pivots per invocation; prune_pivd_cpu: tokens per lane */
#define PIVD_PB 8u
#define PIVD_CPU_TI 4u
/* prune_greedy's KEYS on CPU devices (DART): token keys a lane holds */
#define PRUNE_GREEDY_KEYS 128u

enum { T_HIDDEN, T_METRIC, T_KEEP, T_OUT, T_SRC };   /* the table's order (prune_desc.c) */

/* scratch: inv_l2, l1, dist f32 [B][N]; kept u32 [B][N]; pivots i32 [B][P];
   keep i32 [B][K] (when the host gave no keep_idx); rest i32 [B][N-K];
   nn partial minima f32 [B][N][NC] (no-matrix path); pick u32 [B];
   DART: distances to the pivots f32 [B][P][N]; DivPrune matrix path, for G
   images at a time: normalised rows f32 [G][N][Dm], matrix f32 [G][N][N];
   merge's own */
typedef struct prune_layout {
    uint64_t inv, l1, dist, kept, piv, keep, rest, part, pick, tab, xn, dm, merge, total;
} prune_layout;

static prune_layout layout_of(const vtc_merge_shape *m, int64_t K, int64_t P, int64_t NC, int64_t G)
{
    uint64_t bn = vtc_scratch_round((uint64_t)(m->B * m->N) * 4);
    prune_layout l;
    l.inv = 0;
    l.l1 = bn;
    l.dist = 2 * bn;
    l.kept = 3 * bn;
    l.piv = 4 * bn;
    l.part = l.piv + vtc_scratch_round((uint64_t)(m->B * (P ? P : 1)) * 4);
    l.pick = l.part + vtc_scratch_round((uint64_t)(m->B * m->N * NC) * 4);
    l.keep = l.pick + vtc_scratch_round((uint64_t)m->B * 4);
    l.rest = l.keep + vtc_scratch_round((uint64_t)(m->B * (K ? K : 1)) * 4);
    l.tab = l.rest + vtc_scratch_round((uint64_t)(m->B * (m->R ? m->R : 1)) * 4);
    l.xn = l.tab + vtc_scratch_round((uint64_t)(m->B * P * m->N) * 4);
    l.dm = l.xn + vtc_scratch_round((uint64_t)(G * m->N * (PRUNE_DP4(m->Dm))) * 16);
    l.merge = l.dm + vtc_scratch_round((uint64_t)(G * m->N * m->N) * 4);
    l.total = l.merge + (m->c ? vtc_merge_scratch(m) : 0);
    return l;
}

/* What plan() hands record(). */
typedef struct prune_plan {
    vtc_merge_shape m;        /* the rest tokens' merge (B, N, D, Dm, R = N - K, c, step) */
    int64_t K, P;             /* kept tokens; DART pivots */
    int64_t rows;             /* output rows per image: K + c */
    int64_t NC, JC;           /* nn pass: chunks of JC rows j each */
    uint32_t mode;            /* VTC_PRUNE_DIVPRUNE or VTC_PRUNE_DART */
    int has_metric;           /* distances on metric, else on hidden */
    int cpu_steps;            /* CPU-device variants (no-matrix DivPrune: the per-step path) */
    int64_t G;                /* DivPrune matrix path: images per group; 0: no matrix */
    uint32_t nn_rows;         /* prune_nn's rows per invocation (spec constant TI) */
    prune_layout layout;
} prune_plan;

/* Everything plan() refuses: modes, shapes, limits, the outputs a call needs. */
static vtc_result check_args(vtc_context ctx, const vtc_prune_args *a, vtc_plan *pl)
{
    vtc_result r;
    if (a->mode > VTC_PRUNE_DART)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "prune: mode %u is not DIVPRUNE (0) or DART (1)", a->mode);
    if (a->reserved0)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "prune: reserved0 must be 0");
    if (a->mode == VTC_PRUNE_DIVPRUNE && a->pivots)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "prune: pivots is a DART parameter; DIVPRUNE needs 0");
    uint32_t dt = a->hidden.dtype;
    int64_t B = a->hidden.shape[0], N = a->hidden.shape[1], D = a->hidden.shape[2];
    if (B < 1 || N < 1 || D < 1)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "prune: hidden has an empty dimension");
    int64_t wm[3] = {B, N, -1};
    if ((r = vtc_tensor_expect(ctx, pl, T_METRIC, VTC_DTYPES(dt), wm)))
        return r;
    int64_t Dm = vtc_tensor_present(&a->metric) ? a->metric.shape[2] : D;
    if (Dm < 1)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "prune: metric rows are empty");
    int64_t K = a->keep, c = a->contextual, rows = K + c;
    if (rows > N)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "prune: keep %lld + contextual %lld exceed the %lld tokens",
                        (long long)K, (long long)c, (long long)N);
    if (N > PRUNE_MAX_N)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "prune: at most %d tokens per image", PRUNE_MAX_N);
    if (Dm > PRUNE_MAX_DM)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "prune: metric rows of at most %d values", PRUNE_MAX_DM);
    int64_t wk[2] = {B, K}, wo[3] = {B, rows, D}, ws[2] = {B, rows};
    if ((r = vtc_tensor_expect(ctx, pl, T_KEEP, 0, wk)) || (r = vtc_tensor_expect(ctx, pl, T_OUT, VTC_DTYPES(dt), wo)) ||
        (r = vtc_tensor_expect(ctx, pl, T_SRC, 0, ws)))
        return r;
    int want_keep = K > 0 && vtc_tensor_present(&a->keep_idx);
    int want_out = rows > 0 && vtc_tensor_present(&a->out);
    int want_src = rows > 0 && vtc_tensor_present(&a->src_idx);
    if (rows > 0 && !want_keep && !want_out && !want_src)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "prune: no output (keep_idx, out or src_idx) was given");
    if (c > 0 && !want_out)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "prune: contextual tokens need the out tensor");
    return VTC_SUCCESS;
}

/* DivPrune's paths: the nn chunks of the no-matrix path, or G images per
   distance-matrix group (0: no matrix). */
static void choose_divprune_path(vtc_context ctx, prune_plan *pp, int64_t B, int64_t N, int64_t Dm)
{
    /* nn chunks: rows j per invocation so one stays well inside llvmpipe's back-edge budget
       (the TI = 4 row loops counted as if left rolled); on GPUs the chunks are more parallelism */
    int64_t per_row = (Dm / 4 + Dm % 4) * 5 + 14;
    pp->JC = 40000 / per_row > 1 ? 40000 / per_row : 1;
    pp->NC = (N + pp->JC - 1) / pp->JC;
    pp->G = 0;
    if (pp->K > 0 && N <= PRUNE_DMAT_MAX_N) {
        uint64_t per = (uint64_t)(N * N + N * (PRUNE_DP4(Dm) * 4)) * 4;
        /* each of the two slices a group binds must also fit the device's storage-buffer range */
        uint64_t big = (uint64_t)(N > PRUNE_DP4(Dm) * 4 ? N : PRUNE_DP4(Dm) * 4) * (uint64_t)N * 4;
        uint64_t range = vtc_caps_of(ctx)->max_range;
        pp->G = per <= PRUNE_DMAT_MAX_BYTES ? (int64_t)(PRUNE_DMAT_MAX_BYTES / per) : 0;
        if (big && (uint64_t)pp->G > range / big)
            pp->G = (int64_t)(range / big);
        if (pp->G > B)
            pp->G = B;
    }
    if (pp->G) { /* no nn chunks */
        pp->NC = 1;
        pp->JC = N;
    }
}

static vtc_result plan(vtc_context ctx, const void *vargs, vtc_plan *pl)
{
    const vtc_prune_args *a = vargs;
    vtc_result r;
    if ((r = check_args(ctx, a, pl)))
        return r;
    int64_t B = a->hidden.shape[0], N = a->hidden.shape[1], D = a->hidden.shape[2];
    int has_metric = vtc_tensor_present(&a->metric);
    int64_t Dm = has_metric ? a->metric.shape[2] : D;
    int64_t K = a->keep, c = a->contextual, rows = K + c;
    int64_t P = 0;
    if (a->mode == VTC_PRUNE_DART) {
        P = a->pivots ? a->pivots : VTC_PRUNE_DART_DEFAULT_PIVOTS;
        if (P > K)
            P = K;
    }
    int run = rows > 0;
    /* hidden is read for out, or as the metric; nothing is when no row is kept */
    if (!run || (!vtc_tensor_present(&a->out) && has_metric))
        pl->unused |= 1u << T_HIDDEN;
    if (!run)
        pl->unused |= 1u << T_METRIC;
    pl->float_dtype = a->hidden.dtype;
    prune_plan *pp = VTC_PLAN_OF(pl, prune_plan);
    pp->K = K;
    pp->P = P;
    pp->rows = rows;
    pp->mode = a->mode;
    pp->has_metric = has_metric;
    pp->cpu_steps = vtc_caps_of(ctx)->cpu_variants;
    /* CPU devices: 4 rows per invocation share each row j they read */
    pp->nn_rows = pp->cpu_steps ? 4u : 1u;
    pp->NC = 1;
    pp->JC = N;
    pp->G = 0;
    if (a->mode == VTC_PRUNE_DIVPRUNE)
        choose_divprune_path(ctx, pp, B, N, Dm);
    pp->m = (vtc_merge_shape){B, N, D, Dm, N - K, c, c ? ((N - K) / c > 1 ? (N - K) / c : 1) : 1};
    pp->layout = layout_of(&pp->m, K, P, pp->NC, pp->G);
    pl->scratch_bytes = run ? pp->layout.total : 0;
    return VTC_SUCCESS;
}

/* No-matrix DivPrune on CPU devices (K > 0): the K sequential steps as
   prune_dist + prune_pick pairs. */
static vtc_result record_steps(vtc_recorder *rec, int64_t B, int64_t N, int64_t Dm, int64_t K, int64_t NC,
                               const vtc_bound *mt, const vtc_bound *inv, const vtc_bound *dist, const vtc_bound *part,
                               const vtc_bound *kept, const vtc_bound *piv, const vtc_bound *pick)
{
    vtc_context ctx = vtc_rec_ctx(rec);
    uint32_t px, py, dx, dy;
    vtc_grid_2d(ctx, (uint64_t)B, &px, &py);
    vtc_grid_for(ctx, (uint64_t)(B * N), &dx, &dy);
    /* init 1, take 1: clear kept, take the first pick from the nn partials */
    struct { uint32_t B, N, npiv, init, take, NC; } kp = {(uint32_t)B, (uint32_t)N, 0u, 1u, 1u, (uint32_t)NC};
    struct { uint32_t B, N, Dm, npiv, piv_slot, fold; } dp = {(uint32_t)B, (uint32_t)N, (uint32_t)Dm, 0u, 0u, 0u};
    vtc_bound kb[5] = {*dist, *part, *kept, *piv, *pick};
    vtc_bound db[6] = {*mt, *inv, *dist, *kept, *piv, *pick};
    const uint32_t wg = 64u; /* a workgroup runs on one thread here: few lanes, few barrier rounds */
    vtc_result r;
    if ((r = vtc_dispatch(rec, VTC_K_prune_pick, VTC_DTYPE_F32, kb, 5, &kp, sizeof(kp), wg, NULL, 0, px, py, 1)))
        return r;
    kp.init = 0u;
    for (int64_t s = 1; s < K; s++) {
        dp.fold = s > 1 ? 1u : 0u;
        if ((r = vtc_dispatch(rec, VTC_K_prune_dist, 0, db, 6, &dp, sizeof(dp), VTC_WG, NULL, 0, dx, dy, 1)) ||
            (r = vtc_dispatch(rec, VTC_K_prune_pick, VTC_DTYPE_F32, kb, 5, &kp, sizeof(kp), wg, NULL, 0, px, py, 1)))
            return r;
    }
    return VTC_SUCCESS;
}

/* prune_greedy over steps [0, steps) in dispatches that each stay inside
   llvmpipe's loop limiter (GPUs: one, at the sizes of real models). */
static vtc_result record_greedy(vtc_recorder *rec, const prune_plan *pp, int64_t g0, int64_t G, int64_t steps,
                                const vtc_bound *b8)
{
    vtc_context ctx = vtc_rec_ctx(rec);
    const vtc_merge_shape *m = &pp->m;
    int64_t N = m->N;
    /* CPU devices: a workgroup runs on one thread and each barrier switches between
       its SIMD rows, so as few as the loop limiter allows (a row of 8 up to N = 1024) */
    uint32_t wg = VTC_WG;
    if (pp->cpu_steps)
        for (wg = 8u; wg < 64u && N > 128 * (int64_t)wg;)
            wg *= 2u;
    int64_t per_lane = (N + wg - 1) / wg;
    /* CPU devices, DART: each lane's token keys in a private array (prune_greedy's KEYS),
       reloaded once per pivot; one size for every N up to 128 tokens a lane, so one
       pipeline serves them all (the slots past N hold no candidate) */
    uint32_t keys = pp->cpu_steps && pp->mode == VTC_PRUNE_DART && per_lane <= PRUNE_GREEDY_KEYS ? PRUNE_GREEDY_KEYS : 0u;
    int64_t fixed = 4 * per_lane + pp->P * (keys ? (int64_t)keys + 1 : 1) + 64; /* the clear, the scan, the reloads */
    int64_t S = ((int64_t)VTC_LOOP_BUDGET / 2 - fixed) / ((keys > per_lane ? (int64_t)keys : per_lane) + 24);
    if (S < 1)
        S = 1;
    uint32_t gx, gy;
    vtc_grid_2d(ctx, (uint64_t)G, &gx, &gy);
    int64_t t0 = 0;
    do {
        int64_t t1 = steps - t0 > S ? t0 + S : steps;
        struct { uint32_t G, N, K, mode, npiv, t0, t1, b0, first, last, write_keep, write_src, src_rows, write_rest; } gp = {
            (uint32_t)G, (uint32_t)N, (uint32_t)pp->K, pp->mode, (uint32_t)pp->P, (uint32_t)t0, (uint32_t)t1,
            (uint32_t)g0, t0 == 0, t1 == steps, pp->K > 0 ? 1u : 0u, b8[6].present ? 1u : 0u, (uint32_t)pp->rows,
            m->c > 0 ? 1u : 0u};
        uint32_t spec[1] = {VTC_SPEC(prune_greedy, KEYS) = keys};
        vtc_result r = vtc_dispatch(rec, VTC_K_prune_greedy, VTC_DTYPE_F32, b8, 8, &gp, sizeof(gp), wg, spec, 1, gx, gy, 1);
        if (r)
            return r;
        t0 = t1;
    } while (t0 < steps);
    return VTC_SUCCESS;
}

/* DivPrune's distance-matrix path for images g0 .. g0+G-1 (see the top of the file). */
static vtc_result record_dmat(vtc_recorder *rec, const prune_plan *pp, int64_t g0, int64_t G, const vtc_bound *mt,
                              const vtc_bound *inv, const vtc_bound *xn, const vtc_bound *dm, const vtc_bound *dist)
{
    vtc_context ctx = vtc_rec_ctx(rec);
    int64_t N = pp->m.N, Dm = pp->m.Dm;
    uint32_t gx, gy;
    vtc_result r;
    int64_t D4 = PRUNE_DP4(Dm);
    /* CPU devices, rows of whole vec4s at a 16-byte aligned offset: prune_dmat_cpu
       normalises the rows it loads itself (the same rounded products), no prune_unit pass */
    int raw = pp->cpu_steps && Dm % 4 == 0 && mt->offset % 16 == 0;
    if (!raw) {
        struct { uint32_t G, N, Dm, b0, D4; } up = {(uint32_t)G, (uint32_t)N, (uint32_t)Dm, (uint32_t)g0, (uint32_t)D4};
        vtc_bound ub[3] = {*mt, *inv, *xn};
        vtc_grid_for(ctx, (uint64_t)(G * N * D4), &gx, &gy);
        if ((r = vtc_dispatch(rec, VTC_K_prune_unit, 0, ub, 3, &up, sizeof(up), VTC_WG, NULL, 0, gx, gy, 1)))
            return r;
    }
    vtc_bound db[3] = {raw ? *mt : *xn, *inv, *dm};
    if (pp->cpu_steps) {
        uint32_t S = vtc_caps_of(ctx)->subgroup_size, js = S < DMAT_CPU_TJ ? DMAT_CPU_TJ / S : 1u;
        uint32_t spec[3] = {VTC_SPEC(prune_dmat_cpu, TI) = DMAT_CPU_TI, VTC_SPEC(prune_dmat_cpu, JS) = js,
                            VTC_SPEC(prune_dmat_cpu, RAW) = (uint32_t)raw};
        int64_t NI = (N + S * DMAT_CPU_TI - 1) / (S * DMAT_CPU_TI), NJ = (N + S * js - 1) / (S * js);
        /* raw: the rows of images b0.. of the metric, else the G normalised ones */
        struct { uint32_t G, N, D4, b0, NI, NJ, xb; } dp = {(uint32_t)G, (uint32_t)N, (uint32_t)D4, (uint32_t)g0, (uint32_t)NI,
                                                           (uint32_t)NJ, raw ? (uint32_t)g0 : 0u};
        vtc_grid_2d(ctx, (uint64_t)(G * NI * NJ), &gx, &gy);
        /* raw rows through a texel view where the call has one (vtc_bound.texel) */
        if ((r = vtc_dispatch(rec, raw && mt->texel ? VTC_K_prune_dmat_tex_cpu : VTC_K_prune_dmat_cpu,
                              raw ? 0 : VTC_DTYPE_F32, db, 3, &dp, sizeof(dp), S, spec, 3, gx, gy, 1)))
            return r;
    } else {
        int64_t NT = (N + 31) / 32; /* 32 x 32 tiles, the upper triangle's NT (NT + 1) / 2 of them */
        struct { uint32_t G, N, Dp, b0, NT; } dp = {(uint32_t)G, (uint32_t)N, (uint32_t)(4 * D4), (uint32_t)g0, (uint32_t)NT};
        vtc_grid_2d(ctx, (uint64_t)(G * (NT * (NT + 1) / 2)), &gx, &gy);
        if ((r = vtc_dispatch(rec, VTC_K_prune_dmat, VTC_DTYPE_F32, db, 3, &dp, sizeof(dp), 256u, NULL, 0, gx, gy, 1)))
            return r;
    }
    struct { uint32_t G, N, b0; } np = {(uint32_t)G, (uint32_t)N, (uint32_t)g0};
    vtc_bound nb[2] = {*dm, *dist};
    uint32_t wg = pp->cpu_steps ? 32u : VTC_WG; /* as prune_norms */
    vtc_grid_2d(ctx, (uint64_t)((G * N + wg - 1) / wg), &gx, &gy);
    return vtc_dispatch(rec, VTC_K_prune_nnmin, VTC_DTYPE_F32, nb, 2, &np, sizeof(np), wg, NULL, 0, gx, gy, 1);
}

/* record()'s scratch slices and the rows the distances read */
typedef struct prune_slices {
    vtc_bound inv, l1, dist, kept, piv, keep, rest, part, pick;
    const vtc_bound *mt; /* the metric, or hidden when there is none */
    int vec4_rows;       /* CPU devices: 4-value loads of the compared rows where they allow them */
} prune_slices;

/* Each row's 1/||x||_2 and L1 norm (prune_norms). */
static vtc_result record_norms(vtc_recorder *rec, const prune_plan *pp, const prune_slices *s)
{
    vtc_context ctx = vtc_rec_ctx(rec);
    int64_t B = pp->m.B, N = pp->m.N;
    int cpu = pp->cpu_steps;
    uint32_t gx, gy;
    struct { uint32_t B, N, Dm; } np = {(uint32_t)B, (uint32_t)N, (uint32_t)pp->m.Dm};
    vtc_bound bb[3] = {*s->mt, s->inv, s->l1};
    /* CPU devices: workgroups of 32 rows, so that a few hundred rows still make even work for every thread */
    uint32_t wg = cpu ? 32u : VTC_WG;
    vtc_grid_2d(ctx, (uint64_t)((B * N + wg - 1) / wg), &gx, &gy);
    if (cpu && s->vec4_rows) /* the rows through a texel view where the call has one (vtc_bound.texel) */
        return vtc_dispatch(rec, s->mt->texel ? VTC_K_prune_norms_tex_cpu : VTC_K_prune_norms_cpu, 0, bb, 3, &np,
                            sizeof(np), wg, NULL, 0, gx, gy, 1);
    return vtc_dispatch(rec, VTC_K_prune_norms, 0, bb, 3, &np, sizeof(np), wg, NULL, 0, gx, gy, 1);
}

/* DivPrune without the matrix (see the top of the file). */
static vtc_result record_no_matrix(vtc_recorder *rec, const prune_plan *pp, const vtc_bound *t, const prune_slices *s)
{
    vtc_context ctx = vtc_rec_ctx(rec);
    int64_t B = pp->m.B, N = pp->m.N, Dm = pp->m.Dm, K = pp->K, NC = pp->NC, rows = pp->rows;
    uint32_t gx, gy, write_src = t[T_SRC].present ? 1u : 0u, write_rest = pp->m.c > 0 ? 1u : 0u;
    vtc_result r;
    struct { uint32_t B, N, Dm, JC, NC; } nnp = {(uint32_t)B, (uint32_t)N, (uint32_t)Dm, (uint32_t)pp->JC, (uint32_t)NC};
    uint32_t ti = pp->nn_rows;
    vtc_bound nb[3] = {*s->mt, s->inv, s->part};
    vtc_grid_for(ctx, (uint64_t)B * (uint64_t)((N + ti - 1) / ti) * (uint64_t)NC, &gx, &gy);
    if ((r = vtc_dispatch(rec, VTC_K_prune_nn, 0, nb, 3, &nnp, sizeof(nnp), VTC_WG, &ti, 1, gx, gy, 1)))
        return r;
    vtc_grid_2d(ctx, (uint64_t)B, &gx, &gy);
    if (pp->cpu_steps) {
        if ((r = record_steps(rec, B, N, Dm, K, NC, s->mt, &s->inv, &s->dist, &s->part, &s->kept, &s->piv, &s->pick)))
            return r;
        struct { uint32_t B, N, K, write_keep, write_src, src_rows, write_rest; } op = {
            (uint32_t)B, (uint32_t)N, (uint32_t)K, K > 0 ? 1u : 0u, write_src, (uint32_t)rows, write_rest};
        vtc_bound ob[4] = {s->kept, s->keep, t[T_SRC], s->rest};
        return vtc_dispatch(rec, VTC_K_prune_out, 0, ob, 4, &op, sizeof(op), 64u, NULL, 0, gx, gy, 1);
    }
    struct { uint32_t B, N, Dm, K, mode, npiv, write_keep, write_src, src_rows, write_rest, NC; } sp = {
        (uint32_t)B, (uint32_t)N, (uint32_t)Dm, (uint32_t)K, pp->mode, (uint32_t)pp->P, K > 0 ? 1u : 0u,
        write_src, (uint32_t)rows, write_rest, (uint32_t)NC};
    vtc_bound sb[9] = {*s->mt, s->inv, s->dist, s->kept, s->piv, s->keep, t[T_SRC], s->rest, s->part};
    return vtc_dispatch(rec, VTC_K_prune_select, 0, sb, 9, &sp, sizeof(sp), VTC_WG, NULL, 0, gx, gy, 1);
}

/* DART: the pivots (the P highest L1 norms) and their distances to every token. */
static vtc_result record_dart_distances(vtc_recorder *rec, const prune_plan *pp, const prune_slices *s,
                                        const vtc_bound *tab)
{
    vtc_context ctx = vtc_rec_ctx(rec);
    int64_t B = pp->m.B, N = pp->m.N, Dm = pp->m.Dm, P = pp->P;
    uint32_t gx, gy;
    vtc_result r;
    if ((r = vtc_select_record(rec, B, N, VTC_CLS_NONE, (uint32_t)P, &s->l1, &s->piv, (uint32_t)P, NULL)))
        return r;
    vtc_bound vb[4] = {*s->mt, s->inv, s->piv, *tab};
    if (pp->cpu_steps) {
        uint32_t S = vtc_caps_of(ctx)->subgroup_size, spec[1] = {VTC_SPEC(prune_pivd_cpu, TI) = PIVD_CPU_TI};
        int64_t NJ = (N + S * PIVD_CPU_TI - 1) / (S * PIVD_CPU_TI), NP = (P + S - 1) / S;
        struct { uint32_t B, N, Dm, npiv, NJ, NP; } vp = {(uint32_t)B, (uint32_t)N, (uint32_t)Dm, (uint32_t)P,
                                                         (uint32_t)NJ, (uint32_t)NP};
        vtc_grid_2d(ctx, (uint64_t)(B * NJ * NP), &gx, &gy);
        if (!s->vec4_rows)
            return vtc_dispatch(rec, VTC_K_prune_pivd_cpu, 0, vb, 4, &vp, sizeof(vp), S, spec, 1, gx, gy, 1);
        return vtc_dispatch(rec, s->mt->texel ? VTC_K_prune_pivd4_tex_cpu : VTC_K_prune_pivd4_cpu, 0, vb, 4, &vp,
                            sizeof(vp), S, spec, 1, gx, gy, 1);
    }
    int64_t wg = VTC_WG, NJ = (N + wg - 1) / wg, NP = (P + PIVD_PB - 1) / PIVD_PB;
    uint32_t spec[1] = {VTC_SPEC(prune_pivd, PB) = PIVD_PB};
    struct { uint32_t B, N, Dm, npiv, NJ, NP; } vp = {(uint32_t)B, (uint32_t)N, (uint32_t)Dm, (uint32_t)P, (uint32_t)NJ,
                                                     (uint32_t)NP};
    vtc_grid_2d(ctx, (uint64_t)(B * NJ * NP), &gx, &gy);
    return vtc_dispatch(rec, VTC_K_prune_pivd, 0, vb, 4, &vp, sizeof(vp), (uint32_t)wg, spec, 1, gx, gy, 1);
}

static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    (void)ctx;
    const prune_plan *pp = VTC_PLAN_OF_CONST(pl, prune_plan);
    const vtc_merge_shape *m = &pp->m;
    int64_t B = m->B, N = m->N, D = m->D, Dm = m->Dm;
    int64_t K = pp->K, P = pp->P, rows = pp->rows, G = pp->G;
    if (rows == 0)
        return VTC_SUCCESS;
    const prune_layout l = pp->layout;
    VkDeviceSize bn = (VkDeviceSize)(B * N) * 4;
    prune_slices s;
    s.inv = vtc_scratch_slice(rec, l.inv, bn);
    s.l1 = vtc_scratch_slice(rec, l.l1, bn);
    s.dist = vtc_scratch_slice(rec, l.dist, bn);
    s.kept = vtc_scratch_slice(rec, l.kept, bn);
    s.piv = vtc_scratch_slice(rec, l.piv, (VkDeviceSize)(B * (P ? P : 1)) * 4);
    s.keep = t[T_KEEP].present ? t[T_KEEP] : vtc_scratch_slice(rec, l.keep, (VkDeviceSize)(B * (K ? K : 1)) * 4);
    s.rest = vtc_scratch_slice(rec, l.rest, (VkDeviceSize)(B * (m->R ? m->R : 1)) * 4);
    s.part = vtc_scratch_slice(rec, l.part, (VkDeviceSize)(B * N * pp->NC) * 4);
    s.pick = vtc_scratch_slice(rec, l.pick, (VkDeviceSize)B * 4);
    s.mt = pp->has_metric ? &t[T_METRIC] : &t[T_HIDDEN];
    s.vec4_rows = Dm % 4 == 0 && s.mt->offset % 16 == 0;
    vtc_result r;
    if (K > 0 && (r = record_norms(rec, pp, &s)))
        return r;
    if (pp->mode == VTC_PRUNE_DIVPRUNE && K > 0 && !G) {
        if ((r = record_no_matrix(rec, pp, t, &s)))
            return r;
    } else if (pp->mode == VTC_PRUNE_DIVPRUNE && K > 0) {
        vtc_bound xn = vtc_scratch_slice(rec, l.xn, (VkDeviceSize)(G * N * (PRUNE_DP4(Dm))) * 16);
        vtc_bound dm = vtc_scratch_slice(rec, l.dm, (VkDeviceSize)(G * N * N) * 4);
        vtc_bound gb[8] = {dm, s.dist, s.kept, s.piv, s.pick, s.keep, t[T_SRC], s.rest};
        for (int64_t g0 = 0; g0 < B; g0 += G) {
            int64_t g = B - g0 < G ? B - g0 : G;
            if ((r = record_dmat(rec, pp, g0, g, s.mt, &s.inv, &xn, &dm, &s.dist)) ||
                (r = record_greedy(rec, pp, g0, g, K, gb)))
                return r;
        }
    } else {
        /* DART (or K = 0: only the kept flags cleared and the rest written) */
        vtc_bound tab = vtc_scratch_slice(rec, l.tab, (VkDeviceSize)(B * (P ? P : 1) * N) * 4);
        vtc_bound gb[8] = {tab, s.dist, s.kept, s.piv, s.pick, s.keep, t[T_SRC], s.rest};
        if ((K > 0 && (r = record_dart_distances(rec, pp, &s, &tab))) || (r = record_greedy(rec, pp, 0, B, K - P, gb)))
            return r;
    }
    if (t[T_OUT].present && K > 0 &&
        (r = vtc_gather_record(rec, B, N, D, K, K, rows, 0, &t[T_HIDDEN], &s.keep, &t[T_OUT])))
        return r;
    return vtc_merge_record(rec, m, &t[T_HIDDEN], s.mt, &s.rest, l.merge, &t[T_OUT], rows, K, &t[T_SRC], rows, K);
}

const vtc_op_def vtc_op_prune_def = {&vtc_op_prune_desc, .plan = plan, .record = record};
