#version 450
#extension GL_GOOGLE_include_directive : require
// prune (docs/prune.md): the sequential selection, one workgroup per image.
// Invocation `lid` owns the tokens j = lid (mod WG): only it reads or writes
// their dist and kept entries, so no cross-invocation memory traffic is
// needed besides the shared-memory argmax, which combines (key, index)
// pairs in a fixed tree (ties to the lower index): same input, same bits,
// whatever the workgroup or subgroup size.
//   mode 0 DivPrune: step 0 takes the argmax of nn(i) (prune_nn's partials),
//     step t >= 1 folds in d(j, last pick) and takes the argmax of the minima.
//   mode 1 DART: pivots (ascending, from select_topk on the L1 norms) are kept;
//     pivot i in turn keeps its quota of largest d(pivot, j) (least similar)
//     among the tokens not kept yet.
// Then one scan in index order writes keep_idx (and src_idx) ascending and
// the rest tokens ascending for the contextual merge.
#define WG_MAX 256
#include "common.glsl"
#include "wg_reduce.glsl"
#include "prune.glsl"
layout(std430, binding = 0) readonly buffer M { ELEM metric[]; };
layout(std430, binding = 1) readonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) buffer DIST { float dist[]; };
layout(std430, binding = 3) buffer KEPT { uint kept[]; };
layout(std430, binding = 4) readonly buffer PIV { int piv[]; };
layout(std430, binding = 5) writeonly buffer KI { int keep_idx[]; };
layout(std430, binding = 6) writeonly buffer SI { int src_idx[]; };
layout(std430, binding = 7) writeonly buffer RI { int rest_idx[]; };
layout(std430, binding = 8) readonly buffer PART { float part[]; }; // prune_nn's partial minima [B][N][NC]
layout(push_constant) uniform P {
    uint B; uint N; uint Dm; uint K; uint mode; uint npiv;
    uint write_keep; uint write_src; uint src_rows; uint write_rest; uint NC;
} p;

shared uint red_k[WG_MAX];
shared uint red_i[WG_MAX];

// Workgroup argmax of key (0 = not a candidate), ties to the lower index.
uint wg_argmax(uint key, uint idx) {
    uint lid = gl_LocalInvocationID.x;
    red_k[lid] = key;
    red_i[lid] = idx;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1) {
        if (lid < s) {
            uint k2 = red_k[lid + s], i2 = red_i[lid + s];
            if (k2 > red_k[lid] || (k2 == red_k[lid] && i2 < red_i[lid])) {
                red_k[lid] = k2;
                red_i[lid] = i2;
            }
        }
        barrier();
    }
    uint r = red_k[0] != 0u ? red_i[0] : 0xffffffffu;
    barrier();
    return r;
}

// d(a, c) of rows starting at a and c with 1/norms ia, ic (0: a zero row)
float dist_rows(uint a, float ia, uint c, float ic) {
    if (ia == 0.0 || ic == 0.0) return 1.0;
    float s = 0.0;
    for (uint d = 0u; d < p.Dm; d++) s += half_sq_diff(float(metric[c + d]), ic, float(metric[a + d]) * ia);
    return 0.5 * s;
}

// Larger distance ranks higher; NaN above only the non-candidates.
uint far_key(float x) { return rank_key(x) + 1u; }

void main() {
    uint b = group_linear();
    if (b >= p.B) return; // uniform per workgroup
    uint lid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
    uint base = b * p.N;
    for (uint j = lid; j < p.N; j += WG) kept[base + j] = 0u;

    if (p.mode == 0u && p.K > 0u) {
        uint bk = 0u, bi = 0xffffffffu;
        for (uint j = lid; j < p.N; j += WG) {
            float nn;
            PRUNE_NN_MIN(part, base + j, p.NC, nn);
            uint k = far_key(nn);
            if (k > bk) { bk = k; bi = j; }   // j ascending within a lane: first max kept
        }
        uint pick = wg_argmax(bk, bi);
        for (uint t = 1u; t <= p.K; t++) {
            if (pick < p.N && pick % WG == lid) kept[base + pick] = 1u;
            if (t == p.K || pick >= p.N) break; // uniform: pick comes from shared memory
            uint rp = (base + pick) * p.Dm;
            float inv_p = inv_l2[base + pick];
            bk = 0u; bi = 0xffffffffu;
            for (uint j = lid; j < p.N; j += WG) {
                if (kept[base + j] != 0u) continue;
                float dd = dist_rows(rp, inv_p, (base + j) * p.Dm, inv_l2[base + j]);
                float m = dist[base + j];
                // the first pick's nn(j) is not a distance to a kept token: replace it
                if (t == 1u || isnan(dd) || dd < m) m = dd;
                dist[base + j] = m;
                uint k = far_key(m);
                if (k > bk) { bk = k; bi = j; }
            }
            pick = wg_argmax(bk, bi);
        }
    } else if (p.mode == 1u && p.K > 0u) {
        for (uint i = 0u; i < p.npiv; i++) {
            int pv = piv[b * p.npiv + i];
            if (pv >= 0 && uint(pv) < p.N && uint(pv) % WG == lid) kept[base + uint(pv)] = 1u;
        }
        uint extra = p.K - p.npiv;
        for (uint i = 0u; i < p.npiv; i++) {
            uint q = extra / p.npiv + (i < extra % p.npiv ? 1u : 0u);
            int pv = piv[b * p.npiv + i];
            if (q == 0u || pv < 0 || uint(pv) >= p.N) continue; // uniform
            uint rp = (base + uint(pv)) * p.Dm;
            float inv_p = inv_l2[base + uint(pv)];
            for (uint j = lid; j < p.N; j += WG)
                if (kept[base + j] == 0u) dist[base + j] = dist_rows(rp, inv_p, (base + j) * p.Dm, inv_l2[base + j]);
            for (uint r = 0u; r < q; r++) {
                uint bk = 0u, bi = 0xffffffffu;
                for (uint j = lid; j < p.N; j += WG) {
                    if (kept[base + j] != 0u) continue;
                    uint k = far_key(dist[base + j]);
                    if (k > bk) { bk = k; bi = j; }
                }
                uint pick = wg_argmax(bk, bi);
                if (pick >= p.N) break; // uniform; cannot happen while K <= N
                if (pick % WG == lid) kept[base + pick] = 1u;
            }
        }
    }

    // index-order scan: the invocation reading kept[j] here is its owner (c0 is a multiple of WG)
    uint nk = 0u, nr = 0u, nrest = p.N - p.K;
    for (uint c0 = 0u; c0 < p.N; c0 += WG) {
        uint j = c0 + lid;
        bool valid = j < p.N;
        bool k = valid && kept[base + j] != 0u;
        uint ktot, rtot;
        uint kpos = wg_exclusive_scan(k ? 1u : 0u, ktot);
        uint rpos = wg_exclusive_scan(valid && !k ? 1u : 0u, rtot);
        if (k && nk + kpos < p.K) {
            if (p.write_keep != 0u) keep_idx[b * p.K + nk + kpos] = int(j);
            if (p.write_src != 0u) src_idx[b * p.src_rows + nk + kpos] = int(j);
        }
        if (valid && !k && p.write_rest != 0u && nr + rpos < nrest) rest_idx[b * nrest + nr + rpos] = int(j);
        nk += ktot;
        nr += rtot;
    }
}
