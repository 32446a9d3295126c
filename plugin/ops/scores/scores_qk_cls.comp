#version 450
#extension GL_GOOGLE_include_directive : require
// QK_CLS: per (b, h) one workgroup computes the CLS query's softmax over all
// keys: p[b][h][j] = softmax_j(scale * q[b][cls][h] . k[b][j][h]).
// The logits are parked in the output row (each invocation re-reads only
// what it wrote itself, so no barrier is needed for them).
#define WG_MAX 256
#include "common.glsl"
#include "wg_reduce.glsl"
layout(std430, binding = 0) readonly buffer Q { ELEM q[]; };
layout(std430, binding = 1) readonly buffer K { ELEM k[]; };
layout(std430, binding = 2) buffer Out { float prob[]; };
layout(push_constant) uniform P { uint B; uint N; uint H; uint dh; float scale; uint cls; } p;

void main() {
    uint bh = group_linear();
    if (bh >= p.B * p.H) return; // uniform per workgroup
    uint b = bh / p.H, h = bh - b * p.H;
    uint lid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
    uint qbase = ((b * p.N + p.cls) * p.H + h) * p.dh; // the CLS token's query
    uint obase = bh * p.N;

    float m = -1.0 / 0.0;
    for (uint j = lid; j < p.N; j += WG) {
        uint kbase = ((b * p.N + j) * p.H + h) * p.dh;
        float s = 0.0;
        for (uint d = 0u; d < p.dh; d++) s += float(q[qbase + d]) * float(k[kbase + d]);
        s *= p.scale;
        prob[obase + j] = s;
        m = max(m, s);
    }
    m = wg_max(m);
    float sum = 0.0;
    for (uint j = lid; j < p.N; j += WG) {
        float e = exp(prob[obase + j] - m);
        prob[obase + j] = e;
        sum += e;
    }
    sum = wg_sum(sum);
    float inv = 1.0 / sum;
    for (uint j = lid; j < p.N; j += WG) prob[obase + j] *= inv;
}
