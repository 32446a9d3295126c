/* scores' CPU reference on a vtc_scores_args of host F32 tensors (op_ref.h). */
#include "../op_ref.h"
#include "ref_scores.h"

static int run(const void *args, const void *got, const void *aux)
{
    const vtc_scores_args *a = args;
    (void)got, (void)aux;
    int B = (int)a->score.shape[0], N = (int)a->score.shape[1];
    if (a->mode == VTC_SCORE_ATTN_CLS) {
        ref_scores_attn_f32(B, N, (int)a->attn.shape[1], a->attn.host, a->score.host);
        return 0;
    }
    if (a->mode > VTC_SCORE_QK_MEAN)
        return -1;
    ref_scores_cls((int)a->mode, B, N, (int)a->q.shape[2], (int)a->q.shape[3], a->scale, (int)a->cls_index, NULL,
                   a->q.host, a->k.host, a->score.host);
    return 0;
}

const vtc_op_ref vtc_op_scores_ref = {run, NULL, NULL};
