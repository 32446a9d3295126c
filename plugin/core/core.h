/*
 * The core layer: what every plugin file may use, knowing nothing above it
 * (no device, no op): logging and failure, host allocation through the
 * caller's allocator, environment switches. The Vulkan
 * function tables (vk_loader.h) are types here, not calls.
 *
 * The layers above it are drawn in plugin/README.md.
 */
#ifndef VTC_CORE_H
#define VTC_CORE_H

#include "vk_loader.h"
#include "vtc.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* The first member of every context (device/device.h): the only part of it
   the core reads, through the context pointer itself. */
typedef struct vtc_core {
    vtc_log_fn log;
    void *log_user;
    int32_t log_level;
    vtc_allocator allocator;
    int has_allocator;
} vtc_core;

/* ---- logging ------------------------------------------------------- */
void vtc_log(vtc_context ctx, int32_t level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Logs an error and returns `r`, so validation reads `return vtc_fail(ctx, R, "...")`. */
vtc_result vtc_fail(vtc_context ctx, vtc_result r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Maps a VkResult to a vtc_result and logs which call failed. */
vtc_result vtc_vk_fail(vtc_context ctx, VkResult vr, const char *what);
#define VK_CHECK(ctx, call) do { VkResult vr_ = (call); if (vr_ != VK_SUCCESS) return vtc_vk_fail((ctx), vr_, #call); } while (0)

/* ---- host memory (through the optional allocator) ------------------- */
void *vtc_alloc(vtc_context ctx, size_t bytes);
void *vtc_calloc(vtc_context ctx, size_t bytes);
void vtc_free(vtc_context ctx, void *p);

/* ---- environment switches (env.c) ------------------------------------ */
/* VAR=1/true/yes */
int vtc_env_flag(const char *name);
/* What VTC_VALIDATION (or VTC_CONTEXT_VALIDATION) turns on: 0 (off) or one of these. */
#define VTC_VALIDATE_CORE 1 /* the layer's default checks */
#define VTC_VALIDATE_SYNC 2 /* + synchronization validation */
#define VTC_VALIDATE_GPU  3 /* + GPU-assisted validation */
int vtc_validation_mode(uint32_t flags);

#endif
