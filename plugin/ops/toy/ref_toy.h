/* The template op's reference (plugin/ops/toy/vtc_toy.h). */
#ifndef VTC_REF_TOY_H
#define VTC_REF_TOY_H
#include <stddef.h>

/* y[i] = a * x[i] + b, in fp32 as the kernel (an fp32 mul then add: no fused
   multiply-add, so the kernel may differ by one rounding). */
void ref_toy(size_t n, float a, float b, const float *x, float *y);
#endif
