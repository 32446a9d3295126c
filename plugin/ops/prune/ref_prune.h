/* The prune reference (CPU, from SPEC.md; tests/ref/ref.h for the conventions). */
#ifndef VTC_REF_PRUNE_H
#define VTC_REF_PRUNE_H
#include <stddef.h>
#include <stdint.h>

/* Embedding-only selection (docs/prune.md). mode 0 DivPrune, 1 DART (P pivots, 0 -> 8); metric[B][N][Dm] or NULL
   (then hidden, Dm = D). keep_idx[B][K] ascending, out[B][K+c][D], src_idx[B][K+c] (each may be NULL); c > 0
   merges as ref_merge over the non-kept tokens. follow (may be NULL): a selection [B][K] to judge; where it
   differs from the exact rule only at near ties (a followed candidate strictly below the maximum by at most tol,
   relative) the reference follows it and counts *near_ties. Returns 0, -1 for bad arguments, -2 when follow is
   not a valid outcome. */
int ref_prune(int mode, int B, int N, int D, int Dm, int K, int c, int P, const float *hidden, const float *metric,
              const int32_t *follow, double tol, int *near_ties, int32_t *keep_idx, float *out, int32_t *src_idx);
#endif
