/*
 * The conformance runner: cases x variants on one device, one line each.
 */
#include "conf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const conf_case *const conf_registry[];

typedef struct variant {
    const char *name;
    uint32_t dtype;
    uint32_t flags;
} variant;

static const variant variants[] = {
    {"f32/sg", VTC_DTYPE_F32, 0},
    {"f16/sg", VTC_DTYPE_F16, 0},
    {"f32/sh", VTC_DTYPE_F32, VTC_CONTEXT_DISABLE_SUBGROUP},
    {"f16/sh", VTC_DTYPE_F16, VTC_CONTEXT_DISABLE_SUBGROUP},
    {"f16/nof16", VTC_DTYPE_F16, VTC_CONTEXT_DISABLE_F16},
    /* also binds ordinary descriptor sets, the path of an adopted device without push descriptors */
    {"f32/gpu-sets", VTC_DTYPE_F32, VTC_CONTEXT_GPU_VARIANTS | VTC_CONTEXT_DISABLE_PUSH_DESCRIPTOR},
    {"f16/gpu-sh", VTC_DTYPE_F16, VTC_CONTEXT_GPU_VARIANTS | VTC_CONTEXT_DISABLE_SUBGROUP},
};

static uint64_t hash_str(uint64_t h, const char *s)
{
    while (*s)
        h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
    return h;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void quiet_log(void *user, int32_t level, const char *msg)
{
    /* errors from deliberately bad inputs are expected; show them only when verbose */
    const conf_options *o = user;
    if (o->verbose || !strncmp(msg, "validation:", 11))
        fprintf(stderr, "    vtc[%d]: %s\n", level, msg);
}

/* One run: its options, its JSON file (NULL: none), and the tally. */
typedef struct runner {
    const conf_options *opt;
    const vtc_api_v1 *api;
    FILE *json;
    int first_json, is_cpu;
    int passed, failed, skipped;
} runner;

/* The device banner (paste-able into a bug report); *di the device. -1: no device. */
static int device_banner(runner *rn, vtc_device_info *di)
{
    const vtc_api_v1 *api = rn->api;
    vtc_context probe = NULL;
    vtc_context_desc pd = {0};
    pd.size = sizeof(pd);
    if (api->context_create(&pd, &probe) != VTC_SUCCESS) {
        fprintf(stderr, "vtc conformance: no device\n");
        return -1;
    }
    memset(di, 0, sizeof(*di));
    di->size = sizeof(*di);
    api->context_info(probe, di);
    api->context_destroy(probe);
    printf("vtc %s conformance on device %u: %s\n  driver: %s\n  Vulkan %u.%u.%u, driver version 0x%x, type %u, "
           "subgroup %u, shared %u B, features 0x%x\n",
           api->library_version(), di->index, di->name, di->driver, VK_API_VERSION_MAJOR(di->api_version),
           VK_API_VERSION_MINOR(di->api_version), VK_API_VERSION_PATCH(di->api_version), di->driver_version,
           di->device_type, di->subgroup_size, di->max_shared_memory, di->supported);
    rn->is_cpu = di->device_type == VK_PHYSICAL_DEVICE_TYPE_CPU;
    return 0;
}

/* Whether the options (--op, --case, --quick, --full) run case c in variant var. */
static int case_selected(const runner *rn, const conf_case *c, const variant *var)
{
    const conf_options *opt = rn->opt;
    if (opt->op && strcmp(opt->op, c->op))
        return 0;
    if (opt->only && !strstr(c->name, opt->only))
        return 0;
    if (opt->quick && !(c->flags & CONF_QUICK))
        return 0;
    if ((c->flags & CONF_ANY_DTYPE) && var->dtype != VTC_DTYPE_F32)
        return 0;
    if ((c->flags & CONF_SLOW) && rn->is_cpu && !opt->full)
        return 0;
    return 1;
}

static void json_case(runner *rn, const conf_case *c, const variant *var, const char *st, const conf_result *res,
                      double ms)
{
    FILE *json = rn->json;
    fprintf(json, "%s    {\"op\": ", rn->first_json ? "" : ",\n");
    json_str(json, c->op);
    fprintf(json, ", \"case\": ");
    json_str(json, c->name);
    fprintf(json, ", \"variant\": ");
    json_str(json, var->name);
    fprintf(json, ", \"status\": \"%s\", \"shape\": ", st);
    json_str(json, res->shape);
    if (res->nmse >= 0 && isfinite(res->nmse))
        fprintf(json, ", \"nmse\": %.6g", res->nmse);
    fprintf(json, ", \"mismatches\": %zu, \"ms\": %.3f, \"detail\": ", res->mismatches, ms);
    json_str(json, res->detail);
    fprintf(json, "}");
    rn->first_json = 0;
}

/* Runs case c on ctx (variant var), timed; a validation message during it
   fails it. Prints its line, counts it, and adds it to the JSON. */
static void run_case(runner *rn, vtc_context ctx, const variant *var, const conf_case *c)
{
    const vtc_api_v1 *api = rn->api;
    const conf_options *opt = rn->opt;
    conf_env env = {api, ctx, var->dtype, var->name, var->flags, opt->golden_dir, opt->quick, 0};
    env.seed = hash_str(hash_str(0xcbf29ce484222325ull, c->op), c->name);
    env.golden_looked = opt->golden_looked;
    conf_result res;
    memset(&res, 0, sizeof(res));
    res.nmse = -1;
    vtc_context_stats s0 = {sizeof(s0)}, s1 = {sizeof(s1)};
    s0.size = s1.size = sizeof(s0);
    api->context_stats_get(ctx, &s0);
    double t0 = now_ms();
    c->fn(&env, &res);
    double ms = now_ms() - t0;
    api->context_stats_get(ctx, &s1);
    if (s1.validation_messages > s0.validation_messages)
        conf_fail(&res, "%llu validation-layer message(s)",
                  (unsigned long long)(s1.validation_messages - s0.validation_messages));
    const char *st = res.status == CONF_PASS ? "PASS" : res.status == CONF_FAIL ? "FAIL" : "SKIP";
    char metric[64] = "";
    if (res.nmse >= 0)
        snprintf(metric, sizeof(metric), "nmse=%.2e", res.nmse);
    printf("%s  %-10s %-44s [%-10s] %-28s %-14s mism=%zu %7.1f ms%s%s\n", st, c->op, c->name, var->name, res.shape,
           metric, res.mismatches, ms, res.detail[0] ? "  " : "", res.detail);
    fflush(stdout);
    if (res.status == CONF_PASS)
        rn->passed++;
    else if (res.status == CONF_FAIL)
        rn->failed++;
    else
        rn->skipped++;
    if (rn->json)
        json_case(rn, c, var, st, &res, ms);
}

/* Every selected case on a context of variant var's flags. */
static void run_variant(runner *rn, const variant *var)
{
    const vtc_api_v1 *api = rn->api;
    vtc_context_desc cd = {0};
    cd.size = sizeof(cd);
    cd.flags = var->flags | (rn->opt->validation ? VTC_CONTEXT_VALIDATION : 0);
    cd.log = quiet_log;
    cd.log_user = (void *)rn->opt;
    cd.log_level = VTC_LOG_ERROR;
    vtc_context ctx = NULL;
    vtc_result cr = api->context_create(&cd, &ctx);
    if (cr != VTC_SUCCESS) {
        printf("FAIL  %-10s %-44s [%s] context creation failed: %s\n", "context", "create", var->name,
               api->result_string(cr));
        rn->failed++;
        return;
    }
    for (const conf_case *const *mod = conf_registry; *mod; mod++)
        for (const conf_case *c = *mod; c->name; c++)
            if (case_selected(rn, c, var))
                run_case(rn, ctx, var, c);
    conf_vk_release(ctx);
    api->context_destroy(ctx);
}

int conf_run(const conf_options *opt)
{
    runner rn = {opt, opt->api, NULL, 1, 0, 0, 0, 0};
    if (opt->json) {
        rn.json = fopen(opt->json, "w");
        if (!rn.json) {
            fprintf(stderr, "vtc conformance: cannot write %s\n", opt->json);
            return -1;
        }
    }
    vtc_device_info di;
    if (device_banner(&rn, &di)) {
        if (rn.json)
            fclose(rn.json);
        return -1;
    }
    if (rn.json) {
        fprintf(rn.json, "{\n  \"device\": ");
        json_str(rn.json, di.name);
        fprintf(rn.json, ",\n  \"driver\": ");
        json_str(rn.json, di.driver);
        fprintf(rn.json, ",\n  \"vulkan\": \"%u.%u.%u\",\n  \"subgroup_size\": %u,\n  \"cases\": [\n",
                VK_API_VERSION_MAJOR(di.api_version), VK_API_VERSION_MINOR(di.api_version),
                VK_API_VERSION_PATCH(di.api_version), di.subgroup_size);
    }
    const char *fg = getenv("VTC_FORCE_GPU_VARIANTS");
    int force_gpu = fg && (!strcmp(fg, "1") || !strcmp(fg, "true") || !strcmp(fg, "yes") || !strcmp(fg, "on"));
    for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
        const variant *var = &variants[v];
        if ((!rn.is_cpu || force_gpu) && (var->flags & VTC_CONTEXT_GPU_VARIANTS))
            continue; /* on a GPU (or with VTC_FORCE_GPU_VARIANTS=1) the default variants already are the GPU ones */
        run_variant(&rn, var);
    }
    if (rn.json) {
        fprintf(rn.json, "\n  ],\n  \"passed\": %d,\n  \"failed\": %d,\n  \"skipped\": %d\n}\n", rn.passed, rn.failed,
                rn.skipped);
        fclose(rn.json);
    }
    if (rn.passed + rn.failed + rn.skipped == 0) {
        /* a filter that selects nothing (a misspelt --op or --case) must not look like success */
        printf("FAIL  no case matched --op %s --case %s\n", opt->op ? opt->op : "(any)", opt->only ? opt->only : "(any)");
        rn.failed++;
    }
    printf("%d passed, %d failed, %d skipped\n", rn.passed, rn.failed, rn.skipped);
    return rn.failed;
}
