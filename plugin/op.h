/*
 * All an op sees (plugin/ops/<op>/): its code's record (vtc_op_def, which
 * points at its descriptor, ops/op_desc.h), the plan it fills and the
 * tensor relations plan() states, the recorder it records into, the
 * device's capabilities (read only, set once when the context's device is
 * chosen), dispatch, and the core and memory layers below. Never the
 * context struct: an op that needs more of the device asks for a field in
 * vtc_caps. Another op's kernels only through its kernel header.
 */
#ifndef VTC_OP_H
#define VTC_OP_H

#include "memory/memory.h"
#include "ops/op_desc.h"
#include "vtc_op_list.h"
#include "vtc_kernels.h"   /* generated: VTC_K_<shader>, push block sizes */

/* ---- the device, as ops see it --------------------------------------- */
typedef struct vtc_caps {
    uint32_t features;            /* VTC_FEATURE_* in use */
    int cpu_variants;             /* pick register-blocked variants (a CPU device, not forced to GPU ones) */
    uint32_t device_type;         /* VkPhysicalDeviceType */
    uint32_t subgroup_size;
    uint64_t max_shared_memory;   /* maxComputeSharedMemorySize */
    VkDeviceSize offset_align;    /* minStorageBufferOffsetAlignment */
    VkDeviceSize max_range;       /* maxStorageBufferRange */
    uint32_t max_wg_count[3];
    uint32_t max_wg_size;
    int compile_only;             /* VTC_CONTEXT_COMPILE_ONLY: prepare compiles, nothing runs */
    /* Texel views (vtc_bound.texel): VTC_DTYPES bits of the float dtypes
       whose 4-channel format (R32G32B32A32_SFLOAT, R16G16B16A16_SFLOAT) the
       device reads as a uniform texel buffer, maxTexelBufferElements and
       minTexelBufferOffsetAlignment; texel_views: the executor makes them
       (caps.c: CPU devices, VTC_DISABLE_TEXEL_VIEWS unset) */
    uint32_t texel_dtypes;
    uint64_t max_texels;
    VkDeviceSize texel_offset_align;
    int texel_views;
} vtc_caps;
const vtc_caps *vtc_caps_of(vtc_context ctx);

/* lavapipe, the device every test runs on, ends any shader loop after
   65535 iterations and carries on with wrong results. Ops keep every
   per-invocation loop under this budget on every device, so the kernels
   the tests run are the kernels users run: a loop over n items with two
   passes per item takes n <= VTC_LOOP_BUDGET / 2. */
#define VTC_LOOP_BUDGET 60000u

#define VTC_WG 256u   /* default workgroup size (multiple of every subgroup size) */

/* Splits `groups` over x and y so each stays within the device's limit. */
void vtc_grid_2d(vtc_context ctx, uint64_t groups, uint32_t *gx, uint32_t *gy);
/* Element-wise grid: groups for `n` invocations of VTC_WG, 2-D when large. */
void vtc_grid_for(vtc_context ctx, uint64_t n, uint32_t *gx, uint32_t *gy);

/* ---- tensors (device/tensor.c: checks against the device's limits) --- */
size_t vtc_dtype_size(uint32_t dtype);
const char *vtc_dtype_name(uint32_t dtype);
int vtc_tensor_present(const vtc_tensor *t);
int64_t vtc_tensor_count(const vtc_tensor *t);
int vtc_tensor_contiguous(const vtc_tensor *t);

/* Validates one tensor that is not in an op's table (compress's weights):
   present (or absent when `optional`), dtype among `dtypes` (VTC_DTYPES
   bits), rank `ndim`, each dim equal to want[i] when want[i] >= 0 (want may
   be NULL), strides, and byte extent. `what` names it in the message. The
   executor runs the same check on every tensor of the table before plan(). */
vtc_result vtc_tensor_check(vtc_context ctx, const char *op, const char *what, const vtc_tensor *t,
                            int optional, uint32_t dtypes, uint32_t ndim, const int64_t *want);

/* ---- plan ------------------------------------------------------------- */
/* Room for an op's own typed plan (VTC_PLAN_OF). */
#define VTC_PLAN_OP_BYTES 256

/* What an op's plan() tells the executor, and what its record() reads. The
   tensors are the descriptor's table: record()'s bound[i] is table entry i,
   bound where the call gives it (present, not empty) and uses it. */
typedef struct vtc_plan {
    /* set by the executor before plan(): the op's table and the call's args */
    const vtc_op_desc *desc;
    const void *args;
    /* bit i: table tensor i is checked but this call neither reads nor
       writes it (not staged, not bound); the uses hook's skipped ones too */
    uint32_t unused;
    uint32_t float_dtype;     /* F32 or F16: a tensor of this dtype is stored in the device's float dtype */
    uint64_t scratch_bytes;   /* scratch record() needs (multiple of 256) */
    /* the op's typed plan (VTC_PLAN_OF): what plan() worked out and chose, and
       what the op's prepare hook adds, for record() to read */
    _Alignas(16) unsigned char op[VTC_PLAN_OP_BYTES];
} vtc_plan;

/* What plan() states about the relations between its tensors (each tensor
   alone was checked against the table before plan() ran): table tensor
   `i`, when present, has a dtype among `dtypes` (0: any the table allows)
   and dim d equal to want[d] where want[d] >= 0 (want NULL: any shape).
   "out has hidden's dtype and shape": vtc_tensor_expect(ctx, pl, T_OUT,
   VTC_DTYPES(a->hidden.dtype), a->hidden.shape). */
vtc_result vtc_tensor_expect(vtc_context ctx, const vtc_plan *pl, uint32_t i, uint32_t dtypes, const int64_t *want);
/* Table tensor i of the call plan() is planning. */
static inline const vtc_tensor *vtc_plan_tensor(const vtc_plan *pl, uint32_t i)
{
    return vtc_op_tensor_in_const(&pl->desc->tensors[i], pl->args);
}

/* The op's typed plan inside a vtc_plan: `type` is the op's own struct (a
   struct larger than the room is a compile error: a negative array size). */
#define VTC_PLAN_OF(plan, type) \
    ((type *)(void *)((plan)->op + 0 * sizeof(char[sizeof(type) <= VTC_PLAN_OP_BYTES ? 1 : -1])))
/* The same, read only: what record() sees of the plan plan() filled. */
#define VTC_PLAN_OF_CONST(plan, type) \
    ((const type *)(const void *)((plan)->op + 0 * sizeof(char[sizeof(type) <= VTC_PLAN_OP_BYTES ? 1 : -1])))

/* A tensor as the recorder sees it: buffer range and element strides.
   `texel`: a host-memory input of a synchronous call (staged in vtc's own
   buffer, which vtc owns until it has waited) on a device whose caps say
   texel_views, in a float dtype the device reads as 4-value texels: when
   record() writes commands, texel_view is a uniform texel buffer view that
   starts at the tensor (texel i = values 4i..4i+3 of the bound dtype; it
   may run past the tensor's end), made by the executor for this call only.
   record() may then pick kernels that read the tensor through a
   samplerBuffer (on llvmpipe a texel fetch is a vector gather; a
   storage-buffer load in a loop is a branch per lane and component). Both
   passes of record() see the same flag. Device buffers and record-mode
   calls have no views. */
typedef struct vtc_bound {
    VkBuffer buffer;
    VkDeviceSize offset;
    VkDeviceSize range;       /* bytes (>= 4; the dummy when empty) */
    int64_t stride[VTC_MAX_DIMS];
    uint32_t dtype;           /* dtype the device sees */
    int present;
    int texel;
    VkBufferView texel_view;
} vtc_bound;

/* ---- record ------------------------------------------------------------ */
typedef struct vtc_recorder vtc_recorder;   /* the executor's (device/device.h) */
vtc_context vtc_rec_ctx(const vtc_recorder *rec);
/* F32 or F16: the device dtype of the tensors of the plan's float_dtype. */
uint32_t vtc_rec_float_dtype(const vtc_recorder *rec);

/* Sub-range of the scratch: bytes at `offset` (offsets kept aligned by the op). */
vtc_bound vtc_scratch_slice(const vtc_recorder *rec, VkDeviceSize offset, VkDeviceSize bytes);
/* Rounds scratch pieces so every slice stays storage-offset aligned. */
static inline uint64_t vtc_scratch_round(uint64_t bytes) { return (bytes + 255u) & ~(uint64_t)255u; }

/* Records one dispatch of `kernel` (VTC_K_<shader>, vtc_kernels.h; variant
   from the recorder's float dtype, or `dtype_override` when non-zero, and
   the device's subgroup operations) with the given bindings (0..nbind-1),
   push constants (exactly the shader's push block, checked at build time by
   vtc_dispatch) and specialization constants
   (constant_id 0 = subgroup size, 1 = local_size_x; `spec` fills ids 2, 3,
   ...). A compute->compute memory barrier precedes it. record() runs twice
   with the same plan: first in the prepare step, where this creates the
   pipeline, checks the grid against the device's limits and can fail;
   then into the command buffer, where it finds what the first pass made
   and writes without failing. So record() must make the same calls both
   times, and fail only where this does. A variant the kernel's op does not
   declare in its meson.build fails in the prepare step. */
vtc_result vtc_dispatch_kernel(vtc_recorder *rec, vtc_kernel kernel, uint32_t dtype_override,
                               const vtc_bound *binds, uint32_t nbind, const void *push, uint32_t push_size,
                               uint32_t local_x, const uint32_t *spec, uint32_t nspec,
                               uint32_t gx, uint32_t gy, uint32_t gz);

/* `size` as a uint32_t, when it equals kernel k's push block as reflected
   from its SPIR-V; otherwise the build fails. A C struct shorter than the
   GLSL block would leave members the shader reads undefined (they are not
   pushed), a longer one means the two disagree on the layout. Both k and
   size must be integer constant expressions (a kernel enumerator, a sizeof):
   code forwarding a kernel and its push constants through variables checks
   where they are still constants. */
#define VTC_PUSH_SIZE(k, size)                                                                               \
    ((uint32_t)(size) + 0u * (uint32_t)sizeof(struct {                                                     \
        _Static_assert((size) == VTC_KERNEL_PUSH_BYTES(k),                                                 \
                       "push constants: the C struct's size differs from the push block of " #k);          \
        int vtc_unused;                                                                                    \
    }))
/* `n` when it is the number of storage buffers kernel k binds (its highest
   binding + 1, reflected from the SPIR-V), and `n` when it is the number of
   specialisation constants from id 2 on that k declares: a call binding one
   buffer too few, or filling one constant too many, fails the build instead
   of binding a placeholder or specialising nothing. Both must be integer
   constant expressions, as for VTC_PUSH_SIZE. Fill spec[] by name:
   spec[VTC_KSPEC_<shader>_<NAME> - 2] (vtc_kernels.h). */
#define VTC_BIND_COUNT(k, n)                                                                                 \
    ((uint32_t)(n) + 0u * (uint32_t)sizeof(struct {                                                        \
        _Static_assert((n) == VTC_KERNEL_BINDINGS(k), "bindings: the call binds a different number of "    \
                                                      "buffers than " #k " declares");                      \
        int vtc_unused;                                                                                    \
    }))
#define VTC_SPEC_COUNT(k, n)                                                                                 \
    ((uint32_t)(n) + 0u * (uint32_t)sizeof(struct {                                                        \
        _Static_assert((n) == VTC_KERNEL_SPEC_COUNT(k), "specialisation: the call sets a different number " \
                                                        "of constants than " #k " declares");               \
        int vtc_unused;                                                                                    \
    }))
/* Designates spec[]'s entry for a named constant: uint32_t spec[] =
   {VTC_SPEC(composite_attn_gpu, DH) = dh, ...}. */
#define VTC_SPEC(shader, NAME) [VTC_KSPEC_##shader##_##NAME - 2]
#define vtc_dispatch(rec, kernel, dtype_override, binds, nbind, push, push_size, local_x, spec, nspec, gx, gy, gz) \
    vtc_dispatch_kernel(rec, kernel, dtype_override, binds, VTC_BIND_COUNT(kernel, nbind), push,                 \
                        VTC_PUSH_SIZE(kernel, push_size), local_x, spec, VTC_SPEC_COUNT(kernel, nspec), gx, gy, gz)

/* ---- the op ------------------------------------------------------------ */
typedef struct vtc_op_def {
    /* The op as data (plugin/ops/<op>/<op>_desc.c): its id, name, v1 args
       size and tensor table. Before plan() the executor checks every tensor
       of the table: size and reserved0 always, even one the op ignores; then
       each one the call uses alone (present unless optional, dtype among
       the table's, rank, dims, strides, extent, buffer alignment). */
    const vtc_op_desc *desc;
    /* Optional: which tensors this call uses, from its parameters, as bits
       over the table: `need`, optional ones it requires (visionzip's attn
       in ATTN_CLS mode), and `skip`, ones it ignores (neither checked alone
       nor bound: q and k in ATTN_CLS mode). Both start at 0. Without the
       hook the call needs the table's required tensors and uses every
       present one. */
    void (*uses)(const void *args, uint32_t *need, uint32_t *skip);
    /* Checks the relations between the tensors (vtc_tensor_expect) and the
       parameters against the device's caps, and fills the plan: every
       choice (kernels, variants, layouts, scratch) is made here, and every
       limit checked. Allocates nothing (vtc_query_scratch calls it). */
    vtc_result (*plan)(vtc_context ctx, const void *args, vtc_plan *plan);
    /* tensors[i] is table tensor i bound on the device (present == 0 when not) */
    vtc_result (*record)(vtc_context ctx, const vtc_plan *plan, const vtc_bound *tensors, vtc_recorder *rec);
    /* Optional: creates what record() reads besides pipelines (may allocate;
       never called by vtc_query_scratch). Runs before the prepare pass. */
    vtc_result (*prepare)(vtc_context ctx, vtc_plan *plan);
    /* Optional: frees what the op keeps per context (vtc_op_state) when the
       context is destroyed, before its device goes. */
    void (*context_destroy)(vtc_context ctx);
} vtc_op_def;

/* Every op's descriptor (vtc_op_<op>_desc), from the op list. */
#define VTC_OP_DESC_DECLARE(name) extern const vtc_op_desc vtc_op_##name##_desc;
VTC_OP_LIST(VTC_OP_DESC_DECLARE)
#undef VTC_OP_DESC_DECLARE

/* The executor, for an op's public entry points (VTC_OP_ENTRY_POINTS). */
vtc_result vtc_run_op(vtc_context ctx, uint32_t op, const void *args, const vtc_exec *exec);
vtc_result vtc_query_scratch_op(vtc_context ctx, const char *caller, uint32_t op, const void *args,
                                uint64_t *scratch_bytes);
/* An op's public call and typed scratch query (abi/), defined in its folder:
   both validate through its descriptor, then run or only plan. */
#define VTC_OP_ENTRY_POINTS(call, query, args_type, op_id)                                         \
    VTC_API vtc_result call(vtc_context ctx, const args_type *args, const vtc_exec *exec)          \
    {                                                                                              \
        return vtc_run_op(ctx, op_id, args, exec);                                                 \
    }                                                                                              \
    VTC_API vtc_result query(vtc_context ctx, const args_type *args, uint64_t *scratch_bytes)      \
    {                                                                                              \
        return vtc_query_scratch_op(ctx, #query, op_id, args, scratch_bytes);                      \
    }

/* The op's own per-context slot (NULL until the op sets it), freed by its
   context_destroy hook. */
void **vtc_op_state(vtc_context ctx, const vtc_op_def *def);

#endif
