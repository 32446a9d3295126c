#version 450
#extension GL_GOOGLE_include_directive : require
// prune, CPU-device path (docs/prune.md): one selection step's distances.
// One invocation per token j of every image, four columns per loop
// iteration, so each invocation's loop stays far below llvmpipe's 65535
// back-edge limit whatever K (the fused prune_select would loop K times).
// The reference row r is pick[b] (DivPrune: the last pick) or, when
// piv_slot < npiv, pivot piv_slot of image b (DART).
//   fold 0: dist[j] = d(r, j)               (DART; DivPrune's first step)
//   fold 1: dist[j] = min(dist[j], d(r, j))  (DivPrune, NaN-propagating)
// Kept tokens are skipped (their dist is never read again).
#include "common.glsl"
#include "prune.glsl"
layout(std430, binding = 0) readonly buffer M { ELEM metric[]; };
layout(std430, binding = 1) readonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) buffer DIST { float dist[]; };
layout(std430, binding = 3) readonly buffer KEPT { uint kept[]; };
layout(std430, binding = 4) readonly buffer PIV { int piv[]; };
layout(std430, binding = 5) readonly buffer PICK { uint pick[]; };
layout(push_constant) uniform P { uint B; uint N; uint Dm; uint npiv; uint piv_slot; uint fold; } p;

void main() {
    uint slot = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (slot >= p.B * p.N) return;
    uint b = slot / p.N;
    if (kept[slot] != 0u) return;
    uint r = p.piv_slot < p.npiv ? uint(piv[b * p.npiv + p.piv_slot]) : pick[b];
    if (r >= p.N) return; // no pick (cannot happen while K <= N): leave dist as it is
    uint ra = (b * p.N + r) * p.Dm, rj = slot * p.Dm;
    float ia = inv_l2[b * p.N + r], ij = inv_l2[slot];
    float dd = 1.0;
    if (ia != 0.0 && ij != 0.0) {
        float s = 0.0;
        uint d = 0u;
        for (; d + 4u <= p.Dm; d += 4u) {
            s += half_sq_diff(float(metric[rj + d]), ij, float(metric[ra + d]) * ia);
            s += half_sq_diff(float(metric[rj + d + 1u]), ij, float(metric[ra + d + 1u]) * ia);
            s += half_sq_diff(float(metric[rj + d + 2u]), ij, float(metric[ra + d + 2u]) * ia);
            s += half_sq_diff(float(metric[rj + d + 3u]), ij, float(metric[ra + d + 3u]) * ia);
        }
        for (; d < p.Dm; d++) s += half_sq_diff(float(metric[rj + d]), ij, float(metric[ra + d]) * ia);
        dd = 0.5 * s;
    }
    float m = dist[slot];
    if (p.fold == 0u || isnan(dd) || dd < m) m = dd;
    dist[slot] = m;
}
