#version 450
#extension GL_GOOGLE_include_directive : require
// out[b][row_offset + r][:] = src[b][idx[b][r]][:] for r < R (dominant
// rows of select/visionzip). An index outside [0, N) writes zeros: the GPU
// never reads outside `src`, whatever the index buffer holds.
#include "common.glsl"
layout(std430, binding = 0) readonly buffer Src { ELEM src[]; };
layout(std430, binding = 1) readonly buffer Idx { int idx[]; };
layout(std430, binding = 2) writeonly buffer Dst { ELEM dst[]; };
layout(push_constant) uniform P {
    uint B; uint N; uint D; uint R;   // R rows gathered per image
    uint out_rows; uint row_offset;    // rows per image in dst, first row written
    uint idx_stride;                   // row stride of idx
} p;

void main() {
    uint e = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint per_image = p.R * p.D;
    if (e >= p.B * per_image) return;
    uint b = e / per_image, rem = e - b * per_image;
    uint r = rem / p.D, d = rem - r * p.D;
    int s = idx[b * p.idx_stride + r];
    uint o = (b * p.out_rows + p.row_offset + r) * p.D + d;
    if (s >= 0 && uint(s) < p.N) dst[o] = src[(b * p.N + uint(s)) * p.D + d];
    else dst[o] = ELEM(0.0);
}
