/*
 * Internal context, shared by every plugin file. Not part of the ABI.
 */
#ifndef VTC_CONTEXT_H
#define VTC_CONTEXT_H

#include "vk_loader.h"
#include "vtc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

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

/* ---- device buffers ------------------------------------------------- */
typedef struct vtc_buf {
    VkBuffer buffer;
    VkDeviceMemory memory;
    VkDeviceSize size;
    VkDeviceSize alloc_size;  /* bytes of the VkDeviceMemory (stats) */
    void *mapped;            /* host-visible mapping (always: vtc only uses mappable memory) */
    int coherent;
} vtc_buf;
vtc_result vtc_buf_create(vtc_context ctx, VkDeviceSize size, vtc_buf *out);
void vtc_buf_destroy(vtc_context ctx, vtc_buf *b);
/* Make host writes visible to the device / device writes visible to the host
   (no-ops for coherent memory). */
void vtc_buf_flush(vtc_context ctx, const vtc_buf *b);
void vtc_buf_invalidate(vtc_context ctx, const vtc_buf *b);

/* ---- pipelines ------------------------------------------------------ */
#define VTC_MAX_BINDINGS 12
#define VTC_MAX_SPEC 6
#define VTC_PUSH_BYTES 128   /* every layout reserves the guaranteed minimum */

typedef struct vtc_pipeline {
    char name[64];           /* blob name "<shader>.<f32|f16>.<sh|sg>" */
    uint32_t spec[VTC_MAX_SPEC];
    uint32_t nspec;
    uint32_t nbind;
    VkPipeline pipeline;
    VkPipelineLayout layout;  /* owned by the layout cache, not by the pipeline */
    uint32_t local_x;
    struct vtc_pipeline *next;
} vtc_pipeline;

/* ---- descriptor sets without push descriptors (descriptor_sets.c) --- */
typedef struct vtc_dset_pools {
    VkDescriptorPool *pools;
    uint32_t count, cap;
    uint32_t used;            /* index of the pool sets are allocated from */
} vtc_dset_pools;
/* One set per dispatch, layouts set_layouts[nbind[i]]; `recorded`: for a
   host's command buffer (kept until vtc_context_recycle), else for vtc's own
   synchronous submission (reset by the next synchronous call). */
vtc_result vtc_dsets_alloc(vtc_context ctx, int recorded, const uint8_t *nbind, uint32_t n, VkDescriptorSet *out);
void vtc_dsets_reset_sync(vtc_context ctx);
void vtc_dsets_destroy(vtc_context ctx);

/* ---- the context ---------------------------------------------------- */
struct vtc_context_t {
    /* logging + host allocation */
    vtc_log_fn log;
    void *log_user;
    int32_t log_level;
    vtc_allocator allocator;
    int has_allocator;

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
    VkPhysicalDeviceMemoryProperties memprops;
    uint32_t features;            /* VTC_FEATURE_* in use */
    int push_descriptors;         /* bind with vkCmdPushDescriptorSetKHR, else ordinary sets (dsets_*) */
    vtc_dset_pools dsets_sync, dsets_recorded;
    int cpu_variants;             /* pick register-blocked shader variants (CPU device, not forced to GPU ones) */
    uint32_t subgroup_size;
    VkDeviceSize offset_align;    /* minStorageBufferOffsetAlignment */
    VkDeviceSize max_range;       /* maxStorageBufferRange */
    uint32_t max_wg_count[3];
    uint32_t max_wg_size;
    uint32_t timestamp_valid_bits;
    int compile_only;             /* VTC_CONTEXT_COMPILE_ONLY: no device memory, no op calls */
    int no_memory_at_create;      /* standalone: the dummy buffer could not be allocated at creation */
    int capture_stats;            /* pipelineExecutableInfo enabled: pipelines keep the driver's statistics */

    /* pipelines (lazy) */
    VkPipelineCache pipeline_cache;
    VkDescriptorSetLayout set_layouts[VTC_MAX_BINDINGS + 1];
    VkPipelineLayout layouts[VTC_MAX_BINDINGS + 1];
    vtc_pipeline *pipelines;

    /* synchronous path, created on first use (a device that compiles but
       cannot execute, such as RADV's null device, still gets a context) */
    VkCommandPool cmd_pool;
    VkCommandBuffer cmd;
    VkFence fence;
    VkQueryPool timestamps;
    vtc_buf io;                   /* staging + scratch for synchronous calls, grows */
    vtc_buf dummy;                /* bound where an op's tensor is empty */

    /* stats */
    uint64_t device_memory_bytes;
    uint64_t device_allocations;
    uint64_t pipelines_created;
    uint64_t calls;
    _Atomic uint64_t validation_messages;
    uint64_t last_gpu_time_ns;
    uint64_t dispatches;

    /* weight sets (compress) still alive, destroyed with the context */
    struct vtc_weights_t *weights;
};

/* ---- tensors -------------------------------------------------------- */
size_t vtc_dtype_size(uint32_t dtype);
const char *vtc_dtype_name(uint32_t dtype);
int vtc_tensor_present(const vtc_tensor *t);
int64_t vtc_tensor_count(const vtc_tensor *t);
int vtc_tensor_contiguous(const vtc_tensor *t);

/* Validates one tensor: present (or absent when `optional`), dtype in
   `dtype_mask` (bit (1<<dtype)), rank `ndim`, each dim equal to want[i]
   when want[i] >= 0 (want may be NULL), strides, and byte extent. `what`
   names it in the message ("hidden"). */
#define VTC_DT_BIT(d) (1u << (d))
#define VTC_DT_FLOAT (VTC_DT_BIT(VTC_DTYPE_F32) | VTC_DT_BIT(VTC_DTYPE_F16))
vtc_result vtc_tensor_check(vtc_context ctx, const char *op, const char *what, const vtc_tensor *t,
                            int optional, uint32_t dtype_mask, uint32_t ndim, const int64_t *want);

/* ---- op registry ---------------------------------------------------- */
#define VTC_OP_MAX_TENSORS 12
#define VTC_T_IN       0x1u
#define VTC_T_OUT      0x2u
#define VTC_T_FLOAT    0x4u   /* stored in the op's float dtype (converted with it) */
#define VTC_T_STRIDED  0x8u   /* the op's shader honours strides */

typedef struct vtc_op_tensor {
    const vtc_tensor *t;      /* NULL or absent tensor: not bound (dummy) */
    uint32_t flags;
} vtc_op_tensor;

/* What an op's plan() tells the executor. */
typedef struct vtc_plan {
    vtc_op_tensor tensors[VTC_OP_MAX_TENSORS];
    uint32_t ntensors;
    uint32_t float_dtype;     /* F32 or F16: the dtype of the VTC_T_FLOAT tensors */
    uint64_t scratch_bytes;   /* scratch record() needs (multiple of 256) */
    int64_t dims[16];         /* op-specific sizes worked out by plan() */
    uint32_t params[8];       /* op-specific parameters */
    float fparams[4];
    void *object;             /* op-specific (compress: the weight set) */
    void *prepared;           /* op-specific, set by the op's prepare hook (compress: the per-N tables) */
} vtc_plan;

/* A tensor as the recorder sees it: buffer range and element strides. */
typedef struct vtc_bound {
    VkBuffer buffer;
    VkDeviceSize offset;
    VkDeviceSize range;       /* bytes (>= 4; the dummy when empty) */
    int64_t stride[VTC_MAX_DIMS];
    uint32_t dtype;           /* dtype the device sees */
    int present;
} vtc_bound;

typedef struct vtc_recorder {
    vtc_context ctx;
    /* without push descriptors: the prepare pass lists each dispatch's binding
       count (dset_nbind, dset_count of dset_cap), the prepare step allocates
       one set per dispatch (dsets), recording takes them in order (dset_next) */
    uint8_t *dset_nbind;
    VkDescriptorSet *dsets;
    uint32_t dset_count, dset_cap, dset_next;
    VkCommandBuffer cmd;
    uint32_t float_dtype;     /* F32 or F16: selects the shader variant */
    int use_subgroup;
    uint32_t dispatches;
    vtc_bound scratch;        /* whole scratch range */
    int prepare_only;         /* prepare pass: vtc_dispatch creates pipelines and checks limits, records nothing */
} vtc_recorder;

typedef struct vtc_op_def {
    uint32_t op;
    const char *name;
    size_t args_size;                 /* sizeof v1 args */
    vtc_result (*plan)(vtc_context ctx, const void *args, vtc_plan *plan);
    /* tensors[i] is plan->tensors[i] bound on the device */
    vtc_result (*record)(vtc_context ctx, const vtc_plan *plan, const vtc_bound *tensors, vtc_recorder *rec);
    /* offset of the first vtc_tensor member when the tensors fill the rest of
       the v1 args (as in every ABI 1 op); lets the entry points refuse a
       non-zero reserved0 or a foreign size in any tensor, even one the op
       ignores, before plan. 0: no such check. */
    size_t tensors_offset;
    /* Optional: creates what record() reads besides pipelines (may allocate;
       never called by vtc_query_scratch). Runs before the prepare pass. */
    vtc_result (*prepare)(vtc_context ctx, vtc_plan *plan);
} vtc_op_def;

/* What every op call and scratch query checks first: args NULL or shorter
   than v1, and the frozen tensors' size and reserved0. `caller` names the
   public function in the log line. */
vtc_result vtc_args_check(vtc_context ctx, const vtc_op_def *def, const void *args, const char *caller);

const vtc_op_def *vtc_op_find(uint32_t op);
vtc_result vtc_run_op(vtc_context ctx, uint32_t op, const void *args, const vtc_exec *exec);
/* Validates like vtc_query_scratch, then runs the op's prepare hook and its
   record() in prepare mode: every pipeline the call would use exists after. */
vtc_result vtc_prepare_op(vtc_context ctx, uint32_t op, const void *args);

/* Sub-range of the scratch: bytes at `offset` (offsets kept aligned by the op). */
vtc_bound vtc_scratch_slice(const vtc_recorder *rec, VkDeviceSize offset, VkDeviceSize bytes);
/* Rounds scratch pieces so every slice stays storage-offset aligned. */
static inline uint64_t vtc_scratch_round(uint64_t bytes) { return (bytes + 255u) & ~(uint64_t)255u; }

/* Records one dispatch of kernel `shader` (variant from rec->float_dtype,
   or `dtype_override` when non-zero) with the given bindings (0..nbind-1),
   push constants (<= 128 bytes) and specialization constants (constant_id
   0 = subgroup size, 1 = local_size_x; `spec` fills ids 2, 3, ...).
   A compute->compute memory barrier precedes it. Group counts beyond the
   device limit are an error (ops tile with a 2-D grid). Only the prepare
   pass (rec->prepare_only) checks limits, creates pipelines and can fail;
   recording then finds what it created and writes without failing. */
vtc_result vtc_dispatch(vtc_recorder *rec, const char *shader, uint32_t dtype_override,
                        const vtc_bound *binds, uint32_t nbind, const void *push, uint32_t push_size,
                        uint32_t local_x, const uint32_t *spec, uint32_t nspec,
                        uint32_t gx, uint32_t gy, uint32_t gz);

/* Splits `groups` over x and y so each stays within the device's limit. */
void vtc_grid_2d(vtc_context ctx, uint64_t groups, uint32_t *gx, uint32_t *gy);

/* ---- pipelines and submission (pipeline.c, submit.c) ---------------- */
vtc_result vtc_pipeline_get(vtc_context ctx, const char *name, uint32_t nbind, uint32_t local_x,
                            const uint32_t *spec, uint32_t nspec, vtc_pipeline **out);
/* The pipeline vtc_pipeline_get made for these arguments, or NULL; creates nothing. */
vtc_pipeline *vtc_pipeline_find(vtc_context ctx, const char *name, uint32_t nbind, uint32_t local_x,
                                const uint32_t *spec, uint32_t nspec);
void vtc_pipelines_destroy(vtc_context ctx);
/* Record + submit + wait on the context's own command buffer, created with
   its fence and timestamp pool on the first call. `record` fills it. */
vtc_result vtc_submit_sync(vtc_context ctx, vtc_result (*record)(void *user, VkCommandBuffer cmd), void *user);

/* ---- device selection (device.c) ------------------------------------ */
vtc_result vtc_device_init_standalone(vtc_context ctx, const vtc_context_desc *desc);
vtc_result vtc_device_init_adopted(vtc_context ctx, const vtc_adopted_device *ad, uint32_t flags);
void vtc_device_fill_info(vtc_context ctx, VkPhysicalDevice pd, uint32_t index, vtc_device_info *info);

/* The buffer bound for absent tensors (made at creation where memory allows). */
vtc_result vtc_dummy_ensure(vtc_context ctx);

/* env switch helper: VAR=1/true/yes */
int vtc_env_flag(const char *name);
/* What VTC_VALIDATION (or VTC_CONTEXT_VALIDATION) turns on: 0 (off) or one of these. */
#define VTC_VALIDATE_CORE 1 /* the layer's default checks */
#define VTC_VALIDATE_SYNC 2 /* + synchronization validation */
#define VTC_VALIDATE_GPU  3 /* + GPU-assisted validation */
int vtc_validation_mode(uint32_t flags);

#endif
