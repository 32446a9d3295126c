/*
 * EE-MLLM composite attention (vtc_composite_attention) on the standard
 * shapes, one decoder layer of a 7B-class LLM (Hq = 32 heads, dh = 128):
 *   prefill          B=1, Nq = Nk = 640 = 32 text (system prompt) + 576
 *                    visual + 32 text (question), Hkv = 32
 *   prefill-alltext  the same call with every kind = text (plain causal
 *                    attention): what composite attention saves
 *   decode           B=1, Nq=1, Nk=4096 (the same 608-token prefix, then
 *                    text), Hkv = 8 (GQA 4)
 *
 * Bytes and FLOPs: composite's cost function (plugin/ops/composite/
 * composite_desc.c), which reads the kind array for the text rows.
 */
#include "bench.h"
#include "../../tests/ref/ref.h"
#include "op_desc.h"

#include <stdlib.h>
#include <string.h>

#define HQ 32
#define DH 128
#define PREFIX 32
#define VISUAL 576

typedef struct cp_shape {
    const char *name;
    const char *words;
    int Nq, Nk, Hkv;
    int all_text;
} cp_shape;

static const cp_shape shapes[] = {
    {"prefill", "prefill Nq=Nk=640 (32 text + 576 visual + 32 text) Hq=Hkv=32 dh=128", 640, 640, 32, 0},
    {"prefill-alltext", "the same prefill, every token text (plain causal attention)", 640, 640, 32, 1},
    {"decode", "decode Nq=1 Nk=4096 (32 text + 576 visual + text) Hq=32 Hkv=8 (GQA 4) dh=128", 1, 4096, 8, 0},
};
#define NSHAPES ((int)(sizeof(shapes) / sizeof(shapes[0])))

const char *const bench_composite_shapes[] = {"prefill", "prefill-alltext", "decode", NULL};

typedef struct cp_run {
    bench_ctx *b;
    const cp_shape *s;
    float *q, *k, *v, *ref_out;
    uint8_t *kind;
    vtc_composite_args args;
} cp_run;

static vtc_result call(void *user, double *gpu_ms)
{
    cp_run *r = user;
    vtc_result res = r->b->api->composite_attention(r->b->ctx, &r->args, r->b->exec);
    *gpu_ms = bench_last_gpu_ms(r->b);
    return res;
}

static void cpu(void *user)
{
    cp_run *r = user;
    const cp_shape *s = r->s;
    ref_composite(1, s->Nq, s->Nk, HQ, s->Hkv, DH, 0.0f, r->q, r->k, r->v, r->kind, r->ref_out);
}

static void cost(const cp_shape *s, uint8_t *kind, uint32_t dtype, bench_row *row)
{
    vtc_composite_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    vtc_op_desc_shape(&a.q, dtype, 4, (int64_t[]){1, s->Nq, HQ, DH});
    vtc_op_desc_shape(&a.k, dtype, 4, (int64_t[]){1, s->Nk, s->Hkv, DH});
    vtc_op_desc_shape(&a.v, dtype, 4, (int64_t[]){1, s->Nk, s->Hkv, DH});
    vtc_op_desc_shape(&a.kind, VTC_DTYPE_U8, 2, (int64_t[]){1, s->Nk});
    a.kind.host = kind;
    vtc_op_desc_shape(&a.out, dtype, 4, (int64_t[]){1, s->Nq, HQ, DH});
    bench_row_cost(row, vtc_op_desc_find(VTC_OP_COMPOSITE), &a, NULL);
}

static void run_shape(bench_ctx *b, const cp_shape *s)
{
    bench_row *row = bench_row_add(b, "composite", s->name);
    if (!row)
        return;
    snprintf(row->desc, sizeof(row->desc), "%s", s->words);
    cp_run r;
    memset(&r, 0, sizeof(r));
    r.b = b;
    r.s = s;
    size_t nq = (size_t)s->Nq * HQ * DH, nk = (size_t)s->Nk * s->Hkv * DH;
    r.q = malloc(nq * sizeof(float));
    r.k = malloc(nk * sizeof(float));
    r.v = malloc(nk * sizeof(float));
    r.ref_out = malloc(nq * sizeof(float));
    r.kind = malloc((size_t)s->Nk);
    bench_dt t_q = {0}, t_k = {0}, t_v = {0}, t_kind = {0}, t_out = {0};
    if (!r.q || !r.k || !r.v || !r.ref_out || !r.kind) {
        row->status = BENCH_ERROR;
        snprintf(row->detail, sizeof(row->detail), "out of host memory");
        goto out;
    }
    for (int p = 0; p < s->Nk; p++)
        r.kind[p] = (!s->all_text && p >= PREFIX && p < PREFIX + VISUAL) ? VTC_KIND_VISUAL : VTC_KIND_TEXT;
    cost(s, r.kind, b->opt->dtype, row);
    if (s->Nq == s->Nk && !s->all_text) {
        const bench_llm *m = &b->opt->llm;
        row->tokens_in = row->tokens_out = VISUAL;
        row->llm_before = bench_llm_prefill_flops(m, s->Nk);
        row->llm_after = bench_llm_prefill_flops_composite(m, s->Nk, r.kind);
        snprintf(row->llm_note, sizeof(row->llm_note),
                 "%d tokens, %d visual: their q projection and attention rows skipped", s->Nk, VISUAL);
    }
    uint64_t seed = 0xa77e00u + (uint64_t)s->Nk * 31u + (uint64_t)s->Nq;
    bench_fill_normal(&seed, r.q, nq, 1.0f);
    bench_fill_normal(&seed, r.k, nk, 1.0f);
    bench_fill_normal(&seed, r.v, nk, 1.0f);
    bench_round_to_dtype(b->opt->dtype, r.q, nq);
    bench_round_to_dtype(b->opt->dtype, r.k, nk);
    bench_round_to_dtype(b->opt->dtype, r.v, nk);
    int64_t sh_q[4] = {1, s->Nq, HQ, DH}, sh_k[4] = {1, s->Nk, s->Hkv, DH}, sh_kind[2] = {1, s->Nk};
    if (bench_dt_floats(b, &t_q, r.q, 4, sh_q) || bench_dt_floats(b, &t_k, r.k, 4, sh_k) ||
        bench_dt_floats(b, &t_v, r.v, 4, sh_k) || bench_dt_raw(b, &t_kind, VTC_DTYPE_U8, r.kind, 2, sh_kind) ||
        bench_dt_floats(b, &t_out, NULL, 4, sh_q)) {
        row->status = BENCH_ERROR;
        snprintf(row->detail, sizeof(row->detail), "cannot create device tensors");
        goto out;
    }
    r.args.size = sizeof(r.args);
    r.args.q = t_q.t;
    r.args.k = t_k.t;
    r.args.v = t_v.t;
    r.args.kind = t_kind.t;
    r.args.out = t_out.t;
    if (bench_time_op(b, row, call, &r))
        goto out;
    bench_time_cpu(b, row, cpu, &r);
    if (row->cpu_ms >= 0) {
        float *got = bench_dt_read_floats(b, &t_out);
        if (got)
            bench_check(b, row, got, r.ref_out, nq);
        free(got);
    }
out:
    bench_dt_free(b, &t_q);
    bench_dt_free(b, &t_k);
    bench_dt_free(b, &t_v);
    bench_dt_free(b, &t_kind);
    bench_dt_free(b, &t_out);
    free(r.q);
    free(r.k);
    free(r.v);
    free(r.ref_out);
    free(r.kind);
}

int bench_composite(bench_ctx *b, int count_only)
{
    int n = 0;
    for (int i = 0; i < NSHAPES; i++) {
        if (!bench_shape_wanted(b, shapes[i].name))
            continue;
        n++;
        if (!count_only) {
            b->step++;
            run_shape(b, &shapes[i]);
        }
    }
    return n;
}
