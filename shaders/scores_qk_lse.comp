#version 450
#extension GL_GOOGLE_include_directive : require
// QK_MEAN pass 1: log-sum-exp of every query row, lse[b][h][i] =
// log sum_j exp(scale * q_i . k_j), with an online (running-max) softmax so
// no N x N buffer exists. One invocation per (b, h, i).
#include "common.glsl"
#define MAX_DH 256
layout(std430, binding = 0) readonly buffer Q { ELEM q[]; };
layout(std430, binding = 1) readonly buffer K { ELEM k[]; };
layout(std430, binding = 2) writeonly buffer Out { float lse[]; };
layout(push_constant) uniform P { uint B; uint N; uint H; uint dh; float scale; } p;

void main() {
    uint idx = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (idx >= p.B * p.H * p.N) return;
    // idx = (b * H + h) * N + i
    uint i = idx % p.N, bh = idx / p.N;
    uint h = bh % p.H, b = bh / p.H;
    float qr[MAX_DH];
    uint qbase = ((b * p.N + i) * p.H + h) * p.dh;
    for (uint d = 0u; d < p.dh; d++) qr[d] = float(q[qbase + d]);
    float m = -1.0 / 0.0, s = 0.0;
    for (uint j = 0u; j < p.N; j++) {
        uint kbase = ((b * p.N + j) * p.H + h) * p.dh;
        float x = 0.0;
        for (uint d = 0u; d < p.dh; d++) x += qr[d] * float(k[kbase + d]);
        x *= p.scale; // same expression as pass 2, so both see identical logits
        if (x > m) { s = s * exp(m - x) + 1.0; m = x; }
        else s += exp(x - m);
    }
    lse[idx] = m + log(s);
}
