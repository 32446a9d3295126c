/*
 * The op registry: the ops of this build, from the one list in
 * plugin/ops/meson.build (generated into vtc_op_list.h). The executor
 * finds an op here by VTC_OP_*; the context walks it on destroy. The
 * registry knows each op only by its descriptor, never by its code.
 */
#ifndef VTC_REGISTRY_H
#define VTC_REGISTRY_H

#include "op.h"

const vtc_op_def *vtc_op_find(uint32_t op);
/* The descriptor's place in the list (its vtc_op_state slot). */
uint32_t vtc_op_index(const vtc_op_def *def);
/* Runs every op's context_destroy hook. */
void vtc_ops_context_destroy(vtc_context ctx);
/* The ops of this build, in list order; NULL past the end. */
const vtc_op_def *vtc_op_at(uint32_t index);

#endif
