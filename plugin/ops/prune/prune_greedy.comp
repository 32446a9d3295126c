#version 450
#extension GL_GOOGLE_include_directive : require
// prune (docs/prune.md): the sequential selection over precomputed
// distances, one workgroup per image, steps t0 .. t1-1 of this dispatch
// (llvmpipe stops an invocation after 65535 loop back-edges, so long
// selections are cut into a few dispatches; the state between them is
// kept, dist and pick[b] in memory).
// The first dispatch (first = 1) clears the kept flags (DART: and marks
// the pivots kept).
//   mode 0 DivPrune, tab = the image's N x N distance matrix: step 0 takes
//     the argmax of nn (in dist, from prune_nnmin), step t >= 1 folds row
//     s_{t-1} of the matrix into the running minima and takes their argmax.
//   mode 1 DART, tab = [npiv][N] distances to the pivots (prune_pivd): step t
//     is pick t of the pivots' quotas in pivot order, the argmax of
//     d(pivot, j) over the tokens not kept yet.
// Invocation lid owns tokens j = lid (mod WG): only it reads or writes their
// dist and kept entries; the argmax of (key, index) pairs is exact (ties to
// the lower index) whatever the subgroup or workgroup size. The last
// dispatch writes keep_idx (and src_idx) ascending and the rest ascending.
#define WG_MAX 256
#include "common.glsl"
#include "wg_reduce.glsl"
layout(std430, binding = 0) readonly buffer TAB { float tab[]; };
layout(std430, binding = 1) buffer DIST { float dist[]; };
layout(std430, binding = 2) buffer KEPT { uint kept[]; };
layout(std430, binding = 3) readonly buffer PIV { int piv[]; };
layout(std430, binding = 4) buffer PICK { uint pick[]; };
layout(std430, binding = 5) writeonly buffer KI { int keep_idx[]; };
layout(std430, binding = 6) writeonly buffer SI { int src_idx[]; };
layout(std430, binding = 7) writeonly buffer RI { int rest_idx[]; };
layout(push_constant) uniform P {
    uint G; uint N; uint K; uint mode; uint npiv; uint t0; uint t1; uint b0; uint first; uint last;
    uint write_keep; uint write_src; uint src_rows; uint write_rest;
} p;

// KEYS: DART's per-lane token keys held in a private array on CPU devices
// (each lane's ceil(N / WG) tokens, rounded up to a power of two by the
// host; slots past N hold key 0, no candidate); 0 on GPUs (no array)
layout(constant_id = 2) const uint KEYS = 0;
const uint KL = KEYS > 1u ? KEYS : 1u;
uint keys[KL];

shared uint red_k[WG_MAX];
shared uint red_i[WG_MAX];

// Workgroup argmax of key (0 = not a candidate), ties to the lower index.
uint wg_argmax(uint key, uint idx) {
    uint lid = gl_LocalInvocationID.x;
#ifdef USE_SUBGROUP
    uint mk = subgroupMax(key);
    uint mi = subgroupMin(key == mk ? idx : 0xffffffffu);
    if (subgroupElect()) { red_k[gl_SubgroupID] = mk; red_i[gl_SubgroupID] = mi; }
    barrier();
    uint bk = red_k[0], bi = red_i[0];
    for (uint s = 1u; s < gl_NumSubgroups; s++) {
        uint k2 = red_k[s], i2 = red_i[s];
        if (k2 > bk || (k2 == bk && i2 < bi)) { bk = k2; bi = i2; }
    }
    barrier();
#else
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
    uint bk = red_k[0], bi = red_i[0];
    barrier();
#endif
    return bk != 0u ? bi : 0xffffffffu;
}

// Larger distance ranks higher; NaN above only the non-candidates.
uint far_key(float x) { return rank_key(x) + 1u; }

void main() {
    uint g = group_linear();
    if (g >= p.G) return; // uniform per workgroup
    uint lid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
    uint b = p.b0 + g, base = b * p.N;
    if (p.first != 0u) {
        for (uint j = lid; j < p.N; j += WG) kept[base + j] = 0u;
        for (uint i = 0u; i < p.npiv; i++) {
            int pv = piv[b * p.npiv + i];
            if (pv >= 0 && uint(pv) < p.N && uint(pv) % WG == lid) kept[base + uint(pv)] = 1u;
        }
    }
    if (p.mode == 0u) {
        uint tb = g * p.N * p.N; // this image's matrix
        uint pk = p.t0 > 0u ? pick[b] : 0xffffffffu;
        for (uint t = p.t0; t < p.t1; t++) {
            uint bk = 0u, bi = 0xffffffffu;
            if (t == 0u) {
                for (uint j = lid; j < p.N; j += WG) {
                    uint k = far_key(dist[base + j]);
                    if (k > bk) { bk = k; bi = j; }   // j ascending within a lane: first max kept
                }
            } else {
                if (pk >= p.N) break; // uniform; cannot happen while K <= N
                uint row = tb + pk * p.N;
                for (uint j = lid; j < p.N; j += WG) {
                    if (kept[base + j] != 0u) continue;
                    float dd = tab[row + j];
                    float m = dist[base + j];
                    // the first pick's nn(j) is not a distance to a kept token: replace it
                    if (t == 1u || isnan(dd) || dd < m) m = dd;
                    dist[base + j] = m;
                    uint k = far_key(m);
                    if (k > bk) { bk = k; bi = j; }
                }
            }
            pk = wg_argmax(bk, bi);
            if (pk < p.N && pk % WG == lid) kept[base + pk] = 1u;
        }
        if (lid == 0u && p.t1 > p.t0) pick[b] = pk;
    } else {
        uint extra = p.K - p.npiv;
        uint cur = 0xffffffffu; // the pivot whose keys are in keys[] (KL > 1)
        for (uint t = p.t0; t < p.t1; t++) {
            // pick t of the quotas q_i = extra / npiv (+1 for the first extra % npiv pivots), in pivot order
            uint r = t, i = 0u;
            for (; i + 1u < p.npiv; i++) {
                uint q = extra / p.npiv + (i < extra % p.npiv ? 1u : 0u);
                if (r < q) break;
                r -= q;
            }
            uint row = (b * p.npiv + i) * p.N;
            uint bk = 0u, bi = 0xffffffffu;
            if (KL > 1u) {
                // CPU devices: the lane's keys for this pivot in a private array, read
                // once per pivot; a step then reads them at a uniform index (one vector
                // load on llvmpipe) instead of gathering kept and tab for every token
                if (i != cur) { // uniform
                    cur = i;
                    for (uint m = 0u; m < KL; m++) {
                        uint j = lid + m * WG;
                        keys[m] = j < p.N && kept[base + j] == 0u ? far_key(tab[row + j]) : 0u;
                    }
                }
                for (uint m = 0u; m < KL; m++)
                    if (keys[m] > bk) { bk = keys[m]; bi = lid + m * WG; } // j ascending: first max kept
            } else {
                for (uint j = lid; j < p.N; j += WG) {
                    if (kept[base + j] != 0u) continue;
                    uint k = far_key(tab[row + j]);
                    if (k > bk) { bk = k; bi = j; }
                }
            }
            uint pk = wg_argmax(bk, bi);
            if (pk < p.N && pk % WG == lid) {
                kept[base + pk] = 1u;
                if (KL > 1u) keys[pk / WG] = 0u;
            }
        }
    }
    if (p.last == 0u) return;
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
