/*
 * `vtc run OP` (cli_run.c): the generic command over an op's descriptor,
 * and the hooks (cli_run_hooks.c) for the few flags of an op that are
 * neither a tensor nor a parameter of its args.
 */
#ifndef VTC_CLI_RUN_H
#define VTC_CLI_RUN_H

#include "cli.h"
#include "op_desc.h"

#include <stdio.h>

typedef struct cli_run_hook cli_run_hook;

/* One `vtc run` invocation. Indices are the descriptor's tensor table's. */
typedef struct cli_run {
    const vtc_op_desc *d;
    const vtc_api_v1 *api;
    vtc_context ctx;
    const cli_run_hook *hook;
    _Alignas(16) unsigned char args[VTC_OP_ARGS_MAX];
    uint32_t dtype;                          /* --dtype */
    uint32_t repeat;                         /* --repeat */
    const char *out_dir;                     /* --out-dir */
    const char *path[VTC_OP_DESC_MAX_TENSORS];  /* --<tensor> FILE */
    cli_array in[VTC_OP_DESC_MAX_TENSORS];   /* loaded inputs */
    void *out[VTC_OP_DESC_MAX_TENSORS];      /* output memory */
    int want[VTC_OP_DESC_MAX_TENSORS];       /* a hook needs this optional output */
    int hook_outputs;                        /* a hook writes something (--png): no output file needed */
    uint32_t params_given;                   /* bit i: parameter i of the table was on the command line */
    void *hook_state;                        /* the hook's own, freed by its cleanup */
} cli_run;

struct cli_run_hook {
    const char *op;
    const char *synopsis;   /* its flags in the usage line */
    const char *about;      /* what the op does, a paragraph */
    const char *options;    /* help lines of its flags */
    /* argv[*i] is one of its flags: consume it (and its value), return 1;
       not its flag: 0; a usage error (printed): -1 */
    int (*flag)(cli_run *st, int argc, char **argv, int *i);
    /* after the inputs are loaded and the parameters set, before the
       outputs are shaped; returns an exit status (0: go on) */
    int (*before)(cli_run *st);
    /* after a successful call and the outputs written */
    int (*after)(cli_run *st);
    void (*cleanup)(cli_run *st);
};

const cli_run_hook *cli_run_hook_of(const char *op);
int cli_run_op(const vtc_op_desc *d, int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx);
/* "scores, select, ...": the ops of this build */
void cli_run_list(FILE *f);
/* The token-grid picture of visionzip and prune (cli_png.c). */
int cli_token_grid_png(const char *path, int B, int N, int keep_cls, int Dm, int k, int c, const float *metric,
                       const int32_t *src_idx);
#endif
