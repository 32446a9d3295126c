#version 450
#extension GL_GOOGLE_include_directive : require
// gather_rows.comp for CPU devices: the same copy (an index outside [0, N)
// writes zeros), one invocation per (image, row, 16 columns) with vec4 loads
// and stores (D % 16 == 0, 16-byte aligned bases). The index load and the
// integer divisions (lane by lane on CPUs) then serve 16 elements, not one.
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
layout(std430, binding = 0) readonly buffer Src { ELEM4 src[]; };
layout(std430, binding = 1) readonly buffer Idx { int idx[]; };
layout(std430, binding = 2) writeonly buffer Dst { ELEM4 dst[]; };
layout(push_constant) uniform P {
    uint B; uint N; uint D; uint R;
    uint out_rows; uint row_offset;
    uint idx_stride;
} p;

void main() {
    uint e = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint G = p.D / 16u, D4 = p.D / 4u;
    uint per_image = p.R * G;
    if (e >= p.B * per_image) return;
    uint b = e / per_image, rem = e - b * per_image;
    uint r = rem / G, c0 = (rem - r * G) * 4u;
    int s = idx[b * p.idx_stride + r];
    bool ok = s >= 0 && uint(s) < p.N;
    uint si = (b * p.N + uint(ok ? s : 0)) * D4 + c0;
    uint o = (b * p.out_rows + p.row_offset + r) * D4 + c0;
    [[unroll]] for (uint x = 0u; x < 4u; x++) dst[o + x] = ok ? src[si + x] : ELEM4(0.0);
}
