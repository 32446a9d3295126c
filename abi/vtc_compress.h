/*
 * LLaVA-Mini query-based compression (SPEC.md §2). Include <vtc.h>.
 *
 * A weight set is created once from the resampler's parameters (official
 * checkpoint names in brackets, prefix "model.compressor."), uploaded to the
 * device and, for the fast path, folded with its constant queries. Then each
 * vtc_compress call maps x[B][N][E] to out[B][Q][E], Q = C*C.
 *
 * Cost per image (multiply-adds), E width, h heads, N tokens, Q queries:
 *   reference path: N·E·2E (k and v projections) + Q·N·E (scores and sums)
 *                   + Q·E·E (output projection)
 *   fast path:      N·E·Q·h (folded scores) + Q·h·N·E (A·X per head)
 *                   + Q·h·E·dh (values) + Q·E·E
 * e.g. E=1024, h=8, N=576: reference ≈ 1.21 G, fast with Q=1 ≈ 9.4 M.
 */
#ifndef VTC_COMPRESS_H
#define VTC_COMPRESS_H
#ifdef __cplusplus
extern "C" {
#endif

typedef struct vtc_weights_t *vtc_weights;

/**
 * Resampler parameters. All tensors are host tensors, F32 or F16, read
 * during vtc_compress_weights_create only (the caller keeps ownership).
 * E = query.shape[1], Q = query.shape[0] must be a square C*C.
 * pos_embed is optional: when absent vtc builds the C×C 2-D sin-cos table
 * itself (vtc_pos_embed_2d); the key table for N tokens is always built by
 * vtc_pos_embed_resize (PyTorch bicubic, align_corners=False).
 */
typedef struct vtc_compress_weights_desc {
    uint32_t size;
    uint32_t heads;              /**< h; 0 → 8. E % h must be 0 */
    vtc_tensor query;            /**< [Q][E]   (query) */
    vtc_tensor ln_q_weight;      /**< [E]      (ln_q.weight) */
    vtc_tensor ln_q_bias;        /**< [E]      (ln_q.bias) */
    vtc_tensor ln_kv_weight;     /**< [E]      (ln_kv.weight) */
    vtc_tensor ln_kv_bias;       /**< [E]      (ln_kv.bias) */
    vtc_tensor in_proj_weight;   /**< [3E][E]  (attn.in_proj_weight; rows q, k, v) */
    vtc_tensor in_proj_bias;     /**< [3E]     (attn.in_proj_bias) */
    vtc_tensor out_proj_weight;  /**< [E][E]   (attn.out_proj.weight) */
    vtc_tensor out_proj_bias;    /**< [E]      (attn.out_proj.bias) */
    vtc_tensor pos_embed;        /**< [Q][E]   (pos_embed), optional */
} vtc_compress_weights_desc;

/** Uploads and folds a weight set (host work of about 2·Q·E·E multiply-adds,
 *  in double precision; device memory 3·E·E + 2·Q·h·E floats). *out is set
 *  only on success. The weight set belongs to ctx; vtc_context_destroy frees
 *  any left. Limits: 1 <= C <= 64, E a multiple of 4 up to 8192, E % h == 0,
 *  every value finite. Errors: INVALID_ARGUMENT (shapes, dtypes, device
 *  tensors: weights must be host tensors), UNSUPPORTED when one weight
 *  exceeds the device's maxStorageBufferRange, OUT_OF_MEMORY, VULKAN. */
VTC_API vtc_result vtc_compress_weights_create(vtc_context ctx, const vtc_compress_weights_desc *desc, vtc_weights *out);
/** Prepares the per-N data (key positional table and its folded bias) for
 *  N = g*g tokens, 1 <= N <= 16384: host work of Q·h·N·E multiply-adds plus
 *  one device allocation, kept until the weight set is destroyed. A compress
 *  call with a new N does this itself (in record mode too, before anything is
 *  recorded); call it beforehand to keep it out of the hot path. Errors:
 *  INVALID_ARGUMENT for N not a square or w not a weight set of ctx,
 *  OUT_OF_MEMORY, UNSUPPORTED when the tables exceed maxStorageBufferRange. */
VTC_API vtc_result vtc_compress_weights_prepare(vtc_context ctx, vtc_weights w, uint32_t tokens);
/** NULL is a no-op. The host must not have recorded work using w pending. */
VTC_API void vtc_compress_weights_destroy(vtc_context ctx, vtc_weights w);

#define VTC_COMPRESS_FAST      0u /**< folded queries (default) */
#define VTC_COMPRESS_REFERENCE 1u /**< q/k/v projections as written in SPEC §2 */

/**
 * compress: out[B][Q][E] = resampler(x[B][N][E]); attn_mean[B][Q][N]
 * (optional, F32 or the float dtype of x) = attention averaged over heads.
 * Errors: INVALID_ARGUMENT for a missing weight set, x's E not the weight
 * set's, N not a perfect square or above 16384, out not [B][Q][E];
 * UNSUPPORTED when the per-N tables (Q·h·N or N·E floats) or, for B images,
 * an intermediate exceed maxStorageBufferRange (pass fewer images per
 * call); and those every op call can return (vtc.h, before vtc_exec).
 */
typedef struct vtc_compress_args {
    uint32_t size;
    uint32_t path;               /**< VTC_COMPRESS_* */
    vtc_weights weights;
    vtc_tensor x;                /**< [B][N][E] */
    vtc_tensor out;              /**< out [B][Q][E] */
    vtc_tensor attn_mean;        /**< out, optional [B][Q][N] */
} vtc_compress_args;
VTC_API vtc_result vtc_compress(vtc_context ctx, const vtc_compress_args *args, const vtc_exec *exec);
/** Record-mode scratch bytes of this call (vtc_compress), validating `args` as
 *  record mode would (see vtc_query_scratch). *scratch_bytes is written only
 *  on success. */
VTC_API vtc_result vtc_compress_query_scratch(vtc_context ctx, const vtc_compress_args *args, uint64_t *scratch_bytes);

/**
 * Host-side positional tables (no context, thread-safe, fp32).
 * vtc_pos_embed_2d: MAE 2-D sin-cos table of a C×C grid, out[C*C][E]
 *   (E % 4 == 0; row r*C+c holds [sin(c·ω), cos(c·ω), sin(r·ω), cos(r·ω)],
 *   ω_i = 10000^(-i/(E/4)), each block E/4 wide).
 * vtc_pos_embed_resize: table[C*C][E] resized to g×g exactly as PyTorch
 *   interpolate(mode="bicubic", align_corners=False), out[g*g][E].
 * out: caller-allocated, C*C*E floats (pos_embed_2d) or g*g*E floats
 * (pos_embed_resize), written whole on success and untouched on an error;
 * table (C*C*E floats) is only read. Errors: INVALID_ARGUMENT (no log line:
 * no context) for a NULL pointer, C or g of 0 or above 4096, E of 0 or above
 * 2^20, and for pos_embed_2d E not a multiple of 4. Never another error.
 */
VTC_API vtc_result vtc_pos_embed_2d(uint32_t C, uint32_t E, float *out);
VTC_API vtc_result vtc_pos_embed_resize(uint32_t C, uint32_t g, uint32_t E, const float *table, float *out);

#ifdef __cplusplus
}
#endif
#endif
