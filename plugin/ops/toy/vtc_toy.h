/*
 * The template op: y = a * x + b, element-wise. It exists to show (and to
 * test) what an op is in vtc: this folder and one line in
 * plugin/ops/meson.build. Not part of the ABI (its id is experimental,
 * VTC_OP_FIRST_EXPERIMENTAL on, abi/vtc.h); reached with vtc_run.
 */
#ifndef VTC_TOY_H
#define VTC_TOY_H
#include "vtc.h"

#define VTC_OP_TOY (VTC_OP_FIRST_EXPERIMENTAL + 1u)

typedef struct vtc_toy_args {
    uint32_t size;        /* sizeof(vtc_toy_args) or 0 */
    uint32_t reserved0;   /* 0 */
    float a, b;
    vtc_tensor x;         /* [rows][cols] F32 or F16 */
    vtc_tensor y;         /* [rows][cols], x's dtype */
} vtc_toy_args;

/* How an op made public after 1.2 gets typed entry points without a
   vtc_api_v1 member or an exported symbol: vtc_toy(ctx, args, exec),
   vtc_toy_query_scratch(ctx, args, &bytes), vtc_toy_prepare(ctx, args),
   static inline over vtc_run / vtc_query_scratch / vtc_prepare (abi/vtc.h). */
VTC_OP_TYPED_WRAPPERS(toy, VTC_OP_TOY, vtc_toy_args)

#endif
