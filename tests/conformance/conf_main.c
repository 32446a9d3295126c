/*
 * vtc-conformance: every op against its CPU reference on the chosen device
 * (also run as `vtc conformance`, which executes this program). Its own
 * program so that the shipped tool carries no test code; shipped beside it
 * so users can run the suite on their own GPU.
 *
 *   vtc-conformance [--plugin PATH] [conformance options]
 */
#include "cli.h"
#include "conf.h"
#include "plugin_open.h"
#include "vtc_op_list.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the op list in the help comes from the build's op list, so it cannot go stale */
#define CONF_OP_NAME(name) " " #name
static const char conformance_usage[] =
    "usage: vtc conformance [--quick] [--full] [--op OP] [--case TEXT] [--json FILE] [--golden DIR]\n"
    "                       [--validation[=sync|gpu|core]] [--verbose]\n"
    "\n"
    "Runs every op x dtype (f32, f16) x variant (subgroup ops on/off, fp16 storage off,\n"
    "GPU-tuned shaders on CPU devices) x shape in the conformance matrix on the chosen device,\n"
    "against CPU references written from SPEC.md, and prints one line per case:\n"
    "  STATUS op case [variant] shape nmse=... mism=... time\n"
    "Values are compared by NMSE, indices exactly; guard bytes catch writes outside outputs;\n"
    "with --validation any Khronos validation message fails the case.\n"
    "  --quick        a subset that runs in under a minute\n"
    "  --full         also the large official shapes (default on GPUs; slow on CPU devices)\n"
    "  --op OP        only this op: api (the ABI's own cases) or one of\n"
    "                " VTC_OP_LIST(CONF_OP_NAME) "\n"
    "  --case TEXT    only cases whose name contains TEXT\n"
    "  --json FILE    also write the results as JSON\n"
    "  --golden DIR   the golden data folder (default: $VTC_GOLDEN_DIR, else share/vtc/golden next to\n"
    "                 this program, the install's share/vtc/golden, then the source tree's tests/data/golden)\n"
    "  --validation[=MODE]  the Khronos validation layer on every context, any message fails the case:\n"
    "                 sync (default) its default checks plus synchronization validation, gpu GPU-assisted\n"
    "                 validation (shader accesses against descriptor ranges), core the default checks\n"
    "                 only; the same as VTC_VALIDATION=1|gpu|core\n"
    "Exit status: 0 when every case passed, 1 when any failed, 2 on usage errors.\n";

/* The golden folder when neither --golden nor VTC_GOLDEN_DIR names one: an
   install's share/vtc/golden (found from this program, then the configured
   prefix), then the source tree this program was built from. `looked` gets
   the places tried, for the message when none has the data. */
static const char *find_golden(char *found, size_t len, char *looked, size_t looked_len)
{
    char cands[3][PATH_MAX + 32];
    int n = 0;
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (k > 0) {
        exe[k] = 0;
        snprintf(cands[n++], sizeof(cands[0]), "%s/../share/vtc/golden", dirname(exe));
    }
#ifdef VTC_GOLDEN_INSTALL_DIR
    snprintf(cands[n++], sizeof(cands[0]), "%s", VTC_GOLDEN_INSTALL_DIR);
#endif
#ifdef VTC_GOLDEN_SOURCE_DIR
    snprintf(cands[n++], sizeof(cands[0]), "%s", VTC_GOLDEN_SOURCE_DIR);
#endif
    looked[0] = 0;
    for (int i = 0; i < n; i++) {
        char probe[PATH_MAX + 64];
        snprintf(probe, sizeof(probe), "%.4000s/README.md", cands[i]);
        if (access(probe, R_OK) == 0) {
            snprintf(found, len, "%.4000s", cands[i]);
            return found;
        }
        size_t used = strlen(looked);
        snprintf(looked + used, looked_len - used, "%s%s", used ? ", " : "", cands[i]);
    }
    return NULL;
}

static int conformance(int argc, char **argv, const vtc_api_v1 *api, int validation)
{
    conf_options o;
    memset(&o, 0, sizeof(o));
    o.api = api;
    o.validation = validation;
    o.golden_dir = getenv("VTC_GOLDEN_DIR");
    const char *v;
    for (int i = 1; i < argc; i++) {
        v = "";
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(conformance_usage, stdout);
            return 0;
        } else if (!strncmp(argv[i], "--validation", 12) && (!argv[i][12] || argv[i][12] == '=')) {
            const char *mode = argv[i][12] ? argv[i] + 13 : "sync";
            if (strcmp(mode, "sync") && strcmp(mode, "gpu") && strcmp(mode, "core")) {
                fprintf(stderr, "vtc conformance: --validation takes sync, gpu or core, not '%s'\n", mode);
                return 2;
            }
            /* the plugin reads the mode when each context is created */
            setenv("VTC_VALIDATION", !strcmp(mode, "sync") ? "1" : mode, 1);
            o.validation = 1;
        } else if (!strcmp(argv[i], "--quick")) o.quick = 1;
        else if (!strcmp(argv[i], "--full")) o.full = 1;
        else if (!strcmp(argv[i], "--verbose")) o.verbose = 1;
        else if (cli_opt(argc, argv, &i, "--op", &v)) o.op = v;
        else if (cli_opt(argc, argv, &i, "--case", &v)) o.only = v;
        else if (cli_opt(argc, argv, &i, "--json", &v)) o.json = v;
        else if (cli_opt(argc, argv, &i, "--golden", &v)) o.golden_dir = v;
        else {
            fprintf(stderr, "vtc conformance: unknown argument '%s' (see --help)\n", argv[i]);
            return 2;
        }
        if (!v) {
            fprintf(stderr, "vtc conformance: %s needs a value\n", argv[i]);
            return 2;
        }
    }
    char golden[PATH_MAX + 32], looked[4 * PATH_MAX];
    if (!o.golden_dir || !*o.golden_dir) {
        o.golden_dir = find_golden(golden, sizeof(golden), looked, sizeof(looked));
        if (!o.golden_dir) {
            o.golden_looked = looked;
            fprintf(stderr, "vtc conformance: no golden data folder (looked in %s); the cases against the papers' "
                    "official code will fail: pass --golden DIR or set VTC_GOLDEN_DIR\n", looked);
        }
    }
    if (o.golden_dir)
        printf("golden data: %s\n", o.golden_dir);
    int failed = conf_run(&o);
    return failed == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *plugin = NULL;
    int first = 1;
    if (argc > 2 && !strcmp(argv[1], "--plugin")) {
        plugin = argv[2];
        first = 3;
    }
    /* conformance() reads its options from argv[1] on, as a subcommand */
    argv[first - 1] = argv[0];
    int sub_argc = argc - first + 1;
    char **sub_argv = argv + first - 1;
    for (int i = 1; i < sub_argc; i++)
        if (!strcmp(sub_argv[i], "--help") || !strcmp(sub_argv[i], "-h")) {
            fputs(conformance_usage, stdout);
            return 0;
        }
    vtc_loader L;
    vtc_result r = cli_open_plugin(&L, plugin);
    if (r) {
        fprintf(stderr, "vtc conformance: %s\n", L.error);
        return 1;
    }
    int rc = conformance(sub_argc, sub_argv, L.api, getenv("VTC_VALIDATION") != NULL);
    vtc_loader_close(&L);
    return rc;
}
