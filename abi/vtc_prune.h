/*
 * Embedding-only token selection (docs/prune.md): DivPrune and DART on the
 * rows an engine already has (a vision chunk's output embeddings), no
 * attention weights or q/k needed. Include <vtc.h>, not this file.
 *
 * Notation: x[b][i] is row i (of N) of image b (of B), width Dm, read from
 * `metric` (or `hidden` when metric is absent). All maths in fp32 whatever
 * the storage dtype; sums run in ascending column order and minima are
 * exact, so a call's result depends only on its inputs (no float atomics):
 * same input, same bits, on every variant of a device.
 *   ||x||2 = sqrt(sum x^2), x^ = x / ||x||2;
 *   cos(i, j) = x^_i . x^_j, distance d(i, j) = 1 - cos(i, j), computed as
 *   1/2 sum_c (x^_i[c] - x^_j[c])^2 (the same number in exact arithmetic),
 *   so duplicate rows are at distance exactly 0 and d >= 0 in fp32 too;
 *   a zero row (squared norm 0, or not finite in fp32) has cosine 0 with
 *   every row: d = 1 to all others.
 * "argmax, ties to the lower index" compares with NaN below every number.
 */
#ifndef VTC_PRUNE_H
#define VTC_PRUNE_H
#ifdef __cplusplus
extern "C" {
#endif

/**
 * DivPrune (arXiv 2503.02175): greedy max-min diversity over d = 1 - cos.
 *  - pick s_0 = argmax_i nn(i), nn(i) = min_{j != i} d(i, j) (the token whose
 *    nearest neighbour is farthest; nn = +inf when N = 1), as the official code;
 *  - then for t = 1..K-1: s_t = argmax over i not yet kept of min_{s kept} d(i, s).
 *  Ties go to the lower index; a kept token is never picked again.
 *  Cost per image: N^2 Dm (first pick) + K N Dm multiply-adds, no N x N buffer.
 */
#define VTC_PRUNE_DIVPRUNE 0u
/**
 * DART (arXiv 2502.11494), embeddings-only variant:
 *  - pivots: the P' = min(P, K) rows of highest L1 norm sum |x_i| (ties to the
 *    lower index, NaN lowest), taken in ascending index order p_0 < p_1 < ...;
 *  - the other K - P' slots are split over the pivots in that order:
 *    pivot i gets q_i = (K - P') / P' + (i < (K - P') % P' ? 1 : 0);
 *  - pivot i in turn keeps the q_i tokens, among those not kept yet (pivots
 *    and earlier pivots' picks excluded), of largest d(p_i, j), i.e. lowest
 *    cosine, ties to the lower index.
 *  The paper ranks pivots by key L1 norm at LLM layer 2 and compares layer-2
 *  hidden states, with text pivots too (the release: 4 image + 4 text
 *  pivots, budget // 8 per pivot, pivots in Python set order); this variant
 *  uses the embeddings for both and hits the budget exactly.
 *  Cost per image: N Dm (norms) + P' N Dm multiply-adds + K N comparisons.
 */
#define VTC_PRUNE_DART     1u

/** P when vtc_prune_args.pivots is 0: the release's 4 image + 4 text pivots, all image here. */
#define VTC_PRUNE_DART_DEFAULT_PIVOTS 8u

/**
 * prune: keep K of the N rows of each image by `mode`, then, when
 * contextual = c > 0, merge c contextual tokens from the N - K others exactly
 * as vtc_merge (SPEC §1.3: rest = non-kept tokens ascending, targets
 * rest[i * max(1, (N-K)/c)], sources to the most cosine-similar target of the
 * metric rows, out = target + mean of its sources).
 * Outputs (each optional, at least one present unless K + c = 0):
 *   keep_idx [B][K] I32: kept token indices, ascending;
 *   out      [B][K+c][D]: hidden rows at keep_idx, then the contextual rows;
 *   src_idx  [B][K+c] I32: the original index of each out row (a contextual
 *            row: its target).
 * Zero-sized outputs (K = 0, or K + c = 0) may be omitted.
 * Tensors: hidden [B][N][D] (F32/F16, required), metric [B][N][Dm] (same
 * dtype, optional: the rows compared, default hidden); out in hidden's dtype.
 * Host mode and record mode (scratch from vtc_query_scratch(VTC_OP_PRUNE):
 * about 5 B N + B N ceil(N / rows-per-chunk) floats plus merge's share; a
 * few MB at LLaVA sizes). Recording is about 2K + 5 dispatches on CPU
 * devices (one pair per selection step), 6-8 on GPUs.
 * Errors: INVALID_ARGUMENT for a mode out of range, pivots != 0 with
 * DIVPRUNE, reserved0 != 0, K + c > N, an empty dimension, shape or dtype
 * mismatches, no output at all (with K + c > 0), contextual > 0 without out;
 * UNSUPPORTED for N > 30000 or Dm > 32768. Nothing is written on an error.
 */
typedef struct vtc_prune_args {
    uint32_t size;        /**< sizeof(vtc_prune_args) */
    uint32_t mode;        /**< VTC_PRUNE_* */
    uint32_t keep;        /**< K, tokens selected per image (0..N) */
    uint32_t contextual;  /**< c, merged tokens appended (0: no merge); K + c <= N */
    uint32_t pivots;      /**< DART: P (0 -> VTC_PRUNE_DART_DEFAULT_PIVOTS); DIVPRUNE: must be 0 */
    uint32_t reserved0;   /**< must be 0 */
    vtc_tensor hidden;    /**< [B][N][D] rows gathered into out */
    vtc_tensor metric;    /**< [B][N][Dm] rows compared (optional; absent: hidden) */
    vtc_tensor keep_idx;  /**< out [B][K] I32 ascending (optional) */
    vtc_tensor out;       /**< out [B][K+c][D] (optional) */
    vtc_tensor src_idx;   /**< out [B][K+c] I32 (optional) */
} vtc_prune_args;
VTC_API vtc_result vtc_prune(vtc_context ctx, const vtc_prune_args *args, const vtc_exec *exec);
/** Record-mode scratch bytes of this call (vtc_prune), validating `args` as
 *  record mode would (see vtc_query_scratch). *scratch_bytes is written only
 *  on success. */
VTC_API vtc_result vtc_prune_query_scratch(vtc_context ctx, const vtc_prune_args *args, uint64_t *scratch_bytes);

#ifdef __cplusplus
}
#endif
#endif
