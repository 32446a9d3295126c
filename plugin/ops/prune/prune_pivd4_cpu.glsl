// The body of prune_pivd4_cpu and prune_pivd4_tex_cpu (see the first). The
// including shader declares binding 0 and ROW4(i), the i-th 4-value group
// of the rows.
layout(constant_id = 2) const uint TI = 4;
layout(std430, binding = 1) readonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) readonly buffer PIV { int piv[]; };
layout(std430, binding = 3) writeonly buffer TAB { float tab[]; };
// NJ blocks of S*TI tokens, NP blocks of S pivots per image
layout(push_constant) uniform P { uint B; uint N; uint Dm; uint npiv; uint NJ; uint NP; } p;

const uint S = SUBGROUP_SIZE; // the workgroup size, from the host

uint pivot_row(uint b, uint i) { return min(uint(max(piv[b * p.npiv + min(i, p.npiv - 1u)], 0)), p.N - 1u); }

void main() {
    uint lid = gl_LocalInvocationID.x;
    uint gid = group_linear(), per = p.NJ * p.NP;
    uint b = gid / per;
    if (b >= p.B) return; // uniform per workgroup
    uint pb = (gid - b * per) / p.NJ, jb = gid - b * per - pb * p.NJ;
    uint base = b * p.N, j0 = jb * S * TI;
    uint rj[TI];
    float ij[TI];
    [[unroll]] for (uint t = 0u; t < TI; t++) {
        uint j = min(j0 + t * S + lid, p.N - 1u);
        rj[t] = (base + j) * (p.Dm / 4u);
        ij[t] = inv_l2[base + j];
    }
    float acc[TI][S];
    [[unroll]] for (uint t = 0u; t < TI; t++)
        [[unroll]] for (uint k = 0u; k < S; k++) acc[t][k] = 0.0;
    // the lane's own pivot (its loads reach the others by shuffles) and, for
    // the per-lane-load path, all S of the block
    uint pvo = pivot_row(b, pb * S + lid);
    uint rpo = (base + pvo) * (p.Dm / 4u);
    float ipo = inv_l2[base + pvo];
    uint rp[S];
    float ip[S];
    [[unroll]] for (uint k = 0u; k < S; k++) {
        uint pv = pivot_row(b, pb * S + k);
        rp[k] = (base + pv) * (p.Dm / 4u);
        ip[k] = inv_l2[base + pv];
    }
    for (uint d = 0u; d < p.Dm / 4u; d++) {
        vec4 x[TI];
        [[unroll]] for (uint t = 0u; t < TI; t++) x[t] = ROW4(rj[t] + d);
        vec4 ym;
        if (SHARE_BY_SHUFFLE) ym = ROW4(rpo + d) * ipo;
        [[unroll]] for (uint k = 0u; k < S; k++) {
            vec4 y = SHARE_BY_SHUFFLE ? SHUFFLE(ym, k) : ROW4(rp[k] + d) * ip[k];
            [[unroll]] for (uint t = 0u; t < TI; t++) {
                acc[t][k] += half_sq_diff(x[t].x, ij[t], y.x);
                acc[t][k] += half_sq_diff(x[t].y, ij[t], y.y);
                acc[t][k] += half_sq_diff(x[t].z, ij[t], y.z);
                acc[t][k] += half_sq_diff(x[t].w, ij[t], y.w);
            }
        }
    }
    [[unroll]] for (uint k = 0u; k < S; k++) {
        uint i = pb * S + k;
        if (i >= p.npiv) continue;
        float ipk = SHARE_BY_SHUFFLE ? SHUFFLE(ipo, k) : ip[k];
        [[unroll]] for (uint t = 0u; t < TI; t++) {
            uint j = j0 + t * S + lid;
            if (j < p.N) tab[(b * p.npiv + i) * p.N + j] = ipk == 0.0 || ij[t] == 0.0 ? 1.0 : 0.5 * acc[t][k];
        }
    }
}
