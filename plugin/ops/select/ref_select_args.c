/* select's CPU reference on a vtc_select_args of host tensors (op_ref.h). */
#include "../op_ref.h"
#include "ref_select.h"

static int run(const void *args, const void *got, const void *aux)
{
    const vtc_select_args *a = args;
    (void)got, (void)aux;
    int B = (int)a->score.shape[0], N = (int)a->score.shape[1];
    int D = a->hidden.dtype != VTC_DTYPE_NONE ? (int)a->hidden.shape[2] : 0;
    int cls = a->no_cls ? -1 : (int)a->cls_index;
    return ref_select_cls(B, N, D, (int)a->dominant, cls, a->score.host, a->hidden.host, a->keep_idx.host,
                          a->rest_idx.host, a->dominant_out.host);
}

const vtc_op_ref vtc_op_select_ref = {run, NULL, NULL};
