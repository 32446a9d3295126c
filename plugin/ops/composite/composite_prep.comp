#version 450
#extension GL_GOOGLE_include_directive : require
// Composite attention, step 1: per image, a stable partition of the query
// rows into text rows then visual rows (see composite.glsl for the layout).
// The attention kernels grid over this list, so a visual row (a copy) never
// runs a key loop and whole workgroups are not spent on visual runs.
// Each invocation owns a contiguous chunk of rows: one scan in all.
#define WG_MAX 256
#include "common.glsl"
#include "wg_reduce.glsl"
#include "composite.glsl"
layout(std430, binding = 0) readonly buffer KD { uint kind_w[]; };   // u8 kind[B][Nk], read as words
layout(std430, binding = 1) writeonly buffer M { uint meta[]; };

bool is_text(uint idx) { return ((kind_w[idx >> 2] >> ((idx & 3u) * 8u)) & 255u) == 0u; }

void main() {
    uint b = group_linear();
    if (b >= p.B) return; // uniform per workgroup
    uint lid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
    uint per = (p.Nq + WG - 1u) / WG;
    uint r0 = min(lid * per, p.Nq), r1 = min(r0 + per, p.Nq);
    uint kbase = b * p.Nk + (p.Nk - p.Nq);
    uint cnt = 0u;
    for (uint r = r0; r < r1; r++) cnt += is_text(kbase + r) ? 1u : 0u;
    uint total;
    uint tpos = wg_exclusive_scan(cnt, total);
    uint vpos = total + (r0 - tpos);   // rows before r0 that are visual
    uint lb = list_base(b);
    for (uint r = r0; r < r1; r++) {
        if (is_text(kbase + r)) meta[lb + tpos++] = r;
        else meta[lb + vpos++] = r;
    }
    if (lid == 0u) meta[b] = total;
}
