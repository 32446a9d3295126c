/* Logging and failure: every error leaves a message at the context's log
   callback (or stderr) before its code is returned. */
#include "core.h"

#include <stdio.h>

/* The context begins with its vtc_core (device/device.h asserts it). */
static const vtc_core *core_of(vtc_context ctx)
{
    return (const vtc_core *)(const void *)ctx;
}

/* ---- logging ------------------------------------------------------- */
static void vlog(vtc_context ctx, int32_t level, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    const vtc_core *c = ctx ? core_of(ctx) : NULL;
    if (c && c->log) {
        if (level <= c->log_level)
            c->log(c->log_user, level, msg);
        return;
    }
    int32_t max = c ? c->log_level : VTC_LOG_WARN;
    if (level <= max)
        fprintf(stderr, "vtc: %s%s\n", level == VTC_LOG_ERROR ? "error: " : level == VTC_LOG_WARN ? "warning: " : "",
                msg);
}

void vtc_log(vtc_context ctx, int32_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(ctx, level, fmt, ap);
    va_end(ap);
}

vtc_result vtc_fail(vtc_context ctx, vtc_result r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(ctx, VTC_LOG_ERROR, fmt, ap);
    va_end(ap);
    return r;
}

vtc_result vtc_vk_fail(vtc_context ctx, VkResult vr, const char *what)
{
    vtc_result r = VTC_ERROR_VULKAN;
    /* a failed map is address space running out: memory, not a broken device */
    if (vr == VK_ERROR_OUT_OF_HOST_MEMORY || vr == VK_ERROR_OUT_OF_DEVICE_MEMORY || vr == VK_ERROR_MEMORY_MAP_FAILED)
        r = VTC_ERROR_OUT_OF_MEMORY;
    else if (vr == VK_ERROR_DEVICE_LOST)
        r = VTC_ERROR_DEVICE_LOST;
    else if (vr == VK_ERROR_INITIALIZATION_FAILED || vr == VK_ERROR_INCOMPATIBLE_DRIVER)
        r = VTC_ERROR_NO_DEVICE;
    return vtc_fail(ctx, r, "%s failed (VkResult %d)", what, (int)vr);
}

