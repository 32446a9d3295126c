#version 450
#extension GL_GOOGLE_include_directive : require
// DivPrune, distance-matrix path, GPUs: dm[g][i][j] = d(i, j) of the
// normalised rows xn of G images. A workgroup of 256 computes one 32 x 32
// tile of the upper triangle of tiles (d(i, j) and d(j, i) are the same
// bits: (a - b)^2 == (b - a)^2, so each pair is computed once and written to
// both halves; the diagonal is never written nor read), each invocation a
// 2 x 2 block of pairs. Columns go through shared memory 32 at a time,
// loaded row-contiguous (coalesced); each distance is summed over the
// columns in ascending order, as every prune kernel does (the zero padding
// past Dp adds exact zeros).
#include "common.glsl"
#include "prune.glsl"
layout(std430, binding = 0) readonly buffer XN { float xn[]; };
layout(std430, binding = 1) readonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) writeonly buffer DM { float dm[]; };
// rows of Dp floats (prune_unit's zero padding adds exact zeros);
// NT tiles of 32 rows per image side, NT (NT + 1) / 2 workgroups per image
layout(push_constant) uniform P { uint G; uint N; uint Dp; uint b0; uint NT; } p;

shared float sa[32][33];
shared float sb[32][33];

void main() {
    uint lid = gl_LocalInvocationID.x;
    uint gid = group_linear(), per = p.NT * (p.NT + 1u) / 2u;
    uint g = gid / per;
    if (g >= p.G) return; // uniform per workgroup
    uint q = gid - g * per, ti = 0u;
    while (q >= p.NT - ti) { q -= p.NT - ti; ti++; }
    uint tj = ti + q;
    uint i0 = ti * 32u, j0 = tj * 32u, base = g * p.N;
    uint ly = lid / 16u, lx = lid % 16u;
    float a00 = 0.0, a01 = 0.0, a10 = 0.0, a11 = 0.0;
    for (uint d0 = 0u; d0 < p.Dp; d0 += 32u) {
        for (uint e = 0u; e < 4u; e++) {
            uint idx = lid + 256u * e, r = idx / 32u, c = idx % 32u;
            bool inc = d0 + c < p.Dp;
            sa[r][c] = inc && i0 + r < p.N ? xn[(base + i0 + r) * p.Dp + d0 + c] : 0.0;
            sb[r][c] = inc && j0 + r < p.N ? xn[(base + j0 + r) * p.Dp + d0 + c] : 0.0;
        }
        barrier();
        for (uint c = 0u; c < 32u; c++) {
            float x0 = sa[ly][c], x1 = sa[ly + 16u][c], y0 = sb[lx][c], y1 = sb[lx + 16u][c];
            a00 += sq_diff(x0, y0);
            a01 += sq_diff(x0, y1);
            a10 += sq_diff(x1, y0);
            a11 += sq_diff(x1, y1);
        }
        barrier();
    }
    float acc[4] = float[4](a00, a01, a10, a11);
    uint gb = (p.b0 + g) * p.N;
    for (uint k = 0u; k < 4u; k++) {
        uint i = i0 + ly + 16u * (k >> 1), j = j0 + lx + 16u * (k & 1u);
        if (i >= p.N || j >= p.N || i == j) continue;
        float v = inv_l2[gb + i] == 0.0 || inv_l2[gb + j] == 0.0 ? 1.0 : 0.5 * acc[k];
        dm[(base + i) * p.N + j] = v;
        if (ti != tj) dm[(base + j) * p.N + i] = v;
    }
}
