/* prune (abi/vtc_prune.h, docs/prune.md): DivPrune or DART selection on
   embedding rows, then the kept rows gathered and, optionally, VisionZip's
   contextual merge of the rest. Dispatches: norms; nn (DivPrune) or
   select_topk on the L1 norms (DART); the selection; gather; merge (3).
   The selection is K sequential steps. GPUs: one fused prune_select, a
   workgroup per image looping over the steps. CPU devices: llvmpipe stops
   an invocation after 65535 loop back-edges in all, which K steps of
   N/WG rows of Dm columns exceed at LLaVA sizes, so each step is its own
   pair of dispatches (prune_dist over every token, prune_pick per image)
   and the nn pass is cut into chunks of rows j. Both give the same bits:
   every distance is summed in the same order and minima are exact. */
#include "../merge/merge.h"
#include "../select/select.h"

#include <string.h>

VTC_OP_ENTRY_POINTS(vtc_prune, vtc_prune_query_scratch, vtc_prune_args, VTC_OP_PRUNE)

#define PRUNE_MAX_N ((int)(VTC_LOOP_BUDGET / 2))  /* per-invocation loops stay inside lavapipe's loop limiter */
#define PRUNE_MAX_DM 32768

enum { T_HIDDEN, T_METRIC, T_KEEP, T_OUT, T_SRC };   /* the table's order (prune_desc.c) */

/* scratch: inv_l2, l1, dist f32 [B][N]; kept u32 [B][N]; pivots i32 [B][P];
   keep i32 [B][K] (when the host gave no keep_idx); rest i32 [B][N-K];
   nn partial minima f32 [B][N][NC]; pick u32 [B] (CPU path); merge's own */
typedef struct prune_layout {
    uint64_t inv, l1, dist, kept, piv, keep, rest, part, pick, merge, total;
} prune_layout;

static prune_layout layout_of(const vtc_merge_shape *m, int64_t K, int64_t P, int64_t NC)
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
    l.merge = l.rest + vtc_scratch_round((uint64_t)(m->B * (m->R ? m->R : 1)) * 4);
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
    int cpu_steps;            /* the per-step CPU path, see the top of the file */
    uint32_t nn_rows;         /* prune_nn's rows per invocation (spec constant TI) */
    prune_layout layout;
} prune_plan;

static vtc_result plan(vtc_context ctx, const void *vargs, vtc_plan *pl)
{
    const vtc_prune_args *a = vargs;
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
    int has_metric = vtc_tensor_present(&a->metric);
    int64_t wm[3] = {B, N, -1};
    if ((r = vtc_tensor_expect(ctx, pl, T_METRIC, VTC_DTYPES(dt), wm)))
        return r;
    int64_t Dm = has_metric ? a->metric.shape[2] : D;
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
    int64_t P = 0;
    if (a->mode == VTC_PRUNE_DART) {
        P = a->pivots ? a->pivots : VTC_PRUNE_DART_DEFAULT_PIVOTS;
        if (P > K)
            P = K;
    }
    int run = rows > 0;
    /* hidden is read for out, or as the metric; nothing is when no row is kept */
    if (!run || (!want_out && has_metric))
        pl->unused |= 1u << T_HIDDEN;
    if (!run)
        pl->unused |= 1u << T_METRIC;
    pl->float_dtype = dt;
    prune_plan *pp = VTC_PLAN_OF(pl, prune_plan);
    pp->K = K;
    pp->P = P;
    pp->rows = rows;
    pp->mode = a->mode;
    pp->has_metric = has_metric;
    pp->cpu_steps = vtc_caps_of(ctx)->cpu_variants;
    /* CPU devices: 4 rows per invocation share each row j they read */
    pp->nn_rows = pp->cpu_steps ? 4u : 1u;
    /* nn chunks: rows j per invocation so one stays well inside llvmpipe's back-edge budget
       (the TI = 4 row loops counted as if left rolled); on GPUs the chunks are more parallelism */
    int64_t JC = N, NC = 1;
    if (a->mode == VTC_PRUNE_DIVPRUNE) {
        int64_t per_row = (Dm / 4 + Dm % 4) * 5 + 14;
        JC = 40000 / per_row > 1 ? 40000 / per_row : 1;
        NC = (N + JC - 1) / JC;
    }
    pp->NC = NC;
    pp->JC = JC;
    pp->m = (vtc_merge_shape){B, N, D, Dm, N - K, c, c ? ((N - K) / c > 1 ? (N - K) / c : 1) : 1};
    pp->layout = layout_of(&pp->m, K, P, NC);
    pl->scratch_bytes = run ? pp->layout.total : 0;
    return VTC_SUCCESS;
}

/* CPU path: the K sequential steps as prune_dist + prune_pick pairs. */
static vtc_result record_steps(vtc_recorder *rec, int64_t B, int64_t N, int64_t Dm, int64_t K, int64_t P, uint32_t mode,
                               int64_t NC, const vtc_bound *mt, const vtc_bound *inv, const vtc_bound *dist,
                               const vtc_bound *part, const vtc_bound *kept, const vtc_bound *piv, const vtc_bound *pick)
{
    vtc_context ctx = vtc_rec_ctx(rec);
    uint32_t px, py, dx, dy;
    vtc_grid_2d(ctx, (uint64_t)B, &px, &py);
    vtc_grid_for(ctx, (uint64_t)(B * N), &dx, &dy);
    struct { uint32_t B, N, npiv, init, take, NC; } kp = {(uint32_t)B, (uint32_t)N, (uint32_t)P, 1u, 0u, (uint32_t)NC};
    struct { uint32_t B, N, Dm, npiv, piv_slot, fold; } dp = {(uint32_t)B, (uint32_t)N, (uint32_t)Dm, (uint32_t)P,
                                                             (uint32_t)P, 0u};
    vtc_bound kb[5] = {*dist, *part, *kept, *piv, *pick};
    vtc_bound db[6] = {*mt, *inv, *dist, *kept, *piv, *pick};
    const uint32_t wg = 64u; /* a workgroup runs on one thread here: few lanes, few barrier rounds */
    vtc_result r;
    if (K == 0) /* nothing to pick, but prune_out reads the (cleared) kept flags */
        return vtc_dispatch(rec, VTC_K_prune_pick, VTC_DTYPE_F32, kb, 5, &kp, sizeof(kp), wg, NULL, 0, px, py, 1);
    if (mode == VTC_PRUNE_DIVPRUNE) {
        kp.take = 1u; /* clear kept, take the first pick from the nn partials */
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
    /* DART: clear kept and mark the pivots, then per pivot its distances and its quota of picks */
    if ((r = vtc_dispatch(rec, VTC_K_prune_pick, VTC_DTYPE_F32, kb, 5, &kp, sizeof(kp), wg, NULL, 0, px, py, 1)))
        return r;
    kp.init = 0u;
    kp.take = 1u;
    int64_t extra = K - P;
    for (int64_t i = 0; i < P; i++) {
        int64_t q = extra / P + (i < extra % P ? 1 : 0);
        if (q == 0)
            continue;
        dp.piv_slot = (uint32_t)i;
        if ((r = vtc_dispatch(rec, VTC_K_prune_dist, 0, db, 6, &dp, sizeof(dp), VTC_WG, NULL, 0, dx, dy, 1)))
            return r;
        for (int64_t j = 0; j < q; j++)
            if ((r = vtc_dispatch(rec, VTC_K_prune_pick, VTC_DTYPE_F32, kb, 5, &kp, sizeof(kp), wg, NULL, 0, px, py, 1)))
                return r;
    }
    return VTC_SUCCESS;
}

static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    const prune_plan *pp = VTC_PLAN_OF_CONST(pl, prune_plan);
    const vtc_merge_shape *m = &pp->m;
    int64_t B = m->B, N = m->N, D = m->D, Dm = m->Dm, c = m->c;
    int64_t K = pp->K, P = pp->P, rows = pp->rows;
    uint32_t mode = pp->mode;
    if (rows == 0)
        return VTC_SUCCESS;
    int64_t NC = pp->NC, JC = pp->JC;
    const prune_layout l = pp->layout;
    VkDeviceSize bn = (VkDeviceSize)(B * N) * 4;
    vtc_bound inv = vtc_scratch_slice(rec, l.inv, bn), l1 = vtc_scratch_slice(rec, l.l1, bn);
    vtc_bound dist = vtc_scratch_slice(rec, l.dist, bn), kept = vtc_scratch_slice(rec, l.kept, bn);
    vtc_bound piv = vtc_scratch_slice(rec, l.piv, (VkDeviceSize)(B * (P ? P : 1)) * 4);
    vtc_bound keep = t[T_KEEP].present ? t[T_KEEP] : vtc_scratch_slice(rec, l.keep, (VkDeviceSize)(B * (K ? K : 1)) * 4);
    vtc_bound rest = vtc_scratch_slice(rec, l.rest, (VkDeviceSize)(B * (m->R ? m->R : 1)) * 4);
    vtc_bound part = vtc_scratch_slice(rec, l.part, (VkDeviceSize)(B * N * NC) * 4);
    vtc_bound pick = vtc_scratch_slice(rec, l.pick, (VkDeviceSize)B * 4);
    int cpu = pp->cpu_steps;
    const vtc_bound *mt = pp->has_metric ? &t[T_METRIC] : &t[T_HIDDEN];
    uint32_t gx, gy;
    vtc_result r;
    if (K > 0) {
        struct { uint32_t B, N, Dm; } np = {(uint32_t)B, (uint32_t)N, (uint32_t)Dm};
        struct { uint32_t B, N, Dm, JC, NC; } nnp = {(uint32_t)B, (uint32_t)N, (uint32_t)Dm, (uint32_t)JC, (uint32_t)NC};
        vtc_bound bb[3] = {*mt, inv, l1};
        vtc_grid_for(ctx, (uint64_t)(B * N), &gx, &gy);
        if ((r = vtc_dispatch(rec, VTC_K_prune_norms, 0, bb, 3, &np, sizeof(np), VTC_WG, NULL, 0, gx, gy, 1)))
            return r;
        if (mode == VTC_PRUNE_DIVPRUNE) {
            uint32_t ti = pp->nn_rows;
            vtc_bound nb[3] = {*mt, inv, part};
            vtc_grid_for(ctx, (uint64_t)B * (uint64_t)((N + ti - 1) / ti) * (uint64_t)NC, &gx, &gy);
            if ((r = vtc_dispatch(rec, VTC_K_prune_nn, 0, nb, 3, &nnp, sizeof(nnp), VTC_WG, &ti, 1, gx, gy, 1)))
                return r;
        } else if ((r = vtc_select_record(rec, B, N, VTC_CLS_NONE, (uint32_t)P, &l1, &piv, (uint32_t)P, NULL))) {
            return r;
        }
    }
    if (cpu) {
        if ((r = record_steps(rec, B, N, Dm, K, P, mode, NC, mt, &inv, &dist, &part, &kept, &piv, &pick)))
            return r;
        struct { uint32_t B, N, K, write_keep, write_src, src_rows, write_rest; } op = {
            (uint32_t)B, (uint32_t)N, (uint32_t)K, K > 0 ? 1u : 0u, t[T_SRC].present ? 1u : 0u, (uint32_t)rows,
            c > 0 ? 1u : 0u};
        vtc_bound ob[4] = {kept, keep, t[T_SRC], rest};
        vtc_grid_2d(ctx, (uint64_t)B, &gx, &gy);
        if ((r = vtc_dispatch(rec, VTC_K_prune_out, 0, ob, 4, &op, sizeof(op), 64u, NULL, 0, gx, gy, 1)))
            return r;
    } else {
        struct { uint32_t B, N, Dm, K, mode, npiv, write_keep, write_src, src_rows, write_rest, NC; } sp = {
            (uint32_t)B, (uint32_t)N, (uint32_t)Dm, (uint32_t)K, mode, (uint32_t)P, K > 0 ? 1u : 0u,
            t[T_SRC].present ? 1u : 0u, (uint32_t)rows, c > 0 ? 1u : 0u, (uint32_t)NC};
        vtc_bound sb[9] = {*mt, inv, dist, kept, piv, keep, t[T_SRC], rest, part};
        vtc_grid_2d(ctx, (uint64_t)B, &gx, &gy);
        if ((r = vtc_dispatch(rec, VTC_K_prune_select, 0, sb, 9, &sp, sizeof(sp), VTC_WG, NULL, 0, gx, gy, 1)))
            return r;
    }
    if (t[T_OUT].present && K > 0 &&
        (r = vtc_gather_record(rec, B, N, D, K, K, rows, 0, &t[T_HIDDEN], &keep, &t[T_OUT])))
        return r;
    return vtc_merge_record(rec, m, &t[T_HIDDEN], mt, &rest, l.merge, &t[T_OUT], rows, K, &t[T_SRC], rows, K);
}

const vtc_op_def vtc_op_prune_def = {&vtc_op_prune_desc, .plan = plan, .record = record};
