// The body of merge_assign_wide_cpu and merge_assign_wide_tex_cpu (see the first). The including
// shader declares binding 0 and ROW4(i), the i-th 4-value group of the rows.
layout(constant_id = 2) const uint TC = 16;   // targets per chunk
layout(constant_id = 3) const uint SPL = 2;   // rest positions per lane: each target load serves them all
layout(std430, binding = 1) readonly buffer RI { int rest_idx[]; };
layout(std430, binding = 2) writeonly buffer A { int assign_out[]; };
layout(push_constant) uniform P { uint B; uint N; uint Dm; uint R; uint c; uint step; } p;

const uint S = SUBGROUP_SIZE; // the workgroup size, from the host
const uint TL = (TC + S - 1u) / S; // target rows each lane loads per column

// the rest position's target row (row 0 stands in for an invalid one: its
// similarity is forced to 0 below, as the other kernels do)
uint target_row(uint b, uint i, out bool tv) {
    int t = i < p.c ? rest_idx[b * p.R + i * p.step] : -1;
    tv = t >= 0 && uint(t) < p.N;
    return (b * p.N + uint(tv ? t : 0)) * (p.Dm / 4u);
}

void main() {
    uint lid = gl_LocalInvocationID.x;
    uint per_image = (p.R + S * SPL - 1u) / (S * SPL);
    uint g = group_linear();
    if (g >= p.B * per_image) return; // uniform per workgroup
    uint b = g / per_image, pos0 = (g - b * per_image) * S * SPL + lid;
    uint D4 = p.Dm / 4u;
    // the lane's SPL rest positions pos0 + x S
    bool in_range[SPL], valid[SPL];
    uint srow[SPL];
    float sn[SPL], best[SPL];
    int besti[SPL];
    [[unroll]] for (uint x = 0u; x < SPL; x++) {
        uint pos = pos0 + x * S;
        in_range[x] = pos < p.R;
        bool is_target = pos % p.step == 0u && pos / p.step < p.c;
        int src = in_range[x] ? rest_idx[b * p.R + pos] : -1;
        valid[x] = in_range[x] && !is_target && src >= 0 && uint(src) < p.N;
        srow[x] = (b * p.N + uint(valid[x] ? src : 0)) * D4;
        sn[x] = 0.0;
        best[x] = -2.0; // cosine similarities lie in [-1, 1]
        besti[x] = -1;
    }
    for (uint i0 = 0u; i0 < p.c; i0 += TC) {
        // the lane's share of the chunk's rows (SHARE_BY_SHUFFLE) or all of them
        uint trow[TL], tvl[TL], krow[TC];
        bool kv[TC];
        [[unroll]] for (uint u = 0u; u < TL; u++) {
            bool tv;
            trow[u] = target_row(b, i0 + u * S + lid, tv);
            tvl[u] = tv ? 1u : 0u;
        }
        [[unroll]] for (uint k = 0u; k < TC; k++) krow[k] = target_row(b, i0 + k, kv[k]);
        float dt[SPL][TC], tt[TC], ss[SPL];
        [[unroll]] for (uint k = 0u; k < TC; k++) {
            tt[k] = 0.0;
            [[unroll]] for (uint x = 0u; x < SPL; x++) dt[x][k] = 0.0;
        }
        [[unroll]] for (uint x = 0u; x < SPL; x++) ss[x] = 0.0;
        for (uint d = 0u; d < D4; d++) {
            vec4 sv[SPL];
            [[unroll]] for (uint x = 0u; x < SPL; x++) {
                sv[x] = ROW4(srow[x] + d);
                ss[x] += dot(sv[x], sv[x]);
            }
            if (SHARE_BY_SHUFFLE) {
                vec4 tl[TL];
                [[unroll]] for (uint u = 0u; u < TL; u++) {
                    tl[u] = ROW4(trow[u] + d);
                    tt[u] += dot(tl[u], tl[u]);
                }
                [[unroll]] for (uint k = 0u; k < TC; k++) {
                    vec4 y = SHUFFLE(tl[k / S], k % S);
                    [[unroll]] for (uint x = 0u; x < SPL; x++) dt[x][k] += dot(sv[x], y);
                }
            } else {
                [[unroll]] for (uint k = 0u; k < TC; k++) {
                    vec4 y = ROW4(krow[k] + d);
                    tt[k] += dot(y, y);
                    [[unroll]] for (uint x = 0u; x < SPL; x++) dt[x][k] += dot(sv[x], y);
                }
            }
        }
        [[unroll]] for (uint x = 0u; x < SPL; x++) sn[x] = sqrt(ss[x]);
        [[unroll]] for (uint k = 0u; k < TC; k++) {
            float tn = sqrt(SHARE_BY_SHUFFLE ? SHUFFLE(tt[k / S], k % S) : tt[k]);
            bool tv = SHARE_BY_SHUFFLE ? SHUFFLE(tvl[k / S], k % S) != 0u : kv[k];
            [[unroll]] for (uint x = 0u; x < SPL; x++) {
                float sim = (tv && sn[x] > 0.0 && tn > 0.0) ? dt[x][k] / (sn[x] * tn) : 0.0;
                // strict: the lowest i wins ties
                if (i0 + k < p.c && sim > best[x]) { best[x] = sim; besti[x] = int(i0 + k); }
            }
        }
    }
    [[unroll]] for (uint x = 0u; x < SPL; x++)
        if (in_range[x]) assign_out[b * p.R + pos0 + x * S] = valid[x] ? besti[x] : -1;
}
