#version 450
// vtc bench calibration: an FMA chain. Each invocation runs 8 independent
// vec4 accumulators (enough instruction-level parallelism to hide the FMA
// latency on GPUs and to fill SIMD lanes on CPU devices), 4 unrolled steps
// per loop trip: 8 * 4 * 4 = 128 FMAs = 256 FLOP per trip per invocation.
// b and c come from push constants so the compiler cannot fold the chain;
// the sum is stored so it cannot be dropped.
// STORAGE_F16 (set by tools/build_spirv.py --dtype f16) selects fp16
// arithmetic (needs shaderFloat16); the result is stored as fp32 either way.
#ifdef STORAGE_F16
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define T f16vec4
#define S float16_t
#else
#define T vec4
#define S float
#endif
layout(local_size_x = 256) in;
layout(std430, binding = 0) writeonly buffer Out { float outv[]; };
layout(push_constant) uniform Push {
    uint iters;    // loop trips (kept under 65535 for llvmpipe's loop limiter)
    float b;       // multiplier, just below 1 so the chain stays finite
    float c;       // addend
    uint pad;
} pc;

void main()
{
    uint gid = gl_GlobalInvocationID.x;
    S seed = S(float(gid & 255u) * (1.0 / 256.0));
    T a0 = T(seed), a1 = T(seed + S(0.1)), a2 = T(seed + S(0.2)), a3 = T(seed + S(0.3));
    T a4 = T(seed + S(0.4)), a5 = T(seed + S(0.5)), a6 = T(seed + S(0.6)), a7 = T(seed + S(0.7));
    T b = T(S(pc.b)), c = T(S(pc.c));
    // unrolled by hand: an inner loop would add back-edges (llvmpipe's limiter counts them)
#define STEP a0 = fma(a0, b, c); a1 = fma(a1, b, c); a2 = fma(a2, b, c); a3 = fma(a3, b, c); \
             a4 = fma(a4, b, c); a5 = fma(a5, b, c); a6 = fma(a6, b, c); a7 = fma(a7, b, c);
    for (uint it = 0u; it < pc.iters; it++) {
        STEP STEP STEP STEP
    }
    T s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    outv[gid] = float(s.x + s.y + s.z + s.w);
}
