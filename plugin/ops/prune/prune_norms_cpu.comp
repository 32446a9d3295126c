#version 450
#extension GL_GOOGLE_include_directive : require
// prune_norms on CPU devices, rows of Dm % 4 == 0 values bound at a 16-byte
// aligned offset: the same sums (columns in ascending order, the same
// terms: same bits) from 4-value loads, a quarter of the per-lane gathers
// llvmpipe makes of loads in a loop.
#include "common.glsl"
layout(std430, binding = 0) readonly buffer M { ELEM4 metric[]; };
layout(std430, binding = 1) writeonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) writeonly buffer L1 { float l1[]; };
layout(push_constant) uniform P { uint B; uint N; uint Dm; } p;

void main() {
    uint row = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (row >= p.B * p.N) return;
    uint D4 = p.Dm / 4u, base = row * D4;
    float ss = 0.0, sa = 0.0;
    for (uint d = 0u; d < D4; d++) {
        vec4 v = vec4(metric[base + d]);
        ss += v.x * v.x;
        sa += abs(v.x);
        ss += v.y * v.y;
        sa += abs(v.y);
        ss += v.z * v.z;
        sa += abs(v.z);
        ss += v.w * v.w;
        sa += abs(v.w);
    }
    inv_l2[row] = ss > 0.0 && !isinf(ss) ? 1.0 / sqrt(ss) : 0.0;
    l1[row] = sa;
}
