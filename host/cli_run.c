/*
 * `vtc run OP`: one command for every op, driven by the op's descriptor
 * (plugin/ops/<op>/<op>_desc.c). Each tensor of the table is a flag
 * --<name> FILE.npy (underscores as dashes): read for inputs, written for
 * outputs; each parameter of the table is a flag --<name> VALUE, checked
 * against its range (enums also by name); the outputs' shapes come from
 * the descriptor's shape_outputs. What is neither a tensor nor a parameter
 * (compress's weight file, a picture of the token grid) is a hook in
 * cli_run_hooks.c. The call goes through vtc_run, the generic entry point.
 */
#include "cli_run.h"
#include "op_desc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Spellings of vtc 1.x's hand-written subcommands, kept so that scripts
   and docs keep working (op NULL: every op). */
static const struct { const char *op, *flag, *member; } aliases[] = {
    {NULL, "keep-index", "keep_idx"}, {NULL, "rest-index", "rest_idx"}, {NULL, "src-index", "src_idx"},
    {"scores", "out", "score"},       {"select", "scores", "score"},   {"select", "out", "dominant_out"},
    {"visionzip", "mode", "score_mode"}, {"compress", "attn-out", "attn_mean"},
};

static const char *dtype_names(uint32_t mask)
{
    static char buf[32];
    buf[0] = 0;
    static const char *n[] = {"", "f32", "f16", "i32", "u8"};
    for (uint32_t d = 1; d < 5; d++)
        if (mask & VTC_DTYPES(d))
            snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", buf[0] ? "|" : "", n[d]);
    return buf;
}

/* "rest_idx" -> "rest-idx" */
static const char *flag_of(const char *member)
{
    static char buf[64];
    snprintf(buf, sizeof(buf), "%s", member);
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = '-';
    return buf;
}

static int flag_is(const char *arg, const char *member)
{
    return arg[0] == '-' && arg[1] == '-' && !strcmp(arg + 2, flag_of(member));
}

/* The member a flag names (its own spelling or an alias), or NULL. */
static const char *member_of(const vtc_op_desc *d, const char *arg)
{
    for (uint32_t i = 0; i < d->ntensors; i++)
        if (flag_is(arg, d->tensors[i].name))
            return d->tensors[i].name;
    for (uint32_t i = 0; i < d->nparams; i++)
        if (flag_is(arg, d->params[i].name))
            return d->params[i].name;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if ((!aliases[i].op || !strcmp(aliases[i].op, d->name)) && arg[0] == '-' && arg[1] == '-' &&
            !strcmp(arg + 2, aliases[i].flag) &&
            (vtc_op_desc_tensor(d, aliases[i].member) || vtc_op_desc_param(d, aliases[i].member)))
            return aliases[i].member;
    return NULL;
}

static void print_range(FILE *f, const vtc_op_param_desc *p)
{
    if (p->names) {
        for (uint32_t v = (uint32_t)p->min; v <= (uint32_t)p->max; v++)
            fprintf(f, "%s%s", v > (uint32_t)p->min ? "|" : "", p->names[v]);
    } else if (p->type == VTC_PARAM_F32) {
        fprintf(f, isinf(p->max) ? "any number" : "a finite number");
    } else {
        fprintf(f, "%.0f..%.0f", p->min, p->max);
    }
}

static void usage(FILE *f, const vtc_op_desc *d, const cli_run_hook *h)
{
    fprintf(f, "usage: vtc run %s [--TENSOR FILE.npy ...] [--PARAMETER VALUE ...] [--dtype f32|f16]\n"
               "       %*s [--out-dir DIR] [--repeat N]%s%s\n\n",
            d->name, (int)strlen(d->name), "", h && h->synopsis ? " " : "", h && h->synopsis ? h->synopsis : "");
    if (h && h->about)
        fprintf(f, "%s\n\n", h->about);
    for (int pass = 0; pass < 2; pass++) {
        fprintf(f, pass ? "outputs (written to the file given, or DIR/<name>.npy with --out-dir):\n"
                        : "inputs (.npy; float data is stored on the device in the --dtype):\n");
        for (uint32_t i = 0; i < d->ntensors; i++) {
            const vtc_op_tensor_desc *t = &d->tensors[i];
            if (!(t->role & VTC_ROLE_OUTPUT) == !pass)
                fprintf(f, "  --%-16s rank %u, %s%s\n", flag_of(t->name), t->rank, dtype_names(t->dtypes),
                        t->role & VTC_ROLE_OPTIONAL ? (pass ? ", optional" : ", optional (or read only in some modes)")
                                                    : pass ? ", always computed" : "");
        }
    }
    fprintf(f, "parameters (default 0):\n");
    for (uint32_t i = 0; i < d->nparams; i++) {
        const vtc_op_param_desc *p = &d->params[i];
        fprintf(f, "  --%-16s ", flag_of(p->name));
        print_range(f, p);
        fprintf(f, ": %s\n", p->help);
    }
    if (h && h->options)
        fputs(h->options, f);
    fprintf(f, "  --dtype D          device storage of the float tensors: f32 (default) or f16\n"
               "  --out-dir DIR      write every output the op computes to DIR/<name>.npy\n"
               "  --repeat N         run N times, print the median wall time (default 1)\n");
    int any = 0;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (!aliases[i].op || !strcmp(aliases[i].op, d->name))
            if (vtc_op_desc_tensor(d, aliases[i].member) || vtc_op_desc_param(d, aliases[i].member))
                fprintf(f, "%s--%s = --%s", any++ ? ", " : "also: ", aliases[i].flag, flag_of(aliases[i].member));
    if (any)
        fputc('\n', f);
}

static int parse_param(cli_run *st, const vtc_op_param_desc *p, const char *v)
{
    double x;
    if (p->names) {
        for (uint32_t k = (uint32_t)p->min; k <= (uint32_t)p->max; k++)
            if (!strcmp(v, p->names[k])) {
                vtc_op_param_set(p, st->args, k);
                return 0;
            }
    }
    char *end;
    x = strtod(v, &end);
    if (!*v || *end || (p->type != VTC_PARAM_F32 && x != floor(x)) || !(x >= p->min && x <= p->max)) {
        fprintf(stderr, "vtc %s: --%s must be ", st->d->name, flag_of(p->name));
        print_range(stderr, p);
        fprintf(stderr, " (see 'vtc run %s --help')\n", st->d->name);
        return 2;
    }
    vtc_op_param_set(p, st->args, x);
    return 0;
}

static int load_input(cli_run *st, uint32_t i)
{
    const vtc_op_tensor_desc *td = &st->d->tensors[i];
    const char *path = st->path[i];
    int is_float = (td->dtypes & VTC_DTYPES_FLOAT) != 0;
    /* a float tensor the table allows only as f32 (select's score) is read as f32 */
    uint32_t dt = (td->dtypes & VTC_DTYPES(VTC_DTYPE_F16)) ? st->dtype : VTC_DTYPE_F32;
    if (cli_load(path, is_float, dt, (int)td->rank, &st->in[i]))
        return 1;
    if (!is_float && !(td->dtypes & VTC_DTYPES(st->in[i].a.dtype)))
        return cli_error("%s: %s must be %s (%s)", path, td->name,
                         td->dtypes & VTC_DTYPES(VTC_DTYPE_U8) ? "uint8" : "int32",
                         td->dtypes & VTC_DTYPES(VTC_DTYPE_U8) ? "|u1" : "<i4");
    *vtc_op_tensor_in(td, st->args) = cli_tensor(&st->in[i]);
    return 0;
}

static size_t tensor_bytes(const vtc_tensor *t)
{
    double b = vtc_op_desc_bytes(t);
    return b > 0 && b < 1e15 ? (size_t)b : 0;
}

static void print_shape(const char *name, const vtc_tensor *t)
{
    printf(" %s [", name);
    for (uint32_t k = 0; k < t->ndim && k < VTC_MAX_DIMS; k++)
        printf("%s%lld", k ? "," : "", (long long)t->shape[k]);
    printf("]");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run_call(cli_run *st, double *median)
{
    double *ms = malloc(sizeof(double) * st->repeat);
    if (!ms)
        return cli_error("out of memory");
    for (uint32_t it = 0; it < st->repeat; it++) {
        double t0 = cli_now_ms();
        vtc_result r = st->api->run(st->ctx, st->d->op, st->args, NULL);
        ms[it] = cli_now_ms() - t0;
        if (r) {
            free(ms);
            return cli_vtc_error(st->api, st->d->name, r);
        }
    }
    qsort(ms, st->repeat, sizeof(double), cmp_double);
    *median = ms[st->repeat / 2];
    if (st->repeat > 1)
        printf("%s: median %.3f ms over %u runs (min %.3f, max %.3f; wall time incl. host copies)\n", st->d->name,
               ms[st->repeat / 2], st->repeat, ms[0], ms[st->repeat - 1]);
    free(ms);
    return 0;
}

static int write_outputs(cli_run *st)
{
    for (uint32_t i = 0; i < st->d->ntensors; i++) {
        const vtc_tensor *t = vtc_op_tensor_in_const(&st->d->tensors[i], st->args);
        if (!st->out[i] || (!st->path[i] && !st->out_dir))
            continue;
        char buf[4096];
        const char *path = st->path[i];
        if (!path) {
            snprintf(buf, sizeof(buf), "%s/%s.npy", st->out_dir, st->d->tensors[i].name);
            path = buf;
        }
        if (cli_save(path, t->dtype, (int)t->ndim, t->shape, st->out[i]))
            return 1;
    }
    return 0;
}

static int parse(cli_run *st, int argc, char **argv)
{
    const vtc_op_desc *d = st->d;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v = NULL;
        int hr = st->hook && st->hook->flag ? st->hook->flag(st, argc, argv, &i) : 0;
        if (hr < 0)
            return 2;
        if (hr > 0)
            continue;
        const char *m = member_of(d, arg);
        if (!m && strcmp(arg, "--dtype") && strcmp(arg, "--out-dir") && strcmp(arg, "--repeat"))
            return cli_usage_error(d->name, "unknown argument '%s'", arg);
        const vtc_op_param_desc *p = m ? vtc_op_desc_param(d, m) : NULL;
        /* a 0..1 parameter given alone means 1 (--no-cls) */
        if (p && p - d->params < 32)
            st->params_given |= 1u << (p - d->params);
        if (p && p->min == 0 && p->max == 1 && !p->names && (i + 1 >= argc || !strncmp(argv[i + 1], "--", 2))) {
            vtc_op_param_set(p, st->args, 1);
            continue;
        }
        if (i + 1 >= argc)
            return cli_usage_error(d->name, "%s needs a value", arg);
        v = argv[++i];
        if (!strcmp(arg, "--dtype")) {
            if (cli_parse_dtype(v, &st->dtype))
                return cli_usage_error(d->name, "--dtype must be f32 or f16");
        } else if (!strcmp(arg, "--out-dir")) {
            st->out_dir = v;
        } else if (!strcmp(arg, "--repeat")) {
            if (cli_parse_u32(v, &st->repeat) || st->repeat < 1 || st->repeat > 100000)
                return cli_usage_error(d->name, "--repeat must be an integer in 1..100000");
        } else if (p) {
            if (parse_param(st, p, v))
                return 2;
        } else {
            st->path[vtc_op_desc_tensor(d, m) - d->tensors] = v;
        }
    }
    int outputs = st->out_dir != NULL || st->hook_outputs;
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_op_tensor_desc *t = &d->tensors[i];
        if (!(t->role & (VTC_ROLE_OUTPUT | VTC_ROLE_OPTIONAL)) && !st->path[i])
            return cli_usage_error(d->name, "--%s is required", flag_of(t->name));
        outputs |= (t->role & VTC_ROLE_OUTPUT) && st->path[i];
    }
    if (!outputs)
        return cli_usage_error(d->name, "give an output file (or --out-dir)");
    return 0;
}

int cli_run_op(const vtc_op_desc *d, int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    const cli_run_hook *hook = cli_run_hook_of(d->name);
    if (cli_wants_help(argc, argv)) {
        usage(stdout, d, hook);
        return 0;
    }
    if (!VTC_API_HAS(api, run))
        return cli_error("this plugin (%s) has no vtc_run: vtc run needs vtc 1.2", api->library_version());
    cli_run *st = calloc(1, sizeof(*st));
    if (!st)
        return cli_error("out of memory");
    st->d = d;
    st->api = api;
    st->ctx = ctx;
    st->hook = hook;
    st->dtype = VTC_DTYPE_F32;
    st->repeat = 1;
    /* the example gives the args' size; its tensors and parameters are cleared */
    d->example(0, st->args);
    for (uint32_t i = 0; i < d->ntensors; i++)
        memset(vtc_op_tensor_in(&d->tensors[i], st->args), 0, sizeof(vtc_tensor));
    for (uint32_t i = 0; i < d->nparams; i++)
        vtc_op_param_set(&d->params[i], st->args, 0);
    int rc = parse(st, argc, argv);
    for (uint32_t i = 0; !rc && i < d->ntensors; i++)
        if (!(d->tensors[i].role & VTC_ROLE_OUTPUT) && st->path[i])
            rc = load_input(st, i);
    if (!rc && hook && hook->before)
        rc = hook->before(st);
    if (!rc) {
        d->shape_outputs(st->args);
        /* an output is given when the op needs it, a file or the hook asks for it */
        for (uint32_t i = 0; !rc && i < d->ntensors; i++) {
            const vtc_op_tensor_desc *td = &d->tensors[i];
            vtc_tensor *t = vtc_op_tensor_in(td, st->args);
            if (!(td->role & VTC_ROLE_OUTPUT))
                continue;
            int want = !(td->role & VTC_ROLE_OPTIONAL) || st->path[i] || st->want[i] ||
                       (st->out_dir && vtc_op_desc_count(t) > 0);
            if (!want) {
                memset(t, 0, sizeof(*t));
                continue;
            }
            st->out[i] = calloc(1, tensor_bytes(t) + 4);
            if (!st->out[i])
                rc = cli_error("out of memory");
            t->host = st->out[i];
        }
    }
    double ms = 0;
    if (!rc)
        rc = run_call(st, &ms);
    if (!rc)
        rc = write_outputs(st);
    if (!rc) {
        printf("%s:", d->name);
        for (int pass = 0; pass < 2; pass++)
            for (uint32_t i = 0; i < d->ntensors; i++) {
                const vtc_tensor *t = vtc_op_tensor_in_const(&d->tensors[i], st->args);
                if (t->dtype != VTC_DTYPE_NONE && !(d->tensors[i].role & VTC_ROLE_OUTPUT) == !pass)
                    print_shape(d->tensors[i].name, t);
                if (pass == 0 && i + 1 == d->ntensors)
                    printf(" ->");
            }
        printf(", %.2f ms%s\n", ms, st->repeat > 1 ? " (median)" : "");
    }
    if (!rc && hook && hook->after)
        rc = hook->after(st);
    if (hook && hook->cleanup)
        hook->cleanup(st);
    for (uint32_t i = 0; i < VTC_OP_DESC_MAX_TENSORS; i++) {
        cli_free(&st->in[i]);
        free(st->out[i]);
    }
    free(st);
    return rc;
}

void cli_run_list(FILE *f)
{
    for (uint32_t i = 0; vtc_op_desc_at(i); i++)
        fprintf(f, "%s%s", i ? ", " : "", vtc_op_desc_at(i)->name);
}
