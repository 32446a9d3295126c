#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// merge (SPEC 1.3) step 3, CPU-device variant of merge_reduce.comp: the same
// sums in the same order (a target's sources ascending, then the mean added
// to the whole target row), one invocation per (image, target, 4*CW columns)
// with vec4 loads (D % (4*CW) == 0). Each source's two index loads then serve
// 4*CW columns instead of 4: on CPU drivers every load in a loop is a gather.
// The rows as a storage buffer: calls recorded into a host's command buffer
// (merge_reduce_tex_cpu otherwise).
#include "common.glsl"
layout(std430, binding = 0) readonly buffer H { ELEM4 hidden[]; };
#define ROW4(i) vec4(hidden[i])
#include "merge_reduce_cpu.glsl"
