/*
 * VisionZip ops (SPEC.md §1): scores, select, merge and the fused visionzip.
 * Include <vtc.h>, not this file. Float tensors of one call share one dtype
 * (F32 or F16; maths in fp32); scores are always F32; indices I32.
 * B, N, D, H, dh are read from the tensor shapes.
 */
#ifndef VTC_VISIONZIP_H
#define VTC_VISIONZIP_H
#ifdef __cplusplus
extern "C" {
#endif

/** Score sources (SPEC §1.1). */
#define VTC_SCORE_ATTN_CLS 0u /**< attn[B][H][N]: CLS softmax row per head; score = sum over heads */
#define VTC_SCORE_QK_CLS   1u /**< q,k[B][N][H][dh]: softmax of the CLS query (token cls_index, default 0),
                                   summed over heads */
#define VTC_SCORE_QK_MEAN  2u /**< q,k[B][N][H][dh]: softmax of every query, mean over heads and queries
                                   (no N×N buffer; cost B·H·N²·dh·2 multiply-adds) */

/**
 * scores: score[B][N] (F32) from attention weights or from q/k.
 * attn is read for ATTN_CLS, q and k for the QK modes; the unused ones may
 * be left zero. scale: softmax temperature for QK modes, 0 → 1/sqrt(dh).
 * cls_index: QK_CLS reads the query of this token (0 in 1.0.0, where the
 * field was reserved0 and had to be 0: old callers keep their meaning).
 * Engines that append the class embedding after the patches (llama.cpp's
 * LLaVA graph) pass N - 1.
 * Errors: INVALID_ARGUMENT for a mode out of range, missing input, shape
 * mismatch (B, N, H, dh must agree), a score tensor not F32 [B][N],
 * cls_index >= N, or cls_index != 0 with a mode other than QK_CLS;
 * UNSUPPORTED for a head width dh > 256 (QK modes); and those every op call
 * can return (vtc.h, before vtc_exec).
 */
typedef struct vtc_scores_args {
    uint32_t size;
    uint32_t mode;        /**< VTC_SCORE_* */
    float scale;
    uint32_t cls_index;   /**< QK_CLS: the CLS token's row (default 0) */
    vtc_tensor attn;      /**< [B][H][N] */
    vtc_tensor q;         /**< [B][N][H][dh] */
    vtc_tensor k;         /**< [B][N][H][dh] */
    vtc_tensor score;     /**< out [B][N] F32 */
} vtc_scores_args;
VTC_API vtc_result vtc_scores(vtc_context ctx, const vtc_scores_args *args, const vtc_exec *exec);
/** Record-mode scratch bytes of this call (vtc_scores), validating `args` as
 *  record mode would (see vtc_query_scratch). *scratch_bytes is written only
 *  on success. */
VTC_API vtc_result vtc_scores_query_scratch(vtc_context ctx, const vtc_scores_args *args, uint64_t *scratch_bytes);

/**
 * select: dominant tokens (SPEC §1.2). keep_cls = !no_cls: token cls_index
 * (default 0) is CLS, always kept, does not compete. Ranks the competing
 * tokens by score, descending, ties to the lower index, NaN below every
 * number (-0 == +0), keeps the first `dominant`. keep_idx is ascending, so
 * CLS stands at its own position in it (first when cls_index = 0, last when
 * CLS is the last row).
 * keep_idx [B][keep_cls+dominant] I32 ascending (required);
 * rest_idx [B][N-keep_cls-dominant] I32 ascending (optional, dtype NONE to skip;
 *          may have a 0-sized last dimension only by being omitted);
 * dominant_out [B][keep_cls+dominant][D] rows of hidden at keep_idx (optional;
 *          needs hidden).
 * Errors: INVALID_ARGUMENT when dominant > N - keep_cls, shapes disagree,
 * cls_index >= N, or cls_index != 0 with no_cls = 1; and those every op
 * call can return (vtc.h, before vtc_exec).
 */
typedef struct vtc_select_args {
    uint32_t size;
    uint32_t dominant;    /**< k, CLS excluded */
    uint32_t no_cls;      /**< 1: no CLS token (SigLIP) */
    uint32_t cls_index;   /**< the CLS token's row (default 0; was reserved0 = 0 in 1.0.0) */
    vtc_tensor score;     /**< [B][N] F32 */
    vtc_tensor hidden;    /**< [B][N][D] (optional unless dominant_out) */
    vtc_tensor keep_idx;  /**< out */
    vtc_tensor rest_idx;  /**< out, optional */
    vtc_tensor dominant_out; /**< out, optional */
} vtc_select_args;
VTC_API vtc_result vtc_select(vtc_context ctx, const vtc_select_args *args, const vtc_exec *exec);
/** Record-mode scratch bytes of this call (vtc_select), validating `args` as
 *  record mode would (see vtc_query_scratch). *scratch_bytes is written only
 *  on success. */
VTC_API vtc_result vtc_select_query_scratch(vtc_context ctx, const vtc_select_args *args, uint64_t *scratch_bytes);

/**
 * merge: contextual tokens (SPEC §1.3). R = rest_idx.shape[1],
 * step = max(1, R / contextual), targets t_i = rest_idx[i*step];
 * the other R - c rest tokens are sources, each assigned to the target of
 * highest cosine similarity of `metric` rows (ties: lowest target; a zero
 * metric row stays zero); out[i] = hidden[t_i] + mean(assigned sources).
 * contextual == 0 is valid and writes nothing. Deterministic (no float
 * atomics): same input, same bits.
 * Errors: INVALID_ARGUMENT for contextual > R, rest_idx entries out of
 * [0, N) (checked on host tensors; device tensors are clamped on the GPU),
 * metric and hidden with different B or N; UNSUPPORTED for more than 30000
 * rest tokens per image (R); and those every op call can return (vtc.h,
 * before vtc_exec).
 */
typedef struct vtc_merge_args {
    uint32_t size;
    uint32_t contextual;  /**< c */
    vtc_tensor hidden;    /**< [B][N][D] */
    vtc_tensor metric;    /**< [B][N][Dm] */
    vtc_tensor rest_idx;  /**< [B][R] I32 ascending */
    vtc_tensor out;       /**< out [B][c][D] */
} vtc_merge_args;
VTC_API vtc_result vtc_merge(vtc_context ctx, const vtc_merge_args *args, const vtc_exec *exec);
/** Record-mode scratch bytes of this call (vtc_merge), validating `args` as
 *  record mode would (see vtc_query_scratch). *scratch_bytes is written only
 *  on success. */
VTC_API vtc_result vtc_merge_query_scratch(vtc_context ctx, const vtc_merge_args *args, uint64_t *scratch_bytes);

/**
 * visionzip: the fused op (SPEC §1.4): scores → select → merge in one call
 * (one command-buffer recording). out[B][keep_cls+dominant+contextual][D] =
 * [dominant rows; contextual rows]; src_idx[B][same] I32 (optional) = the
 * original token index of each output row (a contextual row: its target).
 * Scores come from attn (score_mode ATTN_CLS) or q/k (QK modes), as in
 * vtc_scores_args. dominant + contextual must be <= N - keep_cls.
 * Use vtc_token_split() to turn a token budget into (dominant, contextual).
 * cls_index (appended in 1.1.0; read only when size covers it, else 0): the
 * CLS token's row, as in vtc_select_args; out and src_idx list the kept
 * rows ascending, so with CLS last its row comes last among the dominant
 * ones. Errors as for scores, select and merge (UNSUPPORTED: dh > 256 in
 * the QK modes, more than 30000 rest tokens N - keep_cls - dominant per
 * image), and INVALID_ARGUMENT for reserved1 != 0 or metric absent with
 * ATTN_CLS.
 */
typedef struct vtc_visionzip_args {
    uint32_t size;
    uint32_t score_mode;  /**< VTC_SCORE_* */
    uint32_t dominant;
    uint32_t contextual;
    uint32_t no_cls;
    float scale;          /**< QK modes: 0 → 1/sqrt(dh) */
    vtc_tensor hidden;    /**< [B][N][D] */
    vtc_tensor metric;    /**< [B][N][Dm]; QK modes may leave it absent (dtype NONE): then
                               metric[b][n][:] = mean over heads of k[b][n][h][:] (Dm = dh,
                               VisionZip's `key_states.mean(1)`), summed in ascending head
                               order in fp32 and stored in the float dtype; k must then be
                               contiguous. ATTN_CLS needs it. */
    vtc_tensor attn;      /**< [B][H][N] (ATTN_CLS) */
    vtc_tensor q;         /**< [B][N][H][dh] (QK modes) */
    vtc_tensor k;         /**< [B][N][H][dh] (QK modes) */
    vtc_tensor out;       /**< out [B][keep_cls+dominant+contextual][D] */
    vtc_tensor src_idx;   /**< out, optional, I32 */
    /* 1.1.0 */
    uint32_t cls_index;   /**< the CLS token's row (default 0; N - 1 for llama.cpp's LLaVA graph) */
    uint32_t reserved1;   /**< 0 */
} vtc_visionzip_args;
/** Bytes of vtc_visionzip_args as 1.0.0 defined it: the smallest `size` accepted. */
#define VTC_VISIONZIP_ARGS_V1_SIZE 976u
VTC_API vtc_result vtc_visionzip(vtc_context ctx, const vtc_visionzip_args *args, const vtc_exec *exec);
/** Record-mode scratch bytes of this call (vtc_visionzip), validating `args` as
 *  record mode would (see vtc_query_scratch). *scratch_bytes is written only
 *  on success. */
VTC_API vtc_result vtc_visionzip_query_scratch(vtc_context ctx, const vtc_visionzip_args *args,
                                               uint64_t *scratch_bytes);

/**
 * Token budget → (dominant, contextual) as the official VisionZip settings:
 * with keep_cls = 1: 64 → (53, 10), 128 → (107, 20), 192 → (161, 30).
 * Rule: contextual = round(tokens / 6.4) (about 1/6 of the budget) and
 * dominant = tokens - keep_cls - contextual, with contextual reduced so
 * that dominant >= 0 (tokens <= keep_cls gives (0, 0)). The total output is
 * max(tokens, keep_cls) rows. Never fails; NULL outputs are ignored.
 */
VTC_API void vtc_token_split(uint32_t tokens, uint32_t keep_cls, uint32_t *dominant, uint32_t *contextual);

#ifdef __cplusplus
}
#endif
#endif
