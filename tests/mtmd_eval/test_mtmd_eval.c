/*
 * vtc_mtmd_eval without llama.cpp: the callback is driven the way ggml's
 * scheduler drives it (ask for every node in order, ask = false right after
 * a claimed one, a false return cancels), on tensors named and shaped as
 * llama.cpp's LLaVA clip graph names them, with ggml's four accessors the
 * helper uses defined here over host memory. Checks: the layer rule (GGUF
 * keys read from a file written here, and given directly), what is claimed
 * and copied, the once-only layer message, chaining to a host callback
 * (its claims honoured, its false return cancelling), re-arming, and that
 * the kept rows are VisionZip's: the top CLS->key softmax tokens of the
 * chosen block, computed here independently, with the CLS row last.
 * argv[1]: libvtc.so.
 */
#define _POSIX_C_SOURCE 200809L
#include "ggml.h"
#include "ggml-backend.h"

#include "vtc_mtmd_eval.h"
#include "vtc_api.h"
#include "vtc_loader.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- ggml's accessors over host tensors (what a CPU backend does) ---- */
const char *ggml_get_name(const struct ggml_tensor *t) { return t->name; }
size_t ggml_nbytes(const struct ggml_tensor *t)
{
    return (size_t)(t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]) * sizeof(float);
}
bool ggml_is_contiguous(const struct ggml_tensor *t)
{
    return t->nb[0] == sizeof(float) && t->nb[1] == t->nb[0] * (size_t)t->ne[0] &&
           t->nb[2] == t->nb[1] * (size_t)t->ne[1] && t->nb[3] == t->nb[2] * (size_t)t->ne[2];
}
void ggml_backend_tensor_get(const struct ggml_tensor *t, void *data, size_t offset, size_t size)
{
    memcpy(data, (const char *)t->data + offset, size);
}

static int fails;
#define CHECK(c)                                                              \
    do {                                                                      \
        if (!(c)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
            fails++;                                                          \
        }                                                                     \
    } while (0)

enum { DH = 8, H = 4, S = 12, NP = S * S + 1, E = 24, LAYERS = 23 };

static float qd[LAYERS][NP * H * DH], kd[LAYERS][NP * H * DH], other[NP * H * DH];

static void init_tensor(struct ggml_tensor *t, const char *name, float *data)
{
    memset(t, 0, sizeof(*t));
    t->type = GGML_TYPE_F32;
    t->ne[0] = DH;
    t->ne[1] = H;
    t->ne[2] = NP;
    t->ne[3] = 1;
    t->nb[0] = sizeof(float);
    for (int i = 1; i < 4; i++)
        t->nb[i] = t->nb[i - 1] * (size_t)t->ne[i - 1];
    t->data = data;
    snprintf(t->name, sizeof(t->name), "%s", name);
}

/* The host's own callback: wants Vcur-3, counts what it is handed. */
typedef struct host_cb {
    int asked, handed, handed_other, cancel_at_layer_out;
} host_cb;
static bool host_fn(struct ggml_tensor *t, bool ask, void *ud)
{
    host_cb *h = (host_cb *)ud;
    int want = !strcmp(t->name, "Vcur-3") || (h->cancel_at_layer_out && !strcmp(t->name, "layer_out-5"));
    if (ask) {
        h->asked++;
        return want;
    }
    if (want)
        h->handed++;
    else
        h->handed_other++;
    return !(h->cancel_at_layer_out && !strcmp(t->name, "layer_out-5"));
}

/* Runs a LLaVA-like graph of n_run blocks through the callback as ggml_backend_sched does. Returns the
   number of nodes computed (fewer when cancelled). */
static int run_graph(vtc_mtmd_eval_fn cb, void *ud, int n_run)
{
    static const char *kinds[] = {"layer_inp_normed", "Qcur", "Kcur", "Vcur", "Qcur_pos", "attn_out", "layer_out"};
    struct ggml_tensor t;
    int nodes = 0;
    for (int l = 0; l < n_run; l++)
        for (int k = 0; k < 7; k++) {
            char name[64];
            snprintf(name, sizeof(name), "%s-%d", kinds[k], l);
            init_tensor(&t, name, k == 1 ? qd[l] : k == 2 ? kd[l] : other);
            nodes++;
            if (cb(&t, true, ud) && !cb(&t, false, ud))
                return nodes;
        }
    return nodes;
}

static void write_gguf(const char *path, int with_fl)
{
    FILE *f = fopen(path, "wb");
    uint32_t u32;
    uint64_t u64;
#define W(v) fwrite(&(v), sizeof(v), 1, f)
#define WSTR(s) (u64 = strlen(s), W(u64), fwrite(s, 1, strlen(s), f))
    fwrite("GGUF", 1, 4, f);
    u32 = 3, W(u32);
    u64 = 0, W(u64);
    u64 = with_fl ? 4 : 3, W(u64);
    WSTR("general.name"), u32 = 8, W(u32), WSTR("some clip");
    WSTR("clip.vision.image_mean"), u32 = 9, W(u32), u32 = 6, W(u32), u64 = 3, W(u64);
    float m[3] = {0.5f, 0.5f, 0.5f};
    fwrite(m, sizeof(float), 3, f);
    WSTR("clip.vision.block_count"), u32 = 4, W(u32), u32 = LAYERS, W(u32);
    if (with_fl) {
        int32_t fl[2] = {7, 23};
        WSTR("clip.vision.feature_layer"), u32 = 9, W(u32), u32 = 5, W(u32), u64 = 2, W(u64);
        fwrite(fl, sizeof(int32_t), 2, f);
    }
    fclose(f);
#undef W
#undef WSTR
}

/* CLS (row NP-1) -> key softmax per head of block l, summed over heads, for
   each embedding row e: clip hands out rows 1..NP-1 (its "patches" get_rows
   starts at 1), so embedding row e is score row e + 1. */
static void ref_scores(int l, double *score)
{
    for (int j = 0; j < NP - 1; j++)
        score[j] = 0;
    for (int h = 0; h < H; h++) {
        double logit[NP], mx = -1e300, sum = 0;
        for (int j = 0; j < NP; j++) {
            double d = 0;
            for (int c = 0; c < DH; c++)
                d += (double)qd[l][((NP - 1) * H + h) * DH + c] * kd[l][(j * H + h) * DH + c];
            logit[j] = d / sqrt((double)DH);
            mx = logit[j] > mx ? logit[j] : mx;
        }
        for (int j = 0; j < NP; j++)
            sum += exp(logit[j] - mx);
        for (int j = 0; j < NP - 1; j++)
            score[j] += exp(logit[j + 1] - mx) / sum;
    }
}

/* The plugin and the embeddings every check compresses: NP - 1 rows of E (clip's output). */
static const vtc_api_v1 *api;
static vtc_context ctx;
static float embd[(NP - 1) * E], out[(NP - 1) * E];
static vtc_mtmd_token tok[NP];
static uint32_t n_out;

/* The helper's VisionZip of `rows` embedding rows to 20 tokens. */
static vtc_result zip(vtc_mtmd_eval *ev, uint32_t rows)
{
    return vtc_mtmd_eval_visionzip(ev, api, ctx, E, embd, rows, 20, out, tok, NP, &n_out);
}

/* One armed encode of n_run blocks. */
static void encode(vtc_mtmd_eval *ev, int n_run)
{
    vtc_mtmd_eval_begin(ev);
    run_graph(vtc_mtmd_eval_callback, ev, n_run);
}

/* The kept dominant rows are the top `dom` CLS->key scores of block l, copied
   from the embeddings, at their grid places; `dom` of them. */
static void check_dominant_rows(int l, uint32_t dom)
{
    double sc[NP - 1];
    ref_scores(l, sc);
    int n_dom = 0;
    for (uint32_t i = 0; i < n_out; i++) {
        if (tok[i].kind != VTC_MTMD_DOMINANT)
            continue;
        n_dom++;
        int idx = tok[i].index, better = 0;
        for (int j = 0; j < NP - 1; j++)
            better += sc[j] > sc[idx];
        CHECK(idx >= 0 && idx < NP - 1 && better < (int)dom);
        CHECK(!memcmp(out + (size_t)i * E, embd + (size_t)idx * E, E * sizeof(float)));
        CHECK(tok[i].row == idx / S && tok[i].col == idx % S);
    }
    CHECK(n_dom == (int)dom);
}

static void check_bad_params(const char *not_a_gguf)
{
    vtc_mtmd_eval *ev = NULL;
    vtc_mtmd_eval_params p = {.size = sizeof(p), .layer = VTC_MTMD_EVAL_LAYER_AUTO};
    CHECK(vtc_mtmd_eval_create(&p, &ev) == VTC_ERROR_INVALID_ARGUMENT && !ev); /* no keys, no file */
    p.mmproj_path = "/nonexistent.gguf";
    CHECK(vtc_mtmd_eval_create(&p, &ev) == VTC_ERROR_INVALID_ARGUMENT && !ev);
    p.mmproj_path = not_a_gguf;
    CHECK(vtc_mtmd_eval_create(&p, &ev) == VTC_ERROR_INVALID_ARGUMENT && !ev);
    p.size = 4;
    CHECK(vtc_mtmd_eval_create(&p, &ev) == VTC_ERROR_INVALID_ARGUMENT && !ev);
    p.size = sizeof(p);
    p.layer = -5;
    CHECK(vtc_mtmd_eval_create(&p, &ev) == VTC_ERROR_INVALID_ARGUMENT && !ev);
}

/* The conversion trap: 23 blocks, no feature_layer, clip runs 22; chained to the host's callback. */
static int check_conversion_trap(const char *path)
{
    write_gguf(path, 0);
    host_cb hc;
    memset(&hc, 0, sizeof(hc));
    vtc_mtmd_eval *ev = NULL;
    vtc_mtmd_eval_params p = {.size = sizeof(p), .layer = VTC_MTMD_EVAL_LAYER_AUTO, .mmproj_path = path,
                              .chain = host_fn, .chain_user_data = &hc};
    CHECK(vtc_mtmd_eval_create(&p, &ev) == VTC_SUCCESS && ev);
    if (!ev)
        return -1;
    /* not armed (mtmd's warmup, other encodes): nothing of the helper's, the host's callback as before */
    int nodes = run_graph(vtc_mtmd_eval_callback, ev, 22);
    CHECK(nodes == 22 * 7 && hc.asked == 22 * 7 && hc.handed == 1 && hc.handed_other == 0);
    vtc_mtmd_eval_info inf = {.size = sizeof(inf)};
    CHECK(!vtc_mtmd_eval_get_info(ev, &inf) && inf.status == VTC_MTMD_EVAL_NOT_CAPTURED && !inf.q);
    CHECK(zip(ev, NP - 1) == VTC_ERROR_UNSUPPORTED);
    const char *m = vtc_mtmd_eval_message(ev);
    CHECK(m && strstr(m, "vtc_mtmd_eval_begin"));

    memset(&hc, 0, sizeof(hc));
    encode(ev, 22);
    CHECK(hc.handed == 1 && hc.handed_other == 0); /* the helper's claims are not handed to the host */
    CHECK(!vtc_mtmd_eval_get_info(ev, &inf));
    CHECK(inf.status == VTC_MTMD_EVAL_LAYER_MISMATCH && inf.layer_target == 22 && inf.layer_used == 21 &&
          inf.layer_last_run == 21 && inf.heads == H && inf.head_dim == DH && inf.n_pos == NP && inf.frames == 1);
    CHECK(inf.q && !memcmp(inf.q, qd[21], sizeof(qd[21])) && inf.k && !memcmp(inf.k, kd[21], sizeof(kd[21])));
    CHECK(!inf.layer_out);
    CHECK(zip(ev, NP - 2) == VTC_ERROR_INVALID_ARGUMENT);
    (void)vtc_mtmd_eval_message(ev);
    encode(ev, 22);
    CHECK(zip(ev, NP - 1) == VTC_SUCCESS);
    m = vtc_mtmd_eval_message(ev);
    CHECK(m && strstr(m, "clip.vision.feature_layer = [23]") && strstr(m, "Kcur-21"));
    CHECK(vtc_mtmd_eval_message(ev) == NULL);
    /* VisionZip's dominant rows are the top CLS->key scores of block 21 */
    uint32_t dom = 0, ctxt = 0;
    api->token_split(20, 0, &dom, &ctxt);
    CHECK(n_out == 20 && dom + ctxt == 20 && dom > 0);
    check_dominant_rows(21, dom);
    /* a second mismatch is not said again */
    encode(ev, 22);
    CHECK(zip(ev, NP - 1) == VTC_SUCCESS);
    CHECK(vtc_mtmd_eval_message(ev) == NULL);
    /* the host cancels: the encode stops there, the helper passes the false on */
    memset(&hc, 0, sizeof(hc));
    hc.cancel_at_layer_out = 1;
    vtc_mtmd_eval_begin(ev);
    nodes = run_graph(vtc_mtmd_eval_callback, ev, 22);
    CHECK(nodes == 5 * 7 + 7 && hc.handed == 2);
    vtc_mtmd_eval_destroy(ev);
    return 0;
}

/* feature_layer = [7, 23]: clip runs 23 blocks, block 22 is layer -2, no message; layer_out copied */
static void check_feature_layer(const char *path)
{
    write_gguf(path, 1);
    vtc_mtmd_eval *ev = NULL;
    vtc_mtmd_eval_params p = {.layer = VTC_MTMD_EVAL_LAYER_AUTO, .mmproj_path = path,
                              .flags = VTC_MTMD_EVAL_LAYER_OUT};
    CHECK(vtc_mtmd_eval_create(&p, &ev) == VTC_SUCCESS && ev);
    encode(ev, 23);
    vtc_mtmd_eval_info inf = {.size = sizeof(inf)};
    CHECK(!vtc_mtmd_eval_get_info(ev, &inf) && inf.status == VTC_MTMD_EVAL_OK && inf.layer_used == 22 &&
          inf.layer_target == 22 && inf.layer_last_run == 22 && inf.layer_out && inf.n_embd_v == DH);
    CHECK(zip(ev, NP - 1) == VTC_SUCCESS);
    CHECK(vtc_mtmd_eval_message(ev) == NULL);
    uint32_t dom = 0, ctxt = 0;
    api->token_split(20, 0, &dom, &ctxt);
    check_dominant_rows(22, dom);
    vtc_mtmd_grid g;
    CHECK(!vtc_mtmd_eval_grid(ev, &g) && g.grid_h == S && g.grid_w == S && !g.has_cls && g.n_frames == 1);
    vtc_mtmd_eval_destroy(ev);
    remove(path);
}

/* A helper made from `p` captures nothing usable in a 22-block encode: its VisionZip
   is refused, and its message names `said`. */
static void check_refused(const vtc_mtmd_eval_params *p, const char *said)
{
    vtc_mtmd_eval *ev = NULL;
    CHECK(vtc_mtmd_eval_create(p, &ev) == VTC_SUCCESS && ev);
    encode(ev, 22);
    CHECK(zip(ev, NP - 1) == VTC_ERROR_UNSUPPORTED);
    const char *m = vtc_mtmd_eval_message(ev);
    CHECK(m && strstr(m, said));
    vtc_mtmd_eval_destroy(ev);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_mtmd_eval LIBVTC\n");
        return 2;
    }
    srand(7);
    for (int l = 0; l < LAYERS; l++)
        for (int i = 0; i < NP * H * DH; i++) {
            qd[l][i] = (float)rand() / RAND_MAX - 0.5f;
            kd[l][i] = (float)rand() / RAND_MAX - 0.5f;
        }
    for (int i = 0; i < (NP - 1) * E; i++)
        embd[i] = (float)rand() / RAND_MAX - 0.5f;

    vtc_loader L;
    if (vtc_loader_open(&L, argv[1])) {
        fprintf(stderr, "%s\n", L.error);
        return 1;
    }
    api = L.api;
    if (api->context_create(NULL, &ctx)) {
        fprintf(stderr, "no vtc context\n");
        return 1;
    }
    check_bad_params(argv[1]);
    char path[256];
    snprintf(path, sizeof(path), "/tmp/vtc_test_mtmd_eval_%d.gguf", (int)getpid());
    if (check_conversion_trap(path))
        return 1;
    check_feature_layer(path);
    /* keys given directly, strict: the mismatch is an error */
    vtc_mtmd_eval_params strict = {.layer = VTC_MTMD_EVAL_LAYER_AUTO, .block_count = LAYERS, .feature_layer = -1,
                                   .flags = VTC_MTMD_EVAL_STRICT};
    check_refused(&strict, "feature_layer");
    /* an explicit layer the graph never reaches */
    vtc_mtmd_eval_params unreached = {.layer = 30};
    check_refused(&unreached, "Qcur-30");
    vtc_mtmd_eval_destroy(NULL);

    api->context_destroy(ctx);
    vtc_loader_close(&L);
    if (fails)
        fprintf(stderr, "%d check(s) failed\n", fails);
    else
        printf("vtc_mtmd_eval: layer rule, claims, chaining, messages and VisionZip's rows as expected\n");
    return fails ? 1 : 0;
}
