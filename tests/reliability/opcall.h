/*
 * Calls of any op built from its descriptor (plugin/ops/<op>/<op>_desc.c),
 * for the fuzzer, the reliability and bounds tests and the typed-vs-vtc_run
 * test: start from the op's example calls, resize the inputs' dimensions,
 * draw the parameters through the parameter table, shape the outputs with
 * the descriptor's shape_outputs, keep what the plugin accepts. No test
 * has a branch per op; a new op is covered the day it is listed.
 */
#ifndef VTC_TEST_OPCALL_H
#define VTC_TEST_OPCALL_H

#include <vtc.h>
#include "op_desc.h"

#include <stddef.h>
#include <stdint.h>

typedef struct opcall {
    const vtc_op_desc *d;
    _Alignas(16) unsigned char args[VTC_OP_ARGS_MAX];
    char desc[256];        /* "visionzip score_mode=1 ... hidden[1,6,4] ..." (opcall_describe) */
} opcall;

/* Example `which` of d (host pointers NULL). 0, or -1 past the last. */
int opcall_example(opcall *c, const vtc_op_desc *d, uint32_t which);
uint32_t opcall_examples(const vtc_op_desc *d);
/* Every dimension of an input tensor equal to `from` becomes `to`
   (a size the example's tensors share changes in all of them at once). */
void opcall_resize(opcall *c, int64_t from, int64_t to);
/* The distinct dimensions of the present inputs (at most max). */
int opcall_input_dims(const opcall *c, int64_t *out, int max);
vtc_tensor *opcall_tensor(opcall *c, uint32_t i);
/* Bytes of every present tensor together. */
double opcall_bytes(const opcall *c);
void opcall_describe(opcall *c);
/* 1 when a parameter lies outside its table range (NaN too, unless the
   range is every number). */
int opcall_param_past_range(const vtc_op_param_desc *p, const void *args);

/* Fills input i's host memory `dst` (its packed elements): floats small
   and finite, U8 kinds 0/1, I32 ascending indices spread below the rows
   (dim 1) of the op's float inputs. */
void opcall_fill_input(const opcall *c, uint32_t i, uint64_t *rng, void *dst);

/* A random call of d that the plugin accepts (vtc_query_scratch on packed
   host tensors), of at most max_bytes of tensors and as many of record-mode
   scratch, drawn from the examples with
   dimensions from `sizes`, the parameters, optional tensors dropped and
   the float dtype switched. Host pointers NULL on return. Tries a few
   hundred draws, then falls back to an example. -1: d has none the
   plugin accepts without more (compress needs a weight set). */
#define OPCALL_F16 0x1u /* flags: float inputs switched to f16 now and then (else as the examples: f32) */
int opcall_random_valid(vtc_context ctx, opcall *c, const vtc_op_desc *d, uint64_t *rng, const int64_t *sizes,
                        size_t nsizes, double max_bytes, unsigned flags);

/* The op's typed entry point and query (vtc_scores, ...), or NULL for an op
   without one (VTC_OP_FIRST_EXPERIMENTAL on, reached only through vtc_run).
   The one list of them in the tests: the ABI's typed functions are frozen. */
typedef vtc_result (*opcall_run_fn)(vtc_context, const void *, const vtc_exec *);
typedef vtc_result (*opcall_query_fn)(vtc_context, const void *, uint64_t *);
opcall_run_fn opcall_typed_run(uint32_t op);
opcall_query_fn opcall_typed_query(uint32_t op);
#endif
