#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2) attention logits, GPU variant of compress_scores (same
// bindings, push constants and meaning of use_stats / use_pb; see there).
// Workgroup = (image, block of TJ tokens, block of RB rows); its invocations
// split the E/4 column quads (lane l takes quads l, l + LX, ...), so adjacent
// lanes read adjacent addresses of x[j] and of each weight row, and C=1,
// N=576 (TJ = 1) runs 576 workgroups instead of a few dozen register-blocked
// invocations; with many rows (TJ = 4) each weight quad loaded serves four
// tokens. Each lane keeps RB x TJ partial dot products (plus the squared
// deviations when it computes the LN statistics); one fixed-order workgroup reduction
// (subgroupAdd per subgroup then the subgroups in index order, or a shared
// tree) combines them, so the result is the same run after run.
// use_stats 2: every row block computes the statistics of its token (x[j]
// is 4 E bytes, read from cache the second time); row block 0 stores them.
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
#include "compress_tiles.h"
// RB: rows per workgroup (the host picks 1, 4 or 8 from the row count); TJ: tokens.
layout(constant_id = 3) const uint RB = 8u;
layout(constant_id = 4) const uint TJ = 1u;
layout(constant_id = 2) const uint X4 = 1;   // x's binding offset is vec4-aligned
const uint LMAX = CMP_GPU_SC_WG;                      // the host dispatches local_size_x <= LMAX
layout(std430, binding = 0) readonly buffer Xin { ELEM4 x4[]; };     // [B][N][E/4]
layout(std430, binding = 0) readonly buffer Xs { ELEM xs[]; };
layout(std430, binding = 1) readonly buffer W { vec4 w[]; };         // [R][E/4]
layout(std430, binding = 2) buffer S { vec2 stats[]; };              // [B][N]
layout(std430, binding = 3) readonly buffer PB { float pb[]; };      // [R][N]
layout(std430, binding = 4) writeonly buffer L { float logit[]; };   // [B][R][N]
layout(push_constant) uniform P { uint B; uint N; uint E; uint R; uint use_stats; uint use_pb; float eps; } p;

// one slot per (value, lane): RB dot products and the squared deviations
shared float red[(RB + 1u) * TJ * LMAX];

vec4 ldx(uint q) {
    if (X4 != 0u) return vec4(x4[q]);
    uint i = 4u * q;
    return vec4(float(xs[i]), float(xs[i + 1u]), float(xs[i + 2u]), float(xs[i + 3u]));
}

// Sums v over the workgroup into red[k * LMAX] (read after the call).
// Every lane calls it with the same k, in uniform control flow.
void reduce_into(uint k, float v) {
    uint lid = gl_LocalInvocationID.x;
#ifdef USE_SUBGROUP
    float s = subgroupAdd(v);
    if (subgroupElect()) red[k * LMAX + gl_SubgroupID] = s;
#else
    red[k * LMAX + lid] = v;
#endif
}

// Finishes every pending reduce_into: afterwards red[k * LMAX] holds slot k's total.
void reduce_finish(uint nk) {
    uint lid = gl_LocalInvocationID.x;
    barrier();
#ifdef USE_SUBGROUP
    if (lid < nk) {
        float t = 0.0;
        for (uint i = 0u; i < gl_NumSubgroups; i++) t += red[lid * LMAX + i];
        red[lid * LMAX] = t;
    }
    barrier();
#else
    for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1) {
        if (lid < s)
            for (uint k = 0u; k < nk; k++) red[k * LMAX + lid] += red[k * LMAX + lid + s];
        barrier();
    }
#endif
}

void main() {
    const uint LX = gl_WorkGroupSize.x;
    const uint NS = RB * TJ;   // slots: dot products [r][t], then squared deviations [t]
    uint lid = gl_LocalInvocationID.x;
    uint lin = group_linear();
    uint nrb = (p.R + RB - 1u) / RB, njb = (p.N + TJ - 1u) / TJ;
    if (lin >= p.B * nrb * njb) return;   // whole workgroup
    uint jb = lin % njb, t = lin / njb;
    uint rb = t % nrb, b = t / nrb;
    uint row0 = rb * RB, j0 = jb * TJ;
    uint E4 = p.E / 4u;
    uint xrow[TJ];
    float mean[TJ];
    [[unroll]] for (uint k = 0u; k < TJ; k++) {
        uint j = min(j0 + k, p.N - 1u);   // clamped tokens are discarded
        xrow[k] = (b * p.N + j) * E4;
        mean[k] = p.use_stats == 1u ? stats[b * p.N + j].x : 0.0;
    }
    if (p.use_stats == 2u) {
        float s[TJ];
        [[unroll]] for (uint k = 0u; k < TJ; k++) s[k] = 0.0;
        for (uint f = lid; f < E4; f += LX) {
            [[unroll]] for (uint k = 0u; k < TJ; k++) {
                vec4 xv = ldx(xrow[k] + f);
                s[k] += (xv.x + xv.y) + (xv.z + xv.w);
            }
        }
        [[unroll]] for (uint k = 0u; k < TJ; k++) reduce_into(k, s[k]);
        reduce_finish(TJ);
        [[unroll]] for (uint k = 0u; k < TJ; k++) mean[k] = red[k * LMAX] / float(p.E);
        barrier();   // red is reused below
    }
    uint wrow[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) wrow[r] = min(row0 + r, p.R - 1u) * E4; // clamped rows are discarded
    float acc[RB][TJ], s2[TJ];
    [[unroll]] for (uint k = 0u; k < TJ; k++) {
        s2[k] = 0.0;
        [[unroll]] for (uint r = 0u; r < RB; r++) acc[r][k] = 0.0;
    }
    for (uint f = lid; f < E4; f += LX) {
        vec4 xv[TJ];
        [[unroll]] for (uint k = 0u; k < TJ; k++) {
            xv[k] = ldx(xrow[k] + f) - mean[k];
            s2[k] += dot(xv[k], xv[k]);
        }
        [[unroll]] for (uint r = 0u; r < RB; r++) {
            vec4 wv = w[wrow[r] + f];
            [[unroll]] for (uint k = 0u; k < TJ; k++) acc[r][k] += dot(xv[k], wv);
        }
    }
    [[unroll]] for (uint r = 0u; r < RB; r++)
        [[unroll]] for (uint k = 0u; k < TJ; k++) reduce_into(r * TJ + k, acc[r][k]);
    [[unroll]] for (uint k = 0u; k < TJ; k++) reduce_into(NS + k, s2[k]);
    reduce_finish(NS + TJ);
    // lane (r, k) < NS stores one logit; lanes k < TJ of row block 0 the statistics
    if (lid < NS) {
        uint r = lid / TJ, k = lid % TJ, row = row0 + r, j = j0 + k;
        float rs = p.use_stats == 2u ? inversesqrt(red[(NS + k) * LMAX] / float(p.E) + p.eps)
                                     : p.use_stats == 1u ? stats[b * p.N + min(j, p.N - 1u)].y : 1.0;
        if (row < p.R && j < p.N)
            logit[(b * p.R + row) * p.N + j] = red[lid * LMAX] * rs + (p.use_pb != 0u ? pb[row * p.N + j] : 0.0);
    }
    if (p.use_stats == 2u && rb == 0u && lid < TJ && j0 + lid < p.N) {
        float mk = 0.0;
        [[unroll]] for (uint k = 0u; k < TJ; k++) if (k == lid) mk = mean[k];
        stats[b * p.N + j0 + lid] = vec2(mk, inversesqrt(red[(NS + lid) * LMAX] / float(p.E) + p.eps));
    }
}
