/*
 * `vtc pipelines`: compiles, through vtc_prepare, every pipeline the plugin
 * selects on this device for the shapes `vtc bench` measures, and prints
 * what the driver made of each (VK_KHR_pipeline_executable_properties).
 * Nothing executes, so it runs on compile-only devices (RADV's null device:
 * AMD's production compiler without an AMD GPU) and doubles as the warm-up
 * a host wants at model load.
 */
#include "cli.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: vtc pipelines [--json FILE] [--op OP]\n"
    "\n"
    "Builds every compute pipeline vtc would select on the chosen device for the standard\n"
    "model shapes (those of 'vtc bench': VisionZip LLaVA-1.5 (attention row, and layer -2 q/k\n"
    "with no metric), LLaVA-NeXT crops, video, SigLIP;\n"
    "LLaVA-Mini compress C=1 and C=8 at N=576 and 2304, fast and reference paths; composite\n"
    "attention prefill and decode at dh 64, 72, 80, 96, 128; prune DivPrune and DART on LLaVA-1.5's\n"
    "576 x 4096 post-projector rows and Qwen2-VL-style 1024 x 3584, keep 64 and 64+10), in f32 and, where the device has\n"
    "fp16 storage, f16, through vtc_prepare (the plugin's own specialisation constants and\n"
    "workgroup sizes). Nothing is executed. Prints one line per pipeline: shader, variant,\n"
    "workgroup size, subgroup size and every statistic the driver reports.\n"
    "  --op OP      only visionzip, compress, composite or prune\n"
    "  --json FILE  also write {\"device\": {...}, \"pipelines\": [...]} to FILE\n"
    "Exit status: 0 when every pipeline compiled, 1 when any failed, 2 on usage errors.\n";

/* Never read: vtc_prepare reads no tensor memory for these ops. */
static unsigned char placeholder[16];

static vtc_tensor tensor(uint32_t dtype, int ndim, int64_t a, int64_t b, int64_t c, int64_t d)
{
    int64_t sh[4] = {a, b, c, d};
    return cli_tensor_new(dtype, placeholder, ndim, sh);
}

typedef struct run {
    const vtc_api_v1 *api;
    vtc_context ctx;
    int failed;
    int shapes;
} run;

static void prepared(run *r, const char *what, vtc_result res)
{
    r->shapes++;
    if (res < 0) {
        r->failed++;
        fprintf(stderr, "vtc pipelines: %s: %s\n", what, r->api->result_string(res));
    }
}

static void visionzip(run *r, uint32_t dt, uint64_t range)
{
    /* qk: 0 attention row, 1 QK_MEAN, 2 QK_CLS; Dm 0: no metric (vtc averages k over heads) */
    static const struct { const char *name; int B, N, D, H, dh, Dm, qk, no_cls; } s[] = {
        {"llava15", 1, 577, 1024, 16, 64, 64, 0, 0},
        {"llava15-qk", 1, 577, 1024, 16, 64, 0, 2, 0},
        {"llavanext", 5, 577, 1024, 16, 64, 64, 0, 0},
        {"video", 64, 577, 1024, 16, 64, 64, 0, 0},
        {"siglip", 1, 729, 1152, 16, 72, 72, 1, 1},
    };
    size_t es = dt == VTC_DTYPE_F16 ? 2 : 4;
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        /* as vtc bench: a batch over maxStorageBufferRange runs in calls of fewer images */
        uint64_t per = (uint64_t)s[i].N * (uint64_t)(s[i].D > s[i].H * s[i].dh ? s[i].D : s[i].H * s[i].dh) * es;
        int64_t fit = range ? (int64_t)(range / per) : s[i].B;
        if (fit < 1)
            fit = 1;
        int64_t calls = (s[i].B + fit - 1) / fit, B = (s[i].B + calls - 1) / calls;
        uint32_t keep_cls = !s[i].no_cls, dom, ctxn;
        r->api->token_split(64, keep_cls, &dom, &ctxn);
        vtc_visionzip_args a;
        memset(&a, 0, sizeof(a));
        a.size = sizeof(a);
        a.score_mode = s[i].qk == 2 ? VTC_SCORE_QK_CLS : s[i].qk ? VTC_SCORE_QK_MEAN : VTC_SCORE_ATTN_CLS;
        a.dominant = dom;
        a.contextual = ctxn;
        a.no_cls = (uint32_t)s[i].no_cls;
        a.hidden = tensor(dt, 3, B, s[i].N, s[i].D, 0);
        if (s[i].Dm)
            a.metric = tensor(dt, 3, B, s[i].N, s[i].Dm, 0);
        if (s[i].qk) {
            a.q = tensor(dt, 4, B, s[i].N, s[i].H, s[i].dh);
            a.k = tensor(dt, 4, B, s[i].N, s[i].H, s[i].dh);
        } else {
            a.attn = tensor(dt, 3, B, s[i].H, s[i].N, 0);
        }
        int64_t T = keep_cls + dom + ctxn;
        a.out = tensor(dt, 3, B, T, s[i].D, 0);
        a.src_idx = tensor(VTC_DTYPE_I32, 2, B, T, 0, 0);
        char what[64];
        snprintf(what, sizeof(what), "visionzip %s %s", s[i].name, dt == VTC_DTYPE_F16 ? "f16" : "f32");
        prepared(r, what, r->api->prepare(r->ctx, VTC_OP_VISIONZIP, &a));
    }
}

#define CMP_E 1024
#define CMP_HEADS 8

/* Synthetic weights (zeros: finite, and folding them is quick); pipelines
   depend on the shapes only. */
static void compress(run *r, uint32_t dt)
{
    static const int Cs[2] = {1, 8}, Ns[2] = {576, 2304};
    const int64_t E = CMP_E;
    float *zeros = calloc((size_t)3 * E * E, sizeof(float));
    if (!zeros) {
        prepared(r, "compress weights", VTC_ERROR_OUT_OF_MEMORY);
        return;
    }
    for (int ci = 0; ci < 2; ci++) {
        int64_t Q = (int64_t)Cs[ci] * Cs[ci];
        vtc_compress_weights_desc d;
        memset(&d, 0, sizeof(d));
        d.size = sizeof(d);
        d.heads = CMP_HEADS;
        int64_t sq[2] = {Q, E}, se[1] = {E}, s3[2] = {3 * E, E}, s3b[1] = {3 * E}, sw[2] = {E, E};
        d.query = cli_tensor_new(VTC_DTYPE_F32, zeros, 2, sq);
        d.ln_q_weight = d.ln_q_bias = d.ln_kv_weight = d.ln_kv_bias = d.out_proj_bias =
            cli_tensor_new(VTC_DTYPE_F32, zeros, 1, se);
        d.in_proj_weight = cli_tensor_new(VTC_DTYPE_F32, zeros, 2, s3);
        d.in_proj_bias = cli_tensor_new(VTC_DTYPE_F32, zeros, 1, s3b);
        d.out_proj_weight = cli_tensor_new(VTC_DTYPE_F32, zeros, 2, sw);
        vtc_weights w = NULL;
        vtc_result res = r->api->compress_weights_create(r->ctx, &d, &w);
        if (res) {
            prepared(r, "compress weights", res);
            continue;
        }
        for (int ni = 0; ni < 2; ni++)
            for (uint32_t path = 0; path < 2; path++) {
                vtc_compress_args a;
                memset(&a, 0, sizeof(a));
                a.size = sizeof(a);
                a.path = path;
                a.weights = w;
                a.x = tensor(dt, 3, 1, Ns[ni], E, 0);
                a.out = tensor(dt, 3, 1, Q, E, 0);
                char what[64];
                snprintf(what, sizeof(what), "compress c%d-n%d-%s %s", Cs[ci], Ns[ni], path ? "ref" : "fast",
                         dt == VTC_DTYPE_F16 ? "f16" : "f32");
                prepared(r, what, r->api->prepare(r->ctx, VTC_OP_COMPRESS, &a));
            }
        r->api->compress_weights_destroy(r->ctx, w);
    }
    free(zeros);
}

static void composite(run *r, uint32_t dt)
{
    static const int dhs[5] = {64, 72, 80, 96, 128};
    static const struct { const char *name; int Nq, Nk, Hkv; } s[2] = {{"prefill", 640, 640, 32},
                                                                       {"decode", 1, 4096, 8}};
    for (int di = 0; di < 5; di++)
        for (int si = 0; si < 2; si++) {
            vtc_composite_args a;
            memset(&a, 0, sizeof(a));
            a.size = sizeof(a);
            a.q = tensor(dt, 4, 1, s[si].Nq, 32, dhs[di]);
            a.k = tensor(dt, 4, 1, s[si].Nk, s[si].Hkv, dhs[di]);
            a.v = tensor(dt, 4, 1, s[si].Nk, s[si].Hkv, dhs[di]);
            a.kind = tensor(VTC_DTYPE_U8, 2, 1, s[si].Nk, 0, 0);
            a.out = tensor(dt, 4, 1, s[si].Nq, 32, dhs[di]);
            char what[64];
            snprintf(what, sizeof(what), "composite %s dh=%d %s", s[si].name, dhs[di],
                     dt == VTC_DTYPE_F16 ? "f16" : "f32");
            prepared(r, what, r->api->prepare(r->ctx, VTC_OP_COMPOSITE, &a));
        }
}

static void prune(run *r, uint32_t dt)
{
    static const struct { int N, D; } s[2] = {{576, 4096}, {1024, 3584}};
    static const uint32_t modes[2] = {VTC_PRUNE_DIVPRUNE, VTC_PRUNE_DART};
    for (int si = 0; si < 2; si++)
        for (int mi = 0; mi < 2; mi++)
            for (int c = 0; c <= 10; c += 10) {
                vtc_prune_args a;
                memset(&a, 0, sizeof(a));
                a.size = sizeof(a);
                a.mode = modes[mi];
                a.keep = 64;
                a.contextual = (uint32_t)c;
                a.hidden = tensor(dt, 3, 1, s[si].N, s[si].D, 0);
                a.keep_idx = tensor(VTC_DTYPE_I32, 2, 1, 64, 0, 0);
                a.out = tensor(dt, 3, 1, 64 + c, s[si].D, 0);
                a.src_idx = tensor(VTC_DTYPE_I32, 2, 1, 64 + c, 0, 0);
                char what[64];
                snprintf(what, sizeof(what), "prune %s n%d-d%d keep 64+%d %s", mi ? "dart" : "divprune", s[si].N,
                         s[si].D, c, dt == VTC_DTYPE_F16 ? "f16" : "f32");
                prepared(r, what, r->api->prepare(r->ctx, VTC_OP_PRUNE, &a));
            }
}

static json_object *stat_json(const vtc_pipeline_stat *s)
{
    switch (s->format) {
    case VTC_STAT_BOOL: return json_object_new_boolean(s->u64 != 0);
    case VTC_STAT_INT64: return json_object_new_int64(s->i64);
    case VTC_STAT_UINT64: return json_object_new_uint64(s->u64);
    default: return json_object_new_double(s->f64);
    }
}

static void stat_print(const vtc_pipeline_stat *s)
{
    switch (s->format) {
    case VTC_STAT_BOOL: printf(" %s=%s", s->name, s->u64 ? "true" : "false"); break;
    case VTC_STAT_INT64: printf(" %s=%lld", s->name, (long long)s->i64); break;
    case VTC_STAT_UINT64: printf(" %s=%llu", s->name, (unsigned long long)s->u64); break;
    default: printf(" %s=%g", s->name, s->f64); break;
    }
}

int cli_pipelines(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    const char *json = NULL, *only = NULL, *v;
    for (int i = 1; i < argc; i++) {
        v = "";
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (cli_opt(argc, argv, &i, "--json", &v)) json = v;
        else if (cli_opt(argc, argv, &i, "--op", &v)) only = v;
        else {
            fprintf(stderr, "vtc pipelines: unknown argument '%s' (see --help)\n", argv[i]);
            return 2;
        }
        if (!v) {
            fprintf(stderr, "vtc pipelines: %s needs a value\n", argv[i]);
            return 2;
        }
    }
    if (only && strcmp(only, "visionzip") && strcmp(only, "compress") && strcmp(only, "composite") &&
        strcmp(only, "prune")) {
        fprintf(stderr, "vtc pipelines: --op must be visionzip, compress, composite or prune, not '%s'\n", only);
        return 2;
    }
    if (api->size < offsetof(vtc_api_v1, context_pipelines) + sizeof(api->context_pipelines))
        return cli_error("the loaded plugin (%s) predates vtc_prepare and vtc_context_pipelines",
                         api->library_version());
    vtc_device_info d;
    memset(&d, 0, sizeof(d));
    d.size = sizeof(d);
    api->context_info(ctx, &d);
    run r = {api, ctx, 0, 0};
    uint32_t dts[2] = {VTC_DTYPE_F32, VTC_DTYPE_F16};
    int ndt = (d.features & VTC_FEATURE_F16_STORAGE) ? 2 : 1;
    for (int k = 0; k < ndt; k++) {
        if (!only || !strcmp(only, "visionzip"))
            visionzip(&r, dts[k], d.max_storage_buffer_range);
        if (!only || !strcmp(only, "compress"))
            compress(&r, dts[k]);
        if (!only || !strcmp(only, "composite"))
            composite(&r, dts[k]);
        if (!only || !strcmp(only, "prune"))
            prune(&r, dts[k]);
    }

    uint32_t n = 0;
    vtc_result res = api->context_pipelines(ctx, 0, NULL, &n);
    vtc_pipeline_info *pi = n ? calloc(n, sizeof(*pi)) : NULL;
    if (res < 0 || (n && !pi))
        return cli_vtc_error(api, "listing pipelines", res < 0 ? res : VTC_ERROR_OUT_OF_MEMORY);
    if (n && (res = api->context_pipelines(ctx, sizeof(*pi), pi, &n)) < 0) {
        free(pi);
        return cli_vtc_error(api, "listing pipelines", res);
    }
    printf("device: %s (%s), driver %s, subgroup %u, fp16 storage %s\n", d.name, cli_device_type_name(d.device_type), d.driver,
           d.subgroup_size, (d.features & VTC_FEATURE_F16_STORAGE) ? "yes" : "no");
    printf("%d shapes prepared (%d failed), %u pipelines\n", r.shapes, r.failed, n);
    json_object *root = json ? json_object_new_object() : NULL, *list = json ? json_object_new_array() : NULL;
    for (uint32_t i = 0; i < n; i++) {
        const vtc_pipeline_info *p = &pi[i];
        printf("%-24s %-7s local_size %ux%ux%u subgroup %u:", p->shader, p->variant, p->local_size[0],
               p->local_size[1], p->local_size[2], p->subgroup_size);
        if (!p->stat_count)
            printf(" driver reports no statistics");
        for (uint32_t k = 0; k < p->stat_count; k++)
            stat_print(&p->stats[k]);
        printf("\n");
        if (!list)
            continue;
        json_object *o = json_object_new_object(), *ls = json_object_new_array(), *sp = json_object_new_array();
        json_object_object_add(o, "shader", json_object_new_string(p->shader));
        json_object_object_add(o, "variant", json_object_new_string(p->variant));
        for (int k = 0; k < 3; k++)
            json_object_array_add(ls, json_object_new_int64(p->local_size[k]));
        json_object_object_add(o, "local_size", ls);
        json_object_object_add(o, "subgroup_size", json_object_new_int64(p->subgroup_size));
        for (uint32_t k = 0; k < p->spec_count; k++)
            json_object_array_add(sp, json_object_new_int64(p->spec[k]));
        json_object_object_add(o, "specialization", sp);
        json_object_object_add(o, "compiled", json_object_new_boolean(1));
        json_object *st = json_object_new_object();
        for (uint32_t k = 0; k < p->stat_count; k++)
            json_object_object_add(st, p->stats[k].name, stat_json(&p->stats[k]));
        json_object_object_add(o, "statistics", p->has_statistics ? st : (json_object_put(st), NULL));
        json_object_array_add(list, o);
    }
    int rc = r.failed ? 1 : 0;
    if (root) {
        json_object *dev = json_object_new_object();
        json_object_object_add(dev, "name", json_object_new_string(d.name));
        json_object_object_add(dev, "driver", json_object_new_string(d.driver));
        json_object_object_add(dev, "device_type", json_object_new_string(cli_device_type_name(d.device_type)));
        json_object_object_add(dev, "gpu", json_object_new_boolean(d.device_type == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU ||
                                                                   d.device_type == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU));
        json_object_object_add(dev, "vendor_id", json_object_new_int64(d.vendor_id));
        json_object_object_add(dev, "device_id", json_object_new_int64(d.device_id));
        json_object_object_add(dev, "subgroup_size", json_object_new_int64(d.subgroup_size));
        json_object_object_add(dev, "fp16_storage", json_object_new_boolean((d.features & VTC_FEATURE_F16_STORAGE) != 0));
        json_object_object_add(dev, "subgroup_ops", json_object_new_boolean((d.features & VTC_FEATURE_SUBGROUP_ARITH) != 0));
        json_object_object_add(root, "device", dev);
        json_object_object_add(root, "shapes_prepared", json_object_new_int64(r.shapes));
        json_object_object_add(root, "shapes_failed", json_object_new_int64(r.failed));
        json_object_object_add(root, "pipelines", list);
        if (json_object_to_file_ext(json, root, JSON_C_TO_STRING_PRETTY) != 0) {
            fprintf(stderr, "vtc pipelines: cannot write %s\n", json);
            rc = 1;
        }
        json_object_put(root);
    }
    free(pi);
    return rc;
}
