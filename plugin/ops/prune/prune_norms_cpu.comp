#version 450
#extension GL_GOOGLE_include_directive : require
// prune_norms on CPU devices, rows of Dm % 4 == 0 values bound at a 16-byte
// aligned offset: the same sums (columns in ascending order, the same
// terms: same bits) from 4-value loads, a quarter of the per-lane gathers
// llvmpipe makes of loads in a loop. The rows as a storage buffer: calls
// recorded into a host's command buffer (prune_norms_tex_cpu otherwise).
#include "common.glsl"
layout(std430, binding = 0) readonly buffer M { ELEM4 metric[]; };
#define ROW4(i) vec4(metric[i])
#include "prune_norms_cpu.glsl"
