/*
 * The device layer: the context struct, seen by the files of plugin/device/
 * (device choice and capability policy, context lifetime, pipelines,
 * descriptor sets, the dispatch ops call) and by the layers above that run
 * it (the registry's op state slots, the executor, the public table). Not
 * part of the ABI, and not what an op sees (op.h). Nothing here calls up.
 */
#ifndef VTC_DEVICE_H
#define VTC_DEVICE_H

#include "op.h"

#include <pthread.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

/* ---- pipelines ------------------------------------------------------ */
#define VTC_MAX_BINDINGS 12
#define VTC_MAX_SPEC 6
#define VTC_PUSH_BYTES 128   /* every layout reserves the guaranteed minimum */
#define VTC_MAX_TEXEL_LAYOUTS 8
/* where the executor starts a host tensor's texel view in the io buffer,
   and the unit of every view's size (exec.c says why) */
#define VTC_TEXEL_ALIGN ((VkDeviceSize)64 << 10)

struct vtc_spirv_blob;
typedef struct vtc_pipeline {
    char name[64];           /* blob name "<shader>.<f32|f16>.<sh|sg>" (vtc_context_pipelines) */
    const struct vtc_spirv_blob *blob;  /* with the kernel, the pipeline's identity */
    uint32_t spec[VTC_MAX_SPEC];
    uint32_t nspec;
    uint32_t nbind;
    uint32_t texel_mask;     /* the kernel's samplerBuffer bindings (vtc_kernel_def) */
    uint8_t set_code;        /* its set layout, for descriptor sets (VTC_TEXEL_SET_CODE0) */
    VkPipeline pipeline;
    VkPipelineLayout layout;  /* owned by the layout cache, not by the pipeline */
    uint32_t local_x;
    int warmed;              /* dispatched once by vtc_prepare's warm-up (exec.c) */
    struct vtc_pipeline *next;       /* all of them, newest first */
    struct vtc_pipeline *next_same;  /* of the same kernel */
} vtc_pipeline;

/* ---- descriptor sets without push descriptors (descriptor_sets.c) --- */
typedef struct vtc_dset_pools {
    VkDescriptorPool *pools;
    uint32_t count, cap;
    uint32_t used;            /* index of the pool sets are allocated from */
    uint32_t taken;           /* sets allocated from pools[used] */
} vtc_dset_pools;
/* A set layout's code in the per-dispatch lists (vtc_pipeline.set_code):
   a binding count n (set_layouts[n]), or VTC_TEXEL_SET_CODE0 + i for
   texel_layouts[i] (kernels with samplerBuffer bindings). */
#define VTC_TEXEL_SET_CODE0 (VTC_MAX_BINDINGS + 1)
/* One set per dispatch, of the layouts codes[i] names; `recorded`: for a
   host's command buffer (kept until vtc_context_recycle), else for vtc's own
   synchronous submission (reset by the next synchronous call). */
vtc_result vtc_dsets_alloc(vtc_context ctx, int recorded, const uint8_t *codes, uint32_t n, VkDescriptorSet *out);
void vtc_dsets_reset_sync(vtc_context ctx);
/* Pools with room for `n` more sets of a synchronous and of a record-mode call. */
vtc_result vtc_dsets_reserve(vtc_context ctx, uint32_t n);
void vtc_dsets_destroy(vtc_context ctx);

/* ---- the context ---------------------------------------------------- */
#define VTC_MAX_OPS 32   /* op state slots (the registry asserts its list fits) */
struct vtc_context_t {
    /* first: logging and host allocation (core), then the device memory
       the buffers come from (memory), each reading only its own part */
    vtc_mem mem;

    /* Vulkan objects; `owns_device` says whether we destroy instance/device */
    int adopted;
    void *libvulkan;
    PFN_vkGetInstanceProcAddr gipa;
    vk_instance_table vki;
    vk_device_table vkd;
    VkInstance instance;
    VkPhysicalDevice phys;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    VkDebugUtilsMessengerEXT messenger;
    int validation;               /* VTC_VALIDATE_* this standalone instance runs, 0 when off */
    void (*queue_lock)(void *);
    void (*queue_unlock)(void *);
    void *queue_lock_user;

    /* properties */
    vtc_device_info info;
    vtc_caps caps;                /* what ops see of the device, set once by device.c */
    int push_descriptors;         /* bind with vkCmdPushDescriptorSetKHR, else ordinary sets (dsets_*) */
    vtc_dset_pools dsets_sync, dsets_recorded;
    uint32_t timestamp_valid_bits;
    int no_memory_at_create;      /* standalone: the dummy buffer could not be allocated at creation */
    int capture_stats;            /* pipelineExecutableInfo enabled: pipelines keep the driver's statistics */

    /* pipelines (lazy) */
    VkPipelineCache pipeline_cache;
    VkDescriptorSetLayout set_layouts[VTC_MAX_BINDINGS + 1];
    VkPipelineLayout layouts[VTC_MAX_BINDINGS + 1];
    struct vtc_texel_layout {     /* kernels with samplerBuffer bindings: a layout per (count, mask) */
        uint32_t nbind, mask;
        VkDescriptorSetLayout set;
        VkPipelineLayout layout;
    } texel_layouts[VTC_MAX_TEXEL_LAYOUTS];
    uint32_t ntexel_layouts;
    vtc_pipeline *pipelines;
    vtc_pipeline *kernel_pipelines[VTC_KERNEL_COUNT];  /* per kernel, through next_same */

    /* synchronous path, created on first use (a device that compiles but
       cannot execute, such as RADV's null device, still gets a context) */
    VkCommandPool cmd_pool;
    VkCommandBuffer cmd;
    VkFence fence;
    VkQueryPool timestamps;
    vtc_buf io;                   /* staging + scratch for synchronous calls, grows */
    vtc_buf dummy;                /* bound where an op's tensor is empty */

    /* stats */
    uint64_t pipelines_created;
    uint64_t calls;
    _Atomic uint64_t validation_messages;
    uint64_t last_gpu_time_ns;
    uint64_t dispatches;
    uint64_t objects_created;     /* Vulkan objects created by the device layer (memory counts its own) */
    uint64_t pipelines_warmed;
    uint64_t compile_ns;          /* host time in vkCreateComputePipelines and prepare's warm-up */

    /* each op's own per-context state (vtc_op_state), by registry index */
    void *op_state[VTC_MAX_OPS];
};
_Static_assert(offsetof(struct vtc_context_t, mem) == 0 && offsetof(vtc_mem, core) == 0,
               "core and memory read their part through the context pointer");

struct vtc_recorder {
    vtc_context ctx;
    /* without push descriptors: the prepare pass lists each dispatch's set
       layout code (dset_nbind, dset_count of dset_cap; VTC_TEXEL_SET_CODE0),
       the prepare step allocates one set per dispatch (dsets), recording
       takes them in order (dset_next) */
    uint8_t *dset_nbind;
    VkDescriptorSet *dsets;
    uint32_t dset_count, dset_cap, dset_next;
    VkCommandBuffer cmd;
    uint32_t float_dtype;     /* F32 or F16: selects the shader variant */
    int use_subgroup;
    uint32_t dispatches;
    vtc_bound scratch;        /* whole scratch range */
    int prepare_only;         /* prepare pass: vtc_dispatch creates pipelines and checks limits, records nothing */
};

/* What every op call and scratch query checks first: args NULL or shorter
   than v1, and the frozen tensors' size and reserved0. `caller` names the
   public function in the log line. */
vtc_result vtc_args_check(vtc_context ctx, const vtc_op_def *def, const void *args, const char *caller);

/* ---- pipelines (pipeline.c) ------------------------------------------ */
/* `blob` is the build of `kernel` serving the dispatch's variant (vtc_kernel_defs). */
vtc_result vtc_pipeline_get(vtc_context ctx, vtc_kernel kernel, const struct vtc_spirv_blob *blob, uint32_t nbind,
                            uint32_t local_x, const uint32_t *spec, uint32_t nspec, vtc_pipeline **out);
/* The pipeline vtc_pipeline_get made for these arguments, or NULL; creates nothing. */
vtc_pipeline *vtc_pipeline_find(vtc_context ctx, vtc_kernel kernel, const struct vtc_spirv_blob *blob, uint32_t nbind,
                                uint32_t local_x, const uint32_t *spec, uint32_t nspec);
void vtc_pipelines_destroy(vtc_context ctx);
/* CLOCK_MONOTONIC in ns (the compile-time statistic). */
uint64_t vtc_now_ns(void);

/* ---- capability policy (caps.c): every choice made from what the device can do */
/* The features a context uses of those the device supports (less the
   environment's and `flags`' switches). */
uint32_t vtc_caps_usable_features(uint32_t supported, uint32_t flags);
/* Once the device is open: the rest of ctx->caps (variants, device type,
   shared memory) and push descriptors under GPU-assisted validation. */
void vtc_caps_settle(vtc_context ctx, uint32_t flags);
/* The dtype the device stores a plan's float tensors in (F32 when the
   plan names none, or names F16 without fp16 storage). */
uint32_t vtc_caps_device_float(const vtc_caps *caps, uint32_t float_dtype);
/* Whether kernels take their subgroup-operation variant. */
int vtc_caps_use_subgroup(const vtc_caps *caps);

/* ---- device selection (device.c) ------------------------------------ */
vtc_result vtc_device_init_standalone(vtc_context ctx, const vtc_context_desc *desc);
vtc_result vtc_device_init_adopted(vtc_context ctx, const vtc_adopted_device *ad, uint32_t flags);
void vtc_device_fill_info(vtc_context ctx, VkPhysicalDevice pd, uint32_t index, vtc_device_info *info);

/* The buffer bound for absent tensors (made at creation where memory allows). */
vtc_result vtc_dummy_ensure(vtc_context ctx);

/* ---- for the layers above (registry, executor, public table) -------- */
/* The context's slot `index` for an op's own state (vtc_op_state, in the
   registry, which knows the ops' indices), or NULL past VTC_MAX_OPS. */
void **vtc_context_op_slot(vtc_context ctx, uint32_t index);
/* Waits for the device, calls `before_release` (the registry's walk of the
   ops' context_destroy hooks; NULL when no op can have state yet) while
   every object still exists, then frees the context. vtc_context_destroy
   (api.c) is this with the registry's walk. */
void vtc_context_teardown(vtc_context ctx, void (*before_release)(vtc_context ctx));

#endif
