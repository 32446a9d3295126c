#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// merge (SPEC 1.3) step 1, CPU-device variant of merge_assign.comp for metric
// rows too wide for merge_assign_cpu's registers (an LLM's embeddings, Dm in
// the thousands): the same assignment (cosine argmax over the c targets, ties
// to the lowest target, a zero row similar to nothing, targets get -1) with
// the same sums in the same order (norms and dots accumulated a vec4 at a
// time in ascending columns), so the same bits.
// On llvmpipe every load in a loop is a per-lane gather that costs far more
// than the arithmetic. A workgroup is one subgroup of S lanes, a lane SPL
// rest positions; the targets go through in chunks of TC, and at each vec4
// column lane l loads the rows of targets l, l + S, ... of the chunk, which
// reach every lane through subgroup shuffles (register moves): a column
// costs each lane SPL + TC / S loads for SPL sources, where the generic
// kernel loads 2 c per source.
// Without them (SHARE_BY_SHUFFLE, common.glsl) each lane loads the chunk's
// rows itself.
// Past c, a chunk's slots read row 0 and never win (i0 + k < c).
// The rows as a storage buffer: calls recorded into a host's command buffer
// (merge_assign_wide_tex_cpu otherwise).
#include "common.glsl"
layout(std430, binding = 0) readonly buffer M { ELEM4 metric[]; };
#define ROW4(i) vec4(metric[i])
#include "merge_assign_wide_cpu.glsl"
