/*
 * Shared helpers of the reliability tests (docs/reliability.md): a context
 * whose log is captured, a device arena (one big VkBuffer on vtc's device,
 * created through vtc_context_vulkan_handles like an engine sharing vtc's
 * device would), guarded regions in it, a seeded generator, and one random
 * valid call per op on host tensors (shared by the concurrency and soak
 * tests).
 */
#ifndef VTC_REL_H
#define VTC_REL_H
#include "../common/test_tensors.h"
#include "opcall.h"
#include <vtc.h>

#include <stddef.h>
#include <stdint.h>

/* ---- random ---------------------------------------------------------- */
/* Failure reporting shared by the tests (thread-safe): CHECK(cond, fmt, ...)
   prints the place and message and counts it; rel_failures() is the count. */
void rel_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int rel_failures(void);
#define CHECK(cond, ...) do { if (!(cond)) rel_fail(__FILE__, __LINE__, __VA_ARGS__); } while (0)

uint64_t rel_rand(uint64_t *state);
int64_t rel_pick(uint64_t *state, const int64_t *values, size_t n);
#define REL_PICK(st, arr) rel_pick((st), (arr), sizeof(arr) / sizeof((arr)[0]))
void rel_fill_f32(uint64_t *state, float *x, size_t n);

/* ---- context ----------------------------------------------------------- */
/* Log capture: messages are counted; the last error is kept for checks. */
typedef struct rel_log {
    unsigned errors;
    unsigned messages;
    char last[512];
} rel_log;
void rel_log_fn(void *user, int32_t level, const char *msg);
/* Creates a context logging into `log` (may be NULL: stderr). flags: VTC_CONTEXT_*.
   Exits the test with 77 (skip) when there is no Vulkan device. */
vtc_context rel_context(rel_log *log, uint32_t flags, const vtc_allocator *alloc);
/* What an engine sharing `owner`'s device passes to adopt it (the features the
   owner uses, Vulkan 1.1), with `gipa` in place of the loader's entry point
   when not NULL (the tests wrap it to inject failures or watch commands).
   Also returns the owner's handles. 0 on success, -1 (with a message) if not. */
int rel_adopted_like(vtc_context owner, PFN_vkGetInstanceProcAddr gipa, vtc_adopted_device *ad,
                     vtc_vulkan_handles *h);

/* rel_adopted_like with `wrapper` (the test's failure-injecting or watching
   get_instance_proc_addr), returning what the wrapper forwards to: the
   loader's entry points and the owner's device. 0, or -1 (with a message). */
int rel_adopt_wrapped(vtc_context owner, PFN_vkGetInstanceProcAddr wrapper, vtc_adopted_device *ad,
                      PFN_vkGetInstanceProcAddr *real_gipa, PFN_vkGetDeviceProcAddr *real_gdpa, VkDevice *device);
/* A context on the adopted device `ad`, its errors logged into `log` (reset
   first); vtc_context_create's result. */
vtc_result rel_adopted_context(const vtc_adopted_device *ad, rel_log *log, vtc_context *out);
/* The context's statistics (a failed query is a CHECK failure). */
vtc_context_stats rel_stats(vtc_context ctx);
/* CHECKs that the context's validation layer (VTC_VALIDATION=1) said nothing. */
void rel_check_validation(vtc_context ctx, const char *what);

/* ---- device arena -------------------------------------------------------- */
typedef struct rel_arena rel_arena;
rel_arena *rel_arena_create(vtc_context ctx, size_t bytes);
void rel_arena_destroy(rel_arena *a);
VkBuffer rel_arena_buffer(const rel_arena *a);
uint8_t *rel_arena_map(const rel_arena *a);
size_t rel_arena_size(const rel_arena *a);
/* Bytes of the guard before and after each region (>= the offset alignment). */
size_t rel_arena_guard(const rel_arena *a);
/* Resets the arena: every byte becomes the canary and allocation restarts. */
void rel_arena_reset(rel_arena *a);
/* A region of `bytes` with a guard before and after it, at an aligned offset;
   returns the offset of the region, or (size_t)-1 when the arena is full. */
size_t rel_arena_region(rel_arena *a, size_t bytes);
/* Record mode: records `record` (which calls an op with the exec it is given)
   into a command buffer of the test's own on vtc's queue, between the host
   barriers abi/vtc.h asks for, with scratch at [scratch_off, +scratch_bytes)
   of the arena; submits and waits. The context must not be in use elsewhere. */
vtc_result rel_arena_record(rel_arena *a, size_t scratch_off, size_t scratch_bytes,
                            vtc_result (*record)(void *user, const vtc_exec *exec), void *user);
/* Index of the first byte of [off, off + len) that is not the canary, or -1. */
long rel_arena_first_dirty(const rel_arena *a, size_t off, size_t len);
#define REL_CANARY 0xA5u

/* ---- random valid ops on host tensors ------------------------------------ */
/* The ops rel_call makes (0 .. rel_op_kinds() - 1): every op of the build
   but compress, in the op list's order, each call drawn from the op's
   descriptor (opcall.h: its examples, resized, parameters drawn from its
   table). REL_OP_MAX bounds the count for arrays. */
#define REL_OP_MAX 16
int rel_op_kinds(void);
const char *rel_op_name(int op);
/* One random valid call of a random op with small shapes drawn from
   `state`; returns its result and an FNV-1a hash of every output byte
   through *hash (0 when it failed). */
vtc_result rel_random_call(vtc_context ctx, uint64_t *state, uint64_t *hash, int *op_out);
/* The same for a given op (f32 tensors, as the examples). */
vtc_result rel_call(vtc_context ctx, int op, uint64_t *state, uint64_t *hash);
/* Draws a call of op that the plugin accepts (on a context of its own),
   dimensions from `sizes`, at most max_bytes: 0, or -1 when there is none. */
int rel_draw(int op, uint64_t *state, const int64_t *sizes, size_t nsizes, double max_bytes, unsigned flags,
             opcall *c);
/* LLaVA-Mini compress on a small fixed weight set (E=8, Q=1, N=4): creates
   the weights, prepares N, compresses once, destroys the weights. Returns
   VTC_ERROR_UNSUPPORTED when this build has no compress. Not thread-safe
   on its first call (it builds the weights once). */
vtc_result rel_compress_once(vtc_context ctx, uint64_t *hash);
#endif
