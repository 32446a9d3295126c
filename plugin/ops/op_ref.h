/*
 * An op's CPU reference reached from its args struct, so a tool that starts
 * from the descriptor (op_desc.h: tensor table, workloads) can check and
 * time any op without a branch per op: vtc bench runs every workload
 * through it. One per op, vtc_op_<op>_ref in plugin/ops/<op>/ref_<op>_args.c
 * (built into the references library, vtc_ref), found by the op list.
 *
 * Host code: the references themselves (ref_<op>.c) know no args struct.
 */
#ifndef VTC_OP_REF_H
#define VTC_OP_REF_H

#include "vtc.h"
#include "vtc_api.h"

#include <stdint.h>

typedef struct vtc_op_ref {
    /* Runs the reference on `args`, the op's args struct whose present
       tensors all point at contiguous host memory (stride 0), float tensors
       as F32 whatever dtype the call used: inputs read, outputs written.
       `got` (may be NULL): the same args holding what the device produced
       in its outputs; a reference with a documented tie tolerance (prune:
       fp32 near ties) may follow it where it is a valid outcome, as the
       conformance cases do. `aux`: what setup made (NULL without setup).
       Returns 0; -1 when the reference cannot take the args; -2 when `got`
       is not a valid outcome. */
    int (*run)(const void *args, const void *got, const void *aux);
    /* Optional (NULL: the args are tensors and parameters only): what a call
       needs besides them, made on `ctx` (compress: a random weight set,
       seeded by `seed`; seed 0 gives zeros, quick and finite, for tools
       that only compile) and put into `args`;
       *aux receives what run() and teardown need. Returns a vtc_result. */
    vtc_result (*setup)(const vtc_api_v1 *api, vtc_context ctx, void *args, uint64_t seed, void **aux);
    void (*teardown)(const vtc_api_v1 *api, vtc_context ctx, void *aux);
} vtc_op_ref;

#endif
