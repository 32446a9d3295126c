/*
 * Calibration: the device's own limits, measured in the same run as the ops
 * so the roofline fractions compare like with like (same driver, clocks,
 * thermal state, and on lavapipe the same CPU load).
 *  - bandwidth: bench_copy.comp copies a buffer of min(256 MiB,
 *    maxStorageBufferRange) with vec4 loads/stores; bytes = read + write;
 *    a short sweep over elements per invocation (1, 4, 16, 64) keeps the best.
 *  - fp32 / fp16 peak: bench_fma.comp, 256 FLOP per loop trip per invocation;
 *    the work is grown until one run takes >= 20 ms so launch overhead and
 *    timer resolution do not count.
 * The roof is the best run (a peak), the median is reported next to it.
 */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

#define WG 256u
#define MAX_GROUPS 16384u      /* also sizes the FMA output buffer: 16 MiB */
#define MAX_ITERS 16384u       /* under llvmpipe's 65535 back-edge limit */
#define TARGET_NS 20e6

typedef struct copy_push {
    uint32_t n, per, threads, pad;
} copy_push;

typedef struct fma_push {
    uint32_t iters;
    float b, c;
    uint32_t pad;
} fma_push;

static int measure(bench_vk *vk, const bench_pipe *p, const void *push, uint32_t gx, int runs, double *best_ns,
                   double *median_ns)
{
    double *t = calloc((size_t)runs, sizeof(double));
    if (!t)
        return -1;
    for (int i = 0; i < runs; i++)
        if (bench_pipe_run(vk, p, push, gx, &t[i])) {
            free(t);
            return -1;
        }
    bench_stats s;
    bench_stats_of(t, runs, &s);
    *best_ns = s.min;
    *median_ns = s.median;
    free(t);
    return 0;
}

static int calib_copy(bench_vk *vk, const vtc_device_info *info, int runs, bench_calib *out, char *err, size_t errlen)
{
    uint64_t bytes = 256ull << 20;
    if (info->max_storage_buffer_range && info->max_storage_buffer_range < bytes)
        bytes = info->max_storage_buffer_range / 16 * 16;
    bench_buf src, dst;
    if (bench_buf_create(vk, bytes, &src)) {
        snprintf(err, errlen, "cannot allocate %llu bytes for the bandwidth test", (unsigned long long)bytes);
        return -1;
    }
    if (bench_buf_create(vk, bytes, &dst)) {
        bench_buf_destroy(vk, &src);
        snprintf(err, errlen, "cannot allocate %llu bytes for the bandwidth test", (unsigned long long)bytes);
        return -1;
    }
    const bench_buf *bufs[2] = {&src, &dst};
    bench_pipe p;
    int rc = -1;
    if (bench_pipe_create(vk, bench_spv_bench_copy_f32_sh, bench_spv_bench_copy_f32_sh_words, bufs, 2,
                          sizeof(copy_push), &p)) {
        snprintf(err, errlen, "cannot create the copy pipeline");
        goto out;
    }
    /* elements per invocation: GPUs like many small invocations, CPU devices
       fewer, longer ones (per-workgroup overhead); a short sweep picks the best */
    static const uint32_t pers[] = {1, 4, 16, 64};
    copy_push best_pc = {0, 0, 0, 0};
    uint32_t best_groups = 0;
    double best = 0, med = 0, warm, best_sweep = 0;
    for (size_t k = 0; k < sizeof(pers) / sizeof(pers[0]); k++) {
        copy_push pc;
        pc.n = (uint32_t)(bytes / 16);
        pc.per = pers[k];
        uint64_t groups = ((uint64_t)pc.n + WG * pc.per - 1) / (WG * pc.per);
        if (groups > 65535) { /* the guaranteed maxComputeWorkGroupCount[0] */
            groups = 65535;
            pc.per = (uint32_t)(((uint64_t)pc.n + WG * groups - 1) / (WG * groups));
        }
        pc.threads = (uint32_t)groups * WG;
        pc.pad = 0;
        /* the first run also touches the pages and compiles */
        if (bench_pipe_run(vk, &p, &pc, (uint32_t)groups, &warm) || measure(vk, &p, &pc, (uint32_t)groups, 2, &best, &med)) {
            snprintf(err, errlen, "the copy dispatch failed");
            bench_pipe_destroy(vk, &p);
            goto out;
        }
        if (!best_groups || best < best_sweep) {
            best_sweep = best;
            best_pc = pc;
            best_groups = (uint32_t)groups;
        }
    }
    if (measure(vk, &p, &best_pc, best_groups, runs, &best, &med)) {
        snprintf(err, errlen, "the copy dispatch failed");
        bench_pipe_destroy(vk, &p);
        goto out;
    }
    out->bw_gbs = 2.0 * (double)bytes / best;
    out->bw_median_gbs = 2.0 * (double)bytes / med;
    out->copy_mib = (double)bytes / (1 << 20);
    bench_pipe_destroy(vk, &p);
    rc = 0;
out:
    bench_buf_destroy(vk, &src);
    bench_buf_destroy(vk, &dst);
    return rc;
}

static int calib_fma(bench_vk *vk, const uint32_t *code, size_t words, int runs, double *peak, double *median)
{
    bench_buf o;
    if (bench_buf_create(vk, (size_t)MAX_GROUPS * WG * 4, &o))
        return -1;
    const bench_buf *bufs[1] = {&o};
    bench_pipe p;
    if (bench_pipe_create(vk, code, words, bufs, 1, sizeof(fma_push), &p)) {
        bench_buf_destroy(vk, &o);
        return -1;
    }
    fma_push pc = {256, 0.999f, 0.001f, 0};
    uint32_t groups = 64;
    double t = 0;
    int rc = bench_pipe_run(vk, &p, &pc, groups, &t); /* compile + warm */
    /* grow the work (trips first, then groups) until a run takes TARGET_NS */
    for (int guard = 0; !rc && guard < 40; guard++) {
        rc = bench_pipe_run(vk, &p, &pc, groups, &t);
        if (rc || t >= TARGET_NS || (pc.iters >= MAX_ITERS && groups >= MAX_GROUPS))
            break;
        double f = t > 0 ? TARGET_NS * 1.25 / t : 16;
        uint32_t grow = f > 16 ? 16 : (uint32_t)(f + 1);
        if (pc.iters < MAX_ITERS) {
            uint64_t it = (uint64_t)pc.iters * grow;
            pc.iters = it > MAX_ITERS ? MAX_ITERS : (uint32_t)it;
        } else {
            uint64_t g = (uint64_t)groups * grow;
            groups = g > MAX_GROUPS ? MAX_GROUPS : (uint32_t)g;
        }
    }
    double best = 0, med = 0;
    if (!rc)
        rc = measure(vk, &p, &pc, groups, runs, &best, &med);
    if (!rc) {
        double flops = (double)groups * WG * pc.iters * 256.0;
        *peak = flops / best;
        *median = flops / med;
    }
    bench_pipe_destroy(vk, &p);
    bench_buf_destroy(vk, &o);
    return rc;
}

int bench_calibrate(bench_vk *vk, const vtc_device_info *info, int runs, bench_calib *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->runs = runs;
    out->gpu_timed = vk->timestamps != VK_NULL_HANDLE;
    if (calib_copy(vk, info, runs, out, err, errlen))
        return -1;
    if (calib_fma(vk, bench_spv_bench_fma_f32_sh, bench_spv_bench_fma_f32_sh_words, runs, &out->fp32_gflops,
                  &out->fp32_median_gflops)) {
        snprintf(err, errlen, "the fp32 FMA dispatch failed");
        return -1;
    }
    /* fp16 arithmetic only where vtc enabled shaderFloat16 on its device */
    if ((info->features & VTC_FEATURE_F16_ARITHMETIC) &&
        calib_fma(vk, bench_spv_bench_fma_f16_sh, bench_spv_bench_fma_f16_sh_words, runs, &out->fp16_gflops,
                  &out->fp16_median_gflops)) {
        snprintf(err, errlen, "the fp16 FMA dispatch failed");
        return -1;
    }
    return 0;
}
