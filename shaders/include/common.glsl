// Shared by every vtc shader. Variants come from defines set by the build:
//   STORAGE_F16   float tensors are stored as binary16 (maths stays fp32)
//   USE_SUBGROUP  reductions use subgroup operations (else shared memory)
// Specialization constants: 0 = the device's subgroup size, 1 = local_size_x.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : enable
#ifdef USE_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif

layout(constant_id = 0) const uint SUBGROUP_SIZE = 32;

// The CPU-tuned kernels share loaded rows across lanes by subgroupShuffle
// (register moves where llvmpipe's loads are per-lane gathers). llvmpipe
// (Mesa 22.3) returns wrong shuffles at 32 and 64 lanes
// (LP_NATIVE_VECTOR_WIDTH=1024, 2048; the conformance cases catch it), so
// there, and without subgroup operations, those kernels take their per-lane
// load path instead: the same sums in the same order, the same bits.
#ifdef USE_SUBGROUP
#define SHARE_BY_SHUFFLE (SUBGROUP_SIZE <= 16u)
#define SHUFFLE(v, i) subgroupShuffle(v, i)
#else
#define SHARE_BY_SHUFFLE false
#define SHUFFLE(v, i) (v)
#endif
layout(local_size_x_id = 1, local_size_y = 1, local_size_z = 1) in;

#ifdef STORAGE_F16
#define ELEM float16_t
#define ELEM4 f16vec4
#else
#define ELEM float
#define ELEM4 vec4
#endif

// Workgroup linear id over a 2-D grid (large batches exceed maxComputeWorkGroupCount[0]).
uint group_linear() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }

// Monotone key for ranking: larger float -> larger key; NaN -> 0 (below every
// number, -inf included); -0 and +0 map to the same key (they tie).
uint rank_key(float x) {
    if (isnan(x)) return 0u;
    if (x == 0.0) x = 0.0;
    uint b = floatBitsToUint(x);
    return (b & 0x80000000u) != 0u ? ~b : (b | 0x80000000u);
}
