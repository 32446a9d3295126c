#define _POSIX_C_SOURCE 200809L
#include "vtc_mtmd_eval.h"
#include "vtc_api.h"

#include "ggml.h"
#include "ggml-backend.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct vtc_mtmd_eval {
    vtc_mtmd_eval_params p;
    int32_t target;     /* VisionZip's layer -2 (or the explicit layer) */
    int32_t use;        /* the block claimed: target, or the last block clip is expected to run */
    int32_t block_count, feature_layer;

    /* the host's ask answer for the node asked last: ask = false follows it for the same node */
    const struct ggml_tensor *last_t;
    bool last_mine, last_host;

    /* capture of the armed encode */
    int armed, have_q, have_k, have_out, failed;
    int32_t last_run;
    int64_t ne[4], ne_out0;
    double copy_ms;
    float *q, *k, *out; /* grown to the largest image seen, then reused */
    size_t cap_qk, cap_out;

    int warned;                  /* the layer warning went out once */
    char msg[768], pending[768]; /* msg: handed to the host; pending: not yet handed */
};

static void set_msg(vtc_mtmd_eval *ev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->pending, sizeof(ev->pending), fmt, ap);
    va_end(ap);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* ---- a minimal GGUF key reader: header and key-value section only ---- */

enum { GG_U8, GG_I8, GG_U16, GG_I16, GG_U32, GG_I32, GG_F32, GG_BOOL, GG_STR, GG_ARR, GG_U64, GG_I64, GG_F64, GG_NTYPES };
static const uint8_t gg_size[GG_NTYPES] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

static int rd(FILE *f, void *p, size_t n) { return fread(p, 1, n, f) == n; }
static int rd_u64(FILE *f, uint64_t *v) { return rd(f, v, 8); }
static int rd_u32(FILE *f, uint32_t *v) { return rd(f, v, 4); }
static int skip(FILE *f, uint64_t n) { return n <= (uint64_t)INT64_MAX && fseeko(f, (off_t)n, SEEK_CUR) == 0; }

/* An integer scalar of GGUF type t as int64; 0 for a non-integer type. */
static int rd_int(FILE *f, uint32_t t, int64_t *v)
{
    union { uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32; uint64_t u64; int64_t i64; } u;
    if (t >= GG_NTYPES || !gg_size[t] || t == GG_F32 || t == GG_F64 || t == GG_BOOL || !rd(f, &u, gg_size[t]))
        return 0;
    switch (t) {
    case GG_U8: *v = u.u8; break;
    case GG_I8: *v = u.i8; break;
    case GG_U16: *v = u.u16; break;
    case GG_I16: *v = u.i16; break;
    case GG_U32: *v = u.u32; break;
    case GG_I32: *v = u.i32; break;
    case GG_U64: *v = u.u64 > (uint64_t)INT64_MAX ? -1 : (int64_t)u.u64; break;
    default: *v = u.i64; break;
    }
    return 1;
}

static int skip_value(FILE *f, uint32_t t)
{
    uint64_t n;
    if (t == GG_STR)
        return rd_u64(f, &n) && skip(f, n);
    if (t == GG_ARR) {
        uint32_t et;
        if (!rd_u32(f, &et) || !rd_u64(f, &n) || et == GG_ARR || et >= GG_NTYPES)
            return 0;
        if (et != GG_STR)
            return n <= (uint64_t)INT64_MAX / 8 && skip(f, n * gg_size[et]);
        for (uint64_t i = 0; i < n; i++)
            if (!rd_u64(f, &n) || !skip(f, n))
                return 0;
        return 1;
    }
    return t < GG_NTYPES && skip(f, gg_size[t]);
}

/* clip.vision.block_count and the largest clip.vision.feature_layer (-1 absent). */
static vtc_result read_gguf(vtc_mtmd_eval *ev, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_msg(ev, "vtc_mtmd_eval: cannot open %s", path);
        return VTC_ERROR_INVALID_ARGUMENT;
    }
    char magic[4];
    uint32_t ver = 0;
    uint64_t n_tensors = 0, n_kv = 0;
    int ok = rd(f, magic, 4) && !memcmp(magic, "GGUF", 4) && rd_u32(f, &ver) && (ver == 2 || ver == 3) &&
             rd_u64(f, &n_tensors) && rd_u64(f, &n_kv);
    ev->block_count = -1;
    ev->feature_layer = -1;
    for (uint64_t i = 0; ok && i < n_kv; i++) {
        uint64_t klen = 0;
        char key[96];
        uint32_t t = 0;
        ok = rd_u64(f, &klen) && klen < 65536;
        if (!ok)
            break;
        int keep = klen < sizeof(key);
        ok = keep ? rd(f, key, (size_t)klen) : skip(f, klen);
        if (!ok || !rd_u32(f, &t)) {
            ok = 0;
            break;
        }
        if (keep)
            key[klen] = '\0';
        if (keep && !strcmp(key, "clip.vision.block_count")) {
            int64_t v;
            ok = rd_int(f, t, &v);
            ev->block_count = ok && v > 0 && v < 65536 ? (int32_t)v : -1;
        } else if (keep && !strcmp(key, "clip.vision.feature_layer") && t == GG_ARR) {
            uint32_t et = 0;
            uint64_t n = 0;
            ok = rd_u32(f, &et) && rd_u64(f, &n) && n < 4096;
            for (uint64_t j = 0; ok && j < n; j++) {
                int64_t v;
                ok = rd_int(f, et, &v);
                if (ok && v < 65536 && v > ev->feature_layer)
                    ev->feature_layer = (int32_t)v;
            }
        } else {
            ok = skip_value(f, t);
        }
    }
    fclose(f);
    if (!ok) {
        set_msg(ev, "vtc_mtmd_eval: %s is not a readable GGUF (v2/v3) file", path);
        return VTC_ERROR_INVALID_ARGUMENT;
    }
    if (ev->block_count < 0) {
        set_msg(ev, "vtc_mtmd_eval: %s has no clip.vision.block_count (not a vision mmproj?)", path);
        return VTC_ERROR_INVALID_ARGUMENT;
    }
    return VTC_SUCCESS;
}

/* ---- create / destroy ---- */

vtc_result vtc_mtmd_eval_create(const vtc_mtmd_eval_params *params, vtc_mtmd_eval **out)
{
    if (out)
        *out = NULL;
    if (!params || !out || (params->size && params->size != sizeof(*params)))
        return VTC_ERROR_INVALID_ARGUMENT;
    vtc_mtmd_eval *ev = (vtc_mtmd_eval *)calloc(1, sizeof(*ev));
    if (!ev)
        return VTC_ERROR_OUT_OF_MEMORY;
    ev->p = *params;
    ev->p.mmproj_path = NULL; /* read during create only */
    ev->last_run = -1;
    vtc_result r = VTC_SUCCESS;
    if (params->layer >= 0) {
        ev->target = ev->use = params->layer;
        ev->block_count = ev->feature_layer = -1;
    } else if (params->layer != VTC_MTMD_EVAL_LAYER_AUTO) {
        r = VTC_ERROR_INVALID_ARGUMENT;
    } else {
        if (params->block_count) {
            ev->block_count = (int32_t)params->block_count;
            ev->feature_layer = params->feature_layer > 0 ? params->feature_layer : -1;
            if (params->block_count >= 65536 || params->feature_layer < -1 ||
                params->feature_layer > (int32_t)params->block_count)
                r = VTC_ERROR_INVALID_ARGUMENT;
        } else if (params->mmproj_path) {
            r = read_gguf(ev, params->mmproj_path);
        } else {
            r = VTC_ERROR_INVALID_ARGUMENT;
        }
        if (!r && ev->feature_layer > 0) {
            /* feature layer k is hidden_states[k], the output of block k-1; clip runs blocks 0..k-1 */
            ev->target = ev->use = ev->feature_layer - 1;
        } else if (!r) {
            /* the converter dropped HF's last block: layer -2 is the last block stored, but clip's LLaVA
               graph stops one block before it, so the last block it runs is what can be scored */
            ev->target = ev->block_count - 1;
            ev->use = ev->block_count - 2;
            if (ev->use < 0)
                r = VTC_ERROR_INVALID_ARGUMENT;
        }
        if (!r && ev->feature_layer > ev->block_count)
            r = VTC_ERROR_INVALID_ARGUMENT;
    }
    if (r) {
        free(ev);
        return r;
    }
    *out = ev;
    return VTC_SUCCESS;
}

void vtc_mtmd_eval_destroy(vtc_mtmd_eval *ev)
{
    if (!ev)
        return;
    free(ev->q);
    free(ev->k);
    free(ev->out);
    free(ev);
}

void vtc_mtmd_eval_begin(vtc_mtmd_eval *ev)
{
    if (!ev)
        return;
    ev->armed = 1;
    ev->have_q = ev->have_k = ev->have_out = ev->failed = 0;
    ev->last_run = -1;
    ev->copy_ms = 0.0;
    ev->last_t = NULL;
    memset(ev->ne, 0, sizeof(ev->ne));
    ev->ne_out0 = 0;
}

/* ---- the callback ---- */

enum { N_NONE, N_Q, N_K, N_OUT };

/* "Qcur-12" -> N_Q, 12; exact names only (clip also names Qcur_norm-12, Qcur_pos-12, ...). */
static int parse_name(const char *name, int32_t *layer)
{
    static const struct { const char *p; int kind; } pre[] = {{"Qcur-", N_Q}, {"Kcur-", N_K}, {"layer_out-", N_OUT}};
    for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
        size_t n = strlen(pre[i].p);
        if (strncmp(name, pre[i].p, n))
            continue;
        const char *s = name + n;
        int32_t v = 0;
        if (!*s)
            return N_NONE;
        for (; *s; s++) {
            if (*s < '0' || *s > '9' || v > 100000)
                return N_NONE;
            v = v * 10 + (*s - '0');
        }
        *layer = v;
        return pre[i].kind;
    }
    return N_NONE;
}

/* Whether the helper wants this node; notes the highest layer_out seen. Only while armed. */
static bool want(vtc_mtmd_eval *ev, const struct ggml_tensor *t, bool note)
{
    if (!ev->armed)
        return false;
    int32_t layer = -1;
    int kind = parse_name(ggml_get_name(t), &layer);
    if (kind == N_OUT && note && layer > ev->last_run)
        ev->last_run = layer;
    if (layer != ev->use)
        return false;
    return kind == N_Q || kind == N_K || (kind == N_OUT && (ev->p.flags & VTC_MTMD_EVAL_LAYER_OUT));
}

static void fail(vtc_mtmd_eval *ev, const char *what, const struct ggml_tensor *t)
{
    if (ev->failed)
        return;
    ev->failed = 1;
    set_msg(ev, "vtc_mtmd_eval: cannot copy %s (type %d, ne [%lld, %lld, %lld, %lld]): %s", ggml_get_name(t), (int)t->type,
            (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3], what);
}

/* Grows *buf to n floats (only when an image is larger than any before). */
static int reserve(float **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 1;
    float *p = (float *)realloc(*buf, n * sizeof(float));
    if (!p)
        return 0;
    *buf = p;
    *cap = n;
    return 1;
}

static void copy_out(vtc_mtmd_eval *ev, const struct ggml_tensor *t)
{
    double t0 = now_ms();
    int32_t layer = -1;
    int kind = parse_name(ggml_get_name(t), &layer);
    if (t->type != GGML_TYPE_F32 || !ggml_is_contiguous(t)) {
        fail(ev, "not a contiguous F32 tensor", t);
        return;
    }
    size_t bytes = ggml_nbytes(t), n = bytes / sizeof(float);
    if (kind == N_OUT) {
        if (!reserve(&ev->out, &ev->cap_out, n)) {
            fail(ev, "out of memory", t);
            return;
        }
        ggml_backend_tensor_get(t, ev->out, 0, bytes);
        ev->ne_out0 = t->ne[0];
        ev->have_out = 1;
    } else {
        /* Q and K must agree: the second one seen is checked against the first */
        if ((ev->have_q || ev->have_k) && memcmp(ev->ne, t->ne, sizeof(ev->ne))) {
            fail(ev, "Qcur and Kcur shapes differ", t);
            return;
        }
        float **buf = kind == N_Q ? &ev->q : &ev->k;
        if (n > ev->cap_qk) {
            /* q and k share one capacity: grow both together */
            float *nq = (float *)realloc(ev->q, n * sizeof(float));
            if (nq)
                ev->q = nq;
            float *nk = nq ? (float *)realloc(ev->k, n * sizeof(float)) : NULL;
            if (nk)
                ev->k = nk;
            if (!nq || !nk) {
                fail(ev, "out of memory", t);
                return;
            }
            ev->cap_qk = n;
        }
        ggml_backend_tensor_get(t, *buf, 0, bytes);
        memcpy(ev->ne, t->ne, sizeof(ev->ne));
        if (kind == N_Q)
            ev->have_q = 1;
        else
            ev->have_k = 1;
    }
    ev->copy_ms += now_ms() - t0;
}

bool vtc_mtmd_eval_callback(struct ggml_tensor *t, bool ask, void *user_data)
{
    vtc_mtmd_eval *ev = (vtc_mtmd_eval *)user_data;
    if (!ev || !t)
        return ask ? false : true;
    if (ask) {
        bool mine = want(ev, t, true);
        bool host = ev->p.chain ? ev->p.chain(t, true, ev->p.chain_user_data) : false;
        ev->last_t = t;
        ev->last_mine = mine;
        ev->last_host = host;
        return mine || host;
    }
    bool same = t == ev->last_t;
    bool mine = same ? ev->last_mine : want(ev, t, false);
    bool host = same ? ev->last_host : ev->p.chain != NULL;
    if (mine)
        copy_out(ev, t);
    if (host)
        return ev->p.chain(t, false, ev->p.chain_user_data);
    return true;
}

/* ---- after the encode ---- */

static int32_t status_of(const vtc_mtmd_eval *ev)
{
    if (ev->failed)
        return VTC_MTMD_EVAL_FAILED;
    if (!ev->have_q || !ev->have_k)
        return VTC_MTMD_EVAL_NOT_CAPTURED;
    return ev->use == ev->target ? VTC_MTMD_EVAL_OK : VTC_MTMD_EVAL_LAYER_MISMATCH;
}

vtc_result vtc_mtmd_eval_get_info(const vtc_mtmd_eval *ev, vtc_mtmd_eval_info *info)
{
    if (!ev || !info || info->size < 8)
        return VTC_ERROR_INVALID_ARGUMENT;
    vtc_mtmd_eval_info v;
    memset(&v, 0, sizeof(v));
    v.size = info->size < sizeof(v) ? info->size : (uint32_t)sizeof(v);
    v.status = status_of(ev);
    v.layer_target = ev->target;
    v.layer_used = ev->have_q && ev->have_k ? ev->use : -1;
    v.layer_last_run = ev->last_run;
    int cap = ev->have_q && ev->have_k;
    v.head_dim = cap ? (uint32_t)ev->ne[0] : 0;
    v.heads = cap ? (uint32_t)ev->ne[1] : 0;
    v.n_pos = cap ? (uint32_t)ev->ne[2] : 0;
    v.frames = cap ? (uint32_t)ev->ne[3] : 0;
    v.n_embd_v = ev->have_out ? (uint32_t)ev->ne_out0 : 0;
    v.q = cap ? ev->q : NULL;
    v.k = cap ? ev->k : NULL;
    v.layer_out = ev->have_out ? ev->out : NULL;
    v.copy_ms = ev->copy_ms;
    memcpy(info, &v, v.size);
    return VTC_SUCCESS;
}

const char *vtc_mtmd_eval_message(vtc_mtmd_eval *ev)
{
    if (!ev || !ev->pending[0])
        return NULL;
    memcpy(ev->msg, ev->pending, sizeof(ev->msg));
    ev->pending[0] = '\0';
    return ev->msg;
}

/* The layer warning, once per helper. */
static void warn_layer(vtc_mtmd_eval *ev)
{
    if (ev->warned)
        return;
    ev->warned = 1;
    if (ev->last_run >= ev->target) {
        set_msg(ev, "vtc_mtmd_eval: clip ran block %d (VisionZip's layer -2 by this mmproj's keys) but the helper "
                "expected it to stop at block %d and scored with Kcur-%d; set vtc_mtmd_eval_params.layer = %d",
                ev->target, ev->use, ev->use, ev->target);
        return;
    }
    set_msg(ev, "vtc_mtmd_eval: this mmproj has clip.vision.block_count = %d and no clip.vision.feature_layer, so clip "
            "runs blocks 0..%d only: its last output is HF hidden_states[-3], one layer before the hidden_states[-2] "
            "LLaVA and VisionZip use (block %d, never computed). Tokens were scored with Kcur-%d instead. Fix the "
            "GGUF: add the INT32 array clip.vision.feature_layer = [%d] (convert with the LLaVA config's "
            "mm_vision_select_layer = -2, or add the key with gguf-py); clip then runs block %d too and both its "
            "embeddings and VisionZip use layer -2.",
            ev->block_count, ev->last_run, ev->target, ev->use, ev->block_count, ev->target);
}

vtc_result vtc_mtmd_eval_grid(const vtc_mtmd_eval *ev, vtc_mtmd_grid *grid)
{
    if (!ev || !grid || !ev->have_q || !ev->have_k || ev->ne[2] < 2)
        return VTC_ERROR_INVALID_ARGUMENT;
    int64_t P = ev->ne[2] - 1, s = (int64_t)llround(sqrt((double)P));
    if (s * s != P)
        return VTC_ERROR_INVALID_ARGUMENT;
    memset(grid, 0, sizeof(*grid));
    grid->n_frames = (uint32_t)ev->ne[3];
    grid->grid_h = grid->grid_w = (uint32_t)s;
    return VTC_SUCCESS;
}

/* VisionZip over the captured Qcur/Kcur (ggml ne = [head_dim, heads, rows], F32) as they lie.
   (Written without designated initializers: this file is also compiled as C++.) */
static vtc_mtmd_visionzip_desc capture_desc(const vtc_mtmd_eval *ev, uint32_t tokens)
{
    vtc_mtmd_visionzip_desc d;
    memset(&d, 0, sizeof(d));
    d.size = sizeof(d);
    d.tokens = tokens;
    d.score_mode = VTC_SCORE_QK_CLS;
    d.flags = VTC_MTMD_KEY_METRIC;
    d.head_dim = (uint32_t)ev->ne[0];
    d.heads = (uint32_t)ev->ne[1];
    d.q = ev->q;
    d.k = ev->k;
    d.qk_dtype = VTC_DTYPE_F32;
    d.score_tokens = (uint32_t)ev->ne[2];
    /* clip appends the class embedding after the patches (row ne[2] - 1), then
       hands the projector rows 1..ne[2] - 1 (clip.cpp's "patches" input,
       patches[i] = i + 1, written for a leading CLS): embedding row e is score
       row e + 1, and the last embedding row is the class embedding itself */
    d.score_first = 1;
    d.score_cls = (uint32_t)ev->ne[2] - 1;
    return d;
}

vtc_result vtc_mtmd_eval_visionzip(vtc_mtmd_eval *ev, const vtc_api_v1 *api, vtc_context ctx, uint32_t n_embd,
                                   const float *embd, uint32_t n_rows, uint32_t tokens, float *out_embd,
                                   vtc_mtmd_token *out_tok, uint32_t capacity, uint32_t *n_out)
{
    if (!ev)
        return VTC_ERROR_INVALID_ARGUMENT;
    if (!api || !embd || !out_embd || !n_out || !n_embd) {
        set_msg(ev, "vtc_mtmd_eval_visionzip: NULL argument or n_embd 0");
        return VTC_ERROR_INVALID_ARGUMENT;
    }
    ev->armed = 0;
    int32_t st = status_of(ev);
    if (st == VTC_MTMD_EVAL_FAILED)
        return VTC_ERROR_UNSUPPORTED; /* the callback's message is pending */
    if (st == VTC_MTMD_EVAL_NOT_CAPTURED) {
        set_msg(ev, "vtc_mtmd_eval_visionzip: no Qcur-%d/Kcur-%d captured (call vtc_mtmd_eval_begin before the "
                "encode; the highest layer_out clip ran was %d)", ev->use, ev->use, ev->last_run);
        return VTC_ERROR_UNSUPPORTED;
    }
    vtc_mtmd_grid g;
    if (vtc_mtmd_eval_grid(ev, &g)) {
        set_msg(ev, "vtc_mtmd_eval_visionzip: %lld score rows are not a CLS row plus a square patch grid",
                (long long)ev->ne[2]);
        return VTC_ERROR_INVALID_ARGUMENT;
    }
    if ((uint64_t)n_rows != (uint64_t)g.n_frames * g.grid_h * g.grid_w) {
        set_msg(ev, "vtc_mtmd_eval_visionzip: %u embedding rows, but the capture has %u frame(s) of %u patches", n_rows,
                g.n_frames, g.grid_h * g.grid_w);
        return VTC_ERROR_INVALID_ARGUMENT;
    }
    if (st == VTC_MTMD_EVAL_LAYER_MISMATCH) {
        warn_layer(ev);
        if (ev->p.flags & VTC_MTMD_EVAL_STRICT)
            return VTC_ERROR_UNSUPPORTED;
    }
    vtc_mtmd_visionzip_desc d = capture_desc(ev, tokens);
    vtc_result r = vtc_mtmd_visionzip(api, ctx, &g, n_embd, embd, &d, out_embd, out_tok, capacity, n_out);
    if (r) {
        /* a layer warning not yet handed over stays in front of the error */
        char warn[sizeof(ev->pending)];
        memcpy(warn, ev->pending, sizeof(warn));
        set_msg(ev, "%s%svtc_mtmd_eval_visionzip: vtc_mtmd_visionzip failed: %s", warn, warn[0] ? "\n" : "",
                api->result_string ? api->result_string(r) : "error");
    }
    return r;
}
