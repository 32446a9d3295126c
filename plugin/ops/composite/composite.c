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

enum { T_Q, T_K, T_V, T_KIND, T_OUT };

/* plan->params */
enum { P_CPU, P_NSPLIT, P_CHUNK, P_PAIRS, P_BC, P_NBLK, P_LX };

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

static vtc_result plan(vtc_context ctx, const void *vargs, vtc_plan *pl)
{
    const vtc_composite_args *a = vargs;
    const char *op = "composite";
    vtc_result r;
    if ((r = vtc_tensor_check(ctx, op, "q", &a->q, 0, VTC_DT_FLOAT, 4, NULL)))
        return r;
    int64_t B = a->q.shape[0], Nq = a->q.shape[1], Hq = a->q.shape[2], dh = a->q.shape[3];
    int64_t wk[4] = {B, -1, -1, dh};
    if ((r = vtc_tensor_check(ctx, op, "k", &a->k, 0, VTC_DT_BIT(a->q.dtype), 4, wk)))
        return r;
    int64_t Nk = a->k.shape[1], Hkv = a->k.shape[2];
    if ((r = vtc_tensor_check(ctx, op, "v", &a->v, 0, VTC_DT_BIT(a->q.dtype), 4, a->k.shape)))
        return r;
    int64_t wkind[2] = {B, Nk};
    if ((r = vtc_tensor_check(ctx, op, "kind", &a->kind, 0, VTC_DT_BIT(VTC_DTYPE_U8), 2, wkind)))
        return r;
    if ((r = vtc_tensor_check(ctx, op, "out", &a->out, 0, VTC_DT_BIT(a->q.dtype), 4, a->q.shape)))
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

    pl->tensors[T_Q] = (vtc_op_tensor){&a->q, VTC_T_IN | VTC_T_FLOAT | VTC_T_STRIDED};
    pl->tensors[T_K] = (vtc_op_tensor){&a->k, VTC_T_IN | VTC_T_FLOAT | VTC_T_STRIDED};
    pl->tensors[T_V] = (vtc_op_tensor){&a->v, VTC_T_IN | VTC_T_FLOAT | VTC_T_STRIDED};
    pl->tensors[T_KIND] = (vtc_op_tensor){&a->kind, VTC_T_IN};
    pl->tensors[T_OUT] = (vtc_op_tensor){&a->out, VTC_T_OUT | VTC_T_FLOAT};
    pl->ntensors = 5;
    pl->float_dtype = a->q.dtype;
    pl->dims[0] = B;
    pl->dims[1] = Nq;
    pl->dims[2] = Nk;
    pl->dims[3] = Hq;
    pl->dims[4] = Hkv;
    pl->dims[5] = dh;
    pl->fparams[0] = a->scale != 0.0f ? a->scale : (float)(1.0 / sqrt((double)dh));
    if (B == 0 || Nq == 0)
        return VTC_SUCCESS; /* nothing to compute */

    /* Variant and tiling. */
    int cpu = vtc_caps_of(ctx)->cpu_variants;
    uint32_t pairs, bc = 0, lx;
    if (cpu) {
        /* one subgroup per workgroup: every lane shares the block's key loads */
        uint32_t sg = vtc_caps_of(ctx)->subgroup_size;
        lx = sg < 4 ? 4 : sg > 64 ? 64 : sg;
        pairs = cpu_rows_per_lane(dh) * lx;
    } else {
        static const uint32_t bcs[] = {64, 32, 16, 8}, brs[] = {16, 8, 4};
        uint64_t limit = vtc_caps_of(ctx)->max_shared_memory ? vtc_caps_of(ctx)->max_shared_memory : 16384;
        pairs = 0;
        for (size_t i = 0; i < 4 && !pairs; i++)
            for (size_t j = 0; j < 3 && !pairs; j++)
                if (gpu_shared_bytes((uint64_t)dh, brs[j], bcs[i]) <= limit) {
                    bc = bcs[i];
                    pairs = brs[j];
                }
        if (!pairs)
            return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "%s: %llu bytes of shared memory are too few for head width %lld",
                            op, (unsigned long long)limit, (long long)dh);
        lx = GPU_WG;
    }
    int64_t G = Hq / Hkv;
    int64_t nblk = (Nq * G + pairs - 1) / pairs;
    int64_t base = B * Hkv * nblk;

    /* Split-KV: enough workgroups to fill the device, chunks still long
       enough to amortise the partial write and the combine. */
    int64_t target = cpu ? 32 : 256, min_chunk = cpu ? 256 : 4 * (int64_t)bc;
    int64_t nsplit = 1;
    if (base < target && Nk >= 2 * min_chunk) {
        nsplit = (target + base - 1) / base;
        if (nsplit > Nk / min_chunk)
            nsplit = Nk / min_chunk;
        if (nsplit > 64)
            nsplit = 64;
        /* keep the partials modest */
        while (nsplit > 1 && (uint64_t)nsplit * (uint64_t)(B * Nq * Hq) * (uint64_t)(dh + 2) * 4 > ((uint64_t)256 << 20))
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
            if ((uint64_t)nsplit * (uint64_t)(B * Nq * Hq) * (uint64_t)(dh + 2) * 4 > ((uint64_t)256 << 20))
                return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "%s: %lld keys x %lld query rows are too many for the "
                                "GPU-tuned kernel on a CPU device; use the default variants", op, (long long)Nk,
                                (long long)(B * Nq * Hq));
        }
    }
    int64_t step = cpu ? 4 : (int64_t)bc;
    int64_t chunk = (Nk + nsplit - 1) / nsplit;
    chunk = (chunk + step - 1) / step * step;
    nsplit = (Nk + chunk - 1) / chunk;
    if (nsplit <= 1) {
        nsplit = 1;
        chunk = Nk;
    }

    uint64_t scratch = meta_bytes(B, Nq);
    if (nsplit > 1) {
        uint64_t rows = (uint64_t)nsplit * (uint64_t)(B * Nq * Hq);
        scratch += vtc_scratch_round(rows * 2 * 4) + vtc_scratch_round(rows * (uint64_t)dh * 4);
    }
    pl->scratch_bytes = scratch;
    pl->params[P_CPU] = (uint32_t)cpu;
    pl->params[P_NSPLIT] = (uint32_t)nsplit;
    pl->params[P_CHUNK] = (uint32_t)chunk;
    pl->params[P_PAIRS] = pairs;
    pl->params[P_BC] = bc;
    pl->params[P_NBLK] = (uint32_t)nblk;
    pl->params[P_LX] = lx;
    return VTC_SUCCESS;
}

static vtc_result record(vtc_context ctx, const vtc_plan *pl, const vtc_bound *t, vtc_recorder *rec)
{
    int64_t B = pl->dims[0], Nq = pl->dims[1], Nk = pl->dims[2], Hq = pl->dims[3], Hkv = pl->dims[4],
            dh = pl->dims[5];
    if (B == 0 || Nq == 0)
        return VTC_SUCCESS;
    uint32_t nsplit = pl->params[P_NSPLIT];
    comp_push pc;
    memset(&pc, 0, sizeof(pc));
    pc.B = (uint32_t)B;
    pc.Nq = (uint32_t)Nq;
    pc.Nk = (uint32_t)Nk;
    pc.Hq = (uint32_t)Hq;
    pc.Hkv = (uint32_t)Hkv;
    pc.G = (uint32_t)(Hq / Hkv);
    pc.nsplit = nsplit;
    pc.chunk = pl->params[P_CHUNK];
    pc.scale = (float)((double)pl->fparams[0] * LOG2E);
    pc.nblk = pl->params[P_NBLK];
    for (int d = 0; d < 3; d++) {
        pc.qs[d] = (uint32_t)t[T_Q].stride[d];
        pc.ks[d] = (uint32_t)t[T_K].stride[d];
        pc.vs[d] = (uint32_t)t[T_V].stride[d];
    }

    uint64_t mbytes = meta_bytes(B, Nq);
    uint64_t rows = (uint64_t)nsplit * (uint64_t)(B * Nq * Hq);
    uint64_t ml_bytes = vtc_scratch_round(rows * 2 * 4);
    pc.acc_off = (uint32_t)(ml_bytes / 4);
    vtc_bound meta = vtc_scratch_slice(rec, 0, mbytes);
    vtc_bound part = {0};
    if (nsplit > 1)
        part = vtc_scratch_slice(rec, mbytes, ml_bytes + vtc_scratch_round(rows * (uint64_t)dh * 4));

    uint32_t gx, gy;
    vtc_result r;
    /* 1. text-first row list (dtype-free kernel: one pipeline for both dtypes) */
    vtc_bound bp[2] = {t[T_KIND], meta};
    vtc_grid_2d(ctx, (uint64_t)B, &gx, &gy);
    if ((r = vtc_dispatch(rec, VTC_K_composite_prep, VTC_DTYPE_F32, bp, 2, &pc, sizeof(pc), PREP_WG, NULL, 0, gx, gy, 1)))
        return r;

    /* 2. attention (+ visual copies) */
    vtc_bound ba[8] = {t[T_Q], t[T_K], t[T_V], t[T_OUT], t[T_V], t[T_OUT], meta, part};
    vtc_grid_2d(ctx, (uint64_t)(B * Hkv) * pl->params[P_NBLK], &gx, &gy);
    if (pl->params[P_CPU]) {
        /* vec4 loads of k and v (and the aligner's 4-element copies into o) when every
           row/head/image step and the k, v and o bases stay 16-byte aligned */
        uint32_t vec4 = 1;
        for (int d = 0; d < 3; d++)
            if (pc.ks[d] % 4 || pc.vs[d] % 4)
                vec4 = 0;
        if (t[T_K].offset % 16 || t[T_V].offset % 16 || t[T_OUT].offset % 16)
            vec4 = 0;
        uint32_t spec[3] = {(uint32_t)dh, vec4, cpu_rows_per_lane(dh)};
        r = vtc_dispatch(rec, VTC_K_composite_attn_cpu, 0, ba, 8, &pc, sizeof(pc), pl->params[P_LX], spec, 3, gx, gy,
                         nsplit);
    } else {
        uint32_t spec[3] = {(uint32_t)dh, pl->params[P_PAIRS], pl->params[P_BC]};
        r = vtc_dispatch(rec, VTC_K_composite_attn_gpu, 0, ba, 8, &pc, sizeof(pc), pl->params[P_LX], spec, 3, gx, gy,
                         nsplit);
    }
    if (r || nsplit == 1)
        return r;

    /* 3. merge the splits */
    vtc_bound bc[3] = {t[T_KIND], part, t[T_OUT]};
    uint32_t spec[1] = {(uint32_t)dh};
    vtc_grid_for(ctx, (uint64_t)(B * Nq * Hq * dh), &gx, &gy);
    return vtc_dispatch(rec, VTC_K_composite_combine, 0, bc, 3, &pc, sizeof(pc), VTC_WG, spec, 1, gx, gy, 1);
}

const vtc_op_def vtc_op_composite_def = {VTC_OP_COMPOSITE, "composite", sizeof(vtc_composite_args), plan, record,
    offsetof(vtc_composite_args, q)};
