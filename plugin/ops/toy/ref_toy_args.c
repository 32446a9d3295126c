/* The template op's CPU reference on its args (op_ref.h). */
#include "../op_ref.h"
#include "ref_toy.h"
#include "vtc_toy.h"

static int run(const void *args, const void *got, const void *aux)
{
    const vtc_toy_args *a = args;
    (void)got, (void)aux;
    ref_toy((size_t)(a->x.shape[0] * a->x.shape[1]), a->a, a->b, a->x.host, a->y.host);
    return 0;
}

const vtc_op_ref vtc_op_toy_ref = {run, NULL, NULL};
