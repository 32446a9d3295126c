#version 450
#extension GL_GOOGLE_include_directive : require
// Composite attention, split-KV step 3: merges the per-split partial
// (max, sum, acc) of every text (row, head) in ascending split order (fixed
// order: deterministic). One invocation per output element. Visual rows were
// written by the attention kernel and are skipped here.
#include "common.glsl"
#include "composite.glsl"
layout(constant_id = 2) const uint DH = 128;
layout(std430, binding = 0) readonly buffer KD { uint kind_w[]; };
layout(std430, binding = 1) readonly buffer PT { float part[]; };
layout(std430, binding = 2) writeonly buffer O { ELEM o[]; };

void main() {
    uint idx = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint bnh = p.B * p.Nq * p.Hq;
    if (idx >= bnh * DH) return;
    uint pi = idx / DH, d = idx - pi * DH;     // pi = (b*Nq + r)*Hq + h
    uint br = pi / p.Hq;
    uint b = br / p.Nq, r = br - b * p.Nq;
    uint kidx = b * p.Nk + (p.Nk - p.Nq) + r;
    if (((kind_w[kidx >> 2] >> ((kidx & 3u) * 8u)) & 255u) != 0u) return;
    float M = -1.0 / 0.0;
    for (uint s = 0u; s < p.nsplit; s++) M = max(M, part[2u * (s * bnh + pi)]);
    float L = 0.0, A = 0.0;
    for (uint s = 0u; s < p.nsplit; s++) {
        uint si = s * bnh + pi;
        float w = exp2(part[2u * si] - M);   // an empty split has max -inf: weight 0
        L += part[2u * si + 1u] * w;
        A += part[p.acc_off + si * DH + d] * w;
    }
    o[idx] = ELEM(A / L);
}
