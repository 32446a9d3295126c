/* merge's CPU reference on a vtc_merge_args of host tensors (op_ref.h). */
#include "../op_ref.h"
#include "ref_merge.h"

static int run(const void *args, const void *got, const void *aux)
{
    const vtc_merge_args *a = args;
    (void)got, (void)aux;
    return ref_merge((int)a->hidden.shape[0], (int)a->hidden.shape[1], (int)a->hidden.shape[2],
                     (int)a->metric.shape[2], (int)a->rest_idx.shape[1], (int)a->contextual, a->hidden.host,
                     a->metric.host, a->rest_idx.host, a->out.host, NULL, NULL);
}

const vtc_op_ref vtc_op_merge_ref = {run, NULL, NULL};
