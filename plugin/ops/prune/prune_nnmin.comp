#version 450
#extension GL_GOOGLE_include_directive : require
// DivPrune, distance-matrix path: nn(i) = min over j != i of d(i, j) from the
// matrix (+inf when N = 1), into nn[b][i] for prune_greedy's first pick.
// Reads column i (dm is symmetric), so neighbouring invocations read
// neighbouring addresses. NaN propagates (it ranks last in the argmax).
#include "common.glsl"
layout(std430, binding = 0) readonly buffer DM { float dm[]; };
layout(std430, binding = 1) writeonly buffer NN { float nn[]; };
layout(push_constant) uniform P { uint G; uint N; uint b0; } p;

void main() {
    uint s = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (s >= p.G * p.N) return;
    uint g = s / p.N, i = s - g * p.N;
    float m = uintBitsToFloat(0x7f800000u); // +inf
    for (uint j = 0u; j < p.N; j++) {
        if (j == i) continue;
        float v = dm[(g * p.N + j) * p.N + i];
        if (isnan(v) || v < m) m = v;
    }
    nn[p.b0 * p.N + s] = m;
}
