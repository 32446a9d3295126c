#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
// DART on CPU devices, rows of Dm % 4 == 0 values bound at a 16-byte aligned
// offset: prune_pivd_cpu with 4-value loads (a quarter of the per-lane
// gathers), each distance's terms still added in ascending column order.
// (prune_pivd_cpu:) tab[b][i][j] = d(pivot i, j), the
// prune_pivd sums with llvmpipe's loads shared: a workgroup is one
// subgroup of S lanes and covers S pivots (block pb) and TI S tokens; per
// column lane l loads its TI tokens and pivot pb S + l (normalised by its
// owner lane, the rounded product half_sq_diff takes), and the S pivot
// values reach every lane through subgroup shuffles: TI + 1 loads feed
// TI S multiply-adds per lane. Without subgroup operations every lane
// loads the S pivot values itself (same sums, slower). Summed over the
// columns in ascending order with half_sq_diff's terms: the bits of every
// prune path. The column loop runs Dm / 4 times. The rows as a storage
// buffer: calls recorded into a host's command buffer (prune_pivd4_tex_cpu
// otherwise).
#include "common.glsl"
#include "prune.glsl"
layout(std430, binding = 0) readonly buffer M { ELEM4 metric[]; };
#define ROW4(i) vec4(metric[i])
#include "prune_pivd4_cpu.glsl"
