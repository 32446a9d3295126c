#version 450
#extension GL_GOOGLE_include_directive : require
// DivPrune, distance-matrix path: the rows of images b0 .. b0+G-1
// normalised once, xn = x * inv_l2 in fp32 (0 for a zero row), rows padded
// with zeros to Dp (a multiple of 4) for prune_dmat_cpu's vec4 loads, so
// the N^2 Dm distance terms are a subtraction and a multiply-add each. The
// product is rounded exactly as half_sq_diff rounds it: same bits.
// One invocation per 4 values (one division per 4 values, not per value).
#include "common.glsl"
layout(std430, binding = 0) readonly buffer M { ELEM metric[]; };
layout(std430, binding = 1) readonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) writeonly buffer XN { vec4 xn[]; };
layout(push_constant) uniform P { uint G; uint N; uint Dm; uint b0; uint D4; } p;

void main() {
    uint e = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (e >= p.G * p.N * p.D4) return;
    uint r = e / p.D4, c = (e - r * p.D4) * 4u;
    uint src = (p.b0 * p.N + r) * p.Dm + c;
    float inv = inv_l2[p.b0 * p.N + r];
    vec4 v = vec4(0.0);
    for (uint k = 0u; k < 4u; k++) {
        precise float u = c + k < p.Dm ? float(metric[src + k]) * inv : 0.0;
        v[k] = u;
    }
    xn[e] = v;
}
