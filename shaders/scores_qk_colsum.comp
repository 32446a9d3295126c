#version 450
#extension GL_GOOGLE_include_directive : require
// QK_MEAN pass 2: column sums of the row-softmaxed attention,
// col[b][h][j] = sum_i exp(scale * q_i . k_j - lse_i), one invocation per
// (b, h, j), rows summed in ascending order (deterministic, no atomics).
#include "common.glsl"
#define MAX_DH 256
layout(std430, binding = 0) readonly buffer Q { ELEM q[]; };
layout(std430, binding = 1) readonly buffer K { ELEM k[]; };
layout(std430, binding = 2) readonly buffer L { float lse[]; };
layout(std430, binding = 3) writeonly buffer Out { float col[]; };
layout(push_constant) uniform P { uint B; uint N; uint H; uint dh; float scale; } p;

void main() {
    uint idx = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (idx >= p.B * p.H * p.N) return;
    uint j = idx % p.N, bh = idx / p.N;
    uint h = bh % p.H, b = bh / p.H;
    float kr[MAX_DH];
    uint kbase = ((b * p.N + j) * p.H + h) * p.dh;
    for (uint d = 0u; d < p.dh; d++) kr[d] = float(k[kbase + d]);
    float acc = 0.0;
    for (uint i = 0u; i < p.N; i++) {
        uint qbase = ((b * p.N + i) * p.H + h) * p.dh;
        float x = 0.0;
        for (uint d = 0u; d < p.dh; d++) x += float(q[qbase + d]) * kr[d];
        x *= p.scale;
        acc += exp(x - lse[bh * p.N + i]);
    }
    col[idx] = acc;
}
