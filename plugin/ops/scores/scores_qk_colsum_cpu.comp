#version 450
#extension GL_GOOGLE_include_directive : require
// QK_MEAN pass 2, CPU-device variant: col[b][h][j] = sum_i exp(scale *
// q_i . k_j - lse_i) for two key columns per invocation, k rows held in
// registers, query rows streamed in ascending order (a fixed summation
// order: deterministic). Lanes share every q row load (see the lse kernel).
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
layout(constant_id = 2) const uint DH = 64;   // head width, a multiple of 4
const uint D4 = DH / 4u;
layout(constant_id = 3) const uint RPL = 2;   // rows (columns) per invocation, from the host
layout(std430, binding = 0) readonly buffer Q { ELEM4 q[]; };
layout(std430, binding = 1) readonly buffer K { ELEM4 k[]; };
layout(std430, binding = 2) readonly buffer L { float lse[]; };
layout(std430, binding = 3) writeonly buffer Out { float col[]; };
layout(push_constant) uniform P { uint B; uint N; uint H; uint dh; float scale; } p;

void main() {
    uint lin = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint nblk = (p.N + RPL - 1u) / RPL;
    if (lin >= p.B * p.H * nblk) return;
    uint bh = lin / nblk, j0 = (lin - bh * nblk) * RPL;
    uint h = bh % p.H, b = bh / p.H;
    uint rs = p.H * D4;
    uint base = b * p.N * rs + h * D4;
    vec4 kv[RPL][D4];
    [[unroll]] for (uint x = 0u; x < RPL; x++) {
        uint kj = base + min(j0 + x, p.N - 1u) * rs;
        [[unroll]] for (uint d = 0u; d < D4; d++) kv[x][d] = vec4(k[kj + d]);
    }
    float acc[RPL];
    [[unroll]] for (uint x = 0u; x < RPL; x++) acc[x] = 0.0;
    for (uint i = 0u; i < p.N; i++) {
        uint qi = base + i * rs;
        float a[RPL];
        [[unroll]] for (uint x = 0u; x < RPL; x++) a[x] = 0.0;
        [[unroll]] for (uint d = 0u; d < D4; d++) {
            vec4 qd = vec4(q[qi + d]);
            [[unroll]] for (uint x = 0u; x < RPL; x++) a[x] += dot(qd, kv[x][d]);
        }
        float li = lse[bh * p.N + i];
        [[unroll]] for (uint x = 0u; x < RPL; x++) acc[x] += exp(a[x] * p.scale - li);
    }
    [[unroll]] for (uint x = 0u; x < RPL; x++)
        if (j0 + x < p.N) col[bh * p.N + j0 + x] = acc[x];
}
