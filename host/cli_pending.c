/* Weak fallbacks for subcommands whose implementation file is not in this
   build yet; the real definitions (strong symbols) replace them. */
#include "cli.h"

#define PENDING(fn) \
    __attribute__((weak)) int fn(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx) \
    { (void)argc; (void)argv; (void)api; (void)ctx; return cli_error(#fn ": not in this build"); }
PENDING(cli_run_merge)
PENDING(cli_run_visionzip)
PENDING(cli_run_compress)
PENDING(cli_run_composite)

__attribute__((weak)) int cli_bench(int argc, char **argv, const vtc_api_v1 *api)
{
    (void)argc; (void)argv; (void)api;
    return cli_error("bench: not in this build");
}

__attribute__((weak)) int cli_visionzip_png(const char *path, int B, int N, int keep_cls, int D, int Dm, int k, int c,
                                            const float *metric, const int32_t *src_idx, uint32_t metric_dtype)
{
    (void)path; (void)B; (void)N; (void)keep_cls; (void)D; (void)Dm; (void)k; (void)c; (void)metric; (void)src_idx;
    (void)metric_dtype;
    return cli_error("--png: not in this build");
}
