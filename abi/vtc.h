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
 *    ever appended; a plugin reads no field past `size`. A non-zero size
 *    below the v1 layout is INVALID_ARGUMENT.
 *  - Output structs (vtc_device_info, vtc_context_stats, vtc_vulkan_handles)
 *    are sized by the caller the same way, so a host built against an older
 *    header never has a byte written past its struct: set `size` before the
 *    call (0 means the v1 layout, VTC_*_SIZE_V1). vtc fills the first
 *    min(size, its own sizeof) bytes, zeroes the rest up to `size` (fields
 *    newer than the plugin read 0), and sets `size` to the bytes it filled.
 *    A non-zero size below the v1 layout is INVALID_ARGUMENT and nothing is
 *    written.
 *  - Fields named reserved*, and flag bits this header does not define,
 *    must be 0: anything else is INVALID_ARGUMENT (with a log line), so that
 *    a later version can give them a meaning without old hosts' garbage
 *    being read as a request.
 *  - vtc_tensor is frozen (see there): it is embedded by value in the args
 *    structs, so it can never grow.
 *  - The function table (vtc_api_v1) does not grow per op. An op made
 *    public after vtc 1.2 gets an id below VTC_OP_FIRST_EXPERIMENTAL, its
 *    args struct in its own header, and `static inline` typed wrappers there
 *    over the generic vtc_run, vtc_query_scratch and vtc_prepare (see
 *    VTC_OP_TYPED_WRAPPERS below), so it adds no exported symbol and no
 *    table member; the per-op members of 1.0-1.2 stay, binary compatible.
 *  - Booleans and enums are stored as uint32_t.
 *  - Results are int32_t: 0 success, negative errors, never renumbered;
 *    positive values are successes that say something more (VTC_INCOMPLETE),
 *    returned only by the calls that document them, none of which existed in
 *    vtc 1.0. Test for failure with `r < 0`; a host testing `r != VTC_SUCCESS`
 *    is correct for every call that does not document a positive result.
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
#define VTC_VERSION_MINOR 3
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
/** Not an error: an enumeration filled the caller's capacity and more
 *  entries exist (like VK_INCOMPLETE). Test results with `r < 0`. */
#define VTC_INCOMPLETE                 1

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
 *
 * FROZEN: this layout never changes, in ABI 1 or later. It is embedded by
 * value in every args struct, so growing it would move every field after it
 * and break every host built before. `size` is 0 or sizeof(vtc_tensor) (136
 * bytes on 64-bit targets); anything else, or a non-zero `reserved0`, is
 * INVALID_ARGUMENT. Should tensors ever need more (say, a quantised dtype's
 * scales), an args struct gains at its end a pointer to a side structure
 * (its own `size` first) that describes its tensors further; vtc reads it
 * only when the args' `size` covers that pointer, so old hosts never see it.
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
    uint32_t reserved0;      /**< 0 */
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
    uint32_t reserved0;           /**< 0 */
    void *user;
    void *(*alloc)(void *user, size_t bytes, size_t alignment);
    void (*free)(void *user, void *ptr);
} vtc_allocator;

/** Feature bits (vtc_device_info.features and vtc_adopted_device.enabled). */
#define VTC_FEATURE_F16_STORAGE     0x1u /**< storageBuffer16BitAccess */
/** shaderFloat16. A reported capability only: vtc's shaders never compute in
 *  fp16 (all maths is fp32, SPEC §1), so no result depends on it. Standalone
 *  vtc enables it on the device it creates when supported, and reports that in
 *  `features`, for hosts that share the device (vtc_context_vulkan_handles)
 *  and want fp16 arithmetic in their own shaders; adopted mode passes the
 *  host's bit through. */
#define VTC_FEATURE_F16_ARITHMETIC  0x2u
#define VTC_FEATURE_SUBGROUP_ARITH  0x4u /**< subgroup basic+arithmetic+ballot+shuffle in compute */
#define VTC_FEATURE_PUSH_DESCRIPTOR 0x8u /**< VK_KHR_push_descriptor (or Vulkan 1.4); without it vtc
                                              binds ordinary descriptor sets from its own pools */
#define VTC_FEATURE_TIMESTAMPS      0x10u
/** Every VTC_FEATURE_* this header defines; other bits in
 *  vtc_adopted_device.enabled are INVALID_ARGUMENT. */
#define VTC_FEATURE_ALL             0x1fu

/**
 * Adopted mode: the host's device. vtc creates nothing but its own
 * pipelines, pipeline cache, descriptor layouts, descriptor pools and
 * buffers, plus a command pool, fence and timestamp pool on the first
 * synchronous call, and destroys only those. The host states in `enabled`
 * which VTC_FEATURE_* it enabled at vkCreateDevice (vtc uses a feature only
 * if it is both enabled and supported). VTC_FEATURE_PUSH_DESCRIPTOR: the
 * host enabled VK_KHR_push_descriptor (or has Vulkan 1.4); without that bit
 * (ggml-vulkan enables no push descriptors) vtc binds ordinary descriptor
 * sets: a call allocates one per dispatch in its prepare step, before it
 * records; sets of record-mode calls are kept until vtc_context_recycle. `queue` is used only
 * by synchronous calls and by vtc_prepare's warm-up on a driver that compiles at the first
 * dispatch (lavapipe); if the host submits to it from other threads it
 * must pass lock/unlock, which vtc calls around every vkQueueSubmit and
 * vkQueueWaitIdle. api_version: the apiVersion the host created the
 * instance with (VkApplicationInfo; 0 → 1.1). vtc uses device functionality
 * only of min(api_version, the device's apiVersion), as Vulkan requires: e.g.
 * push descriptors come from core only when both are 1.4, otherwise from
 * the extension. A value below 1.1 is UNSUPPORTED; one with a non-zero
 * variant (not a Vulkan version) is INVALID_ARGUMENT.
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
    uint32_t flags;               /**< VTC_CONTEXT_*; other bits are INVALID_ARGUMENT */
    const vtc_allocator *allocator;       /**< NULL: malloc/free */
    const vtc_adopted_device *adopted;    /**< NULL: standalone */
    /* ---- vtc 1.1: read only when `size` covers them (size 0 is the v1 layout) ---- */
    /** Pipeline-cache data to start from, e.g. what vtc_context_pipeline_cache
     *  returned in an earlier run; NULL: start empty. Read during
     *  vtc_context_create only; the caller keeps ownership. A blob whose
     *  VkPipelineCacheHeaderVersionOne (header size, version, vendorID,
     *  deviceID, pipelineCacheUUID) is not this device's, or that is truncated
     *  or corrupt, is ignored with one VTC_LOG_WARN line: never an error. */
    const void *pipeline_cache_data;
    size_t pipeline_cache_size;           /**< bytes at pipeline_cache_data */
} vtc_context_desc;
/** Bytes of vtc 1.0's vtc_context_desc: the smallest non-zero size accepted. */
#define VTC_CONTEXT_DESC_SIZE_V1 ((uint32_t)(offsetof(vtc_context_desc, adopted) + sizeof(void *)))
#define VTC_CONTEXT_VALIDATION        0x1u /**< standalone: same as VTC_VALIDATION=1 */
#define VTC_CONTEXT_DISABLE_F16       0x2u /**< same as VTC_DISABLE_F16=1 */
#define VTC_CONTEXT_DISABLE_SUBGROUP  0x4u /**< same as VTC_DISABLE_SUBGROUP_OPS=1 */
#define VTC_CONTEXT_GPU_VARIANTS      0x8u /**< same as VTC_FORCE_GPU_VARIANTS=1: use the shader variants
                                                tuned for GPUs (shared-memory tiles) even on a CPU device
                                                such as lavapipe, which otherwise gets register-blocked
                                                variants; for testing both */
#define VTC_CONTEXT_COMPILE_ONLY      0x10u /**< the context only compiles: it allocates no device memory
                                                and creates no execution objects; vtc_prepare compiles every
                                                pipeline (weight sets keep host data only), every op call
                                                returns UNSUPPORTED. For `vtc pipelines` and for devices that
                                                compile but cannot execute (RADV's null device) */
#define VTC_CONTEXT_DISABLE_PUSH_DESCRIPTOR 0x20u /**< same as VTC_DISABLE_PUSH_DESCRIPTOR=1: bind ordinary
                                                descriptor sets even where push descriptors exist (the path
                                                an adopted device without VK_KHR_push_descriptor takes) */
/** Every VTC_CONTEXT_* bit this header defines. */
#define VTC_CONTEXT_ALL               0x3fu

/** Create a context. *out is set only on success. Errors: INVALID_ARGUMENT
 *  (also: desc.size, allocator size/reserved0, adopted size, unknown flag or
 *  feature bits), NO_DEVICE, UNSUPPORTED (device or adopted api_version below
 *  Vulkan 1.1, no push descriptors), VULKAN, OUT_OF_MEMORY. */
VTC_API vtc_result vtc_context_create(const vtc_context_desc *desc, vtc_context *out);
/**
 * The context's pipeline-cache data (every pipeline compiled so far, plus
 * what it started from), for the host to store and pass back as
 * vtc_context_desc.pipeline_cache_data next run. Two-call idiom: with data
 * NULL, *size is set to the bytes needed; otherwise *size is the capacity on
 * input and the bytes written on output, and VTC_INCOMPLETE (positive: what
 * was written is a valid, shorter cache) says not everything fitted. The
 * data is the driver's own format, valid only for this device and driver.
 * Errors: INVALID_ARGUMENT (NULL ctx or size), VULKAN, OUT_OF_MEMORY.
 */
VTC_API vtc_result vtc_context_pipeline_cache(vtc_context ctx, void *data, size_t *size);
/** Waits for vtc's own submissions, destroys what vtc created (weight sets
 *  left included). NULL is a no-op. No result: it cannot fail (a lost device
 *  is destroyed all the same). The host must not have work recorded by vtc
 *  still pending on its queue. */
VTC_API void vtc_context_destroy(vtc_context ctx);

/** What the context runs on and with. An output struct: set `size` first
 *  (see the conventions at the top). */
typedef struct vtc_device_info {
    uint32_t size;                /**< in: caller's sizeof (0: v1); out: bytes vtc filled */
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
    uint32_t reserved0;           /**< written as 0 */
    /* appended in 1.1.0 (a 1.0.0 host's struct ends here): which GPU this is, so a standalone
       context can be put on the engine's own GPU (compare with the engine's
       VkPhysicalDeviceIDProperties or PCI address, then pass that index + 1 as
       vtc_context_desc.device_index_plus1) */
    uint8_t device_uuid[16];      /**< VkPhysicalDeviceIDProperties.deviceUUID */
    uint8_t driver_uuid[16];      /**< VkPhysicalDeviceIDProperties.driverUUID */
    uint32_t pci_valid;           /**< 1: pci_* below are set (the device has VK_EXT_pci_bus_info) */
    uint32_t pci_domain, pci_bus, pci_device, pci_function;
    uint32_t reserved1;           /**< written as 0 */
} vtc_device_info;
/** Bytes of the v1 layout of each output struct: the smallest non-zero
 *  `size` vtc accepts, and what a `size` of 0 stands for. */
#define VTC_DEVICE_INFO_SIZE_V1 ((uint32_t)(offsetof(vtc_device_info, reserved0) + sizeof(uint32_t)))

/** Fills *out (its `size` set by the caller). Errors: INVALID_ARGUMENT for
 *  NULL arguments or out->size below VTC_DEVICE_INFO_SIZE_V1. */
VTC_API vtc_result vtc_context_info(vtc_context ctx, vtc_device_info *out);
/** vtc 1.0's device list, kept for hosts built against it: writes elements
 *  at the v1 stride (VTC_DEVICE_INFO_SIZE_V1), whatever size later headers
 *  give vtc_device_info, so it never overruns a v1 host's array; the
 *  elements' `size` fields are ignored on input and set to the v1 size.
 *  *count: in, capacity of `out` (may be 0 with out NULL); out, number of
 *  devices, which may exceed the capacity (truncation still returns
 *  VTC_SUCCESS, as in 1.0). New code calls vtc_enumerate_devices.
 *  Errors: INVALID_ARGUMENT for count NULL, or out NULL with *count > 0;
 *  NO_DEVICE when there is no Vulkan loader or it is incomplete; VULKAN
 *  (vkCreateInstance or the enumeration failed); OUT_OF_MEMORY. */
VTC_API vtc_result vtc_list_devices(vtc_device_info *out, uint32_t *count);
/**
 * Lists standalone-mode devices without creating a context, at the caller's
 * element size (the Vulkan two-call idiom):
 *  - out NULL: *count is set to the number of devices; VTC_SUCCESS.
 *  - out set: *count is the capacity on input (elements of `element_size`
 *    bytes each, `element_size` being the caller's sizeof(vtc_device_info)
 *    or 0 for the v1 size); vtc writes min(capacity, devices) elements at
 *    that stride, each filled as an output struct of that size (see the
 *    conventions), sets *count to the number written, and returns
 *    VTC_INCOMPLETE (positive: the entries written are valid) when there
 *    were more devices than room.
 * Errors: INVALID_ARGUMENT for count NULL or element_size non-zero below
 * the v1 size; NO_DEVICE when there is no Vulkan loader; VULKAN.
 */
VTC_API vtc_result vtc_enumerate_devices(vtc_device_info *out, uint32_t element_size, uint32_t *count);

/** Counters for leak checks and reports. An output struct: set `size` first. */
typedef struct vtc_context_stats {
    uint32_t size;                    /**< in: caller's sizeof (0: v1); out: bytes vtc filled */
    uint32_t reserved0;               /**< written as 0 */
    uint64_t device_memory_bytes;     /**< live VkDeviceMemory owned by vtc */
    uint64_t device_allocations;      /**< live VkDeviceMemory objects */
    uint64_t pipelines;               /**< pipelines created so far */
    uint64_t calls;                   /**< op calls that succeeded */
    uint64_t validation_messages;     /**< validation-layer warnings/errors seen */
    uint64_t last_gpu_time_ns;        /**< GPU time of the last synchronous call (0 if unknown) */
    /* appended in 1.1.0: hosts built against 1.0.0 pass the shorter size */
    uint64_t dispatches;              /**< compute dispatches vtc has recorded so far (both modes): a
                                           call's count is the difference around it */
    /* appended in 1.3.0: hosts built against 1.0/1.1/1.2 pass a shorter size
       (an older plugin fills 0 here and returns its own shorter size) */
    uint64_t objects_created;         /**< Vulkan objects vtc has created so far: pipelines (also counted
                                           by `pipelines`), pipeline and descriptor-set layouts, descriptor
                                           pools, command pools and buffers, fences, query pools, buffers
                                           and their VkDeviceMemory; not descriptor sets, which calls take
                                           from the pools, nor the texel buffer views a synchronous call
                                           makes of its host-memory tensors on a CPU device and destroys
                                           before it returns. The difference around a call is what it kept:
                                           0 after a vtc_prepare with the call's arguments (see there) */
    uint64_t pipelines_warmed;        /**< pipelines vtc_prepare dispatched once, empty, because the driver
                                           compiles at a pipeline's first dispatch rather than at its creation
                                           (lavapipe); 0 on drivers that compile at creation */
    uint64_t compile_ns;              /**< host nanoseconds vtc has spent compiling so far: creating
                                           pipelines, and vtc_prepare's warm-up dispatches where the driver
                                           compiles there; the difference around a call is what it paid */
} vtc_context_stats;
#define VTC_CONTEXT_STATS_SIZE_V1 ((uint32_t)(offsetof(vtc_context_stats, last_gpu_time_ns) + sizeof(uint64_t)))
/** Errors: INVALID_ARGUMENT for NULL arguments or out->size below the v1 size. */
VTC_API vtc_result vtc_context_stats_get(vtc_context ctx, vtc_context_stats *out);

/** Handles vtc uses, so a standalone host can create buffers on vtc's device.
 *  An output struct: set `size` first. The handles stay owned by vtc (or, in
 *  adopted mode, by the host) and live as long as the context. */
typedef struct vtc_vulkan_handles {
    uint32_t size;                /**< in: caller's sizeof (0: v1); out: bytes vtc filled */
    uint32_t queue_family;
    VkInstance instance;
    VkPhysicalDevice physical_device;
    VkDevice device;
    VkQueue queue;
    PFN_vkGetInstanceProcAddr get_instance_proc_addr;
} vtc_vulkan_handles;
#define VTC_VULKAN_HANDLES_SIZE_V1 \
    ((uint32_t)(offsetof(vtc_vulkan_handles, get_instance_proc_addr) + sizeof(PFN_vkGetInstanceProcAddr)))
/** Errors: INVALID_ARGUMENT for NULL arguments or out->size below the v1 size. */
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
 * vtc binds its own pipeline and descriptors (push descriptors, or its own
 * descriptor sets where push descriptors are not in use): the host must
 * rebind its compute pipeline, descriptor sets and push constants afterwards.
 * Without push descriptors the sets a recording binds must outlive its
 * command buffer's execution: vtc keeps them until the host calls
 * vtc_context_recycle (below).
 * A record-mode call that returns an error has written nothing into `cmd`:
 * everything that can fail (validation, limits, pipeline creation, an op's
 * own data) happens in the prepare step before the first command (see
 * vtc_prepare, which a host calls at load time to keep compiles out of the
 * first recording).
 */
/*
 * Errors every op call (vtc_scores ... vtc_prune, vtc_run) can return,
 * besides the op's own, listed with it:
 *  - INVALID_ARGUMENT: ctx or args NULL; args->size non-zero and below the
 *    v1 size; a reserved field or an undefined flag bit set; exec->flags
 *    non-zero; a tensor the op needs absent, or one with a dtype, rank,
 *    shape or stride the op does not take, a size/reserved0 not 0, both or
 *    neither of host and buffer set, a buffer offset not a multiple of the
 *    element size and minStorageBufferOffsetAlignment, or a view past
 *    maxStorageBufferRange; record mode with a host tensor.
 *  - SCRATCH_TOO_SMALL: record mode with exec->scratch_size below what
 *    vtc_query_scratch reports (or exec->scratch VK_NULL_HANDLE then).
 *  - UNSUPPORTED: F16 tensors where fp16 storage is missing or disabled
 *    (VTC_DISABLE_F16): refused in record mode, and for device buffers in
 *    synchronous mode (host F16 tensors are converted); a non-contiguous
 *    device tensor where the op does not document strides; a grid or
 *    workgroup beyond the device's limits; a context created
 *    VTC_CONTEXT_COMPILE_ONLY, or a device that gives no device memory or
 *    cannot create a command pool or fence (calls do not run there;
 *    vtc_prepare still compiles); and each op's size limits.
 *  - OUT_OF_MEMORY: a host or device allocation (synchronous mode: staging
 *    and vtc's scratch; either mode: pipelines, descriptor sets).
 *  - VULKAN: a Vulkan call failed (the log message names it).
 *  - DEVICE_LOST: the context is unusable; destroy it.
 * vtc_query_scratch and the typed *_query_scratch functions return the
 * INVALID_ARGUMENT and UNSUPPORTED causes above that depend on the args
 * (validation only: never SCRATCH_TOO_SMALL, OUT_OF_MEMORY or VULKAN).
 */
typedef struct vtc_exec {
    uint32_t size;
    uint32_t flags;               /**< none defined yet: must be 0 (else INVALID_ARGUMENT) */
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
#define VTC_OP_PRUNE      7u  /**< vtc_prune (vtc_prune.h) */
/** Ops numbered from here on are not part of the ABI: experimental or
 *  template ops of a build (plugin/ops/toy is one), reachable only through
 *  the generic entry points (vtc_run, vtc_query_scratch, vtc_prepare), and
 *  free to change or go between versions. */
#define VTC_OP_FIRST_EXPERIMENTAL 0x10000u

/** Validates `args` for op `op` (a VTC_OP_*) as a record-mode call would and
 *  reports the scratch bytes record mode needs. The value depends on shapes
 *  and parameters only, not on tensor addresses. Allocates nothing and
 *  compiles nothing (vtc_prepare does). *scratch_bytes is written only on
 *  success.
 *  The args are untyped here, so vtc cannot tell one op's struct from
 *  another's (it checks only that args->size, the first field, is 0 or at
 *  least the v1 size of op's struct): prefer the typed queries declared with
 *  each op (vtc_scores_query_scratch, ..., vtc_composite_query_scratch),
 *  which this calls. Errors: INVALID_ARGUMENT (NULL, unknown op, args), and
 *  the op's own validation errors (above). */
VTC_API vtc_result vtc_query_scratch(vtc_context ctx, uint32_t op, const void *args, uint64_t *scratch_bytes);

/**
 * Without push descriptors (see vtc_adopted_device), every record-mode call
 * binds descriptor sets vtc allocated for it, which stay valid and are
 * never rewritten until this call. Call it when every command buffer vtc
 * has recorded into has completed or been reset or freed (e.g. after the
 * host's fence wait at the end of a frame or graph): vtc then reuses those
 * sets' memory. Never needed with push descriptors, where it does nothing;
 * synchronous calls recycle their own. A host that never calls it keeps
 * about one set per recorded dispatch until vtc_context_destroy (a warning
 * is logged at 16384). Errors: INVALID_ARGUMENT for a NULL context.
 */
VTC_API vtc_result vtc_context_recycle(vtc_context ctx);

/** The generic call (vtc 1.2): runs op `op` (a VTC_OP_*) with `args`, its
 *  args struct, synchronously (exec NULL or exec->cmd null) or recording
 *  into exec->cmd, exactly as the op's typed function (vtc_scores, ...,
 *  vtc_prune), which calls this. As with vtc_query_scratch, prefer the typed
 *  functions: here vtc cannot tell one op's struct from another's. The only
 *  entry to an op at or above VTC_OP_FIRST_EXPERIMENTAL. Errors: as the
 *  op's own call; INVALID_ARGUMENT for an unknown op. */
VTC_API vtc_result vtc_run(vtc_context ctx, uint32_t op, const void *args, const vtc_exec *exec);

/**
 * The prepare step, for a host to call at model load. Validates `args` (the
 * args struct of op `op`, a VTC_OP_*) as a synchronous call would, then
 * creates everything a call with these arguments needs, so that the call
 * itself creates and compiles nothing (vtc_context_stats: the call leaves
 * `pipelines`, `objects_created` and `compile_ns` where prepare left them):
 *  - every compute pipeline it would bind (the same shaders, variants,
 *    specialisation constants and workgroup sizes), and, on a driver that
 *    compiles a pipeline at its first dispatch instead of at its creation
 *    (lavapipe), that compile: prepare records one empty dispatch (no
 *    workgroups, nothing read or written) of each new pipeline and waits
 *    for it on the context's queue (an adopted device's, with its
 *    queue_lock);
 *  - the op's own data (compress: the weight set's tables for this token
 *    count, as vtc_compress_weights_prepare);
 *  - when a tensor is in host memory (the call is then synchronous): the
 *    command buffer, fence and timestamp queries of synchronous calls, and
 *    the staging and scratch buffer grown to the call's size. With device
 *    tensors only, vtc cannot tell a record-mode call (host's scratch) from
 *    a synchronous one, and allocates no scratch: a synchronous call with
 *    device tensors only makes its scratch at its first call;
 *  - without push descriptors, descriptor pools with room for the call's
 *    sets.
 * Nothing is written to any tensor and no tensor memory is read beyond what
 * validation reads (merge: host rest_idx values), so other host tensors may
 * point at any non-NULL address; device tensors are not accessed: their
 * `buffer` may be any non-null handle and only `offset` matters.
 * Which pipelines a call needs depends on shapes, dtypes, parameters, on
 * whether each tensor is in host memory or a buffer, and on each buffer
 * tensor's offset modulo 16 (ops read 16-byte-aligned bindings as vec4):
 * prepare with the tensor kinds and the offsets (or offsets of the same
 * alignment) the calls will use, or a call compiles what is missing itself,
 * still before it writes a command. Record mode's exec->scratch_offset,
 * which prepare does not see, is covered: where the device allows storage
 * offsets not aligned to 16 bytes, prepare also makes the variants every
 * such scratch_offset would select.
 *
 * Every op call runs the first part of this step (pipelines, the op's
 * data) before writing into a command buffer, so a record-mode call either
 * returns an error having recorded nothing, or succeeds. Idempotent: a
 * second call with the same arguments creates nothing. In a context
 * created VTC_CONTEXT_COMPILE_ONLY, prepare only creates the pipelines the
 * call selects (no execution objects, memory or warm-up dispatches).
 * Errors: as the op's own call (INVALID_ARGUMENT, UNSUPPORTED for limits
 * the device cannot meet), OUT_OF_MEMORY, VULKAN (pipeline creation, the
 * warm-up submission), UNSUPPORTED when the device cannot execute the
 * warm-up or a host-memory call's objects (use VTC_CONTEXT_COMPILE_ONLY).
 */
VTC_API vtc_result vtc_prepare(vtc_context ctx, uint32_t op, const void *args);

/** The typed entry points of an op made public after vtc 1.2, defined in
 *  its header as `static inline` functions over the generic calls, so the
 *  op adds no exported symbol and no vtc_api_v1 member:
 *    VTC_OP_TYPED_WRAPPERS(foo, VTC_OP_FOO, vtc_foo_args)
 *  defines vtc_foo(ctx, args, exec), vtc_foo_query_scratch(ctx, args,
 *  &bytes) and vtc_foo_prepare(ctx, args), checked by the compiler like the
 *  1.0 functions. Hosts that load the plugin with dlopen call
 *  api->run(ctx, VTC_OP_FOO, &args, exec) (vtc_api.h) instead. Errors: those
 *  of vtc_run, vtc_query_scratch and vtc_prepare. */
#define VTC_OP_TYPED_WRAPPERS(name, op, args_type)                                                            \
    static inline vtc_result vtc_##name(vtc_context ctx, const args_type *args, const vtc_exec *exec)          \
    {                                                                                                          \
        return vtc_run(ctx, (op), args, exec);                                                                 \
    }                                                                                                          \
    static inline vtc_result vtc_##name##_query_scratch(vtc_context ctx, const args_type *args,                \
                                                        uint64_t *scratch_bytes)                               \
    {                                                                                                          \
        return vtc_query_scratch(ctx, (op), args, scratch_bytes);                                              \
    }                                                                                                          \
    static inline vtc_result vtc_##name##_prepare(vtc_context ctx, const args_type *args)                      \
    {                                                                                                          \
        return vtc_prepare(ctx, (op), args);                                                                   \
    }

/** One driver statistic of a pipeline (VkPipelineExecutableStatisticKHR). */
#define VTC_STAT_BOOL    0u /**< value in u64 (0 or 1) */
#define VTC_STAT_INT64   1u /**< value in i64 */
#define VTC_STAT_UINT64  2u /**< value in u64 */
#define VTC_STAT_FLOAT64 3u /**< value in f64 */
typedef struct vtc_pipeline_stat {
    char name[64];                /**< the driver's name, e.g. "VGPRs" (RADV); NUL-terminated */
    uint32_t format;              /**< VTC_STAT_* */
    uint32_t reserved0;
    int64_t i64;
    uint64_t u64;
    double f64;
} vtc_pipeline_stat;

#define VTC_MAX_PIPELINE_STATS 48
#define VTC_MAX_PIPELINE_SPEC  8
/**
 * A compute pipeline the context created (vtc_context_pipelines).
 * statistics: the driver's figures for the pipeline's (first) executable,
 * available when the device supports VK_KHR_pipeline_executable_properties
 * and vtc enabled it (standalone mode does when present; adopted mode
 * never, vtc cannot know what the host enabled); otherwise stat_count is 0
 * and has_statistics 0. stat_count is capped at VTC_MAX_PIPELINE_STATS;
 * stat_total says how many the driver reported.
 */
typedef struct vtc_pipeline_info {
    uint32_t size;                /**< sizeof(vtc_pipeline_info) of the plugin that wrote it */
    uint32_t index;               /**< creation order, 0 first */
    char shader[64];              /**< kernel name, e.g. "composite_attn_gpu" */
    char variant[32];             /**< "<f32|f16>.<sg|sh>": storage dtype, subgroup-op or shared-memory build */
    uint32_t local_size[3];       /**< workgroup size */
    uint32_t subgroup_size;       /**< the subgroup size vtc specialised it for (constant 0) */
    uint32_t spec_count;          /**< specialisation constants 0..spec_count-1 (0: subgroup, 1: local_size_x) */
    uint32_t spec[VTC_MAX_PIPELINE_SPEC];
    uint32_t bindings;            /**< storage buffers bound */
    uint32_t has_statistics;      /**< 1: the driver reported statistics (stat_count may still be 0) */
    uint32_t executables;         /**< executables the driver reported (0 when unknown) */
    uint32_t stat_count;          /**< entries of stats[] filled */
    uint32_t stat_total;          /**< statistics the driver reported */
    uint32_t reserved0;
    vtc_pipeline_stat stats[VTC_MAX_PIPELINE_STATS];
} vtc_pipeline_info;
/** Bytes of the v1 vtc_pipeline_info: the smallest elem_size accepted. */
#define VTC_PIPELINE_INFO_SIZE_V1 \
    ((uint32_t)(offsetof(vtc_pipeline_info, stats) + VTC_MAX_PIPELINE_STATS * sizeof(vtc_pipeline_stat)))

/**
 * Enumerates the pipelines the context has created, in creation order.
 * elem_size: the caller's sizeof(vtc_pipeline_info) (at least
 * VTC_PIPELINE_INFO_SIZE_V1), or 0 for the v1 size. Written caller-sized,
 * like the other output structs: out[i] lies at i * elem_size; vtc fills
 * its first min(elem_size, the plugin's sizeof) bytes, zeroes the rest up
 * to elem_size (members newer than the plugin read 0), and sets out[i].size
 * to the bytes it filled.
 * *count: in, entries `out` holds (out may be NULL with *count 0 to ask for
 * the number); out, entries written (or, with out NULL, the number that
 * exist). Returns VTC_INCOMPLETE when more pipelines exist than fitted.
 * Errors: INVALID_ARGUMENT (NULL ctx or count, out NULL with *count > 0,
 * elem_size below the v1 size), VULKAN (the statistics query failed).
 */
VTC_API vtc_result vtc_context_pipelines(vtc_context ctx, uint32_t elem_size, vtc_pipeline_info *out,
                                         uint32_t *count);

#ifdef __cplusplus
}
#endif

#include "vtc_visionzip.h"
#include "vtc_compress.h"
#include "vtc_composite.h"
#include "vtc_prune.h"
#include "vtc_api.h"

#endif /* VTC_H */
