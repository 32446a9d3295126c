/*
 * What a row's token reduction saves in the LLM that follows (bench_llm.c
 * counts the FLOPs), read from the workload's args. This is the bench's
 * model of each method, so it names the ops that reduce tokens:
 *   visionzip  the N (- CLS) tower tokens of each image -> its out rows
 *   prune      N -> keep + contextual rows per image
 *   compress   N -> Q, plus LLaVA-Mini's 4 pre-fusion layers over all N
 *   composite  same tokens; the visual rows skip their q projection and
 *              attention rows (prefill calls only: Nq = Nk, kind known)
 * The building blocks (scores, select, merge) and toy save nothing alone.
 * llava15_goal marks the LLaVA-1.5-shaped rows whose share of the removed
 * prefill issue 21 bounds (<= 2 %): the token-reduction modes, whose op is
 * a step added in front of the LLM. Composite attention is not: it is the
 * layer's attention itself, whose work the "after" FLOPs already count
 * (the text rows), so its share is printed but not held to that goal.
 */
#include "bench.h"
#include "op_desc.h"
#include "vtc_prune.h"

#include <string.h>

static int llava15_shaped(const bench_row *row)
{
    static const char *const rows[][2] = {
        {"visionzip", "llava15"}, {"visionzip", "llava15-qk"}, {"compress", "c1-n576-"}, {"compress", "c8-n576-"},
        {"prune", "divprune-576x4096"}, {"prune", "dart-576x4096"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t n = strlen(rows[i][1]);
        int prefix = rows[i][1][n - 1] == '-' || !strcmp(rows[i][0], "prune");
        if (!strcmp(row->op, rows[i][0]) &&
            (prefix ? !strncmp(row->shape, rows[i][1], n) : !strcmp(row->shape, rows[i][1])))
            return 1;
    }
    return 0;
}

void bench_llm_savings(const bench_opts *o, bench_row *row, uint32_t op, const void *args)
{
    const bench_llm *m = &o->llm;
    double before_tokens = 0, after_tokens = 0;
    switch (op) {
    case VTC_OP_VISIONZIP: {
        const vtc_visionzip_args *a = args;
        double B = vtc_op_desc_dim(&a->hidden, 0), N = vtc_op_desc_dim(&a->hidden, 1);
        row->tokens_in = B * (N - (a->no_cls ? 0 : 1));
        row->tokens_out = B * vtc_op_desc_dim(&a->out, 1);
        break;
    }
    case VTC_OP_PRUNE: {
        const vtc_prune_args *a = args;
        double B = vtc_op_desc_dim(&a->hidden, 0);
        row->tokens_in = B * vtc_op_desc_dim(&a->hidden, 1);
        row->tokens_out = B * (a->keep + a->contextual);
        break;
    }
    case VTC_OP_COMPRESS: {
        const vtc_compress_args *a = args;
        double N = vtc_op_desc_dim(&a->x, 1), Q = vtc_op_desc_dim(&a->out, 1);
        row->tokens_in = N;
        row->tokens_out = Q;
        row->llm_before = bench_llm_prefill_flops(m, N + m->text_tokens);
        /* LLaVA-Mini's pre-fusion layers still see every visual token and the text */
        row->llm_after = bench_llm_prefill_flops(m, Q + m->text_tokens) +
                         bench_llm_prefill_flops_layers(m, N + m->text_tokens, BENCH_LLAVAMINI_PREFUSION_LAYERS);
        snprintf(row->llm_note, sizeof(row->llm_note),
                 "%.0f -> %.0f visual tokens + %d text, incl. %d pre-fusion layers over %.0f+%d%s", N, Q,
                 m->text_tokens, BENCH_LLAVAMINI_PREFUSION_LAYERS, N, m->text_tokens,
                 Q == 1 && N == 576 ? " (paper, LLaVA-Mini-7B: 77% fewer FLOPs)" : "");
        break;
    }
    case VTC_OP_COMPOSITE: {
        const vtc_composite_args *a = args;
        int Nk = (int)vtc_op_desc_dim(&a->k, 1);
        const uint8_t *kind = a->kind.host;
        int visual = 0;
        for (int p = 0; kind && p < Nk; p++)
            visual += kind[p] == VTC_KIND_VISUAL;
        if (!kind || vtc_op_desc_dim(&a->q, 1) != Nk || !visual || vtc_op_desc_dim(&a->q, 0) != 1)
            return;
        row->tokens_in = row->tokens_out = visual;
        row->llm_before = bench_llm_prefill_flops(m, Nk);
        row->llm_after = bench_llm_prefill_flops_composite(m, Nk, kind);
        snprintf(row->llm_note, sizeof(row->llm_note),
                 "%d tokens, %d visual: their q projection and attention rows skipped", Nk, visual);
        break;
    }
    default:
        return;
    }
    if (op == VTC_OP_VISIONZIP || op == VTC_OP_PRUNE) {
        before_tokens = row->tokens_in + m->text_tokens;
        after_tokens = row->tokens_out + m->text_tokens;
        row->llm_before = bench_llm_prefill_flops(m, before_tokens);
        row->llm_after = bench_llm_prefill_flops(m, after_tokens);
        snprintf(row->llm_note, sizeof(row->llm_note), "%.0f -> %.0f visual tokens + %d text", row->tokens_in,
                 row->tokens_out, m->text_tokens);
    }
    row->llava15_goal = llava15_shaped(row);
}
