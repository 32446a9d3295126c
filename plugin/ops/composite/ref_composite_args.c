/* composite's CPU reference on a vtc_composite_args of host tensors (op_ref.h). */
#include "../op_ref.h"
#include "ref_composite.h"

static int run(const void *args, const void *got, const void *aux)
{
    const vtc_composite_args *a = args;
    (void)got, (void)aux;
    ref_composite((int)a->q.shape[0], (int)a->q.shape[1], (int)a->k.shape[1], (int)a->q.shape[2], (int)a->k.shape[2],
                  (int)a->q.shape[3], a->scale, a->q.host, a->k.host, a->v.host, a->kind.host, a->out.host);
    return 0;
}

const vtc_op_ref vtc_op_composite_ref = {run, NULL, NULL};
