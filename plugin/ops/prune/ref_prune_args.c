/* prune's CPU reference on a vtc_prune_args of host tensors (op_ref.h). With
   the device's keep_idx (got) it follows the device's choice at fp32 near
   ties (relative 1e-5, as the conformance cases), so an exact rule checked
   against an fp32 kernel does not fail on a tie it cannot decide. */
#include "../op_ref.h"
#include "ref_prune.h"
#include "vtc_prune.h"

#define NEAR_TIE_TOL 1e-5

static int run(const void *args, const void *got, const void *aux)
{
    const vtc_prune_args *a = args;
    const vtc_prune_args *g = got;
    (void)aux;
    int Dm = a->metric.dtype != VTC_DTYPE_NONE ? (int)a->metric.shape[2] : 0;
    const int32_t *follow = g && g->keep_idx.host ? g->keep_idx.host : NULL;
    int near = 0;
    return ref_prune((int)a->mode, (int)a->hidden.shape[0], (int)a->hidden.shape[1], (int)a->hidden.shape[2], Dm,
                     (int)a->keep, (int)a->contextual, (int)a->pivots, a->hidden.host, a->metric.host, follow,
                     NEAR_TIE_TOL, &near, a->keep_idx.host, a->out.host, a->src_idx.host);
}

const vtc_op_ref vtc_op_prune_ref = {run, NULL, NULL};
