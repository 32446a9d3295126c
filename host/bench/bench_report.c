/*
 * The results: a human table (stdout) and JSON (--json FILE), from the same
 * rows. Derived figures, computed here only:
 *   achieved GB/s     = bytes / median time
 *   achieved GFLOP/s  = flops / median time
 *   roofline fraction = max(bytes / bandwidth, flops / fp32 peak) / median
 *     (ops do their maths in fp32 whatever the storage, so the fp32 peak is
 *     the compute roof; "bound" names the larger of the two terms)
 *   vs CPU            = CPU reference time / median
 *   share             = median (x layers for composite) / the prefill time the
 *     op removes at the measured fp32 peak (LLM FLOPs removed / peak)
 * and the issues' targets, each reported as measured (met or not).
 */
#include "bench.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double roof_ms(const bench_ctx *b, const bench_row *r, int *compute_bound)
{
    double tb = b->calib.bw_gbs > 0 ? r->bytes / b->calib.bw_gbs : 0;          /* ns */
    double tf = b->calib.fp32_gflops > 0 ? r->flops / b->calib.fp32_gflops : 0; /* ns */
    if (compute_bound)
        *compute_bound = tf > tb;
    return (tf > tb ? tf : tb) * 1e-6;
}

static const bench_row *find(const bench_ctx *b, const char *op, const char *shape)
{
    for (int i = 0; i < b->nrows; i++)
        if (!strcmp(b->rows[i].op, op) && !strcmp(b->rows[i].shape, shape) && b->rows[i].status == BENCH_OK)
            return &b->rows[i];
    return NULL;
}

static int was_run(const bench_ctx *b, const char *op, const char *shape)
{
    for (int i = 0; i < b->nrows; i++)
        if (!strcmp(b->rows[i].op, op) && !strcmp(b->rows[i].shape, shape))
            return 1;
    return 0;
}

typedef struct target {
    const char *name;
    double value, goal;   /* value < 0: not measured; goal < 0: reported, no goal */
    const char *unit;     /* "%" (fractions) or "x" */
    const char *why;      /* why not measured */
    int at_most;          /* the goal is an upper bound */
    int issue;            /* 6 or 21 */
} target;

static int met(const target *t)
{
    return t->at_most ? t->value <= t->goal : t->value >= t->goal;
}

/* The op's share of the prefill time it removes (< 0: not applicable). */
static double share_of_prefill(const bench_ctx *b, const bench_row *r)
{
    if (r->status != BENCH_OK || r->llm_before <= r->llm_after || b->calib.fp32_gflops <= 0)
        return -1;
    double removed_ms = (r->llm_before - r->llm_after) / (b->calib.fp32_gflops * 1e9) * 1e3;
    double op_ms = r->ms.median * (!strcmp(r->op, "composite") ? b->opt->llm.layers : 1);
    return op_ms / removed_ms;
}

static int targets(const bench_ctx *b, target *t)
{
    int n = 0;
    const bench_row *r;
    if (was_run(b, "visionzip", "video")) {
        r = find(b, "visionzip", "video");
        t[n++] = (target){"visionzip video (B=64) roofline fraction", r ? roof_ms(b, r, NULL) / r->ms.median : -1, 0.5,
                          "%", "not measured", 0, 6};
    }
    if (was_run(b, "composite", "prefill")) {
        r = find(b, "composite", "prefill");
        t[n++] = (target){"composite prefill share of the fp32 FMA peak",
                          r && b->calib.fp32_gflops > 0 ? r->flops / (r->ms.median * 1e6) / b->calib.fp32_gflops : -1,
                          0.3, "%", "not measured", 0, 6};
        const bench_row *a = find(b, "composite", "prefill-alltext");
        if (was_run(b, "composite", "prefill-alltext"))
            t[n++] = (target){"composite prefill speed-up over the all-text call", r && a ? a->ms.median / r->ms.median : -1,
                              3, "x", "not measured", 0, 6};
    }
    if (was_run(b, "compress", "c1-n576-fast") && was_run(b, "compress", "c1-n576-ref")) {
        const bench_row *f = find(b, "compress", "c1-n576-fast"), *s = find(b, "compress", "c1-n576-ref");
        t[n++] = (target){"compress fast path speed-up over the reference path (C=1, N=576)",
                          f && s ? s->ms.median / f->ms.median : -1, 50, "x", "skipped or failed", 0, 6};
    }
    /* issue 21: the share of the removed prefill at LLaVA-1.5 shapes (worst
       mode), the first call after prepare, prune against its roofline */
    double worst = -1;
    int goal_rows = 0, unmeasured = 0;
    for (int i = 0; i < b->nrows; i++) {
        if (!b->rows[i].llava15_goal)
            continue;
        goal_rows++;
        double sh = share_of_prefill(b, &b->rows[i]);
        if (sh < 0)
            unmeasured++;
        else if (sh > worst)
            worst = sh;
    }
    if (goal_rows)
        t[n++] = (target){"vtc's share of the prefill it removes, worst LLaVA-1.5-shaped row",
                          unmeasured ? -1 : worst, 0.02, "%", "a row failed or was skipped", 1, 21};
    double worst_fc = -1;
    for (int i = 0; i < b->nrows; i++) {
        const bench_first_call *f = &b->rows[i].first;
        if (f->measured && f->warm_ms > 0 && f->cold_ms / f->warm_ms > worst_fc)
            worst_fc = f->cold_ms / f->warm_ms;
    }
    if (worst_fc >= 0)
        t[n++] = (target){"first call after vtc_prepare / warm call, worst row", worst_fc, 1.5, "x", "", 1, 21};
    /* the issue's shapes are selection only; a workload with "+c" in its name
       adds VisionZip's merge of the rest (two more reads of the rest rows) and
       is reported on its own line, without a goal */
    static const char *const modes[2] = {"divprune-", "dart-"};
    static const char *const names[2][2] = {
        {"DivPrune time / roofline bound, worst selection row", "DART time / roofline bound, worst selection row"},
        {"DivPrune + contextual merge (+c rows), worst, no goal", "DART + contextual merge (+c rows), worst, no goal"}};
    for (int k = 0; k < 4; k++) {
        int m = k % 2, merged = k / 2;
        double w = -1;
        int any = 0, bad = 0;
        for (int i = 0; i < b->nrows; i++) {
            const bench_row *r = &b->rows[i];
            if (strcmp(r->op, "prune") || strncmp(r->shape, modes[m], strlen(modes[m])) ||
                (strchr(r->shape, '+') != NULL) != merged)
                continue;
            any = 1;
            double roof = roof_ms(b, r, NULL);
            if (r->status != BENCH_OK || roof <= 0)
                bad = 1;
            else if (r->ms.median / roof > w)
                w = r->ms.median / roof;
        }
        if (any)
            t[n++] = (target){names[merged][m], bad ? -1 : w, merged ? -1 : 3, "x", "a row failed or was skipped", 1, 21};
    }
    return n;
}

static const char *type_name(uint32_t t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU device";
    default: return "other";
    }
}

/* ---- human ------------------------------------------------------------------- */
/* The device, how times are taken, and the calibration (bandwidth, peaks). */
static void human_header(const bench_ctx *b, FILE *f)
{
    const vtc_device_info *d = &b->info;
    const bench_opts *o = b->opt;
    fprintf(f, "vtc bench on %s (%s)\n  driver %s, Vulkan %u.%u.%u\n", d->name, type_name(d->device_type), d->driver,
            VK_API_VERSION_MAJOR(d->api_version), VK_API_VERSION_MINOR(d->api_version),
            VK_API_VERSION_PATCH(d->api_version));
    fprintf(f, "  times: %s, median of %d runs (n: fewer under --max-time) after %d warm-up, %s tensors %s\n\n",
            b->calib.gpu_timed ? "GPU timestamps" : "host clock (no timestamps)", o->repeat, o->warmup,
            o->dtype == VTC_DTYPE_F16 ? "f16" : "f32",
            bench_host_tensors(b) ? "in host memory\n  (a CPU device: what an engine hands it; staged outside the timed command buffer, read\n"
                                    "  through texel views)"
                                  : "on the\n  device (no transfers timed)");
    const bench_calib *c = &b->calib;
    fprintf(f, "calibration (best of %d, median in brackets)\n", c->runs);
    fprintf(f, "  bandwidth   streaming copy of %.0f MiB, vec4   %10.1f GB/s      [%.1f]\n", c->copy_mib, c->bw_gbs,
            c->bw_median_gbs);
    fprintf(f, "  fp32 peak   FMA chain                       %10.1f GFLOP/s   [%.1f]\n", c->fp32_gflops,
            c->fp32_median_gflops);
    if (c->fp16_gflops > 0)
        fprintf(f, "  fp16 peak   FMA chain                       %10.1f GFLOP/s   [%.1f]\n", c->fp16_gflops,
                c->fp16_median_gflops);
    else
        fprintf(f, "  fp16 peak   not measured (no shaderFloat16 in use)\n");
}

/* The timing table: each row against its roofline bound and the CPU reference. */
static void human_timings(const bench_ctx *b, FILE *f, int w)
{
    fprintf(f, "\n%-9s %-*s %9s %9s %21s %3s %8s %8s %6s %4s %10s %8s %8s\n", "op", w, "shape", "median ms", "bound ms",
            "min .. max ms", "n", "GB/s", "GFLOP/s", "roof", "by", "CPU ref ms", "vs CPU", "NMSE");
    for (int i = 0; i < b->nrows; i++) {
        const bench_row *r = &b->rows[i];
        if (r->status != BENCH_OK) {
            fprintf(f, "%-9s %-*s %s\n", r->op, w, r->shape, r->detail);
            continue;
        }
        int cb;
        double roof = roof_ms(b, r, &cb), s = r->ms.median * 1e-3;
        char range[40], cpu[24] = "-", ratio[24] = "-", nmse[24] = "-";
        snprintf(range, sizeof(range), "%.3f .. %.3f", r->ms.min, r->ms.max);
        if (r->cpu_ms >= 0) {
            snprintf(cpu, sizeof(cpu), "%.1f", r->cpu_ms);
            snprintf(ratio, sizeof(ratio), "%.1fx", r->cpu_ms / r->ms.median);
        }
        if (r->nmse >= 0)
            snprintf(nmse, sizeof(nmse), "%.0e%s", r->nmse, r->check_failed ? "!" : "");
        else if (r->index_mismatches >= 0)
            snprintf(nmse, sizeof(nmse), "idx%s", r->check_failed ? "!" : "");
        else if (r->check_failed)
            snprintf(nmse, sizeof(nmse), "!");
        fprintf(f, "%-9s %-*s %9.3f %9.3f %21s %3d %8.2f %8.2f %5.1f%% %4s %10s %8s %8s\n", r->op, w, r->shape,
                r->ms.median, roof, range, r->ms.n, r->bytes / s * 1e-9, r->flops / s * 1e-9, 100 * roof / r->ms.median,
                cb ? "FLOP" : "mem", cpu, ratio, nmse);
        if (r->check_failed && (r->index_mismatches > 0 || r->detail[0]))
            fprintf(f, "  ^ %s%s%.0f index element(s) differ from the reference\n", r->detail, r->detail[0] ? "; " : "",
                    r->index_mismatches > 0 ? r->index_mismatches : 0);
    }
    fprintf(f, "  bound = max(bytes/bandwidth, FLOPs/fp32 peak); roof = bound / median; by = the larger term; NMSE vs the\n"
               "  CPU reference, the largest over float outputs, index outputs compared exactly ('!': above tolerance\n"
               "  or an index differs; 'idx': index outputs only, all equal)\n");
}

/* The first call after vtc_prepare on a fresh context, for the rows that measured it. */
static void human_first_calls(const bench_ctx *b, FILE *f, int w)
{
    int nfc = 0;
    for (int i = 0; i < b->nrows; i++)
        nfc += b->rows[i].first.measured || b->rows[i].first.why[0];
    if (nfc) {
        fprintf(f, "\nfirst call: fresh context, no pipeline cache, driver shader cache off (MESA_SHADER_CACHE_DISABLE=%s),\n"
                   "vtc_prepare with the call's args, then the call (host clock, host tensors: one chunk of the shape);\n"
                   "warm = median of the next 3 (fewer past --max-time); pipelines, objects, compile ms = what the first\n"
                   "call itself still created or compiled (0: prepare did it all; '-': the plugin does not count it)\n",
                getenv("MESA_SHADER_CACHE_DISABLE") ? getenv("MESA_SHADER_CACHE_DISABLE") : "unset");
        fprintf(f, "%-9s %-*s %11s %9s %9s %10s %9s %7s %10s   %s\n", "op", w, "shape", "prepare ms", "first ms",
                "warm ms", "first/warm", "pipelines", "objects", "compile ms", "goal <= 1.5x");
        for (int i = 0; i < b->nrows; i++) {
            const bench_row *r = &b->rows[i];
            const bench_first_call *fc = &r->first;
            if (!fc->measured) {
                if (fc->why[0])
                    fprintf(f, "%-9s %-*s not measured (%s)\n", r->op, w, r->shape, fc->why);
                continue;
            }
            double q = fc->warm_ms > 0 ? fc->cold_ms / fc->warm_ms : 0;
            char objs[24] = "-", comp[24] = "-";
            if (fc->objects >= 0)
                snprintf(objs, sizeof(objs), "%.0f", fc->objects);
            if (fc->compile_ms >= 0)
                snprintf(comp, sizeof(comp), "%.1f", fc->compile_ms);
            fprintf(f, "%-9s %-*s %11.1f %9.1f %9.1f %9.2fx %9.0f %7s %10s   %s\n", r->op, w, r->shape, fc->prepare_ms,
                    fc->cold_ms, fc->warm_ms, q, fc->pipelines, objs, comp, q <= 1.5 ? "met" : "not met");
        }
    }
}

/* The shapes, then the LLM prefill FLOPs each row removes and the share of it the op costs. */
static void human_savings(const bench_ctx *b, FILE *f, int w)
{
    const bench_opts *o = b->opt;
    fprintf(f, "\nshapes\n");
    for (int i = 0; i < b->nrows; i++)
        fprintf(f, "  %-9s %-*s %s\n", b->rows[i].op, w, b->rows[i].shape, b->rows[i].desc);

    const bench_llm *m = &o->llm;
    fprintf(f, "\nwhat it saves: LLM prefill FLOPs, %s (%d layers, d=%d, ffn %d, k/v %d), %d text tokens\n", m->name,
            m->layers, m->dim, m->ffn, m->kv_dim ? m->kv_dim : m->dim, m->text_tokens);
    fprintf(f, "  removed ms = (GFLOP before - after) / the measured fp32 peak (%.1f GFLOP/s): the prefill time the op\n"
               "  takes away on this device; share = op ms / removed ms (goal <= 2%% at LLaVA-1.5 shapes)\n",
            b->calib.fp32_gflops);
    fprintf(f, "%-9s %-*s %12s %12s %8s %11s %9s %12s %7s %8s   %s\n", "op", w, "shape", "GFLOP before", "GFLOP after",
            "saved", "op GFLOP", "op ms", "removed ms", "share", "<= 2%", "");
    for (int i = 0; i < b->nrows; i++) {
        const bench_row *r = &b->rows[i];
        if (r->llm_before <= 0)
            continue;
        char ms[24] = "-", removed[24] = "-", share[24] = "-";
        const char *goal = r->llava15_goal ? "-" : "";
        if (r->status == BENCH_OK)
            snprintf(ms, sizeof(ms), "%.3f", r->ms.median);
        if (b->calib.fp32_gflops > 0)
            snprintf(removed, sizeof(removed), "%.1f", (r->llm_before - r->llm_after) / (b->calib.fp32_gflops * 1e6));
        double sh = share_of_prefill(b, r);
        if (sh >= 0) {
            snprintf(share, sizeof(share), "%.2f%%", 100 * sh);
            if (r->llava15_goal)
                goal = sh <= 0.02 ? "met" : "not met";
        }
        fprintf(f, "%-9s %-*s %12.1f %12.1f %7.1f%% %11.3f %9s %12s %7s %8s   %s\n", r->op, w, r->shape,
                r->llm_before * 1e-9, r->llm_after * 1e-9, 100 * (1 - r->llm_after / r->llm_before), r->flops * 1e-9, ms,
                removed, share, goal, r->llm_note);
    }
    for (int i = 0; i < b->nrows; i++)
        if (!strcmp(b->rows[i].op, "composite") && b->rows[i].llm_before > 0) {
            fprintf(f, "  composite rows: op GFLOP and ms are one layer's; the LLM runs it once per layer (x%d, as the share\n"
                       "  counts it); not held to the 2%% goal: the op is the layer's attention, already in 'after'\n",
                    m->layers);
            break;
        }
}

/* The issues' targets, met or not. */
static void human_targets(const bench_ctx *b, FILE *f)
{
    target t[16];
    int nt = targets(b, t);
    for (int issue = 6; issue <= 21; issue += 15) {
        int head = 0;
        for (int i = 0; i < nt; i++) {
            if (t[i].issue != issue)
                continue;
            if (!head++)
                fprintf(f, "\ntargets (issue %d)\n", issue);
            if (t[i].value < 0) {
                fprintf(f, "  %-66s %s\n", t[i].name, t[i].why);
                continue;
            }
            int pct = !strcmp(t[i].unit, "%");
            if (t[i].goal < 0) {
                fprintf(f, "  %-66s %7.1f%s\n", t[i].name, t[i].value, t[i].unit);
                continue;
            }
            fprintf(f, "  %-66s %7.*f%s (goal %s %g%s): %s\n", t[i].name, pct && t[i].at_most ? 2 : 1,
                    pct ? 100 * t[i].value : t[i].value, t[i].unit, t[i].at_most ? "<=" : ">=",
                    pct ? 100 * t[i].goal : t[i].goal, t[i].unit, met(&t[i]) ? "met" : "not met");
        }
    }
}

void bench_report_human(const bench_ctx *b, FILE *f)
{
    int w = 15; /* the shape column fits the longest name */
    for (int i = 0; i < b->nrows; i++)
        if ((int)strlen(b->rows[i].shape) > w)
            w = (int)strlen(b->rows[i].shape);
    human_header(b, f);
    human_timings(b, f, w);
    human_first_calls(b, f, w);
    human_savings(b, f, w);
    human_targets(b, f);
}

/* ---- JSON ---------------------------------------------------------------------- */
static json_object *num(double v)
{
    if (!isfinite(v))
        return NULL; /* json null */
    char s[32];
    snprintf(s, sizeof(s), "%.6g", v);
    return json_object_new_double_s(v, s);
}

static json_object *str(const char *s)
{
    return json_object_new_string(s);
}

#define ADD(o, k, v) json_object_object_add((o), (k), (v))

static json_object *json_device(const bench_ctx *b)
{
    const vtc_device_info *d = &b->info;
    json_object *dev = json_object_new_object();
    char ver[32];
    snprintf(ver, sizeof(ver), "%u.%u.%u", VK_API_VERSION_MAJOR(d->api_version), VK_API_VERSION_MINOR(d->api_version),
             VK_API_VERSION_PATCH(d->api_version));
    ADD(dev, "name", str(d->name));
    ADD(dev, "driver", str(d->driver));
    ADD(dev, "type", str(type_name(d->device_type)));
    ADD(dev, "vulkan", str(ver));
    ADD(dev, "timestamps", json_object_new_boolean(b->calib.gpu_timed));
    return dev;
}

static json_object *json_settings(const bench_ctx *b)
{
    const bench_opts *o = b->opt;
    json_object *set = json_object_new_object();
    ADD(set, "repeat", json_object_new_int(o->repeat));
    ADD(set, "warmup", json_object_new_int(o->warmup));
    ADD(set, "dtype", str(o->dtype == VTC_DTYPE_F16 ? "f16" : "f32"));
    ADD(set, "timing", str(b->calib.gpu_timed ? "gpu_timestamps" : "host_clock"));
    ADD(set, "tensors", str(bench_host_tensors(b) ? "host" : "device"));
    return set;
}

static json_object *json_calibration(const bench_calib *c)
{
    json_object *cal = json_object_new_object();
    ADD(cal, "bandwidth_gbs", num(c->bw_gbs));
    ADD(cal, "bandwidth_median_gbs", num(c->bw_median_gbs));
    ADD(cal, "copy_mib", num(c->copy_mib));
    ADD(cal, "fp32_gflops", num(c->fp32_gflops));
    ADD(cal, "fp32_median_gflops", num(c->fp32_median_gflops));
    ADD(cal, "fp16_gflops", c->fp16_gflops > 0 ? num(c->fp16_gflops) : NULL);
    ADD(cal, "fp16_median_gflops", c->fp16_gflops > 0 ? num(c->fp16_median_gflops) : NULL);
    ADD(cal, "runs", json_object_new_int(c->runs));
    return cal;
}

static json_object *json_llm(const bench_llm *m)
{
    json_object *llm = json_object_new_object();
    ADD(llm, "name", str(m->name));
    ADD(llm, "layers", json_object_new_int(m->layers));
    ADD(llm, "dim", json_object_new_int(m->dim));
    ADD(llm, "ffn", json_object_new_int(m->ffn));
    ADD(llm, "kv_dim", json_object_new_int(m->kv_dim ? m->kv_dim : m->dim));
    ADD(llm, "text_tokens", json_object_new_int(m->text_tokens));
    return llm;
}

/* A measured row's times, rates, roofline and check against the CPU reference. */
static void json_row_timing(const bench_ctx *b, const bench_row *r, json_object *j)
{
    int cb;
    double roof = roof_ms(b, r, &cb), s = r->ms.median * 1e-3;
    ADD(j, "runs", json_object_new_int(r->ms.n));
    ADD(j, "gpu_timed", json_object_new_boolean(r->gpu_timed));
    ADD(j, "median_ms", num(r->ms.median));
    ADD(j, "min_ms", num(r->ms.min));
    ADD(j, "max_ms", num(r->ms.max));
    ADD(j, "p25_ms", num(r->ms.p25));
    ADD(j, "p75_ms", num(r->ms.p75));
    ADD(j, "host_median_ms", num(r->host_median_ms));
    ADD(j, "gbs", num(r->bytes / s * 1e-9));
    ADD(j, "gflops", num(r->flops / s * 1e-9));
    ADD(j, "roofline_ms", num(roof));
    ADD(j, "roofline_fraction", num(roof / r->ms.median));
    ADD(j, "bound", str(cb ? "compute" : "memory"));
    ADD(j, "cpu_ref_ms", r->cpu_ms >= 0 ? num(r->cpu_ms) : NULL);
    ADD(j, "speedup_vs_cpu", r->cpu_ms >= 0 ? num(r->cpu_ms / r->ms.median) : NULL);
    ADD(j, "nmse", r->nmse >= 0 ? num(r->nmse) : NULL);
    ADD(j, "index_mismatches", r->index_mismatches >= 0 ? num(r->index_mismatches) : NULL);
    int checked = r->nmse >= 0 || r->index_mismatches >= 0 || r->check_failed;
    ADD(j, "check", str(!checked ? "not_checked" : r->check_failed ? "fail" : "pass"));
}

static json_object *json_first_call(const bench_first_call *first)
{
    json_object *fc = json_object_new_object();
    ADD(fc, "prepare_ms", num(first->prepare_ms));
    ADD(fc, "cold_ms", num(first->cold_ms));
    ADD(fc, "warm_ms", num(first->warm_ms));
    ADD(fc, "ratio", first->warm_ms > 0 ? num(first->cold_ms / first->warm_ms) : NULL);
    ADD(fc, "pipelines_at_first_call", first->pipelines >= 0 ? num(first->pipelines) : NULL);
    ADD(fc, "objects_at_first_call", first->objects >= 0 ? num(first->objects) : NULL);
    ADD(fc, "compile_ms_at_first_call", first->compile_ms >= 0 ? num(first->compile_ms) : NULL);
    return fc;
}

static json_object *json_llm_savings(const bench_ctx *b, const bench_row *r)
{
    json_object *s = json_object_new_object();
    ADD(s, "visual_tokens_in", num(r->tokens_in));
    ADD(s, "visual_tokens_out", num(r->tokens_out));
    ADD(s, "prefill_flops_before", num(r->llm_before));
    ADD(s, "prefill_flops_after", num(r->llm_after));
    ADD(s, "saved_fraction", num(1 - r->llm_after / r->llm_before));
    double sh = share_of_prefill(b, r);
    ADD(s, "op_share_of_removed_prefill", sh >= 0 ? num(sh) : NULL);
    if (r->llava15_goal)
        ADD(s, "share_goal_met", sh >= 0 ? json_object_new_boolean(sh <= 0.02) : NULL);
    ADD(s, "note", str(r->llm_note));
    return s;
}

static json_object *json_row(const bench_ctx *b, const bench_row *r)
{
    json_object *j = json_object_new_object();
    ADD(j, "op", str(r->op));
    ADD(j, "shape", str(r->shape));
    ADD(j, "description", str(r->desc));
    ADD(j, "status", str(r->status == BENCH_OK ? "ok" : r->status == BENCH_SKIPPED ? "skipped" : "error"));
    if (r->status != BENCH_OK)
        ADD(j, "detail", str(r->detail));
    ADD(j, "bytes", num(r->bytes));
    ADD(j, "flops", num(r->flops));
    if (r->status == BENCH_OK)
        json_row_timing(b, r, j);
    if (r->first.measured)
        ADD(j, "first_call", json_first_call(&r->first));
    else if (r->first.why[0])
        ADD(j, "first_call", str(r->first.why));
    if (r->llm_before > 0)
        ADD(j, "llm_savings", json_llm_savings(b, r));
    return j;
}

static json_object *json_targets(const bench_ctx *b)
{
    target t[16];
    int nt = targets(b, t);
    json_object *tj = json_object_new_array();
    for (int i = 0; i < nt; i++) {
        json_object *j = json_object_new_object();
        ADD(j, "name", str(t[i].name));
        ADD(j, "value", t[i].value >= 0 ? num(t[i].value) : NULL);
        ADD(j, "issue", json_object_new_int(t[i].issue));
        ADD(j, "goal", t[i].goal >= 0 ? num(t[i].goal) : NULL);
        ADD(j, "goal_is", str(t[i].at_most ? "at_most" : "at_least"));
        ADD(j, "unit", str(!strcmp(t[i].unit, "%") ? "fraction" : "ratio"));
        ADD(j, "met", t[i].value >= 0 && t[i].goal >= 0 ? json_object_new_boolean(met(&t[i])) : NULL);
        json_object_array_add(tj, j);
    }
    return tj;
}

int bench_report_json(const bench_ctx *b, const char *path)
{
    json_object *root = json_object_new_object();
    ADD(root, "vtc_version", str(b->api->library_version()));
    ADD(root, "device", json_device(b));
    ADD(root, "settings", json_settings(b));
    ADD(root, "calibration", json_calibration(&b->calib));
    ADD(root, "llm", json_llm(&b->opt->llm));
    json_object *rows = json_object_new_array();
    for (int i = 0; i < b->nrows; i++)
        json_object_array_add(rows, json_row(b, &b->rows[i]));
    ADD(root, "results", rows);
    ADD(root, "targets", json_targets(b));
    int rc = json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    json_object_put(root);
    return rc ? -1 : 0;
}
