/* The select reference (CPU, from SPEC.md; tests/ref/ref.h for the conventions). */
#ifndef VTC_REF_SELECT_H
#define VTC_REF_SELECT_H
#include <stddef.h>
#include <stdint.h>

/* SPEC 1.2. keep_idx[B][keep_cls+k], rest_idx[B][N-keep_cls-k], dominant[B][keep_cls+k][D]; outputs may be NULL.
   Returns 0, or -1 when k is out of range. */
int ref_select(int B, int N, int D, int k, int keep_cls, const float *score, const float *hidden, int32_t *keep_idx,
               int32_t *rest_idx, float *dominant);
/* The same with CLS at row `cls` (< 0: no CLS): it is kept, does not compete, and stands at its ascending place. */
int ref_select_cls(int B, int N, int D, int k, int cls, const float *score, const float *hidden, int32_t *keep_idx,
                   int32_t *rest_idx, float *dominant);
#endif
