/*
 * volk-style Vulkan loader: per-context function tables, no global state.
 * vtc is a plugin inside someone else's process: global vk* symbols would
 * clash with the host's loader, so every call goes through these tables.
 */
#ifndef VTC_VK_LOADER_H
#define VTC_VK_LOADER_H
#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan_core.h>

#define VTC_VK_GLOBAL_FUNCS(X) \
    X(vkCreateInstance) \
    X(vkEnumerateInstanceVersion) \
    X(vkEnumerateInstanceLayerProperties) \
    X(vkEnumerateInstanceExtensionProperties)

#define VTC_VK_INSTANCE_FUNCS(X) \
    X(vkDestroyInstance) \
    X(vkEnumeratePhysicalDevices) \
    X(vkGetPhysicalDeviceProperties) \
    X(vkGetPhysicalDeviceProperties2) \
    X(vkGetPhysicalDeviceFeatures2) \
    X(vkGetPhysicalDeviceQueueFamilyProperties) \
    X(vkGetPhysicalDeviceMemoryProperties) \
    X(vkGetPhysicalDeviceFormatProperties) \
    X(vkEnumerateDeviceExtensionProperties) \
    X(vkCreateDevice) \
    X(vkGetDeviceProcAddr)

/* Optional instance functions (extensions): may stay NULL. */
#define VTC_VK_INSTANCE_OPT_FUNCS(X) \
    X(vkCreateDebugUtilsMessengerEXT) \
    X(vkDestroyDebugUtilsMessengerEXT)

#define VTC_VK_DEVICE_FUNCS(X) \
    X(vkDestroyDevice) \
    X(vkGetDeviceQueue) \
    X(vkDeviceWaitIdle) \
    X(vkCreateBuffer) \
    X(vkCreateBufferView) \
    X(vkDestroyBufferView) \
    X(vkDestroyBuffer) \
    X(vkGetBufferMemoryRequirements) \
    X(vkAllocateMemory) \
    X(vkFreeMemory) \
    X(vkBindBufferMemory) \
    X(vkMapMemory) \
    X(vkUnmapMemory) \
    X(vkFlushMappedMemoryRanges) \
    X(vkInvalidateMappedMemoryRanges) \
    X(vkCreateShaderModule) \
    X(vkDestroyShaderModule) \
    X(vkCreatePipelineCache) \
    X(vkDestroyPipelineCache) \
    X(vkGetPipelineCacheData) \
    X(vkCreateComputePipelines) \
    X(vkDestroyPipeline) \
    X(vkCreatePipelineLayout) \
    X(vkDestroyPipelineLayout) \
    X(vkCreateDescriptorSetLayout) \
    X(vkDestroyDescriptorSetLayout) \
    X(vkCreateDescriptorPool) \
    X(vkDestroyDescriptorPool) \
    X(vkResetDescriptorPool) \
    X(vkAllocateDescriptorSets) \
    X(vkUpdateDescriptorSets) \
    X(vkCmdBindDescriptorSets) \
    X(vkCreateCommandPool) \
    X(vkDestroyCommandPool) \
    X(vkAllocateCommandBuffers) \
    X(vkFreeCommandBuffers) \
    X(vkBeginCommandBuffer) \
    X(vkEndCommandBuffer) \
    X(vkResetCommandBuffer) \
    X(vkCmdBindPipeline) \
    X(vkCmdPushConstants) \
    X(vkCmdDispatch) \
    X(vkCmdPipelineBarrier) \
    X(vkCmdCopyBuffer) \
    X(vkCmdFillBuffer) \
    X(vkCmdResetQueryPool) \
    X(vkCmdWriteTimestamp) \
    X(vkCreateQueryPool) \
    X(vkDestroyQueryPool) \
    X(vkGetQueryPoolResults) \
    X(vkQueueSubmit) \
    X(vkQueueWaitIdle) \
    X(vkCreateFence) \
    X(vkDestroyFence) \
    X(vkWaitForFences) \
    X(vkResetFences)

#define VTC_VK_DEVICE_OPT_FUNCS(X) \
    X(vkCmdPushDescriptorSetKHR) \
    X(vkGetPipelineExecutablePropertiesKHR) \
    X(vkGetPipelineExecutableStatisticsKHR)

#define VTC_VK_DECLARE(name) PFN_##name name;

typedef struct vk_global_table { VTC_VK_GLOBAL_FUNCS(VTC_VK_DECLARE) } vk_global_table;
typedef struct vk_instance_table {
    VTC_VK_INSTANCE_FUNCS(VTC_VK_DECLARE)
    VTC_VK_INSTANCE_OPT_FUNCS(VTC_VK_DECLARE)
} vk_instance_table;
typedef struct vk_device_table {
    VTC_VK_DEVICE_FUNCS(VTC_VK_DECLARE)
    VTC_VK_DEVICE_OPT_FUNCS(VTC_VK_DECLARE)
} vk_device_table;

/* dlopen libvulkan.so.1 (VTC_VULKAN_LIBRARY overrides the name).
   Returns the handle and its vkGetInstanceProcAddr, or NULL. */
void *vk_loader_open(PFN_vkGetInstanceProcAddr *gipa, char *err, size_t errlen);
void vk_loader_close(void *lib);
/* Sanitizer builds only (a no-op otherwise): marks every library loaded
   now (the Vulkan loader, the driver, its LLVM, the layers, vtc itself)
   RTLD_NODELETE, so that LeakSanitizer, which symbolizes at exit, still
   names the module of each frame after vkDestroyInstance has unloaded the
   driver. tests/lsan.supp then suppresses by driver module, and a leak of
   vtc's own keeps its vtc frames. */
void vk_keep_resident(void);

/* Each returns the name of the first missing required function, or NULL. */
const char *vk_load_global(PFN_vkGetInstanceProcAddr gipa, vk_global_table *t);
const char *vk_load_instance(PFN_vkGetInstanceProcAddr gipa, VkInstance inst, vk_instance_table *t);
const char *vk_load_device(const vk_instance_table *it, VkDevice dev, vk_device_table *t);

#endif
