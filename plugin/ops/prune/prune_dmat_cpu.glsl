// The body of prune_dmat_cpu and prune_dmat_tex_cpu (see the first). The including
// shader declares binding 0 and ROW4(i), the i-th 4-value group of the rows.
layout(constant_id = 2) const uint TI = 4;
layout(constant_id = 3) const uint JS = 4;
layout(constant_id = 4) const bool RAW = false;
layout(std430, binding = 1) readonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) writeonly buffer DM { float dm[]; };
// NI blocks of S*TI rows i, NJ blocks of S*JS rows j per image; D4 = Dp / 4;
// the rows of image g are those of image xb + g of the bound buffer
layout(push_constant) uniform P { uint G; uint N; uint D4; uint b0; uint NI; uint NJ; uint xb; } p;

const uint S = SUBGROUP_SIZE; // the workgroup size, from the host
const uint TJ = S * JS;

// a loaded vec4 of a row, normalised (RAW: the product prune_unit rounds)
vec4 unit(vec4 x, float inv) {
    if (!RAW) return x;
    precise vec4 u = x * inv;
    return u;
}

void main() {
    uint lid = gl_LocalInvocationID.x;
    uint gid = group_linear(), nb = p.NI * p.NJ;
    uint g = gid / nb;
    if (g >= p.G) return; // uniform per workgroup
    uint ib = (gid - g * nb) / p.NJ, jb = gid - g * nb - ib * p.NJ;
    uint i0 = ib * S * TI, j0 = jb * TJ;
    if (j0 + TJ <= i0 + 1u) return; // uniform: no pair i < j in this block
    uint base = g * p.N, xbase = (p.xb + g) * p.N, ib0 = (p.b0 + g) * p.N;
    uint ra[TI];
    float ia[TI];
    [[unroll]] for (uint t = 0u; t < TI; t++) {
        uint i = min(i0 + t * S + lid, p.N - 1u);
        ra[t] = (xbase + i) * p.D4;
        ia[t] = RAW ? inv_l2[ib0 + i] : 1.0;
    }
    float acc[TI][TJ];
    [[unroll]] for (uint t = 0u; t < TI; t++)
        [[unroll]] for (uint k = 0u; k < TJ; k++) acc[t][k] = 0.0;
    uint rb[JS];
    float jinv[JS];
    [[unroll]] for (uint s = 0u; s < JS; s++) {
        uint j = min(j0 + s * S + lid, p.N - 1u);
        rb[s] = (xbase + j) * p.D4;
        jinv[s] = RAW ? inv_l2[ib0 + j] : 1.0;
    }
    for (uint d = 0u; d < p.D4; d++) {
        vec4 a[TI];
        [[unroll]] for (uint t = 0u; t < TI; t++) a[t] = unit(ROW4(ra[t] + d), ia[t]);
        vec4 cj[JS];
        if (SHARE_BY_SHUFFLE)
            [[unroll]] for (uint s = 0u; s < JS; s++) cj[s] = unit(ROW4(rb[s] + d), jinv[s]);
        [[unroll]] for (uint k = 0u; k < TJ; k++) {
            vec4 c;
            if (SHARE_BY_SHUFFLE) {
                c = SHUFFLE(cj[k / S], k % S);
            } else {
                uint j = min(j0 + k, p.N - 1u);
                c = unit(ROW4((xbase + j) * p.D4 + d), RAW ? inv_l2[ib0 + j] : 1.0);
            }
            [[unroll]] for (uint t = 0u; t < TI; t++) {
                acc[t][k] += sq_diff(a[t].x, c.x);
                acc[t][k] += sq_diff(a[t].y, c.y);
                acc[t][k] += sq_diff(a[t].z, c.z);
                acc[t][k] += sq_diff(a[t].w, c.w);
            }
        }
    }
    uint gb = ib0;
    [[unroll]] for (uint t = 0u; t < TI; t++) {
        uint i = i0 + t * S + lid;
        if (i >= p.N) continue;
        float inv_i = inv_l2[gb + i];
        [[unroll]] for (uint k = 0u; k < TJ; k++) {
            uint j = j0 + k;
            if (j >= p.N || j <= i) continue;
            float v = inv_i == 0.0 || inv_l2[gb + j] == 0.0 ? 1.0 : 0.5 * acc[t][k];
            dm[(base + i) * p.N + j] = v;
            dm[(base + j) * p.N + i] = v;
        }
    }
}
