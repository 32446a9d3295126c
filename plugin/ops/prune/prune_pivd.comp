#version 450
#extension GL_GOOGLE_include_directive : require
// DART (docs/prune.md): tab[b][i][j] = d(pivot i, j) for every token j, PB
// pivots per invocation. A workgroup owns one image and one block of PB
// pivots, so the pivot rows' loads are the same for all its lanes (uniform:
// one load broadcast on llvmpipe), and each lane's own row j, read once per
// column, serves PB multiply-adds. Summed over the columns in ascending
// order with the terms of half_sq_diff: the bits of every prune path.
// The column loop runs Dm (<= 32768) times: inside llvmpipe's loop limiter.
#include "common.glsl"
#include "prune.glsl"
layout(constant_id = 2) const uint PB = 8;
layout(std430, binding = 0) readonly buffer M { ELEM metric[]; };
layout(std430, binding = 1) readonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) readonly buffer PIV { int piv[]; };
layout(std430, binding = 3) writeonly buffer TAB { float tab[]; };
// NJ blocks of WG tokens, NP blocks of PB pivots per image
layout(push_constant) uniform P { uint B; uint N; uint Dm; uint npiv; uint NJ; uint NP; } p;

void main() {
    uint WG = gl_WorkGroupSize.x;
    uint gid = group_linear(), per = p.NJ * p.NP;
    uint b = gid / per;
    if (b >= p.B) return; // uniform per workgroup
    uint pb = (gid - b * per) / p.NJ, jb = gid - b * per - pb * p.NJ;
    uint j = jb * WG + gl_LocalInvocationID.x;
    uint base = b * p.N;
    uint rp[PB];
    float ip[PB], acc[PB];
    for (uint k = 0u; k < PB; k++) {
        uint i = min(pb * PB + k, p.npiv - 1u);
        uint pv = min(uint(max(piv[b * p.npiv + i], 0)), p.N - 1u);
        rp[k] = (base + pv) * p.Dm;
        ip[k] = inv_l2[base + pv];
        acc[k] = 0.0;
    }
    uint rj = (base + min(j, p.N - 1u)) * p.Dm;
    float ij = inv_l2[base + min(j, p.N - 1u)];
    for (uint d = 0u; d < p.Dm; d++) {
        float x = float(metric[rj + d]);
        for (uint k = 0u; k < PB; k++) acc[k] += half_sq_diff(x, ij, float(metric[rp[k] + d]) * ip[k]);
    }
    if (j >= p.N) return;
    for (uint k = 0u; k < PB; k++) {
        uint i = pb * PB + k;
        if (i < p.npiv) tab[(b * p.npiv + i) * p.N + j] = ip[k] == 0.0 || ij == 0.0 ? 1.0 : 0.5 * acc[k];
    }
}
