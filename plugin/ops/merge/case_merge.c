/* merge (SPEC 1.3) conformance. */
#include "conf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CONF_OP "merge"

static vtc_result op_call(conf_env *env, const void *args, const vtc_exec *exec)
{
    return env->api->merge(env->ctx, args, exec);
}

typedef struct mg_case {
    int B, N, D, Dm, R, c;
    int pattern; /* 0 random, 1 all sources near target 0, 2 zero metric rows, 3 duplicate rows (ties), 4 clustered */
} mg_case;

static void make_rest(uint64_t *st, int B, int N, int R, int32_t *rest)
{
    /* an ascending random subset of R of the N tokens, different per image */
    for (int b = 0; b < B; b++) {
        int need = R, k = 0;
        for (int j = 0; j < N && k < R; j++) {
            int left = N - j;
            if (ref_rng_uniform(st, 0, 1) * left < need) {
                rest[(size_t)b * R + k++] = j;
                need--;
            }
        }
    }
}

static void run_merge(conf_env *env, conf_result *r, const mg_case *c)
{
    int B = c->B, N = c->N, D = c->D, Dm = c->Dm, R = c->R, C = c->c;
    conf_shape(r, "B=%d N=%d D=%d Dm=%d R=%d c=%d", B, N, D, Dm, R, C);
    uint64_t st = env->seed;
    size_t nh = (size_t)B * N * D, nm = (size_t)B * N * Dm, no = (size_t)B * C * D, ds = conf_dsize(env->dtype);
    float *hid = malloc(4 * nh), *met = malloc(4 * nm), *want = malloc(4 * (no ? no : 1));
    int32_t *rest = malloc(4 * (size_t)B * R);
    conf_buf bh = {0}, bm = {0}, bo = {0};
    void *hd = conf_buf_alloc(&bh, ds * nh), *md = conf_buf_alloc(&bm, ds * nm), *od = conf_buf_alloc(&bo, ds * no);
    conf_fill_normal(&st, hid, nh, 1.0f);
    conf_fill_normal(&st, met, nm, 1.0f);
    make_rest(&st, B, N, R, rest);
    if (c->pattern == 1) {
        /* every source lies close to target 0's direction, the other targets are random:
           all sources must go to target 0 (a clear winner, not a near-tie) */
        int step = R / C > 1 ? R / C : 1;
        for (int b = 0; b < B; b++) {
            const float *t0 = met + ((size_t)b * N + rest[(size_t)b * R]) * Dm;
            for (int i = 0; i < R; i++) {
                if (i % step == 0 && i / step < C)
                    continue;
                float *row = met + ((size_t)b * N + rest[(size_t)b * R + i]) * Dm;
                for (int d = 0; d < Dm; d++)
                    row[d] = t0[d] + 0.05f * row[d];
            }
        }
    }
    if (c->pattern == 2)
        for (int b = 0; b < B; b++)
            for (int i = 0; i < R; i += 3)
                memset(met + ((size_t)b * N + rest[(size_t)b * R + i]) * Dm, 0, 4 * (size_t)Dm);
    if (c->pattern == 3)
        for (int b = 0; b < B; b++)
            for (int i = 1; i < R; i++)
                if (i % 2) /* every odd rest token duplicates the previous one: exact similarity ties */
                    memcpy(met + ((size_t)b * N + rest[(size_t)b * R + i]) * Dm,
                           met + ((size_t)b * N + rest[(size_t)b * R + i - 1]) * Dm, 4 * (size_t)Dm);
    if (c->pattern == 4)
        for (int b = 0; b < B; b++)
            for (int j = 0; j < N; j++)
                for (int d = 0; d < Dm; d++)
                    met[((size_t)b * N + j) * Dm + d] = (float)((j * 7 + d * (b + 1)) % 5); /* 5 exact clusters: exact ties */
    conf_store(env->dtype, hd, hid, nh);
    conf_store(env->dtype, md, met, nm);
    if (ref_merge(B, N, D, Dm, R, C, hid, met, rest, want, NULL, NULL)) {
        conf_fail(r, "reference rejected the case");
        goto done;
    }
    vtc_merge_args a;
    memset(&a, 0, sizeof(a));
    a.contextual = (uint32_t)C;
    a.hidden = conf_tensor3(env->dtype, hd, B, N, D);
    a.metric = conf_tensor3(env->dtype, md, B, N, Dm);
    a.rest_idx = conf_tensor2(VTC_DTYPE_I32, rest, B, R);
    a.out = conf_tensor3(env->dtype, od, B, C, D);
    if (conf_check_result(r, "merge", env->api->merge(env->ctx, &a, NULL), VTC_SUCCESS))
        conf_check_nmse(r, "contextual", env->dtype, od, want, no, conf_tol(env->dtype));
    conf_buf *g[] = {&bh, &bm, &bo};
    conf_guards(r, g, 3);
done:
    free(hid); free(met); free(want); free(rest);
    conf_buf_free(&bh); conf_buf_free(&bm); conf_buf_free(&bo);
}

#define MG(fn, ...) static void fn(conf_env *e, conf_result *r) { mg_case c = {__VA_ARGS__}; run_merge(e, r, &c); }
MG(llava15_ten_contextual_tokens, 1, 577, 1024, 64, 523, 10, 0)
MG(every_rest_token_a_target, 2, 100, 16, 64, 40, 40, 0)
MG(single_target_takes_every_source, 2, 200, 32, 64, 150, 1, 0)
MG(sources_near_one_target_all_go_to_it, 2, 120, 8, 64, 100, 7, 1)
MG(zero_metric_rows_stay_zero, 2, 150, 8, 64, 120, 9, 2)
MG(similarity_ties_go_to_lowest_target, 2, 150, 8, 64, 120, 11, 3)
MG(clustered_exact_ties_metric_width_72, 3, 300, 24, 72, 250, 13, 4)
MG(metric_width_1024, 1, 200, 64, 1024, 150, 20, 0)
MG(clustered_exact_ties_metric_width_260, 2, 300, 24, 260, 250, 37, 4)
MG(hidden_width_4096, 1, 100, 4096, 64, 80, 5, 0)
MG(hidden_width_not_multiple_of_4, 2, 90, 1027, 64, 70, 6, 0)
MG(video_32_frames_differ, 32, 577, 16, 64, 523, 10, 0)
MG(long_rest_list_past_loop_limiter, 1, 20000, 8, 8, 19000, 3, 0)

static void bit_identical_over_ten_runs(conf_env *env, conf_result *r)
{
    enum { B = 3, N = 577, D = 128, DM = 64, R = 523, C = 10 };
    conf_shape(r, "B=%d N=%d D=%d c=%d x10", B, N, D, C);
    uint64_t st = env->seed;
    size_t ds = conf_dsize(env->dtype);
    float *hid = malloc(4 * B * N * D), *met = malloc(4 * B * N * DM);
    int32_t rest[B * R];
    void *hd = malloc(ds * B * N * D), *md = malloc(ds * B * N * DM), *o0 = malloc(ds * B * C * D), *o1 = malloc(ds * B * C * D);
    conf_fill_normal(&st, hid, (size_t)B * N * D, 1.0f);
    conf_fill_normal(&st, met, (size_t)B * N * DM, 1.0f);
    make_rest(&st, B, N, R, rest);
    conf_store(env->dtype, hd, hid, (size_t)B * N * D);
    conf_store(env->dtype, md, met, (size_t)B * N * DM);
    vtc_merge_args a;
    memset(&a, 0, sizeof(a));
    a.contextual = C;
    a.hidden = conf_tensor3(env->dtype, hd, B, N, D);
    a.metric = conf_tensor3(env->dtype, md, B, N, DM);
    a.rest_idx = conf_tensor2(VTC_DTYPE_I32, rest, B, R);
    a.out = conf_tensor3(env->dtype, o0, B, C, D);
    if (conf_check_result(r, "merge", env->api->merge(env->ctx, &a, NULL), VTC_SUCCESS)) {
        a.out.host = o1;
        for (int i = 0; i < 10; i++) {
            memset(o1, 0, ds * B * C * D);
            if (env->api->merge(env->ctx, &a, NULL) || memcmp(o0, o1, ds * B * C * D)) {
                conf_fail(r, "run %d differs from the first", i + 1);
                break;
            }
        }
        /* the same image in another batch slot gives the same bits */
        vtc_merge_args one = a;
        one.hidden.shape[0] = one.metric.shape[0] = one.rest_idx.shape[0] = one.out.shape[0] = 1;
        one.hidden.host = (char *)hd + ds * 2 * N * D;
        one.metric.host = (char *)md + ds * 2 * N * DM;
        one.rest_idx.host = rest + 2 * R;
        if (!env->api->merge(env->ctx, &one, NULL) && memcmp(o1, (char *)o0 + ds * 2 * C * D, ds * C * D))
            conf_fail(r, "image 2 alone differs from image 2 in the batch");
    }
    free(hid); free(met); free(hd); free(md); free(o0); free(o1);
}

static void rejects_bad_input_and_writes_nothing(conf_env *env, conf_result *r)
{
    enum { B = 2, N = 30, D = 8, DM = 4, R = 20, C = 4 };
    conf_shape(r, "B=%d N=%d R=%d c=%d", B, N, R, C);
    float hid[B * N * D] = {0}, met[B * N * DM] = {0};
    int32_t rest[B * R];
    for (int i = 0; i < B * R; i++)
        rest[i] = 5 + i % R;
    conf_buf bo = {0};
    float *out = conf_buf_alloc(&bo, 4 * B * C * D);
    vtc_merge_args good;
    memset(&good, 0, sizeof(good));
    good.contextual = C;
    good.hidden = conf_tensor3(VTC_DTYPE_F32, hid, B, N, D);
    good.metric = conf_tensor3(VTC_DTYPE_F32, met, B, N, DM);
    good.rest_idx = conf_tensor2(VTC_DTYPE_I32, rest, B, R);
    good.out = conf_tensor3(VTC_DTYPE_F32, out, B, C, D);
    vtc_merge_args bad[7];
    const char *what[7] = {"c > R", "metric N differs", "metric dtype differs", "rest f32", "out rows wrong",
                           "rest index out of range", "out missing"};
    for (int i = 0; i < 7; i++)
        bad[i] = good;
    bad[0].contextual = R + 1;
    bad[1].metric.shape[1] = N - 1;
    bad[2].metric.dtype = VTC_DTYPE_F16;
    bad[3].rest_idx.dtype = VTC_DTYPE_F32;
    bad[4].out.shape[1] = C + 1;
    int32_t rest_bad[B * R];
    memcpy(rest_bad, rest, sizeof(rest));
    rest_bad[7] = N;
    bad[5].rest_idx.host = rest_bad;
    bad[6].out.dtype = VTC_DTYPE_NONE;
    conf_buf *outs[] = {&bo};
    for (int i = 0; i < 7; i++)
        if (!conf_refuses(env, r, op_call, &bad[i], what[i], outs, 1))
            break;
    /* c = 0 is valid and writes nothing */
    vtc_merge_args zero = good;
    zero.contextual = 0;
    zero.out = conf_tensor3(VTC_DTYPE_F32, out, B, 0, D);
    if (env->api->merge(env->ctx, &zero, NULL) != VTC_SUCCESS || !conf_buf_untouched(&bo))
        conf_fail(r, "c = 0 failed or wrote output");
    conf_buf_free(&bo);
}

const conf_case conf_cases_merge[] = {
    CONF_CASE(llava15_ten_contextual_tokens, CONF_QUICK),
    CONF_CASE(every_rest_token_a_target, 0),
    CONF_CASE(single_target_takes_every_source, 0),
    CONF_CASE(sources_near_one_target_all_go_to_it, 0),
    CONF_CASE(zero_metric_rows_stay_zero, CONF_QUICK),
    CONF_CASE(similarity_ties_go_to_lowest_target, CONF_QUICK),
    CONF_CASE(clustered_exact_ties_metric_width_72, 0),
    CONF_CASE(metric_width_1024, 0),
    CONF_CASE(clustered_exact_ties_metric_width_260, CONF_QUICK),
    CONF_CASE(hidden_width_4096, 0),
    CONF_CASE(hidden_width_not_multiple_of_4, 0),
    CONF_CASE(video_32_frames_differ, 0),
    CONF_CASE(long_rest_list_past_loop_limiter, CONF_ANY_DTYPE),
    CONF_CASE(bit_identical_over_ten_runs, CONF_QUICK),
    CONF_CASE(rejects_bad_input_and_writes_nothing, CONF_QUICK | CONF_ANY_DTYPE),
    {0},
};
