#version 450
#extension GL_GOOGLE_include_directive : require
// VisionZip's merge metric when the host passes none: the keys averaged over
// heads, metric[b][n][d] = (sum_h k[b][n][h][d]) / H (the official code's
// `metric = key_states.mean(1)`), summed in ascending head order in fp32 so
// the result is the same bits run after run. Stored in the op's float dtype:
// the merge kernels read it like a host metric.
#include "common.glsl"
layout(std430, binding = 0) readonly buffer K { ELEM k[]; };
layout(std430, binding = 1) writeonly buffer M { ELEM metric[]; };
layout(push_constant) uniform P { uint rows; uint H; uint dh; float inv_h; } p;  // rows = B * N

void main() {
    uint e = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (e >= p.rows * p.dh) return;
    uint row = e / p.dh, d = e - row * p.dh;
    uint base = row * p.H * p.dh + d;
    float s = 0.0;
    for (uint h = 0u; h < p.H; h++) s += float(k[base + h * p.dh]);
    metric[e] = ELEM(s * p.inv_h);
}
