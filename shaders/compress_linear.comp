#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini (SPEC 2) projections: out[b][r][o] = sum_f in[b][inrow(r, o)][f] *
// WT[f][o] + bias[o], W stored transposed so lanes (consecutive o) read
// consecutive weights; in[...] is read at one address per row by every lane
// whose o shares the group (o / ogroup): the value projection of head h reads
// its own attention-weighted row.
// Invocation = (image, block of RB rows, output column o).
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
const uint RB = 4u;
layout(std430, binding = 0) readonly buffer In { float xin[]; };
layout(std430, binding = 1) readonly buffer W { float wt[]; };       // [F][O]
layout(std430, binding = 2) readonly buffer Bs { float bias[]; };    // [O]
layout(std430, binding = 3) writeonly buffer O { ELEM o[]; };
layout(push_constant) uniform P {
    uint B; uint R; uint F; uint O;
    uint in_bs; uint in_rs; uint in_gs; uint ogroup;
    uint out_bs; uint out_rs;
} p;

void main() {
    uint lin = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint nrb = (p.R + RB - 1u) / RB;
    if (lin >= p.B * nrb * p.O) return;
    uint oc = lin % p.O, t = lin / p.O;
    uint rb = t % nrb, b = t / nrb;
    uint row0 = rb * RB;
    uint ib[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++)
        ib[r] = b * p.in_bs + min(row0 + r, p.R - 1u) * p.in_rs + (oc / p.ogroup) * p.in_gs;
    float acc[RB];
    [[unroll]] for (uint r = 0u; r < RB; r++) acc[r] = 0.0;
    for (uint f = 0u; f < p.F; f++) {
        float w = wt[f * p.O + oc];
        [[unroll]] for (uint r = 0u; r < RB; r++) acc[r] += xin[ib[r] + f] * w;
    }
    float bv = bias[oc];
    [[unroll]] for (uint r = 0u; r < RB; r++) {
        uint row = row0 + r;
        if (row < p.R) o[b * p.out_bs + row * p.out_rs + oc] = ELEM(acc[r] + bv);
    }
}
