/*
 * The LLM prefill FLOP count behind `vtc bench`'s "what it saves" table and
 * docs/llama.cpp.md's figures: the presets still count as before, the GQA
 * preset counts its narrower k/v projections, and the guide's table is what
 * the formula gives (so a change to either shows up here).
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void expect(const char *name, double got, double want, double tol)
{
    int ok = fabs(got - want) <= tol;
    printf("%s - %s: %.6g (want %.6g)\n", ok ? "ok" : "FAIL", name, got, want);
    failures += !ok;
}

/* Written from the formula's description: q, o are d x d, k, v d x kv, SwiGLU 3 d f, causal attention 2 d n (n+1). */
static double by_hand(double layers, double d, double f, double kv, double n)
{
    return layers * (2 * n * (2 * d * d + 2 * d * kv) + 2 * n * 3 * d * f + 2 * d * n * (n + 1));
}

int main(void)
{
    const bench_llm *l7 = bench_llm_preset("7b"), *qw = bench_llm_preset("qwen2vl-7b");
    if (!l7 || !qw || bench_llm_preset("no-such-model")) {
        printf("FAIL - presets 7b and qwen2vl-7b exist, unknown names do not\n");
        return 1;
    }
    expect("7b_counts_mha", bench_llm_prefill_flops(l7, 640), by_hand(32, 4096, 11008, 4096, 640), 1);
    expect("qwen2vl_7b_shape", qw->layers * 1e6 + qw->dim, 28e6 + 3584, 0);
    expect("qwen2vl_7b_ffn_and_kv", qw->ffn * 1e4 + qw->kv_dim, 18944e4 + 512, 0);
    expect("qwen2vl_7b_counts_gqa_kv", bench_llm_prefill_flops(qw, 640), by_hand(28, 3584, 18944, 512, 640), 1);
    bench_llm mha = *qw;
    mha.kv_dim = 0;
    expect("kv_dim_0_is_mha", bench_llm_prefill_flops(&mha, 640), by_hand(28, 3584, 18944, 3584, 640), 1);

    /* docs/llama.cpp.md section 9, GFLOP to 0.1: 64 text tokens, 576 (5 x 576) image tokens before */
    static const struct { const char *name; const char *preset; int n; double gflop; } table[] = {
        {"llava15_before", "7b", 576 + 64, 8396.8},        {"llava15_64", "7b", 64 + 64, 1662.2},
        {"llava15_128", "7b", 128 + 64, 2496.5},           {"llava15_192", "7b", 192 + 64, 3333.0},
        {"next_before", "7b", 2880 + 64, 40403.5},         {"next_5x64", "7b", 320 + 64, 5012.3},
        {"next_5x128", "7b", 640 + 64, 9248.3},            {"next_5x192", "7b", 960 + 64, 13538.0},
        {"qwen2vl_before", "qwen2vl-7b", 576 + 64, 8434.7}, {"qwen2vl_64", "qwen2vl-7b", 64 + 64, 1673.8},
        {"qwen2vl_128", "qwen2vl-7b", 128 + 64, 2513.1},   {"qwen2vl_192", "qwen2vl-7b", 192 + 64, 3354.2},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "guide_table_%s_gflop", table[i].name);
        expect(name, bench_llm_prefill_flops(bench_llm_preset(table[i].preset), table[i].n) / 1e9, table[i].gflop,
               0.05);
    }
    expect("guide_qwen2vl_as_mha_gflop", bench_llm_prefill_flops(&mha, 640) / 1e9, 9223.9, 0.05);
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
