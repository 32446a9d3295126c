/* The op registry. Adding an op adds its folder and one line to the list in
   plugin/ops/meson.build; nothing here changes. */
#include "registry.h"
#include "device.h"   /* the context's op state slots (vtc_context_op_slot, VTC_MAX_OPS) */
#include "vtc_op_list.h"

#define VTC_OP_DECLARE(name) extern const vtc_op_def vtc_op_##name##_def;
VTC_OP_LIST(VTC_OP_DECLARE)
#undef VTC_OP_DECLARE

#define VTC_OP_ENTRY(name) &vtc_op_##name##_def,
static const vtc_op_def *const ops[] = {VTC_OP_LIST(VTC_OP_ENTRY)};
#undef VTC_OP_ENTRY
#define NOPS (sizeof(ops) / sizeof(ops[0]))
_Static_assert(sizeof(ops) / sizeof(ops[0]) <= VTC_MAX_OPS, "more ops than VTC_MAX_OPS context slots");

const vtc_op_def *vtc_op_find(uint32_t op)
{
    for (size_t i = 0; i < NOPS; i++)
        if (ops[i]->desc->op == op)
            return ops[i];
    return 0;
}

uint32_t vtc_op_index(const vtc_op_def *def)
{
    for (uint32_t i = 0; i < NOPS; i++)
        if (ops[i] == def)
            return i;
    return VTC_MAX_OPS; /* not registered: a bug, caught by vtc_op_state */
}

void **vtc_op_state(vtc_context ctx, const vtc_op_def *def)
{
    void **slot = vtc_context_op_slot(ctx, vtc_op_index(def));
    /* an unregistered descriptor is a bug; its state goes nowhere harmful */
    static _Thread_local void *unregistered;
    if (!slot) {
        unregistered = NULL;
        return &unregistered;
    }
    return slot;
}

const vtc_op_def *vtc_op_at(uint32_t index)
{
    return index < NOPS ? ops[index] : 0;
}

void vtc_ops_context_destroy(vtc_context ctx)
{
    for (size_t i = 0; i < NOPS; i++)
        if (ops[i]->context_destroy)
            ops[i]->context_destroy(ctx);
}
