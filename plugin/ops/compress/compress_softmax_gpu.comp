#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2): softmax of each logit row over the N tokens, in place;
// GPU variant of compress_softmax (same binding and push constants): one
// workgroup per row instead of one invocation (C=1 has 8 rows), lanes take
// tokens l, l + LX, ... (coalesced), with the maximum and the sum from the
// fixed-order workgroup reductions of wg_reduce.glsl.
#define WG_MAX 256
#include "common.glsl"
#include "wg_reduce.glsl"
layout(std430, binding = 0) buffer L { float a[]; };
layout(push_constant) uniform P { uint rows; uint N; } p;

void main() {
    const uint LX = gl_WorkGroupSize.x;
    uint lid = gl_LocalInvocationID.x;
    uint r = group_linear();
    if (r >= p.rows) return;   // whole workgroup
    uint base = r * p.N;
    float m = -1.0 / 0.0;
    for (uint j = lid; j < p.N; j += LX) m = max(m, a[base + j]);
    m = wg_max(m);
    float s = 0.0;
    for (uint j = lid; j < p.N; j += LX) {
        float e = exp(a[base + j] - m);
        a[base + j] = e;
        s += e;
    }
    float inv = 1.0 / wg_sum(s);
    for (uint j = lid; j < p.N; j += LX) a[base + j] *= inv;
}
