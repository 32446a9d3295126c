/*
 * vtc-mtmd: llama.cpp's multimodal path (libmtmd + libllama, stock API) with
 * vtc pruning the image chunk between encoding and decoding. Built only when
 * Meson is pointed at a llama.cpp build (-Dllama_cpp=DIR).
 *
 * Per image chunk it does what llama-mtmd-cli does (mtmd_batch_init /
 * add_chunk / mtmd_batch_encode / mtmd_batch_get_output_embd), then keeps
 * K rows with vtc and decodes only those with llama_decode:
 *   1-D RoPE models (LLaVA): positions COMPACT (n_past + i); llama_decode
 *     refuses the gaps ORIGINAL positions would leave.
 *   M-RoPE models (Qwen2-VL / Qwen2.5-VL): ORIGINAL (t, h, w) positions of
 *     the kept rows (vtc_mtmd_positions), 4 entries per row; n_past then
 *     advances by the unpruned chunk's n_pos, as the stock path does.
 * Text chunks go through mtmd_helper_eval_chunk_single, unchanged.
 */
#define _POSIX_C_SOURCE 200809L
#include "llama.h"
#include "mtmd.h"
#include "mtmd-helper.h"

#include "vtc.h"
#include "vtc_api.h"
#include "vtc_loader.h"
#include "vtc_mtmd.h"
#include "vtc_mtmd_eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { M_NONE, M_VISIONZIP, M_DIVPRUNE, M_DART };
static const char *const mode_names[] = {"none", "visionzip", "divprune", "dart"};

typedef struct opts {
    const char *model, *mmproj, *image, *prompt, *vtc_lib;
    int n_predict, threads, mode, compare, verbose, layer, n_ctx, repeat;
    double keep; /* >= 1: rows per image; in (0, 1): share of the image's rows */
} opts;

typedef struct stats {
    double encode, vtc, img_prefill, txt_prefill, ttft, gen_ms;
    int n_gen, rows_in, rows_out, n_past;
} stats;

typedef struct app {
    opts o;
    struct llama_model *model;
    struct llama_context *lctx;
    const struct llama_vocab *vocab;
    mtmd_context *mctx;
    mtmd_bitmap *bitmap;
    int n_embd, mrope, n_batch, said_self;
    vtc_loader loader;
    int have_loader;
    vtc_context vctx;
    vtc_mtmd_eval *ev;
    /* buffers grown per image size, reused across runs */
    float *out_embd;
    vtc_mtmd_token *tok;
    int32_t *pos, *pos_view;
    size_t cap_rows;
} app;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: vtc-mtmd -m MODEL.gguf --mmproj MMPROJ.gguf --image FILE -p PROMPT [options]\n"
        "\n"
        "Runs llama.cpp's multimodal path (libmtmd's batch encode, llama_decode) with vtc keeping K rows of\n"
        "each image chunk, generates greedily, and prints the time of each stage.\n"
        "\n"
        "  -m FILE            language model GGUF\n"
        "  --mmproj FILE      vision projector GGUF (mtmd)\n"
        "  --image FILE       image (any format libmtmd's helper reads: jpg, png, bmp, ...)\n"
        "  -p TEXT            prompt; the image goes where mtmd's marker (%s) is, or before the text\n"
        "                     when the prompt has none. Raw text: no chat template is applied\n"
        "  -n N               tokens to generate after the first (default 32; stops early at end of generation)\n"
        "  -t N               threads for mtmd and llama (default 2)\n"
        "  -c N               context size (default 4096)\n"
        "  --vtc MODE         none | visionzip | divprune | dart (default none)\n"
        "                       visionzip: CLIP encoders with a CLS token (LLaVA): scores from the encoder's own\n"
        "                         Qcur/Kcur via mtmd's eval callback (vtc_mtmd_eval); other encoders (no CLS,\n"
        "                         M-RoPE models): scores from the embeddings themselves (q = k = the rows in 64-wide\n"
        "                         heads, mean over queries), said on stderr\n"
        "                       divprune, dart: selection on the embeddings alone\n"
        "  --keep K           rows kept per image: an integer >= 1, or a share in (0, 1) such as 0.11\n"
        "                     (default 64)\n"
        "  --compare          run none, then MODE, in this process; print both and the ratios none/MODE\n"
        "  -r, --repeat N     run (each mode) N times, interleaved, and print the median of each stage\n"
        "                     (default 1; the first run includes vtc's pipeline creation)\n"
        "  --layer L          visionzip: score with clip block L (default: VisionZip's layer -2, from the mmproj's\n"
        "                     clip.vision.block_count / clip.vision.feature_layer)\n"
        "  --vtc-lib PATH     the vtc plugin (default: $VTC_PLUGIN_PATH, then libvtc.so.1 through the linker)\n"
        "  -v                 llama.cpp's and mtmd's own log on stderr (default: warnings and errors only)\n"
        "  -h, --help         this text\n"
        "\n"
        "Times (ms, wall clock, one run each): encode = mtmd_batch_encode; vtc = the vtc call (0 for none);\n"
        "image prefill = llama_decode of the kept rows; text prefill = the text chunks; TTFT = from tokenizing\n"
        "the prompt to the first generated token; tokens/s = the tokens after the first.\n"
        "Exit status 0 on success, 1 on bad arguments, 2 when loading or running fails.\n",
        mtmd_default_marker());
}

/* Where the value of an option that takes a file or text goes; NULL for other options. */
static const char **text_option(opts *o, const char *a)
{
    static const char *const names[] = {"-m", "--mmproj", "--image", "-p", "--vtc-lib"};
    const char **dest[] = {&o->model, &o->mmproj, &o->image, &o->prompt, &o->vtc_lib};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(a, names[i]))
            return dest[i];
    return NULL;
}

/* Where the value of an integer option goes and its least value (*lo); NULL for other options. */
static int *int_option(opts *o, const char *a, int *lo)
{
    static const char *const names[] = {"-n", "-t", "-c", "--layer", "-r", "--repeat"};
    static const int least[] = {0, 1, 1, 0, 1, 1};
    int *dest[] = {&o->n_predict, &o->threads, &o->n_ctx, &o->layer, &o->repeat, &o->repeat};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(a, names[i])) {
            *lo = least[i];
            return dest[i];
        }
    return NULL;
}

/* The value of option `a`: an integer lo..1000000, a mode name, or --keep's rows or share. 0, or 1 after saying why. */
static int parse_value(opts *o, const char *a, const char *v)
{
    char *end = NULL;
    int lo, *n = int_option(o, a, &lo);
    if (n) {
        long x = strtol(v, &end, 10);
        if (!*v || *end || x < lo || x > 1000000) {
            fprintf(stderr, "vtc-mtmd: %s wants an integer >= %d, got '%s'\n", a, lo, v);
            return 1;
        }
        *n = (int)x;
    } else if (!strcmp(a, "--vtc")) {
        int m = -1;
        for (int k = 0; k < 4; k++)
            if (!strcmp(v, mode_names[k]))
                m = k;
        if (m < 0) {
            fprintf(stderr, "vtc-mtmd: --vtc wants none, visionzip, divprune or dart, got '%s'\n", v);
            return 1;
        }
        o->mode = m;
    } else {
        double k = strtod(v, &end);
        if (!*v || *end || !(k > 0) || (k >= 1 && k != floor(k)) || k > 1e6) {
            fprintf(stderr, "vtc-mtmd: --keep wants an integer >= 1 or a share in (0, 1), got '%s'\n", v);
            return 1;
        }
        o->keep = k;
    }
    return 0;
}

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof(*o));
    o->n_predict = 32;
    o->threads = 2;
    o->keep = 64;
    o->layer = -1;
    o->n_ctx = 4096;
    o->repeat = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int lo;
        const char **text = text_option(o, a);
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--compare")) {
            o->compare = 1;
        } else if (!strcmp(a, "-v")) {
            o->verbose = 1;
        } else if (!text && !int_option(o, a, &lo) && strcmp(a, "--vtc") && strcmp(a, "--keep")) {
            fprintf(stderr, "vtc-mtmd: unknown option '%s' (see --help)\n", a);
            return 1;
        } else if (!v) {
            fprintf(stderr, "vtc-mtmd: %s needs a value\n", a);
            return 1;
        } else {
            i++;
            if (text)
                *text = v;
            else if (parse_value(o, a, v))
                return 1;
        }
    }
    if (o->repeat > 1000)
        o->repeat = 1000;
    if (!o->model || !o->mmproj || !o->image || !o->prompt) {
        fprintf(stderr, "vtc-mtmd: -m, --mmproj, --image and -p are required (see --help)\n");
        return 1;
    }
    if (o->compare && o->mode == M_NONE) {
        fprintf(stderr, "vtc-mtmd: --compare needs --vtc visionzip, divprune or dart\n");
        return 1;
    }
    return 0;
}

static void log_quiet(enum ggml_log_level level, const char *text, void *user_data)
{
    (void)user_data;
    if (level == GGML_LOG_LEVEL_WARN || level == GGML_LOG_LEVEL_ERROR)
        fputs(text, stderr);
}

static int grow(app *A, size_t rows)
{
    if (rows <= A->cap_rows)
        return 0;
    float *e = (float *)realloc(A->out_embd, rows * (size_t)A->n_embd * sizeof(float));
    if (e)
        A->out_embd = e;
    vtc_mtmd_token *t = (vtc_mtmd_token *)realloc(A->tok, rows * sizeof(vtc_mtmd_token));
    if (t)
        A->tok = t;
    int32_t *p = (int32_t *)realloc(A->pos, rows * 4 * sizeof(int32_t));
    if (p)
        A->pos = p;
    int32_t *pv = (int32_t *)realloc(A->pos_view, rows * 4 * sizeof(int32_t));
    if (pv)
        A->pos_view = pv;
    if (!e || !t || !p || !pv)
        return -1;
    A->cap_rows = rows;
    return 0;
}

/* Decodes n embedding rows with their positions (npp = 1 or 4 entries per row, pos laid out [npp][n]),
   in views of at most n_batch rows; no logits. */
static int decode_rows(app *A, float *embd, int n, const int32_t *pos, int npp)
{
    llama_seq_id seq0 = 0;
    llama_seq_id *seq_ptr[1];
    seq_ptr[0] = &seq0;
    int32_t one = 1;
    for (int off = 0; off < n; off += A->n_batch) {
        int c = n - off < A->n_batch ? n - off : A->n_batch;
        int32_t nseq[4096];
        llama_seq_id *seqs[4096];
        int8_t logits[4096];
        (void)one;
        for (int j = 0; j < c; j++) {
            nseq[j] = 1;
            seqs[j] = seq_ptr[0];
            logits[j] = 0;
        }
        for (int d = 0; d < npp; d++)
            for (int j = 0; j < c; j++)
                A->pos_view[(size_t)d * c + j] = pos[(size_t)d * n + off + j];
        llama_batch b;
        memset(&b, 0, sizeof(b));
        b.n_tokens = c;
        b.embd = embd + (size_t)off * A->n_embd;
        b.pos = A->pos_view;
        b.n_seq_id = nseq;
        b.seq_id = seqs;
        b.logits = logits;
        int r = llama_decode(A->lctx, b);
        if (r) {
            fprintf(stderr, "vtc-mtmd: llama_decode of image rows %d..%d failed (%d)\n", off, off + c - 1, r);
            return -1;
        }
    }
    return 0;
}

static llama_token argmax(app *A)
{
    const float *lg = llama_get_logits_ith(A->lctx, -1);
    int nv = llama_vocab_n_tokens(A->vocab);
    llama_token best = 0;
    for (int i = 1; i < nv; i++)
        if (lg[i] > lg[best])
            best = i;
    return best;
}

/* The grid of the chunk's rows: mtmd's decoder positions of the last row (M-RoPE), a square otherwise. */
static vtc_mtmd_grid chunk_grid(const app *A, const mtmd_image_tokens *img, size_t n_tok)
{
    vtc_mtmd_grid g;
    memset(&g, 0, sizeof(g));
    g.n_frames = 1;
    if (A->mrope) {
        struct mtmd_decoder_pos last = mtmd_image_tokens_get_decoder_pos(img, 0, n_tok - 1);
        g.grid_h = last.y + 1;
        g.grid_w = last.x + 1;
    } else {
        uint32_t s = (uint32_t)llround(sqrt((double)n_tok));
        g.grid_h = g.grid_w = s;
    }
    return g;
}

/* VisionZip without the encoder's scores: the embeddings attend to themselves. 0 with *r
   vtc's result, or -1 after saying why the model's rows cannot be read that way. */
static int self_visionzip(app *A, const vtc_mtmd_grid *g, const float *embd, uint32_t keep, uint32_t *n_out,
                          vtc_result *r)
{
    /* no CLS and no per-row encoder scores here: the embeddings attend to themselves, split into
       64-wide heads (vtc's head width limit is 256), mean over every query (QK_MEAN) */
    if (!A->said_self) {
        A->said_self = 1;
        fprintf(stderr, "vtc-mtmd: visionzip without the encoder's scores: scores from the embeddings "
                        "(q = k = the rows, %d heads of 64, mean over queries), not the encoder's attention\n",
                A->n_embd / 64);
    }
    if (A->n_embd % 64) {
        fprintf(stderr, "vtc-mtmd: n_embd_inp %d is not a multiple of 64: use --vtc divprune or dart\n", A->n_embd);
        return -1;
    }
    vtc_mtmd_visionzip_desc d;
    memset(&d, 0, sizeof(d));
    d.size = sizeof(d);
    d.tokens = keep;
    d.score_mode = VTC_SCORE_QK_MEAN;
    d.heads = (uint32_t)A->n_embd / 64;
    d.head_dim = 64;
    d.q = embd;
    d.k = embd;
    *r = vtc_mtmd_visionzip(A->loader.api, A->vctx, g, (uint32_t)A->n_embd, embd, &d, A->out_embd, A->tok,
                            (uint32_t)A->cap_rows, n_out);
    return 0;
}

/* vtc keeps --keep of the chunk's n_tok rows into A->out_embd and A->tok. 0, or -1 after saying why. */
static int keep_rows(app *A, int mode, int use_eval, const vtc_mtmd_grid *g, const float *embd, size_t n_tok,
                     uint32_t *n_out)
{
    uint32_t keep = A->o.keep >= 1 ? (uint32_t)A->o.keep : (uint32_t)lround(A->o.keep * (double)n_tok);
    if (keep < 1)
        keep = 1;
    vtc_result r;
    if (mode == M_VISIONZIP && use_eval) {
        r = vtc_mtmd_eval_visionzip(A->ev, A->loader.api, A->vctx, (uint32_t)A->n_embd, embd, (uint32_t)n_tok, keep,
                                    A->out_embd, A->tok, (uint32_t)A->cap_rows, n_out);
        const char *m = vtc_mtmd_eval_message(A->ev);
        if (m)
            fprintf(stderr, "%s\n", m);
    } else if (mode == M_VISIONZIP) {
        if (self_visionzip(A, g, embd, keep, n_out, &r))
            return -1;
    } else {
        vtc_mtmd_prune_desc d;
        memset(&d, 0, sizeof(d));
        d.size = sizeof(d);
        d.mode = mode == M_DART ? VTC_PRUNE_DART : VTC_PRUNE_DIVPRUNE;
        d.tokens = keep;
        r = vtc_mtmd_prune(A->loader.api, A->vctx, g, (uint32_t)A->n_embd, embd, &d, A->out_embd, A->tok,
                           (uint32_t)A->cap_rows, n_out);
    }
    if (r) {
        fprintf(stderr, "vtc-mtmd: vtc %s failed: %s\n", mode_names[mode], A->loader.api->result_string(r));
        return -1;
    }
    return 0;
}

/* The stock positions of all n_tok rows: what mtmd_helper_decode_image_chunk sets. */
static void stock_positions(app *A, const mtmd_image_tokens *img, size_t n_tok, llama_pos n_past)
{
    for (size_t i = 0; i < n_tok; i++) {
        struct mtmd_decoder_pos p = mtmd_image_tokens_get_decoder_pos(img, n_past, i);
        if (A->mrope) {
            A->pos[i] = (int32_t)p.t;
            A->pos[n_tok + i] = (int32_t)p.y;
            A->pos[2 * n_tok + i] = (int32_t)p.x;
            A->pos[3 * n_tok + i] = (int32_t)p.z;
        } else {
            A->pos[i] = n_past + (int32_t)i;
        }
    }
}

/* The kept rows' positions (ORIGINAL for M-RoPE, COMPACT otherwise) and *advance, n_past's step.
   0, or -1 when the M-RoPE positions disagree with mtmd's for the full chunk. */
static int kept_positions(app *A, const mtmd_image_tokens *img, const vtc_mtmd_grid *g, uint32_t n_out,
                          llama_pos chunk_n_pos, llama_pos n_past, llama_pos *advance)
{
    *advance = (llama_pos)vtc_mtmd_positions(A->tok, n_out, g, A->mrope ? VTC_MTMD_POS_ORIGINAL : VTC_MTMD_POS_COMPACT,
                                             (uint32_t)A->mrope, n_past, A->pos);
    if (!A->mrope)
        return 0;
    /* the kept rows must sit where mtmd puts them in the full chunk */
    int bad = *advance != chunk_n_pos;
    for (uint32_t i = 0; i < n_out && !bad; i++) {
        if (A->tok[i].index < 0)
            continue;
        struct mtmd_decoder_pos p = mtmd_image_tokens_get_decoder_pos(img, n_past, (size_t)A->tok[i].index);
        bad = A->pos[i] != (int32_t)p.t || A->pos[n_out + i] != (int32_t)p.y || A->pos[2 * n_out + i] != (int32_t)p.x;
    }
    if (bad) {
        fprintf(stderr, "vtc-mtmd: internal error: vtc_mtmd_positions disagrees with mtmd's decoder positions\n");
        return -1;
    }
    return 0;
}

/* The encoded chunk's n_tok rows in embd: vtc keeps some (unless mode is M_NONE), then llama_decode. */
static int keep_and_decode(app *A, const mtmd_input_chunk *chunk, float *embd, size_t n_tok, int mode, int use_eval,
                           stats *st, llama_pos *n_past)
{
    const mtmd_image_tokens *img = mtmd_input_chunk_get_tokens_image(chunk);
    vtc_mtmd_grid g = chunk_grid(A, img, n_tok);
    llama_pos chunk_n_pos = mtmd_input_chunk_get_n_pos(chunk);
    float *rows = embd;
    uint32_t n_out = (uint32_t)n_tok;
    llama_pos advance = chunk_n_pos;
    if (mode != M_NONE) {
        if ((size_t)g.grid_h * g.grid_w != n_tok) {
            fprintf(stderr, "vtc-mtmd: %zu image rows are not a %ux%u grid; cannot prune this model's chunks\n", n_tok,
                    g.grid_h, g.grid_w);
            return -1;
        }
        double t = now_ms();
        int r = keep_rows(A, mode, use_eval, &g, embd, n_tok, &n_out);
        st->vtc += now_ms() - t;
        if (r || kept_positions(A, img, &g, n_out, chunk_n_pos, *n_past, &advance))
            return -1;
        rows = A->out_embd;
    } else {
        stock_positions(A, img, n_tok, *n_past);
    }
    bool non_causal = mtmd_decode_use_non_causal(A->mctx, chunk);
    double t = now_ms();
    if (non_causal)
        llama_set_causal_attn(A->lctx, false);
    int rc = decode_rows(A, rows, (int)n_out, A->pos, A->mrope ? 4 : 1);
    if (non_causal)
        llama_set_causal_attn(A->lctx, true);
    st->img_prefill += now_ms() - t;
    st->rows_in += (int)n_tok;
    st->rows_out += (int)n_out;
    *n_past += advance;
    return rc;
}

/* The image chunk: encode, prune, decode. Adds the stage times to st and advances *n_past. */
static int image_chunk(app *A, const mtmd_input_chunk *chunk, int mode, stats *st, llama_pos *n_past)
{
    const mtmd_image_tokens *img = mtmd_input_chunk_get_tokens_image(chunk);
    size_t n_tok = mtmd_input_chunk_get_n_tokens(chunk);
    if (!img || !n_tok) {
        fprintf(stderr, "vtc-mtmd: not an image chunk\n");
        return -1;
    }
    int use_eval = mode == M_VISIONZIP && A->ev && !A->mrope;
    if (use_eval)
        vtc_mtmd_eval_begin(A->ev);
    double t = now_ms();
    mtmd_batch *mb = mtmd_batch_init(A->mctx);
    int encoded = mb && mtmd_batch_add_chunk(mb, chunk) == 0 && mtmd_batch_encode(mb) == 0;
    float *embd = encoded ? mtmd_batch_get_output_embd(mb, chunk) : NULL;
    st->encode += now_ms() - t;
    int rc = -1;
    if (!encoded)
        fprintf(stderr, "vtc-mtmd: mtmd_batch_encode failed\n");
    else if (!embd)
        fprintf(stderr, "vtc-mtmd: mtmd_batch_get_output_embd returned NULL\n");
    else if (grow(A, n_tok))
        fprintf(stderr, "vtc-mtmd: out of memory\n");
    else
        rc = keep_and_decode(A, chunk, embd, n_tok, mode, use_eval, st, n_past);
    mtmd_batch_free(mb);
    return rc;
}

/* The prompt with mtmd's image marker: where the user put it, else before the text (malloc'd). */
static char *prompt_text(const app *A)
{
    const char *marker = mtmd_default_marker();
    size_t len = strlen(A->o.prompt) + strlen(marker) + 2;
    char *text = (char *)malloc(len);
    if (!text)
        return NULL;
    if (strstr(A->o.prompt, marker))
        snprintf(text, len, "%s", A->o.prompt);
    else
        snprintf(text, len, "%s\n%s", marker, A->o.prompt);
    return text;
}

/* Decodes every chunk: text through mtmd's helper, images through image_chunk. */
static int eval_chunks(app *A, const mtmd_input_chunks *chunks, int mode, stats *st, llama_pos *n_past)
{
    size_t n_chunks = mtmd_input_chunks_size(chunks);
    if (!n_chunks ||
        mtmd_input_chunk_get_type(mtmd_input_chunks_get(chunks, n_chunks - 1)) != MTMD_INPUT_CHUNK_TYPE_TEXT) {
        fprintf(stderr, "vtc-mtmd: the prompt must have text after the image\n");
        return -1;
    }
    for (size_t i = 0; i < n_chunks; i++) {
        const mtmd_input_chunk *c = mtmd_input_chunks_get(chunks, i);
        enum mtmd_input_chunk_type ty = mtmd_input_chunk_get_type(c);
        if (ty == MTMD_INPUT_CHUNK_TYPE_TEXT) {
            double t = now_ms();
            llama_pos np = *n_past;
            if (mtmd_helper_eval_chunk_single(A->mctx, A->lctx, c, *n_past, 0, A->n_batch, i == n_chunks - 1, &np)) {
                fprintf(stderr, "vtc-mtmd: text chunk %zu failed to decode\n", i);
                return -1;
            }
            *n_past = np;
            st->txt_prefill += now_ms() - t;
        } else if (ty == MTMD_INPUT_CHUNK_TYPE_IMAGE) {
            if (image_chunk(A, c, mode, st, n_past))
                return -1;
        } else {
            fprintf(stderr, "vtc-mtmd: chunk %zu is neither text nor image\n", i);
            return -1;
        }
    }
    return 0;
}

/* Greedy generation from the first token `tok` until end of generation or n_predict more. */
static int generate(app *A, llama_token tok, llama_pos n_past, stats *st, int print_text)
{
    double tg = now_ms();
    for (int i = 0;; i++) {
        if (llama_vocab_is_eog(A->vocab, tok))
            break;
        if (print_text) {
            char piece[256];
            int n = llama_token_to_piece(A->vocab, tok, piece, (int32_t)sizeof(piece) - 1, 0, false);
            if (n > 0) {
                fwrite(piece, 1, (size_t)n, stdout);
                fflush(stdout);
            }
        }
        if (i >= A->o.n_predict)
            break;
        llama_batch b = llama_batch_get_one(&tok, 1);
        llama_pos p = n_past++;
        b.pos = &p;
        if (llama_decode(A->lctx, b)) {
            fprintf(stderr, "vtc-mtmd: llama_decode of a generated token failed\n");
            return -1;
        }
        tok = argmax(A);
        st->n_gen++;
    }
    st->gen_ms = now_ms() - tg;
    st->n_past = n_past;
    if (print_text) {
        fputc('\n', stdout);
        fflush(stdout);
    }
    return 0;
}

static int run(app *A, int mode, stats *st, int print_text)
{
    memset(st, 0, sizeof(*st));
    llama_memory_clear(llama_get_memory(A->lctx), true);
    char *text = prompt_text(A);
    if (!text)
        return -1;
    double t0 = now_ms();
    mtmd_input_text in;
    in.text = text;
    in.text_len = strlen(text);
    in.add_special = true;
    in.parse_special = true;
    mtmd_input_chunks *chunks = mtmd_input_chunks_init();
    const mtmd_bitmap *bm[1];
    bm[0] = A->bitmap;
    llama_pos n_past = 0;
    int rc = -1;
    if (!chunks || mtmd_tokenize(A->mctx, chunks, &in, bm, 1) != 0) {
        fprintf(stderr, "vtc-mtmd: mtmd_tokenize failed\n");
    } else if (!eval_chunks(A, chunks, mode, st, &n_past)) {
        llama_token tok = argmax(A);
        st->ttft = now_ms() - t0;
        rc = generate(A, tok, n_past, st, print_text);
    }
    mtmd_input_chunks_free(chunks);
    free(text);
    return rc;
}

static void print_stats(const char *name, const stats *s)
{
    double tps = s->gen_ms > 0 && s->n_gen ? 1e3 * s->n_gen / s->gen_ms : 0.0;
    printf("%-10s rows %4d -> %4d | encode %9.1f ms | vtc %7.1f ms | image prefill %9.1f ms | text prefill %8.1f ms | "
           "TTFT %9.1f ms | %6.2f tokens/s (%d tokens)\n",
           name, s->rows_in, s->rows_out, s->encode, s->vtc, s->img_prefill, s->txt_prefill, s->ttft, tps, s->n_gen);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Each stage's median over n runs (the upper middle for even n). */
static void median_stats(const stats *runs, int n, stats *out)
{
    double v[1000];
    *out = runs[0];
#define MED(f)                                  \
    do {                                        \
        for (int i = 0; i < n; i++)             \
            v[i] = runs[i].f;                   \
        qsort(v, (size_t)n, sizeof(double), cmp_double); \
        out->f = v[n / 2];                      \
    } while (0)
    MED(encode);
    MED(vtc);
    MED(img_prefill);
    MED(txt_prefill);
    MED(ttft);
    MED(gen_ms);
#undef MED
}

static double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

/* The language model and its context. 0, or -1 after saying why. */
static int load_llama(app *A)
{
    struct llama_model_params mp = llama_model_default_params();
    struct llama_context_params cp = llama_context_default_params();
    A->model = llama_model_load_from_file(A->o.model, mp);
    if (!A->model) {
        fprintf(stderr, "vtc-mtmd: cannot load the model %s\n", A->o.model);
        return -1;
    }
    A->vocab = llama_model_get_vocab(A->model);
    A->n_embd = llama_model_n_embd_inp(A->model);
    A->n_batch = 2048;
    cp.n_ctx = (uint32_t)A->o.n_ctx;
    cp.n_batch = (uint32_t)A->n_batch;
    cp.n_ubatch = 512;
    cp.n_threads = A->o.threads;
    cp.n_threads_batch = A->o.threads;
    A->lctx = llama_init_from_model(A->model, cp);
    if (!A->lctx) {
        fprintf(stderr, "vtc-mtmd: cannot create a llama context\n");
        return -1;
    }
    return 0;
}

/* For visionzip: vtc_mtmd_eval on mtmd's eval callback, chained to whatever was there. */
static void attach_eval(app *A, struct mtmd_context_params *mcp)
{
    vtc_mtmd_eval_params ep;
    memset(&ep, 0, sizeof(ep));
    ep.size = sizeof(ep);
    ep.layer = A->o.layer >= 0 ? A->o.layer : VTC_MTMD_EVAL_LAYER_AUTO;
    ep.mmproj_path = A->o.mmproj;
    ep.chain = mcp->cb_eval;
    ep.chain_user_data = mcp->cb_eval_user_data;
    vtc_result r = vtc_mtmd_eval_create(&ep, &A->ev);
    if (r) {
        /* not a CLIP mmproj the helper understands: visionzip falls back to the embeddings */
        fprintf(stderr, "vtc-mtmd: no encoder scores for visionzip (vtc_mtmd_eval_create: %d)\n", (int)r);
        A->ev = NULL;
    } else {
        mcp->cb_eval = vtc_mtmd_eval_callback;
        mcp->cb_eval_user_data = A->ev;
    }
}

/* The projector (libmtmd), the image, and for a vtc mode the plugin and a context. 0, or -1 after saying why. */
static int load_mtmd_and_vtc(app *A)
{
    struct mtmd_context_params mcp = mtmd_context_params_default();
    mcp.n_threads = A->o.threads;
    mcp.print_timings = A->o.verbose != 0;
    if (A->o.mode == M_VISIONZIP)
        attach_eval(A, &mcp);
    A->mctx = mtmd_init_from_file(A->o.mmproj, A->model, mcp);
    if (!A->mctx) {
        fprintf(stderr, "vtc-mtmd: cannot load the projector %s\n", A->o.mmproj);
        return -1;
    }
    if (!mtmd_support_vision(A->mctx)) {
        fprintf(stderr, "vtc-mtmd: %s has no vision encoder\n", A->o.mmproj);
        return -1;
    }
    A->mrope = mtmd_decode_use_mrope(A->mctx) ? 1 : 0;
    struct mtmd_helper_bitmap_wrapper bw = mtmd_helper_bitmap_init_from_file(A->mctx, A->o.image, false);
    A->bitmap = bw.bitmap;
    if (!A->bitmap) {
        fprintf(stderr, "vtc-mtmd: cannot read the image %s\n", A->o.image);
        return -1;
    }
    if (A->o.mode == M_NONE)
        return 0;
    vtc_result r = vtc_loader_open(&A->loader, A->o.vtc_lib);
    if (r) {
        fprintf(stderr, "vtc-mtmd: cannot load vtc: %s\n", A->loader.error);
        return -1;
    }
    A->have_loader = 1;
    if ((r = A->loader.api->context_create(NULL, &A->vctx))) {
        fprintf(stderr, "vtc-mtmd: vtc context: %s\n", A->loader.api->result_string(r));
        return -1;
    }
    return 0;
}

/* --repeat runs of each mode, interleaved (none first with --compare), the first printing its
   text; *base and *mine the medians of each stage. 0, or -1 when a run failed. */
static int run_all(app *A, stats *base, stats *mine)
{
    int n = A->o.repeat, rc = -1;
    stats *runs_base = (stats *)calloc((size_t)n, sizeof(stats)), *runs_mine = (stats *)calloc((size_t)n, sizeof(stats));
    for (int r = 0; runs_base && runs_mine && r < n; r++) {
        if (A->o.compare) {
            if (!r)
                printf("--- none\n");
            fflush(stdout);
            if (run(A, M_NONE, &runs_base[r], !r))
                goto done;
        }
        if (!r) {
            printf("--- %s", mode_names[A->o.mode]);
            if (A->o.mode != M_NONE)
                printf(" (keep %g)", A->o.keep);
            printf("\n");
        }
        fflush(stdout);
        if (run(A, A->o.mode, &runs_mine[r], !r))
            goto done;
        if (r == n - 1)
            rc = 0;
    }
    if (!rc) {
        median_stats(runs_base, n, base);
        median_stats(runs_mine, n, mine);
    }
done:
    free(runs_base);
    free(runs_mine);
    return rc;
}

static void report(const app *A, const stats *base, const stats *mine)
{
    if (A->o.repeat > 1)
        printf("medians of %d runs%s:\n", A->o.repeat, A->o.compare ? " each, interleaved" : "");
    if (A->ev) {
        vtc_mtmd_eval_info inf;
        memset(&inf, 0, sizeof(inf));
        inf.size = sizeof(inf);
        if (!vtc_mtmd_eval_get_info(A->ev, &inf) && inf.layer_used >= 0)
            printf("visionzip scores: Kcur-%d (layer -2 is block %d; last block run %d), %u heads x %u, %u rows, "
                   "copy %.2f ms\n",
                   inf.layer_used, inf.layer_target, inf.layer_last_run, inf.heads, inf.head_dim, inf.n_pos, inf.copy_ms);
    }
    if (A->o.compare)
        print_stats("none", base);
    print_stats(mode_names[A->o.mode], mine);
    if (!A->o.compare)
        return;
    double tb = base->gen_ms > 0 && base->n_gen ? base->n_gen / base->gen_ms : 0;
    double tm = mine->gen_ms > 0 && mine->n_gen ? mine->n_gen / mine->gen_ms : 0;
    double removed = base->img_prefill - mine->img_prefill;
    printf("ratio none/%s: rows x%.2f | image prefill x%.2f | text prefill x%.2f | TTFT x%.2f | tokens/s x%.2f "
           "(%s/none) | vtc = %.1f%% of the image prefill it removed\n",
           mode_names[A->o.mode], ratio(base->rows_out, mine->rows_out), ratio(base->img_prefill, mine->img_prefill),
           ratio(base->txt_prefill, mine->txt_prefill), ratio(base->ttft, mine->ttft), ratio(tm, tb),
           mode_names[A->o.mode], removed > 0 ? 100.0 * mine->vtc / removed : 0.0);
}

static void app_free(app *A)
{
    if (A->vctx)
        A->loader.api->context_destroy(A->vctx);
    if (A->have_loader)
        vtc_loader_close(&A->loader);
    if (A->bitmap)
        mtmd_bitmap_free(A->bitmap);
    if (A->mctx)
        mtmd_free(A->mctx);
    vtc_mtmd_eval_destroy(A->ev);
    if (A->lctx)
        llama_free(A->lctx);
    if (A->model)
        llama_model_free(A->model);
    free(A->out_embd);
    free(A->tok);
    free(A->pos);
    free(A->pos_view);
}

int main(int argc, char **argv)
{
    app A;
    memset(&A, 0, sizeof(A));
    if (parse(argc, argv, &A.o))
        return 1;
    stats base, mine;
    memset(&base, 0, sizeof(base));
    memset(&mine, 0, sizeof(mine));
    if (!A.o.verbose) {
        llama_log_set(log_quiet, NULL);
        mtmd_helper_log_set(log_quiet, NULL);
    }
    llama_backend_init();
    int ret = 2;
    if (!load_llama(&A) && !load_mtmd_and_vtc(&A)) {
        printf("vtc-mtmd: n_embd_inp %d, %s positions, %d threads\n", A.n_embd, A.mrope ? "M-RoPE" : "1-D",
               A.o.threads);
        if (!run_all(&A, &base, &mine)) {
            report(&A, &base, &mine);
            ret = 0;
        }
    }
    app_free(&A);
    llama_backend_free();
    return ret;
}
