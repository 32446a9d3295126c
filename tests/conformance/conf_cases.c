/*
 * Steps that many op cases share: refusing bad arguments without writing,
 * and the preconditions of record-mode cases.
 */
#include "conf.h"

#include <string.h>

int conf_refuses(conf_env *env, conf_result *r, conf_call call, const void *args, const char *what,
                 conf_buf *const *outs, size_t nouts)
{
    vtc_result res = call(env, args, NULL);
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

typedef struct recording {
    conf_env *env;
    conf_call call;
    const void *args;
} recording;

static vtc_result record_call(void *user, const vtc_exec *exec)
{
    const recording *c = user;
    return c->call(c->env, c->args, exec);
}

vtc_result conf_record_with(conf_env *env, conf_vk *vk, conf_call call, const void *args, uint64_t scratch)
{
    recording c = {env, call, args};
    return conf_vk_run(vk, scratch, record_call, &c);
}

int conf_record(conf_env *env, conf_result *r, conf_vk *vk, uint32_t op, conf_call call, const void *args,
                uint64_t *scratch)
{
    return conf_check_result(r, "query_scratch", env->api->query_scratch(env->ctx, op, args, scratch), VTC_SUCCESS) &&
           conf_check_result(r, "record", conf_record_with(env, vk, call, args, *scratch), VTC_SUCCESS);
}

int conf_short_scratch_refused(conf_env *env, conf_result *r, conf_vk *vk, conf_call call, const void *args,
                               uint64_t scratch)
{
    /* refused before anything is recorded */
    if (scratch > 0 && conf_record_with(env, vk, call, args, scratch - 1) != VTC_ERROR_SCRATCH_TOO_SMALL)
        return conf_fail(r, "scratch one byte short of the query (%llu) was not refused",
                         (unsigned long long)scratch);
    return 1;
}
