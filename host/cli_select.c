/* `vtc run scores` and `vtc run select`. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char scores_usage[] =
    "usage: vtc run scores (--attn A.npy | --q Q.npy --k K.npy --mode qk_cls|qk_mean) [--scale S]\n"
    "                      [--dtype f32|f16] --out S.npy\n"
    "\n"
    "VisionZip attention scores (SPEC 1.1): how much each token is attended to.\n"
    "  --attn A.npy   [B][H][N] the CLS query's softmax row per head (mode attn_cls)\n"
    "  --q, --k       [B][N][H][dh] queries and keys of the encoder layer\n"
    "  --mode M       attn_cls (default with --attn), qk_cls (softmax of token 0's query)\n"
    "                 or qk_mean (mean over every query and head; no CLS)\n"
    "  --scale S      softmax scale for qk modes (default 1/sqrt(dh))\n"
    "  --dtype D      storage of the float inputs on the device: f32 (default) or f16\n"
    "  --out S.npy    score [B][N], float32\n";

int cli_run_scores(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    const char *attn = NULL, *q = NULL, *k = NULL, *mode = NULL, *out = NULL, *scale_s = NULL, *dt_s = NULL, *v;
    if (cli_wants_help(argc, argv)) {
        fputs(scores_usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (cli_opt(argc, argv, &i, "--attn", &v)) attn = v;
        else if (cli_opt(argc, argv, &i, "--q", &v)) q = v;
        else if (cli_opt(argc, argv, &i, "--k", &v)) k = v;
        else if (cli_opt(argc, argv, &i, "--mode", &v)) mode = v;
        else if (cli_opt(argc, argv, &i, "--scale", &v)) scale_s = v;
        else if (cli_opt(argc, argv, &i, "--dtype", &v)) dt_s = v;
        else if (cli_opt(argc, argv, &i, "--out", &v)) out = v;
        else return cli_usage_error("scores", "unknown argument '%s'", argv[i]);
        if (!v) return cli_usage_error("scores", "%s needs a value", argv[i]);
    }
    uint32_t dtype = VTC_DTYPE_F32, m;
    float scale = 0.0f;
    if (dt_s && cli_parse_dtype(dt_s, &dtype)) return cli_usage_error("scores", "--dtype must be f32 or f16");
    if (scale_s && cli_parse_float(scale_s, &scale)) return cli_usage_error("scores", "--scale must be a finite number");
    if (!out) return cli_usage_error("scores", "--out is required");
    if (!mode) m = attn ? VTC_SCORE_ATTN_CLS : VTC_SCORE_QK_CLS;
    else if (!strcmp(mode, "attn_cls")) m = VTC_SCORE_ATTN_CLS;
    else if (!strcmp(mode, "qk_cls")) m = VTC_SCORE_QK_CLS;
    else if (!strcmp(mode, "qk_mean")) m = VTC_SCORE_QK_MEAN;
    else return cli_usage_error("scores", "--mode must be attn_cls, qk_cls or qk_mean");
    if (m == VTC_SCORE_ATTN_CLS ? (!attn || q || k) : (attn || !q || !k))
        return cli_usage_error("scores", "give --attn (attn_cls) or --q and --k (qk modes)");

    cli_array A = {0}, Q = {0}, K = {0};
    int rc = 1;
    vtc_scores_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.mode = m;
    a.scale = scale;
    int64_t B, N;
    if (m == VTC_SCORE_ATTN_CLS) {
        if (cli_load(attn, 1, dtype, 3, &A)) goto done;
        a.attn = cli_tensor(&A);
        B = A.a.shape[0];
        N = A.a.shape[2];
    } else {
        if (cli_load(q, 1, dtype, 4, &Q) || cli_load(k, 1, dtype, 4, &K)) goto done;
        a.q = cli_tensor(&Q);
        a.k = cli_tensor(&K);
        B = Q.a.shape[0];
        N = Q.a.shape[1];
    }
    float *score = malloc(sizeof(float) * (size_t)(B * N > 0 ? B * N : 1));
    if (!score) { cli_error("out of memory"); goto done; }
    int64_t shape[2] = {B, N};
    a.score = cli_tensor_new(VTC_DTYPE_F32, score, 2, shape);
    vtc_result r = api->scores(ctx, &a, NULL);
    if (r) rc = cli_vtc_error(api, "scores", r);
    else rc = cli_save(out, VTC_DTYPE_F32, 2, shape, score);
    free(score);
done:
    cli_free(&A); cli_free(&Q); cli_free(&K);
    return rc;
}

static const char select_usage[] =
    "usage: vtc run select --scores S.npy --hidden H.npy --dominant K [--no-cls] [--dtype f32|f16]\n"
    "                      --out O.npy [--keep-index I.npy] [--rest-index R.npy]\n"
    "\n"
    "VisionZip dominant-token selection (SPEC 1.2): keeps token 0 (CLS, unless --no-cls)\n"
    "and the K highest-scoring other tokens (ties: lower index; NaN ranks last).\n"
    "  --scores S.npy      [B][N] float32 scores (from 'vtc run scores')\n"
    "  --hidden H.npy      [B][N][D] hidden states\n"
    "  --dominant K        tokens to keep besides CLS\n"
    "  --no-cls            token 0 is an ordinary token (SigLIP)\n"
    "  --dtype D           device storage of hidden/out: f32 (default) or f16\n"
    "  --out O.npy         [B][keep_cls+K][D] the kept rows, in ascending token order\n"
    "  --keep-index I.npy  [B][keep_cls+K] int32 kept token indices, ascending\n"
    "  --rest-index R.npy  [B][N-keep_cls-K] int32 the other indices, ascending\n";

int cli_run_select(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    const char *scores = NULL, *hidden = NULL, *dom = NULL, *out = NULL, *ki = NULL, *ri = NULL, *dt_s = NULL, *v;
    int no_cls = 0;
    if (cli_wants_help(argc, argv)) {
        fputs(select_usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        v = "";
        if (!strcmp(argv[i], "--no-cls")) no_cls = 1;
        else if (cli_opt(argc, argv, &i, "--scores", &v)) scores = v;
        else if (cli_opt(argc, argv, &i, "--hidden", &v)) hidden = v;
        else if (cli_opt(argc, argv, &i, "--dominant", &v)) dom = v;
        else if (cli_opt(argc, argv, &i, "--dtype", &v)) dt_s = v;
        else if (cli_opt(argc, argv, &i, "--out", &v)) out = v;
        else if (cli_opt(argc, argv, &i, "--keep-index", &v)) ki = v;
        else if (cli_opt(argc, argv, &i, "--rest-index", &v)) ri = v;
        else return cli_usage_error("select", "unknown argument '%s'", argv[i]);
        if (!v) return cli_usage_error("select", "%s needs a value", argv[i]);
    }
    uint32_t dtype = VTC_DTYPE_F32, k;
    if (dt_s && cli_parse_dtype(dt_s, &dtype)) return cli_usage_error("select", "--dtype must be f32 or f16");
    if (!scores || !hidden || !dom || !out) return cli_usage_error("select", "--scores, --hidden, --dominant and --out are required");
    if (cli_parse_u32(dom, &k)) return cli_usage_error("select", "--dominant must be a non-negative integer");

    cli_array S = {0}, H = {0};
    int rc = 1;
    void *dominant = NULL;
    int32_t *keep = NULL, *rest = NULL;
    if (cli_load(scores, 0, 0, 2, &S) || cli_load(hidden, 1, dtype, 3, &H)) goto done;
    if (S.a.dtype != NPY_F32) { cli_error("%s: scores must be float32", scores); goto done; }
    int64_t B = S.a.shape[0], N = S.a.shape[1], D = H.a.shape[2];
    int64_t nkeep = (no_cls ? 0 : 1) + (int64_t)k, nrest = N - nkeep;
    if (nrest < 0) { cli_error("--dominant %u is more than the %lld tokens that compete", k, (long long)(N - !no_cls)); goto done; }
    size_t es = dtype == VTC_DTYPE_F16 ? 2 : 4;
    dominant = malloc(es * (size_t)(B * nkeep * D) + 1);
    keep = malloc(4 * (size_t)(B * nkeep) + 4);
    rest = malloc(4 * (size_t)(B * nrest) + 4);
    if (!dominant || !keep || !rest) { cli_error("out of memory"); goto done; }
    vtc_select_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.dominant = k;
    a.no_cls = (uint32_t)no_cls;
    a.score = cli_tensor(&S);
    a.hidden = cli_tensor(&H);
    int64_t sk[2] = {B, nkeep}, sr[2] = {B, nrest}, sd[3] = {B, nkeep, D};
    a.keep_idx = cli_tensor_new(VTC_DTYPE_I32, keep, 2, sk);
    a.rest_idx = cli_tensor_new(VTC_DTYPE_I32, rest, 2, sr);
    a.dominant_out = cli_tensor_new(dtype, dominant, 3, sd);
    vtc_result r = api->select(ctx, &a, NULL);
    if (r) { rc = cli_vtc_error(api, "select", r); goto done; }
    rc = cli_save(out, dtype, 3, sd, dominant);
    if (!rc && ki) rc = cli_save(ki, VTC_DTYPE_I32, 2, sk, keep);
    if (!rc && ri) rc = cli_save(ri, VTC_DTYPE_I32, 2, sr, rest);
    if (!rc)
        printf("select: %lld image(s), %lld -> %lld tokens each\n", (long long)B, (long long)N, (long long)nkeep);
done:
    free(dominant); free(keep); free(rest);
    cli_free(&S); cli_free(&H);
    return rc;
}
