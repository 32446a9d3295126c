/* `vtc run compress`: LLaVA-Mini query-based compression on .npy tokens. */
#include "cli.h"
#include "compress_weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char compress_usage[] =
    "usage: vtc run compress --x X.npy --weights W.safetensors [--prefix P] [--heads H]\n"
    "                        [--path fast|reference] [--dtype f32|f16] --out O.npy [--attn-out A.npy]\n"
    "\n"
    "LLaVA-Mini's resampler (SPEC 2): C*C learned queries cross-attend to the N = g*g visual\n"
    "tokens of each image and replace them with C*C tokens. C comes from the checkpoint's query.\n"
    "  --x X.npy            [B][N][E] visual tokens (N a square: 576 = 24x24, 2304 = 48x48)\n"
    "  --weights W          .safetensors with the compressor's keys (F32, F16 or BF16):\n"
    "                       <prefix>query, ln_q.{weight,bias}, ln_kv.{weight,bias},\n"
    "                       attn.in_proj_{weight,bias}, attn.out_proj.{weight,bias}, [pos_embed]\n"
    "  --prefix P           key prefix (default model.compressor.)\n"
    "  --heads H            attention heads (default 8); E must be a multiple of H\n"
    "  --path P             fast (default: queries folded into the key/value weights) or\n"
    "                       reference (q/k/v projections as written)\n"
    "  --dtype D            device storage of x and out: f32 (default) or f16\n"
    "  --out O.npy          [B][C*C][E] compressed tokens\n"
    "  --attn-out A.npy     [B][C*C][N] attention averaged over heads (f32)\n";

int cli_run_compress(int argc, char **argv, const vtc_api_v1 *api, vtc_context ctx)
{
    const char *xs = NULL, *ws = NULL, *prefix = CW_DEFAULT_PREFIX, *heads_s = NULL, *path_s = NULL, *dt_s = NULL;
    const char *out = NULL, *attn_out = NULL, *v;
    if (cli_wants_help(argc, argv)) {
        fputs(compress_usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        v = "";
        if (cli_opt(argc, argv, &i, "--x", &v)) xs = v;
        else if (cli_opt(argc, argv, &i, "--weights", &v)) ws = v;
        else if (cli_opt(argc, argv, &i, "--prefix", &v)) prefix = v;
        else if (cli_opt(argc, argv, &i, "--heads", &v)) heads_s = v;
        else if (cli_opt(argc, argv, &i, "--path", &v)) path_s = v;
        else if (cli_opt(argc, argv, &i, "--dtype", &v)) dt_s = v;
        else if (cli_opt(argc, argv, &i, "--out", &v)) out = v;
        else if (cli_opt(argc, argv, &i, "--attn-out", &v)) attn_out = v;
        else return cli_usage_error("compress", "unknown argument '%s'", argv[i]);
        if (!v) return cli_usage_error("compress", "%s needs a value", argv[i]);
    }
    uint32_t dtype = VTC_DTYPE_F32, heads = 8, path = VTC_COMPRESS_FAST;
    if (dt_s && cli_parse_dtype(dt_s, &dtype)) return cli_usage_error("compress", "--dtype must be f32 or f16");
    if (heads_s && (cli_parse_u32(heads_s, &heads) || heads < 1))
        return cli_usage_error("compress", "--heads must be a positive integer");
    if (path_s) {
        if (!strcmp(path_s, "fast")) path = VTC_COMPRESS_FAST;
        else if (!strcmp(path_s, "reference")) path = VTC_COMPRESS_REFERENCE;
        else return cli_usage_error("compress", "--path must be fast or reference");
    }
    if (!xs || !ws || !out) return cli_usage_error("compress", "--x, --weights and --out are required");
    cli_array X = {0};
    cw_host cw;
    memset(&cw, 0, sizeof(cw));
    vtc_weights wh = NULL;
    void *o = NULL;
    float *am = NULL;
    int rc = 1;
    char err[512];
    if (cli_load(xs, 1, dtype, 3, &X)) goto done;
    if (cw_load(ws, prefix, heads, &cw, err, sizeof(err))) {
        cli_error("%s", err);
        goto done;
    }
    int64_t B = X.a.shape[0], N = X.a.shape[1], E = X.a.shape[2], Q = cw.shapes[0][0];
    if (E != cw.shapes[0][1]) {
        cli_error("%s: tokens are %lld wide but the checkpoint's query is %lld wide", xs, (long long)E,
                  (long long)cw.shapes[0][1]);
        goto done;
    }
    vtc_result r = api->compress_weights_create(ctx, &cw.desc, &wh);
    if (r) { rc = cli_vtc_error(api, "compress weights", r); goto done; }
    int64_t so[3] = {B, Q, E}, sa[3] = {B, Q, N};
    o = malloc((dtype == VTC_DTYPE_F16 ? 2 : 4) * (size_t)(B * Q * E) + 1);
    am = attn_out ? malloc(4 * (size_t)(B * Q * N) + 1) : NULL;
    if (!o || (attn_out && !am)) { cli_error("out of memory"); goto done; }
    vtc_compress_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.path = path;
    a.weights = wh;
    a.x = cli_tensor(&X);
    a.out = cli_tensor_new(dtype, o, 3, so);
    if (am) a.attn_mean = cli_tensor_new(VTC_DTYPE_F32, am, 3, sa);
    double t0 = cli_now_ms();
    r = api->compress(ctx, &a, NULL);
    double ms = cli_now_ms() - t0;
    if (r) { rc = cli_vtc_error(api, "compress", r); goto done; }
    rc = cli_save(out, dtype, 3, so, o);
    if (!rc && am) rc = cli_save(attn_out, VTC_DTYPE_F32, 3, sa, am);
    if (!rc)
        printf("compress: %lld image(s), %lld tokens -> %lld each (E=%lld, %u heads, %s path), %.2f ms incl. first-use "
               "preparation\n", (long long)B, (long long)N, (long long)Q, (long long)E, heads,
               path ? "reference" : "fast", ms);
done:
    if (wh) api->compress_weights_destroy(ctx, wh);
    cw_free(&cw);
    cli_free(&X);
    free(o);
    free(am);
    return rc;
}
