#version 450
#extension GL_GOOGLE_include_directive : require
// QK_MEAN pass 1: log-sum-exp of every query row, lse[b][h][i] =
// log sum_j exp(scale * q_i . k_j). One workgroup per row: invocations
// stride over the keys with an online softmax, then a workgroup max/sum
// combines them (fixed order). No N x N buffer; per-invocation loops stay
// short (lavapipe's loop limiter).
#define WG_MAX 64
#include "common.glsl"
#include "wg_reduce.glsl"
layout(std430, binding = 0) readonly buffer Q { ELEM q[]; };
layout(std430, binding = 1) readonly buffer K { ELEM k[]; };
layout(std430, binding = 2) writeonly buffer Out { float lse[]; };
layout(push_constant) uniform P { uint B; uint N; uint H; uint dh; float scale; } p;
#include "qk_dot.glsl"

void main() {
    uint row = group_linear();
    if (row >= p.B * p.H * p.N) return; // uniform per workgroup
    uint i = row % p.N, bh = row / p.N;
    uint h = bh % p.H, b = bh / p.H;
    float m = -1.0 / 0.0, s = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < p.N; j += gl_WorkGroupSize.x) {
        float x = qk_logit(b, i, j, h, p.N, p.H, p.dh, p.scale);
        if (x > m) { s = s * exp(m - x) + 1.0; m = x; }
        else s += exp(x - m);
    }
    float M = wg_max(m);
    float S = wg_sum(s > 0.0 ? s * exp(m - M) : 0.0);
    if (gl_LocalInvocationID.x == 0u) lse[row] = M + log(S);
}
