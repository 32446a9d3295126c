#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2) projections: out[b][r][o] = sum_f in[b][inrow(r, o)][f] *
// WT[f][o] + bias[o], W stored transposed so lanes (consecutive output
// blocks) read consecutive weights; inrow(r, o) = r*in_rs + (o/ogroup)*in_gs:
// the value projection of head h reads its own attention-weighted row.
// Invocation = (image, block of RB rows, block of TQ output quads), walking f
// four at a time: RB input vec4s and 4*TQ weight vec4s feed RB*TQ*16 FMAs
// (CPU drivers gather every load in a loop lane by lane, so loads are what
// cost). Every input stride (in_bs, in_rs, in_gs), F, O and the output
// strides are multiples of 4 (the op's widths are).
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
#include "compress_tiles.h"
// RB: rows per invocation (16; fewer when the call has few rows, e.g. one
// query: a 16-row block would repeat the row 16 times).
layout(constant_id = 4) const uint RB = CMP_LN_RB;
const uint TQ = CMP_LN_TQ;
// SHARED: every output column of an invocation's block reads the same input
// row (in_gs == 0 or ogroup % (4*TQ) == 0); else each column finds its own.
layout(constant_id = 2) const uint SHARED = 1;
layout(std430, binding = 0) readonly buffer In { float xin[]; };
layout(std430, binding = 0) readonly buffer In4 { vec4 xin4[]; };
layout(std430, binding = 1) readonly buffer W { vec4 wt4[]; };       // [F][O/4]
layout(std430, binding = 2) readonly buffer Bs { vec4 bias4[]; };    // [O/4]
layout(std430, binding = 3) writeonly buffer O { ELEM4 o4[]; };
layout(std430, binding = 3) writeonly buffer Os { ELEM os[]; };
// O4: out's binding offset is vec4-aligned (else scalar stores; some GPUs allow 4-byte offsets)
layout(constant_id = 3) const uint O4A = 1;
layout(push_constant) uniform P {
    uint B; uint R; uint F; uint O;
    uint in_bs; uint in_rs; uint in_gs; uint ogroup;
    uint out_bs; uint out_rs;
} p;

void main() {
    uint lin = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint O4 = p.O / 4u;
    uint nqb = (O4 + TQ - 1u) / TQ;
    uint nrb = (p.R + RB - 1u) / RB;
    if (lin >= p.B * nrb * nqb) return;
    uint qb = lin % nqb, t = lin / nqb;
    uint rb = t % nrb, b = t / nrb;
    uint row0 = rb * RB, q0 = qb * TQ;
    uint oq[TQ];   // clamped output quads
    [[unroll]] for (uint q = 0u; q < TQ; q++) oq[q] = min(q0 + q, O4 - 1u);
    uint rbase[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) rbase[r] = b * p.in_bs + min(row0 + r, p.R - 1u) * p.in_rs;
    vec4 acc[RB][TQ];
    [[unroll]] for (uint r = 0u; r < RB; r++)
        [[unroll]] for (uint q = 0u; q < TQ; q++) acc[r][q] = vec4(0.0);
    uint F4 = p.F / 4u;
    if (SHARED != 0u) {
        uint g = (4u * q0 / p.ogroup) * p.in_gs;
        uint ib[RB];
        [[unroll]] for (uint r = 0u; r < RB; r++) ib[r] = (rbase[r] + g) >> 2;
        for (uint f = 0u; f < F4; f++) {
            vec4 wv[4][TQ];
            [[unroll]] for (uint k = 0u; k < 4u; k++)
                [[unroll]] for (uint q = 0u; q < TQ; q++) wv[k][q] = wt4[(4u * f + k) * O4 + oq[q]];
            [[unroll]] for (uint r = 0u; r < RB; r++) {
                vec4 xv = xin4[ib[r] + f];
                [[unroll]] for (uint q = 0u; q < TQ; q++)
                    acc[r][q] += xv.x * wv[0][q] + xv.y * wv[1][q] + xv.z * wv[2][q] + xv.w * wv[3][q];
            }
        }
    } else {
        // output columns of one quad may read different rows (ogroup % 4 != 0)
        for (uint f = 0u; f < p.F; f++) {
            [[unroll]] for (uint q = 0u; q < TQ; q++) {
                vec4 wv = wt4[f * O4 + oq[q]];
                [[unroll]] for (uint c = 0u; c < 4u; c++) {
                    uint g = ((4u * oq[q] + c) / p.ogroup) * p.in_gs;
                    [[unroll]] for (uint r = 0u; r < RB; r++) acc[r][q][c] += xin[rbase[r] + g + f] * wv[c];
                }
            }
        }
    }
    [[unroll]] for (uint q = 0u; q < TQ; q++) {
        if (q0 + q >= O4) continue;
        vec4 bv = bias4[q0 + q];
        [[unroll]] for (uint r = 0u; r < RB; r++) {
            uint row = row0 + r;
            if (row >= p.R) continue;
            uint oi = b * p.out_bs + row * p.out_rs + 4u * (q0 + q);
            vec4 v = acc[r][q] + bv;
            if (O4A != 0u) {
                o4[oi / 4u] = ELEM4(v);
            } else {
                [[unroll]] for (uint c = 0u; c < 4u; c++) os[oi + c] = ELEM(v[c]);
            }
        }
    }
}
