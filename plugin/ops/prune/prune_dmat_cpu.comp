#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// DivPrune, distance-matrix path, CPU devices: dm[g][i][j] = d(i, j) of the
// normalised rows xn (rows of Dp floats, Dp a multiple of 4, zero padded:
// (0 - 0)^2 adds exact zeros) of G images, each unordered pair computed
// once (d(i, j) and d(j, i) are the same bits: (a - b)^2 == (b - a)^2) and
// written to both halves; the diagonal is never written nor read.
// On llvmpipe every load in a loop is a per-lane gather costing far more
// than the arithmetic, so loads are shared as widely as possible: a
// workgroup is one subgroup of S lanes; lane l holds TI rows i
// (i0 + t S + l) and loads JS rows j (j0 + s S + l), 4 columns at a time,
// and the S JS rows j reach every lane through subgroup shuffles (register
// moves), so TI + JS loads feed 4 TI S JS multiply-adds per lane. Without subgroup
// operations each lane loads its S rows j itself (same sums, slower).
// Each distance is summed over the columns in ascending order, as every
// prune kernel does. The loop runs Dp / 4 (<= 8192) times.
// RAW: the rows are the metric's own (Dm a multiple of 4, no padding) and
// each loaded vec4 is normalised here, x * inv_l2 rounded exactly as
// prune_unit rounds it, which saves that pass over the rows and its write.
// The rows as a storage buffer: calls recorded into a host's command buffer
// (prune_dmat_tex_cpu otherwise).
#include "common.glsl"
#include "prune.glsl"
layout(std430, binding = 0) readonly buffer XN { ELEM4 xn[]; };
#define ROW4(i) vec4(xn[i])
#include "prune_dmat_cpu.glsl"
