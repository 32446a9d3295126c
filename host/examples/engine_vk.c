/* The example engine's Vulkan bring-up: nothing here knows about vtc. */
#include "engine_vk.h"
#include "vtc.h" /* VTC_FEATURE_* only: what the engine tells vtc it enabled */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
                                                 VkDebugUtilsMessageTypeFlagsEXT type,
                                                 const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
    (void)sev;
    (void)type;
    engine_vk *e = user;
    atomic_fetch_add(&e->validation_messages, 1u);
    fprintf(stderr, "engine: validation: %s\n", data && data->pMessage ? data->pMessage : "(no message)");
    return VK_FALSE;
}

static int fail(char *err, size_t errlen, const char *what, VkResult vr)
{
    snprintf(err, errlen, "%s failed (VkResult %d)", what, (int)vr);
    return -1;
}

static int has_layer(PFN_vkGetInstanceProcAddr gipa, const char *name)
{
    PFN_vkEnumerateInstanceLayerProperties enum_layers =
        (PFN_vkEnumerateInstanceLayerProperties)gipa(VK_NULL_HANDLE, "vkEnumerateInstanceLayerProperties");
    uint32_t n = 0;
    if (!enum_layers || enum_layers(&n, NULL) != VK_SUCCESS || !n)
        return 0;
    VkLayerProperties *lp = calloc(n, sizeof(*lp));
    int found = 0;
    if (lp && enum_layers(&n, lp) == VK_SUCCESS)
        for (uint32_t i = 0; i < n; i++)
            found |= !strcmp(lp[i].layerName, name);
    free(lp);
    return found;
}

static int create_instance(engine_vk *e, int want_validation, char *err, size_t errlen)
{
    PFN_vkCreateInstance create = (PFN_vkCreateInstance)e->gipa(VK_NULL_HANDLE, "vkCreateInstance");
    PFN_vkEnumerateInstanceVersion version =
        (PFN_vkEnumerateInstanceVersion)e->gipa(VK_NULL_HANDLE, "vkEnumerateInstanceVersion");
    uint32_t v = VK_API_VERSION_1_0;
    if (version)
        version(&v);
    if (!create || v < VK_API_VERSION_1_1) {
        snprintf(err, errlen, "the Vulkan loader is missing or older than 1.1");
        return -1;
    }
    e->api_version = v >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : v;
    e->validation = want_validation && has_layer(e->gipa, "VK_LAYER_KHRONOS_validation");
    if (want_validation && !e->validation)
        fprintf(stderr, "engine: VK_LAYER_KHRONOS_validation is not installed; running without it\n");
    const char *layer = "VK_LAYER_KHRONOS_validation";
    const char *exts[2] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME};
    /* The engine's instance is the one that watches what vtc records into the
       engine's command buffers, so it turns on synchronization validation
       (VTC_VALIDATION=gpu: GPU-assisted validation instead; =core: neither). */
    const char *mode = getenv("VTC_VALIDATION");
    int gpu = mode && !strcmp(mode, "gpu"), core = mode && !strcmp(mode, "core");
    VkValidationFeatureEnableEXT enable =
        gpu ? VK_VALIDATION_FEATURE_ENABLE_GPU_ASSISTED_EXT : VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
    VkValidationFeaturesEXT vf = {VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
    vf.enabledValidationFeatureCount = 1;
    vf.pEnabledValidationFeatures = &enable;
    VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "vtc example engine";
    app.apiVersion = e->api_version;
    VkDebugUtilsMessengerCreateInfoEXT mci = {VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    mci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    mci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                      VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    mci.pfnUserCallback = on_message;
    mci.pUserData = e;
    VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ci.pApplicationInfo = &app;
    if (e->validation) {
        ci.enabledLayerCount = 1;
        ci.ppEnabledLayerNames = &layer;
        ci.enabledExtensionCount = core ? 1 : 2;
        ci.ppEnabledExtensionNames = exts;
        ci.pNext = &mci; /* messages from vkCreateInstance / vkDestroyInstance too */
        if (!core) {
            vf.pNext = &mci;
            ci.pNext = &vf;
        }
    }
    VkResult vr = create(&ci, NULL, &e->instance);
    if (vr != VK_SUCCESS)
        return fail(err, errlen, "vkCreateInstance", vr);
#define LOAD(name) e->fn.name = (PFN_##name)e->gipa(e->instance, #name); \
    if (!e->fn.name) { snprintf(err, errlen, "instance lacks %s", #name); return -1; }
    ENGINE_VK_INSTANCE_FUNCS(LOAD)
#undef LOAD
    if (e->validation) {
        e->fn.vkCreateDebugUtilsMessengerEXT =
            (PFN_vkCreateDebugUtilsMessengerEXT)e->gipa(e->instance, "vkCreateDebugUtilsMessengerEXT");
        e->fn.vkDestroyDebugUtilsMessengerEXT =
            (PFN_vkDestroyDebugUtilsMessengerEXT)e->gipa(e->instance, "vkDestroyDebugUtilsMessengerEXT");
        if (!e->fn.vkCreateDebugUtilsMessengerEXT || !e->fn.vkDestroyDebugUtilsMessengerEXT)
            return fail(err, errlen, "loading VK_EXT_debug_utils", VK_ERROR_EXTENSION_NOT_PRESENT);
        vr = e->fn.vkCreateDebugUtilsMessengerEXT(e->instance, &mci, NULL, &e->messenger);
        if (vr != VK_SUCCESS)
            return fail(err, errlen, "vkCreateDebugUtilsMessengerEXT", vr);
    }
    return 0;
}

static int device_has_ext(engine_vk *e, VkPhysicalDevice pd, const char *name)
{
    uint32_t n = 0;
    if (e->fn.vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL) != VK_SUCCESS || !n)
        return 0;
    VkExtensionProperties *xp = calloc(n, sizeof(*xp));
    int found = 0;
    if (xp && e->fn.vkEnumerateDeviceExtensionProperties(pd, NULL, &n, xp) == VK_SUCCESS)
        for (uint32_t i = 0; i < n; i++)
            found |= !strcmp(xp[i].extensionName, name);
    free(xp);
    return found;
}

static int pick_device(engine_vk *e, char *err, size_t errlen)
{
    uint32_t n = 0;
    e->fn.vkEnumeratePhysicalDevices(e->instance, &n, NULL);
    VkPhysicalDevice devs[16];
    if (n > 16)
        n = 16;
    if (!n || e->fn.vkEnumeratePhysicalDevices(e->instance, &n, devs) < 0) {
        snprintf(err, errlen, "no Vulkan device");
        return -1;
    }
    for (uint32_t d = 0; d < n; d++) {
        if (!e->no_push_descriptors && !device_has_ext(e, devs[d], VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME))
            continue; /* enabled for vtc's sake when the engine can */
        uint32_t nq = 0;
        VkQueueFamilyProperties qp[16];
        e->fn.vkGetPhysicalDeviceQueueFamilyProperties(devs[d], &nq, NULL);
        if (nq > 16)
            nq = 16;
        e->fn.vkGetPhysicalDeviceQueueFamilyProperties(devs[d], &nq, qp);
        for (uint32_t q = 0; q < nq; q++)
            if (qp[q].queueFlags & VK_QUEUE_COMPUTE_BIT) {
                e->phys = devs[d];
                e->queue_family = q;
                return 0;
            }
    }
    snprintf(err, errlen, "no device with a compute queue and VK_KHR_push_descriptor");
    return -1;
}

static int create_device(engine_vk *e, char *err, size_t errlen)
{
    VkPhysicalDevice16BitStorageFeatures s16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    VkPhysicalDeviceFeatures2 f2 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    f2.pNext = &s16;
    e->fn.vkGetPhysicalDeviceFeatures2(e->phys, &f2);
    /* An engine enables what it wants for itself; it tells vtc which of vtc's features are among them. */
    VkPhysicalDevice16BitStorageFeatures en16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    en16.storageBuffer16BitAccess = s16.storageBuffer16BitAccess;
    e->vtc_features = (s16.storageBuffer16BitAccess ? VTC_FEATURE_F16_STORAGE : 0) |
                      (e->no_push_descriptors ? 0 : VTC_FEATURE_PUSH_DESCRIPTOR);
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    qci.queueFamilyIndex = e->queue_family;
    qci.queueCount = 1;
    qci.pQueuePriorities = &prio;
    const char *ext = VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME;
    VkDeviceCreateInfo dci = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    dci.pNext = &en16;
    dci.queueCreateInfoCount = 1;
    dci.pQueueCreateInfos = &qci;
    /* like ggml-vulkan, an engine may enable no push descriptors: vtc then binds descriptor sets */
    dci.enabledExtensionCount = e->no_push_descriptors ? 0 : 1;
    dci.ppEnabledExtensionNames = &ext;
    VkResult vr = e->fn.vkCreateDevice(e->phys, &dci, NULL, &e->device);
    if (vr != VK_SUCCESS)
        return fail(err, errlen, "vkCreateDevice", vr);
    /* device-level pointers straight from the driver, as ggml-vulkan and volk do */
#define LOAD(name) e->fn.name = (PFN_##name)e->fn.vkGetDeviceProcAddr(e->device, #name); \
    if (!e->fn.name) { snprintf(err, errlen, "device lacks %s", #name); return -1; }
    ENGINE_VK_DEVICE_FUNCS(LOAD)
#undef LOAD
    e->fn.vkGetDeviceQueue(e->device, e->queue_family, 0, &e->queue);
    e->fn.vkGetPhysicalDeviceMemoryProperties(e->phys, &e->mem);
    VkPhysicalDeviceProperties props;
    e->fn.vkGetPhysicalDeviceProperties(e->phys, &props);
    e->storage_align = props.limits.minStorageBufferOffsetAlignment ? props.limits.minStorageBufferOffsetAlignment : 4;
    VkCommandPoolCreateInfo pci = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pci.queueFamilyIndex = e->queue_family;
    vr = e->fn.vkCreateCommandPool(e->device, &pci, NULL, &e->pool);
    return vr == VK_SUCCESS ? 0 : fail(err, errlen, "vkCreateCommandPool", vr);
}

int engine_vk_create(engine_vk *e, int want_validation, char *err, size_t errlen)
{
    memset(e, 0, sizeof(*e));
    atomic_init(&e->validation_messages, 0u);
    const char *np = getenv("ENGINE_NO_PUSH_DESCRIPTOR");
    e->no_push_descriptors = np && *np && strcmp(np, "0");
    /* RTLD_LOCAL: the engine's loader stays private, as it would inside a bigger program */
    e->libvulkan = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
    void *sym = e->libvulkan ? dlsym(e->libvulkan, "vkGetInstanceProcAddr") : NULL;
    if (!sym) {
        snprintf(err, errlen, "cannot load libvulkan.so.1: %s", dlerror());
        engine_vk_destroy(e);
        return -1;
    }
    memcpy(&e->gipa, &sym, sizeof(e->gipa));
    if (create_instance(e, want_validation, err, errlen) || pick_device(e, err, errlen) ||
        create_device(e, err, errlen)) {
        engine_vk_destroy(e);
        return -1;
    }
    return 0;
}

void engine_vk_destroy(engine_vk *e)
{
    if (e->device) {
        e->fn.vkDeviceWaitIdle(e->device);
        if (e->pool)
            e->fn.vkDestroyCommandPool(e->device, e->pool, NULL);
        e->fn.vkDestroyDevice(e->device, NULL);
    }
    if (e->messenger)
        e->fn.vkDestroyDebugUtilsMessengerEXT(e->instance, e->messenger, NULL);
    if (e->instance && e->fn.vkDestroyInstance)
        e->fn.vkDestroyInstance(e->instance, NULL);
    if (e->libvulkan)
        dlclose(e->libvulkan);
    e->libvulkan = NULL;
    e->instance = VK_NULL_HANDLE;
    e->device = VK_NULL_HANDLE;
}

int engine_buf_create(engine_vk *e, VkDeviceSize bytes, int host_visible, engine_buf *b)
{
    memset(b, 0, sizeof(*b));
    VkBufferCreateInfo bci = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bci.size = bytes ? bytes : 16;
    bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    if (e->fn.vkCreateBuffer(e->device, &bci, NULL, &b->buffer) != VK_SUCCESS)
        return -1;
    VkMemoryRequirements req;
    e->fn.vkGetBufferMemoryRequirements(e->device, b->buffer, &req);
    VkMemoryPropertyFlags want = host_visible ? VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
                                              : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    int type = -1;
    for (uint32_t i = 0; i < e->mem.memoryTypeCount && type < 0; i++)
        if ((req.memoryTypeBits & (1u << i)) && (e->mem.memoryTypes[i].propertyFlags & want) == want)
            type = (int)i;
    for (uint32_t i = 0; i < e->mem.memoryTypeCount && type < 0 && !host_visible; i++)
        if (req.memoryTypeBits & (1u << i)) /* device-local is a preference, host-visible a need */
            type = (int)i;
    VkMemoryAllocateInfo mai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    mai.allocationSize = req.size;
    mai.memoryTypeIndex = (uint32_t)type;
    if (type < 0 || e->fn.vkAllocateMemory(e->device, &mai, NULL, &b->memory) != VK_SUCCESS ||
        e->fn.vkBindBufferMemory(e->device, b->buffer, b->memory, 0) != VK_SUCCESS ||
        (host_visible && e->fn.vkMapMemory(e->device, b->memory, 0, VK_WHOLE_SIZE, 0, &b->map) != VK_SUCCESS)) {
        engine_buf_destroy(e, b);
        return -1;
    }
    b->bytes = bytes;
    return 0;
}

void engine_buf_destroy(engine_vk *e, engine_buf *b)
{
    if (b->buffer)
        e->fn.vkDestroyBuffer(e->device, b->buffer, NULL);
    if (b->memory)
        e->fn.vkFreeMemory(e->device, b->memory, NULL); /* unmaps */
    memset(b, 0, sizeof(*b));
}

VkDeviceSize engine_align(const engine_vk *e, VkDeviceSize off)
{
    VkDeviceSize a = e->storage_align;
    return (off + a - 1) / a * a;
}

int engine_cmd_begin(engine_vk *e, VkCommandBuffer *cmd)
{
    VkCommandBufferAllocateInfo cai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    cai.commandPool = e->pool;
    cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cai.commandBufferCount = 1;
    if (e->fn.vkAllocateCommandBuffers(e->device, &cai, cmd) != VK_SUCCESS)
        return -1;
    VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    if (e->fn.vkBeginCommandBuffer(*cmd, &bi) != VK_SUCCESS) {
        e->fn.vkFreeCommandBuffers(e->device, e->pool, 1, cmd);
        return -1;
    }
    return 0;
}

int engine_cmd_submit_wait(engine_vk *e, VkCommandBuffer cmd)
{
    int rc = -1;
    VkFence fence = VK_NULL_HANDLE;
    VkFenceCreateInfo fci = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd;
    if (e->fn.vkEndCommandBuffer(cmd) == VK_SUCCESS && e->fn.vkCreateFence(e->device, &fci, NULL, &fence) == VK_SUCCESS &&
        e->fn.vkQueueSubmit(e->queue, 1, &si, fence) == VK_SUCCESS &&
        e->fn.vkWaitForFences(e->device, 1, &fence, VK_TRUE, UINT64_MAX) == VK_SUCCESS)
        rc = 0;
    if (fence)
        e->fn.vkDestroyFence(e->device, fence, NULL);
    e->fn.vkFreeCommandBuffers(e->device, e->pool, 1, &cmd);
    return rc;
}

void engine_barrier(engine_vk *e, VkCommandBuffer cmd, VkPipelineStageFlags src_stage, VkAccessFlags src,
                    VkPipelineStageFlags dst_stage, VkAccessFlags dst)
{
    VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = src;
    mb.dstAccessMask = dst;
    e->fn.vkCmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 1, &mb, 0, NULL, 0, NULL);
}
