/*
 * `vtc bench`: options and the order of things (calibrate, run the ops,
 * report). The measuring lives in host/bench/ (see bench.h).
 */
#include "cli.h"
#include "vtc_op_list.h"
#include "bench/bench.h"
#include "op_desc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the op list in the help comes from the build's op list, so it cannot go stale */
#define BENCH_OP_NAME(name) " " #name
static const char usage[] =
    "usage: vtc bench [--op OP] [--shape NAME] [--repeat N] [--warmup N] [--max-time S] [--json FILE]\n"
    "                 [--dtype f32|f16] [--no-cpu] [--no-first-call] [--llm NAME] [--llm-layers N]\n"
    "                 [--llm-dim N] [--llm-ffn N] [--text-tokens N] [--quiet] [--predict] [--list]\n"
    "\n"
    "Measures every op on its named workloads (the shapes hosts hand over, listed in each op's\n"
    "descriptor, plugin/ops/OP/OP_desc.c; --list prints them) on the chosen device and sets the\n"
    "times against the device's own limits, measured in the same run:\n"
    "  calibration  a streaming-copy shader (vec4) gives the bandwidth in GB/s, an FMA-chain\n"
    "               shader the fp32 peak in GFLOP/s (and fp16 where shaderFloat16 is in use)\n"
    "  each shape   median and min..max of the timed runs (GPU timestamps when the device has\n"
    "               them, else host time), on device tensors with random inputs so no transfers\n"
    "               are timed (on a CPU device with timestamps: host tensors, what an engine hands\n"
    "               it, staged by vtc outside the timed command buffer); bytes and FLOPs from the op's cost function; achieved GB/s and\n"
    "               GFLOP/s; bound = max(bytes/bandwidth, FLOPs/fp32 peak), roof = bound / median\n"
    "  CPU          the same workload through the op's CPU reference (ref_OP_args.c), its time,\n"
    "               the ratio, and the device's outputs against it (NMSE for values, exact\n"
    "               agreement for indices)\n"
    "  first call   on a fresh context with no pipeline cache and the driver's shader cache off\n"
    "               (MESA_SHADER_CACHE_DISABLE=true): vtc_prepare with the call's args, then the\n"
    "               first call and the warm ones (host clock, host tensors); goal <= 1.5x warm\n"
    "  savings      LLM prefill FLOPs with and without the op's token reduction, and the op's\n"
    "               time as a share of the prefill time it removes at the measured fp32 peak\n"
    "               (goal <= 2% at LLaVA-1.5 shapes)\n"
    "and, last, the targets of issues 6 and 21 as measured.\n"
    "\n"
    "--predict runs nothing and times nothing: each shape is recorded once (record mode, never\n"
    "submitted) with GPU variants (forced on a CPU device) to count the plugin's dispatches, and\n"
    "the table gives, per named GPU (published bandwidth and FP32 peak), the roofline bound\n"
    "max(bytes/bandwidth, FLOPs/peak) + dispatches x 5 us, next to the LLM prefill FLOPs the op\n"
    "removes. A bound on paper, not a measurement; calibration, the first-call measurement and\n"
    "the CPU reference are skipped.\n"
    "\n"
    "Without --predict: Exit status 1 when a shape fails, an output\n"
    "disagrees with the CPU reference, or (with --validation) the validation layer reports.\n"
    "\n"
    "  --op OP          only this op (default: all):" VTC_OP_LIST(BENCH_OP_NAME) "\n"
    "  --shape NAME     only workloads whose name starts with NAME (e.g. llava15, c1-n576,\n"
    "                   divprune-576x4096, dart; --list shows them all)\n"
    "  --repeat N       at most N timed runs per shape (default 20)\n"
    "  --warmup N       untimed runs first (default 2; the first compiles the pipelines, so one\n"
    "                   is enough when a call takes over a second); with N > 0 they go on until\n"
    "                   those after the first took 0.2 s (lavapipe runs a freshly compiled kernel\n"
    "                   slower for a few dozen runs)\n"
    "  --max-time S     time budget of a shape's timed runs (default 2; 0: none): they stop once\n"
    "                   S seconds are spent and 3 are done, or after one run that takes over S/3;\n"
    "                   the run count is in the table and the JSON\n"
    "  --json FILE      also write the results as JSON\n"
    "  --dtype f32|f16  storage of the float tensors (default f32; maths is fp32 either way)\n"
    "  --no-cpu         skip the CPU reference (no ratio, no output check)\n"
    "  --no-first-call  skip the first-call measurement (a fresh context per shape)\n"
    "  --llm NAME       LLM shape for the savings: 7b (default), 13b, 8b, 0.5b, qwen2vl-7b (GQA, k/v width 512)\n"
    "  --llm-layers N, --llm-dim N, --llm-ffn N   override the preset (--llm-dim also resets the k/v width to N)\n"
    "  --text-tokens N  text tokens next to the visual ones (default 64)\n"
    "  --quiet          no progress line on stderr\n"
    "  --predict        the on-paper GPU bound described above, instead of timing\n"
    "  --list           print every op's workloads and exit\n"
    "\n"
    "A full run takes many minutes on lavapipe with 2 CPU cores (slow kernels such as DivPrune's\n"
    "before issue 21's rewrite, the CPU references, the compress reference paths and the\n"
    "first-call compiles dominate); narrow it with --op/--shape/--repeat/--max-time, or\n"
    "--no-first-call.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fputs("vtc bench: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see 'vtc bench --help')\n", stderr);
    return 2;
}

static int shape_known(const char *op, const char *prefix)
{
    for (uint32_t k = 0; vtc_op_desc_at(k); k++) {
        const vtc_op_desc *d = vtc_op_desc_at(k);
        if (op && strcmp(op, d->name))
            continue;
        for (uint32_t w = 0; w < d->nworkloads; w++)
            if (!strncmp(d->workloads[w].name, prefix, strlen(prefix)))
                return 1;
    }
    return 0;
}

static void list_workloads(void)
{
    for (uint32_t k = 0; vtc_op_desc_at(k); k++) {
        const vtc_op_desc *d = vtc_op_desc_at(k);
        for (uint32_t w = 0; w < d->nworkloads; w++)
            printf("%-9s %-24s %s\n", d->name, d->workloads[w].name, d->workloads[w].help);
    }
}

/* The options without a value; 0 when `arg` is none of them. */
static int flag_option(const char *arg, bench_opts *o)
{
    if (!strcmp(arg, "--no-cpu"))
        o->no_cpu = 1;
    else if (!strcmp(arg, "--quiet"))
        o->quiet = 1;
    else if (!strcmp(arg, "--no-first-call"))
        o->no_first_call = 1;
    else if (!strcmp(arg, "--list"))
        o->list = 1;
    else if (!strcmp(arg, "--predict"))
        o->predict = o->no_cpu = 1;
    else
        return 0;
    return 1;
}

/* --llm-* and --text-tokens apply after the preset, whatever their order
   on the command line (-1: not given). */
static void llm_overrides(bench_opts *o, int layers, int dim, int ffn, int text)
{
    if (layers >= 0)
        o->llm.layers = layers;
    if (dim >= 0) {
        o->llm.dim = dim;
        o->llm.kv_dim = 0; /* a preset's GQA width belongs to its own d */
    }
    if (ffn >= 0)
        o->llm.ffn = ffn;
    if (text >= 0)
        o->llm.text_tokens = text;
    if (layers >= 0 || dim >= 0 || ffn >= 0)
        o->llm.name = "custom";
}

static int parse(int argc, char **argv, bench_opts *o)
{
    const bench_llm *preset = bench_llm_preset("7b");
    o->llm = *preset;
    o->repeat = 20;
    o->warmup = 2;
    o->max_time_s = 2;
    o->dtype = VTC_DTYPE_F32;
    int layers = -1, dim = -1, ffn = -1, text = -1;
    /* the options taking a whole number (at most 10^6) */
    const struct {
        const char *name;
        int *dst;
        int zero_ok;
    } numbers[] = {{"--repeat", &o->repeat, 0},  {"--warmup", &o->warmup, 1}, {"--llm-layers", &layers, 0},
                   {"--llm-dim", &dim, 0},        {"--llm-ffn", &ffn, 0},       {"--text-tokens", &text, 1}};
    for (int i = 1; i < argc; i++) {
        const char *v = "";
        if (flag_option(argv[i], o))
            continue;
        if (cli_opt(argc, argv, &i, "--op", &v)) {
            if (v && !vtc_op_desc_named(v))
                return usage_error("unknown op '%s' (see 'vtc bench --help')", v);
            o->op = v;
        } else if (cli_opt(argc, argv, &i, "--shape", &v)) {
            o->shape = v;
        } else if (cli_opt(argc, argv, &i, "--json", &v)) {
            o->json = v;
        } else if (cli_opt(argc, argv, &i, "--dtype", &v)) {
            if (v && cli_parse_dtype(v, &o->dtype))
                return usage_error("--dtype must be f32 or f16, not '%s'", v);
        } else if (cli_opt(argc, argv, &i, "--max-time", &v)) {
            float t;
            if (v && (cli_parse_float(v, &t) || t < 0))
                return usage_error("--max-time takes seconds, not '%s'", v);
            if (v)
                o->max_time_s = t;
        } else if (cli_opt(argc, argv, &i, "--llm", &v)) {
            if (v && !(preset = bench_llm_preset(v)))
                return usage_error("unknown LLM '%s' (7b, 13b, 8b, 0.5b, qwen2vl-7b)", v);
            if (v)
                o->llm = *preset;
        } else {
            size_t n = 0, count = sizeof(numbers) / sizeof(numbers[0]);
            while (n < count && !cli_opt(argc, argv, &i, numbers[n].name, &v))
                n++;
            if (n == count)
                return usage_error("unknown argument '%s'", argv[i]);
            uint32_t u;
            if (v && (cli_parse_u32(v, &u) || u > 1000000))
                return usage_error("bad number '%s'", v);
            if (v && !u && !numbers[n].zero_ok)
                return usage_error("%s must be at least 1", numbers[n].name);
            if (v)
                *numbers[n].dst = (int)u;
        }
        if (!v)
            return usage_error("%s needs a value", argv[i]);
    }
    llm_overrides(o, layers, dim, ffn, text);
    if (o->shape && !shape_known(o->op, o->shape))
        return usage_error("no shape named '%s' for this op", o->shape);
    return 0;
}

static int run_ops(bench_ctx *b)
{
    b->steps = bench_ops(b, 1);
    bench_ops(b, 0);
    bench_progress_done(b);
    return 0;
}

/* What predict() and measure() return when they could not run (a message
   said why); else 0, or 1 when a shape failed. */
enum { NOT_RUN = -1 };

/* --predict: every shape recorded once with the GPU variants, and the
   on-paper bound per named GPU. */
static int predict(bench_ctx *b)
{
    char err[256];
    if (bench_predict_begin(b, err, sizeof(err))) {
        cli_error("bench: %s", err);
        return NOT_RUN;
    }
    run_ops(b);
    bench_report_predict(b, stdout);
    for (int i = 0; i < b->nrows; i++)
        if (b->rows[i].status == BENCH_ERROR)
            return 1;
    return 0;
}

/* The measured run: calibration, every shape, the human report and the
   JSON; 1 also when an output disagreed with its CPU reference. */
static int measure(bench_ctx *b)
{
    const bench_opts *o = b->opt;
    char err[256];
    if (!o->quiet)
        fprintf(stderr, "vtc bench: calibrating %s (bandwidth, FMA peak)\n", b->info.name);
    int cal_runs = o->repeat < 3 ? 3 : o->repeat > 10 ? 10 : o->repeat;
    if (bench_calibrate(&b->vk, &b->info, cal_runs, &b->calib, err, sizeof(err))) {
        cli_error("bench: calibration: %s", err);
        return NOT_RUN;
    }
    run_ops(b);
    bench_report_human(b, stdout);
    fflush(stdout);
    int rc = 0;
    if (o->json && bench_report_json(b, o->json))
        rc = cli_error("bench: cannot write %s", o->json);
    for (int i = 0; i < b->nrows; i++)
        if (b->rows[i].status == BENCH_ERROR || b->rows[i].check_failed)
            rc = 1;
    return rc;
}

int cli_bench(int argc, char **argv, const vtc_api_v1 *api)
{
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    bench_opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    if (o.list) {
        list_workloads();
        return 0;
    }

    if (o.json) { /* fail now, not after a long run */
        FILE *f = fopen(o.json, "w");
        if (!f)
            return cli_error("bench: cannot write %s", o.json);
        fclose(f);
    }
    bench_ctx b;
    memset(&b, 0, sizeof(b));
    b.api = api;
    b.opt = &o;
    b.progress_tty = isatty(2);
    /* the bound is for the GPU path: a CPU device must record the GPU variants
       (read at context creation; a GPU device selects them anyway) */
    if (o.predict)
        setenv("VTC_FORCE_GPU_VARIANTS", "1", 1);
    /* The first-call measurement wants the driver's shader cache off; Mesa
       reads this when the driver loads, which happens at the first context
       below (vtc_main loads no driver before `bench`). It costs the warm
       timings nothing: each pipeline is compiled once either way. */
    if (!o.predict && !o.no_first_call)
        setenv("MESA_SHADER_CACHE_DISABLE", "true", 1);
    vtc_result r = cli_context_create(api, &b.ctx);
    if (r)
        return cli_vtc_error(api, "creating a context", r);
    b.info.size = sizeof(b.info);
    api->context_info(b.ctx, &b.info);
    char err[256];
    if (bench_vk_init(&b.vk, api, b.ctx, err, sizeof(err))) {
        rc = cli_error("bench: %s", err);
        goto out;
    }
    rc = o.predict ? predict(&b) : measure(&b);
    if (rc == NOT_RUN) {
        rc = 1;
        goto out;
    }
    vtc_context_stats st;
    memset(&st, 0, sizeof(st));
    st.size = sizeof(st);
    if (api->context_stats_get(b.ctx, &st) == VTC_SUCCESS && st.validation_messages) {
        fprintf(stderr, "vtc: %llu validation-layer message(s)\n", (unsigned long long)st.validation_messages);
        rc = 1;
    }
    if (!rc)
        cli_cache_save(api, b.ctx);
out:
    bench_predict_end(&b);
    bench_vk_destroy(&b.vk);
    free(b.rows);
    api->context_destroy(b.ctx);
    return rc;
}
