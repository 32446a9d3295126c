#version 450
#extension GL_GOOGLE_include_directive : require
// merge (SPEC 1.3) step 2: contextual[i] = hidden[t_i] + mean of the
// hidden rows of the sources assigned to i (the target added whole).
// One invocation per (image, target, 4 columns): it walks its target's
// source list (ascending rest positions, from merge_bucket) and sums in that
// order, so the result is bit-identical run after run (no atomics).
// Also writes src_idx[b][src_row_offset + i] = t_i when asked.
#include "common.glsl"
layout(std430, binding = 0) readonly buffer H { ELEM hidden[]; };
layout(std430, binding = 1) readonly buffer RI { int rest_idx[]; };
layout(std430, binding = 2) readonly buffer L { int list[]; };
layout(std430, binding = 5) readonly buffer OC { uint offcnt[]; };
layout(std430, binding = 3) writeonly buffer O { ELEM dst[]; };
layout(std430, binding = 4) writeonly buffer S { int src_idx[]; };
layout(push_constant) uniform P {
    uint B; uint N; uint D; uint R; uint c; uint step;
    uint out_rows; uint row_offset;       // dst: rows per image, first contextual row
    uint write_src; uint src_rows; uint src_offset;
} p;

void main() {
    uint D4 = (p.D + 3u) / 4u;
    uint e = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (e >= p.B * p.c * D4) return;
    uint b = e / (p.c * D4), rem = e - b * p.c * D4;
    uint i = rem / D4, d0 = (rem - i * D4) * 4u;
    uint nd = min(4u, p.D - d0);
    vec4 acc = vec4(0.0);
    uint count = 0u;
    uint off = offcnt[2u * (b * p.c + i)], n = offcnt[2u * (b * p.c + i) + 1u];
    for (uint j = 0u; j < n && off + j < p.R; j++) {
        int s = rest_idx[b * p.R + uint(list[b * p.R + off + j])];
        if (s < 0 || uint(s) >= p.N) continue;
        uint row = (b * p.N + uint(s)) * p.D + d0;
        // straight-line for full chunks: an inner loop here would count against
        // lavapipe's per-invocation loop limit once per source
        if (nd == 4u) acc += vec4(float(hidden[row]), float(hidden[row + 1u]), float(hidden[row + 2u]), float(hidden[row + 3u]));
        else for (uint k = 0u; k < nd; k++) acc[k] += float(hidden[row + k]);
        count++;
    }
    int t = rest_idx[b * p.R + i * p.step];
    bool tv = t >= 0 && uint(t) < p.N;
    float cnt = float(max(count, 1u));
    uint o = (b * p.out_rows + p.row_offset + i) * p.D + d0;
    for (uint k = 0u; k < nd; k++) {
        float base = tv ? float(hidden[(b * p.N + uint(t)) * p.D + d0 + k]) : 0.0;
        dst[o + k] = ELEM(base + acc[k] / cnt);
    }
    if (p.write_src != 0u && d0 == 0u) src_idx[b * p.src_rows + p.src_offset + i] = t;
}
