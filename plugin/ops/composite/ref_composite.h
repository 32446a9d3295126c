/* The composite reference (CPU, from SPEC.md; tests/ref/ref.h for the conventions). */
#ifndef VTC_REF_COMPOSITE_H
#define VTC_REF_COMPOSITE_H
#include <stddef.h>
#include <stdint.h>

/* SPEC 3: composite attention. q[B][Nq][Hq][dh], k, v[B][Nk][Hkv][dh], kind[B][Nk] (0 text, 1 visual).
   Row r at position p = Nk - Nq + r: visual -> v[p][h/G] exactly; text -> causal softmax over j <= p. */
void ref_composite(int B, int Nq, int Nk, int Hq, int Hkv, int dh, float scale, const float *q, const float *k,
                   const float *v, const uint8_t *kind, float *o);
#endif
