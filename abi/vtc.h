/*
 * vtc — Vulkan visual-token compression plugin. Public C ABI, version 1.
 *
 * This header set (abi/vtc*.h) is the only thing a host compiles against.
 * It depends on <stdint.h>, <stddef.h> and the Vulkan headers (for handle
 * types only; vtc never calls a Vulkan function through the host's loader
 * symbols and exports none).
 *
 * Conventions (SPEC.md §4):
 *  - Every descriptor struct starts with `uint32_t size`: set it to
 *    sizeof(struct), or leave it 0, which means "the v1 layout". A struct
 *    zero-initialised with `= {0}` asks for every default. Fields are only
 *    ever appended; a plugin reads no field past `size`.
 *  - Booleans and enums are stored as uint32_t.
 *  - Results are int32_t: 0 success, negative errors, never renumbered.
 *    vtc_result_string() names them. Every error also sends one message
 *    to the context's log callback saying what was wrong.
 *  - Thread rules: a vtc_context is externally synchronised (one thread at
 *    a time per context); separate contexts are independent and may be used
 *    from different threads at once. Functions that take no context are
 *    thread-safe.
 *  - Nothing is written to any output tensor when a call fails validation.
 */
#ifndef VTC_H
#define VTC_H

#include <stddef.h>
#include <stdint.h>
#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#define VTC_DEFINED_VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan_core.h>
#ifdef VTC_DEFINED_VK_NO_PROTOTYPES
#undef VK_NO_PROTOTYPES
#undef VTC_DEFINED_VK_NO_PROTOTYPES
#endif

#ifdef __cplusplus
extern "C" {
#endif

#if defined(VTC_BUILDING_LIBRARY) && defined(__GNUC__)
#define VTC_API __attribute__((visibility("default")))
#else
#define VTC_API
#endif

/** ABI version this header describes. */
#define VTC_ABI_VERSION 1u
/** Library version (semantic; the ABI version is separate). */
#define VTC_VERSION_MAJOR 1
#define VTC_VERSION_MINOR 0
#define VTC_VERSION_PATCH 0

/* ------------------------------------------------------------------ */
/* Results                                                              */
/* ------------------------------------------------------------------ */
typedef int32_t vtc_result;
#define VTC_SUCCESS                    0
#define VTC_ERROR_INVALID_ARGUMENT   (-1) /**< bad pointer, shape, dtype, stride or parameter */
#define VTC_ERROR_OUT_OF_MEMORY      (-2) /**< host or device allocation failed */
#define VTC_ERROR_UNSUPPORTED        (-3) /**< valid request the device or mode cannot run */
#define VTC_ERROR_NO_DEVICE          (-4) /**< no usable Vulkan device / libvulkan missing */
#define VTC_ERROR_VULKAN             (-5) /**< a Vulkan call failed (message names it) */
#define VTC_ERROR_DEVICE_LOST        (-6) /**< VK_ERROR_DEVICE_LOST: the context is unusable */
#define VTC_ERROR_ABI_MISMATCH       (-7) /**< no ABI version in common with the host */
#define VTC_ERROR_SCRATCH_TOO_SMALL  (-8) /**< record mode: exec->scratch_size below the query */

/** Static string naming a result ("VTC_ERROR_INVALID_ARGUMENT: ..."); never NULL. */
VTC_API const char *vtc_result_string(vtc_result r);

/* ------------------------------------------------------------------ */
/* Tensors                                                              */
/* ------------------------------------------------------------------ */
#define VTC_DTYPE_NONE 0u /**< tensor absent (optional outputs) */
#define VTC_DTYPE_F32  1u
#define VTC_DTYPE_F16  2u /**< IEEE binary16 storage; maths is always fp32 */
#define VTC_DTYPE_I32  3u
#define VTC_DTYPE_U8   4u

#define VTC_MAX_DIMS 6

/**
 * A tensor view. Exactly one of `host` or `buffer` is set.
 *  - host:   host memory, synchronous calls only (exec == NULL). Read or
 *            written only during the call; the caller keeps ownership.
 *  - buffer: a VkBuffer on the context's device, at byte `offset` (a
 *            multiple of minStorageBufferOffsetAlignment and of the element
 *            size). Needs VK_BUFFER_USAGE_STORAGE_BUFFER_BIT. The caller
 *            keeps ownership and must keep it alive until the work that
 *            uses it has finished executing.
 * shape: outermost first, `ndim` entries, each >= 1 (a dimension of 0 is
 *        accepted only where an op documents it).
 * stride: in elements, outermost first. All zero means contiguous row-major.
 *        Otherwise every stride must be >= 0 and the view must lie inside
 *        INT64 bytes and the device's maxStorageBufferRange. Ops accept
 *        non-contiguous device tensors only where documented; host tensors
 *        may always be strided (vtc packs them).
 */
typedef struct vtc_tensor {
    uint32_t size;
    uint32_t dtype;          /**< VTC_DTYPE_* */
    uint32_t ndim;           /**< 1..VTC_MAX_DIMS */
    uint32_t reserved0;
    int64_t shape[VTC_MAX_DIMS];
    int64_t stride[VTC_MAX_DIMS];
    void *host;
    VkBuffer buffer;
    VkDeviceSize offset;
} vtc_tensor;

/* ------------------------------------------------------------------ */
/* Context                                                              */
/* ------------------------------------------------------------------ */
typedef struct vtc_context_t *vtc_context;

#define VTC_LOG_ERROR 1
#define VTC_LOG_WARN  2
#define VTC_LOG_INFO  3
#define VTC_LOG_DEBUG 4
/** Log sink. `msg` is valid only during the call. Called on the thread
 *  that made the vtc call (validation-layer messages: the driver's thread). */
typedef void (*vtc_log_fn)(void *user, int32_t level, const char *msg);

/** Optional host-memory allocator for vtc's own host allocations. alloc
 *  returns NULL on failure (vtc then returns VTC_ERROR_OUT_OF_MEMORY and
 *  frees what it took). alignment is a power of two <= 64. */
typedef struct vtc_allocator {
    uint32_t size;
    uint32_t reserved0;
    void *user;
    void *(*alloc)(void *user, size_t bytes, size_t alignment);
    void (*free)(void *user, void *ptr);
} vtc_allocator;

/** Feature bits (vtc_device_info.features and vtc_adopted_device.enabled). */
#define VTC_FEATURE_F16_STORAGE     0x1u /**< storageBuffer16BitAccess */
#define VTC_FEATURE_F16_ARITHMETIC  0x2u /**< shaderFloat16 */
#define VTC_FEATURE_SUBGROUP_ARITH  0x4u /**< subgroup basic+arithmetic+ballot+shuffle in compute */
#define VTC_FEATURE_PUSH_DESCRIPTOR 0x8u /**< VK_KHR_push_descriptor (required) */
#define VTC_FEATURE_TIMESTAMPS      0x10u

/**
 * Adopted mode: the host's device. vtc creates nothing but its own
 * pipelines, pipeline cache, command pool, fence, descriptor layouts and
 * buffers, and destroys only those. The host must have enabled
 * VK_KHR_push_descriptor (or Vulkan 1.4) on `device`, and states in
 * `enabled` which VTC_FEATURE_* it enabled at vkCreateDevice (vtc uses a
 * feature only if it is both enabled and supported). `queue` is used only
 * by synchronous calls; if the host submits to it from other threads it
 * must pass lock/unlock, which vtc calls around every vkQueueSubmit and
 * vkQueueWaitIdle. api_version: the version the host created the instance
 * with (0 → 1.1; 1.1 is the minimum).
 */
typedef struct vtc_adopted_device {
    uint32_t size;
    uint32_t queue_family;
    VkInstance instance;
    VkPhysicalDevice physical_device;
    VkDevice device;
    VkQueue queue;
    PFN_vkGetInstanceProcAddr get_instance_proc_addr;
    uint32_t enabled;             /**< VTC_FEATURE_* the host enabled */
    uint32_t api_version;
    void (*queue_lock)(void *user);
    void (*queue_unlock)(void *user);
    void *queue_lock_user;
} vtc_adopted_device;

/**
 * Context creation. Zero-initialised means: standalone, auto-pick device,
 * log errors to stderr, malloc.
 * Standalone mode dlopens libvulkan.so.1, prefers a discrete then an
 * integrated GPU, else a CPU device (lavapipe). Environment:
 *   VTC_DEVICE=<index>        pick physical device <index> (vtc_list_devices order)
 *   VTC_DISABLE_F16=1         never use fp16 storage (fp16 host tensors are
 *                             converted to fp32; fp16 device tensors → UNSUPPORTED)
 *   VTC_DISABLE_SUBGROUP_OPS=1  use the shared-memory reduction variants
 *   VTC_FORCE_GPU_VARIANTS=1  GPU-tuned shader variants on CPU devices too
 *   VTC_VALIDATION=1          standalone: enable VK_LAYER_KHRONOS_validation
 *                             and count its messages (vtc_context_stats), with
 *                             synchronization validation (also =sync); =gpu:
 *                             GPU-assisted validation instead, vtc then binds
 *                             through descriptor sets kept until the context
 *                             is destroyed (validation runs only; adopted
 *                             contexts too); =core: the default checks only
 */
typedef struct vtc_context_desc {
    uint32_t size;
    uint32_t device_index_plus1;  /**< 0: auto / VTC_DEVICE; n: device n-1 */
    vtc_log_fn log;               /**< NULL: errors and warnings to stderr */
    void *log_user;
    int32_t log_level;            /**< highest VTC_LOG_* delivered; 0 means VTC_LOG_WARN */
    uint32_t flags;               /**< VTC_CONTEXT_* */
    const vtc_allocator *allocator;       /**< NULL: malloc/free */
    const vtc_adopted_device *adopted;    /**< NULL: standalone */
} vtc_context_desc;
#define VTC_CONTEXT_VALIDATION        0x1u /**< standalone: same as VTC_VALIDATION=1 */
#define VTC_CONTEXT_DISABLE_F16       0x2u /**< same as VTC_DISABLE_F16=1 */
#define VTC_CONTEXT_DISABLE_SUBGROUP  0x4u /**< same as VTC_DISABLE_SUBGROUP_OPS=1 */
#define VTC_CONTEXT_GPU_VARIANTS      0x8u /**< same as VTC_FORCE_GPU_VARIANTS=1: use the shader variants
                                                tuned for GPUs (shared-memory tiles) even on a CPU device
                                                such as lavapipe, which otherwise gets register-blocked
                                                variants; for testing both */

/** Create a context. *out is set only on success. Errors: INVALID_ARGUMENT,
 *  NO_DEVICE, UNSUPPORTED (device lacks Vulkan 1.1 or push descriptors),
 *  VULKAN, OUT_OF_MEMORY. */
VTC_API vtc_result vtc_context_create(const vtc_context_desc *desc, vtc_context *out);
/** Waits for vtc's own submissions, destroys what vtc created. NULL is a no-op.
 *  The host must not have work recorded by vtc still pending on its queue. */
VTC_API void vtc_context_destroy(vtc_context ctx);

/** What the context runs on and with. */
typedef struct vtc_device_info {
    uint32_t size;
    uint32_t index;               /**< physical device index */
    char name[256];
    char driver[256];             /**< driverName + driverInfo */
    uint32_t vendor_id, device_id;
    uint32_t device_type;         /**< VkPhysicalDeviceType */
    uint32_t api_version;         /**< VkPhysicalDeviceProperties.apiVersion */
    uint32_t driver_version;
    uint32_t supported;           /**< VTC_FEATURE_* the device supports */
    uint32_t features;            /**< VTC_FEATURE_* vtc will use (after env switches) */
    uint32_t subgroup_size;
    uint32_t max_shared_memory;   /**< bytes per workgroup */
    uint64_t max_storage_buffer_range; /**< bytes per bound tensor */
    uint32_t min_storage_offset_alignment;
    uint32_t adopted;             /**< 1 in adopted mode */
    float timestamp_period_ns;    /**< 0 when no timestamps */
    uint32_t reserved0;
} vtc_device_info;

VTC_API vtc_result vtc_context_info(vtc_context ctx, vtc_device_info *out);
/** Lists standalone-mode devices without creating a context. *count: in,
 *  capacity of `out` (may be 0 with out NULL); out, number of devices. */
VTC_API vtc_result vtc_list_devices(vtc_device_info *out, uint32_t *count);

/** Counters for leak checks and reports. */
typedef struct vtc_context_stats {
    uint32_t size;
    uint32_t reserved0;
    uint64_t device_memory_bytes;     /**< live VkDeviceMemory owned by vtc */
    uint64_t device_allocations;      /**< live VkDeviceMemory objects */
    uint64_t pipelines;               /**< pipelines created so far */
    uint64_t calls;                   /**< op calls that succeeded */
    uint64_t validation_messages;     /**< validation-layer warnings/errors seen */
    uint64_t last_gpu_time_ns;        /**< GPU time of the last synchronous call (0 if unknown) */
} vtc_context_stats;
VTC_API vtc_result vtc_context_stats_get(vtc_context ctx, vtc_context_stats *out);

/** Handles vtc uses, so a standalone host can create buffers on vtc's device. */
typedef struct vtc_vulkan_handles {
    uint32_t size;
    uint32_t queue_family;
    VkInstance instance;
    VkPhysicalDevice physical_device;
    VkDevice device;
    VkQueue queue;
    PFN_vkGetInstanceProcAddr get_instance_proc_addr;
} vtc_vulkan_handles;
VTC_API vtc_result vtc_context_vulkan_handles(vtc_context ctx, vtc_vulkan_handles *out);

/* ------------------------------------------------------------------ */
/* Running an op                                                        */
/* ------------------------------------------------------------------ */
/**
 * exec == NULL, or exec->cmd == VK_NULL_HANDLE: synchronous call. Tensors
 * may be host pointers or device buffers; vtc uploads, records, submits to
 * its queue, waits, downloads and returns. Scratch is vtc's own (kept and
 * reused by the context; grows to the largest call).
 *
 * exec->cmd set: record mode. Every tensor must be a device buffer. vtc
 * records its dispatches into `cmd` (which must be in the recording state,
 * outside a render pass, from a queue family with compute) and allocates
 * nothing: it uses exec->scratch (at least vtc_query_scratch bytes, offset
 * aligned to minStorageBufferOffsetAlignment; may be VK_NULL_HANDLE when
 * the query returned 0). Barriers:
 *  - vtc records, before its first dispatch, a memory barrier
 *    COMPUTE_SHADER(SHADER_WRITE) → COMPUTE_SHADER(SHADER_READ|SHADER_WRITE),
 *    so inputs written by earlier compute dispatches and earlier reuse of the
 *    scratch are covered. Inputs written by other stages (transfer, …) need
 *    the host's own barrier to COMPUTE_SHADER/SHADER_READ.
 *  - vtc records barriers between its own dispatches.
 *  - Outputs are written by COMPUTE_SHADER with SHADER_WRITE: the host
 *    records the barrier from there to its consumer.
 *  - The scratch may be reused by the next vtc call in the same command
 *    buffer; it must not be used by two command buffers executing at once.
 * vtc binds its own pipeline and push descriptors: the host must rebind its
 * compute pipeline, descriptor sets and push constants afterwards.
 */
typedef struct vtc_exec {
    uint32_t size;
    uint32_t flags;               /**< reserved, 0 */
    VkCommandBuffer cmd;
    VkBuffer scratch;
    VkDeviceSize scratch_offset;
    VkDeviceSize scratch_size;
} vtc_exec;

/** Op identifiers (vtc_query_scratch). */
#define VTC_OP_SCORES     1u
#define VTC_OP_SELECT     2u
#define VTC_OP_MERGE      3u
#define VTC_OP_VISIONZIP  4u
#define VTC_OP_COMPRESS   5u
#define VTC_OP_COMPOSITE  6u

/** Validates `args` for op `op` (a VTC_OP_*) as a record-mode call would and
 *  reports the scratch bytes record mode needs. The value depends on shapes
 *  and parameters only, not on tensor addresses. */
VTC_API vtc_result vtc_query_scratch(vtc_context ctx, uint32_t op, const void *args, uint64_t *scratch_bytes);

#ifdef __cplusplus
}
#endif

#include "vtc_visionzip.h"
#include "vtc_compress.h"
#include "vtc_composite.h"
#include "vtc_api.h"

#endif /* VTC_H */
