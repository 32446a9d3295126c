// Workgroup-wide reductions and scans. Include after common.glsl; requires
// `WG_MAX` (the largest local_size_x the shader is dispatched with) defined.
// Every invocation of the workgroup must call these in uniform control flow.
// Results are deterministic: the combination order depends only on the
// invocation index, never on timing.
#ifndef WG_MAX
#define WG_MAX 256
#endif
// Smallest subgroup size vtc accepts is 4, so at most WG_MAX/4 partials.
shared float wg_red_f[WG_MAX];
shared uint wg_red_u[WG_MAX];

// wg_sum and wg_max share one body: `op` is a constant at both call sites,
// so the compiler folds its branches away after inlining.
const uint WG_OP_SUM = 0u;
const uint WG_OP_MAX = 1u;

float wg_combine(uint op, float a, float b) {
    return op == WG_OP_MAX ? max(a, b) : a + b;
}

float wg_reduce(float v, uint op) {
    uint lid = gl_LocalInvocationID.x;
#ifdef USE_SUBGROUP
    float s = op == WG_OP_MAX ? subgroupMax(v) : subgroupAdd(v);
    if (subgroupElect()) wg_red_f[gl_SubgroupID] = s;
    barrier();
    // a sum starts from 0 over every partial, a max from the first partial
    float t = op == WG_OP_MAX ? wg_red_f[0] : 0.0;
    for (uint i = op == WG_OP_MAX ? 1u : 0u; i < gl_NumSubgroups; i++) t = wg_combine(op, t, wg_red_f[i]);
    barrier();
    return t;
#else
    wg_red_f[lid] = v;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
        if (lid < s) wg_red_f[lid] = wg_combine(op, wg_red_f[lid], wg_red_f[lid + s]);
        barrier();
    }
    float t = wg_red_f[0];
    barrier();
    return t;
#endif
}

float wg_sum(float v) { return wg_reduce(v, WG_OP_SUM); }

float wg_max(float v) { return wg_reduce(v, WG_OP_MAX); }

// Exclusive prefix sum of v over the workgroup (invocation order); `total`
// receives the sum of all.
uint wg_exclusive_scan(uint v, out uint total) {
    uint lid = gl_LocalInvocationID.x;
#ifdef USE_SUBGROUP
    uint incl = subgroupInclusiveAdd(v);
    // the last active lane holds the subgroup total (a partial last subgroup too)
    if (gl_SubgroupInvocationID == subgroupMax(gl_SubgroupInvocationID)) wg_red_u[gl_SubgroupID] = incl;
    barrier();
    uint before = 0u, all = 0u;
    for (uint i = 0; i < gl_NumSubgroups; i++) {
        uint x = wg_red_u[i];
        if (i < gl_SubgroupID) before += x;
        all += x;
    }
    barrier();
    total = all;
    return before + incl - v;
#else
    wg_red_u[lid] = v;
    barrier();
    // Hillis-Steele inclusive scan
    for (uint off = 1u; off < gl_WorkGroupSize.x; off <<= 1) {
        uint add = lid >= off ? wg_red_u[lid - off] : 0u;
        barrier();
        wg_red_u[lid] += add;
        barrier();
    }
    uint incl = wg_red_u[lid];
    total = wg_red_u[gl_WorkGroupSize.x - 1u];
    barrier();
    return incl - v;
#endif
}
