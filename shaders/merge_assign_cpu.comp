#version 450
#extension GL_GOOGLE_include_directive : require
// merge (SPEC 1.3) step 1, CPU-device variant of merge_assign.comp: the same
// assignment (cosine argmax over the c targets, ties to the lowest target, a
// zero row similar to nothing, targets get -1), one invocation per source,
// with the source row held in registers (Dm a spec constant, a multiple of 4)
// and each target row read once per source as vec4s, its norm accumulated
// in the same pass as the dot product. On CPU drivers every load in a loop
// is a gather, so this reads 8x fewer elements than the generic kernel.
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
layout(constant_id = 2) const uint DM = 64;
const uint D4 = DM / 4u;
layout(std430, binding = 0) readonly buffer M { ELEM4 metric[]; };
layout(std430, binding = 1) readonly buffer RI { int rest_idx[]; };
layout(std430, binding = 2) writeonly buffer A { int assign_out[]; };
layout(push_constant) uniform P { uint B; uint N; uint Dm; uint R; uint c; uint step; } p;

void main() {
    uint slot = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (slot >= p.B * p.R) return;
    uint b = slot / p.R, pos = slot - b * p.R;
    bool is_target = pos % p.step == 0u && pos / p.step < p.c;
    int src = rest_idx[b * p.R + pos];
    if (is_target || src < 0 || uint(src) >= p.N) {
        assign_out[slot] = -1;
        return;
    }
    vec4 sv[D4];
    float ss = 0.0;
    uint srow = (b * p.N + uint(src)) * D4;
    [[unroll]] for (uint d = 0u; d < D4; d++) {
        sv[d] = vec4(metric[srow + d]);
        ss += dot(sv[d], sv[d]);
    }
    float sn = sqrt(ss);
    float best = -2.0; // cosine similarities lie in [-1, 1]
    int besti = -1;
    for (uint i = 0u; i < p.c; i++) {
        int t = rest_idx[b * p.R + i * p.step];
        float sim = 0.0;
        if (t >= 0 && uint(t) < p.N) {
            uint trow = (b * p.N + uint(t)) * D4;
            float dt = 0.0, tt = 0.0;
            [[unroll]] for (uint d = 0u; d < D4; d++) {
                vec4 tv = vec4(metric[trow + d]);
                dt += dot(sv[d], tv);
                tt += dot(tv, tv);
            }
            float tn = sqrt(tt);
            sim = (sn > 0.0 && tn > 0.0) ? dt / (sn * tn) : 0.0;
        }
        if (sim > best) { best = sim; besti = int(i); } // strict: the lowest i wins ties
    }
    assign_out[slot] = besti;
}
