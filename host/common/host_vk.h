/*
 * The host side's one Vulkan helper (bench, the example engine, the tests).
 * Like vtc itself it never links libvulkan: VK_NO_PROTOTYPES, and every call
 * goes through this struct's function pointers. Two ways to get a device:
 *   host_vk_create  its own instance and device, as an engine has them
 *                   (libvulkan.so.1 dlopen'ed RTLD_LOCAL); vtc then adopts it;
 *   host_vk_wrap    vtc's own device, from vtc_context_vulkan_handles
 *                   (nothing is created but a command pool).
 * On top: buffers, host <-> buffer copies, one-shot command buffers, a
 * barrier, and compute pipelines with N storage buffers and push constants.
 */
#ifndef HOST_VK_H
#define HOST_VK_H
#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include "vtc.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define HOST_VK_INSTANCE_FUNCS(X) \
    X(vkDestroyInstance) X(vkEnumeratePhysicalDevices) X(vkGetPhysicalDeviceProperties) \
    X(vkGetPhysicalDeviceFeatures2) X(vkGetPhysicalDeviceQueueFamilyProperties) \
    X(vkGetPhysicalDeviceMemoryProperties) X(vkEnumerateDeviceExtensionProperties) X(vkCreateDevice) \
    X(vkGetDeviceProcAddr)

#define HOST_VK_DEVICE_FUNCS(X) \
    X(vkDestroyDevice) X(vkGetDeviceQueue) X(vkDeviceWaitIdle) X(vkCreateBuffer) X(vkDestroyBuffer) \
    X(vkGetBufferMemoryRequirements) X(vkAllocateMemory) X(vkFreeMemory) X(vkBindBufferMemory) X(vkMapMemory) \
    X(vkCreateShaderModule) X(vkDestroyShaderModule) X(vkCreateComputePipelines) X(vkDestroyPipeline) \
    X(vkCreatePipelineLayout) X(vkDestroyPipelineLayout) X(vkCreateDescriptorSetLayout) \
    X(vkDestroyDescriptorSetLayout) X(vkCreateDescriptorPool) X(vkDestroyDescriptorPool) \
    X(vkAllocateDescriptorSets) X(vkUpdateDescriptorSets) X(vkCreateCommandPool) X(vkDestroyCommandPool) \
    X(vkAllocateCommandBuffers) X(vkFreeCommandBuffers) X(vkBeginCommandBuffer) X(vkEndCommandBuffer) \
    X(vkCmdBindPipeline) X(vkCmdBindDescriptorSets) X(vkCmdPushConstants) X(vkCmdDispatch) \
    X(vkCmdPipelineBarrier) X(vkCmdCopyBuffer) X(vkCreateFence) X(vkDestroyFence) X(vkWaitForFences) \
    X(vkQueueSubmit) X(vkCreateQueryPool) X(vkDestroyQueryPool) X(vkCmdResetQueryPool) X(vkCmdWriteTimestamp) \
    X(vkGetQueryPoolResults)

/** The function table. Plain struct: a test can snapshot and compare it. */
typedef struct host_vk_fn {
#define HOST_VK_MEMBER(name) PFN_##name name;
    HOST_VK_INSTANCE_FUNCS(HOST_VK_MEMBER)
    HOST_VK_DEVICE_FUNCS(HOST_VK_MEMBER)
#undef HOST_VK_MEMBER
    PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT;
    PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT;
} host_vk_fn;

/** Validation on an instance of host_vk_create's own (VTC_VALIDATION's values). */
enum { HOST_VK_VALIDATION_OFF, HOST_VK_VALIDATION_SYNC, HOST_VK_VALIDATION_GPU, HOST_VK_VALIDATION_CORE };
/** VTC_VALIDATION: unset or 0 off, gpu, core, anything else synchronization validation. */
int host_vk_validation_from_env(void);

typedef struct host_vk {
    void *libvulkan;                  /**< dlopen handle (host_vk_create only) */
    int owns_device;                  /**< 1: host_vk_create made instance and device */
    PFN_vkGetInstanceProcAddr gipa;
    host_vk_fn fn;
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice phys;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    uint32_t api_version;             /**< what the instance was created with */
    uint32_t vtc_features;            /**< VTC_FEATURE_* enabled at vkCreateDevice, for vtc_adopted_device */
    int no_push_descriptors;          /**< VK_KHR_push_descriptor not enabled */
    int validation;                   /**< 1: VK_LAYER_KHRONOS_validation is on this instance */
    atomic_uint validation_messages;  /**< warnings and errors the layer reported */
    VkPhysicalDeviceProperties props;
    VkPhysicalDeviceMemoryProperties mem;
    uint32_t timestamp_bits;          /**< timestampValidBits of the queue family (0: none) */
    VkCommandPool pool;
    /* optional: taken around each submission when others submit to the same queue */
    void (*queue_lock)(void *user);
    void (*queue_unlock)(void *user);
    void *queue_lock_user;
} host_vk;

typedef struct host_vk_options {
    int validation;                   /**< HOST_VK_VALIDATION_*; off when the layer is not installed */
    int no_push_descriptors;          /**< like ggml-vulkan: do not enable VK_KHR_push_descriptor */
    const char *app_name;
} host_vk_options;

/** Opens libvulkan, creates an instance, picks the first device with a
 *  compute queue (and VK_KHR_push_descriptor unless asked not to), creates
 *  device, queue and command pool. 0 on success; on failure writes err and
 *  leaves nothing. */
int host_vk_create(host_vk *vk, const host_vk_options *o, char *err, size_t errlen);
/** Loads the functions through the handles' vkGetInstanceProcAddr and makes
 *  a command pool on their queue family. 0, or -1 with err written. */
int host_vk_wrap(host_vk *vk, const vtc_vulkan_handles *h, char *err, size_t errlen);
/** Frees what the helper made (and, for host_vk_create, the device, instance and libvulkan). */
void host_vk_destroy(host_vk *vk);

/** A storage buffer with its own memory. */
typedef struct host_vk_buffer {
    VkBuffer buffer;
    VkDeviceMemory memory;
    void *map;                        /**< NULL when not host-visible */
    size_t bytes;
} host_vk_buffer;
/** HOST_VK_MAPPED: host-visible coherent memory, mapped (staging, read-back,
 *  tests that fill and check through the mapping). HOST_VK_DEVICE_LOCAL:
 *  device-local preferred, mapped too when that memory is also host-visible
 *  (CPU devices, unified memory, resizable BAR). */
enum { HOST_VK_MAPPED, HOST_VK_DEVICE_LOCAL };
int host_vk_buffer_create(host_vk *vk, size_t bytes, int where, host_vk_buffer *b);
void host_vk_buffer_destroy(host_vk *vk, host_vk_buffer *b);
/** Host <-> buffer copies of `bytes` at offset 0, through a staging buffer
 *  when `b` is not mapped; the upload ends with a barrier to compute-shader
 *  reads and writes, the download starts with one from compute writes. */
int host_vk_upload(host_vk *vk, host_vk_buffer *b, const void *data, size_t bytes);
int host_vk_download(host_vk *vk, const host_vk_buffer *b, void *data, size_t bytes);

/** Rounds an offset up to minStorageBufferOffsetAlignment. */
VkDeviceSize host_vk_align(const host_vk *vk, VkDeviceSize off);

/** A primary command buffer from the helper's pool, begun (one-time submit). */
int host_vk_cmd_begin(host_vk *vk, VkCommandBuffer *cmd);
/** Ends the n buffers, submits them in one submission with a fence (under
 *  queue_lock when set), waits, frees them. 0 on success. */
int host_vk_submit_wait(host_vk *vk, VkCommandBuffer *cmd, uint32_t n);
/** Frees n command buffers that will not be submitted. */
void host_vk_cmd_free(host_vk *vk, VkCommandBuffer *cmd, uint32_t n);
/** A global memory barrier between two stages. */
void host_vk_barrier(host_vk *vk, VkCommandBuffer cmd, VkPipelineStageFlags src_stage, VkAccessFlags src,
                     VkPipelineStageFlags dst_stage, VkAccessFlags dst);

/** vtc record mode the way a host sharing vtc's device runs it: a command
 *  buffer of its own, between the host barriers abi/vtc.h asks for (host
 *  writes -> vtc's shaders -> host reads), with scratch at [offset, +bytes)
 *  of `scratch`; `record` calls an op with the exec it is given. Submits
 *  and waits when it succeeded, else frees the command buffer unsubmitted.
 *  Returns its result, or VTC_ERROR_VULKAN. */
vtc_result host_vk_record_vtc(host_vk *vk, VkBuffer scratch, VkDeviceSize offset, VkDeviceSize bytes,
                              vtc_result (*record)(void *user, const vtc_exec *exec), void *user);

/** A compute pipeline: `nbind` storage buffers (set 0, bindings 0..n-1, at most
 *  HOST_VK_MAX_BINDINGS), `push_bytes` of push constants, one descriptor set. */
#define HOST_VK_MAX_BINDINGS 8
typedef struct host_vk_pipeline {
    VkShaderModule module;
    VkDescriptorSetLayout set_layout;
    VkPipelineLayout layout;
    VkPipeline pipeline;
    VkDescriptorPool pool;
    VkDescriptorSet set;
    uint32_t nbind, push_bytes;
} host_vk_pipeline;
/** A range of a buffer for one binding; bytes VK_WHOLE_SIZE: to the end. */
typedef struct host_vk_range {
    VkBuffer buffer;
    VkDeviceSize offset, bytes;
} host_vk_range;
int host_vk_pipeline_create(host_vk *vk, const uint32_t *code, size_t code_bytes, uint32_t nbind, uint32_t push_bytes,
                            host_vk_pipeline *p);
/** Points the set's bindings at r[0..nbind-1]. */
void host_vk_pipeline_bind(host_vk *vk, host_vk_pipeline *p, const host_vk_range *r);
/** Binds pipeline and set, pushes `push` (push_bytes), dispatches gx x gy x gz. */
void host_vk_pipeline_record(host_vk *vk, const host_vk_pipeline *p, VkCommandBuffer cmd, const void *push,
                             uint32_t gx, uint32_t gy, uint32_t gz);
void host_vk_pipeline_destroy(host_vk *vk, host_vk_pipeline *p);

#endif
