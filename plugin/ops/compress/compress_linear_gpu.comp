#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2) projections, GPU variant of compress_linear (same
// bindings and push constants; see there):
// out[b][r][o] = sum_f in[b][inrow(r, o)][f] * WT[f][o] + bias[o].
// Workgroup = (image, block of RB rows, block of QW output quads) with a
// split over the input columns: lane l takes output quad l % QW and input
// quads f4 = l / QW + k*KS, so the QW lanes of one slice read QW adjacent
// weight quads of a row of WT (coalesced; the input values are the same
// for those lanes). C=1 (one row) runs O/(4 QW) workgroups of QW*KS lanes,
// 4096 invocations at E=1024. The KS partial sums of each output are added
// in slice order through shared memory (fixed order, no atomics). Only
// barriers and shared memory: the slices of one output sit 16 lanes apart, and
// a subgroup shuffle across them would assume how lanes map to subgroups, so
// the sh and sg builds are the same program.
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
#include "compress_tiles.h"
layout(constant_id = 4) const uint RB = 8u;  // rows per workgroup (1, 4 or 8 from the row count)
// SHARED: the four outputs of a quad read the same input row (in_gs == 0 or ogroup % 4 == 0)
layout(constant_id = 2) const uint SHARED = 1;
layout(constant_id = 3) const uint O4A = 1;  // out's binding offset is vec4-aligned
const uint QW = CMP_GPU_QW;  // output quads per workgroup
const uint KS = CMP_GPU_KS;  // input slices per workgroup (local_size_x = QW * KS)
layout(std430, binding = 0) readonly buffer In4 { vec4 xin4[]; };
layout(std430, binding = 1) readonly buffer W { vec4 wt4[]; };       // [F][O/4]
layout(std430, binding = 2) readonly buffer Bs { vec4 bias4[]; };    // [O/4]
layout(std430, binding = 3) writeonly buffer O { ELEM4 o4[]; };
layout(std430, binding = 3) writeonly buffer Os { ELEM os[]; };
layout(push_constant) uniform P {
    uint B; uint R; uint F; uint O;
    uint in_bs; uint in_rs; uint in_gs; uint ogroup;
    uint out_bs; uint out_rs;
} p;

shared vec4 part[KS * QW];

void main() {
    uint lid = gl_LocalInvocationID.x;
    uint ql = lid % QW, slice = lid / QW;
    uint O4 = p.O / 4u;
    uint nqb = (O4 + QW - 1u) / QW;
    uint nrb = (p.R + RB - 1u) / RB;
    uint lin = group_linear();
    if (lin >= p.B * nrb * nqb) return;   // whole workgroup
    uint qb = lin % nqb, t = lin / nqb;
    uint rb = t % nrb, b = t / nrb;
    uint row0 = rb * RB, q = qb * QW + ql;
    uint qc = min(q, O4 - 1u);   // lanes past O/4 compute a clamped quad and store nothing
    // input row (in vec4s) per (row, output column of the quad); equal across c when SHARED
    uvec4 ib[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) {
        uint base = b * p.in_bs + min(row0 + r, p.R - 1u) * p.in_rs;
        [[unroll]] for (uint c = 0u; c < 4u; c++)
            ib[r][c] = (base + ((4u * qc + (SHARED != 0u ? 0u : c)) / p.ogroup) * p.in_gs) >> 2;
    }
    vec4 acc[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) acc[r] = vec4(0.0);
    uint F4 = p.F / 4u;
    for (uint f = slice; f < F4; f += KS) {
        vec4 w0 = wt4[(4u * f) * O4 + qc], w1 = wt4[(4u * f + 1u) * O4 + qc];
        vec4 w2 = wt4[(4u * f + 2u) * O4 + qc], w3 = wt4[(4u * f + 3u) * O4 + qc];
        [[unroll]] for (uint r = 0u; r < RB; r++) {
            if (SHARED != 0u) {
                vec4 xv = xin4[ib[r].x + f];
                acc[r] += xv.x * w0 + xv.y * w1 + xv.z * w2 + xv.w * w3;
            } else {
                [[unroll]] for (uint c = 0u; c < 4u; c++)
                    acc[r][c] += dot(xin4[ib[r][c] + f], vec4(w0[c], w1[c], w2[c], w3[c]));
            }
        }
    }
    vec4 bv = bias4[qc];
    [[unroll]] for (uint r = 0u; r < RB; r++) {
        part[lid] = acc[r];
        barrier();
        if (slice == 0u) {
            vec4 s = part[ql];
            for (uint k = 1u; k < KS; k++) s += part[k * QW + ql];
            uint row = row0 + r;
            if (q < O4 && row < p.R) {
                uint oi = b * p.out_bs + row * p.out_rs + 4u * q;
                vec4 v = s + bv;
                if (O4A != 0u) {
                    o4[oi / 4u] = ELEM4(v);
                } else {
                    [[unroll]] for (uint c = 0u; c < 4u; c++) os[oi + c] = ELEM(v[c]);
                }
            }
        }
        barrier();
    }
}
