/* The template op's conformance: against its reference in every variant,
   across several workgroups, and refusing what it must refuse. */
#include "conf.h"
#include "ref_toy.h"
#include "vtc_toy.h"

#include <stdlib.h>
#include <string.h>

#define CONF_OP "toy"

static vtc_result run(conf_env *env, const void *a, const vtc_exec *exec)
{
    if (!VTC_API_HAS(env->api, run))
        return VTC_ERROR_UNSUPPORTED;
    return env->api->run(env->ctx, VTC_OP_TOY, a, exec);
}

static void check_shape(conf_env *env, conf_result *r, int rows, int cols)
{
    conf_shape(r, "rows=%d cols=%d", rows, cols);
    size_t n = (size_t)rows * cols;
    uint64_t st = env->seed;
    float *x = malloc(4 * n), *want = malloc(4 * n);
    conf_buf bx = {0}, by = {0};
    void *xd = conf_buf_alloc(&bx, conf_dsize(env->dtype) * n), *yd = conf_buf_alloc(&by, conf_dsize(env->dtype) * n);
    conf_fill_normal(&st, x, n, 2.0f);
    conf_store(env->dtype, xd, x, n);
    ref_toy(n, 0.75f, -0.5f, x, want);
    vtc_toy_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.a = 0.75f;
    a.b = -0.5f;
    a.x = conf_tensor2(env->dtype, xd, rows, cols);
    a.y = conf_tensor2(env->dtype, yd, rows, cols);
    if (conf_check_result(r, "toy", run(env, &a, NULL), VTC_SUCCESS))
        conf_check_nmse(r, "y", env->dtype, yd, want, n, conf_tol(env->dtype));
    conf_buf *g[] = {&bx, &by};
    conf_guards(r, g, 2);
    conf_buf_free(&bx);
    conf_buf_free(&by);
    free(x);
    free(want);
}

static void matches_reference(conf_env *env, conf_result *r)
{
    check_shape(env, r, 3, 5);
}

/* More elements than one workgroup, not a multiple of it: the last group's
   tail stays inside y (the guards). */
static void several_workgroups_with_a_tail(conf_env *env, conf_result *r)
{
    check_shape(env, r, 37, 129);
}

static void rejects_bad_arguments_and_writes_nothing(conf_env *env, conf_result *r)
{
    enum { R = 2, C = 4 };
    conf_shape(r, "rows=%d cols=%d", R, C);
    float x[R * C] = {0};
    conf_buf by = {0};
    float *y = conf_buf_alloc(&by, sizeof(x));
    vtc_toy_args good;
    memset(&good, 0, sizeof(good));
    good.x = conf_tensor2(VTC_DTYPE_F32, x, R, C);
    good.y = conf_tensor2(VTC_DTYPE_F32, y, R, C);
    vtc_toy_args bad[5];
    const char *what[5] = {"y shape differs", "y dtype differs", "x missing", "reserved0 set", "x int32"};
    for (int i = 0; i < 5; i++)
        bad[i] = good;
    bad[0].y.shape[1] = C - 1;
    bad[1].y.dtype = VTC_DTYPE_F16;
    bad[2].x.dtype = VTC_DTYPE_NONE;
    bad[3].reserved0 = 1;
    bad[4].x.dtype = VTC_DTYPE_I32;
    conf_buf *outs[] = {&by};
    for (int i = 0; i < 5; i++)
        if (!conf_refuses(env, r, run, &bad[i], what[i], outs, 1))
            break;
    conf_guards(r, outs, 1);
    conf_buf_free(&by);
}

const conf_case conf_cases_toy[] = {
    CONF_CASE(matches_reference, CONF_QUICK),
    CONF_CASE(several_workgroups_with_a_tail, CONF_QUICK),
    CONF_CASE(rejects_bad_arguments_and_writes_nothing, CONF_QUICK | CONF_ANY_DTYPE),
    {0},
};
