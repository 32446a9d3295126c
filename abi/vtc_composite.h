/*
 * EE-MLLM composite attention (SPEC.md §3). Include <vtc.h>.
 */
#ifndef VTC_COMPOSITE_H
#define VTC_COMPOSITE_H
#ifdef __cplusplus
extern "C" {
#endif

#define VTC_KIND_TEXT   0u
#define VTC_KIND_VISUAL 1u

/**
 * composite_attention: o[B][Nq][Hq][dh]. Query row r sits at position
 * p = Nk - Nq + r (prefill Nq = Nk, decode Nq = 1). A visual row's output is
 * v[p][h/G] (copied exactly, its q row never read); a text row attends with
 * softmax(scale·q·k) over every j <= p, visual or text. G = Hq / Hkv.
 * Float tensors share one dtype (F32 or F16), fp32 accumulation; kind U8.
 * q, k, v may be strided (device tensors too), e.g. views into a fused QKV
 * buffer or a KV cache; the innermost (dh) stride must be 1. dh is one of
 * 64, 72, 80, 96, 128 (any multiple of 8 up to 256 works).
 * Errors: INVALID_ARGUMENT for Hq % Hkv != 0, Nq > Nk, shapes that disagree;
 * UNSUPPORTED, with the GPU-tuned kernel (devices other than CPUs), when the
 * device's shared memory (maxComputeSharedMemorySize) cannot hold the tiles
 * for this head width, and, with the GPU-tuned kernel forced on a CPU device
 * (VTC_FORCE_GPU_VARIANTS=1), for more keys x query rows than its loop
 * budget; and those every op call can return (vtc.h, before vtc_exec).
 */
typedef struct vtc_composite_args {
    uint32_t size;
    float scale;                 /**< 0 → 1/sqrt(dh) */
    vtc_tensor q;                /**< [B][Nq][Hq][dh] */
    vtc_tensor k;                /**< [B][Nk][Hkv][dh] */
    vtc_tensor v;                /**< [B][Nk][Hkv][dh] */
    vtc_tensor kind;             /**< [B][Nk] U8: VTC_KIND_*. vtc reads it as 32-bit words: a device
                                      buffer must hold the bytes up to the next multiple of 4 past the
                                      last element (their values are ignored); host tensors need nothing */
    vtc_tensor out;              /**< out [B][Nq][Hq][dh] */
} vtc_composite_args;
VTC_API vtc_result vtc_composite_attention(vtc_context ctx, const vtc_composite_args *args, const vtc_exec *exec);
/** Record-mode scratch bytes of this call (vtc_composite_attention), validating `args` as
 *  record mode would (see vtc_query_scratch). *scratch_bytes is written only
 *  on success. */
VTC_API vtc_result vtc_composite_query_scratch(vtc_context ctx, const vtc_composite_args *args,
                                               uint64_t *scratch_bytes);

#ifdef __cplusplus
}
#endif
#endif
