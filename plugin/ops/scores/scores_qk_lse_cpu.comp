#version 450
#extension GL_GOOGLE_include_directive : require
// QK_MEAN pass 1, CPU-device variant: lse[b][h][i] = log sum_j exp(scale *
// q_i . k_j) for two query rows per invocation, q rows held in registers,
// keys streamed with an online softmax. Lanes walk consecutive row pairs of
// one (image, head), so every lane reads the same key row: on CPU drivers a
// load inside a loop costs far more than an FMA, and here each key vec4
// feeds eight. No barriers, no shared memory. Needs dh % 4 == 0 (vec4 views).
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
layout(constant_id = 2) const uint DH = 64;   // head width, a multiple of 4
const uint D4 = DH / 4u;
layout(constant_id = 3) const uint RPL = 2;   // rows (columns) per invocation, from the host
layout(std430, binding = 0) readonly buffer Q { ELEM4 q[]; };
layout(std430, binding = 1) readonly buffer K { ELEM4 k[]; };
layout(std430, binding = 2) writeonly buffer Out { float lse[]; };
layout(push_constant) uniform P { uint B; uint N; uint H; uint dh; float scale; } p;

void main() {
    uint lin = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint nblk = (p.N + RPL - 1u) / RPL;
    if (lin >= p.B * p.H * nblk) return;
    uint bh = lin / nblk, i0 = (lin - bh * nblk) * RPL;
    uint h = bh % p.H, b = bh / p.H;
    uint rs = p.H * D4;                       // vec4 stride between tokens
    uint base = b * p.N * rs + h * D4;
    vec4 qv[RPL][D4];
    [[unroll]] for (uint x = 0u; x < RPL; x++) {
        uint qi = base + min(i0 + x, p.N - 1u) * rs; // a row past the end repeats the last (not stored)
        [[unroll]] for (uint d = 0u; d < D4; d++) qv[x][d] = vec4(q[qi + d]);
    }
    float m[RPL], s[RPL];
    [[unroll]] for (uint x = 0u; x < RPL; x++) { m[x] = -1.0 / 0.0; s[x] = 0.0; }
    for (uint j = 0u; j < p.N; j++) {
        uint kj = base + j * rs;
        float a[RPL];
        [[unroll]] for (uint x = 0u; x < RPL; x++) a[x] = 0.0;
        [[unroll]] for (uint d = 0u; d < D4; d++) {
            vec4 kd = vec4(k[kj + d]);
            [[unroll]] for (uint x = 0u; x < RPL; x++) a[x] += dot(qv[x][d], kd);
        }
        [[unroll]] for (uint x = 0u; x < RPL; x++) {
            float l = a[x] * p.scale;
            if (l > m[x]) { s[x] = s[x] * exp(m[x] - l) + 1.0; m[x] = l; }
            else s[x] += exp(l - m[x]);
        }
    }
    [[unroll]] for (uint x = 0u; x < RPL; x++)
        if (i0 + x < p.N) lse[bh * p.N + i0 + x] = m[x] + log(s[x]);
}
