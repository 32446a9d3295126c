/*
 * `vtc bench`: every op on its named workloads (the descriptor's,
 * plugin/ops/<op>/<op>_desc.c), timed on vtc's own device, against the
 * device's limits measured in the same run (calibration) and the op's CPU
 * reference (plugin/ops/<op>/ref_<op>_args.c).
 *
 *   bench_vk.c        vtc's device through host/common/host_vk.h, and the
 *                     timestamps around the calibration dispatches
 *   bench_calib.c     streaming copy -> GB/s, FMA chain -> GFLOP/s (fp32, fp16)
 *   bench_run.c       timing loop, statistics, device tensors, progress line
 *   bench_llm.c       LLM prefill FLOPs (what a token reduction saves)
 *   bench_ops.c       the one driver: for each op x workload, tensors from the
 *                     table, random inputs, chunks, timing, reference, check
 *   bench_first_call.c  first call on a fresh context after vtc_prepare
 *   bench_report.c    human table and JSON
 *   ../cli_bench.c    options and the order of things
 *
 * Times are GPU time from vtc's own timestamps (vtc_context_stats.
 * last_gpu_time_ns of a synchronous call on device tensors: no transfers are
 * timed) when the device has timestamps, else host wall-clock per call.
 */
#ifndef VTC_BENCH_H
#define VTC_BENCH_H

#include "../common/host_vk.h"
#include "vtc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- Vulkan helper (bench_vk.c, on host/common/host_vk.h) ---------------- */
typedef struct bench_vk {
    host_vk hv;                      /* vtc's device, wrapped */
    VkQueryPool timestamps;          /* VK_NULL_HANDLE when the queue has none */
    double ts_period_ns;
    uint64_t ts_mask;
} bench_vk;

/* Wraps the device of vtc_context_vulkan_handles (VK_NO_PROTOTYPES: the CLI
   links no Vulkan loader). Returns 0, or -1 with a message in err. */
int bench_vk_init(bench_vk *vk, const vtc_api_v1 *api, vtc_context ctx, char *err, size_t errlen);
void bench_vk_destroy(bench_vk *vk);

/* A storage buffer on vtc's device: device-local memory when there is any,
   mapped when that memory is also host-visible (CPU devices, unified memory,
   resizable BAR); otherwise filled and read through a staging buffer
   (host_vk_upload / host_vk_download). */
typedef host_vk_buffer bench_buf;
int bench_buf_create(bench_vk *vk, size_t bytes, bench_buf *out);
static inline void bench_buf_destroy(bench_vk *vk, bench_buf *b) { host_vk_buffer_destroy(&vk->hv, b); }

/* A compute pipeline with `nbind` storage buffers (set 0, bindings 0..n-1,
   each the whole buffer) and `push_bytes` of push constants. */
typedef host_vk_pipeline bench_pipe;
int bench_pipe_create(bench_vk *vk, const uint32_t *code, size_t words, const bench_buf *const *bufs, uint32_t nbind,
                      uint32_t push_bytes, bench_pipe *out);
static inline void bench_pipe_destroy(bench_vk *vk, bench_pipe *p) { host_vk_pipeline_destroy(&vk->hv, p); }
/* Records, submits and waits for one dispatch of gx workgroups; *ns is the
   GPU time between timestamps around it (host time without timestamps).
   0 on success. */
int bench_pipe_run(bench_vk *vk, const bench_pipe *p, const void *push, uint32_t gx, double *ns);

/* ---- statistics ---------------------------------------------------------- */
typedef struct bench_stats {
    int n;
    double median, min, max, p25, p75;   /* same unit as the samples */
} bench_stats;
/* Sorts x in place. Quartiles by linear interpolation. */
void bench_stats_of(double *x, int n, bench_stats *out);

/* ---- calibration ----------------------------------------------------------- */
typedef struct bench_calib {
    double bw_gbs;                   /* best streaming-copy bandwidth, read + write bytes */
    double bw_median_gbs;
    double fp32_gflops, fp32_median_gflops;
    double fp16_gflops, fp16_median_gflops;   /* 0: fp16 arithmetic not available */
    double copy_mib;                 /* size of each copy buffer */
    int runs;
    int gpu_timed;                   /* 1: timestamps; 0: host clock */
} bench_calib;
int bench_calibrate(bench_vk *vk, const vtc_device_info *info, int runs, bench_calib *out, char *err, size_t errlen);

/* ---- LLM prefill cost ------------------------------------------------------- */
typedef struct bench_llm {
    const char *name;
    int layers, dim, ffn;
    int text_tokens;                 /* text tokens next to the visual ones */
    int kv_dim;                      /* width of the k and v projections: kv heads x head dim under
                                        grouped-query attention; 0: dim (multi-head attention) */
} bench_llm;
/* Named presets; NULL when unknown. bench_llm_names lists them for --help. */
const bench_llm *bench_llm_preset(const char *name);
extern const char bench_llm_names[];
/* Prefill FLOPs of n tokens through the whole decoder stack (see bench_llm.c). */
double bench_llm_prefill_flops(const bench_llm *m, double n);
/* The same through `layers` decoder layers of the model's shape (LLaVA-Mini's
   pre-fusion module: BENCH_LLAVAMINI_PREFUSION_LAYERS). */
double bench_llm_prefill_flops_layers(const bench_llm *m, double n, int layers);
#define BENCH_LLAVAMINI_PREFUSION_LAYERS 4
/* The same with composite attention: `visual` of the n positions are visual
   (kind[] 1), so their q projection and their attention rows are skipped. */
double bench_llm_prefill_flops_composite(const bench_llm *m, int n, const uint8_t *kind);

/* ---- one result row ---------------------------------------------------------- */
#define BENCH_OK 0
#define BENCH_SKIPPED 1
#define BENCH_ERROR 2

typedef struct bench_first_call {
    int measured;
    double prepare_ms;               /* vtc_prepare with the call's args, fresh context */
    double cold_ms;                  /* the first call after it (host clock, host tensors) */
    double warm_ms;                  /* median of the next (up to) 3 identical calls */
    double pipelines;                /* pipelines the first call still created (0: prepare did it all) */
    double objects;                  /* Vulkan objects it created (< 0: plugin before 1.3.0) */
    double compile_ms;               /* compile time it paid (< 0: plugin before 1.3.0) */
    char why[120];                   /* why not measured */
} bench_first_call;

typedef struct bench_row {
    char op[16];
    char shape[40];
    char desc[160];                  /* the shape in words */
    int status;
    char detail[200];                /* skip reason or error */
    bench_stats ms;                  /* per-call time, milliseconds */
    double host_median_ms;           /* wall-clock per synchronous call, for reference */
    int gpu_timed;
    double bytes, flops;             /* from the op's formula */
    double cpu_ms;                   /* CPU reference, < 0 when not run */
    double nmse;                     /* GPU output vs CPU reference (the largest over float outputs),
                                        < 0 when not checked */
    double index_mismatches;         /* elements of index outputs that differ, < 0 when none checked */
    int check_failed;
    bench_first_call first;          /* first call on a fresh context */
    /* what it saves in the LLM (0 when not applicable) */
    double tokens_in, tokens_out;    /* visual tokens into / out of the op, whole call */
    double llm_before, llm_after;    /* LLM prefill FLOPs */
    char llm_note[160];
    int llava15_goal;                /* a LLaVA-1.5-shaped mode: its share of the removed prefill <= 2% */
    /* --predict: dispatches the plugin recorded for the call (record mode, never submitted) */
    double dispatches;
    int predicted;
} bench_row;

/* ---- the run ------------------------------------------------------------------- */
typedef struct bench_opts {
    const char *op;                  /* NULL: all */
    const char *shape;               /* NULL: all; a prefix */
    const char *json;
    int repeat, warmup;
    double max_time_s;               /* time budget of a shape's timed runs (0: none) */
    int no_cpu, quiet;
    int no_first_call;               /* --no-first-call */
    int list;                        /* --list: print the workloads */
    int predict;                     /* --predict: record, never run; print the on-paper bound */
    uint32_t dtype;                  /* VTC_DTYPE_F32 / F16 */
    bench_llm llm;
} bench_opts;

typedef struct bench_ctx {
    const vtc_api_v1 *api;
    vtc_context ctx;
    vtc_device_info info;
    bench_vk vk;
    bench_calib calib;
    const bench_opts *opt;
    bench_row *rows;
    int nrows, cap;
    int progress_tty;                /* stderr is a terminal: redraw one line */
    int step, steps;                 /* shapes done / planned, for the progress line */
    /* the exec every op call passes: NULL (synchronous, timed), or --predict's record mode */
    const vtc_exec *exec;
    vtc_exec pred_exec;
    bench_buf pred_scratch;
    VkCommandBuffer pred_cmd;
} bench_ctx;

/* 1 when the timed calls take host-memory tensors instead of device buffers:
   on a CPU device with GPU timestamps (not under --predict). That is what an
   engine on lavapipe hands over (llama.cpp's mtmd embeddings are host
   memory); vtc stages them into its own buffer outside the timed command
   buffer and reads them there through texel views (plugin/op.h), which its
   CPU-device kernels fetch as vector gathers. The timestamps still time the
   command buffer only, so no transfer is timed either way. */
int bench_host_tensors(const bench_ctx *b);

/* 1 when --shape selects `name` (exact name or a prefix of it, e.g. c1-n576). */
int bench_shape_wanted(const bench_ctx *b, const char *name);
/* Appends a row (zeroed, op and shape set). NULL when out of memory. */
bench_row *bench_row_add(bench_ctx *b, const char *op, const char *shape);
/* Progress on stderr: "[3/14] composite prefill: run 7/20". */
void bench_progress(bench_ctx *b, const bench_row *row, const char *what, int i, int n);
void bench_progress_done(bench_ctx *b);

/* Times `call(user, &gpu_ms)`: synchronous vtc calls on device tensors that
   set gpu_ms to their GPU time (bench_last_gpu_ms after each vtc call, summed
   when one measurement is several calls; < 0: unknown, then host time is
   used). opt->warmup untimed calls first (fewer when one takes over a second:
   the first already compiled the pipelines), then up to opt->repeat timed
   ones, stopping once opt->max_time_s seconds are spent and 3 are done, or
   1 when one run alone takes over a third of that budget. On an error,
   row->status is SKIPPED (VTC_ERROR_UNSUPPORTED: "skipped (unsupported)") or
   ERROR with the result string; the result is returned. */
typedef vtc_result (*bench_call_fn)(void *user, double *gpu_ms);
vtc_result bench_time_op(bench_ctx *b, bench_row *row, bench_call_fn call, void *user);
/* GPU time of the context's last synchronous call in ms, or -1 when unknown. */
double bench_last_gpu_ms(const bench_ctx *b);
/* Times the CPU reference `fn(user)`: once when it takes over 0.5 s, else the
   best of up to 3 runs. Sets row->cpu_ms. Skipped (cpu_ms = -1) with --no-cpu. */
void bench_time_cpu(bench_ctx *b, bench_row *row, void (*fn)(void *user), void *user);
/* Compares a downloaded output (floats) with the CPU reference; sets nmse and
   check_failed (NMSE above 1e-6 for f32 storage, 1e-4 for f16). */
void bench_check(bench_ctx *b, bench_row *row, const float *got, const float *want, size_t n);

/* Device tensors: a buffer holding `n` floats converted to the run dtype
   (or raw bytes for ints), and its tensor view. */
typedef struct bench_dt {
    bench_buf buf;
    vtc_tensor t;
} bench_dt;
int bench_dt_floats(bench_ctx *b, bench_dt *d, const float *host, uint32_t ndim, const int64_t *shape);
int bench_dt_raw(bench_ctx *b, bench_dt *d, uint32_t dtype, const void *host, uint32_t ndim, const int64_t *shape);
/* Reads a float tensor back as fp32 (malloc'd; NULL on failure). */
float *bench_dt_read_floats(bench_ctx *b, const bench_dt *d);
void bench_dt_free(bench_ctx *b, bench_dt *d);
size_t bench_dsize(uint32_t dtype);
/* Rounds through the run dtype in place (so the CPU reference sees what the device sees). */
void bench_round_to_dtype(uint32_t dtype, float *x, size_t n);

/* Sets row->bytes (read + written) and row->flops from the op's cost
   function (plugin/ops/<op>/<op>_desc.c), for `args` shaped as the whole
   workload of the row (host pointers not needed; hints may be NULL). */
struct vtc_op_desc;
struct vtc_op_cost_hints;
void bench_row_cost(bench_row *row, const struct vtc_op_desc *desc, const void *args,
                    const struct vtc_op_cost_hints *hints);

/* Random data (splitmix64 via tests/ref). */
void bench_fill_normal(uint64_t *state, float *x, size_t n, float scale);

/* ---- ops (bench_ops.c) ------------------------------------------------------------- */
/* 1 when --op selects the op of descriptor `d`. */
struct vtc_op_desc;
int bench_op_wanted(const bench_ctx *b, const struct vtc_op_desc *d);
/* Runs every workload --op and --shape select and appends a row each;
   returns how many it would run (for the progress count) when count_only. */
int bench_ops(bench_ctx *b, int count_only);
/* How many calls of at most *per_chunk rows of dimension 0 keep every
   tensor of `args` within `range` bytes (maxStorageBufferRange; 0: no
   limit), as an engine would split a batch: 1 or more, or -1 when even one
   row is too large or it would take over 16 calls. */
int bench_chunks(const struct vtc_op_desc *d, const void *args, uint64_t range, int64_t *per_chunk);
/* The op's CPU reference and set-up hooks (plugin/ops/op_ref.h), by op. */
struct vtc_op_ref;
const struct vtc_op_ref *bench_op_ref(uint32_t op);
/* What the row's token reduction saves in the LLM (bench_llm.c), from the
   workload's args: visual tokens in and out, prefill FLOPs before and after. */
void bench_llm_savings(const bench_opts *o, bench_row *row, uint32_t op, const void *args);
/* The first call on a fresh context (bench_first_call.c): `args` shaped as
   one chunk of the row, every tensor host memory (inputs filled); `seed`
   as the row's set-up used it (the op's setup hook runs again on the
   fresh context). Sets row->first. */
void bench_first_call_row(bench_ctx *b, bench_row *row, const struct vtc_op_desc *d, const void *args, uint64_t seed);

/* ---- --predict (bench_predict.c) ----------------------------------------------------- */
typedef struct bench_gpu {
    const char *name;
    double bandwidth_gbs;            /* published peak memory bandwidth */
    double fp32_tflops;              /* published FP32 vector peak */
} bench_gpu;
extern const bench_gpu *bench_gpus;
extern const int bench_ngpus;
/* Stated, not measured: what one dispatch with its barrier costs on a discrete GPU. */
#define BENCH_DISPATCH_OVERHEAD_US 5.0
/* Allocates the command buffer and scratch of record mode and points b->exec at them. */
int bench_predict_begin(bench_ctx *b, char *err, size_t errlen);
void bench_predict_end(bench_ctx *b);
/* bench_time_op under --predict: records `call` once, sets row->dispatches. */
vtc_result bench_predict_record(bench_ctx *b, bench_row *row, bench_call_fn call, void *user);
/* The bound in microseconds for one row on one GPU. */
double bench_predict_us(const bench_row *r, const bench_gpu *g);
void bench_report_predict(const bench_ctx *b, FILE *f);

/* ---- report ------------------------------------------------------------------------ */
void bench_report_human(const bench_ctx *b, FILE *f);
int bench_report_json(const bench_ctx *b, const char *path); /* 0 on success */

/* embedded calibration SPIR-V (bench_spirv.c, generated) */
extern const uint32_t bench_spv_bench_copy_f32_sh[];
extern const size_t bench_spv_bench_copy_f32_sh_words;
extern const uint32_t bench_spv_bench_fma_f32_sh[];
extern const size_t bench_spv_bench_fma_f32_sh_words;
extern const uint32_t bench_spv_bench_fma_f16_sh[];
extern const size_t bench_spv_bench_fma_f16_sh_words;

#endif
