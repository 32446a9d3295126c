/*
 * `vtc pipelines`: compiles, through vtc_prepare, every pipeline the plugin
 * selects on this device for the calls `vtc bench` measures: each op's
 * named workloads (op_desc.h), as bench shapes them (a batch over
 * maxStorageBufferRange in calls of fewer images), and prints what the
 * driver made of each (VK_KHR_pipeline_executable_properties). Nothing
 * executes, so it runs on compile-only devices (RADV's null device: AMD's
 * production compiler without an AMD GPU) and doubles as the warm-up a host
 * wants at model load.
 */
#include "cli.h"
#include "bench/bench.h"
#include "op_desc.h"
#include "op_ref.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: vtc pipelines [--json FILE] [--op OP]\n"
    "\n"
    "Builds every compute pipeline vtc would select on the chosen device for the calls\n"
    "'vtc bench' measures: each op's named workloads ('vtc bench --list': VisionZip LLaVA-1.5\n"
    "from the attention row and from q/k, LLaVA-NeXT, video, SigLIP; LLaVA-Mini compress C=1\n"
    "and 8 at N=576 and 2304, both paths; composite attention prefill and decode, decode also\n"
    "at dh 64, 72, 80, 96; DivPrune and DART at llama.cpp's widths; scores, select, merge\n"
    "alone), in f32 and, where the device has fp16 storage, f16, through vtc_prepare (the\n"
    "plugin's own specialisation constants and workgroup sizes). Nothing is executed. Prints\n"
    "one line per pipeline: shader, variant, workgroup size, subgroup size and every\n"
    "statistic the driver reports.\n"
    "  --op OP      only this op's workloads\n"
    "  --json FILE  also write {\"device\": {...}, \"pipelines\": [...]} to FILE\n"
    "Exit status: 0 when every pipeline compiled, 1 when any failed, 2 on usage errors.\n";

/* Never read: vtc_prepare reads no float tensor memory. */
static unsigned char placeholder[16];

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

/* One workload in one float dtype: shaped as vtc bench calls it. Float
   tensors point at a placeholder; index inputs (merge's rest_idx, which
   validation reads) get 0, 1, 2, ... as bench gives them; U8 inputs keep
   the workload's data (composite's kind). */
static void prepare_workload(run *r, const vtc_op_desc *d, const vtc_op_workload *w, uint32_t dt, uint64_t range)
{
    _Alignas(16) unsigned char args[2048];
    void *ints[VTC_OP_DESC_MAX_TENSORS] = {0};
    memset(args, 0, sizeof(args));
    w->fill(args);
    char what[96];
    snprintf(what, sizeof(what), "%s %s %s", d->name, w->name, dt == VTC_DTYPE_F16 ? "f16" : "f32");
    const vtc_op_ref *ref = bench_op_ref(d->op);
    void *aux = NULL;
    if (ref && ref->setup) {
        vtc_result res = ref->setup(r->api, r->ctx, args, 0, &aux);
        if (res) {
            prepared(r, what, res);
            return;
        }
    }
    int64_t per = 0;
    int calls = bench_chunks(d, args, range, &per);
    int ok = 1;
    for (uint32_t i = 0; i < d->ntensors && ok; i++) {
        const vtc_op_tensor_desc *td = &d->tensors[i];
        vtc_tensor *t = vtc_op_tensor_in(td, args);
        if (t->dtype == VTC_DTYPE_NONE)
            continue;
        if (calls > 1)
            t->shape[0] = per;
        if ((t->dtype == VTC_DTYPE_F32 || t->dtype == VTC_DTYPE_F16) && (td->dtypes & VTC_DTYPES(dt)))
            t->dtype = dt;
        if (t->host)
            continue;
        if (t->dtype == VTC_DTYPE_I32 && (td->role & VTC_ROLE_INPUT)) {
            size_t n = (size_t)vtc_op_desc_count(t);
            int32_t *v = malloc(n * sizeof(int32_t) + 4);
            ints[i] = v;
            ok = v != NULL;
            for (size_t k = 0; ok && k < n; k++)
                v[k] = (int32_t)((int64_t)k % t->shape[t->ndim - 1]);
            t->host = v;
        } else {
            t->host = placeholder;
        }
    }
    prepared(r, what, !ok ? VTC_ERROR_OUT_OF_MEMORY : calls < 1 ? VTC_ERROR_UNSUPPORTED
                                                            : r->api->prepare(r->ctx, d->op, args));
    for (uint32_t i = 0; i < VTC_OP_DESC_MAX_TENSORS; i++)
        free(ints[i]);
    if (aux)
        ref->teardown(r->api, r->ctx, aux);
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

/* Prepares every workload of every op (or of `only`), in f32 and, with
   fp16 storage, f16: the pipelines a host would get. */
static void prepare_all(run *r, const char *only, const vtc_device_info *d)
{
    uint32_t dts[2] = {VTC_DTYPE_F32, VTC_DTYPE_F16};
    int ndt = (d->features & VTC_FEATURE_F16_STORAGE) ? 2 : 1;
    for (int k = 0; k < ndt; k++)
        for (uint32_t o = 0; vtc_op_desc_at(o); o++) {
            const vtc_op_desc *od = vtc_op_desc_at(o);
            if (only && strcmp(only, od->name))
                continue;
            for (uint32_t w = 0; w < od->nworkloads; w++)
                prepare_workload(r, od, &od->workloads[w], dts[k], d->max_storage_buffer_range);
        }
}

static void pipeline_print(const vtc_pipeline_info *p)
{
    printf("%-24s %-7s local_size %ux%ux%u subgroup %u:", p->shader, p->variant, p->local_size[0], p->local_size[1],
           p->local_size[2], p->subgroup_size);
    if (!p->stat_count)
        printf(" driver reports no statistics");
    for (uint32_t k = 0; k < p->stat_count; k++)
        stat_print(&p->stats[k]);
    printf("\n");
}

static json_object *pipeline_json(const vtc_pipeline_info *p)
{
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
    return o;
}

static json_object *device_json(const vtc_device_info *d)
{
    json_object *dev = json_object_new_object();
    json_object_object_add(dev, "name", json_object_new_string(d->name));
    json_object_object_add(dev, "driver", json_object_new_string(d->driver));
    json_object_object_add(dev, "device_type", json_object_new_string(cli_device_type_name(d->device_type)));
    json_object_object_add(dev, "gpu", json_object_new_boolean(d->device_type == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU ||
                                                               d->device_type == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU));
    json_object_object_add(dev, "vendor_id", json_object_new_int64(d->vendor_id));
    json_object_object_add(dev, "device_id", json_object_new_int64(d->device_id));
    json_object_object_add(dev, "subgroup_size", json_object_new_int64(d->subgroup_size));
    json_object_object_add(dev, "fp16_storage", json_object_new_boolean((d->features & VTC_FEATURE_F16_STORAGE) != 0));
    json_object_object_add(dev, "subgroup_ops", json_object_new_boolean((d->features & VTC_FEATURE_SUBGROUP_ARITH) != 0));
    return dev;
}

/* The --json file: the device, the shape counts and the pipelines (`list`, whose reference it takes). */
static int write_json(const char *path, const vtc_device_info *d, const run *r, json_object *list)
{
    json_object *root = json_object_new_object();
    json_object_object_add(root, "device", device_json(d));
    json_object_object_add(root, "shapes_prepared", json_object_new_int64(r->shapes));
    json_object_object_add(root, "shapes_failed", json_object_new_int64(r->failed));
    json_object_object_add(root, "pipelines", list);
    int rc = 0;
    if (json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY) != 0) {
        fprintf(stderr, "vtc pipelines: cannot write %s\n", path);
        rc = 1;
    }
    json_object_put(root);
    return rc;
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
    if (only && !vtc_op_desc_named(only)) {
        fprintf(stderr, "vtc pipelines: unknown op '%s' (see 'vtc bench --list')\n", only);
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
    prepare_all(&r, only, &d);

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
    json_object *list = json ? json_object_new_array() : NULL;
    for (uint32_t i = 0; i < n; i++) {
        pipeline_print(&pi[i]);
        if (list)
            json_object_array_add(list, pipeline_json(&pi[i]));
    }
    int rc = r.failed ? 1 : 0;
    if (json && write_json(json, &d, &r, list))
        rc = 1;
    free(pi);
    return rc;
}
