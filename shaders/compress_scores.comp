#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2) attention logits, s[b][row][j] = sum_f xn[b][j][f] W[row][f]
// + pb[row][j], rows = (query, head) pairs.
// Fast path: x is the raw token, xn = (x - mean_j) * rstd_j (use_stats), W the
// key weights folded with the constant queries, LN gamma and 1/sqrt(dh), pb
// the folded positional and LN-beta terms (use_pb). Reference path: x is the
// projected key k (fp32), W the scaled queries laid out per head.
// Invocation = (image, block of RB rows, token j): lanes walk consecutive
// tokens, W is read at the same address by every lane (broadcast on CPUs).
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
const uint RB = 8u;
layout(std430, binding = 0) readonly buffer Xin { ELEM x[]; };       // [B][N][E]
layout(std430, binding = 1) readonly buffer W { vec4 w[]; };         // [R][E/4]
layout(std430, binding = 2) readonly buffer S { vec2 stats[]; };     // [B][N]
layout(std430, binding = 3) readonly buffer PB { float pb[]; };      // [R][N]
layout(std430, binding = 4) writeonly buffer L { float logit[]; };   // [B][R][N]
layout(push_constant) uniform P { uint B; uint N; uint E; uint R; uint use_stats; uint use_pb; } p;

void main() {
    uint lin = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint nrb = (p.R + RB - 1u) / RB;
    if (lin >= p.B * nrb * p.N) return;
    uint j = lin % p.N, t = lin / p.N;
    uint rb = t % nrb, b = t / nrb;
    uint row0 = rb * RB;
    uint E4 = p.E / 4u;
    vec2 st = p.use_stats != 0u ? stats[b * p.N + j] : vec2(0.0, 1.0);
    uint wrow[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) wrow[r] = min(row0 + r, p.R - 1u) * E4; // clamped rows are discarded
    float acc[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) acc[r] = 0.0;
    uint xb = (b * p.N + j) * p.E;
    for (uint f = 0u; f < E4; f++) {
        uint xi = xb + 4u * f;
        vec4 xv = vec4(float(x[xi]), float(x[xi + 1u]), float(x[xi + 2u]), float(x[xi + 3u])) - st.x;
        [[unroll]] for (uint r = 0u; r < RB; r++) acc[r] += dot(xv, w[wrow[r] + f]);
    }
    [[unroll]] for (uint r = 0u; r < RB; r++) {
        uint row = row0 + r;
        if (row < p.R)
            logit[(b * p.R + row) * p.N + j] = acc[r] * st.y + (p.use_pb != 0u ? pb[row * p.N + j] : 0.0);
    }
}
