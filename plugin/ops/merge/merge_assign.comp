#version 450
#extension GL_GOOGLE_include_directive : require
// merge (SPEC 1.3) step 1: assign each source to its most similar target.
// Rest position p (0..R-1) of image b is a target when p = i*step, i < c;
// every other position is a source and gets assign[b][p] = argmax_i of the
// cosine similarity of metric rows (ties: lowest i; a zero row has
// similarity 0 with everything). Targets get -1.
// LANES (spec constant 2) invocations share one source: 1 on CPU devices (no
// barriers), 32 on GPUs (targets split across lanes, then a shared-memory
// argmax). Either way an invocation's loops stay short (lavapipe limiter).
#include "common.glsl"
layout(constant_id = 2) const uint LANES = 1;
layout(std430, binding = 0) readonly buffer M { ELEM metric[]; };
layout(std430, binding = 1) readonly buffer RI { int rest_idx[]; };
layout(std430, binding = 2) writeonly buffer A { int assign_out[]; };
layout(push_constant) uniform P { uint B; uint N; uint Dm; uint R; uint c; uint step; } p;

shared float red_v[gl_WorkGroupSize.x];
shared uint red_i[gl_WorkGroupSize.x];

float norm_of(uint row) {
    float s = 0.0;
    uint d = 0u;
    for (; d + 4u <= p.Dm; d += 4u) {
        vec4 v = vec4(float(metric[row + d]), float(metric[row + d + 1u]), float(metric[row + d + 2u]), float(metric[row + d + 3u]));
        s += dot(v, v);
    }
    for (; d < p.Dm; d++) { float v = float(metric[row + d]); s += v * v; }
    return sqrt(s);
}

float dot_rows(uint a, uint b) {
    float s = 0.0;
    uint d = 0u;
    for (; d + 4u <= p.Dm; d += 4u)
        s += dot(vec4(float(metric[a + d]), float(metric[a + d + 1u]), float(metric[a + d + 2u]), float(metric[a + d + 3u])),
                 vec4(float(metric[b + d]), float(metric[b + d + 1u]), float(metric[b + d + 2u]), float(metric[b + d + 3u])));
    for (; d < p.Dm; d++) s += float(metric[a + d]) * float(metric[b + d]);
    return s;
}

void main() {
    uint lane = gl_LocalInvocationID.x % LANES;
    uint slot = (group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x) / LANES;
    uint total = p.B * p.R;
    bool in_range = slot < total;
    uint b = in_range ? slot / p.R : 0u, pos = in_range ? slot - b * p.R : 0u;
    bool is_target = pos % p.step == 0u && pos / p.step < p.c;
    int src = in_range ? rest_idx[b * p.R + pos] : -1;
    bool valid = in_range && !is_target && src >= 0 && uint(src) < p.N;

    float best = -2.0; // cosine similarities lie in [-1, 1]
    uint besti = 0xffffffffu;
    if (valid) {
        uint srow = (b * p.N + uint(src)) * p.Dm;
        float sn = norm_of(srow);
        for (uint i = lane; i < p.c; i += LANES) {
            int t = rest_idx[b * p.R + i * p.step];
            float sim = 0.0;
            if (t >= 0 && uint(t) < p.N) {
                uint trow = (b * p.N + uint(t)) * p.Dm;
                float tn = norm_of(trow);
                sim = (sn > 0.0 && tn > 0.0) ? dot_rows(srow, trow) / (sn * tn) : 0.0;
            }
            if (sim > best) { best = sim; besti = i; } // strict: the lowest i wins ties
        }
    }
    if (LANES > 1u) { // folded away on CPU devices (LANES == 1): no barrier there
        red_v[gl_LocalInvocationID.x] = best;
        red_i[gl_LocalInvocationID.x] = besti;
        barrier();
        for (uint s = LANES / 2u; s > 0u; s >>= 1) {
            if (lane < s) {
                uint o = gl_LocalInvocationID.x + s;
                float v = red_v[o];
                uint vi = red_i[o];
                float w = red_v[gl_LocalInvocationID.x];
                uint wi = red_i[gl_LocalInvocationID.x];
                if (v > w || (v == w && vi < wi)) {
                    red_v[gl_LocalInvocationID.x] = v;
                    red_i[gl_LocalInvocationID.x] = vi;
                }
            }
            barrier();
        }
        besti = red_i[gl_LocalInvocationID.x - lane];
    }
    if (in_range && lane == 0u)
        assign_out[b * p.R + pos] = valid && besti != 0xffffffffu ? int(besti) : -1;
}
