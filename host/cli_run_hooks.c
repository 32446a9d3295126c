/*
 * What `vtc run OP` cannot read from the op's descriptor: a paragraph on
 * what the op does, and the flags that are neither a tensor nor a parameter
 * of its args (compress's weight file, visionzip's token budget, prune's
 * rate, the token-grid picture). Everything else is generic (cli_run.c).
 */
#include "cli_run.h"
#include "compress_weights.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int value(cli_run *st, int argc, char **argv, int *i, const char **v)
{
    if (*i + 1 >= argc) {
        cli_usage_error(st->d->name, "%s needs a value", argv[*i]);
        return -1;
    }
    *v = argv[++*i];
    return 1;
}

static int tensor_index(const cli_run *st, const char *name)
{
    return (int)(vtc_op_desc_tensor(st->d, name) - st->d->tensors);
}

/* ---- the token grid (visionzip, prune): --png FILE ----------------------- */
typedef struct grid_state {
    const char *png;
    const char *tokens, *rate;  /* visionzip --tokens, prune --prune-rate */
} grid_state;

static grid_state *grid(cli_run *st)
{
    if (!st->hook_state)
        st->hook_state = calloc(1, sizeof(grid_state));
    return st->hook_state;
}

static int grid_flag(cli_run *st, int argc, char **argv, int *i)
{
    grid_state *g = grid(st);
    if (!g)
        return -1;
    if (!strcmp(argv[*i], "--png")) {
        st->hook_outputs = 1;
        st->want[tensor_index(st, "src_idx")] = 1; /* the picture is drawn from it */
        return value(st, argc, argv, i, &g->png);
    }
    if (!strcmp(argv[*i], "--tokens") && !strcmp(st->d->name, "visionzip"))
        return value(st, argc, argv, i, &g->tokens);
    if (!strcmp(argv[*i], "--prune-rate") && !strcmp(st->d->name, "prune"))
        return value(st, argc, argv, i, &g->rate);
    return 0;
}

/* Draws from src_idx and the compared rows (metric, else hidden). */
static int grid_after(cli_run *st)
{
    grid_state *g = st->hook_state;
    if (!g || !g->png)
        return 0;
    int vz = !strcmp(st->d->name, "visionzip");
    const cli_array *rows = st->path[tensor_index(st, "metric")] ? &st->in[tensor_index(st, "metric")]
                                                                   : &st->in[tensor_index(st, "hidden")];
    const vtc_tensor *src = vtc_op_tensor_in_const(vtc_op_desc_tensor(st->d, "src_idx"), st->args);
    if (!rows->a.data || rows->a.ndim != 3)
        return cli_error("--png: needs the rows compared (--metric)");
    const vtc_visionzip_args *va = (const void *)st->args;
    const vtc_prune_args *pa = (const void *)st->args;
    int keep_cls = vz ? !va->no_cls : 0, k = vz ? (int)va->dominant : (int)pa->keep;
    int c = vz ? (int)va->contextual : (int)pa->contextual;
    float *m = malloc(sizeof(float) * rows->a.count + 4);
    if (!m)
        return cli_error("out of memory");
    npy_to_f32(&rows->a, m);
    int rc = cli_token_grid_png(g->png, (int)rows->a.shape[0], (int)rows->a.shape[1], keep_cls, (int)rows->a.shape[2],
                                k, c, m, src->host);
    free(m);
    if (!rc)
        printf("token grid written to %s\n", g->png);
    return rc;
}

static void free_state(cli_run *st)
{
    free(st->hook_state);
    st->hook_state = NULL;
}

/* scores and visionzip: without --mode, qk_cls when q and k are given
   rather than attn (attn_cls, the parameter's 0, otherwise) */
static int score_mode_default(cli_run *st)
{
    const vtc_op_param_desc *p = vtc_op_desc_param(st->d, "score_mode");
    if (!p)
        p = vtc_op_desc_param(st->d, "mode");
    if (p && !(st->params_given & (1u << (p - st->d->params))) && !st->path[tensor_index(st, "attn")] &&
        st->path[tensor_index(st, "q")])
        vtc_op_param_set(p, st->args, VTC_SCORE_QK_CLS);
    return 0;
}

/* visionzip --tokens T: the official split of T output tokens */
static int visionzip_before(cli_run *st)
{
    score_mode_default(st);
    grid_state *g = st->hook_state;
    vtc_visionzip_args *a = (void *)st->args;
    uint32_t T;
    if (!g || !g->tokens)
        return 0;
    if (cli_parse_u32(g->tokens, &T))
        return cli_usage_error("visionzip", "--tokens must be a non-negative integer");
    if (a->dominant || a->contextual)
        return cli_usage_error("visionzip", "give --tokens, or --dominant and --contextual");
    st->api->token_split(T, a->no_cls ? 0 : 1, &a->dominant, &a->contextual);
    return 0;
}

/* prune --prune-rate R: K = N - floor(N R), llama.cpp's --image-pruning-rate */
static int prune_before(cli_run *st)
{
    grid_state *g = st->hook_state;
    vtc_prune_args *a = (void *)st->args;
    float rate;
    if (!g || !g->rate)
        return 0;
    if (cli_parse_float(g->rate, &rate) || !(rate >= 0.0f && rate < 1.0f))
        return cli_usage_error("prune", "--prune-rate must be in [0, 1)");
    if (a->keep)
        return cli_usage_error("prune", "give --keep or --prune-rate");
    int64_t N = a->hidden.shape[1];
    a->keep = (uint32_t)(N - (int64_t)floor((double)N * rate));
    return 0;
}

/* ---- compress: the weight set from a checkpoint --------------------------- */
typedef struct weights_state {
    const char *path, *prefix, *heads;
    cw_host cw;
    vtc_weights w;
} weights_state;

static int compress_flag(cli_run *st, int argc, char **argv, int *i)
{
    if (!st->hook_state && !(st->hook_state = calloc(1, sizeof(weights_state))))
        return -1;
    weights_state *ws = st->hook_state;
    if (!strcmp(argv[*i], "--weights"))
        return value(st, argc, argv, i, &ws->path);
    if (!strcmp(argv[*i], "--prefix"))
        return value(st, argc, argv, i, &ws->prefix);
    if (!strcmp(argv[*i], "--heads"))
        return value(st, argc, argv, i, &ws->heads);
    return 0;
}

static int compress_before(cli_run *st)
{
    weights_state *ws = st->hook_state;
    vtc_compress_args *a = (void *)st->args;
    uint32_t heads = 8;
    char err[512];
    if (!ws || !ws->path)
        return cli_usage_error("compress", "--weights is required");
    if (ws->heads && (cli_parse_u32(ws->heads, &heads) || heads < 1))
        return cli_usage_error("compress", "--heads must be a positive integer");
    if (cw_load(ws->path, ws->prefix ? ws->prefix : CW_DEFAULT_PREFIX, heads, &ws->cw, err, sizeof(err)))
        return cli_error("%s", err);
    if (a->x.shape[2] != ws->cw.shapes[0][1])
        return cli_error("%s: tokens are %lld wide but the checkpoint's query is %lld wide", st->path[0],
                         (long long)a->x.shape[2], (long long)ws->cw.shapes[0][1]);
    vtc_result r = st->api->compress_weights_create(st->ctx, &ws->cw.desc, &ws->w);
    if (r)
        return cli_vtc_error(st->api, "compress weights", r);
    a->weights = ws->w;
    a->out.ndim = 2;
    a->out.shape[1] = ws->cw.shapes[0][0]; /* Q: the checkpoint's queries (shape_outputs reads it) */
    return 0;
}

static void compress_cleanup(cli_run *st)
{
    weights_state *ws = st->hook_state;
    if (ws) {
        if (ws->w)
            st->api->compress_weights_destroy(st->ctx, ws->w);
        cw_free(&ws->cw);
    }
    free_state(st);
}

static const cli_run_hook hooks[] = {
    {"scores", NULL,
     "VisionZip attention scores (SPEC 1.1): how much each token is attended to. Without --mode:\n"
     "attn_cls with --attn, qk_cls with --q and --k.",
     NULL, NULL, score_mode_default},
    {"select", NULL,
     "VisionZip dominant-token selection (SPEC 1.2): keeps the CLS token (unless --no-cls) and the k\n"
     "highest-scoring others (ties: lower index; NaN ranks last), indices ascending.",
     NULL},
    {"merge", NULL,
     "VisionZip contextual merging (SPEC 1.3): of the R rest tokens, every (R/c)-th is a target; each\n"
     "other joins the target whose metric row is most similar (cosine); out[i] = hidden[target i] +\n"
     "mean of the rows that joined it.",
     NULL},
    {"visionzip", "[--tokens T] [--png FILE]",
     "VisionZip in one fused call (SPEC 1.4): scores -> dominant tokens -> contextual merging.\n"
     "Output rows per image: [CLS; k dominant; c contextual]. Without --mode: attn_cls with --attn,\n"
     "qk_cls with --q and --k.",
     "  --tokens T         output tokens per image incl. CLS, split as the official settings\n"
     "                     (64 = 1+53+10, 128 = 1+107+20, 192 = 1+161+30; else ~5/6 dominant)\n"
     "  --png FILE         draw each image's token grid: dominant white (gold border), targets\n"
     "                     saturated with a black border, merged tokens a light\n"
     "                     shade of their target's colour\n",
     grid_flag, visionzip_before, grid_after, free_state},
    {"compress", "--weights W.safetensors [--prefix P] [--heads H]",
     "LLaVA-Mini's resampler (SPEC 2): C*C learned queries cross-attend to the N = g*g visual tokens\n"
     "of each image and replace them with C*C tokens. C comes from the checkpoint's query.",
     "  --weights W        .safetensors with the compressor's keys (F32, F16 or BF16): <prefix>query,\n"
     "                     ln_q.{weight,bias}, ln_kv.{weight,bias}, attn.in_proj_{weight,bias},\n"
     "                     attn.out_proj.{weight,bias}, [pos_embed]\n"
     "  --prefix P         key prefix (default model.compressor.)\n"
     "  --heads H          attention heads (default 8); E must be a multiple of H\n",
     compress_flag, compress_before, NULL, compress_cleanup},
    {"composite", NULL,
     "EE-MLLM composite attention (SPEC 3). Query row r sits at key position Nk - Nq + r. A visual\n"
     "row's output is its own value row; a text row attends with softmax(scale q.k) over every key\n"
     "at or before its position. kind: 0 text, 1 visual.",
     NULL},
    {"prune", "[--prune-rate R] [--png FILE]",
     "Keeps K of each image's N rows chosen from the embeddings alone (docs/prune.md), optionally\n"
     "followed by VisionZip's contextual merge of the rest.",
     "  --prune-rate R     instead of --keep: a share pruned, 0 <= R < 1, K = N - floor(N R)\n"
     "  --png FILE         draw each image's token grid (N a square): kept white (gold border),\n"
     "                     contextual targets and their merged tokens in colour\n",
     grid_flag, prune_before, grid_after, free_state},
    {"toy", NULL, "The template op (plugin/ops/toy): y = a x + b, element-wise.", NULL},
};

const cli_run_hook *cli_run_hook_of(const char *op)
{
    for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
        if (!strcmp(hooks[i].op, op))
            return &hooks[i];
    return NULL;
}
