#version 450
#extension GL_GOOGLE_include_directive : require
// merge (SPEC 1.3) step 2: per (image, target) the ascending list of the
// rest positions assigned to it, so the reduce pass reads only its own
// sources. offset = sources of lower targets, count = its own; the list of
// image b lives at list[b*R + offset ...]. Deterministic (no atomics).
#include "common.glsl"
layout(std430, binding = 0) readonly buffer A { int assign_in[]; };
layout(std430, binding = 1) writeonly buffer L { int list[]; };
layout(std430, binding = 2) writeonly buffer OC { uint offcnt[]; }; // [B][c][2]
layout(push_constant) uniform P { uint B; uint R; uint c; uint step; } p;

// Targets sit at rest positions 0, step, 2*step, ... (c of them); the loops
// step a "next target" cursor instead of testing pos % step, because integer
// division has no SIMD form on CPU devices (it runs lane by lane there).
void main() {
    uint e = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (e >= p.B * p.c) return;
    uint b = e / p.c;
    int i = int(e - b * p.c);
    uint off = 0u, cnt = 0u;
    uint next_t = 0u, nt = 0u;
    for (uint pos = 0u; pos < p.R; pos++) {
        if (pos == next_t && nt < p.c) { nt++; next_t += p.step; continue; }
        int a = assign_in[b * p.R + pos];
        if (a < 0) continue;
        if (a < i) off++;
        else if (a == i) cnt++;
    }
    offcnt[2u * e] = off;
    offcnt[2u * e + 1u] = cnt;
    uint j = 0u;
    next_t = 0u;
    nt = 0u;
    for (uint pos = 0u; pos < p.R && j < cnt; pos++) {
        if (pos == next_t && nt < p.c) { nt++; next_t += p.step; continue; }
        if (assign_in[b * p.R + pos] != i) continue;
        uint at = off + j;
        if (at < p.R) list[b * p.R + at] = int(pos);
        j++;
    }
}
