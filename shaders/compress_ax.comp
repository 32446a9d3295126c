#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2) attention-weighted token sums,
// y[b][r][f] = sum_j A[b][arow(r, f)][j] * xn[b][j][f], arow = r*a_rs + (f/fgroup)*a_gs.
// Fast path (use_ln): x raw tokens, xn = LN_kv(x); A rows sum to 1 so LN's
// gamma/beta apply once after the sum; y then meets the value weights.
// Reference path: x is the projected value v (fp32) and arow picks the head
// that owns column f, so y is already concat_h(A_h v_h).
// Invocation = (image, block of RB rows, column f): lanes read consecutive
// columns of one token row; A is read at one address by every lane.
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
const uint RB = 8u;
layout(std430, binding = 0) readonly buffer A { float a[]; };        // [B][Ra][N]
layout(std430, binding = 1) readonly buffer Xin { ELEM x[]; };       // [B][N][E]
layout(std430, binding = 2) readonly buffer S { vec2 stats[]; };     // [B][N]
layout(std430, binding = 3) readonly buffer G { float gamma[]; };
layout(std430, binding = 4) readonly buffer Bt { float beta[]; };
layout(std430, binding = 5) writeonly buffer Y { float y[]; };       // [B][R][E]
layout(push_constant) uniform P {
    uint B; uint N; uint E; uint R; uint Ra;
    uint a_rs; uint a_gs; uint fgroup; uint use_ln;
} p;

void main() {
    uint lin = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint nrb = (p.R + RB - 1u) / RB;
    if (lin >= p.B * nrb * p.E) return;
    uint f = lin % p.E, t = lin / p.E;
    uint rb = t % nrb, b = t / nrb;
    uint row0 = rb * RB;
    uint g = (f / p.fgroup) * p.a_gs;
    uint arow[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) arow[r] = (b * p.Ra + min(row0 + r, p.R - 1u) * p.a_rs + g) * p.N;
    float acc[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) acc[r] = 0.0;
    for (uint j = 0u; j < p.N; j++) {
        float xv = float(x[(b * p.N + j) * p.E + f]);
        if (p.use_ln != 0u) {
            vec2 st = stats[b * p.N + j];
            xv = (xv - st.x) * st.y;
        }
        [[unroll]] for (uint r = 0u; r < RB; r++) acc[r] += a[arow[r] + j] * xv;
    }
    float gm = p.use_ln != 0u ? gamma[f] : 1.0, bt = p.use_ln != 0u ? beta[f] : 0.0;
    [[unroll]] for (uint r = 0u; r < RB; r++) {
        uint row = row0 + r;
        if (row < p.R) y[(b * p.R + row) * p.E + f] = acc[r] * gm + bt;
    }
}
