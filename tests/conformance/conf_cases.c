/*
 * Steps that many op cases share: refusing bad arguments without writing,
 * and the preconditions of record-mode cases.
 */
#include "conf.h"

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
