/* composite attention (SPEC 3, EE-MLLM): visual rows copy their value row,
   text rows attend causally over every earlier token.

   Recording: composite_prep builds, per image, the query rows text-first
   (so no workgroup runs a key loop for a visual row), then one attention
   dispatch, then, with split-KV, composite_combine.
     CPU devices (lavapipe): composite_attn_cpu, one (row, head) pair per
       invocation, keys streamed through registers, no barriers.
     GPUs (or VTC_FORCE_GPU_VARIANTS=1 / VTC_CONTEXT_GPU_VARIANTS):
       composite_attn_gpu, K/V tiles in shared memory, BR pairs per group.
   Split-KV: when the (image, kv head, pair block) grid is too small to fill
   the device (decode, short chunks), the key range is cut into nsplit chunks;
   each writes (max, sum, acc) partials to scratch and composite_combine
   merges them in split order (deterministic). */
#include "op.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

VTC_OP_ENTRY_POINTS(vtc_composite_attention, vtc_composite_query_scratch, vtc_composite_args, VTC_OP_COMPOSITE)

enum { T_Q, T_K, T_V, T_KIND, T_OUT };   /* the table's order (composite_desc.c) */

#define LOG2E 1.4426950408889634
#define PREP_WG 64u
#define GPU_WG 128u

typedef struct comp_push {
    uint32_t B, Nq, Nk, Hq;
    uint32_t Hkv, G, nsplit, chunk;
    float scale;
    uint32_t nblk;
    uint32_t qs[3], ks[3], vs[3];
    uint32_t acc_off;
} comp_push;

/* bytes of shared memory composite_attn_gpu declares for (dh, BR, BC) */
static uint64_t gpu_shared_bytes(uint64_t dh, uint64_t br, uint64_t bc)
{
    return 4 * (br * dh + bc * dh + br * bc + 4 * br);
}

static vtc_result check_inner_stride(vtc_context ctx, const char *what, const vtc_tensor *t)
{
    if (!vtc_tensor_contiguous(t) && t->stride[3] != 1)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                        "composite: %s has innermost (dh) stride %lld; it must be 1 (strided views may only step "
                        "over images, rows and heads)",
                        what, (long long)t->stride[3]);
    return VTC_SUCCESS;
}

static uint64_t meta_bytes(int64_t B, int64_t Nq)
{
    return vtc_scratch_round((uint64_t)(B + B * Nq) * 4);
}

/* composite_attn_cpu's rows per invocation (spec constant RPL). */
static uint32_t cpu_rows_per_lane(int64_t dh) { return dh <= 128 ? 2u : 1u; }

/* What plan() hands record(): shapes, the variant and its tiling, the split
   and the scratch layout. */
typedef struct composite_plan {
    int64_t B, Nq, Nk, Hq, Hkv, dh;
    float scale_log2e;        /* the resolved scale times log2(e): the kernels use exp2 */
    int cpu;                  /* composite_attn_cpu, else composite_attn_gpu */
    uint32_t lx;              /* the attention kernel's workgroup size */
    uint32_t pairs;           /* (row, head) pairs per workgroup */
    uint32_t bc;              /* GPU: keys per shared-memory tile */
    uint32_t rows_per_lane;   /* CPU: spec constant RPL */
    uint32_t nblk;            /* pair blocks per (image, kv head) */
    uint32_t nsplit, chunk;   /* split-KV: key chunks and their length */
    /* scratch: [meta][partial max/sum][partial acc] (the partials only when split) */
    uint64_t meta_bytes, ml_bytes, acc_bytes;
} composite_plan;

/* The relations between the tensors and what the kernels can index. */
static vtc_result check_args(vtc_context ctx, const vtc_plan *pl, const vtc_composite_args *a)
{
    const char *op = "composite";
    vtc_result r;
    uint32_t dt = VTC_DTYPES(a->q.dtype);
    int64_t B = a->q.shape[0], Nq = a->q.shape[1], Hq = a->q.shape[2], dh = a->q.shape[3];
    int64_t Nk = a->k.shape[1], Hkv = a->k.shape[2];
    int64_t wk[4] = {B, -1, -1, dh}, wkind[2] = {B, Nk};
    if ((r = vtc_tensor_expect(ctx, pl, T_K, dt, wk)) || (r = vtc_tensor_expect(ctx, pl, T_V, dt, a->k.shape)) ||
        (r = vtc_tensor_expect(ctx, pl, T_KIND, 0, wkind)) || (r = vtc_tensor_expect(ctx, pl, T_OUT, dt, a->q.shape)))
        return r;
    if ((r = check_inner_stride(ctx, "q", &a->q)) || (r = check_inner_stride(ctx, "k", &a->k)) ||
        (r = check_inner_stride(ctx, "v", &a->v)))
        return r;
    if (Hq < 1 || Hkv < 1)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: head counts must be >= 1 (q has %lld, k/v have %lld)", op,
                        (long long)Hq, (long long)Hkv);
    if (Hq % Hkv)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                        "%s: query heads (%lld) must be a multiple of kv heads (%lld) for grouped-query attention", op,
                        (long long)Hq, (long long)Hkv);
    if (Nq > Nk)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                        "%s: %lld query rows but only %lld keys; query row r sits at position Nk - Nq + r, so Nq <= Nk",
                        op, (long long)Nq, (long long)Nk);
    if (dh < 8 || dh > 256 || dh % 8)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                        "%s: head width %lld is not supported (a multiple of 8 from 8 to 256: 64, 72, 80, 96, 128, ...)",
                        op, (long long)dh);
    if (!(a->scale == a->scale) || isinf(a->scale))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: scale is not finite", op);
    /* The shaders index elements with 32-bit offsets. */
    const vtc_tensor *fl[3] = {&a->q, &a->k, &a->v};
    for (int i = 0; i < 3; i++) {
        if (vtc_tensor_contiguous(fl[i]))
            continue;
        for (int d = 0; d < 3; d++)
            if (fl[i]->stride[d] > (int64_t)UINT32_MAX / 2)
                return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: stride %d of %s is too large (%lld elements)", op,
                                d, i == 0 ? "q" : i == 1 ? "k" : "v", (long long)fl[i]->stride[d]);
    }
    if (Nk > INT32_MAX / 2 || B * Nq * Hq > INT32_MAX / 256)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: shape too large", op);
    return VTC_SUCCESS;
}

/* Variant and tiling: cpu, lx, pairs, bc and rows_per_lane of cp. */
static vtc_result choose_tiling(vtc_context ctx, composite_plan *cp)
{
    int64_t dh = cp->dh;
    cp->cpu = vtc_caps_of(ctx)->cpu_variants;
    cp->bc = 0;
    if (cp->cpu) {
        /* one subgroup per workgroup: every lane shares the block's key loads */
        uint32_t sg = vtc_caps_of(ctx)->subgroup_size;
        cp->lx = sg < 4 ? 4 : sg > 64 ? 64 : sg;
        cp->rows_per_lane = cpu_rows_per_lane(dh);
        cp->pairs = cp->rows_per_lane * cp->lx;
        return VTC_SUCCESS;
    }
    static const uint32_t bcs[] = {64, 32, 16, 8}, brs[] = {16, 8, 4};
    uint64_t limit = vtc_caps_of(ctx)->max_shared_memory ? vtc_caps_of(ctx)->max_shared_memory : 16384;
    cp->pairs = 0;
    for (size_t i = 0; i < 4 && !cp->pairs; i++)
        for (size_t j = 0; j < 3 && !cp->pairs; j++)
            if (gpu_shared_bytes((uint64_t)dh, brs[j], bcs[i]) <= limit) {
                cp->bc = bcs[i];
                cp->pairs = brs[j];
            }
    if (!cp->pairs)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "composite: %llu bytes of shared memory are too few for head width "
                        "%lld", (unsigned long long)limit, (long long)dh);
    cp->lx = GPU_WG;
    cp->rows_per_lane = 0;
    return VTC_SUCCESS;
}

/* Bytes of the split partials (max/sum pairs and accumulators) past which
   the split is cut back. */
#define SPLIT_PARTIALS_MAX ((uint64_t)256 << 20)

/* Split-KV from the tiling: nblk, nsplit and chunk of cp. */
static vtc_result choose_split(vtc_context ctx, composite_plan *cp)
{
    int64_t B = cp->B, Nq = cp->Nq, Nk = cp->Nk, Hq = cp->Hq, dh = cp->dh;
    int cpu = cp->cpu;
    int64_t G = Hq / cp->Hkv;
    int64_t nblk = (Nq * G + cp->pairs - 1) / cp->pairs;
    int64_t base = B * cp->Hkv * nblk;
    uint64_t partial_row = (uint64_t)(B * Nq * Hq) * (uint64_t)(dh + 2) * 4;

    /* Enough workgroups to fill the device, chunks still long enough to
       amortise the partial write and the combine. */
    int64_t target = cpu ? 32 : 256, min_chunk = cpu ? 256 : 4 * (int64_t)cp->bc;
    int64_t nsplit = 1;
    if (base < target && Nk >= 2 * min_chunk) {
        nsplit = (target + base - 1) / base;
        if (nsplit > Nk / min_chunk)
            nsplit = Nk / min_chunk;
        if (nsplit > 64)
            nsplit = 64;
        /* keep the partials modest */
        while (nsplit > 1 && (uint64_t)nsplit * partial_row > SPLIT_PARTIALS_MAX)
            nsplit--;
    }
    /* The shared-memory kernel on a CPU device (forced GPU variants, as the
       tests run it) must keep each workgroup's key range inside llvmpipe's
       per-invocation loop limit, else results are silently wrong (measured:
       dh=64 fails past ~3200 keys per split); split further, or refuse. */
    if (!cpu && vtc_caps_of(ctx)->device_type == VK_PHYSICAL_DEVICE_TYPE_CPU) {
        int64_t max_chunk = 1024 * 64 / dh;
        if ((Nk + nsplit - 1) / nsplit > max_chunk) {
            nsplit = (Nk + max_chunk - 1) / max_chunk;
            if ((uint64_t)nsplit * partial_row > SPLIT_PARTIALS_MAX)
                return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "composite: %lld keys x %lld query rows are too many for "
                                "the GPU-tuned kernel on a CPU device; use the default variants", (long long)Nk,
                                (long long)(B * Nq * Hq));
        }
    }
    int64_t step = cpu ? 4 : (int64_t)cp->bc;
    int64_t chunk = (Nk + nsplit - 1) / nsplit;
    chunk = (chunk + step - 1) / step * step;
    nsplit = (Nk + chunk - 1) / chunk;
    if (nsplit <= 1) {
        nsplit = 1;
        chunk = Nk;
    }
    cp->nblk = (uint32_t)nblk;
    cp->nsplit = (uint32_t)nsplit;
    cp->chunk = (uint32_t)chunk;
    return VTC_SUCCESS;
}

static vtc_result plan(vtc_context ctx, const void *vargs, vtc_plan *pl)
{
    const vtc_composite_args *a = vargs;
    vtc_result r;
    if ((r = check_args(ctx, pl, a)))
        return r;
    pl->float_dtype = a->q.dtype;
    composite_plan *cp = VTC_PLAN_OF(pl, composite_plan);
    cp->B = a->q.shape[0];
    cp->Nq = a->q.shape[1];
    cp->Nk = a->k.shape[1];
    cp->Hq = a->q.shape[2];
    cp->Hkv = a->k.shape[2];
    cp->dh = a->q.shape[3];
    float scale = a->scale != 0.0f ? a->scale : (float)(1.0 / sqrt((double)cp->dh));
    cp->scale_log2e = (float)((double)scale * LOG2E);
    if (cp->B == 0 || cp->Nq == 0)
        return VTC_SUCCESS; /* nothing to compute */
    if ((r = choose_tiling(ctx, cp)) || (r = choose_split(ctx, cp)))
        return r;
    /* the kernels find the partial accumulators past the max/sum pairs (acc_off),
       a push constant set whether or not the keys are split */
    uint64_t rows = (uint64_t)cp->nsplit * (uint64_t)(cp->B * cp->Nq * cp->Hq);
    cp->meta_bytes = meta_bytes(cp->B, cp->Nq);
    cp->ml_bytes = vtc_scratch_round(rows * 2 * 4);
    cp->acc_bytes = vtc_scratch_round(rows * (uint64_t)cp->dh * 4);
    pl->scratch_bytes = cp->meta_bytes + (cp->nsplit > 1 ? cp->ml_bytes + cp->acc_bytes : 0);
    return VTC_SUCCESS;
}

static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    const composite_plan *cp = VTC_PLAN_OF_CONST(pl, composite_plan);
    int64_t B = cp->B, Nq = cp->Nq, Nk = cp->Nk, Hq = cp->Hq, Hkv = cp->Hkv, dh = cp->dh;
    if (B == 0 || Nq == 0)
        return VTC_SUCCESS;
    uint32_t nsplit = cp->nsplit;
    comp_push pc;
    memset(&pc, 0, sizeof(pc));
    pc.B = (uint32_t)B;
    pc.Nq = (uint32_t)Nq;
    pc.Nk = (uint32_t)Nk;
    pc.Hq = (uint32_t)Hq;
    pc.Hkv = (uint32_t)Hkv;
    pc.G = (uint32_t)(Hq / Hkv);
    pc.nsplit = nsplit;
    pc.chunk = cp->chunk;
    pc.scale = cp->scale_log2e;
    pc.nblk = cp->nblk;
    for (int d = 0; d < 3; d++) {
        pc.qs[d] = (uint32_t)t[T_Q].stride[d];
        pc.ks[d] = (uint32_t)t[T_K].stride[d];
        pc.vs[d] = (uint32_t)t[T_V].stride[d];
    }

    pc.acc_off = (uint32_t)(cp->ml_bytes / 4);
    vtc_bound meta = vtc_scratch_slice(rec, 0, cp->meta_bytes);
    vtc_bound part = {0};
    if (nsplit > 1)
        part = vtc_scratch_slice(rec, cp->meta_bytes, cp->ml_bytes + cp->acc_bytes);

    uint32_t gx, gy;
    vtc_result r;
    /* 1. text-first row list (dtype-free kernel: one pipeline for both dtypes) */
    vtc_bound bp[2] = {t[T_KIND], meta};
    vtc_grid_2d(ctx, (uint64_t)B, &gx, &gy);
    if ((r = vtc_dispatch(rec, VTC_K_composite_prep, VTC_DTYPE_F32, bp, 2, &pc, sizeof(pc), PREP_WG, NULL, 0, gx, gy, 1)))
        return r;

    /* 2. attention (+ visual copies) */
    vtc_bound ba[8] = {t[T_Q], t[T_K], t[T_V], t[T_OUT], t[T_V], t[T_OUT], meta, part};
    vtc_grid_2d(ctx, (uint64_t)(B * Hkv) * cp->nblk, &gx, &gy);
    if (cp->cpu) {
        /* vec4 loads of k and v (and the aligner's 4-element copies into o) when every
           row/head/image step and the k, v and o bases stay 16-byte aligned */
        uint32_t vec4 = 1;
        for (int d = 0; d < 3; d++)
            if (pc.ks[d] % 4 || pc.vs[d] % 4)
                vec4 = 0;
        if (t[T_K].offset % 16 || t[T_V].offset % 16 || t[T_OUT].offset % 16)
            vec4 = 0;
        uint32_t spec[3] = {VTC_SPEC(composite_attn_cpu, DH) = (uint32_t)dh, VTC_SPEC(composite_attn_cpu, VEC4) = vec4,
                            VTC_SPEC(composite_attn_cpu, RPL) = cp->rows_per_lane};
        r = vtc_dispatch(rec, VTC_K_composite_attn_cpu, 0, ba, 8, &pc, sizeof(pc), cp->lx, spec, 3, gx, gy,
                         nsplit);
    } else {
        uint32_t spec[3] = {VTC_SPEC(composite_attn_gpu, DH) = (uint32_t)dh, VTC_SPEC(composite_attn_gpu, BR) = cp->pairs,
                            VTC_SPEC(composite_attn_gpu, BC) = cp->bc};
        r = vtc_dispatch(rec, VTC_K_composite_attn_gpu, 0, ba, 8, &pc, sizeof(pc), cp->lx, spec, 3, gx, gy,
                         nsplit);
    }
    if (r || nsplit == 1)
        return r;

    /* 3. merge the splits */
    vtc_bound bc[3] = {t[T_KIND], part, t[T_OUT]};
    uint32_t spec[1] = {VTC_SPEC(composite_combine, DH) = (uint32_t)dh};
    vtc_grid_for(ctx, (uint64_t)(B * Nq * Hq * dh), &gx, &gy);
    return vtc_dispatch(rec, VTC_K_composite_combine, 0, bc, 3, &pc, sizeof(pc), VTC_WG, spec, 1, gx, gy, 1);
}

const vtc_op_def vtc_op_composite_def = {&vtc_op_composite_desc, .plan = plan, .record = record};
