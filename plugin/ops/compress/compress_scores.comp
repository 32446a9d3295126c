#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2) attention logits, s[b][row][j] = sum_f xn[b][j][f] W[row][f]
// + pb[row][j], rows = (query, head) pairs.
// Fast path: x is the raw token, xn = (x - mean_j) * rstd_j (use_stats), W the
// key weights folded with the constant queries, LN gamma and 1/sqrt(dh), pb
// the folded positional and LN-beta terms (use_pb). use_stats 1: the LN
// statistics come from compress_ln_stats; 2: from this kernel (one dispatch
// fewer; the host picks it when tokens are read by one row block, as with one
// query): a first pass over the token's x gives the mean, the main pass sums
// squared deviations (two passes, as compress_ln_stats: one pass of sums
// shifted by x[j][0] loses up to log10(E) digits of the variance when one
// channel is far from the rest), and the first row block writes stats[j] =
// (mean, rstd) for compress_ax.
// Reference path: x is the projected key k (fp32), W the scaled queries laid
// out per head.
// Invocation = (image, block of RB rows, block of TJ tokens): register
// blocking in 2-D, because CPU drivers (llvmpipe) turn every buffer load in
// the loop into a per-lane gather: per quad of columns an invocation loads
// TJ + RB vec4s and does 4*RB*TJ FMAs. Lanes walk consecutive token blocks of
// one row block. Tokens past N clamp their loads and skip their stores.
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
#include "compress_tiles.h"
// RB: rows per invocation: 16, or 8 when there are at most 8 rows (one query).
layout(constant_id = 3) const uint RB = CMP_SC_RB;
const uint TJ = CMP_SC_TJ;
layout(std430, binding = 0) readonly buffer Xin { ELEM4 x4[]; };     // [B][N][E/4]
layout(std430, binding = 0) readonly buffer Xs { ELEM xs[]; };
// X4: x's binding offset is vec4-aligned (else scalar loads; some GPUs allow 4-byte offsets)
layout(constant_id = 2) const uint X4 = 1;
layout(std430, binding = 1) readonly buffer W { vec4 w[]; };         // [R][E/4]
layout(std430, binding = 2) buffer S { vec2 stats[]; };              // [B][N]: read (use_stats 1), written (2)
layout(std430, binding = 3) readonly buffer PB { float pb[]; };      // [R][N]
layout(std430, binding = 4) writeonly buffer L { float logit[]; };   // [B][R][N]
layout(push_constant) uniform P { uint B; uint N; uint E; uint R; uint use_stats; uint use_pb; float eps; } p;

vec4 ldx(uint q) {
    if (X4 != 0u) return vec4(x4[q]);
    uint i = 4u * q;
    return vec4(float(xs[i]), float(xs[i + 1u]), float(xs[i + 2u]), float(xs[i + 3u]));
}

void main() {
    uint lin = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint nrb = (p.R + RB - 1u) / RB;
    uint njb = (p.N + TJ - 1u) / TJ;
    if (lin >= p.B * nrb * njb) return;
    uint jb = lin % njb, t = lin / njb;
    uint rb = t % nrb, b = t / nrb;
    uint row0 = rb * RB, j0 = jb * TJ;
    uint E4 = p.E / 4u;
    uint wrow[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) wrow[r] = min(row0 + r, p.R - 1u) * E4; // clamped rows are discarded
    uint xrow[TJ];
    float mean[TJ], s2[TJ];
    [[unroll]] for (uint k = 0u; k < TJ; k++) {
        uint j = min(j0 + k, p.N - 1u);   // clamped tokens are discarded
        xrow[k] = (b * p.N + j) * E4;
        mean[k] = 0.0;
        s2[k] = 0.0;
    }
    if (p.use_stats == 1u) {
        [[unroll]] for (uint k = 0u; k < TJ; k++) mean[k] = stats[b * p.N + min(j0 + k, p.N - 1u)].x;
    } else if (p.use_stats == 2u) {
        for (uint f = 0u; f < E4; f++) {
            [[unroll]] for (uint k = 0u; k < TJ; k++) {
                vec4 xv = ldx(xrow[k] + f);
                mean[k] += (xv.x + xv.y) + (xv.z + xv.w);
            }
        }
        [[unroll]] for (uint k = 0u; k < TJ; k++) mean[k] /= float(p.E);
    }
    float acc[RB][TJ];
    [[unroll]] for (uint r = 0u; r < RB; r++)
        [[unroll]] for (uint k = 0u; k < TJ; k++) acc[r][k] = 0.0;
    for (uint f = 0u; f < E4; f++) {
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
    [[unroll]] for (uint k = 0u; k < TJ; k++) {
        uint j = j0 + k;
        if (j >= p.N) continue;
        float rstd = 1.0;
        if (p.use_stats == 1u) {
            rstd = stats[b * p.N + j].y;
        } else if (p.use_stats == 2u) {
            rstd = inversesqrt(s2[k] / float(p.E) + p.eps);
            if (rb == 0u) stats[b * p.N + j] = vec2(mean[k], rstd);
        }
        [[unroll]] for (uint r = 0u; r < RB; r++) {
            uint row = row0 + r;
            if (row < p.R)
                logit[(b * p.R + row) * p.N + j] = acc[r][k] * rstd + (p.use_pb != 0u ? pb[row * p.N + j] : 0.0);
        }
    }
}
