#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2): LayerNorm statistics of each token row, stats[r] =
// (mean, 1/sqrt(biased variance + eps)). Two passes over the row (mean, then
// squared deviations) so tokens with a large common offset keep their precision;
// the LN itself is folded into the kernels that read x.
#include "common.glsl"
layout(std430, binding = 0) readonly buffer X { ELEM x[]; };
layout(std430, binding = 1) writeonly buffer S { vec2 stats[]; };
layout(push_constant) uniform P { uint rows; uint E; float eps; } p;

void main() {
    uint r = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (r >= p.rows) return;
    uint base = r * p.E;
    float s = 0.0;
    for (uint e = 0u; e < p.E; e += 4u)
        s += (float(x[base + e]) + float(x[base + e + 1u])) + (float(x[base + e + 2u]) + float(x[base + e + 3u]));
    float mean = s / float(p.E);
    float v = 0.0;
    for (uint e = 0u; e < p.E; e += 4u) {
        vec4 d = vec4(float(x[base + e]), float(x[base + e + 1u]), float(x[base + e + 2u]), float(x[base + e + 3u])) - mean;
        v += dot(d, d);
    }
    stats[r] = vec2(mean, inversesqrt(v / float(p.E) + p.eps));
}
