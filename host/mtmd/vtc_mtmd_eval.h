/*
 * vtc_mtmd_eval: VisionZip proper inside an unpatched llama.cpp, through
 * mtmd's eval callback (mtmd_context_params.cb_eval, the hook
 * tools/mtmd/debug/mtmd-debug.cpp uses).
 *
 * clip builds its encoder graph with named tensors; the callback sees every
 * node before it runs (ask = true) and, for the nodes it claims, again once
 * it has run (ask = false). This helper claims exactly two nodes per image,
 * the chosen block L's `Qcur-L` and `Kcur-L` (F32 reshape views,
 * ne = [head_dim, heads, n_pos, frames], CLS as the LAST of the n_pos rows),
 * and copies them out with ggml_backend_tensor_get while they are still
 * valid. It watches every node's name (no copy) to learn the highest
 * `layer_out-L` clip ran. After the encode, vtc_mtmd_eval_visionzip runs
 * VisionZip (vtc_mtmd_visionzip, VTC_SCORE_QK_CLS, CLS→key softmax, keys'
 * head mean as the merge metric) on the embeddings the host got from mtmd:
 * score_tokens = n_pos (577 for CLIP-L/336), score_cls = n_pos - 1,
 * n_pos - 1 = 576 embedding rows per frame. With VTC_MTMD_EVAL_LAYER_OUT
 * `layer_out-L` (the block's output) is copied too.
 *
 * Which block is VisionZip's layer -2 (HF hidden_states[-2]: the output of
 * block N-2 of an N-block CLIP, the layer LLaVA-1.5 feeds its projector and
 * VisionZip scores with). The GGUF does not store N, so the helper derives
 * it from the two keys of the mmproj that decide what clip runs:
 *   - clip.vision.feature_layer present (array; value k = HF hidden_states[k],
 *     0 being the embeddings): the projector reads hidden_states[max k],
 *     made by block max(k) - 1; clip runs blocks 0..max(k)-1. Target block
 *     T = max(k) - 1 (LLaVA-1.5: feature_layer = [23], T = 22, Kcur-22).
 *   - absent: llama.cpp's documented converter
 *     (convert_image_encoder_to_gguf.py with --llava-projector) dropped HF's
 *     last block, so block_count = N - 1 and T = block_count - 1; but clip's
 *     LLaVA graph then runs only blocks 0..block_count-2, whose last output
 *     is hidden_states[-3]. The helper cannot score with a block clip never
 *     ran: it uses the last block run (block_count - 2) and reports
 *     VTC_MTMD_EVAL_LAYER_MISMATCH with a message (once per helper) saying
 *     so and how to fix the GGUF: add clip.vision.feature_layer =
 *     [block_count] (INT32 array; e.g. [23] for CLIP-L/336), after which
 *     clip runs block_count blocks and both llama.cpp's embeddings and
 *     VisionZip use layer -2. With VTC_MTMD_EVAL_STRICT it fails instead.
 * The keys come from the caller (block_count / feature_layer) or from the
 * mmproj file itself (mmproj_path: a small reader of the GGUF header's
 * key-value section; no tensor data is read). A host that knows better
 * sets `layer` explicitly. The auto rule is for CLIP encoders with a CLS
 * token behind llama.cpp's LLaVA graph (projector types mlp, mlp_norm, ldp,
 * ldpv2); for anything else set `layer`.
 *
 * Use (per image; the helper allocates per image size, on the first encode
 * of that size, and reuses the buffers; nothing is allocated per token):
 *     vtc_mtmd_eval_params ep = {0}; ep.size = sizeof ep;
 *     ep.layer = VTC_MTMD_EVAL_LAYER_AUTO; ep.mmproj_path = path;
 *     ep.chain = mparams.cb_eval; ep.chain_user_data = mparams.cb_eval_user_data;
 *     vtc_mtmd_eval_create(&ep, &ev);
 *     mparams.cb_eval = vtc_mtmd_eval_callback; mparams.cb_eval_user_data = ev;
 *     ... mtmd_init_from_file(mmproj, model, mparams) ...
 *     vtc_mtmd_eval_begin(ev);                        // arm for the next encode
 *     mtmd_batch_encode(batch);                       // one image chunk per batch
 *     embd = mtmd_batch_get_output_embd(batch, chunk);
 *     vtc_mtmd_eval_visionzip(ev, api, vctx, n_embd, embd, n_rows, 64, out, tok, cap, &n_out);
 * While not armed the callback claims nothing of its own (mtmd's warmup and
 * other contexts' encodes pass through to the chained callback untouched).
 *
 * Chaining: a callback the host already had (chain) sees every node as
 * before: its ask answers are honoured (a node either side claims is
 * computed and handed over), it gets ask = false only for nodes it claimed,
 * and its false return still cancels the graph.
 *
 * Errors are returned (vtc_result) and described by vtc_mtmd_eval_message;
 * the helper prints nothing. No global state: everything lives in the
 * vtc_mtmd_eval object. Thread rules: one mtmd context (one encode at a
 * time) per helper; the callback runs on the thread that calls the encode.
 *
 * Depends on <vtc.h>, vtc_mtmd.h and, in vtc_mtmd_eval.c only, ggml.h and
 * ggml-backend.h (ggml_get_name, ggml_backend_tensor_get, struct
 * ggml_tensor's type and ne). This header needs no llama.cpp header.
 */
#ifndef VTC_MTMD_EVAL_H
#define VTC_MTMD_EVAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vtc_mtmd.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ggml_tensor;

/** The signature of ggml_backend_sched_eval_callback (ggml-backend.h): the same function pointer type, so it is
 *  assigned to and from mtmd_context_params.cb_eval without a cast. */
typedef bool (*vtc_mtmd_eval_fn)(struct ggml_tensor *t, bool ask, void *user_data);

typedef struct vtc_mtmd_eval vtc_mtmd_eval; /**< opaque; one per mtmd context */

#define VTC_MTMD_EVAL_LAYER_AUTO (-1) /**< derive the block from the GGUF keys (see the file comment) */

#define VTC_MTMD_EVAL_STRICT    0x1u /**< fail (VTC_ERROR_UNSUPPORTED) instead of falling back when clip did not run
                                          VisionZip's layer -2 */
#define VTC_MTMD_EVAL_LAYER_OUT 0x2u /**< also copy `layer_out-L` (the block's output, [n_pos][n_embd_v] per frame;
                                          vtc_mtmd_eval_info.layer_out); off by default: VisionZip does not need it */

/** vtc_mtmd_eval_create parameters. Zero-initialise, then set. */
typedef struct vtc_mtmd_eval_params {
    uint32_t size;            /**< sizeof(vtc_mtmd_eval_params), or 0 (the same) */
    uint32_t flags;           /**< VTC_MTMD_EVAL_* */
    int32_t layer;            /**< the block whose Qcur/Kcur score tokens, 0-based as clip names them;
                                   VTC_MTMD_EVAL_LAYER_AUTO: VisionZip's layer -2 from the GGUF keys */
    uint32_t block_count;     /**< with AUTO: clip.vision.block_count; 0: read it (and feature_layer) from mmproj_path */
    int32_t feature_layer;    /**< with AUTO and block_count set: the largest clip.vision.feature_layer entry, or
                                   -1 when the key is absent (0 is read as absent: hidden_states[0] has no block) */
    const char *mmproj_path;  /**< with AUTO and block_count 0: the mmproj GGUF (read during create only) */
    vtc_mtmd_eval_fn chain;   /**< the callback the host had installed (mtmd_context_params.cb_eval), or NULL */
    void *chain_user_data;    /**< its user_data */
} vtc_mtmd_eval_params;

/**
 * Creates a helper. *out is set on success (NULL otherwise). Errors:
 * INVALID_ARGUMENT (NULL pointers, a size this header does not know, AUTO
 * without block_count or mmproj_path, a layer or feature_layer below 0 or
 * beyond the block count, an mmproj that is not a readable GGUF v2/v3 or
 * lacks clip.vision.block_count), OUT_OF_MEMORY. On an error with *out
 * NULL there is no object to ask; the result names the cause.
 */
vtc_result vtc_mtmd_eval_create(const vtc_mtmd_eval_params *params, vtc_mtmd_eval **out);

/** Frees the helper and its buffers. NULL is a no-op. Uninstall it (or free the mtmd context) first. */
void vtc_mtmd_eval_destroy(vtc_mtmd_eval *ev);

/**
 * The eval callback: install as mtmd_context_params.cb_eval with
 * cb_eval_user_data = the helper (the signature is ggml's). Returns what
 * the scheduler expects: on ask, whether the helper or the chained
 * callback wants the node; otherwise false only when the chained callback
 * returned false (cancelling the encode). A copy failure (out of memory,
 * an unexpected tensor type or shape) never cancels the encode: it is kept
 * and returned by vtc_mtmd_eval_visionzip.
 */
bool vtc_mtmd_eval_callback(struct ggml_tensor *t, bool ask, void *user_data);

/** Arms the helper for the next encode: forgets the previous image's capture (not its buffers). Call before
 *  each mtmd_batch_encode / mtmd_encode_chunk of an image chunk whose tokens it will select. */
void vtc_mtmd_eval_begin(vtc_mtmd_eval *ev);

#define VTC_MTMD_EVAL_OK             0 /**< scored with VisionZip's layer -2 (or the explicit layer) */
#define VTC_MTMD_EVAL_NOT_CAPTURED   1 /**< no armed encode since begin, or the block's Qcur/Kcur never ran */
#define VTC_MTMD_EVAL_LAYER_MISMATCH 2 /**< clip did not run layer -2; scored with the last block it ran (see message) */
#define VTC_MTMD_EVAL_FAILED         3 /**< a copy failed inside the callback (see message) */

/** What the last armed encode captured. Pointers stay valid until the next begin or destroy. */
typedef struct vtc_mtmd_eval_info {
    uint32_t size;          /**< set by the caller: sizeof(vtc_mtmd_eval_info) */
    int32_t status;         /**< VTC_MTMD_EVAL_* */
    int32_t layer_target;   /**< VisionZip's layer -2 as a block index (or the explicit layer) */
    int32_t layer_used;     /**< the block whose Qcur/Kcur were copied, -1 none */
    int32_t layer_last_run; /**< the highest `layer_out-L` clip ran in this encode, -1 none seen */
    uint32_t head_dim;      /**< Qcur ne[0] */
    uint32_t heads;         /**< Qcur ne[1] */
    uint32_t n_pos;         /**< Qcur ne[2]: rows per frame, CLS last (577 for CLIP-L/336) */
    uint32_t frames;        /**< Qcur ne[3] (1 for llama.cpp's LLaVA graph) */
    uint32_t n_embd_v;      /**< with VTC_MTMD_EVAL_LAYER_OUT: layer_out's ne[0], else 0 */
    const float *q;         /**< [frames][n_pos][heads][head_dim], the helper's copy; NULL until captured */
    const float *k;         /**< same shape */
    const float *layer_out; /**< [frames][n_pos][n_embd_v] with VTC_MTMD_EVAL_LAYER_OUT, else NULL */
    double copy_ms;         /**< time spent copying inside the callback in this encode */
} vtc_mtmd_eval_info;

/** Fills *info (info->size set by the caller; a smaller size from an older header gets the fields it covers).
 *  INVALID_ARGUMENT for NULL or a size below 8. */
vtc_result vtc_mtmd_eval_get_info(const vtc_mtmd_eval *ev, vtc_mtmd_eval_info *info);

/**
 * The helper's message: why the last call failed, or, once per helper, the
 * layer warning (status LAYER_MISMATCH: which block was used, which one
 * VisionZip wants, and the clip.vision.feature_layer fix). Returns NULL when
 * there is nothing new; a returned message is not returned again. The
 * string stays valid until the next call on the helper.
 */
const char *vtc_mtmd_eval_message(vtc_mtmd_eval *ev);

/**
 * VisionZip on one captured image: embd = what mtmd_batch_get_output_embd
 * (or mtmd_get_output_embd) returned for the chunk, n_rows rows of n_embd
 * floats (llama_model_n_embd_inp), n_rows = frames * (n_pos - 1) (the
 * patches; the CLS row is not an embedding, only the CLS query). tokens:
 * rows kept per frame (dominant + contextual, vtc_token_split), capacity
 * rows in out_embd [capacity][n_embd] and out_tok (optional), *n_out the
 * rows written; out_tok's index/row/col are patch coordinates in the
 * sqrt(n_pos-1)-sided grid (vtc_mtmd_positions with has_cls 0). Errors:
 * INVALID_ARGUMENT (NULL pointers, n_rows not matching the capture, a
 * non-square patch count, capacity below vtc_mtmd_visionzip_count),
 * UNSUPPORTED (nothing captured since begin; with VTC_MTMD_EVAL_STRICT, a
 * layer mismatch), the capture's own error, and what vtc_mtmd_visionzip
 * returns. vtc_mtmd_eval_message says which.
 */
vtc_result vtc_mtmd_eval_visionzip(vtc_mtmd_eval *ev, const vtc_api_v1 *api, vtc_context ctx, uint32_t n_embd,
                                   const float *embd, uint32_t n_rows, uint32_t tokens, float *out_embd,
                                   vtc_mtmd_token *out_tok, uint32_t capacity, uint32_t *n_out);

/** The grid vtc_mtmd_eval_visionzip used for the last capture (has_cls 0, the patch grid), for
 *  vtc_mtmd_positions. INVALID_ARGUMENT when nothing was captured. */
vtc_result vtc_mtmd_eval_grid(const vtc_mtmd_eval *ev, vtc_mtmd_grid *grid);

#ifdef __cplusplus
}
#endif
#endif
