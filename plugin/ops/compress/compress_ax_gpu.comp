#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2) attention-weighted token sums, GPU variant of
// compress_ax (same bindings and push constants; see there for the algebra):
// y[b][r][f] = sum_j A[b][arow(r, f)][j] * xn[b][j][f].
// Workgroup = (image, block of RB rows, block of QW column quads) with a
// split over tokens: lane l takes quad l % QW and tokens j = l / QW + k*KS, so
// the QW lanes of one token slice read QW adjacent x quads (coalesced) and
// C=1, N=576 runs E/(4 QW) workgroups of QW*KS lanes (4096 invocations at
// E=1024) instead of a few dozen. The KS partial sums of each output are then
// added in slice order through shared memory (fixed order: the same bits run
// after run, no atomics). Only barriers and shared memory: the slices of one
// output sit 16 lanes apart, and a subgroup shuffle across them would assume
// how lanes map to subgroups, so the sh and sg builds are the same program. Each lane holds RB vec4 accumulators (no spills).
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
#include "compress_tiles.h"
layout(constant_id = 4) const uint RB = 8u;  // rows per workgroup (1, 4 or 8 from the row count)
// SHARED: the four columns of a quad use the same A row (fgroup % 4 == 0)
layout(constant_id = 2) const uint SHARED = 1;
layout(constant_id = 3) const uint X4 = 1;   // x's binding offset is vec4-aligned
const uint QW = CMP_GPU_QW;  // column quads per workgroup
const uint KS = CMP_GPU_KS;  // token slices per workgroup (local_size_x = QW * KS)
layout(std430, binding = 0) readonly buffer A { float a[]; };        // [B][Ra][N]
layout(std430, binding = 1) readonly buffer Xin { ELEM4 x4[]; };     // [B][N][E/4]
layout(std430, binding = 1) readonly buffer Xs { ELEM xs[]; };
layout(std430, binding = 2) readonly buffer S { vec2 stats[]; };     // [B][N]
layout(std430, binding = 3) readonly buffer G { vec4 gamma4[]; };
layout(std430, binding = 4) readonly buffer Bt { vec4 beta4[]; };
layout(std430, binding = 5) writeonly buffer Y { vec4 y4[]; };       // [B][R][E/4]
layout(push_constant) uniform P {
    uint B; uint N; uint E; uint R; uint Ra;
    uint a_rs; uint a_gs; uint fgroup; uint use_ln;
} p;

shared vec4 part[KS * QW];

vec4 ldx(uint q) {
    if (X4 != 0u) return vec4(x4[q]);
    uint i = 4u * q;
    return vec4(float(xs[i]), float(xs[i + 1u]), float(xs[i + 2u]), float(xs[i + 3u]));
}

void main() {
    uint lid = gl_LocalInvocationID.x;
    uint ql = lid % QW, slice = lid / QW;
    uint E4 = p.E / 4u;
    uint nqb = (E4 + QW - 1u) / QW;
    uint nrb = (p.R + RB - 1u) / RB;
    uint lin = group_linear();
    if (lin >= p.B * nrb * nqb) return;   // whole workgroup
    uint qb = lin % nqb, t = lin / nqb;
    uint rb = t % nrb, b = t / nrb;
    uint row0 = rb * RB, q = qb * QW + ql;
    uint qc = min(q, E4 - 1u);   // lanes past E/4 compute a clamped quad and store nothing
    // A row offsets per (row, column of the quad); equal across c when SHARED
    uvec4 arow[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) {
        uint base = b * p.Ra + min(row0 + r, p.R - 1u) * p.a_rs;
        [[unroll]] for (uint c = 0u; c < 4u; c++)
            arow[r][c] = (base + ((4u * qc + (SHARED != 0u ? 0u : c)) / p.fgroup) * p.a_gs) * p.N;
    }
    vec4 acc[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) acc[r] = vec4(0.0);
    for (uint j = slice; j < p.N; j += KS) {
        vec2 st = p.use_ln != 0u ? stats[b * p.N + j] : vec2(0.0, 1.0);
        vec4 xv = (ldx((b * p.N + j) * E4 + qc) - st.x) * st.y;
        [[unroll]] for (uint r = 0u; r < RB; r++) {
            if (SHARED != 0u) {
                acc[r] += a[arow[r].x + j] * xv;
            } else {
                acc[r] += vec4(a[arow[r].x + j], a[arow[r].y + j], a[arow[r].z + j], a[arow[r].w + j]) * xv;
            }
        }
    }
    vec4 gm = vec4(1.0), bt = vec4(0.0);
    if (p.use_ln != 0u) {
        gm = gamma4[qc];
        bt = beta4[qc];
    }
    [[unroll]] for (uint r = 0u; r < RB; r++) {
        part[lid] = acc[r];
        barrier();
        if (slice == 0u) {
            vec4 s = part[ql];
            for (uint k = 1u; k < KS; k++) s += part[k * QW + ql];
            uint row = row0 + r;
            if (q < E4 && row < p.R) y4[(b * p.R + row) * E4 + q] = s * gm + bt;
        }
        barrier();
    }
}
