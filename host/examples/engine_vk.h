/*
 * The example engine's own Vulkan, as a llama.cpp-style engine has it:
 * libvulkan.so.1 opened with dlopen (RTLD_LOCAL, nothing linked), every
 * call through this struct's function pointers, its own instance, device,
 * queue, buffers and command pool. vtc is then handed these handles
 * (adopted mode) and must leave all of it as it found it.
 */
#ifndef ENGINE_VK_H
#define ENGINE_VK_H
#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan_core.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define ENGINE_VK_INSTANCE_FUNCS(X) \
    X(vkDestroyInstance) X(vkEnumeratePhysicalDevices) X(vkGetPhysicalDeviceProperties) \
    X(vkGetPhysicalDeviceFeatures2) X(vkGetPhysicalDeviceQueueFamilyProperties) \
    X(vkGetPhysicalDeviceMemoryProperties) X(vkEnumerateDeviceExtensionProperties) X(vkCreateDevice) \
    X(vkGetDeviceProcAddr)

#define ENGINE_VK_DEVICE_FUNCS(X) \
    X(vkDestroyDevice) X(vkGetDeviceQueue) X(vkDeviceWaitIdle) X(vkCreateBuffer) X(vkDestroyBuffer) \
    X(vkGetBufferMemoryRequirements) X(vkAllocateMemory) X(vkFreeMemory) X(vkBindBufferMemory) X(vkMapMemory) \
    X(vkCreateShaderModule) X(vkDestroyShaderModule) X(vkCreateComputePipelines) X(vkDestroyPipeline) \
    X(vkCreatePipelineLayout) X(vkDestroyPipelineLayout) X(vkCreateDescriptorSetLayout) \
    X(vkDestroyDescriptorSetLayout) X(vkCreateDescriptorPool) X(vkDestroyDescriptorPool) \
    X(vkAllocateDescriptorSets) X(vkUpdateDescriptorSets) X(vkCreateCommandPool) X(vkDestroyCommandPool) \
    X(vkAllocateCommandBuffers) X(vkFreeCommandBuffers) X(vkBeginCommandBuffer) X(vkEndCommandBuffer) \
    X(vkCmdBindPipeline) X(vkCmdBindDescriptorSets) X(vkCmdPushConstants) X(vkCmdDispatch) \
    X(vkCmdPipelineBarrier) X(vkCmdCopyBuffer) X(vkCreateFence) X(vkDestroyFence) X(vkWaitForFences) \
    X(vkQueueSubmit)

/** The engine's function table. Plain struct: a test can snapshot and compare it. */
typedef struct engine_vk_fn {
#define ENGINE_VK_MEMBER(name) PFN_##name name;
    ENGINE_VK_INSTANCE_FUNCS(ENGINE_VK_MEMBER)
    ENGINE_VK_DEVICE_FUNCS(ENGINE_VK_MEMBER)
#undef ENGINE_VK_MEMBER
    PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT;
    PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT;
} engine_vk_fn;

typedef struct engine_vk {
    void *libvulkan;                  /**< dlopen handle, RTLD_LOCAL */
    PFN_vkGetInstanceProcAddr gipa;
    engine_vk_fn fn;
    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice phys;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    uint32_t api_version;             /**< what the instance was created with */
    uint32_t vtc_features;            /**< VTC_FEATURE_* enabled at vkCreateDevice, for vtc_adopted_device */
    int no_push_descriptors;          /**< ENGINE_NO_PUSH_DESCRIPTOR=1: VK_KHR_push_descriptor not enabled */
    int validation;                   /**< 1: VK_LAYER_KHRONOS_validation is on this instance */
    atomic_uint validation_messages;  /**< warnings and errors the layer reported */
    VkPhysicalDeviceMemoryProperties mem;
    VkDeviceSize storage_align;       /**< minStorageBufferOffsetAlignment */
    VkCommandPool pool;
} engine_vk;

/** A buffer with its own memory; `map` is set when host-visible memory was asked for. */
typedef struct engine_buf {
    VkBuffer buffer;
    VkDeviceMemory memory;
    void *map;
    VkDeviceSize bytes;
} engine_buf;

/** Opens libvulkan, creates instance (with the validation layer when
 *  want_validation and it is installed), picks the first device with a
 *  compute queue and VK_KHR_push_descriptor, creates device, queue and
 *  command pool. 0 on success; on failure writes err and leaves nothing. */
int engine_vk_create(engine_vk *e, int want_validation, char *err, size_t errlen);
void engine_vk_destroy(engine_vk *e);

/** host_visible 1: mapped, coherent (staging, read-back); 0: device-local
 *  preferred (encoder outputs, vtc's output, scratch). 0 on success. */
int engine_buf_create(engine_vk *e, VkDeviceSize bytes, int host_visible, engine_buf *b);
void engine_buf_destroy(engine_vk *e, engine_buf *b);

/** Rounds an offset up to the storage-buffer offset alignment. */
VkDeviceSize engine_align(const engine_vk *e, VkDeviceSize off);

/** One primary command buffer from the engine's pool, begun. */
int engine_cmd_begin(engine_vk *e, VkCommandBuffer *cmd);
/** Ends, submits once with a fence, waits, frees. 0 on success. */
int engine_cmd_submit_wait(engine_vk *e, VkCommandBuffer cmd);
/** A global memory barrier between two stages. */
void engine_barrier(engine_vk *e, VkCommandBuffer cmd, VkPipelineStageFlags src_stage, VkAccessFlags src,
                    VkPipelineStageFlags dst_stage, VkAccessFlags dst);

#endif
