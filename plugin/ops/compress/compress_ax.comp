#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2) attention-weighted token sums,
// y[b][r][f] = sum_j A[b][arow(r, f)][j] * xn[b][j][f], arow = r*a_rs + (f/fgroup)*a_gs.
// Fast path (use_ln): x raw tokens, xn = LN_kv(x); A rows sum to 1 so LN's
// gamma/beta apply once after the sum; y then meets the value weights.
// Reference path: x is the projected value v (fp32) and arow picks the head
// that owns column f, so y is already concat_h(A_h v_h).
// Invocation = (image, block of RB rows, block of TQ column quads): register
// blocking in 2-D, because CPU drivers (llvmpipe) turn every buffer load in
// the loop into a per-lane gather: each token's x quads feed RB rows and each
// A weight feeds 4*TQ columns (RB*TQ*4 FMAs for RB + TQ loads); with A4 the
// A rows are read four tokens at a time as vec4 (about 2x cheaper than
// scalars on lavapipe). Lanes take consecutive column blocks of one token row.
// Summation order over j is fixed (deterministic).
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
#include "compress_tiles.h"
// RB: rows per invocation: 16, or fewer when the call has few rows (one query).
layout(constant_id = 5) const uint RB = CMP_AX_RB;
const uint TQ = CMP_AX_TQ;
// A4: A rows start on a vec4 boundary (N % 4 == 0): four tokens per step.
layout(constant_id = 2) const uint A4 = 0;
// SHARED: every column of an invocation's block uses the same A row
// (fgroup == E or fgroup % (4*TQ) == 0); else each column finds its own.
layout(constant_id = 3) const uint SHARED = 1;
layout(std430, binding = 0) readonly buffer A { float a[]; };        // [B][Ra][N]
layout(std430, binding = 0) readonly buffer A4v { vec4 a4[]; };
layout(std430, binding = 1) readonly buffer Xin { ELEM4 x4[]; };     // [B][N][E/4]
layout(std430, binding = 1) readonly buffer Xs { ELEM xs[]; };
// X4: x's binding offset is vec4-aligned (else scalar loads; some GPUs allow 4-byte offsets)
layout(constant_id = 4) const uint X4 = 1;
layout(std430, binding = 2) readonly buffer S { vec2 stats[]; };     // [B][N]
layout(std430, binding = 3) readonly buffer G { vec4 gamma4[]; };
layout(std430, binding = 4) readonly buffer Bt { vec4 beta4[]; };
layout(std430, binding = 5) writeonly buffer Y { vec4 y4[]; };       // [B][R][E/4]
layout(push_constant) uniform P {
    uint B; uint N; uint E; uint R; uint Ra;
    uint a_rs; uint a_gs; uint fgroup; uint use_ln;
} p;

vec4 ldx(uint q) {
    if (X4 != 0u) return vec4(x4[q]);
    uint i = 4u * q;
    return vec4(float(xs[i]), float(xs[i + 1u]), float(xs[i + 2u]), float(xs[i + 3u]));
}

vec4 acc[RB][TQ];
uint xq[TQ];     // clamped column quads

// One token: x quads of token row xr (LN'd when use_ln), weighted by w[r].
void token(uint b, uint j, float w[RB]) {
    uint xr = (b * p.N + j) * (p.E / 4u);
    vec2 st = p.use_ln != 0u ? stats[b * p.N + j] : vec2(0.0, 1.0);
    [[unroll]] for (uint q = 0u; q < TQ; q++) {
        vec4 xv = (ldx(xr + xq[q]) - st.x) * st.y;
        [[unroll]] for (uint r = 0u; r < RB; r++) acc[r][q] += w[r] * xv;
    }
}

void main() {
    uint lin = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint E4 = p.E / 4u;
    uint nqb = (E4 + TQ - 1u) / TQ;
    uint nrb = (p.R + RB - 1u) / RB;
    if (lin >= p.B * nrb * nqb) return;
    uint qb = lin % nqb, t = lin / nqb;
    uint rb = t % nrb, b = t / nrb;
    uint row0 = rb * RB, q0 = qb * TQ;
    [[unroll]] for (uint q = 0u; q < TQ; q++) xq[q] = min(q0 + q, E4 - 1u);
    [[unroll]] for (uint r = 0u; r < RB; r++)
        [[unroll]] for (uint q = 0u; q < TQ; q++) acc[r][q] = vec4(0.0);
    uint rbase[RB];   // A row of each (clamped) row, before its column group
    [[unroll]] for (uint r = 0u; r < RB; r++) rbase[r] = b * p.Ra + min(row0 + r, p.R - 1u) * p.a_rs;
    if (SHARED != 0u) {
        uint g = (4u * q0 / p.fgroup) * p.a_gs;
        uint arow[RB];
        [[unroll]] for (uint r = 0u; r < RB; r++) arow[r] = (rbase[r] + g) * p.N;
        if (A4 != 0u) {
            for (uint j = 0u; j < p.N; j += 4u) {
                vec4 av[RB];
                [[unroll]] for (uint r = 0u; r < RB; r++) av[r] = a4[(arow[r] + j) >> 2];
                [[unroll]] for (uint k = 0u; k < 4u; k++) {
                    float w[RB];
                    [[unroll]] for (uint r = 0u; r < RB; r++) w[r] = av[r][k];
                    token(b, j + k, w);
                }
            }
        } else {
            for (uint j = 0u; j < p.N; j++) {
                float w[RB];
                [[unroll]] for (uint r = 0u; r < RB; r++) w[r] = a[arow[r] + j];
                token(b, j, w);
            }
        }
    } else {
        // columns of one quad may belong to different groups (reference path, fgroup % 4 != 0)
        for (uint j = 0u; j < p.N; j++) {
            uint xr = (b * p.N + j) * E4;
            vec2 st = p.use_ln != 0u ? stats[b * p.N + j] : vec2(0.0, 1.0);
            [[unroll]] for (uint q = 0u; q < TQ; q++) {
                vec4 xv = (ldx(xr + xq[q]) - st.x) * st.y;
                [[unroll]] for (uint c = 0u; c < 4u; c++) {
                    uint g = ((4u * xq[q] + c) / p.fgroup) * p.a_gs;
                    [[unroll]] for (uint r = 0u; r < RB; r++) acc[r][q][c] += a[(rbase[r] + g) * p.N + j] * xv[c];
                }
            }
        }
    }
    [[unroll]] for (uint q = 0u; q < TQ; q++) {
        if (q0 + q >= E4) continue;
        vec4 gm = p.use_ln != 0u ? gamma4[q0 + q] : vec4(1.0), bt = p.use_ln != 0u ? beta4[q0 + q] : vec4(0.0);
        [[unroll]] for (uint r = 0u; r < RB; r++) {
            uint row = row0 + r;
            if (row < p.R) y4[(b * p.R + row) * E4 + q0 + q] = acc[r][q] * gm + bt;
        }
    }
}
