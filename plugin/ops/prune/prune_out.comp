#version 450
#extension GL_GOOGLE_include_directive : require
// prune, CPU-device path: the kept flags to keep_idx (and src_idx) ascending
// and the other tokens to rest_idx ascending, one scan in index order per
// image (one workgroup per image).
#define WG_MAX 256
#include "common.glsl"
#include "wg_reduce.glsl"
layout(std430, binding = 0) readonly buffer KEPT { uint kept[]; };
layout(std430, binding = 1) writeonly buffer KI { int keep_idx[]; };
layout(std430, binding = 2) writeonly buffer SI { int src_idx[]; };
layout(std430, binding = 3) writeonly buffer RI { int rest_idx[]; };
layout(push_constant) uniform P { uint B; uint N; uint K; uint write_keep; uint write_src; uint src_rows; uint write_rest; } p;

void main() {
    uint b = group_linear();
    if (b >= p.B) return; // uniform per workgroup
    uint lid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
    uint base = b * p.N, nk = 0u, nr = 0u, nrest = p.N - p.K;
    for (uint c0 = 0u; c0 < p.N; c0 += WG) {
        uint j = c0 + lid;
        bool valid = j < p.N;
        bool k = valid && kept[base + j] != 0u;
        uint ktot, rtot;
        uint kpos = wg_exclusive_scan(k ? 1u : 0u, ktot);
        uint rpos = wg_exclusive_scan(valid && !k ? 1u : 0u, rtot);
        if (k && nk + kpos < p.K) {
            if (p.write_keep != 0u) keep_idx[b * p.K + nk + kpos] = int(j);
            if (p.write_src != 0u) src_idx[b * p.src_rows + nk + kpos] = int(j);
        }
        if (valid && !k && p.write_rest != 0u && nr + rpos < nrest) rest_idx[b * nrest + nr + rpos] = int(j);
        nk += ktot;
        nr += rtot;
    }
}
