/*
 * What a token reduction saves in the LLM that follows: prefill FLOPs of a
 * LLaMA-style decoder (multi-head attention, SwiGLU MLP), counting
 * multiply-adds as 2 FLOPs and nothing else (norms, softmax, rotary
 * embeddings and the LM head are left out: they are small, and the LM head
 * runs on the last token only). Per layer, for n tokens:
 *   projections  2 n (2 d^2 + 2 d kv) q, o (d x d), k, v (d x kv; kv = d
 *                                     without grouped-query attention)
 *   MLP          2 n (3 d f)          gate, up, down (d x f each)
 *   attention    2 d n (n + 1)        causal: n(n+1)/2 (query, key) pairs,
 *                                     2d FLOPs for q.k and 2d for p.v each
 *                                     (every query head still attends: GQA
 *                                     shares k and v, it does not shrink this)
 * LLaVA-Mini (arXiv 2501.03895) adds a modality pre-fusion
 * module of 4 decoder layers with the LLM's own shape, run over all visual
 * tokens plus the text before compression: its "after" is the LLM over the
 * compressed tokens plus those 4 layers over the uncompressed ones
 * (bench_llm_prefill_flops_layers). With 576 -> 1 token and 64 text tokens
 * on the 7B shape this gives a 77% reduction, the paper's figure.
 * With composite attention (EE-MLLM) the visual rows skip their q
 * projection (2 d^2 each) and their attention row (4 d (p+1) at position p);
 * k, v, o and the MLP still run for every token.
 */
#include "bench.h"

#include <string.h>

static const bench_llm presets[] = {
    {"7b", 32, 4096, 11008, 64},    /* LLaMA-2 / Vicuna 7B (LLaVA-1.5-7B, LLaVA-Mini) */
    {"13b", 40, 5120, 13824, 64},   /* LLaMA-2 / Vicuna 13B */
    {"8b", 32, 4096, 14336, 64},    /* LLaMA-3 8B (counted as MHA; its GQA k/v are smaller) */
    {"0.5b", 24, 896, 4864, 64},    /* Qwen2-0.5B (LLaVA-OneVision 0.5B), counted as MHA */
    /* Qwen2-VL-7B's LLM (Qwen2-7B): 28 query heads of 128, 4 kv heads -> k, v 3584 x 512 */
    {"qwen2vl-7b", 28, 3584, 18944, 64, 512},
};

const char bench_llm_names[] = "7b (32 layers, d=4096, ffn 11008), 13b (40, 5120, 13824), 8b (32, 4096, 14336), "
                               "0.5b (24, 896, 4864), qwen2vl-7b (28, 3584, 18944, k/v 512)";

const bench_llm *bench_llm_preset(const char *name)
{
    for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
        if (!strcmp(presets[i].name, name))
            return &presets[i];
    return NULL;
}

double bench_llm_prefill_flops_layers(const bench_llm *m, double n, int layers)
{
    double d = m->dim, f = m->ffn, kv = m->kv_dim ? m->kv_dim : m->dim;
    double per_layer = 2 * n * (2 * d * d + 2 * d * kv) + 2 * n * (3 * d * f) + 2 * d * n * (n + 1);
    return layers * per_layer;
}

double bench_llm_prefill_flops(const bench_llm *m, double n)
{
    return bench_llm_prefill_flops_layers(m, n, m->layers);
}

double bench_llm_prefill_flops_composite(const bench_llm *m, int n, const uint8_t *kind)
{
    double d = m->dim, f = m->ffn, kv = m->kv_dim ? m->kv_dim : m->dim;
    double text = 0, attn = 0;
    for (int p = 0; p < n; p++)
        if (kind[p] == VTC_KIND_TEXT) {
            text += 1;
            attn += 4 * d * (p + 1);
        }
    double per_layer = 2 * (double)n * (2 * d * kv + d * d) + 2 * text * d * d + 2 * (double)n * (3 * d * f) + attn;
    return m->layers * per_layer;
}
