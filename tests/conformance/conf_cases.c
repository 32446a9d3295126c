/*
 * Steps that many op cases share: refusing bad arguments without writing,
 * and the preconditions of record-mode cases.
 */
#include "conf.h"

#include <string.h>

int conf_refuses(conf_env *env, conf_result *r, conf_call call, const void *args, const char *what,
                 conf_buf *const *outs, size_t nouts)
{
    vtc_result res = call(env, args);
    if (res != VTC_ERROR_INVALID_ARGUMENT)
        return conf_fail(r, "%s: returned %d, expected INVALID_ARGUMENT", what, (int)res);
    for (size_t i = 0; i < nouts; i++)
        if (!conf_buf_untouched(outs[i]))
            return conf_fail(r, "%s: output %zu of %zu was written", what, i + 1, nouts);
    return 1;
}

conf_vk *conf_vk_for_record(conf_env *env, conf_result *r)
{
    conf_vk *vk = conf_vk_get(env);
    if (!vk) {
        conf_skip(r, "no Vulkan handles");
        return NULL;
    }
    /* without fp16 storage the plugin converts fp16 on the host, which a device buffer does not allow */
    if ((env->ctx_flags & VTC_CONTEXT_DISABLE_F16) && env->dtype == VTC_DTYPE_F16) {
        conf_skip(r, "fp16 device buffers need fp16 storage");
        return NULL;
    }
    return vk;
}

int conf_devbufs_create(conf_vk *vk, conf_result *r, size_t n, conf_devbuf *const *bufs, const size_t *bytes)
{
    for (size_t i = 0; i < n; i++)
        memset(bufs[i], 0, sizeof(*bufs[i]));
    for (size_t i = 0; i < n; i++)
        if (conf_devbuf_create(vk, bytes[i], bufs[i])) {
            conf_devbufs_destroy(vk, n, bufs);
            return conf_fail(r, "device buffer %zu of %zu (%zu bytes) could not be created", i + 1, n, bytes[i]);
        }
    return 1;
}

void conf_devbufs_destroy(conf_vk *vk, size_t n, conf_devbuf *const *bufs)
{
    for (size_t i = 0; i < n; i++)
        conf_devbuf_destroy(vk, bufs[i]);
}
