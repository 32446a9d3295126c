#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// merge_reduce_cpu reading the rows through a texel view (vtc_bound.texel,
// synchronous calls): llvmpipe turns a texel fetch into a vector gather of
// 4-value texels, where a storage-buffer load in a loop is a branch per lane
// and component. The texels are the rows' own values (fp16 ones
// widened exactly): the same bits.
#include "common.glsl"
layout(binding = 0) uniform samplerBuffer hidden;
#define ROW4(i) texelFetch(hidden, int(i))
#include "merge_reduce_cpu.glsl"
