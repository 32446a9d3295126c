/*
 * Conformance framework: every case runs over the variant matrix
 *   fp32 / fp16 storage  x  subgroup reductions on / off,  plus fp16 with
 *   fp16 storage disabled (the host-conversion fallback)
 * on the chosen device, against the CPU references of tests/ref (written
 * from SPEC.md). The same matrix serves `vtc conformance` and `meson test`
 * (which runs `vtc conformance` per op, at several lavapipe subgroup sizes,
 * with the validation layer on): there is one copy of it, here.
 *
 * A case calls the plugin only through env->api (the negotiated function
 * table), so the CLI's dynamically loaded plugin is what gets tested.
 */
#ifndef VTC_CONF_H
#define VTC_CONF_H

#include "vtc.h"
#include "../ref/ref.h"
#include "../../host/common/host_vk.h"

#include <stddef.h>
#include <stdint.h>

typedef struct conf_env {
    const vtc_api_v1 *api;
    vtc_context ctx;
    uint32_t dtype;            /* VTC_DTYPE_F32 or F16: storage of the case's float tensors */
    const char *variant;       /* "f32/sg", "f16/sh", "f16/nof16", ... */
    uint32_t ctx_flags;        /* VTC_CONTEXT_* the context was made with */
    const char *golden_dir;    /* NULL when not available */
    int quick;
    uint64_t seed;             /* per case, stable */
    const char *golden_looked; /* where the CLI looked when golden_dir is NULL (may be NULL) */
} conf_env;

#define CONF_PASS 0
#define CONF_FAIL 1
#define CONF_SKIP 2

typedef struct conf_result {
    int status;
    double nmse;               /* worst NMSE checked (-1: none) */
    size_t mismatches;         /* index mismatches */
    char shape[128];           /* "B=2 N=577 D=1024" */
    char detail[512];          /* first failure, or skip reason */
} conf_result;

typedef void (*conf_fn)(conf_env *env, conf_result *res);

#define CONF_QUICK     0x1u  /* part of --quick */
#define CONF_ANY_DTYPE 0x2u  /* the case does not depend on the float dtype: run in f32 only */
#define CONF_SLOW      0x4u  /* large official shapes: skipped unless --full or on a GPU */

typedef struct conf_case {
    const char *op;            /* "select" */
    const char *name;          /* the property: "ties_go_to_lower_index" */
    uint32_t flags;
    conf_fn fn;
} conf_case;

/* A table row whose property name is its function's name, so the two cannot
   drift apart. The case file defines CONF_OP ("select") before its table. */
#define CONF_CASE(fn, flags) {CONF_OP, #fn, flags, fn}

/* Registry: each op's case_<op>.c defines conf_cases_<op>, a NULL-terminated
   array; conf_registry.c lists them from the op list. */
extern const conf_case conf_cases_api[];

typedef struct conf_options {
    const vtc_api_v1 *api;
    const char *op;            /* only this op (NULL: all) */
    const char *only;          /* only cases whose name contains this */
    const char *json;          /* write results here */
    const char *golden_dir;
    int quick, full, validation, verbose;
    int gpu_variants;          /* also run with VTC_FORCE_GPU_VARIANTS-style forcing (ops read it) */
    const char *golden_looked; /* where the golden folder was looked for when golden_dir is NULL */
} conf_options;

/* Runs the matrix; prints one line per case and variant and a closing
   "N passed, N failed, N skipped" line. Returns the number of failures
   (or -1 when no context could be created). */
int conf_run(const conf_options *opt);

/* ---- helpers for cases ------------------------------------------------ */
/* Record a failure (first one wins the detail) and return 0. */
int conf_fail(conf_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void conf_skip(conf_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void conf_shape(conf_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* NMSE tolerance for outputs stored in `dtype` (the reference runs on the
   same dtype-rounded inputs, so this bounds the kernel's own error). */
double conf_tol(uint32_t dtype);
/* got (in env dtype storage) vs want (float). Records nmse; fails above tol. */
int conf_check_nmse(conf_result *r, const char *what, uint32_t dtype, const void *got, const float *want, size_t n,
                    double tol);
int conf_check_idx(conf_result *r, const char *what, const int32_t *got, const int32_t *want, size_t n);
/* Expects call result `got` == `want`. */
int conf_check_result(conf_result *r, const char *what, vtc_result got, vtc_result want);

/* Guarded host buffers: `bytes` of data between two 64-byte canary
   regions; the data is filled with a poison pattern. conf_guard_ok checks
   the canaries (an out-of-bounds write by vtc shows up there). */
typedef struct conf_buf {
    uint8_t *raw;
    void *data;
    size_t bytes;
} conf_buf;
void *conf_buf_alloc(conf_buf *b, size_t bytes);
int conf_buf_guard_ok(const conf_buf *b);
/* 1 when the data is still the untouched poison (nothing written). */
int conf_buf_untouched(const conf_buf *b);
void conf_buf_free(conf_buf *b);
/* Checks the guards of several buffers, failing the case if any was hit. */
int conf_guards(conf_result *r, conf_buf *const *bufs, size_t n);

/* One call of the op under test, env->api-><op>(env->ctx, args, exec): in
   host mode when exec is NULL, else recorded into exec's command buffer. */
typedef vtc_result (*conf_call)(conf_env *env, const void *args, const vtc_exec *exec);
/* Expects the host-mode call to refuse `args` with VTC_ERROR_INVALID_ARGUMENT
   and to leave every buffer in outs untouched. Returns 1 when it did;
   otherwise fails the case with `what` in the detail and returns 0. */
int conf_refuses(conf_env *env, conf_result *r, conf_call call, const void *args, const char *what,
                 conf_buf *const *outs, size_t nouts);

/* Float data in the case's dtype: store rounds through fp16 when dtype is
   F16 and, in that case, rewrites src with the rounded values so the CPU
   reference sees exactly what the GPU sees. */
void conf_store(uint32_t dtype, void *dst, float *src, size_t n);
void conf_load(uint32_t dtype, float *dst, const void *src, size_t n);
size_t conf_dsize(uint32_t dtype);

/* A host tensor view. */
vtc_tensor conf_tensor(uint32_t dtype, void *host, uint32_t ndim, const int64_t *shape);
vtc_tensor conf_tensor2(uint32_t dtype, void *host, int64_t d0, int64_t d1);
vtc_tensor conf_tensor3(uint32_t dtype, void *host, int64_t d0, int64_t d1, int64_t d2);
vtc_tensor conf_tensor4(uint32_t dtype, void *host, int64_t d0, int64_t d1, int64_t d2, int64_t d3);

/* Random test data (deterministic from env->seed). */
void conf_fill_normal(uint64_t *state, float *x, size_t n, float scale);
void conf_fill_uniform(uint64_t *state, float *x, size_t n, float lo, float hi);

/* Device buffers on the context's device, for record-mode cases
   (host/common/host_vk.h). The buffer is host-visible; `map` points at its
   memory. */
typedef host_vk_buffer conf_devbuf;
typedef struct conf_vk conf_vk; /* per-context Vulkan helper (opaque) */
conf_vk *conf_vk_get(conf_env *env); /* NULL when unavailable (then skip) */
int conf_devbuf_create(conf_vk *vk, size_t bytes, conf_devbuf *out);
void conf_devbuf_destroy(conf_vk *vk, conf_devbuf *b);
/* Creates bufs[i] with bytes[i] for each of n buffers. On a failure it
   destroys them all, fails the case and returns 0; every buffer is left
   destroyable either way (conf_devbufs_destroy). */
int conf_devbufs_create(conf_vk *vk, conf_result *r, size_t n, conf_devbuf *const *bufs, const size_t *bytes);
void conf_devbufs_destroy(conf_vk *vk, size_t n, conf_devbuf *const *bufs);
vtc_tensor conf_devtensor(uint32_t dtype, const conf_devbuf *b, VkDeviceSize offset, uint32_t ndim,
                          const int64_t *shape);
/* Records via `record(user, cmd, &exec)` into a fresh command buffer with a
   scratch buffer of `scratch_bytes`, submits and waits. Returns the record
   callback's result, or a Vulkan failure as VTC_ERROR_VULKAN. */
vtc_result conf_vk_run(conf_vk *vk, uint64_t scratch_bytes,
                       vtc_result (*record)(void *user, const vtc_exec *exec), void *user);

/* conf_vk_get for a record-mode case: NULL, with the case skipped, when there
   are no Vulkan handles or the variant keeps fp16 off device buffers. */
conf_vk *conf_vk_for_record(conf_env *env, conf_result *r);

/* Record mode of the op `op` (VTC_OP_*): queries the scratch `args` need
   into *scratch, then records `call` with that much (conf_vk_run). Returns 1
   when both succeeded, else fails the case and returns 0. */
int conf_record(conf_env *env, conf_result *r, conf_vk *vk, uint32_t op, conf_call call, const void *args,
                uint64_t *scratch);
/* Records `call` with `scratch` bytes of scratch; the recording's result. */
vtc_result conf_record_with(conf_env *env, conf_vk *vk, conf_call call, const void *args, uint64_t scratch);
/* Fails the case unless recording with one byte less than the queried
   `scratch` is refused with VTC_ERROR_SCRATCH_TOO_SMALL. */
int conf_short_scratch_refused(conf_env *env, conf_result *r, conf_vk *vk, conf_call call, const void *args,
                               uint64_t scratch);

/* Frees the helper made for ctx (the runner calls it before destroying ctx). */
void conf_vk_release(vtc_context ctx);

/* Loads a golden .npy as float (f32/f16/f64/i64/i32 converted); NULL + skip
   when the file is missing. *count receives the element count, shape the dims. */
float *conf_golden_f32(conf_env *env, conf_result *r, const char *rel, size_t *count, int64_t *shape, int *ndim);

#endif
