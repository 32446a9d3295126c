#version 450
#extension GL_GOOGLE_include_directive : require
// LLaVA-Mini reference path (SPEC 2): X = LN_kv(x) and Xk = X + pos_k, both
// fp32, as the inputs of the value and key projections.
#include "common.glsl"
layout(std430, binding = 0) readonly buffer Xin { ELEM x[]; };
layout(std430, binding = 1) readonly buffer S { vec2 stats[]; };
layout(std430, binding = 2) readonly buffer G { float gamma[]; };
layout(std430, binding = 3) readonly buffer Bt { float beta[]; };
layout(std430, binding = 4) readonly buffer PK { float posk[]; };   // [N][E]
layout(std430, binding = 5) writeonly buffer XO { float xo[]; };    // [B][N][E]
layout(std430, binding = 6) writeonly buffer XK { float xk[]; };    // [B][N][E]
layout(push_constant) uniform P { uint B; uint N; uint E; } p;

void main() {
    uint i = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint per_image = p.N * p.E;
    if (i >= p.B * per_image) return;
    uint row = i / p.E, f = i - row * p.E;
    uint j = row % p.N;
    vec2 st = stats[row];
    float v = (float(x[i]) - st.x) * st.y * gamma[f] + beta[f];
    xo[i] = v;
    xk[i] = v + posk[j * p.E + f];
}
