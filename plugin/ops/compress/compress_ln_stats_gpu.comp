#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2): LayerNorm statistics of each token row, GPU variant of
// compress_ln_stats (same bindings, push constants and two passes): one
// workgroup per row instead of one invocation, lanes take elements
// l, l + LX, ... (coalesced), fixed-order workgroup reductions (wg_reduce.glsl).
#define WG_MAX 64
#include "common.glsl"
#include "wg_reduce.glsl"
layout(std430, binding = 0) readonly buffer X { ELEM x[]; };
layout(std430, binding = 1) writeonly buffer S { vec2 stats[]; };
layout(push_constant) uniform P { uint rows; uint E; float eps; } p;

void main() {
    const uint LX = gl_WorkGroupSize.x;
    uint lid = gl_LocalInvocationID.x;
    uint r = group_linear();
    if (r >= p.rows) return;   // whole workgroup
    uint base = r * p.E;
    float s = 0.0;
    for (uint e = lid; e < p.E; e += LX) s += float(x[base + e]);
    float mean = wg_sum(s) / float(p.E);
    float v = 0.0;
    for (uint e = lid; e < p.E; e += LX) {
        float d = float(x[base + e]) - mean;
        v += d * d;
    }
    v = wg_sum(v);
    if (lid == 0u) stats[r] = vec2(mean, inversesqrt(v / float(p.E) + p.eps));
}
