// The body of merge_reduce_cpu and merge_reduce_tex_cpu (see the first). The including
// shader declares binding 0 and ROW4(i), the i-th 4-value group of the rows.
layout(constant_id = 2) const uint CW = 4;   // vec4 columns per invocation (4 or 8, from the host)
layout(std430, binding = 1) readonly buffer RI { int rest_idx[]; };
layout(std430, binding = 2) readonly buffer L { int list[]; };
layout(std430, binding = 5) readonly buffer OC { uint offcnt[]; };
layout(std430, binding = 3) writeonly buffer O { ELEM4 dst[]; };
layout(std430, binding = 4) writeonly buffer S { int src_idx[]; };
layout(push_constant) uniform P {
    uint B; uint N; uint D; uint R; uint c; uint step;
    uint out_rows; uint row_offset;
    uint write_src; uint src_rows; uint src_offset;
} p;

void main() {
    uint D4 = p.D / 4u, G = D4 / CW;
    uint e = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (e >= p.B * p.c * G) return;
    uint b = e / (p.c * G), rem = e - b * p.c * G;
    uint i = rem / G, c0 = (rem - i * G) * CW;
    vec4 acc[CW];
    [[unroll]] for (uint x = 0u; x < CW; x++) acc[x] = vec4(0.0);
    uint count = 0u;
    uint off = offcnt[2u * (b * p.c + i)], n = offcnt[2u * (b * p.c + i) + 1u];
    for (uint j = 0u; j < n && off + j < p.R; j++) {
        int s = rest_idx[b * p.R + uint(list[b * p.R + off + j])];
        if (s < 0 || uint(s) >= p.N) continue;
        uint row = (b * p.N + uint(s)) * D4 + c0;
        [[unroll]] for (uint x = 0u; x < CW; x++) acc[x] += ROW4(row + x);
        count++;
    }
    int t = rest_idx[b * p.R + i * p.step];
    bool tv = t >= 0 && uint(t) < p.N;
    float cnt = float(max(count, 1u));
    uint o = (b * p.out_rows + p.row_offset + i) * D4 + c0;
    uint trow = (b * p.N + uint(max(t, 0))) * D4 + c0;
    [[unroll]] for (uint x = 0u; x < CW; x++) {
        vec4 base = tv ? ROW4(trow + x) : vec4(0.0);
        dst[o + x] = ELEM4(base + acc[x] / cnt);
    }
    if (p.write_src != 0u && c0 == 0u) src_idx[b * p.src_rows + p.src_offset + i] = t;
}
