/*
 * The op registry: the ops of this build, from the one list in
 * plugin/ops/meson.build (generated into vtc_op_list.h), above the device
 * layer and below the executor. The executor finds an op here by VTC_OP_*
 * (its descriptor's id); vtc_context_destroy walks it before the device's
 * teardown; each op's per-context state lives in the context slot of its
 * place in the list (vtc_op_state, op.h). The registry knows each op only
 * by its vtc_op_<op>_def, never by its code.
 */
#ifndef VTC_REGISTRY_H
#define VTC_REGISTRY_H

#include "op.h"

const vtc_op_def *vtc_op_find(uint32_t op);
/* The descriptor's place in the list (its vtc_op_state slot). */
uint32_t vtc_op_index(const vtc_op_def *def);
/* Runs every op's context_destroy hook (vtc_context_teardown's hook). */
void vtc_ops_context_destroy(vtc_context ctx);
/* The ops of this build, in list order; NULL past the end. */
const vtc_op_def *vtc_op_at(uint32_t index);

#endif
