/* The executor's entry points, for the public functions of api.c (and, through
   op.h's VTC_OP_ENTRY_POINTS, the ops' typed ones). */
#ifndef VTC_EXEC_H
#define VTC_EXEC_H

#include "op.h"

/* Validates and runs (or records, exec->cmd set) op `op`. */
vtc_result vtc_run_op(vtc_context ctx, uint32_t op, const void *args, const vtc_exec *exec);
/* Validates like vtc_query_scratch, then runs the op's prepare hook and its
   record() in prepare mode: every pipeline the call would use exists after. */
vtc_result vtc_prepare_op(vtc_context ctx, uint32_t op, const void *args);
/* The scratch the op needs: validation and plan only, nothing allocated. `caller`
   names the public function in the log line. */
vtc_result vtc_query_scratch_op(vtc_context ctx, const char *caller, uint32_t op, const void *args,
                                uint64_t *scratch_bytes);

#endif
