/*
 * vtc_mtmd: token compression for engines that hold an image chunk's
 * embeddings in host memory as float[n_tokens][n_embd], as llama.cpp's mtmd
 * does between encoding an image chunk and decoding it. A host copies this
 * file pair (C11, depends on <vtc.h> only) or links it.
 *
 * Each call is synchronous (vtc uploads, runs on its device, downloads and
 * returns) and reports, per output row, where it came from: the original
 * token index, its (row, col) in the encoder's patch grid and its frame, so
 * the engine can redo its position bookkeeping (1-D positions: just use the
 * new count; 2-D M-RoPE: vtc_mtmd_pos_mrope).
 *
 * Which encoder tensors VisionZip needs (SPEC.md §1, docs/integration.md):
 *   VTC_SCORE_ATTN_CLS  the CLS query's attention row of the encoder's
 *                       penultimate layer (layer -2, the one LLaVA takes its
 *                       features from): attn[frame][head][token]. Needs an
 *                       eager attention that materialises the weights.
 *   VTC_SCORE_QK_CLS    that layer's q and k (after their projections, before
 *                       attention): q, k[frame][token][head][head_dim]. Works
 *                       with flash / SDPA attention. CLS models (CLIP).
 *   VTC_SCORE_QK_MEAN   same q and k; mean over every query. For models with
 *                       no CLS token (SigLIP, Qwen2-VL's ViT).
 *   metric              that layer's keys averaged over heads,
 *                       [frame][token][head_dim] (used to merge contextual
 *                       tokens).
 * Fallback when the engine only has the final embeddings (flag
 * VTC_MTMD_SELF_SCORES): q = k = metric = the embeddings themselves, one
 * head when n_embd <= 256, else n_embd / 64 heads of 64 (n_embd must then be
 * a multiple of 64: INVALID_ARGUMENT otherwise; vtc's score kernels take
 * heads up to 256 wide), QK_CLS with a CLS token, QK_MEAN without. It costs
 * n_frames·N·n_embd multiply-adds with a CLS token, n_frames·N²·n_embd
 * without, and ranks tokens by how much the
 * embeddings attend to each other, not by what the encoder attended to:
 * a cheaper, weaker proxy. LLaVA-Mini compression (vtc_mtmd_compress) needs
 * no encoder internals at all, only its trained resampler weights.
 *
 * Thread rules: those of the context (one thread at a time per context).
 */
#ifndef VTC_MTMD_H
#define VTC_MTMD_H
#include "vtc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The token layout of one chunk: n_frames frames (images, crops or video
 *  frames), each n_tok = has_cls + grid_h*grid_w rows, flattened
 *  frame-major. The patch rows are the grid in row-major order; a CLS row
 *  sits before them (cls_last 0: CLIP/HF order) or after them (cls_last 1:
 *  llama.cpp's clip graph appends the class embedding after the patches).
 *  Fields were appended over time: a positional initialiser {n, h, w, cls}
 *  leaves cls_last 0 and keeps its earlier meaning. This struct has no size
 *  field: the helper and the host must be built from the same header. */
typedef struct vtc_mtmd_grid {
    uint32_t n_frames;
    uint32_t grid_h, grid_w;  /**< patch grid of one frame (rows, columns) */
    uint32_t has_cls;         /**< 1: each frame has a CLS row (CLIP); 0: none (SigLIP) */
    uint32_t cls_last;        /**< with has_cls: 0 the CLS row is row 0 of its frame, 1 it is row n_tok-1;
                                   must be 0 without has_cls */
} vtc_mtmd_grid;

#define VTC_MTMD_CLS        0 /**< the CLS token, kept at its own row's place among the kept rows */
#define VTC_MTMD_DOMINANT   1 /**< kept as is */
#define VTC_MTMD_CONTEXTUAL 2 /**< a merge of similar tokens, placed at its target token */
#define VTC_MTMD_QUERY      3 /**< a LLaVA-Mini query token */

/** Where one output row comes from. */
typedef struct vtc_mtmd_token {
    int32_t index;  /**< original row within its frame: CLS has 0 (cls_last 0) or n_tok-1 (cls_last 1); patch p of
                         the grid (p = row*grid_w + col) has p+1 with a leading CLS, p otherwise; -1 for QUERY rows */
    int32_t row;    /**< grid row: encoder grid (visionzip) or query grid (compress); -1 for CLS */
    int32_t col;    /**< grid column, same grid; -1 for CLS */
    int32_t frame;  /**< frame / image index, 0..n_frames-1 */
    int32_t kind;   /**< VTC_MTMD_* */
} vtc_mtmd_token;

#define VTC_MTMD_SELF_SCORES 0x1u /**< scores and metric from the embeddings (see above) */
#define VTC_MTMD_KEY_METRIC  0x2u /**< QK modes with metric NULL: the metric is the head mean of k's rows
                                       (VisionZip's key_states.mean(1), metric_dim = head_dim) rather than the
                                       embeddings */

/** VisionZip parameters and the encoder tensors it reads (host memory,
 *  read during the call only; the caller keeps ownership). Zero-initialise,
 *  then set.
 *
 *  Score rows and embedding rows. By default attn, q, k and metric have the
 *  embeddings' n_tok rows per frame, in the same order. An engine whose
 *  encoder tensors hold more rows than it hands out (llama.cpp's CLIP: the
 *  layer -2 Qcur/Kcur have 577 rows, CLS last, while mtmd gives 576
 *  embeddings) sets score_tokens to the tensors' row count: then embedding
 *  row e of a frame is score row score_first + e (score_first + n_tok <=
 *  score_tokens), every score row takes part in the softmax (and in
 *  QK_MEAN's mean over queries), only rows that have an embedding compete,
 *  and QK_CLS takes the CLS query from score row score_cls. In that mapped
 *  form, and whenever qk_dtype is F16, vtc computes the scores with
 *  vtc_scores first, then runs vtc_visionzip on the embeddings with those
 *  scores (two calls, one host round trip of B*score_tokens floats). */
typedef struct vtc_mtmd_visionzip_desc {
    uint32_t size;        /**< sizeof, 0 (the same), or a smaller size from an older header that still covers
                               metric: the fields after it then read as 0 */
    uint32_t tokens;      /**< budget per frame, CLS included (64, 128, 192 officially); more than a
                               frame has keeps them all. Split by vtc_token_split into dominant + contextual */
    uint32_t score_mode;  /**< VTC_SCORE_*; ignored with VTC_MTMD_SELF_SCORES */
    uint32_t flags;       /**< VTC_MTMD_* */
    uint32_t heads;       /**< H of attn / q / k */
    uint32_t head_dim;    /**< dh of q / k */
    uint32_t metric_dim;  /**< Dm of metric */
    float scale;          /**< QK modes: softmax scale, 0 → 1/sqrt(head_dim) */
    const float *attn;    /**< ATTN_CLS: [n_frames][heads][score_tokens or n_tok], qk_dtype, see attn_stride */
    const float *q;       /**< QK modes: [n_frames][score_tokens or n_tok][heads][head_dim], qk_dtype (ggml's
                               Qcur with ne = [head_dim, heads, N] is this layout as it lies) */
    const float *k;       /**< QK modes: same shape as q */
    const float *metric;  /**< [n_frames][score_tokens or n_tok][metric_dim] float32, rows as the score tensors;
                               NULL: the embeddings themselves, or with VTC_MTMD_KEY_METRIC the head mean of k */
    /* appended: read only when size is 0 or covers them (a smaller size reads them as 0) */
    uint32_t qk_dtype;    /**< element type of attn, q and k: 0 or VTC_DTYPE_F32 (float), VTC_DTYPE_F16 (IEEE
                               binary16 as uint16_t; pass its address cast to const float *) */
    uint32_t score_tokens; /**< rows per frame of attn / q / k / metric; 0: n_tok (same rows as the embeddings) */
    uint32_t score_first; /**< with score_tokens: the score row of each frame's embedding row 0 */
    uint32_t score_cls;   /**< with score_tokens, QK_CLS: the score row of the CLS query (576 for llama.cpp's
                               577-row CLIP layer); without score_tokens the grid's CLS row is used */
    uint64_t attn_stride; /**< ATTN_CLS: elements from one head's row to the next (0: the row length), frames
                               heads*attn_stride apart: the CLS query's row out of a [n_frames][heads][Nq][Nk]
                               attention tensor is attn = base + cls*Nk with attn_stride = Nq*Nk */
} vtc_mtmd_visionzip_desc;

/** Rows vtc_mtmd_visionzip writes for this grid and budget (all frames). */
uint32_t vtc_mtmd_visionzip_count(const vtc_mtmd_grid *grid, uint32_t tokens);

/**
 * VisionZip on host embeddings. embd: [n_frames * n_tok][n_embd] float32 with
 * n_tok = has_cls + grid_h*grid_w. Writes *n_out rows to out_embd
 * ([*n_out][n_embd], per frame: the kept rows in ascending row order, so a
 * CLS row comes first (cls_last 0) or last among them (cls_last 1), then
 * the contextual rows) and, when out_tok is not NULL, one vtc_mtmd_token
 * per row. With cls_last, vtc_visionzip gets cls_index = n_tok-1.
 * capacity: rows out_embd / out_tok hold. api: the function table
 * (vtc_loader, or vtc_negotiate when linked).
 * Errors: INVALID_ARGUMENT (NULL pointers, a bad grid, capacity below
 * vtc_mtmd_visionzip_count, an unknown qk_dtype, score rows that do not
 * cover the embeddings' rows or a score_cls outside them, attn_stride below
 * the row length, inputs vtc rejects), OUT_OF_MEMORY, and what vtc_scores /
 * vtc_visionzip return. Nothing is written on failure except out_embd when
 * vtc itself failed after validation.
 */
vtc_result vtc_mtmd_visionzip(const vtc_api_v1 *api, vtc_context ctx, const vtc_mtmd_grid *grid, uint32_t n_embd,
                              const float *embd, const vtc_mtmd_visionzip_desc *desc, float *out_embd,
                              vtc_mtmd_token *out_tok, uint32_t capacity, uint32_t *n_out);

/**
 * LLaVA-Mini compression on host embeddings: every frame's grid_h*grid_w
 * patch tokens (a CLS token is skipped; grid must be square) become
 * query_side² query tokens. w: a weight set from vtc_compress_weights_create
 * whose query count is query_side². out_tok rows are QUERY tokens with
 * (row, col) in the query_side × query_side grid. Needs n_embd == the weight
 * set's width. Errors as vtc_compress, plus INVALID_ARGUMENT for capacity
 * below n_frames*query_side².
 */
vtc_result vtc_mtmd_compress(const vtc_api_v1 *api, vtc_context ctx, vtc_weights w, uint32_t query_side,
                             const vtc_mtmd_grid *grid, uint32_t n_embd, const float *embd, float *out_embd,
                             vtc_mtmd_token *out_tok, uint32_t capacity, uint32_t *n_out);

/**
 * 2-D M-RoPE positions (Qwen2-VL style, llama.cpp's layout) for n output
 * rows: pos[i] = pos_0 + frame (temporal), pos[n+i] = pos_0 + row,
 * pos[2n+i] = pos_0 + col, pos[3n+i] = 0; a CLS row (row, col = -1) gets
 * pos_0 + frame, pos_0, pos_0. Kept tokens keep their original place, so the compressed chunk
 * is a sparse subset of the full chunk's positions. pos holds 4*n entries.
 * Returns how far the chunk advances the engine's n_past, the same as the
 * uncompressed chunk: max(frames, grid_h, grid_w) with frames = 1 + the
 * largest frame index (grid_h, grid_w: the grid the rows refer to).
 */
uint32_t vtc_mtmd_pos_mrope(const vtc_mtmd_token *tok, uint32_t n, uint32_t grid_h, uint32_t grid_w, int32_t pos_0,
                            int32_t *pos);

/* ---- embedding-only selection (DivPrune / DART, docs/prune.md) ------------ */

/** vtc_mtmd_prune parameters. Zero-initialise, then set. */
typedef struct vtc_mtmd_prune_desc {
    uint32_t size;        /**< sizeof, or 0 */
    uint32_t mode;        /**< VTC_PRUNE_DIVPRUNE or VTC_PRUNE_DART */
    uint32_t tokens;      /**< patch tokens kept per frame (a CLS row is kept on top); more than a frame
                               has keeps them all; 0: use prune_rate */
    float prune_rate;     /**< with tokens = 0: the share of each frame's P patch tokens dropped, in [0, 1):
                               kept = P - floor(P * prune_rate) (llama.cpp-style --image-pruning-rate) */
    uint32_t contextual;  /**< merged rows appended per frame (VisionZip's contextual merge of the dropped
                               tokens, placed at their target token); 0: none; lowered to what is left */
    uint32_t pivots;      /**< DART: pivots, 0 -> VTC_PRUNE_DART_DEFAULT_PIVOTS; DIVPRUNE: 0 */
} vtc_mtmd_prune_desc;

/** Rows vtc_mtmd_prune writes for this grid and desc (all frames); 0 for an invalid request. */
uint32_t vtc_mtmd_prune_count(const vtc_mtmd_grid *grid, const vtc_mtmd_prune_desc *desc);

/**
 * DivPrune or DART on exactly what mtmd_get_output_embd gives for a chunk:
 * embd [n_frames * n_tok][n_embd] float, row-major, n_tok = has_cls +
 * grid_h*grid_w (video and LLaVA-NeXT crops: n_frames > 1, each frame
 * selected on its own, in one call). A CLS row is not a candidate: it is
 * always kept, at its own place. Per frame, out_embd gets the kept rows in
 * ascending row order ([CLS;] kept patches with cls_last 0, kept patches;
 * CLS with cls_last 1), then the contextual rows; out_tok (optional) one
 * record per row: index (as vtc_mtmd_token says), grid row and col (-1 for CLS),
 * frame, kind (CLS, DOMINANT for a kept token, CONTEXTUAL). Positions:
 * vtc_mtmd_positions. Errors: INVALID_ARGUMENT (NULL pointers, a bad grid,
 * mode or rate, capacity below vtc_mtmd_prune_count), OUT_OF_MEMORY, and
 * what vtc_prune returns. Nothing is written on a validation failure.
 */
vtc_result vtc_mtmd_prune(const vtc_api_v1 *api, vtc_context ctx, const vtc_mtmd_grid *grid, uint32_t n_embd,
                          const float *embd, const vtc_mtmd_prune_desc *desc, float *out_embd,
                          vtc_mtmd_token *out_tok, uint32_t capacity, uint32_t *n_out);

#define VTC_MTMD_POS_ORIGINAL 0u /**< default: rows keep the positions their tokens had in the full chunk;
                                      the position counter advances by the unpruned chunk's count */
#define VTC_MTMD_POS_COMPACT  1u /**< rows renumbered as if they were the whole chunk: advance = rows */

/**
 * Positions of n output rows (from vtc_mtmd_visionzip / vtc_mtmd_prune) of
 * a chunk laid out as `grid`, starting at pos_0, and how far the chunk
 * advances the engine's position counter (n_past).
 * A CLS row keeps its place too: ORIGINAL 1-D gives it pos_0 + frame*n_tok +
 * its index (the frame's first position, or its last with cls_last); M-RoPE
 * gives it (pos_0 + frame, pos_0, pos_0) as vtc_mtmd_pos_mrope does.
 *  mrope 0 (1-D, LLaVA): pos[i] = pos_0 + (ORIGINAL) frame*n_tok + index,
 *    advance n_frames*n_tok (the unpruned count: what llama.cpp reserved);
 *    (COMPACT) pos_0 + i, advance n.
 *  mrope 1 (Qwen2-VL M-RoPE, llama.cpp's layout, pos holds 4*n entries):
 *    (ORIGINAL) as vtc_mtmd_pos_mrope: (t, h, w) = pos_0 + (frame, row, col),
 *    advance max(frames, grid_h, grid_w), the unpruned chunk's n_pos;
 *    (COMPACT) t = h = w = pos_0 + i (a run of text-like positions), advance n.
 * Returns the advance; 0 for an unknown rule or a NULL argument.
 */
uint32_t vtc_mtmd_positions(const vtc_mtmd_token *tok, uint32_t n, const vtc_mtmd_grid *grid, uint32_t rule,
                            uint32_t mrope, int32_t pos_0, int32_t *pos);

#ifdef __cplusplus
}
#endif
#endif
