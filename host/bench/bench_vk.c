/*
 * Vulkan on vtc's own device (host/common/host_vk.h on the handles vtc
 * exposes): the bench's device tensors and its calibration dispatches run
 * where the ops run. The CLI is single-threaded and is the context's only
 * user, so it submits to vtc's queue without a lock. What is the bench's own
 * here: the timestamps around a calibration dispatch.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int bench_vk_init(bench_vk *vk, const vtc_api_v1 *api, vtc_context ctx, char *err, size_t errlen)
{
    memset(vk, 0, sizeof(*vk));
    vtc_vulkan_handles h;
    memset(&h, 0, sizeof(h));
    h.size = sizeof(h);
    vtc_result r = api->context_vulkan_handles(ctx, &h);
    if (r) {
        snprintf(err, errlen, "vtc_context_vulkan_handles: %s", api->result_string(r));
        return -1;
    }
    if (host_vk_wrap(&vk->hv, &h, err, errlen))
        return -1;
    /* timestamps: the limit says the device has them, the queue family says
       how many bits are valid (0: none on this queue) */
    const VkPhysicalDeviceLimits *lim = &vk->hv.props.limits;
    uint32_t bits = vk->hv.timestamp_bits;
    if (bits && lim->timestampComputeAndGraphics && lim->timestampPeriod > 0) {
        VkQueryPoolCreateInfo qci = {VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
        qci.queryType = VK_QUERY_TYPE_TIMESTAMP;
        qci.queryCount = 2;
        if (vk->hv.fn.vkCreateQueryPool(vk->hv.device, &qci, NULL, &vk->timestamps) == VK_SUCCESS) {
            vk->ts_period_ns = lim->timestampPeriod;
            vk->ts_mask = bits >= 64 ? ~0ull : ((1ull << bits) - 1);
        } else {
            vk->timestamps = VK_NULL_HANDLE;
        }
    }
    return 0;
}

void bench_vk_destroy(bench_vk *vk)
{
    if (vk->timestamps)
        vk->hv.fn.vkDestroyQueryPool(vk->hv.device, vk->timestamps, NULL);
    host_vk_destroy(&vk->hv);
    memset(vk, 0, sizeof(*vk));
}

int bench_buf_create(bench_vk *vk, size_t bytes, bench_buf *out)
{
    /* whole 16-byte words: the vec4 calibration shaders and odd-sized f16 tensors read them */
    if (host_vk_buffer_create(&vk->hv, bytes ? (bytes + 15) / 16 * 16 : 16, HOST_VK_DEVICE_LOCAL, out))
        return -1;
    out->bytes = bytes;
    return 0;
}

int bench_pipe_create(bench_vk *vk, const uint32_t *code, size_t words, const bench_buf *const *bufs, uint32_t nbind,
                      uint32_t push_bytes, bench_pipe *p)
{
    host_vk_range r[HOST_VK_MAX_BINDINGS];
    if (nbind > HOST_VK_MAX_BINDINGS || host_vk_pipeline_create(&vk->hv, code, words * 4, nbind, push_bytes, p))
        return -1;
    for (uint32_t i = 0; i < nbind; i++)
        r[i] = (host_vk_range){bufs[i]->buffer, 0, VK_WHOLE_SIZE};
    host_vk_pipeline_bind(&vk->hv, p, r);
    return 0;
}

int bench_pipe_run(bench_vk *vk, const bench_pipe *p, const void *push, uint32_t gx, double *ns)
{
    host_vk *hv = &vk->hv;
    double t0 = now_ns();
    VkCommandBuffer cmd;
    if (host_vk_cmd_begin(hv, &cmd))
        return -1;
    if (vk->timestamps) {
        hv->fn.vkCmdResetQueryPool(cmd, vk->timestamps, 0, 2);
        hv->fn.vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, vk->timestamps, 0);
    }
    host_vk_pipeline_record(hv, p, cmd, push, gx, 1, 1);
    if (vk->timestamps)
        hv->fn.vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, vk->timestamps, 1);
    /* the next run overwrites the same buffers */
    host_vk_barrier(hv, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    if (host_vk_submit_wait(hv, &cmd, 1))
        return -1;
    *ns = now_ns() - t0;
    if (vk->timestamps) {
        uint64_t ts[2];
        if (hv->fn.vkGetQueryPoolResults(hv->device, vk->timestamps, 0, 2, sizeof(ts), ts, 8,
                                         VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) != VK_SUCCESS)
            return -1;
        *ns = (double)((ts[1] - ts[0]) & vk->ts_mask) * vk->ts_period_ns;
    }
    return 0;
}
