// The body of prune_norms_cpu and prune_norms_tex_cpu: each row's 1/||x||_2
// and L1 norm, summed over the columns in ascending order with prune_norms'
// terms (same bits), 4 values a load. The including shader declares binding
// 0 and ROW4(i), the i-th 4-value group of the rows (rows of Dm % 4 == 0
// values, so a row is Dm / 4 whole groups).
layout(std430, binding = 1) writeonly buffer INV { float inv_l2[]; };
layout(std430, binding = 2) writeonly buffer L1 { float l1[]; };
layout(push_constant) uniform P { uint B; uint N; uint Dm; } p;

void main() {
    uint row = group_linear() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (row >= p.B * p.N) return;
    uint D4 = p.Dm / 4u, base = row * D4;
    float ss = 0.0, sa = 0.0;
    for (uint d = 0u; d < D4; d++) {
        vec4 v = ROW4(base + d);
        ss += v.x * v.x;
        sa += abs(v.x);
        ss += v.y * v.y;
        sa += abs(v.y);
        ss += v.z * v.z;
        sa += abs(v.z);
        ss += v.w * v.w;
        sa += abs(v.w);
    }
    inv_l2[row] = ss > 0.0 && !isinf(ss) ? 1.0 / sqrt(ss) : 0.0;
    l1[row] = sa;
}
