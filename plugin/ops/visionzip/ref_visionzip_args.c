/* visionzip's CPU reference on a vtc_visionzip_args of host tensors
   (op_ref.h). Without a metric (QK modes) it averages k over heads as the op
   does (fp32, ascending heads), so both merge on the same metric. */
#include "../op_ref.h"
#include "ref_visionzip.h"

#include <stdlib.h>

static int run(const void *args, const void *got, const void *aux)
{
    const vtc_visionzip_args *a = args;
    (void)got, (void)aux;
    int B = (int)a->hidden.shape[0], N = (int)a->hidden.shape[1], D = (int)a->hidden.shape[2];
    int qk = a->score_mode != VTC_SCORE_ATTN_CLS;
    int H = qk ? (int)a->q.shape[2] : (int)a->attn.shape[1], dh = qk ? (int)a->q.shape[3] : 0;
    const float *metric = a->metric.host;
    float *mean = NULL;
    int Dm = metric ? (int)a->metric.shape[2] : dh;
    if (!metric) {
        if (!qk || !(mean = malloc(sizeof(float) * (size_t)B * N * dh + 4)))
            return -1;
        const float *k = a->k.host;
        float inv_h = 1.0f / (float)H;
        for (size_t row = 0; row < (size_t)B * N; row++)
            for (int d = 0; d < dh; d++) {
                float s = 0.0f;
                for (int h = 0; h < H; h++)
                    s += k[(row * H + h) * dh + d];
                mean[row * dh + d] = s * inv_h;
            }
        metric = mean;
    }
    uint32_t cls_index = a->size >= sizeof(*a) ? a->cls_index : 0;
    int cls = a->no_cls ? -1 : (int)cls_index;
    int rc = ref_visionzip_cls((int)a->score_mode, B, N, D, H, dh, Dm, (int)a->dominant, (int)a->contextual, cls,
                               a->scale, qk ? a->q.host : a->attn.host, a->q.host, a->k.host, a->hidden.host, metric,
                               a->out.host, a->src_idx.host);
    free(mean);
    return rc;
}

const vtc_op_ref vtc_op_visionzip_ref = {run, NULL, NULL};
