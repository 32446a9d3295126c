#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2) attention logits, GPU variant of compress_scores (same
// bindings, push constants and meaning of use_stats / use_pb; see there).
// Workgroup = (image, token j, block of RB rows); its invocations split the
// E/4 column quads (lane l takes quads l, l + LX, ...), so adjacent lanes read
// adjacent addresses of x[j] and of each weight row, and C=1, N=576 runs 576
// workgroups instead of a few dozen register-blocked invocations. Each lane
// keeps RB partial dot products (plus the squared deviations when it
// computes the LN statistics); one fixed-order workgroup reduction
// (subgroupAdd per subgroup then the subgroups in index order, or a shared
// tree) combines them, so the result is the same run after run.
// use_stats 2: every row block computes the statistics of its token (x[j]
// is 4 E bytes, read from cache the second time); row block 0 stores them.
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
// RB: rows per workgroup (the host picks 1, 4 or 8 from the row count).
layout(constant_id = 3) const uint RB = 8u;
layout(constant_id = 2) const uint X4 = 1;   // x's binding offset is vec4-aligned
const uint LMAX = 64u;                       // the host dispatches local_size_x <= LMAX
layout(std430, binding = 0) readonly buffer Xin { ELEM4 x4[]; };     // [B][N][E/4]
layout(std430, binding = 0) readonly buffer Xs { ELEM xs[]; };
layout(std430, binding = 1) readonly buffer W { vec4 w[]; };         // [R][E/4]
layout(std430, binding = 2) buffer S { vec2 stats[]; };              // [B][N]
layout(std430, binding = 3) readonly buffer PB { float pb[]; };      // [R][N]
layout(std430, binding = 4) writeonly buffer L { float logit[]; };   // [B][R][N]
layout(push_constant) uniform P { uint B; uint N; uint E; uint R; uint use_stats; uint use_pb; float eps; } p;

// one slot per (value, lane): RB dot products and the squared deviations
shared float red[(RB + 1u) * LMAX];

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
    uint lid = gl_LocalInvocationID.x;
    uint lin = group_linear();
    uint nrb = (p.R + RB - 1u) / RB;
    if (lin >= p.B * nrb * p.N) return;   // whole workgroup
    uint j = lin % p.N, t = lin / p.N;
    uint rb = t % nrb, b = t / nrb;
    uint row0 = rb * RB;
    uint E4 = p.E / 4u;
    uint xrow = (b * p.N + j) * E4;
    float mean = 0.0, rstd = 1.0;
    if (p.use_stats == 1u) {
        vec2 st = stats[b * p.N + j];
        mean = st.x;
        rstd = st.y;
    } else if (p.use_stats == 2u) {
        float s = 0.0;
        for (uint f = lid; f < E4; f += LX) {
            vec4 xv = ldx(xrow + f);
            s += (xv.x + xv.y) + (xv.z + xv.w);
        }
        reduce_into(0u, s);
        reduce_finish(1u);
        mean = red[0] / float(p.E);
        barrier();   // red is reused below
    }
    uint wrow[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) wrow[r] = min(row0 + r, p.R - 1u) * E4; // clamped rows are discarded
    float acc[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) acc[r] = 0.0;
    float s2 = 0.0;
    for (uint f = lid; f < E4; f += LX) {
        vec4 xv = ldx(xrow + f) - mean;
        s2 += dot(xv, xv);
        [[unroll]] for (uint r = 0u; r < RB; r++) acc[r] += dot(xv, w[wrow[r] + f]);
    }
    [[unroll]] for (uint r = 0u; r < RB; r++) reduce_into(r, acc[r]);
    reduce_into(RB, s2);
    reduce_finish(RB + 1u);
    if (p.use_stats == 2u) rstd = inversesqrt(red[RB * LMAX] / float(p.E) + p.eps);
    if (lid < RB && row0 + lid < p.R) {
        uint row = row0 + lid;
        logit[(b * p.R + row) * p.N + j] = red[lid * LMAX] * rstd + (p.use_pb != 0u ? pb[row * p.N + j] : 0.0);
    }
    if (p.use_stats == 2u && rb == 0u && lid == 0u) stats[b * p.N + j] = vec2(mean, rstd);
}
