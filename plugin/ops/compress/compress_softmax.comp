#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2): softmax of each logit row over the N tokens, in place.
// The running maximum is subtracted first, so logits far beyond exp's range
// (large-magnitude inputs) stay finite. One invocation per row: three passes
// of N steps (N <= 16384 keeps them inside CPU drivers' loop limits).
#include "common.glsl"
layout(std430, binding = 0) buffer L { float a[]; };
layout(push_constant) uniform P { uint rows; uint N; } p;

void main() {
    uint r = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (r >= p.rows) return;
    uint base = r * p.N;
    float m = -1.0 / 0.0;
    for (uint j = 0u; j < p.N; j++) m = max(m, a[base + j]);
    float s = 0.0;
    for (uint j = 0u; j < p.N; j++) {
        float e = exp(a[base + j] - m);
        a[base + j] = e;
        s += e;
    }
    float inv = 1.0 / s;
    for (uint j = 0u; j < p.N; j++) a[base + j] *= inv;
}
