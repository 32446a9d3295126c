/*
 * The CPU references (tests/ref, written from SPEC.md) against the outputs
 * of the papers' official code in tests/data/golden: if a reference were
 * wrong, every conformance case built on it would test the wrong thing.
 */
#include "ref.h"
#include "npy.h"
#include "safetensors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static float *load(const char *dir, const char *name, npy_array *a)
{
    char path[1024], err[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (npy_load(path, a, err, sizeof(err))) {
        printf("FAIL load %s: %s\n", path, err);
        failures++;
        return NULL;
    }
    if (a->dtype == NPY_I32)
        return a->data;
    float *f = malloc(sizeof(float) * (a->count ? a->count : 1));
    npy_to_f32(a, f);
    return f;
}

static void check(const char *what, double nmse, double tol)
{
    int ok = nmse <= tol;
    printf("%s %s nmse=%.3g (tol %.0e)\n", ok ? "ok  " : "FAIL", what, nmse, tol);
    failures += !ok;
}

static void visionzip(const char *root)
{
    char dir[900];
    snprintf(dir, sizeof(dir), "%s/visionzip_clip336_b2_54x10", root);
    npy_array aa, ah, am, ak, ao;
    float *attn = load(dir, "attn_cls.npy", &aa), *hid = load(dir, "hidden.npy", &ah);
    float *met = load(dir, "metric.npy", &am), *want = load(dir, "out.npy", &ao);
    int32_t *keep = (int32_t *)load(dir, "keep_index.npy", &ak);
    if (!attn || !hid || !met || !want || !keep)
        return;
    int B = (int)aa.shape[0], H = (int)aa.shape[1], N = (int)aa.shape[2], D = (int)ah.shape[2];
    int Dm = (int)am.shape[2], rows = (int)ao.shape[1], nkeep = (int)ak.shape[1], k = nkeep - 1, c = rows - nkeep;
    float *out = malloc(sizeof(float) * (size_t)B * rows * D);
    int32_t *src = malloc(sizeof(int32_t) * (size_t)B * rows);
    if (ref_visionzip(0, B, N, D, H, 0, Dm, k, c, 1, 0.0f, attn, NULL, NULL, hid, met, out, src)) {
        printf("FAIL ref_visionzip refused the official shapes\n");
        failures++;
    } else {
        check("ref_visionzip out vs official VisionZip", ref_nmse(out, want, (size_t)B * rows * D), 1e-12);
        size_t mism = 0;
        for (int b = 0; b < B; b++)
            mism += ref_index_mismatches(src + (size_t)b * rows, keep + (size_t)b * nkeep, (size_t)nkeep);
        printf("%s ref_visionzip kept indices vs official: %zu mismatches\n", mism ? "FAIL" : "ok  ", mism);
        failures += mism != 0;
    }
    free(out); free(src); free(attn); free(hid); free(met); free(want);
    npy_free(&aa); npy_free(&ah); npy_free(&am); npy_free(&ak); npy_free(&ao);
}

static void llavamini(const char *root, const char *name, int heads)
{
    char dir[900], path[1100], err[512], key[128];
    snprintf(dir, sizeof(dir), "%s/%s", root, name);
    npy_array ax, ao, aa;
    float *x = load(dir, "x.npy", &ax), *want = load(dir, "out.npy", &ao), *wattn = load(dir, "attn_mean.npy", &aa);
    if (!x || !want || !wattn)
        return;
    snprintf(path, sizeof(path), "%s/weights.safetensors", dir);
    st_file f;
    if (st_open(path, &f, err, sizeof(err))) {
        printf("FAIL %s\n", err);
        failures++;
        return;
    }
    static const char *const keys[10] = {"query", "ln_q.weight", "ln_q.bias", "ln_kv.weight", "ln_kv.bias",
                                         "attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight",
                                         "attn.out_proj.bias", "pos_embed"};
    float *w[10] = {0};
    int64_t shape[8];
    int nd, ok = 1;
    for (int i = 0; i < 10 && ok; i++) {
        snprintf(key, sizeof(key), "model.compressor.%s", keys[i]);
        if (st_read_f32(&f, key, -1, NULL, &w[i], shape, &nd, err, sizeof(err))) {
            printf("FAIL %s\n", err);
            failures++;
            ok = 0;
        }
    }
    st_close(&f);
    if (ok) {
        int B = (int)ax.shape[0], N = (int)ax.shape[1], E = (int)ax.shape[2], Q = (int)ao.shape[1], C = 1, g = 1;
        while (C * C < Q)
            C++;
        while (g * g < N)
            g++;
        ref_resampler rs = {C, E, heads, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]};
        float *pk = malloc(sizeof(float) * (size_t)N * E), *out = malloc(sizeof(float) * (size_t)B * Q * E);
        float *am = malloc(sizeof(float) * (size_t)B * Q * N), *pq = malloc(sizeof(float) * (size_t)Q * E);
        /* the reference's own sin-cos table must equal the checkpoint's */
        ref_pos_embed_2d(C, E, pq);
        char what[160];
        snprintf(what, sizeof(what), "ref_pos_embed_2d vs %s pos_embed", name);
        check(what, ref_nmse(pq, w[9], (size_t)Q * E), 1e-12);
        ref_pos_resize_bicubic(C, g, E, w[9], pk);
        ref_compress(&rs, B, N, w[9], pk, x, out, am);
        snprintf(what, sizeof(what), "ref_compress out vs official LLaVA-Mini (%s)", name);
        check(what, ref_nmse(out, want, (size_t)B * Q * E), 1e-10);
        snprintf(what, sizeof(what), "ref_compress attn_mean vs official (%s)", name);
        check(what, ref_nmse(am, wattn, (size_t)B * Q * N), 1e-10);
        free(pk); free(out); free(am); free(pq);
    }
    for (int i = 0; i < 10; i++)
        free(w[i]);
    free(x); free(want); free(wattn);
    npy_free(&ax); npy_free(&ao); npy_free(&aa);
}

int main(void)
{
    const char *root = getenv("VTC_GOLDEN_DIR");
    if (!root) {
        printf("FAIL VTC_GOLDEN_DIR is not set\n");
        return 1;
    }
    visionzip(root);
    llavamini(root, "llavamini_c2_e256_n576", 8);
    llavamini(root, "llavamini_c1_e128_n2304", 4);
    printf("%d failure(s)\n", failures);
    return failures != 0;
}
