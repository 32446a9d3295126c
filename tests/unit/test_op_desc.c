/* The op descriptors (plugin/ops/<op>/<op>_desc.c) hold together without a
   device: one per op of the list; every table entry a vtc_tensor member of
   the v1 args, the entries together every vtc_tensor of it (ABI 1 args end
   in their tensors: from the first one to the v1 size); roles, dtypes and
   ranks that mean something; every tensor present in some example call, as
   the table says; parameter tables that cover the rest of the args, and
   output shapes (shape_outputs) as the examples give them; named workloads
   the table allows, at least one per op; and costs that match the figures
   vtc bench has printed. */
#include "op_desc.h"
#include "vtc_op_list.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond, ...)                                                                                             \
    do {                                                                                                             \
        if (!(cond)) {                                                                                               \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                              \
            printf(__VA_ARGS__);                                                                                     \
            printf("\n");                                                                                            \
            failures++;                                                                                              \
        }                                                                                                            \
    } while (0)

#define COUNT_OP(name) +1
enum { LISTED_OPS = 0 VTC_OP_LIST(COUNT_OP) };

static const uint32_t ALL_DTYPES = VTC_DTYPES(VTC_DTYPE_F32) | VTC_DTYPES(VTC_DTYPE_F16) |
                                   VTC_DTYPES(VTC_DTYPE_I32) | VTC_DTYPES(VTC_DTYPE_U8);

static void check_table(const vtc_op_desc *d)
{
    CHECK(d->ntensors >= 1 && d->ntensors <= VTC_OP_DESC_MAX_TENSORS, "%s: %u tensors", d->name, d->ntensors);
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_op_tensor_desc *t = &d->tensors[i];
        CHECK(t->offset % _Alignof(vtc_tensor) == 0, "%s.%s: offset %zu not vtc_tensor-aligned", d->name, t->name,
              t->offset);
        /* consecutive members, the last one ending the v1 args */
        size_t want = d->args_size - (size_t)(d->ntensors - i) * sizeof(vtc_tensor);
        CHECK(t->offset == want, "%s.%s: offset %zu, expected %zu (tensors in struct order, filling the v1 args)",
              d->name, t->name, t->offset, want);
        uint32_t dir = t->role & (VTC_ROLE_INPUT | VTC_ROLE_OUTPUT);
        CHECK(dir == VTC_ROLE_INPUT || dir == VTC_ROLE_OUTPUT, "%s.%s: role 0x%x", d->name, t->name, t->role);
        CHECK(!(t->role & ~(VTC_ROLE_INPUT | VTC_ROLE_OUTPUT | VTC_ROLE_OPTIONAL | VTC_ROLE_STRIDED)), "%s.%s: unknown role bits",
              d->name, t->name);
        CHECK(t->dtypes && !(t->dtypes & ~ALL_DTYPES) && t->dtypes != ALL_DTYPES, "%s.%s: dtypes 0x%x", d->name,
              t->name, t->dtypes);
        CHECK(t->rank >= 1 && t->rank <= VTC_MAX_DIMS, "%s.%s: rank %u", d->name, t->name, t->rank);
        for (uint32_t j = 0; j < i; j++)
            CHECK(strcmp(t->name, d->tensors[j].name), "%s: two tensors named %s", d->name, t->name);
        CHECK(vtc_op_desc_tensor(d, t->name) == t, "%s: lookup of %s", d->name, t->name);
    }
}

static void check_examples(const vtc_op_desc *d)
{
    unsigned char args[2048];
    CHECK(d->args_size <= sizeof(args), "%s: args of %zu bytes", d->name, d->args_size);
    uint32_t seen = 0, n = 0;
    for (; d->example(n, args) == 0; n++) {
        CHECK(*(uint32_t *)args == 0 || *(uint32_t *)args >= d->args_size, "%s: example %u size", d->name, n);
        for (uint32_t i = 0; i < d->ntensors; i++) {
            const vtc_op_tensor_desc *t = &d->tensors[i];
            const vtc_tensor *x = vtc_op_tensor_in_const(t, args);
            if (x->dtype == VTC_DTYPE_NONE) {
                CHECK(t->role & VTC_ROLE_OPTIONAL, "%s example %u: %s absent but not optional", d->name, n, t->name);
                continue;
            }
            seen |= 1u << i;
            CHECK(x->ndim == t->rank, "%s example %u: %s of rank %u, table %u", d->name, n, t->name, x->ndim, t->rank);
            CHECK(t->dtypes & VTC_DTYPES(x->dtype), "%s example %u: %s dtype %u", d->name, n, t->name, x->dtype);
            CHECK(x->size == sizeof(vtc_tensor) && !x->reserved0 && !x->host, "%s example %u: %s header", d->name, n,
                  t->name);
        }
        vtc_op_cost c;
        d->cost(args, NULL, &c);
        CHECK(c.bytes_read > 0 && c.bytes_written > 0 && c.flops >= 0 && isfinite(c.flops),
              "%s example %u: cost %g read %g written %g FLOPs", d->name, n, c.bytes_read, c.bytes_written, c.flops);
    }
    CHECK(n >= 1, "%s: no example", d->name);
    CHECK(seen == (1u << d->ntensors) - 1, "%s: tensors 0x%x never in an example", d->name,
          ((1u << d->ntensors) - 1) & ~seen);
}

/* The parameter table: every 4-byte word of the args before the first
   tensor is the size, a parameter, or zero in every example (a reserved
   field, compress's weight pointer); parameters do not overlap; ranges and
   names hold together; every example lies in range; shape_outputs gives
   every example's outputs exactly as the example shapes them. */
static void check_params(const vtc_op_desc *d)
{
    unsigned char args[2048], shaped[2048];
    size_t first = d->tensors[0].offset;
    for (uint32_t i = 0; i < d->nparams; i++) {
        const vtc_op_param_desc *p = &d->params[i];
        CHECK(p->offset % 4 == 0 && p->offset >= 4 && (p->offset + 4 <= first || p->offset >= d->args_size),
              "%s.%s: offset %zu among the tensors", d->name, p->name, p->offset);
        CHECK(p->type >= VTC_PARAM_U32 && p->type <= VTC_PARAM_F32 && p->min <= p->max && p->help && p->help[0],
              "%s.%s: type %u range %g..%g", d->name, p->name, p->type, p->min, p->max);
        CHECK(p->type == VTC_PARAM_F32 || (p->min >= (p->type == VTC_PARAM_U32 ? 0 : -2147483648.0) &&
                                          p->max <= (p->type == VTC_PARAM_U32 ? 4294967295.0 : 2147483647.0)),
              "%s.%s: range %g..%g past its type", d->name, p->name, p->min, p->max);
        for (uint32_t v = 0; p->names && v <= (uint32_t)p->max; v++)
            CHECK(p->names[v] && p->names[v][0], "%s.%s: value %u has no name", d->name, p->name, v);
        for (uint32_t j = 0; j < i; j++)
            CHECK(p->offset != d->params[j].offset && strcmp(p->name, d->params[j].name), "%s: %s and %s overlap",
                  d->name, p->name, d->params[j].name);
        CHECK(vtc_op_desc_param(d, p->name) == p, "%s: lookup of %s", d->name, p->name);
    }
    CHECK(d->shape_outputs != NULL, "%s: no shape_outputs", d->name);
    for (uint32_t n = 0; d->example(n, args) == 0; n++) {
        for (size_t w = 4; w + 4 <= first; w += 4) {
            int named = 0;
            for (uint32_t i = 0; i < d->nparams; i++)
                named |= d->params[i].offset == w;
            uint32_t v;
            memcpy(&v, args + w, 4);
            CHECK(named || v == 0, "%s example %u: word at %zu is %u but no parameter", d->name, n, w, v);
        }
        for (uint32_t i = 0; i < d->nparams; i++)
            CHECK(vtc_op_param_get(&d->params[i], args) >= d->params[i].min &&
                      vtc_op_param_get(&d->params[i], args) <= d->params[i].max,
                  "%s example %u: %s out of its range", d->name, n, d->params[i].name);
        memcpy(shaped, args, sizeof(shaped));
        for (uint32_t i = 0; i < d->ntensors; i++) {
            vtc_tensor *t = vtc_op_tensor_in(&d->tensors[i], shaped);
            if ((d->tensors[i].role & VTC_ROLE_OUTPUT) && !(d->op == VTC_OP_COMPRESS && d->tensors[i].offset ==
                                                                                            offsetof(vtc_compress_args, out)))
                memset(t, 0xee, sizeof(*t)); /* whatever was there: shape_outputs sets it all */
        }
        if (d->shape_outputs)
            d->shape_outputs(shaped);
        for (uint32_t i = 0; i < d->ntensors; i++) {
            const vtc_tensor *want = vtc_op_tensor_in_const(&d->tensors[i], args);
            const vtc_tensor *got = vtc_op_tensor_in_const(&d->tensors[i], shaped);
            if (!(d->tensors[i].role & VTC_ROLE_OUTPUT) || want->dtype == VTC_DTYPE_NONE)
                continue;
            CHECK(got->dtype == want->dtype && got->ndim == want->ndim &&
                      !memcmp(got->shape, want->shape, want->ndim * sizeof(int64_t)) && !got->stride[0],
                  "%s example %u: shape_outputs gives %s another dtype or shape", d->name, n, d->tensors[i].name);
        }
    }
}

/* vtc bench's llava15 row (B=1, N=577, D=1024, attn_cls H=16, Dm=64, keep
   CLS + 53 + 10, f32): 2.81 MB, as bench --predict printed before the cost
   moved here. */
static void check_visionzip_bench_figure(void)
{
    vtc_visionzip_args a;
    memset(&a, 0, sizeof(a));
    a.dominant = 53;
    a.contextual = 10;
    vtc_op_desc_shape(&a.hidden, VTC_DTYPE_F32, 3, (int64_t[]){1, 577, 1024});
    vtc_op_desc_shape(&a.metric, VTC_DTYPE_F32, 3, (int64_t[]){1, 577, 64});
    vtc_op_desc_shape(&a.attn, VTC_DTYPE_F32, 3, (int64_t[]){1, 16, 577});
    vtc_op_desc_shape(&a.out, VTC_DTYPE_F32, 3, (int64_t[]){1, 64, 1024});
    vtc_op_desc_shape(&a.src_idx, VTC_DTYPE_I32, 2, (int64_t[]){1, 64});
    vtc_op_cost c;
    vtc_op_desc_find(VTC_OP_VISIONZIP)->cost(&a, NULL, &c);
    double R = 577 - 1 - 53, merge = 3 * R * 64 + 2 * (R - 10) * 10 * 64 + (R - 10) * 1024 + 2 * 10 * 1024;
    CHECK(c.bytes_read == 36928 + 147712 + 2363392 && c.bytes_written == 262144 + 256, "visionzip bytes %g + %g",
          c.bytes_read, c.bytes_written);
    CHECK(c.flops == 16 * 577 + merge, "visionzip FLOPs %g", c.flops);
}

/* The named workloads (vtc bench, --predict, vtc pipelines): at least one
   per op, unique names a shell passes as they are, a call the table allows
   (required tensors present, ranks and dtypes as listed, host data only on
   inputs: the workload's own, like composite's kind), and a cost with bytes
   both ways and finite FLOPs. */
static void check_workloads(const vtc_op_desc *d)
{
    unsigned char args[2048];
    CHECK(d->nworkloads >= 1 && d->workloads, "%s: no workload", d->name);
    for (uint32_t w = 0; w < d->nworkloads; w++) {
        const vtc_op_workload *wl = &d->workloads[w];
        CHECK(wl->name && wl->name[0] && wl->help && wl->help[0] && wl->fill, "%s workload %u: name, help, fill",
              d->name, w);
        if (!wl->name || !wl->fill)
            continue;
        CHECK(strcspn(wl->name, " \t'\"$*?;&|<>()") == strlen(wl->name), "%s: workload name '%s'", d->name, wl->name);
        for (uint32_t v = 0; v < w; v++)
            CHECK(strcmp(wl->name, d->workloads[v].name), "%s: two workloads named %s", d->name, wl->name);
        memset(args, 0xa5, sizeof(args));
        wl->fill(args);
        CHECK(*(uint32_t *)args >= d->args_size, "%s %s: size %u", d->name, wl->name, *(uint32_t *)args);
        for (uint32_t i = 0; i < d->ntensors; i++) {
            const vtc_op_tensor_desc *t = &d->tensors[i];
            const vtc_tensor *x = vtc_op_tensor_in_const(t, args);
            if (x->dtype == VTC_DTYPE_NONE) {
                CHECK(t->role & VTC_ROLE_OPTIONAL, "%s %s: %s absent but not optional", d->name, wl->name, t->name);
                continue;
            }
            CHECK(x->ndim == t->rank && (t->dtypes & VTC_DTYPES(x->dtype)), "%s %s: %s rank %u dtype %u", d->name,
                  wl->name, t->name, x->ndim, x->dtype);
            CHECK(vtc_op_desc_count(x) >= 1, "%s %s: %s is empty", d->name, wl->name, t->name);
            CHECK(!x->host || (t->role & VTC_ROLE_INPUT), "%s %s: host data on output %s", d->name, wl->name, t->name);
            CHECK(!x->buffer && !x->offset && !x->reserved0, "%s %s: %s header", d->name, wl->name, t->name);
        }
        vtc_op_cost c;
        d->cost(args, NULL, &c);
        CHECK(c.bytes_read > 0 && c.bytes_written > 0 && c.flops >= 0 && isfinite(c.flops) &&
                  isfinite(c.bytes_read + c.bytes_written),
              "%s %s: cost %g read %g written %g FLOPs", d->name, wl->name, c.bytes_read, c.bytes_written, c.flops);
    }
}

static void workload_cost(const char *op, const char *name, vtc_op_cost *c)
{
    const vtc_op_desc *d = vtc_op_desc_named(op);
    unsigned char args[2048];
    memset(c, 0, sizeof(*c));
    for (uint32_t w = 0; d && w < d->nworkloads; w++)
        if (!strcmp(d->workloads[w].name, name)) {
            d->workloads[w].fill(args);
            d->cost(args, NULL, c);
            return;
        }
    CHECK(0, "no workload %s %s", op, name);
}

/* The workloads' costs are the figures bench printed before they moved into
   the descriptors, and the formulas of issue 21 (prune). */
static void check_workload_figures(void)
{
    vtc_op_cost c;
    workload_cost("visionzip", "llava15", &c);
    CHECK(c.bytes_read == 36928 + 147712 + 2363392 && c.bytes_written == 262144 + 256, "visionzip llava15 %g + %g",
          c.bytes_read, c.bytes_written);
    /* DivPrune: every unordered pair's distance once and the norms, 3 FLOPs a term (prune_desc.c) */
    workload_cost("prune", "divprune-576x4096", &c);
    CHECK(c.flops == 3.0 * 4096 * 576 * 575 / 2 + 3.0 * 576 * 4096, "divprune 576x4096 FLOPs %g", c.flops);
    CHECK(c.bytes_read == 576.0 * 4096 * 4 && c.bytes_written == 64.0 * 4 + 64.0 * 4096 * 4 + 64.0 * 4,
          "divprune 576x4096 bytes %g + %g", c.bytes_read, c.bytes_written);
    workload_cost("prune", "dart-5x576x4096", &c);
    CHECK(c.flops == 5 * 3.0 * (1 + VTC_PRUNE_DART_DEFAULT_PIVOTS) * 576 * 4096, "dart 5x576x4096 FLOPs %g", c.flops);
    /* composite prefill: only the 64 text rows (positions 0..31 and 608..639) attend */
    double pairs = 0;
    for (int p = 0; p < 640; p++)
        if (p < 32 || p >= 608)
            pairs += p + 1;
    workload_cost("composite", "prefill", &c);
    CHECK(c.flops == 32.0 * 128 * 4 * pairs, "composite prefill FLOPs %g (kind read from the workload)", c.flops);
    workload_cost("composite", "prefill-alltext", &c);
    CHECK(c.flops == 32.0 * 128 * 4 * (640.0 * 641 / 2), "composite prefill-alltext FLOPs %g", c.flops);
}

int main(void)
{
    uint32_t n = 0;
    for (const vtc_op_desc *d; (d = vtc_op_desc_at(n)); n++) {
        CHECK(vtc_op_desc_find(d->op) == d && vtc_op_desc_named(d->name) == d, "%s: lookup", d->name);
        check_table(d);
        check_examples(d);
        check_params(d);
        check_workloads(d);
    }
    CHECK(n == LISTED_OPS, "%u descriptors for %d listed ops", n, LISTED_OPS);
    CHECK(!vtc_op_desc_find(0) && !vtc_op_desc_named("nope"), "unknown ops found");
    check_visionzip_bench_figure();
    check_workload_figures();
    printf("%s - %u op descriptors\n", failures ? "FAIL" : "ok", n);
    return failures ? 1 : 0;
}
