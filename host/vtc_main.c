/*
 * The `vtc` command-line tool. It loads the plugin through host/loader
 * (dlopen + ABI negotiation, or the statically linked plugin when built
 * with -Dstatic_cli=true), so every CLI run exercises the path hosts use.
 */
#include "cli.h"
#include "cli_run.h"
#include "op_desc.h"
#include "loader/vtc_loader.h"
#include "plugin_open.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_demo(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx);
int cli_bench(int argc, char **argv, const vtc_api_v1 *api);

static const char usage[] =
    "usage: vtc [--plugin PATH] [--device N] [--validation] [--no-cache] <command> [options]\n"
    "\n"
    "Visual-token compression on any Vulkan device (VisionZip, LLaVA-Mini, EE-MLLM).\n"
    "\n"
    "commands:\n"
    "  demo            VisionZip on a synthetic LLaVA-1.5 image: tokens in/out, time per op\n"
    "  info            list Vulkan devices, the chosen one, its features and shader variants\n"
    "  run OP ...      run one op on .npy inputs ('vtc run --help' lists the ops,\n"
    "                  'vtc run OP --help' each op's tensors and parameters)\n"
    "  conformance     check every op against the CPU reference on this device\n"
    "                  ('vtc conformance --help')\n"
    "  bench           measure every op against the device's own roofline ('vtc bench --help')\n"
    "  pipelines       compile the pipelines vtc selects here for the standard model shapes and\n"
    "                  print the driver's statistics (registers, spills, LDS; 'vtc pipelines --help')\n"
    "\n"
    "global options:\n"
    "  --plugin PATH   libvtc.so to load (default: $VTC_PLUGIN_PATH, then next to this program,\n"
    "                  then the system's library path)\n"
    "  --device N      use Vulkan physical device N (same as VTC_DEVICE=N)\n"
    "  --validation    enable the Khronos validation layer with synchronization validation\n"
    "                  (same as VTC_VALIDATION=1; VTC_VALIDATION=gpu: GPU-assisted validation)\n"
    "  --no-cache      neither read nor write the pipeline cache ($XDG_CACHE_HOME/vtc, default\n"
    "                  ~/.cache/vtc), which spares demo, run and bench recompiling shaders\n"
    "\n"
    "environment: VTC_DEVICE, VTC_DISABLE_F16=1, VTC_DISABLE_SUBGROUP_OPS=1,\n"
    "             VTC_FORCE_GPU_VARIANTS=1, VTC_DISABLE_PUSH_DESCRIPTOR=1,\n"
    "             VTC_DISABLE_TEXEL_VIEWS=1 (CPU devices: storage-buffer kernels for host tensors too),\n"
    "             VTC_VALIDATION=1, VTC_PLUGIN_PATH\n";

/* `vtc conformance ...` runs vtc-conformance, next to this program or on
   PATH: the test suite is its own program, not compiled into the tool. The
   global options reach it through the environment (VTC_DEVICE,
   VTC_VALIDATION) and --plugin. */
static int conformance(int argc, char **argv, const char *plugin)
{
    char exe[PATH_MAX], prog[PATH_MAX + 32];
    const char *path = "vtc-conformance";
    ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (k > 0) {
        exe[k] = 0;
        snprintf(prog, sizeof(prog), "%s/vtc-conformance", dirname(exe));
        if (access(prog, X_OK) == 0)
            path = prog;
    }
    char **av = calloc((size_t)argc + 3, sizeof(char *));
    if (!av)
        return 1;
    int n = 0;
    av[n++] = (char *)"vtc-conformance";
    if (plugin) {
        av[n++] = (char *)"--plugin";
        av[n++] = (char *)plugin;
    }
    for (int i = 1; i < argc; i++)
        av[n++] = argv[i];
    av[n] = NULL;
    fflush(stdout);
    execvp(path, av);
    fprintf(stderr, "vtc conformance: cannot run %s (install vtc-conformance next to vtc): %s\n", path,
            strerror(errno));
    free(av);
    return 1;
}

static int info(const vtc_api_v1 *api, vtc_context ctx)
{
    vtc_device_info list[16];
    uint32_t n = 16;
    /* a 1.0 plugin has only the list that cannot say it was cut short */
    vtc_result r = VTC_API_HAS(api, enumerate_devices) ? api->enumerate_devices(list, sizeof(list[0]), &n)
                                                       : api->list_devices(list, &n);
    if (r < 0)
        return cli_vtc_error(api, "listing devices", r);
    printf("vtc %s (ABI %u)\n\ndevices:\n", api->library_version(), VTC_ABI_VERSION);
    for (uint32_t i = 0; i < n && i < 16; i++)
        printf("  [%u] %s (%s, Vulkan %u.%u.%u)\n", list[i].index, list[i].name, cli_device_type_name(list[i].device_type),
               VK_API_VERSION_MAJOR(list[i].api_version), VK_API_VERSION_MINOR(list[i].api_version),
               VK_API_VERSION_PATCH(list[i].api_version));
    if (r == VTC_INCOMPLETE)
        printf("  (more devices than the %u listed)\n", n);
    vtc_device_info d = {sizeof(d)};
    api->context_info(ctx, &d);
    printf("\nchosen: [%u] %s (%s)\n  driver: %s\n", d.index, d.name, cli_device_type_name(d.device_type), d.driver);
    printf("  device UUID ");
    for (int i = 0; i < 16; i++)
        printf("%02x%s", d.device_uuid[i], i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
    if (d.pci_valid)
        printf(", PCI %04x:%02x:%02x.%x", d.pci_domain, d.pci_bus, d.pci_device, d.pci_function);
    printf("\n");
    printf("  subgroup size %u, shared memory %u B, max storage buffer range %llu B, offset alignment %u B\n",
           d.subgroup_size, d.max_shared_memory, (unsigned long long)d.max_storage_buffer_range,
           d.min_storage_offset_alignment);
    printf("  timestamps: %s\n", d.timestamp_period_ns > 0 ? "yes" : "no");
    static const struct { uint32_t bit; const char *name; } feats[] = {
        {VTC_FEATURE_F16_STORAGE, "fp16 storage"},       {VTC_FEATURE_F16_ARITHMETIC, "fp16 arithmetic"},
        {VTC_FEATURE_SUBGROUP_ARITH, "subgroup arithmetic"}, {VTC_FEATURE_PUSH_DESCRIPTOR, "push descriptors"},
        {VTC_FEATURE_TIMESTAMPS, "timestamps"}};
    printf("  features (supported / used; fp16 arithmetic: enabled for hosts sharing the device, vtc computes in fp32):\n");
    for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++)
        printf("    %-22s %-3s / %s\n", feats[i].name, (d.supported & feats[i].bit) ? "yes" : "no",
               (d.features & feats[i].bit) ? "yes" : "no");
    int cpu = d.device_type == VK_PHYSICAL_DEVICE_TYPE_CPU && !getenv("VTC_FORCE_GPU_VARIANTS");
    printf("  shader variants: %s storage for f16 tensors, %s reductions, %s kernels\n",
           (d.features & VTC_FEATURE_F16_STORAGE) ? "fp16" : "fp32 (host-converted)",
           (d.features & VTC_FEATURE_SUBGROUP_ARITH) ? "subgroup" : "shared-memory",
           cpu ? "register-blocked (CPU device)" : "shared-memory-tiled (GPU)");
    return 0;
}

/* Each op's tensors as its table gives them: inputs, then "->" outputs. */
static void print_op_tensors(void)
{
    for (uint32_t i = 0; vtc_op_desc_at(i); i++) {
        const vtc_op_desc *d = vtc_op_desc_at(i);
        printf("  %-10s", d->name);
        for (uint32_t pass = 0; pass < 2; pass++) {
            if (pass)
                printf(" ->");
            for (uint32_t t = 0; t < d->ntensors; t++) {
                const vtc_op_tensor_desc *td = &d->tensors[t];
                if (!(td->role & VTC_ROLE_OUTPUT) == !pass)
                    printf(" %s%s(rank %u)", td->name, (td->role & VTC_ROLE_OPTIONAL) ? "?" : "", td->rank);
            }
        }
        printf("\n");
    }
}

static int run_op(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("usage: vtc run OP [options]   (OP: ");
        cli_run_list(stdout);
        printf(")\n'vtc run OP --help' describes each. Their tensors (? optional, or read only in some modes):\n");
        print_op_tensors();
        return argc < 2 ? 2 : 0;
    }
    const vtc_op_desc *d = vtc_op_desc_named(argv[1]);
    if (d)
        return cli_run_op(d, argc - 1, argv + 1, api, ctx);
    fprintf(stderr, "vtc run: unknown op '%s' (", argv[1]);
    cli_run_list(stderr);
    fprintf(stderr, ")\n");
    return 2;
}

/* The options before the command; *cmd_index: where the command is.
   Returns -1 to go on, else the exit status (help, a bad option). */
static int global_options(int argc, char **argv, const char **plugin, int *cmd_index)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--plugin") && i + 1 < argc) {
            *plugin = argv[++i];
        } else if (!strcmp(argv[i], "--device") && i + 1 < argc) {
            setenv("VTC_DEVICE", argv[++i], 1);
        } else if (!strcmp(argv[i], "--no-cache")) {
            cli_cache_disabled = 1;
        } else if (!strcmp(argv[i], "--validation")) {
            setenv("VTC_VALIDATION", "1", 1);
        } else {
            fprintf(stderr, "vtc: unknown option '%s'\n\n%s", argv[i], usage);
            return 2;
        }
    }
    if (i >= argc) {
        fputs(usage, stderr);
        return 2;
    }
    *cmd_index = i;
    return -1;
}

/* info, demo, pipelines and run: on one context (none for --help), whose
   validation messages fail the command and whose pipeline cache is saved
   when it succeeded. */
static int context_command(const char *cmd, int argc, char **argv, const vtc_api_v1 *api)
{
    vtc_context ctx = NULL;
    int help = cli_wants_help(argc, argv) || (!strcmp(cmd, "run") && argc < 2);
    if (!help) {
        /* pipelines: nothing executes, so it also works on devices that only compile */
        vtc_result r = !strcmp(cmd, "pipelines") ? cli_context_create_flags(api, VTC_CONTEXT_COMPILE_ONLY, &ctx)
                                                 : cli_context_create(api, &ctx);
        if (r) {
            fprintf(stderr, "vtc: cannot create a context: %s\n", api->result_string(r));
            return 1;
        }
    }
    int rc;
    if (!strcmp(cmd, "info"))
        rc = help ? (fputs("usage: vtc info\nLists Vulkan devices, the chosen one, its features and the shader "
                           "variants vtc will run.\n", stdout), 0)
                  : info(api, ctx);
    else if (!strcmp(cmd, "demo"))
        rc = cli_demo(argc, argv, api, ctx);
    else if (!strcmp(cmd, "pipelines"))
        rc = cli_pipelines(argc, argv, api, ctx);
    else
        rc = run_op(argc, argv, api, ctx);
    if (ctx) {
        vtc_context_stats st = {sizeof(st)};
        st.size = sizeof(st);
        if (api->context_stats_get(ctx, &st) == VTC_SUCCESS && st.validation_messages) {
            fprintf(stderr, "vtc: %llu validation-layer message(s)\n", (unsigned long long)st.validation_messages);
            if (!rc)
                rc = 1;
        }
        if (!rc)
            cli_cache_save(api, ctx);
        api->context_destroy(ctx);
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *plugin = NULL;
    int i = 0;
    int rc = global_options(argc, argv, &plugin, &i);
    if (rc >= 0)
        return rc;
    const char *cmd = argv[i];
    int sub_argc = argc - i;
    char **sub_argv = argv + i;
    static const char *known[] = {"demo", "info", "run", "conformance", "bench", "pipelines"};
    int ok = 0;
    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
        ok |= !strcmp(cmd, known[k]);
    if (!ok) {
        fprintf(stderr, "vtc: unknown command '%s'\n\n%s", cmd, usage);
        return 2;
    }

    if (!strcmp(cmd, "conformance"))
        return conformance(sub_argc, sub_argv, plugin);
    vtc_loader L;
    vtc_result r = cli_open_plugin(&L, plugin);
    if (r) {
        fprintf(stderr, "vtc: %s\n", L.error);
        return 1;
    }
    if (!strcmp(cmd, "bench"))
        rc = cli_bench(sub_argc, sub_argv, L.api);
    else
        rc = context_command(cmd, sub_argc, sub_argv, L.api);
    vtc_loader_close(&L);
    return rc;
}
