#version 450
#extension GL_GOOGLE_include_directive : require
// DivPrune's first pick needs, per row i, its nearest-neighbour distance
// nn(i) = min over j != i of d(i, j) (+inf when N = 1). No N x N buffer:
// invocation (b, i-group, chunk c) owns TI rows (spec constant 2: 1 on GPUs,
// where B*N invocations fill the device; 4 on CPU devices, where each row j
// read once serves all TI rows) and the rows j of chunk c, and writes its
// partial minimum to part[(b*N + i)*NC + c]; the consumer takes the minimum
// over the NC chunks. Chunks bound each invocation's loop trip count
// (llvmpipe stops an invocation after 65535 loop back-edges in total); a
// minimum is exact in any order, so chunking never changes a bit.
// A NaN distance propagates into the minimum (NaN ranks last in the argmax).
#include "common.glsl"
#include "prune.glsl"
layout(constant_id = 2) const uint TI = 1;
layout(std430, binding = 0) readonly buffer M { ELEM metric[]; };
layout(std430, binding = 1) readonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) writeonly buffer DIST { float part[]; };
layout(push_constant) uniform P { uint B; uint N; uint Dm; uint JC; uint NC; } p;

void main() {
    uint slot = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint groups = (p.N + TI - 1u) / TI;
    if (slot >= p.B * groups * p.NC) return;
    uint c = slot % p.NC, g = slot / p.NC;
    uint b = g / groups, i0 = (g - b * groups) * TI;
    uint base = b * p.N;
    float m[TI], acc[TI], inv_i[TI];
    uint ri[TI];
    for (uint t = 0u; t < TI; t++) {
        m[t] = uintBitsToFloat(0x7f800000u); // +inf
        inv_i[t] = i0 + t < p.N ? inv_l2[base + i0 + t] : 0.0;
        // rows past N read row N-1 (in bounds); their result is never written
        ri[t] = (base + min(i0 + t, p.N - 1u)) * p.Dm;
    }
    uint j1 = min(p.N, (c + 1u) * p.JC);
    for (uint j = c * p.JC; j < j1; j++) {
        for (uint t = 0u; t < TI; t++) acc[t] = 0.0;
        uint rj = (base + j) * p.Dm;
        float inv_j = inv_l2[base + j];
        uint d = 0u;
        // four columns per iteration: a quarter of the back-edges
        for (; d + 4u <= p.Dm; d += 4u) {
            vec4 y = vec4(float(metric[rj + d]), float(metric[rj + d + 1u]), float(metric[rj + d + 2u]),
                          float(metric[rj + d + 3u])) * inv_j;
            for (uint t = 0u; t < TI; t++) {
                acc[t] += half_sq_diff(float(metric[ri[t] + d]), inv_i[t], y.x);
                acc[t] += half_sq_diff(float(metric[ri[t] + d + 1u]), inv_i[t], y.y);
                acc[t] += half_sq_diff(float(metric[ri[t] + d + 2u]), inv_i[t], y.z);
                acc[t] += half_sq_diff(float(metric[ri[t] + d + 3u]), inv_i[t], y.w);
            }
        }
        for (; d < p.Dm; d++) {
            float y = float(metric[rj + d]) * inv_j;
            for (uint t = 0u; t < TI; t++) acc[t] += half_sq_diff(float(metric[ri[t] + d]), inv_i[t], y);
        }
        for (uint t = 0u; t < TI; t++) {
            if (i0 + t == j) continue;
            float dd = inv_i[t] == 0.0 || inv_j == 0.0 ? 1.0 : 0.5 * acc[t];
            if (isnan(dd) || dd < m[t]) m[t] = dd;
        }
    }
    for (uint t = 0u; t < TI; t++)
        if (i0 + t < p.N) part[(base + i0 + t) * p.NC + c] = m[t];
}
