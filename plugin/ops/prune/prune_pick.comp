#version 450
#extension GL_GOOGLE_include_directive : require
// prune, CPU-device path: one pick per image, one workgroup per image.
// Argmax of the distances over the tokens not kept yet, ties to the lower
// index (fixed-tree (key, index) reduction in shared memory: same bits
// whatever the workgroup or subgroup size); the pick is marked kept and
// written to pick[b] for the next prune_dist.
//   init 1: first clear kept (and mark the DART pivots), then, when take is
//           set, take DivPrune's first pick from the nn partials (NC chunks).
// Invocation lid owns tokens j = lid (mod WG): it alone touches their kept flag.
#define WG_MAX 256
#include "common.glsl"
#include "prune.glsl"
layout(std430, binding = 0) readonly buffer DIST { float dist[]; };
layout(std430, binding = 1) readonly buffer PART { float part[]; };
layout(std430, binding = 2) buffer KEPT { uint kept[]; };
layout(std430, binding = 3) readonly buffer PIV { int piv[]; };
layout(std430, binding = 4) writeonly buffer PICK { uint pick[]; };
layout(push_constant) uniform P { uint B; uint N; uint npiv; uint init; uint take; uint NC; } p;

shared uint red_k[WG_MAX];
shared uint red_i[WG_MAX];

void main() {
    uint b = group_linear();
    if (b >= p.B) return; // uniform per workgroup
    uint lid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
    uint base = b * p.N;
    if (p.init != 0u) {
        for (uint j = lid; j < p.N; j += WG) kept[base + j] = 0u;
        for (uint i = 0u; i < p.npiv; i++) {
            int pv = piv[b * p.npiv + i];
            if (pv >= 0 && uint(pv) < p.N && uint(pv) % WG == lid) kept[base + uint(pv)] = 1u;
        }
    }
    if (p.take == 0u) return;
    uint bk = 0u, bi = 0xffffffffu;
    for (uint j = lid; j < p.N; j += WG) {
        if (kept[base + j] != 0u) continue;
        float v;
        if (p.init != 0u) PRUNE_NN_MIN(part, base + j, p.NC, v) else v = dist[base + j];
        uint k = rank_key(v) + 1u;   // NaN above only the non-candidates (key 0)
        if (k > bk) { bk = k; bi = j; }
    }
    red_k[lid] = bk;
    red_i[lid] = bi;
    barrier();
    for (uint s = WG / 2u; s > 0u; s >>= 1) {
        if (lid < s) {
            uint k2 = red_k[lid + s], i2 = red_i[lid + s];
            if (k2 > red_k[lid] || (k2 == red_k[lid] && i2 < red_i[lid])) {
                red_k[lid] = k2;
                red_i[lid] = i2;
            }
        }
        barrier();
    }
    uint pk = red_k[0] != 0u ? red_i[0] : 0xffffffffu;
    if (pk < p.N && pk % WG == lid) kept[base + pk] = 1u;
    if (lid == 0u) pick[b] = pk;
}
