/*
 * Conventions shared by the `vtc` subcommands (host/cli_*.c).
 *
 * A subcommand is `int cli_X(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)`:
 * argv[0] is the subcommand name; it returns the process exit status
 * (0 ok, 1 runtime failure, 2 usage error). `--help` prints the usage to
 * stdout and returns 0 (ctx may then be NULL: no device is opened for --help).
 * Inputs are .npy files read with host/io/npy.h; float inputs are converted
 * to the run dtype (--dtype f32|f16, default f32) and outputs are written
 * in that dtype (index outputs as <i4). Errors go to stderr, prefixed "vtc: ".
 */
#ifndef VTC_CLI_H
#define VTC_CLI_H

#include "vtc.h"
#include "io/npy.h"

#include <stddef.h>
#include <stdint.h>

int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* prints, returns 1 */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3))); /* returns 2 */

/* Parses "f32"/"f16" into VTC_DTYPE_*; 0 on success. */
int cli_parse_dtype(const char *s, uint32_t *dtype);
/* Parses a non-negative integer / a float option value; 0 on success. */
int cli_parse_u32(const char *s, uint32_t *out);
int cli_parse_float(const char *s, float *out);
/* 1 when argv[i] is `name` and a value follows (then *val is set and i advanced). */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **val);
int cli_wants_help(int argc, char **argv);

/* Loads a .npy; with want_float, converts F32/F16 data to `dtype` storage
   (malloc'd into *data). ndim/shape out. Prints errors. 0 on success. */
typedef struct cli_array {
    npy_array a;           /* as loaded */
    uint32_t dtype;        /* VTC_DTYPE_* of `data` */
    void *data;            /* owned: a.data or a converted copy */
    int owns_copy;
} cli_array;
int cli_load(const char *path, int want_float, uint32_t dtype, int expect_ndim, cli_array *out);
void cli_free(cli_array *x);
vtc_tensor cli_tensor(const cli_array *x);
vtc_tensor cli_tensor_new(uint32_t dtype, void *host, int ndim, const int64_t *shape);
/* Writes `data` (dtype VTC_DTYPE_*) as .npy. Prints errors. 0 on success. */
int cli_save(const char *path, uint32_t dtype, int ndim, const int64_t *shape, const void *data);
/* Prints a vtc error with its result string. Returns 1. */
int cli_vtc_error(const vtc_api_v1 *api, const char *what, vtc_result r);
double cli_now_ms(void);
/* "discrete GPU", "integrated GPU", "virtual GPU", "CPU" or "other" for a VkPhysicalDeviceType. */
const char *cli_device_type_name(uint32_t t);

/* The on-disk pipeline cache ($XDG_CACHE_HOME/vtc or ~/.cache/vtc; off with
   --no-cache, which sets cli_cache_disabled). cli_context_create makes a
   standalone context that starts from it; cli_cache_save writes the
   context's cache back (best effort: a failure is one warning). */
extern int cli_cache_disabled;
void *cli_cache_load(size_t *size);
void cli_cache_save(const vtc_api_v1 *api, vtc_context ctx);
vtc_result cli_context_create(const vtc_api_v1 *api, vtc_context *ctx);
/* The same with VTC_CONTEXT_* flags (vtc pipelines: COMPILE_ONLY). */
vtc_result cli_context_create_flags(const vtc_api_v1 *api, uint32_t flags, vtc_context *ctx);

/* subcommands (`vtc run OP` is cli_run.h's) */
int cli_pipelines(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx);
#endif
