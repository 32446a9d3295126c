/* The template op (vtc_toy.h): what every op has, in the fewest lines.
   The executor checks each tensor against the descriptor's table
   (toy_desc.c); plan() states how they relate, checks the rest against the
   device's caps and fills a typed plan; record() only records. */
#include "op.h"
#include "vtc_toy.h"

#include <string.h>

enum { T_X, T_Y };   /* the table's order (toy_desc.c) */

typedef struct toy_plan {
    uint32_t n;
    float a, b;
} toy_plan;

static vtc_result plan(vtc_context ctx, const void *vargs, vtc_plan *pl)
{
    const vtc_toy_args *a = vargs;
    vtc_result r;
    if (a->reserved0)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "toy: reserved0 must be 0");
    if ((r = vtc_tensor_expect(ctx, pl, T_Y, VTC_DTYPES(a->x.dtype), a->x.shape)))
        return r;
    int64_t n = a->x.shape[0] * a->x.shape[1];
    if (n > UINT32_MAX)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "toy: %lld elements, at most 2^32 - 1", (long long)n);
    pl->float_dtype = a->x.dtype;
    *VTC_PLAN_OF(pl, toy_plan) = (toy_plan){(uint32_t)n, a->a, a->b};
    return VTC_SUCCESS;
}

static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    const toy_plan *tp = VTC_PLAN_OF_CONST(pl, toy_plan);
    struct { uint32_t n; float a, b; } pc = {tp->n, tp->a, tp->b};
    vtc_bound b[2] = {t[T_X], t[T_Y]};
    uint32_t gx, gy;
    vtc_grid_for(ctx, tp->n, &gx, &gy);
    return vtc_dispatch(rec, VTC_K_toy_axpb, 0, b, 2, &pc, sizeof(pc), VTC_WG, NULL, 0, gx, gy, 1);
}

const vtc_op_def vtc_op_toy_def = {&vtc_op_toy_desc, .plan = plan, .record = record};
