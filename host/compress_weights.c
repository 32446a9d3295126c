/* LLaVA-Mini compressor weights from a .safetensors file (see compress_weights.h). */
#include "compress_weights.h"

#include "io/safetensors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_QUERY, K_LNQ_W, K_LNQ_B, K_LNKV_W, K_LNKV_B, K_IN_W, K_IN_B, K_OUT_W, K_OUT_B, K_POS };
static const char *const key_names[10] = {"query", "ln_q.weight", "ln_q.bias", "ln_kv.weight", "ln_kv.bias",
                                          "attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight",
                                          "attn.out_proj.bias", "pos_embed"};

void cw_free(cw_host *w)
{
    for (int i = 0; i < 10; i++)
        free(w->data[i]);
    memset(w, 0, sizeof(*w));
}

static vtc_tensor host_tensor(float *p, int ndim, const int64_t *shape)
{
    vtc_tensor t = {.size = sizeof(t), .dtype = VTC_DTYPE_F32, .ndim = (uint32_t)ndim, .host = p};
    memcpy(t.shape, shape, sizeof(int64_t) * (size_t)ndim);
    return t;
}

int cw_load(const char *path, const char *prefix, uint32_t heads, cw_host *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!prefix)
        prefix = CW_DEFAULT_PREFIX;
    st_file f;
    if (st_open(path, &f, err, errlen))
        return -1;
    char name[300];
    int64_t shape[8];
    int nd = 0;
    /* query first: it fixes Q and E for every other key's expected shape */
    snprintf(name, sizeof(name), "%s%s", prefix, key_names[K_QUERY]);
    if (st_read_f32(&f, name, 2, NULL, &out->data[K_QUERY], shape, &nd, err, errlen)) {
        st_close(&f);
        return -1;
    }
    int64_t Q = shape[0], E = shape[1], C = (int64_t)llround(sqrt((double)Q));
    if (C * C != Q || E < 1) {
        snprintf(err, errlen, "%s: key '%s' has shape [%lld,%lld]; expected [C*C][E]", path, name, (long long)Q,
                 (long long)E);
        st_close(&f);
        cw_free(out);
        return -1;
    }
    const int64_t want[10][2] = {{Q, E}, {E, 0}, {E, 0}, {E, 0}, {E, 0}, {3 * E, E}, {3 * E, 0}, {E, E}, {E, 0}, {Q, E}};
    const int ndims[10] = {2, 1, 1, 1, 1, 2, 1, 2, 1, 2};
    out->shapes[K_QUERY][0] = Q;
    out->shapes[K_QUERY][1] = E;
    for (int k = 1; k < 10; k++) {
        snprintf(name, sizeof(name), "%s%s", prefix, key_names[k]);
        if (k == K_POS && !st_find(&f, name))
            continue; /* optional */
        if (k == K_POS) {
            /* the checkpoint may store it as [1][Q][E] */
            const st_tensor *t = st_find(&f, name);
            if (t->ndim == 3 && t->shape[0] == 1) {
                int64_t w3[3] = {1, Q, E};
                if (st_read_f32(&f, name, 3, w3, &out->data[k], shape, &nd, err, errlen)) {
                    st_close(&f);
                    cw_free(out);
                    return -1;
                }
                out->shapes[k][0] = Q;
                out->shapes[k][1] = E;
                continue;
            }
        }
        if (st_read_f32(&f, name, ndims[k], want[k], &out->data[k], shape, &nd, err, errlen)) {
            st_close(&f);
            cw_free(out);
            return -1;
        }
        out->shapes[k][0] = want[k][0];
        out->shapes[k][1] = want[k][1];
    }
    st_close(&f);
    vtc_compress_weights_desc *d = &out->desc;
    d->size = sizeof(*d);
    d->heads = heads;
    vtc_tensor *slots[10] = {&d->query, &d->ln_q_weight, &d->ln_q_bias, &d->ln_kv_weight, &d->ln_kv_bias,
                             &d->in_proj_weight, &d->in_proj_bias, &d->out_proj_weight, &d->out_proj_bias,
                             &d->pos_embed};
    for (int k = 0; k < 10; k++)
        if (out->data[k])
            *slots[k] = host_tensor(out->data[k], ndims[k], out->shapes[k]);
    return 0;
}
