/* The merge reference (CPU, from SPEC.md; tests/ref/ref.h for the conventions). */
#ifndef VTC_REF_MERGE_H
#define VTC_REF_MERGE_H
#include <stddef.h>
#include <stdint.h>

/* SPEC 1.3. contextual[B][c][D]; optional assign[B][R-c] (target slot of each source, sources ascending) and
   target_idx[B][c]. Returns 0, or -1 when c is out of range or a rest index is outside [0, N). */
int ref_merge(int B, int N, int D, int Dm, int R, int c, const float *hidden, const float *metric,
              const int32_t *rest_idx, float *contextual, int32_t *assign, int32_t *target_idx);
#endif
