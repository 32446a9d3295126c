/*
 * Host tensors and compress weight sets as the tests build them (the
 * reliability tests, the conformance suite, the unit tests), header-only so
 * every test program can include it without another library.
 */
#ifndef VTC_TEST_TENSORS_H
#define VTC_TEST_TENSORS_H
#include <vtc.h>

#include <string.h>

/* A dense host tensor of up to 3 dimensions (trailing ones past ndim unused). */
static inline vtc_tensor test_host_tensor(uint32_t dtype, void *p, uint32_t ndim, int64_t d0, int64_t d1, int64_t d2)
{
    vtc_tensor t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    t.dtype = dtype;
    t.ndim = ndim;
    t.shape[0] = d0;
    t.shape[1] = d1;
    t.shape[2] = d2;
    t.host = p;
    return t;
}

/* The arrays of a compress weight set of width e with q queries, fp32 on
   the host: query q x e; in_proj_weight 3e x e, in_proj_bias 3e;
   out_proj_weight e x e; the layer norms' and out_proj_bias e. */
typedef struct test_compress_arrays {
    float *query, *ln_q_weight, *ln_q_bias, *ln_kv_weight, *ln_kv_bias;
    float *in_proj_weight, *in_proj_bias, *out_proj_weight, *out_proj_bias;
} test_compress_arrays;

static inline vtc_compress_weights_desc test_compress_desc(uint32_t heads, int64_t q, int64_t e,
                                                           const test_compress_arrays *a)
{
    vtc_compress_weights_desc d;
    memset(&d, 0, sizeof(d));
    d.size = sizeof(d);
    d.heads = heads;
    d.query = test_host_tensor(VTC_DTYPE_F32, a->query, 2, q, e, 0);
    d.ln_q_weight = test_host_tensor(VTC_DTYPE_F32, a->ln_q_weight, 1, e, 0, 0);
    d.ln_q_bias = test_host_tensor(VTC_DTYPE_F32, a->ln_q_bias, 1, e, 0, 0);
    d.ln_kv_weight = test_host_tensor(VTC_DTYPE_F32, a->ln_kv_weight, 1, e, 0, 0);
    d.ln_kv_bias = test_host_tensor(VTC_DTYPE_F32, a->ln_kv_bias, 1, e, 0, 0);
    d.in_proj_weight = test_host_tensor(VTC_DTYPE_F32, a->in_proj_weight, 2, 3 * e, e, 0);
    d.in_proj_bias = test_host_tensor(VTC_DTYPE_F32, a->in_proj_bias, 1, 3 * e, 0, 0);
    d.out_proj_weight = test_host_tensor(VTC_DTYPE_F32, a->out_proj_weight, 2, e, e, 0);
    d.out_proj_bias = test_host_tensor(VTC_DTYPE_F32, a->out_proj_bias, 1, e, 0, 0);
    return d;
}

/* The dullest valid weight set compress's examples need: E = 8, Q = 1,
   2 heads, all zero but the layer norms' weights (1). */
typedef struct test_tiny_weights {
    float query[8], ones[8], zeros[24], in_w[24 * 8], out_w[8 * 8];
} test_tiny_weights;

static inline vtc_compress_weights_desc test_tiny_weights_desc(test_tiny_weights *t)
{
    memset(t, 0, sizeof(*t));
    for (int i = 0; i < 8; i++)
        t->ones[i] = 1.0f;
    test_compress_arrays a = {t->query, t->ones, t->zeros, t->ones, t->zeros, t->in_w, t->zeros, t->out_w, t->zeros};
    return test_compress_desc(2, 1, 8, &a);
}
#endif
