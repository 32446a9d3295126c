/*
 * Each op's typed entry point (vtc_scores, ..., vtc_prune) and the generic
 * vtc_run give the same bits, on host tensors: every example call of every
 * op's descriptor and a few calls drawn from it (opcall.h), random inputs.
 * An op without a typed function (toy) is run twice through vtc_run
 * (same input, same bits). compress runs on a small weight set.
 */
#include "rel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the example's compress weight set: E = 8, Q = 1, 2 heads */
static vtc_weights tiny_weights(vtc_context ctx, uint64_t *s)
{
    static float q[8], ones[8], zeros[24], in_w[24 * 8], out_w[8 * 8];
    rel_fill_f32(s, q, 8);
    rel_fill_f32(s, in_w, 24 * 8);
    rel_fill_f32(s, out_w, 64);
    for (int i = 0; i < 8; i++)
        ones[i] = 1.0f;
    vtc_compress_weights_desc d;
    memset(&d, 0, sizeof(d));
    d.size = sizeof(d);
    d.heads = 2;
    vtc_op_desc_shape(&d.query, VTC_DTYPE_F32, 2, (int64_t[]){1, 8});
    d.query.host = q;
    vtc_op_desc_shape(&d.ln_q_weight, VTC_DTYPE_F32, 1, (int64_t[]){8});
    d.ln_q_weight.host = ones;
    d.ln_kv_weight = d.ln_q_weight;
    vtc_op_desc_shape(&d.ln_q_bias, VTC_DTYPE_F32, 1, (int64_t[]){8});
    d.ln_q_bias.host = zeros;
    d.ln_kv_bias = d.out_proj_bias = d.ln_q_bias;
    vtc_op_desc_shape(&d.in_proj_weight, VTC_DTYPE_F32, 2, (int64_t[]){24, 8});
    d.in_proj_weight.host = in_w;
    vtc_op_desc_shape(&d.in_proj_bias, VTC_DTYPE_F32, 1, (int64_t[]){24});
    d.in_proj_bias.host = zeros;
    vtc_op_desc_shape(&d.out_proj_weight, VTC_DTYPE_F32, 2, (int64_t[]){8, 8});
    d.out_proj_weight.host = out_w;
    vtc_weights w = NULL;
    vtc_result r = vtc_compress_weights_create(ctx, &d, &w);
    CHECK(r == VTC_SUCCESS, "compress weights: %s", vtc_result_string(r));
    return w;
}

/* Runs c twice on the same inputs (typed, then vtc_run) and compares every output byte. */
static void compare(vtc_context ctx, opcall *c, uint64_t *s, unsigned *checked)
{
    const vtc_op_desc *d = c->d;
    void *mem[2][VTC_OP_DESC_MAX_TENSORS] = {{0}};
    _Alignas(16) unsigned char args[2][VTC_OP_ARGS_MAX];
    vtc_result r[2];
    for (int k = 0; k < 2; k++) {
        memcpy(args[k], c->args, sizeof(c->args));
        for (uint32_t i = 0; i < d->ntensors; i++) {
            vtc_tensor *t = vtc_op_tensor_in(&d->tensors[i], args[k]);
            if (t->dtype == VTC_DTYPE_NONE)
                continue;
            size_t bytes = (size_t)vtc_op_desc_bytes(t);
            if (!(mem[k][i] = calloc(1, bytes + 4)))
                exit(1);
            if (!(d->tensors[i].role & VTC_ROLE_OUTPUT)) {
                if (k == 0)
                    opcall_fill_input(c, i, s, mem[k][i]);
                else
                    memcpy(mem[k][i], mem[0][i], bytes);
            }
            t->host = mem[k][i];
        }
        opcall_run_fn typed = opcall_typed_run(d->op);
        r[k] = k == 0 && typed ? typed(ctx, args[k], NULL) : vtc_run(ctx, d->op, args[k], NULL);
    }
    CHECK(r[0] == VTC_SUCCESS && r[1] == VTC_SUCCESS, "%s: typed %s, vtc_run %s", c->desc, vtc_result_string(r[0]),
          vtc_result_string(r[1]));
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&d->tensors[i], args[0]);
        if ((d->tensors[i].role & VTC_ROLE_OUTPUT) && mem[0][i])
            CHECK(!memcmp(mem[0][i], mem[1][i], (size_t)vtc_op_desc_bytes(t)), "%s: %s differs between %s and vtc_run",
                  c->desc, d->tensors[i].name, opcall_typed_run(d->op) ? "the typed function" : "two runs");
        free(mem[0][i]);
        free(mem[1][i]);
    }
    (*checked)++;
}

int main(void)
{
    rel_log log;
    vtc_context ctx = rel_context(&log, 0, NULL);
    uint64_t s = 0x7e57;
    unsigned checked = 0;
    vtc_weights w = tiny_weights(ctx, &s);
    for (uint32_t n = 0; vtc_op_desc_at(n); n++) {
        const vtc_op_desc *d = vtc_op_desc_at(n);
        opcall c;
        for (uint32_t which = 0; opcall_example(&c, d, which) == 0; which++) {
            if (d->op == VTC_OP_COMPRESS)
                ((vtc_compress_args *)(void *)c.args)->weights = w;
            opcall_describe(&c);
            compare(ctx, &c, &s, &checked);
        }
    }
    static const int64_t sizes[] = {1, 2, 3, 5, 8, 16, 17, 33};
    for (int op = 0; op < rel_op_kinds(); op++)
        for (int k = 0; k < 3; k++) {
            opcall c;
            if (rel_draw(op, &s, sizes, sizeof(sizes) / sizeof(sizes[0]), 256 * 1024, OPCALL_F16, &c) == 0)
                compare(ctx, &c, &s, &checked);
        }
    vtc_compress_weights_destroy(ctx, w);
    vtc_context_destroy(ctx);
    printf("%u calls, typed function and vtc_run compared, %d failures\n", checked, rel_failures());
    return rel_failures() ? 1 : 0;
}
