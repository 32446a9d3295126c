#version 450
#extension GL_GOOGLE_include_directive : require
// QK_MEAN pass 2: column sums of the row-softmaxed attention,
// col[b][h][j] = sum_i exp(scale * q_i . k_j - lse_i). One workgroup per
// column; invocations stride over the rows, a workgroup sum combines them
// in a fixed order (deterministic, no atomics).
#define WG_MAX 64
#include "common.glsl"
#include "wg_reduce.glsl"
layout(std430, binding = 0) readonly buffer Q { ELEM q[]; };
layout(std430, binding = 1) readonly buffer K { ELEM k[]; };
layout(std430, binding = 2) readonly buffer L { float lse[]; };
layout(std430, binding = 3) writeonly buffer Out { float col[]; };
layout(push_constant) uniform P { uint B; uint N; uint H; uint dh; float scale; } p;
#include "qk_dot.glsl"

void main() {
    uint cidx = group_linear();
    if (cidx >= p.B * p.H * p.N) return; // uniform per workgroup
    uint j = cidx % p.N, bh = cidx / p.N;
    uint h = bh % p.H, b = bh / p.H;
    float acc = 0.0;
    for (uint i = gl_LocalInvocationID.x; i < p.N; i += gl_WorkGroupSize.x)
        acc += exp(qk_logit(b, i, j, h, p.N, p.H, p.dh, p.scale) - lse[bh * p.N + i]);
    acc = wg_sum(acc);
    if (gl_LocalInvocationID.x == 0u) col[cidx] = acc;
}
