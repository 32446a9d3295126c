#version 450
#extension GL_GOOGLE_include_directive : require
// Composite attention (SPEC 3), CPU-device variant: register blocking, no
// barriers, no shared memory. A workgroup is one block of `local_size_x`
// (row, head) pairs of one image and one kv head, taken from the text-first
// row list that composite_prep built; invocation = pair. Every pair of the
// block reads the same key and value rows, and the key loop's bounds are
// workgroup-uniform, so CPU drivers (lavapipe) load each key element once
// and broadcast it to all lanes instead of gathering. Each invocation keeps
// its query row and output accumulator in registers and streams the keys
// one at a time with an online (running-max) softmax: no Nq x Nk buffer.
// One key per step (not four) and unrolled head-width loops: llvmpipe compiles
// this in ~3 s instead of ~14 s at dh=128 and it runs no slower.
// Visual pairs copy their value row; with split-KV (nsplit > 1) each split
// writes (max, sum, acc) partials for composite_combine.
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
#include "composite.glsl"
layout(constant_id = 2) const uint DH = 128;   // head width, a multiple of 8
const uint D4 = DH / 4u;
layout(std430, binding = 0) readonly buffer Q { ELEM q[]; };
layout(std430, binding = 1) readonly buffer K { ELEM k[]; };
layout(std430, binding = 2) readonly buffer V { ELEM v[]; };
layout(std430, binding = 3) writeonly buffer O { ELEM o[]; };
layout(std430, binding = 4) readonly buffer VR { RAW v_raw[]; };    // v, bit view
layout(std430, binding = 5) writeonly buffer OR { RAW o_raw[]; };   // o, bit view
// four-element bit views for the aligner's copy (VEC4: k/v strides and the
// k, v and o bases allow it; o's rows start on multiples of DH, itself a
// multiple of 8)
layout(std430, binding = 4) readonly buffer VR4 { RAW4 v_raw4[]; };
layout(std430, binding = 5) writeonly buffer OR4 { RAW4 o_raw4[]; };
layout(std430, binding = 6) readonly buffer M { uint meta[]; };
layout(std430, binding = 7) writeonly buffer PT { float part[]; };
// vec4 views of k and v, used when every k/v stride is a multiple of 4 (VEC4):
// lavapipe loads a vec4 about twice as fast as four scalars.
layout(constant_id = 3) const uint VEC4 = 0;
layout(std430, binding = 1) readonly buffer K4 { ELEM4 k4[]; };
layout(std430, binding = 2) readonly buffer V4 { ELEM4 v4[]; };

vec4 ld4(uint i) {
    if (VEC4 != 0u) return vec4(k4[i >> 2]);
    return vec4(float(k[i]), float(k[i + 1u]), float(k[i + 2u]), float(k[i + 3u]));
}
vec4 lv4(uint i) {
    if (VEC4 != 0u) return vec4(v4[i >> 2]);
    return vec4(float(v[i]), float(v[i + 1u]), float(v[i + 2u]), float(v[i + 3u]));
}

// Each invocation owns RPL pairs (lid, lid + LX, ...): every key and value
// load then feeds RPL rows' FMAs, which matters on CPU drivers where a load
// inside a loop costs far more than an FMA (RPL 2 runs 2x faster than 1 on
// lavapipe at dh=128; the host picks 1 for wider heads to bound registers
// and compile time).
layout(constant_id = 4) const uint RPL = 1;

void main() {
    const uint LX = gl_WorkGroupSize.x;
    const uint BLK = LX * RPL;       // pairs per workgroup
    uint lid = gl_LocalInvocationID.x;
    uint lin = group_linear();
    uint bh = lin / p.nblk, blk = lin - bh * p.nblk;
    if (bh >= p.B * p.Hkv) return; // uniform: padding groups of the 2-D grid
    uint split = gl_WorkGroupID.z;
    uint b = bh / p.Hkv, hk = bh - b * p.Hkv;
    uint npairs = p.Nq * p.G;
    uint first = blk * BLK;
    uint ntp = meta[b] * p.G;        // text pairs come first in the list
    uint lb = list_base(b);
    bool live[RPL], text[RPL];
    uint r[RPL], pos[RPL], h[RPL], orow[RPL];
    [[unroll]] for (uint x = 0u; x < RPL; x++) {
        uint pr = first + x * LX + lid;
        live[x] = pr < npairs;
        uint pair = min(pr, npairs - 1u);
        uint e = pair / p.G, g = pair - e * p.G;
        r[x] = meta[lb + e];
        pos[x] = p.Nk - p.Nq + r[x];
        h[x] = hk * p.G + g;
        text[x] = live[x] && pair < ntp;
        orow[x] = ((b * p.Nq + r[x]) * p.Hq + h[x]) * DH;
    }

    if (first < ntp) { // uniform: the block holds text pairs
        // keys this block needs: up to the last text pair's position (rows ascend)
        uint last = min(first + BLK, ntp) - 1u;
        uint jend = p.Nk - p.Nq + meta[lb + last / p.G] + 1u;
        uint j0 = split * p.chunk;
        uint j1 = min(jend, j0 + p.chunk);
        uint lim[RPL];
        vec4 qv[RPL][D4], acc[RPL][D4];
        float m[RPL], l[RPL];
        [[unroll]] for (uint x = 0u; x < RPL; x++) {
            lim[x] = text[x] ? min(pos[x] + 1u, j1) : 0u; // this pair's keys end here
            m[x] = -1.0 / 0.0;
            l[x] = 0.0;
            uint qb = b * p.qs0 + r[x] * p.qs1 + h[x] * p.qs2;
            [[unroll]] for (uint d = 0u; d < D4; d++) {
                acc[x][d] = vec4(0.0);
                // a visual row's q is never read
                qv[x][d] = text[x] ? vec4(float(q[qb + 4u * d]), float(q[qb + 4u * d + 1u]), float(q[qb + 4u * d + 2u]),
                                          float(q[qb + 4u * d + 3u])) * p.scale
                                   : vec4(0.0);
            }
        }
        uint kh = b * p.ks0 + hk * p.ks2, vh = b * p.vs0 + hk * p.vs2;
        for (uint j = j0; j < j1; j++) {
            uint k0 = kh + j * p.ks1;
            float s[RPL];
            [[unroll]] for (uint x = 0u; x < RPL; x++) s[x] = 0.0;
            [[unroll]] for (uint d = 0u; d < D4; d++) {
                vec4 kd = ld4(k0 + 4u * d);
                [[unroll]] for (uint x = 0u; x < RPL; x++) s[x] += dot(qv[x][d], kd);
            }
            float c[RPL], w[RPL];
            [[unroll]] for (uint x = 0u; x < RPL; x++) {
                const float NINF = -1.0 / 0.0;
                float sx = j < lim[x] ? s[x] : NINF;
                float mn = max(m[x], sx);
                float ms = mn == NINF ? 0.0 : mn;   // no valid key yet: keep everything at 0
                c[x] = exp2(m[x] - ms);
                w[x] = exp2(sx - ms);
                l[x] = l[x] * c[x] + w[x];
                m[x] = mn;
            }
            uint v0 = vh + j * p.vs1;
            [[unroll]] for (uint d = 0u; d < D4; d++) {
                vec4 vd = lv4(v0 + 4u * d);
                [[unroll]] for (uint x = 0u; x < RPL; x++) acc[x][d] = acc[x][d] * c[x] + w[x] * vd;
            }
        }
        [[unroll]] for (uint x = 0u; x < RPL; x++) {
            if (!text[x]) continue;
            if (p.nsplit == 1u) {
                float inv = 1.0 / l[x];
                [[unroll]] for (uint d = 0u; d < D4; d++) {
                    vec4 y = acc[x][d] * inv;
                    o[orow[x] + 4u * d] = ELEM(y.x);
                    o[orow[x] + 4u * d + 1u] = ELEM(y.y);
                    o[orow[x] + 4u * d + 2u] = ELEM(y.z);
                    o[orow[x] + 4u * d + 3u] = ELEM(y.w);
                }
            } else {
                uint si = ((split * p.B + b) * p.Nq + r[x]) * p.Hq + h[x];
                part[2u * si] = m[x];
                part[2u * si + 1u] = l[x];
                uint ab = p.acc_off + si * DH;
                [[unroll]] for (uint d = 0u; d < D4; d++) {
                    part[ab + 4u * d] = acc[x][d].x;
                    part[ab + 4u * d + 1u] = acc[x][d].y;
                    part[ab + 4u * d + 2u] = acc[x][d].z;
                    part[ab + 4u * d + 3u] = acc[x][d].w;
                }
            }
        }
    }
    if (split == 0u) { // the aligner: a visual row's output is its value row
        for (uint x = 0u; x < RPL; x++) {
            if (!live[x] || text[x]) continue;
            uint vb = b * p.vs0 + pos[x] * p.vs1 + hk * p.vs2;
            if (VEC4 != 0u) {
                // a quarter of the loads and stores (prefill on lavapipe: 46 -> 43 ms)
                for (uint d = 0u; d < D4; d++) o_raw4[(orow[x] >> 2) + d] = v_raw4[(vb >> 2) + d];
            } else {
                for (uint d = 0u; d < DH; d++) o_raw[orow[x] + d] = v_raw[vb + d];
            }
        }
    }
}
