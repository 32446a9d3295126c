/*
 * Record-mode support for cases: device buffers on vtc's device and a
 * command buffer of the test's own, through host/common/host_vk.h on the
 * handles vtc exposes (the way an engine sharing vtc's device would).
 */
#include "conf.h"

#include <stdlib.h>
#include <string.h>

struct conf_vk {
    vtc_context ctx;
    host_vk hv;
};

static conf_vk *cached;

void conf_vk_release(vtc_context ctx)
{
    if (!cached || (ctx && cached->ctx != ctx))
        return;
    host_vk_destroy(&cached->hv);
    free(cached);
    cached = NULL;
}

conf_vk *conf_vk_get(conf_env *env)
{
    if (cached && cached->ctx == env->ctx)
        return cached;
    conf_vk_release(NULL);
    vtc_vulkan_handles h;
    memset(&h, 0, sizeof(h));
    h.size = sizeof(h);
    char err[256];
    conf_vk *vk = calloc(1, sizeof(*vk));
    if (!vk || env->api->context_vulkan_handles(env->ctx, &h) != VTC_SUCCESS || host_vk_wrap(&vk->hv, &h, err, sizeof(err))) {
        free(vk);
        return NULL;
    }
    vk->ctx = env->ctx;
    cached = vk;
    return vk;
}

int conf_devbuf_create(conf_vk *vk, size_t bytes, conf_devbuf *out)
{
    return host_vk_buffer_create(&vk->hv, bytes, HOST_VK_MAPPED, out);
}

void conf_devbuf_destroy(conf_vk *vk, conf_devbuf *b)
{
    host_vk_buffer_destroy(&vk->hv, b);
}

vtc_tensor conf_devtensor(uint32_t dtype, const conf_devbuf *b, VkDeviceSize offset, uint32_t ndim, const int64_t *shape)
{
    vtc_tensor t = conf_tensor(dtype, NULL, ndim, shape);
    t.buffer = b->buffer;
    t.offset = offset;
    return t;
}

vtc_result conf_vk_run(conf_vk *vk, uint64_t scratch_bytes, vtc_result (*record)(void *user, const vtc_exec *exec),
                       void *user)
{
    conf_devbuf scratch = {0};
    if (scratch_bytes && conf_devbuf_create(vk, scratch_bytes, &scratch))
        return VTC_ERROR_OUT_OF_MEMORY;
    /* vtc's own queue: this test is the only user of the context, so no lock is needed */
    vtc_result r = host_vk_record_vtc(&vk->hv, scratch.buffer, 0, scratch_bytes, record, user);
    conf_devbuf_destroy(vk, &scratch);
    return r;
}
