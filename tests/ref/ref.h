/*
 * CPU references written straight from SPEC.md (not from any GPU code).
 * Accumulation in double unless a function says otherwise. All arrays are
 * contiguous row-major float32 unless stated.
 */
#ifndef VTC_REF_H
#define VTC_REF_H
#include <stddef.h>
#include <stdint.h>

/* Each op's reference is declared in its folder (plugin/ops/<op>/ref_<op>.h);
   these are included here for the tools that use several. A new op's cases
   include its own header. */
#include "../../plugin/ops/scores/ref_scores.h"
#include "../../plugin/ops/select/ref_select.h"
#include "../../plugin/ops/merge/ref_merge.h"
#include "../../plugin/ops/visionzip/ref_visionzip.h"
#include "../../plugin/ops/prune/ref_prune.h"
#include "../../plugin/ops/compress/ref_compress.h"
#include "../../plugin/ops/composite/ref_composite.h"

/* Comparison: NMSE = sum (a-b)^2 / sum b^2 (0/0 -> 0); a non-finite `got` where `want` is finite -> +inf. */
double ref_nmse(const float *got, const float *want, size_t n);
size_t ref_index_mismatches(const int32_t *got, const int32_t *want, size_t n);
/* Deterministic random numbers (splitmix64). */
uint64_t ref_rng_next(uint64_t *state);
float ref_rng_uniform(uint64_t *state, float lo, float hi);
float ref_rng_normal(uint64_t *state);
#endif
