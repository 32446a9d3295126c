/* compress's CPU reference on a vtc_compress_args of host tensors, and the
   weight set a workload runs with (op_ref.h): random (seeded; seed 0:
   zeros) fp32 weights of h = 8 heads for E = x's width and Q = out's rows,
   created on the context; the reference reads the same host arrays.
   pos_embed is left to vtc (the sin-cos table, resized). */
#include "../op_ref.h"
#include "ref.h"
#include "ref_compress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HEADS 8

typedef struct cm_aux {
    vtc_weights w;
    ref_resampler ref;
    float *data[9];    /* query, 4 layer-norm vectors, in/out weights and biases */
    float *pos_q, *pos_k;
    int g;             /* the token grid's side: N = g * g */
} cm_aux;

/* seed 0: zeros (quick and finite: what compiling needs) */
static float *normal(uint64_t *seed, size_t n, float scale, float offset)
{
    if (!*seed)
        return calloc(n ? n : 1, sizeof(float));
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; x && i < n; i++)
        x[i] = offset + scale * ref_rng_normal(seed);
    return x;
}

/* F32 [d0] (d1 0) or [d0][d1] at `data` */
static vtc_tensor host_tensor(float *data, int64_t d0, int64_t d1)
{
    return (vtc_tensor){.size = sizeof(vtc_tensor), .dtype = VTC_DTYPE_F32, .ndim = d1 ? 2 : 1, .shape = {d0, d1},
                        .host = data};
}

static void teardown(const vtc_api_v1 *api, vtc_context ctx, void *aux)
{
    cm_aux *m = aux;
    if (!m)
        return;
    if (m->w)
        api->compress_weights_destroy(ctx, m->w);
    for (int i = 0; i < 9; i++)
        free(m->data[i]);
    free(m->pos_q);
    free(m->pos_k);
    free(m);
}

static vtc_result setup(const vtc_api_v1 *api, vtc_context ctx, void *args, uint64_t seed, void **aux)
{
    vtc_compress_args *a = args;
    int64_t N = a->x.shape[1], E = a->x.shape[2], Q = a->out.shape[1];
    int C = (int)lround(sqrt((double)Q)), g = (int)lround(sqrt((double)N));
    *aux = NULL;
    if (a->x.ndim != 3 || a->out.ndim != 3 || (int64_t)C * C != Q || (int64_t)g * g != N || E % 4)
        return VTC_ERROR_INVALID_ARGUMENT;
    cm_aux *m = calloc(1, sizeof(*m));
    if (!m)
        return VTC_ERROR_OUT_OF_MEMORY;
    float inv = 1.0f / sqrtf((float)E);
    float **d = m->data;
    d[0] = normal(&seed, (size_t)(Q * E), 1.0f, 0);
    d[1] = normal(&seed, (size_t)E, 0.1f, 1);
    d[2] = normal(&seed, (size_t)E, 0.1f, 0);
    d[3] = normal(&seed, (size_t)E, 0.1f, 1);
    d[4] = normal(&seed, (size_t)E, 0.1f, 0);
    d[5] = normal(&seed, (size_t)(3 * E * E), inv, 0);
    d[6] = normal(&seed, (size_t)(3 * E), 0.02f, 0);
    d[7] = normal(&seed, (size_t)(E * E), inv, 0);
    d[8] = normal(&seed, (size_t)E, 0.02f, 0);
    m->pos_q = malloc(sizeof(float) * (size_t)(Q * E));
    m->pos_k = malloc(sizeof(float) * (size_t)(N * E));
    for (int i = 0; i < 9; i++)
        if (!d[i]) {
            teardown(api, ctx, m);
            return VTC_ERROR_OUT_OF_MEMORY;
        }
    if (!m->pos_q || !m->pos_k) {
        teardown(api, ctx, m);
        return VTC_ERROR_OUT_OF_MEMORY;
    }
    m->g = g;
    m->ref = (ref_resampler){C, (int)E, HEADS, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]};
    ref_pos_embed_2d(C, (int)E, m->pos_q);
    ref_pos_resize_bicubic(C, g, (int)E, m->pos_q, m->pos_k);

    vtc_compress_weights_desc w;
    memset(&w, 0, sizeof(w));
    w.size = sizeof(w);
    w.heads = HEADS;
    w.query = host_tensor(d[0], Q, E);
    w.ln_q_weight = host_tensor(d[1], E, 0);
    w.ln_q_bias = host_tensor(d[2], E, 0);
    w.ln_kv_weight = host_tensor(d[3], E, 0);
    w.ln_kv_bias = host_tensor(d[4], E, 0);
    w.in_proj_weight = host_tensor(d[5], 3 * E, E);
    w.in_proj_bias = host_tensor(d[6], 3 * E, 0);
    w.out_proj_weight = host_tensor(d[7], E, E);
    w.out_proj_bias = host_tensor(d[8], E, 0);
    /* not prepared for N here: vtc_prepare (or the first call) does that */
    vtc_result r = api->compress_weights_create(ctx, &w, &m->w);
    if (r) {
        teardown(api, ctx, m);
        return r;
    }
    a->weights = m->w;
    *aux = m;
    return VTC_SUCCESS;
}

static int run(const void *args, const void *got, const void *aux)
{
    const vtc_compress_args *a = args;
    const cm_aux *m = aux;
    (void)got;
    if (!m || a->x.shape[1] != (int64_t)m->g * m->g)
        return -1;
    ref_compress(&m->ref, (int)a->x.shape[0], (int)a->x.shape[1], m->pos_q, m->pos_k, a->x.host, a->out.host,
                 a->attn_mean.host);
    return 0;
}

const vtc_op_ref vtc_op_compress_ref = {run, setup, teardown};
