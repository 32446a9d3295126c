/* `vtc run composite`: EE-MLLM composite attention on .npy inputs. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char composite_usage[] =
    "usage: vtc run composite --q Q.npy --k K.npy --v V.npy --kind KIND.npy [--scale S]\n"
    "                         [--dtype f32|f16] [--repeat N] --out O.npy\n"
    "\n"
    "EE-MLLM composite attention (SPEC 3). Query row r sits at position Nk - Nq + r.\n"
    "A visual row's output is its own value row (copied exactly); a text row attends\n"
    "with softmax(scale * q.k) over every key at or before its position.\n"
    "  --q Q.npy         [B][Nq][Hq][dh] queries (float)\n"
    "  --k K.npy         [B][Nk][Hkv][dh] keys (Hq a multiple of Hkv: GQA)\n"
    "  --v V.npy         [B][Nk][Hkv][dh] values\n"
    "  --kind KIND.npy   [B][Nk] uint8 (|u1): 0 = text, 1 = visual\n"
    "  --scale S         softmax scale (default 1/sqrt(dh))\n"
    "  --dtype D         device storage: f32 (default) or f16 (fp32 accumulation)\n"
    "  --repeat N        run the op N times and print the median wall time (default 1)\n"
    "  --out O.npy       [B][Nq][Hq][dh] output, in the run dtype\n";

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int cli_run_composite(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    const char *qs = NULL, *ks = NULL, *vs = NULL, *kinds = NULL, *out = NULL, *dt_s = NULL, *sc_s = NULL;
    const char *rep_s = NULL, *v;
    if (cli_wants_help(argc, argv)) {
        fputs(composite_usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        v = "";
        if (cli_opt(argc, argv, &i, "--q", &v)) qs = v;
        else if (cli_opt(argc, argv, &i, "--k", &v)) ks = v;
        else if (cli_opt(argc, argv, &i, "--v", &v)) vs = v;
        else if (cli_opt(argc, argv, &i, "--kind", &v)) kinds = v;
        else if (cli_opt(argc, argv, &i, "--scale", &v)) sc_s = v;
        else if (cli_opt(argc, argv, &i, "--dtype", &v)) dt_s = v;
        else if (cli_opt(argc, argv, &i, "--repeat", &v)) rep_s = v;
        else if (cli_opt(argc, argv, &i, "--out", &v)) out = v;
        else return cli_usage_error("composite", "unknown argument '%s'", argv[i]);
        if (!v) return cli_usage_error("composite", "%s needs a value", argv[i]);
    }
    uint32_t dtype = VTC_DTYPE_F32, repeat = 1;
    float scale = 0.0f;
    if (dt_s && cli_parse_dtype(dt_s, &dtype)) return cli_usage_error("composite", "--dtype must be f32 or f16");
    if (sc_s && (cli_parse_float(sc_s, &scale) || !(scale > 0.0f)))
        return cli_usage_error("composite", "--scale must be a positive number");
    if (rep_s && (cli_parse_u32(rep_s, &repeat) || repeat < 1 || repeat > 100000))
        return cli_usage_error("composite", "--repeat must be an integer in 1..100000");
    if (!qs || !ks || !vs || !kinds || !out)
        return cli_usage_error("composite", "--q, --k, --v, --kind and --out are required");
    cli_array Q = {0}, K = {0}, V = {0}, KD = {0};
    int rc = 1;
    void *o = NULL;
    double *ms = NULL;
    if (cli_load(qs, 1, dtype, 4, &Q) || cli_load(ks, 1, dtype, 4, &K) || cli_load(vs, 1, dtype, 4, &V) ||
        cli_load(kinds, 0, 0, 2, &KD))
        goto done;
    if (KD.a.dtype != NPY_U8) {
        cli_error("%s: kinds must be uint8 (|u1)", kinds);
        goto done;
    }
    /* Shapes are checked by the op (one source of truth); the output takes q's shape. */
    int64_t so[4] = {Q.a.shape[0], Q.a.shape[1], Q.a.shape[2], Q.a.shape[3]};
    size_t n = (size_t)(so[0] * so[1] * so[2] * so[3]);
    o = malloc((dtype == VTC_DTYPE_F16 ? 2 : 4) * n + 1);
    ms = malloc(sizeof(double) * repeat);
    if (!o || !ms) {
        cli_error("out of memory");
        goto done;
    }
    vtc_composite_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.scale = scale;
    a.q = cli_tensor(&Q);
    a.k = cli_tensor(&K);
    a.v = cli_tensor(&V);
    a.kind = cli_tensor(&KD);
    a.out = cli_tensor_new(dtype, o, 4, so);
    for (uint32_t it = 0; it < repeat; it++) {
        double t0 = cli_now_ms();
        vtc_result r = api->composite_attention(ctx, &a, NULL);
        ms[it] = cli_now_ms() - t0;
        if (r) {
            rc = cli_vtc_error(api, "composite", r);
            goto done;
        }
    }
    rc = cli_save(out, dtype, 4, so, o);
    if (rc)
        goto done;
    const uint8_t *kd = KD.data;
    long long text = 0;
    for (size_t i = 0; i < KD.a.count; i++)
        text += kd[i] == 0;
    printf("composite: B=%lld Nq=%lld Nk=%lld Hq=%lld Hkv=%lld dh=%lld, %lld of %lld keys text\n",
           (long long)so[0], (long long)so[1], (long long)K.a.shape[1], (long long)so[2], (long long)K.a.shape[2],
           (long long)so[3], text, (long long)KD.a.count);
    if (repeat > 1) {
        qsort(ms, repeat, sizeof(double), cmp_double);
        printf("composite: median %.3f ms over %u runs (min %.3f, max %.3f; wall time incl. host copies)\n",
               ms[repeat / 2], repeat, ms[0], ms[repeat - 1]);
    }
done:
    free(o);
    free(ms);
    cli_free(&Q); cli_free(&K); cli_free(&V); cli_free(&KD);
    return rc;
}
