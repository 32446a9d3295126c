#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2) optional output: attention averaged over the h heads,
// am[b][i][j] = mean_h A[b][i*h + h'][j].
#include "common.glsl"
layout(std430, binding = 0) readonly buffer A { float a[]; };     // [B][Q*h][N]
layout(std430, binding = 1) writeonly buffer M { ELEM am[]; };    // [B][Q][N]
layout(push_constant) uniform P { uint B; uint Q; uint H; uint N; } p;

void main() {
    uint i = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.B * p.Q * p.N) return;
    uint j = i % p.N, bq = i / p.N;
    float s = 0.0;
    for (uint h = 0u; h < p.H; h++) s += a[(bq * p.H + h) * p.N + j];
    am[i] = ELEM(s / float(p.H));
}
