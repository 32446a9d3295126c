#version 450
#extension GL_GOOGLE_include_directive : require
// select (SPEC 1.2), CPU-device variant: one invocation per image, no
// barriers (on lavapipe a workgroup barrier costs far more than the serial
// work). Same radix select as select_topk.comp: 4 passes of 8-bit digits
// find the k-th largest rank key, then one pass in index order keeps keys
// above it and the lowest-index ties at it. Token `cls` (>= N: none) is
// always kept and does not compete.
#include "common.glsl"
layout(std430, binding = 0) readonly buffer S { float score[]; };
layout(std430, binding = 1) writeonly buffer KI { int keep_idx[]; };
layout(std430, binding = 2) writeonly buffer RI { int rest_idx[]; };
// keep_stride: row stride of keep_idx (the fused op writes straight into src_idx rows)
layout(push_constant) uniform P { uint B; uint N; uint cls; uint k; uint write_rest; uint keep_stride; } p;

void main() {
    uint b = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (b >= p.B) return;
    uint base = b * p.N;
    uint nkeep = (p.cls < p.N ? 1u : 0u) + p.k;
    uint nrest = p.N - nkeep;
    uint hist[256];
    uint prefix = 0u, mask = 0u, remaining = p.k;
    if (p.k > 0u) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            for (uint i = 0u; i < 256u; i++) hist[i] = 0u;
            for (uint j = 0u; j < p.N; j++) {
                uint key = rank_key(score[base + j]);
                if (j != p.cls && (key & mask) == prefix) hist[(key >> uint(shift)) & 255u]++;
            }
            uint acc = 0u, digit = 0u;
            for (int d = 255; d >= 0; d--) {
                uint c = hist[d];
                if (acc + c >= remaining) { digit = uint(d); break; }
                acc += c;
            }
            prefix |= digit << uint(shift);
            remaining -= acc;
            mask |= 255u << uint(shift);
        }
    }
    uint kept = 0u, rested = 0u, eq_seen = 0u;
    for (uint j = 0u; j < p.N; j++) {
        uint key = rank_key(score[base + j]);
        bool keep = j == p.cls;
        if (!keep && p.k > 0u) {
            if (key > prefix) keep = true;
            else if (key == prefix) { keep = eq_seen < remaining; eq_seen++; }
        }
        if (keep) {
            if (kept < nkeep) keep_idx[b * p.keep_stride + kept] = int(j);
            kept++;
        } else {
            if (p.write_rest != 0u && rested < nrest) rest_idx[b * nrest + rested] = int(j);
            rested++;
        }
    }
}
