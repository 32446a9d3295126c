#version 450
#extension GL_GOOGLE_include_directive : require
// select (SPEC 1.2): one workgroup per image. Finds the k-th largest rank
// key by a 4-pass radix select (8-bit digits, shared histogram with integer
// atomics: counts, hence exact and deterministic), then one pass in index
// order keeps every key above the threshold and the lowest-index ties at it,
// writing keep_idx and rest_idx ascending via workgroup scans. Token `cls`
// (any row; >= N: none) is always kept and does not compete.
#define WG_MAX 256
#include "common.glsl"
#include "wg_reduce.glsl"
layout(std430, binding = 0) readonly buffer S { float score[]; };
layout(std430, binding = 1) writeonly buffer KI { int keep_idx[]; };
layout(std430, binding = 2) writeonly buffer RI { int rest_idx[]; };
// keep_stride: row stride of keep_idx (the fused op writes straight into src_idx rows)
layout(push_constant) uniform P { uint B; uint N; uint cls; uint k; uint write_rest; uint keep_stride; } p;

shared uint hist[256];
shared uint sh_prefix;
shared uint sh_remaining;

void main() {
    uint b = group_linear();
    if (b >= p.B) return; // uniform per workgroup
    uint lid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
    uint base = b * p.N;
    uint nkeep = (p.cls < p.N ? 1u : 0u) + p.k;
    uint nrest = p.N - nkeep;

    uint prefix = 0u, mask = 0u, remaining = p.k;
    if (p.k > 0u) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            for (uint i = lid; i < 256u; i += WG) hist[i] = 0u;
            barrier();
            for (uint j = lid; j < p.N; j += WG) {
                uint key = rank_key(score[base + j]);
                if (j != p.cls && (key & mask) == prefix) atomicAdd(hist[(key >> uint(shift)) & 255u], 1u);
            }
            barrier();
            if (lid == 0u) {
                uint acc = 0u, digit = 0u;
                for (int d = 255; d >= 0; d--) {
                    uint c = hist[d];
                    if (acc + c >= remaining) { digit = uint(d); break; }
                    acc += c;
                }
                sh_prefix = prefix | (digit << uint(shift));
                sh_remaining = remaining - acc;
            }
            barrier();
            prefix = sh_prefix;
            remaining = sh_remaining;
            mask |= 255u << uint(shift);
            barrier();
        }
    }

    uint kept = 0u, rested = 0u, eq_seen = 0u;
    for (uint c0 = 0u; c0 < p.N; c0 += WG) {
        uint j = c0 + lid;
        bool valid = j < p.N;
        bool is_cls = valid && j == p.cls;
        uint key = valid ? rank_key(score[base + j]) : 0u;
        bool gt = valid && !is_cls && p.k > 0u && key > prefix;
        bool eq = valid && !is_cls && p.k > 0u && key == prefix;
        uint eq_total;
        uint eq_before = wg_exclusive_scan(eq ? 1u : 0u, eq_total);
        bool keep = is_cls || gt || (eq && eq_seen + eq_before < remaining);
        eq_seen += eq_total;
        uint keep_total;
        uint kpos = wg_exclusive_scan(keep ? 1u : 0u, keep_total);
        // invalid lanes are all at the end of the chunk, so `lid` valid lanes precede this one
        uint rpos = lid - kpos;
        if (keep && kept + kpos < nkeep) keep_idx[b * p.keep_stride + kept + kpos] = int(j);
        if (valid && !keep && p.write_rest != 0u && rested + rpos < nrest) rest_idx[b * nrest + rested + rpos] = int(j);
        uint nvalid = min(WG, p.N - c0);
        kept += keep_total;
        rested += nvalid - keep_total;
    }
}
