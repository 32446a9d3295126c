#version 450
#extension GL_GOOGLE_include_directive : require
// merge (SPEC 1.3) step 1, CPU-device variant of merge_assign.comp: the same
// assignment (cosine argmax over the c targets, ties to the lowest target, a
// zero row similar to nothing, targets get -1). An invocation takes SPI
// consecutive rest positions with their metric rows in registers (Dm a spec
// constant, a multiple of 4) and reads each target row once for all of them
// as vec4s, its norm accumulated in the same pass. On CPU drivers every load
// in a loop is a gather: this reads about 8*SPI times fewer elements than the
// generic kernel.
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
layout(constant_id = 2) const uint DM = 64;
layout(constant_id = 3) const uint SPI = 4;   // sources per invocation
const uint D4 = DM / 4u;
layout(std430, binding = 0) readonly buffer M { ELEM4 metric[]; };
layout(std430, binding = 1) readonly buffer RI { int rest_idx[]; };
layout(std430, binding = 2) writeonly buffer A { int assign_out[]; };
layout(push_constant) uniform P { uint B; uint N; uint Dm; uint R; uint c; uint step; } p;

void main() {
    uint inv = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint per_image = (p.R + SPI - 1u) / SPI;
    if (inv >= p.B * per_image) return;
    uint b = inv / per_image, pos0 = (inv - b * per_image) * SPI;
    bool valid[SPI];
    vec4 sv[SPI][D4];
    float sn[SPI], best[SPI];
    int besti[SPI];
    [[unroll]] for (uint x = 0u; x < SPI; x++) {
        uint pos = pos0 + x;
        bool in_range = pos < p.R;
        bool is_target = pos % p.step == 0u && pos / p.step < p.c;
        int src = in_range ? rest_idx[b * p.R + pos] : -1;
        valid[x] = in_range && !is_target && src >= 0 && uint(src) < p.N;
        uint srow = (b * p.N + uint(valid[x] ? src : 0)) * D4;
        float ss = 0.0;
        [[unroll]] for (uint d = 0u; d < D4; d++) {
            sv[x][d] = vec4(metric[srow + d]);
            ss += dot(sv[x][d], sv[x][d]);
        }
        sn[x] = sqrt(ss);
        best[x] = -2.0; // cosine similarities lie in [-1, 1]
        besti[x] = -1;
    }
    for (uint i = 0u; i < p.c; i++) {
        int t = rest_idx[b * p.R + i * p.step];
        bool tv = t >= 0 && uint(t) < p.N;
        uint trow = (b * p.N + uint(tv ? t : 0)) * D4;
        float dt[SPI], tt = 0.0;
        [[unroll]] for (uint x = 0u; x < SPI; x++) dt[x] = 0.0;
        [[unroll]] for (uint d = 0u; d < D4; d++) {
            vec4 tvv = vec4(metric[trow + d]);
            tt += dot(tvv, tvv);
            [[unroll]] for (uint x = 0u; x < SPI; x++) dt[x] += dot(sv[x][d], tvv);
        }
        float tn = sqrt(tt);
        [[unroll]] for (uint x = 0u; x < SPI; x++) {
            float sim = (tv && sn[x] > 0.0 && tn > 0.0) ? dt[x] / (sn[x] * tn) : 0.0;
            if (sim > best[x]) { best[x] = sim; besti[x] = int(i); } // strict: the lowest i wins ties
        }
    }
    [[unroll]] for (uint x = 0u; x < SPI; x++)
        if (pos0 + x < p.R) assign_out[b * p.R + pos0 + x] = valid[x] ? besti[x] : -1;
}
