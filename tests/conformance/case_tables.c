/* Every op's tensor table (plugin/ops/<op>/<op>_desc.c) against the plugin:
   starting from the op's own small valid calls, each tensor of the table
   given a rank or a dtype the table does not allow is refused with
   INVALID_ARGUMENT, by the call and by the scratch query alike. One case
   per op, from the op list, so a new op is covered the day it is added. */
#include "conf.h"
#include "../common/test_tensors.h"
#include "op_desc.h"
#include "vtc_op_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every op through the generic call (the typed functions call it; a
   reliability test checks they give the same bits). */
static vtc_result call_op(const vtc_api_v1 *api, vtc_context ctx, uint32_t op, const void *a)
{
    return VTC_API_HAS(api, run) ? api->run(ctx, op, a, NULL) : VTC_ERROR_UNSUPPORTED;
}

/* The weight set compress's example needs (tests/common/test_tensors.h). */
static vtc_result tiny_weights_create(conf_env *env, test_tiny_weights *t, vtc_weights *w)
{
    vtc_compress_weights_desc d = test_tiny_weights_desc(t);
    return env->api->compress_weights_create(env->ctx, &d, w);
}

/* A dtype the table refuses for this tensor (there is always one: no
   tensor takes every dtype). */
static uint32_t foreign_dtype(uint32_t allowed)
{
    static const uint32_t order[] = {VTC_DTYPE_F32, VTC_DTYPE_I32, VTC_DTYPE_U8, VTC_DTYPE_F16};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (!(allowed & VTC_DTYPES(order[i])))
            return order[i];
    return VTC_DTYPE_NONE;
}

/* Expects `what` refused with INVALID_ARGUMENT by the call and the query. */
static void expect_refused(conf_env *env, conf_result *r, const vtc_op_desc *d, const void *args, const char *what)
{
    uint64_t scratch = 0;
    vtc_result got = call_op(env->api, env->ctx, d->op, args);
    vtc_result q = env->api->query_scratch(env->ctx, d->op, args, &scratch);
    if (got != VTC_ERROR_INVALID_ARGUMENT || q != VTC_ERROR_INVALID_ARGUMENT)
        conf_fail(r, "%s: %s gave %s (call) and %s (query), not INVALID_ARGUMENT", d->name, what,
                  env->api->result_string(got), env->api->result_string(q));
}

static void check_example(conf_env *env, conf_result *r, const vtc_op_desc *d, uint32_t which, void *args,
                          void *work, unsigned *checked)
{
    /* host memory for every present tensor, room for the widest dtype, zeroed:
       index inputs 0, kinds all text, scores all tied; all valid */
    void *mem[VTC_OP_DESC_MAX_TENSORS] = {0};
    for (uint32_t i = 0; i < d->ntensors; i++) {
        vtc_tensor *t = vtc_op_tensor_in(&d->tensors[i], args);
        if (t->dtype != VTC_DTYPE_NONE)
            t->host = mem[i] = calloc((size_t)vtc_op_desc_count(t) + 1, 8);
    }
    vtc_result base = call_op(env->api, env->ctx, d->op, args);
    if (base != VTC_SUCCESS) {
        conf_fail(r, "%s: example %u gave %s", d->name, which, env->api->result_string(base));
        goto out;
    }
    for (uint32_t i = 0; i < d->ntensors; i++) {
        const vtc_op_tensor_desc *td = &d->tensors[i];
        const vtc_tensor *t = vtc_op_tensor_in_const(td, args);
        if (t->dtype == VTC_DTYPE_NONE)
            continue;
        char what[96];
        memcpy(work, args, d->args_size);
        vtc_tensor *m = vtc_op_tensor_in(td, work);
        if (m->ndim < VTC_MAX_DIMS) {
            m->shape[m->ndim++] = 1; /* one more dimension, same elements */
        } else {
            m->ndim--;
        }
        snprintf(what, sizeof(what), "%s of rank %u (the table says %u)", td->name, m->ndim, td->rank);
        expect_refused(env, r, d, work, what);

        memcpy(work, args, d->args_size);
        m = vtc_op_tensor_in(td, work);
        m->dtype = foreign_dtype(td->dtypes);
        snprintf(what, sizeof(what), "%s of dtype %u (the table allows mask 0x%x)", td->name, m->dtype, td->dtypes);
        expect_refused(env, r, d, work, what);
        (*checked)++;
    }
out:
    for (uint32_t i = 0; i < d->ntensors; i++)
        free(mem[i]);
}

static void table_tensors_refuse(conf_env *env, conf_result *r, const char *name)
{
    const vtc_op_desc *d = vtc_op_desc_named(name);
    if (!d) {
        conf_fail(r, "no descriptor for op %s", name);
        return;
    }
    test_tiny_weights tw;
    vtc_weights w = NULL;
    if (d->op == VTC_OP_COMPRESS && !conf_check_result(r, "compress_weights_create", tiny_weights_create(env, &tw, &w),
                                                      VTC_SUCCESS))
        return;
    void *args = calloc(1, d->args_size + sizeof(vtc_tensor)), *work = calloc(1, d->args_size + sizeof(vtc_tensor));
    unsigned checked = 0, examples = 0;
    for (uint32_t which = 0; args && work && d->example(which, args) == 0; which++, examples++) {
        if (d->op == VTC_OP_COMPRESS)
            ((vtc_compress_args *)args)->weights = w;
        check_example(env, r, d, which, args, work, &checked);
    }
    conf_shape(r, "%u example(s), %u tensors x (rank, dtype)", examples, checked);
    if (!examples)
        conf_fail(r, "%s: no example call", name);
    if (w)
        env->api->compress_weights_destroy(env->ctx, w);
    free(args);
    free(work);
}

#define TABLE_CASE_FN(name) \
    static void table_##name(conf_env *env, conf_result *r) { table_tensors_refuse(env, r, #name); }
VTC_OP_LIST(TABLE_CASE_FN)
#undef TABLE_CASE_FN

/* The plugin knows every op the tables describe (the two lists are one). */
static void every_descriptor_is_an_op_of_the_plugin(conf_env *env, conf_result *r)
{
    uint32_t n = 0;
    for (const vtc_op_desc *d; (d = vtc_op_desc_at(n)); n++) {
        uint64_t scratch = 0;
        vtc_result q = env->api->query_scratch(env->ctx, d->op, NULL, &scratch);
        if (q != VTC_ERROR_INVALID_ARGUMENT) /* NULL args, not an unknown op... */
            conf_fail(r, "%s: query with NULL args gave %s", d->name, env->api->result_string(q));
        if (call_op(env->api, env->ctx, d->op, NULL) != VTC_ERROR_INVALID_ARGUMENT)
            conf_fail(r, "%s: this case does not know how to call it", d->name);
        if (VTC_API_HAS(env->api, run) && env->api->run(env->ctx, d->op, NULL, NULL) != VTC_ERROR_INVALID_ARGUMENT)
            conf_fail(r, "%s: vtc_run with NULL args did not refuse it", d->name);
    }
    conf_shape(r, "%u descriptors", n);
}

#define TABLE_CASE_ENTRY(name) \
    {#name, "table_tensors_refuse_wrong_rank_and_dtype", CONF_QUICK | CONF_ANY_DTYPE, table_##name},
const conf_case conf_cases_tables[] = {
    {"api", "every_descriptor_is_an_op_of_the_plugin", CONF_QUICK | CONF_ANY_DTYPE,
     every_descriptor_is_an_op_of_the_plugin},
    VTC_OP_LIST(TABLE_CASE_ENTRY)
    {0},
};
#undef TABLE_CASE_ENTRY
