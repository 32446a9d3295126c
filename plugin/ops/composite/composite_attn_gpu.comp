#version 450
#extension GL_GOOGLE_include_directive : require
// Composite attention (SPEC 3), GPU variant: flash-attention style tiles in
// shared memory. A workgroup takes BR (row, head) pairs of one image and one
// kv head from the text-first row list (composite_prep) and keeps their
// scaled queries in shared memory; key tiles of BC rows go through shared
// memory, the BR x BC logits too, then the value tile reuses the key
// tile's space. Online (running-max) softmax per pair, fp32 throughout; no
// Nq x Nk buffer. Each invocation owns a fixed set of (pair, d) accumulators
// in registers. Only barriers and shared memory: no subgroup operations,
// so the sh and sg builds are the same program. Tile sizes come from
// specialization constants the host picks from the device's shared-memory
// limit. Visual pairs copy their value row; with split-KV (nsplit > 1) each
// split writes (max, sum, acc) partials for composite_combine.
#include "common.glsl"
#include "composite.glsl"
layout(constant_id = 2) const uint DH = 128;
layout(constant_id = 3) const uint BR = 16;  // pairs per workgroup
layout(constant_id = 4) const uint BC = 32;  // keys per tile
const uint MAXACC = 32u;                     // host keeps BR*DH <= 32 * local_size_x
layout(std430, binding = 0) readonly buffer Q { ELEM q[]; };
layout(std430, binding = 1) readonly buffer K { ELEM k[]; };
layout(std430, binding = 2) readonly buffer V { ELEM v[]; };
layout(std430, binding = 3) writeonly buffer O { ELEM o[]; };
layout(std430, binding = 4) readonly buffer VR { RAW v_raw[]; };
layout(std430, binding = 5) writeonly buffer OR { RAW o_raw[]; };
layout(std430, binding = 6) readonly buffer M { uint meta[]; };
layout(std430, binding = 7) writeonly buffer PT { float part[]; };

shared float qs[BR * DH];
shared float kv[BC * DH];
shared float sp[BR * BC];
shared float mrow[BR], lrow[BR], crow[BR];
shared uint lim_s[BR];   // keys [.., lim) are visible to the pair (0: not a text pair)

void main() {
    const uint LX = gl_WorkGroupSize.x;
    const float NINF = -1.0 / 0.0;
    uint lid = gl_LocalInvocationID.x;
    uint lin = group_linear();
    uint bh = lin / p.nblk, blk = lin - bh * p.nblk;
    if (bh >= p.B * p.Hkv) return; // uniform
    uint split = gl_WorkGroupID.z;
    uint b = bh / p.Hkv, hk = bh - b * p.Hkv;
    uint npairs = p.Nq * p.G;
    uint first = blk * BR;
    uint ntp = meta[b] * p.G;
    uint lb = list_base(b);
    uint j0 = split * p.chunk, j1 = j0;
    if (first < ntp) {
        uint last = min(first + BR, ntp) - 1u;
        j1 = min(p.Nk - p.Nq + meta[lb + last / p.G] + 1u, j0 + p.chunk);
    }
    uint kh = b * p.ks0 + hk * p.ks2, vh = b * p.vs0 + hk * p.vs2;

    for (uint i = lid; i < BR * DH; i += LX) {
        uint pr = i / DH, d = i - pr * DH, pair = first + pr;
        float x = 0.0;
        if (pair < ntp) {
            uint e = pair / p.G, g = pair - e * p.G;
            x = float(q[b * p.qs0 + meta[lb + e] * p.qs1 + (hk * p.G + g) * p.qs2 + d]) * p.scale;
        }
        qs[i] = x;
    }
    for (uint i = lid; i < BR; i += LX) {
        uint pair = first + i;
        lim_s[i] = pair < ntp ? min(p.Nk - p.Nq + meta[lb + pair / p.G] + 1u, j1) : 0u;
        mrow[i] = NINF;
        lrow[i] = 0.0;
    }
    float acc[MAXACC];
    const uint NACC = (BR * DH + LX - 1u) / LX;
    for (uint a = 0u; a < NACC; a++) acc[a] = 0.0;
    barrier();

    for (uint j = j0; j < j1; j += BC) {
        for (uint i = lid; i < BC * DH; i += LX) {
            uint c = i / DH, d = i - c * DH;
            kv[i] = float(k[kh + min(j + c, j1 - 1u) * p.ks1 + d]);
        }
        barrier();
        for (uint i = lid; i < BR * BC; i += LX) {
            uint pr = i / BC, c = i - pr * BC;
            float s = NINF;
            if (j + c < lim_s[pr]) {
                s = 0.0;
                for (uint d = 0u; d < DH; d++) s += qs[pr * DH + d] * kv[c * DH + d];
            }
            sp[i] = s;
        }
        barrier();
        for (uint i = lid; i < BR; i += LX) {
            float mt = NINF;
            for (uint c = 0u; c < BC; c++) mt = max(mt, sp[i * BC + c]);
            float mo = mrow[i], mn = max(mo, mt);
            crow[i] = exp2(mo - (mn == NINF ? 0.0 : mn));
            mrow[i] = mn;
        }
        barrier();
        for (uint i = lid; i < BC * DH; i += LX) {
            uint c = i / DH, d = i - c * DH;
            kv[i] = float(v[vh + min(j + c, j1 - 1u) * p.vs1 + d]);
        }
        for (uint i = lid; i < BR * BC; i += LX) {
            float mn = mrow[i / BC];
            sp[i] = exp2(sp[i] - (mn == NINF ? 0.0 : mn));
        }
        barrier();
        for (uint i = lid; i < BR; i += LX) {
            float t = 0.0;
            for (uint c = 0u; c < BC; c++) t += sp[i * BC + c];
            lrow[i] = lrow[i] * crow[i] + t;
        }
        for (uint a = 0u; a < NACC; a++) {
            uint idx = lid + a * LX;
            if (idx < BR * DH) {
                uint pr = idx / DH, d = idx - pr * DH;
                float x = acc[a] * crow[pr];
                for (uint c = 0u; c < BC; c++) x += sp[pr * BC + c] * kv[c * DH + d];
                acc[a] = x;
            }
        }
        barrier();
    }

    for (uint a = 0u; a < NACC; a++) {
        uint idx = lid + a * LX;
        uint pr = idx / DH, d = idx - pr * DH, pair = first + pr;
        if (idx >= BR * DH || pair >= npairs) continue;
        uint e = pair / p.G, g = pair - e * p.G;
        uint r = meta[lb + e], h = hk * p.G + g;
        uint orow = ((b * p.Nq + r) * p.Hq + h) * DH;
        if (pair < ntp) {
            if (p.nsplit == 1u) {
                o[orow + d] = ELEM(acc[a] / lrow[pr]);
            } else {
                uint si = ((split * p.B + b) * p.Nq + r) * p.Hq + h;
                if (d == 0u) {
                    part[2u * si] = mrow[pr];
                    part[2u * si + 1u] = lrow[pr];
                }
                part[p.acc_off + si * DH + d] = acc[a];
            }
        } else if (split == 0u) {
            o_raw[orow + d] = v_raw[b * p.vs0 + (p.Nk - p.Nq + r) * p.vs1 + hk * p.vs2 + d];
        }
    }
}
