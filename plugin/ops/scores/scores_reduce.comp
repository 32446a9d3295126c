#version 450
#extension GL_GOOGLE_include_directive : require
// score[b][j] = factor * sum_h src[b][h][j], heads summed in ascending order
// (fixed order: same bits every run; the CPU reference sums the same way).
#include "common.glsl"
layout(std430, binding = 0) readonly buffer Src { ELEM src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float score[]; };
layout(push_constant) uniform P { uint B; uint N; uint H; float factor; } p;

void main() {
    uint idx = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (idx >= p.B * p.N) return;
    uint b = idx / p.N, j = idx - b * p.N;
    uint base = b * p.H * p.N + j;
    float s = 0.0;
    for (uint h = 0u; h < p.H; h++) s += float(src[base + h * p.N]);
    score[idx] = s * p.factor;
}
