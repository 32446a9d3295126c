/* composite as data: its tensors and the cost of one call (SPEC 3).
 * Query row r sits at key position p = Nk - Nq + r and, when text, sees
 * the p + 1 keys up to it; visual rows copy v (no FLOPs).
 *   FLOPs = B Hq dh 4 sum over text rows of (p + 1): q.k (2 dh) and p.v
 *           (2 dh) per key; softmax/exp not counted
 *   bytes = text q rows read + k and v (each read once at least) + kind
 *           read; out written
 * Which rows are text is data: read from kind's host memory when it has
 * some, else every row counts as text (the upper bound).
 */
#include "op_desc.h"

#include <float.h>
#include <string.h>

static const vtc_op_tensor_desc tensors[] = {
    VTC_OP_TENSOR(vtc_composite_args, q, VTC_ROLE_INPUT | VTC_ROLE_STRIDED, VTC_DTYPES_FLOAT, 4),
    VTC_OP_TENSOR(vtc_composite_args, k, VTC_ROLE_INPUT | VTC_ROLE_STRIDED, VTC_DTYPES_FLOAT, 4),
    VTC_OP_TENSOR(vtc_composite_args, v, VTC_ROLE_INPUT | VTC_ROLE_STRIDED, VTC_DTYPES_FLOAT, 4),
    VTC_OP_TENSOR(vtc_composite_args, kind, VTC_ROLE_INPUT, VTC_DTYPES(VTC_DTYPE_U8), 2),
    VTC_OP_TENSOR(vtc_composite_args, out, VTC_ROLE_OUTPUT, VTC_DTYPES_FLOAT, 4),
};

static const vtc_op_param_desc params[] = {
    VTC_OP_PARAM(vtc_composite_args, scale, VTC_PARAM_F32, -FLT_MAX, FLT_MAX, "softmax scale; 0: 1/sqrt(dh)"),
};

/* out: q's dtype and shape [B][Nq][Hq][dh] */
VTC_OP_OUTPUT_AS_INPUT(vtc_composite_args, out, q)

static void cost(const void *args, const vtc_op_cost_hints *hints, vtc_op_cost *out)
{
    const vtc_composite_args *a = args;
    memset(out, 0, sizeof(*out));
    int64_t B = (int64_t)vtc_op_desc_dim(&a->q, 0), Nq = (int64_t)vtc_op_desc_dim(&a->q, 1);
    int64_t Nk = (int64_t)vtc_op_desc_dim(&a->k, 1);
    const uint8_t *kind = a->kind.dtype == VTC_DTYPE_U8 && a->kind.ndim == 2 ? a->kind.host : NULL;
    int64_t s0 = a->kind.stride[0] || a->kind.stride[1] ? a->kind.stride[0] : Nk;
    int64_t s1 = a->kind.stride[0] || a->kind.stride[1] ? a->kind.stride[1] : 1;
    if (a->kind.shape[0] != B || a->kind.shape[1] != Nk || Nq > Nk || s0 < 0 || s1 < 0)
        kind = NULL; /* not a call the op would take: no positions to read */
    double text_rows = 0, pairs = 0;
    for (int64_t b = 0; b < B; b++)
        for (int64_t r = 0; r < Nq; r++) {
            int64_t p = Nk - Nq + r;
            if (!kind || kind[b * s0 + p * s1] == VTC_KIND_TEXT) {
                text_rows += 1;
                pairs += (double)(p + 1);
            }
        }
    double row = vtc_op_desc_dim(&a->q, 2) * vtc_op_desc_dim(&a->q, 3); /* Hq dh */
    double row_bytes = Nq ? vtc_op_desc_bytes(&a->q) / ((double)B * (double)Nq) : 0;
    out->flops = row * 4 * pairs;
    out->bytes_read = text_rows * row_bytes + vtc_op_desc_bytes(&a->k) + vtc_op_desc_bytes(&a->v) +
                      vtc_op_desc_bytes(&a->kind);
    out->bytes_written = vtc_op_desc_bytes(&a->out);
}

/* B = 1 image: Nq query rows over Nk keys, Hq query heads on Hkv kv heads
   of dh; kind without host data (every row text) */
static void cp_shape(void *args, int64_t Nq, int64_t Nk, int64_t Hq, int64_t Hkv, int64_t dh)
{
    vtc_composite_args *a = args;
    VTC_OP_ARGS_INIT(a);
    vtc_op_desc_shape(&a->q, VTC_DTYPE_F32, 4, (int64_t[]){1, Nq, Hq, dh});
    vtc_op_desc_shape(&a->k, VTC_DTYPE_F32, 4, (int64_t[]){1, Nk, Hkv, dh});
    vtc_op_desc_shape(&a->v, VTC_DTYPE_F32, 4, (int64_t[]){1, Nk, Hkv, dh});
    vtc_op_desc_shape(&a->kind, VTC_DTYPE_U8, 2, (int64_t[]){1, Nk});
    shape_outputs(a);
}

static void example_small(void *a) { cp_shape(a, 3, 5, 2, 1, 8); } /* 2 query heads on 1 kv head */
VTC_OP_EXAMPLES(example_small)

/* ---- named workloads ------------------------------------------------------
 * One decoder layer of a 7B-class LLM (Hq = 32, dh = 128) around LLaVA-1.5's
 * 576 visual tokens behind a 32-token prefix. kind is part of the workload
 * (which rows are visual), so fill points kind.host at it: static, the same
 * bytes on every fill. decode-dh* are the head widths of smaller LLMs
 * (64, 80, 96) and SigLIP's 72, for vtc pipelines. */
#define CP_PREFIX 32
#define CP_VISUAL 576
static uint8_t kind_prefill[640], kind_alltext[640], kind_decode[4096];

static void cp_fill(void *args, int64_t Nq, int64_t Nk, int64_t Hkv, int64_t dh, uint8_t *kind, int all_text)
{
    vtc_composite_args *a = args;
    cp_shape(a, Nq, Nk, 32, Hkv, dh);
    for (int64_t p = 0; p < Nk; p++)
        kind[p] = !all_text && p >= CP_PREFIX && p < CP_PREFIX + CP_VISUAL ? VTC_KIND_VISUAL : VTC_KIND_TEXT;
    a->kind.host = kind;
}

#define CP_WORKLOAD(fn, Nq, Nk, Hkv, dh, kind, all_text)                                                             \
    static void fn(void *args) { cp_fill(args, Nq, Nk, Hkv, dh, kind, all_text); }
CP_WORKLOAD(fill_prefill, 640, 640, 32, 128, kind_prefill, 0)
CP_WORKLOAD(fill_prefill_alltext, 640, 640, 32, 128, kind_alltext, 1)
CP_WORKLOAD(fill_decode, 1, 4096, 8, 128, kind_decode, 0)
CP_WORKLOAD(fill_decode_dh64, 1, 4096, 8, 64, kind_decode, 0)
CP_WORKLOAD(fill_decode_dh72, 1, 4096, 8, 72, kind_decode, 0)
CP_WORKLOAD(fill_decode_dh80, 1, 4096, 8, 80, kind_decode, 0)
CP_WORKLOAD(fill_decode_dh96, 1, 4096, 8, 96, kind_decode, 0)

static const vtc_op_workload workloads[] = {
    {"prefill", "prefill Nq=Nk=640 (32 text + 576 visual + 32 text) Hq=Hkv=32 dh=128", fill_prefill},
    {"prefill-alltext", "the same prefill, every token text (plain causal attention)", fill_prefill_alltext},
    {"decode", "decode Nq=1 Nk=4096 (32 text + 576 visual + text) Hq=32 Hkv=8 (GQA 4) dh=128", fill_decode},
    {"decode-dh64", "the same decode at dh=64", fill_decode_dh64},
    {"decode-dh72", "the same decode at dh=72", fill_decode_dh72},
    {"decode-dh80", "the same decode at dh=80", fill_decode_dh80},
    {"decode-dh96", "the same decode at dh=96", fill_decode_dh96},
};

VTC_OP_DESC_DEFINE(composite, VTC_OP_COMPOSITE, sizeof(vtc_composite_args));
