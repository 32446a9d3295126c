#version 450
#extension GL_GOOGLE_include_directive : require
// prune (docs/prune.md) step 1: per row, 1/||x||2 and the L1 norm DART ranks
// pivots by. inv_l2 = 0 marks a zero row (also a squared norm that is not a
// finite positive fp32 number): its distance to every other row is 1. One
// invocation per row, columns summed in ascending order: every later pass
// sees the same bits whatever the device or variant.
#include "common.glsl"
layout(std430, binding = 0) readonly buffer M { ELEM metric[]; };
layout(std430, binding = 1) writeonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) writeonly buffer L1 { float l1[]; };
layout(push_constant) uniform P { uint B; uint N; uint Dm; } p;

void main() {
    uint row = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (row >= p.B * p.N) return;
    uint base = row * p.Dm;
    float ss = 0.0, sa = 0.0;
    for (uint d = 0u; d < p.Dm; d++) {
        float v = float(metric[base + d]);
        ss += v * v;
        sa += abs(v);
    }
    inv_l2[row] = ss > 0.0 && !isinf(ss) ? 1.0 / sqrt(ss) : 0.0;
    l1[row] = sa;
}
