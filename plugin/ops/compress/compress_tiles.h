/* compress's tile constants: compress.c sizes its grids with them and the
 * shaders loop over them, so they are written once, here, as #defines that
 * C and GLSL both read (no other syntax in this file). The row blocks
 * (*_RB) are the largest a specialisation constant takes; the host picks
 * smaller ones for calls with few rows.
 */
#ifndef COMPRESS_TILES_H
#define COMPRESS_TILES_H

/* CPU-tuned (register-blocked) kernels: one invocation computes RB rows x T* */
#define CMP_SC_RB 16u   /* compress_scores: rows ... */
#define CMP_SC_TJ 8u    /* ... x tokens */
#define CMP_AX_RB 16u   /* compress_ax: rows ... */
#define CMP_AX_TQ 4u    /* ... x column quads */
#define CMP_LN_RB 16u   /* compress_linear: rows ... */
#define CMP_LN_TQ 4u    /* ... x output quads */

/* GPU kernels: compress_ax_gpu / compress_linear_gpu split K over KS slices
   of a workgroup of QW x KS lanes; compress_scores_gpu (and the LN
   statistics) use at most SC_WG lanes per token. */
#define CMP_GPU_QW 16u
#define CMP_GPU_KS 16u
#define CMP_GPU_SC_WG 64u

#endif
