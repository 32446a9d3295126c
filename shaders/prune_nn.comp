#version 450
#extension GL_GOOGLE_include_directive : require
// DivPrune's first pick needs, per row i, its nearest-neighbour distance
// nn(i) = min over j != i of d(i, j) (+inf when N = 1): written into
// dist[b][i] for prune_select to take the argmax of. No N x N buffer: each
// invocation owns TI rows (spec constant 2: 1 on GPUs, where B*N
// invocations fill the device; 4 on CPU devices, where each row j read once
// serves all TI rows, the register blocking lavapipe likes).
// A NaN distance propagates into the minimum (NaN ranks last in the argmax).
#include "common.glsl"
#include "prune.glsl"
layout(constant_id = 2) const uint TI = 1;
layout(std430, binding = 0) readonly buffer M { ELEM metric[]; };
layout(std430, binding = 1) readonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) writeonly buffer DIST { float dist[]; };
layout(push_constant) uniform P { uint B; uint N; uint Dm; } p;

void main() {
    uint slot = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint per_image = (p.N + TI - 1u) / TI;
    if (slot >= p.B * per_image) return;
    uint b = slot / per_image, i0 = (slot - b * per_image) * TI;
    uint base = b * p.N;
    float m[TI], acc[TI], inv_i[TI];
    for (uint t = 0u; t < TI; t++) {
        m[t] = uintBitsToFloat(0x7f800000u); // +inf
        inv_i[t] = i0 + t < p.N ? inv_l2[base + i0 + t] : 0.0;
    }
    for (uint j = 0u; j < p.N; j++) {
        for (uint t = 0u; t < TI; t++) acc[t] = 0.0;
        uint rj = (base + j) * p.Dm;
        float inv_j = inv_l2[base + j];
        for (uint d = 0u; d < p.Dm; d++) {
            float yj = float(metric[rj + d]) * inv_j;
            for (uint t = 0u; t < TI; t++) {
                // rows past N read row N-1 (in bounds); their result is never written
                uint ri = (base + min(i0 + t, p.N - 1u)) * p.Dm;
                acc[t] += half_sq_diff(float(metric[ri + d]), inv_i[t], yj);
            }
        }
        for (uint t = 0u; t < TI; t++) {
            if (i0 + t == j) continue;
            float dd = inv_i[t] == 0.0 || inv_j == 0.0 ? 1.0 : 0.5 * acc[t];
            if (isnan(dd) || dd < m[t]) m[t] = dd;
        }
    }
    for (uint t = 0u; t < TI; t++)
        if (i0 + t < p.N) dist[base + i0 + t] = m[t];
}
