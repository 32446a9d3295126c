/* The host side's Vulkan helper: see host_vk.h. Nothing here calls vtc. */
#include "host_vk.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *what, VkResult vr)
{
    snprintf(err, errlen, "%s failed (VkResult %d)", what, (int)vr);
    return -1;
}

int host_vk_validation_from_env(void)
{
    const char *v = getenv("VTC_VALIDATION");
    if (!v || !*v || !strcmp(v, "0"))
        return HOST_VK_VALIDATION_OFF;
    return !strcmp(v, "gpu") ? HOST_VK_VALIDATION_GPU : !strcmp(v, "core") ? HOST_VK_VALIDATION_CORE
                                                                           : HOST_VK_VALIDATION_SYNC;
}

/* ---- function table and device facts (both modes) ------------------------- */
static int load_instance_funcs(host_vk *vk, char *err, size_t errlen)
{
#define LOAD(name) vk->fn.name = (PFN_##name)vk->gipa(vk->instance, #name); \
    if (!vk->fn.name) { snprintf(err, errlen, "instance lacks %s", #name); return -1; }
    HOST_VK_INSTANCE_FUNCS(LOAD)
#undef LOAD
    return 0;
}

/* Device-level pointers straight from the driver, as ggml-vulkan and volk do;
   then what every user needs: memory types, limits, timestamp bits, a pool. */
static int load_device(host_vk *vk, char *err, size_t errlen)
{
#define LOAD(name) vk->fn.name = (PFN_##name)vk->fn.vkGetDeviceProcAddr(vk->device, #name); \
    if (!vk->fn.name) { snprintf(err, errlen, "device lacks %s", #name); return -1; }
    HOST_VK_DEVICE_FUNCS(LOAD)
#undef LOAD
    vk->fn.vkGetPhysicalDeviceMemoryProperties(vk->phys, &vk->mem);
    vk->fn.vkGetPhysicalDeviceProperties(vk->phys, &vk->props);
    uint32_t nq = 0;
    VkQueueFamilyProperties qp[32];
    vk->fn.vkGetPhysicalDeviceQueueFamilyProperties(vk->phys, &nq, NULL);
    nq = nq > 32 ? 32 : nq;
    vk->fn.vkGetPhysicalDeviceQueueFamilyProperties(vk->phys, &nq, qp);
    vk->timestamp_bits = vk->queue_family < nq ? qp[vk->queue_family].timestampValidBits : 0;
    VkCommandPoolCreateInfo pci = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pci.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
    pci.queueFamilyIndex = vk->queue_family;
    VkResult vr = vk->fn.vkCreateCommandPool(vk->device, &pci, NULL, &vk->pool);
    return vr == VK_SUCCESS ? 0 : fail(err, errlen, "vkCreateCommandPool", vr);
}

int host_vk_wrap(host_vk *vk, const vtc_vulkan_handles *h, char *err, size_t errlen)
{
    memset(vk, 0, sizeof(*vk));
    atomic_init(&vk->validation_messages, 0u);
    if (!h->get_instance_proc_addr || !h->device) {
        snprintf(err, errlen, "no Vulkan handles to wrap");
        return -1;
    }
    vk->gipa = h->get_instance_proc_addr;
    vk->instance = h->instance;
    vk->phys = h->physical_device;
    vk->device = h->device;
    vk->queue = h->queue;
    vk->queue_family = h->queue_family;
    if (load_instance_funcs(vk, err, errlen) || load_device(vk, err, errlen)) {
        host_vk_destroy(vk);
        return -1;
    }
    return 0;
}

/* ---- an instance and device of our own (the engine's case) ----------------- */
static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
                                                 VkDebugUtilsMessageTypeFlagsEXT type,
                                                 const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
    (void)sev;
    (void)type;
    host_vk *vk = user;
    atomic_fetch_add(&vk->validation_messages, 1u);
    fprintf(stderr, "engine: validation: %s\n", data && data->pMessage ? data->pMessage : "(no message)");
    return VK_FALSE;
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

static int create_instance(host_vk *vk, const host_vk_options *o, char *err, size_t errlen)
{
    PFN_vkCreateInstance create = (PFN_vkCreateInstance)vk->gipa(VK_NULL_HANDLE, "vkCreateInstance");
    PFN_vkEnumerateInstanceVersion version =
        (PFN_vkEnumerateInstanceVersion)vk->gipa(VK_NULL_HANDLE, "vkEnumerateInstanceVersion");
    uint32_t v = VK_API_VERSION_1_0;
    if (version)
        version(&v);
    if (!create || v < VK_API_VERSION_1_1) {
        snprintf(err, errlen, "the Vulkan loader is missing or older than 1.1");
        return -1;
    }
    vk->api_version = v >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : v;
    int want = o->validation != HOST_VK_VALIDATION_OFF;
    vk->validation = want && has_layer(vk->gipa, "VK_LAYER_KHRONOS_validation");
    if (want && !vk->validation)
        fprintf(stderr, "engine: VK_LAYER_KHRONOS_validation is not installed; running without it\n");
    const char *layer = "VK_LAYER_KHRONOS_validation";
    const char *exts[2] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME};
    /* This instance watches what vtc records into its command buffers, so it
       turns on synchronization validation (or GPU-assisted; core: neither). */
    int core = o->validation == HOST_VK_VALIDATION_CORE;
    VkValidationFeatureEnableEXT enable = o->validation == HOST_VK_VALIDATION_GPU
                                              ? VK_VALIDATION_FEATURE_ENABLE_GPU_ASSISTED_EXT
                                              : VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
    VkValidationFeaturesEXT vf = {VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
    vf.enabledValidationFeatureCount = 1;
    vf.pEnabledValidationFeatures = &enable;
    VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = o->app_name ? o->app_name : "vtc host";
    app.apiVersion = vk->api_version;
    VkDebugUtilsMessengerCreateInfoEXT mci = {VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    mci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    mci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                      VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    mci.pfnUserCallback = on_message;
    mci.pUserData = vk;
    VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ci.pApplicationInfo = &app;
    if (vk->validation) {
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
    VkResult vr = create(&ci, NULL, &vk->instance);
    if (vr != VK_SUCCESS)
        return fail(err, errlen, "vkCreateInstance", vr);
    if (load_instance_funcs(vk, err, errlen))
        return -1;
    if (vk->validation) {
        vk->fn.vkCreateDebugUtilsMessengerEXT =
            (PFN_vkCreateDebugUtilsMessengerEXT)vk->gipa(vk->instance, "vkCreateDebugUtilsMessengerEXT");
        vk->fn.vkDestroyDebugUtilsMessengerEXT =
            (PFN_vkDestroyDebugUtilsMessengerEXT)vk->gipa(vk->instance, "vkDestroyDebugUtilsMessengerEXT");
        if (!vk->fn.vkCreateDebugUtilsMessengerEXT || !vk->fn.vkDestroyDebugUtilsMessengerEXT)
            return fail(err, errlen, "loading VK_EXT_debug_utils", VK_ERROR_EXTENSION_NOT_PRESENT);
        vr = vk->fn.vkCreateDebugUtilsMessengerEXT(vk->instance, &mci, NULL, &vk->messenger);
        if (vr != VK_SUCCESS)
            return fail(err, errlen, "vkCreateDebugUtilsMessengerEXT", vr);
    }
    return 0;
}

static int device_has_ext(host_vk *vk, VkPhysicalDevice pd, const char *name)
{
    uint32_t n = 0;
    if (vk->fn.vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL) != VK_SUCCESS || !n)
        return 0;
    VkExtensionProperties *xp = calloc(n, sizeof(*xp));
    int found = 0;
    if (xp && vk->fn.vkEnumerateDeviceExtensionProperties(pd, NULL, &n, xp) == VK_SUCCESS)
        for (uint32_t i = 0; i < n; i++)
            found |= !strcmp(xp[i].extensionName, name);
    free(xp);
    return found;
}

static int pick_device(host_vk *vk, char *err, size_t errlen)
{
    uint32_t n = 0;
    VkPhysicalDevice devs[16];
    if (vk->fn.vkEnumeratePhysicalDevices(vk->instance, &n, NULL) < 0)
        n = 0;
    n = n > 16 ? 16 : n;
    if (!n || vk->fn.vkEnumeratePhysicalDevices(vk->instance, &n, devs) < 0) {
        snprintf(err, errlen, "no Vulkan device");
        return -1;
    }
    for (uint32_t d = 0; d < n; d++) {
        if (!vk->no_push_descriptors && !device_has_ext(vk, devs[d], VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME))
            continue; /* enabled for vtc's sake when the device has it */
        uint32_t nq = 0;
        VkQueueFamilyProperties qp[16];
        vk->fn.vkGetPhysicalDeviceQueueFamilyProperties(devs[d], &nq, NULL);
        nq = nq > 16 ? 16 : nq;
        vk->fn.vkGetPhysicalDeviceQueueFamilyProperties(devs[d], &nq, qp);
        for (uint32_t q = 0; q < nq; q++)
            if (qp[q].queueFlags & VK_QUEUE_COMPUTE_BIT) {
                vk->phys = devs[d];
                vk->queue_family = q;
                return 0;
            }
    }
    snprintf(err, errlen, "no device with a compute queue%s", vk->no_push_descriptors ? "" : " and VK_KHR_push_descriptor");
    return -1;
}

static int create_device(host_vk *vk, char *err, size_t errlen)
{
    VkPhysicalDevice16BitStorageFeatures s16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    VkPhysicalDeviceFeatures2 f2 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    f2.pNext = &s16;
    vk->fn.vkGetPhysicalDeviceFeatures2(vk->phys, &f2);
    /* An engine enables what it wants for itself and tells vtc which of vtc's features are among them. */
    VkPhysicalDevice16BitStorageFeatures en16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    en16.storageBuffer16BitAccess = s16.storageBuffer16BitAccess;
    vk->vtc_features = (s16.storageBuffer16BitAccess ? VTC_FEATURE_F16_STORAGE : 0) |
                       (vk->no_push_descriptors ? 0 : VTC_FEATURE_PUSH_DESCRIPTOR);
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    qci.queueFamilyIndex = vk->queue_family;
    qci.queueCount = 1;
    qci.pQueuePriorities = &prio;
    const char *ext = VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME;
    VkDeviceCreateInfo dci = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    dci.pNext = &en16;
    dci.queueCreateInfoCount = 1;
    dci.pQueueCreateInfos = &qci;
    /* like ggml-vulkan, an engine may enable no push descriptors: vtc then binds descriptor sets */
    dci.enabledExtensionCount = vk->no_push_descriptors ? 0 : 1;
    dci.ppEnabledExtensionNames = &ext;
    VkResult vr = vk->fn.vkCreateDevice(vk->phys, &dci, NULL, &vk->device);
    if (vr != VK_SUCCESS)
        return fail(err, errlen, "vkCreateDevice", vr);
    if (load_device(vk, err, errlen))
        return -1;
    vk->fn.vkGetDeviceQueue(vk->device, vk->queue_family, 0, &vk->queue);
    return 0;
}

int host_vk_create(host_vk *vk, const host_vk_options *o, char *err, size_t errlen)
{
    memset(vk, 0, sizeof(*vk));
    atomic_init(&vk->validation_messages, 0u);
    vk->owns_device = 1;
    vk->no_push_descriptors = o->no_push_descriptors;
    /* RTLD_LOCAL: this loader stays private, as it would inside a bigger program */
    vk->libvulkan = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
    void *sym = vk->libvulkan ? dlsym(vk->libvulkan, "vkGetInstanceProcAddr") : NULL;
    if (!sym) {
        snprintf(err, errlen, "cannot load libvulkan.so.1: %s", dlerror());
        host_vk_destroy(vk);
        return -1;
    }
    memcpy(&vk->gipa, &sym, sizeof(vk->gipa));
    if (create_instance(vk, o, err, errlen) || pick_device(vk, err, errlen) || create_device(vk, err, errlen)) {
        host_vk_destroy(vk);
        return -1;
    }
    return 0;
}

void host_vk_destroy(host_vk *vk)
{
    if (vk->device) {
        if (vk->owns_device)
            vk->fn.vkDeviceWaitIdle(vk->device);
        if (vk->pool)
            vk->fn.vkDestroyCommandPool(vk->device, vk->pool, NULL);
        if (vk->owns_device)
            vk->fn.vkDestroyDevice(vk->device, NULL);
    }
    if (vk->owns_device) {
        if (vk->messenger)
            vk->fn.vkDestroyDebugUtilsMessengerEXT(vk->instance, vk->messenger, NULL);
        if (vk->instance && vk->fn.vkDestroyInstance)
            vk->fn.vkDestroyInstance(vk->instance, NULL);
        if (vk->libvulkan)
            dlclose(vk->libvulkan);
    }
    /* the counters and flags stay: callers read validation_messages after destroy */
    vk->libvulkan = NULL;
    vk->instance = VK_NULL_HANDLE;
    vk->device = VK_NULL_HANDLE;
    vk->pool = VK_NULL_HANDLE;
    vk->messenger = VK_NULL_HANDLE;
}

/* ---- buffers ------------------------------------------------------------- */
static int find_type(const host_vk *vk, uint32_t bits, VkMemoryPropertyFlags want)
{
    for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++)
        if ((bits & (1u << i)) && (vk->mem.memoryTypes[i].propertyFlags & want) == want)
            return (int)i;
    return -1;
}

int host_vk_buffer_create(host_vk *vk, size_t bytes, int where, host_vk_buffer *b)
{
    memset(b, 0, sizeof(*b));
    VkBufferCreateInfo bci = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bci.size = bytes ? bytes : 16;
    bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    if (vk->fn.vkCreateBuffer(vk->device, &bci, NULL, &b->buffer) != VK_SUCCESS)
        return -1;
    VkMemoryRequirements req;
    vk->fn.vkGetBufferMemoryRequirements(vk->device, b->buffer, &req);
    const VkMemoryPropertyFlags hv = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    const VkMemoryPropertyFlags dl = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    int type = -1;
    if (where == HOST_VK_DEVICE_LOCAL) { /* device-local is a preference, host-visible a need only when mapped */
        type = find_type(vk, req.memoryTypeBits, dl | hv);
        if (type < 0)
            type = find_type(vk, req.memoryTypeBits, dl);
    }
    if (type < 0)
        type = find_type(vk, req.memoryTypeBits, hv);
    if (type < 0 && where == HOST_VK_DEVICE_LOCAL)
        type = find_type(vk, req.memoryTypeBits, 0);
    VkMemoryAllocateInfo mai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    mai.allocationSize = req.size;
    mai.memoryTypeIndex = (uint32_t)type;
    if (type < 0 || vk->fn.vkAllocateMemory(vk->device, &mai, NULL, &b->memory) != VK_SUCCESS ||
        vk->fn.vkBindBufferMemory(vk->device, b->buffer, b->memory, 0) != VK_SUCCESS) {
        host_vk_buffer_destroy(vk, b);
        return -1;
    }
    if ((vk->mem.memoryTypes[type].propertyFlags & hv) == hv &&
        vk->fn.vkMapMemory(vk->device, b->memory, 0, VK_WHOLE_SIZE, 0, &b->map) != VK_SUCCESS)
        b->map = NULL;
    if (where == HOST_VK_MAPPED && !b->map) {
        host_vk_buffer_destroy(vk, b);
        return -1;
    }
    b->bytes = bytes;
    return 0;
}

void host_vk_buffer_destroy(host_vk *vk, host_vk_buffer *b)
{
    if (b->buffer)
        vk->fn.vkDestroyBuffer(vk->device, b->buffer, NULL);
    if (b->memory)
        vk->fn.vkFreeMemory(vk->device, b->memory, NULL); /* unmaps */
    memset(b, 0, sizeof(*b));
}

VkDeviceSize host_vk_align(const host_vk *vk, VkDeviceSize off)
{
    VkDeviceSize a = vk->props.limits.minStorageBufferOffsetAlignment;
    a = a ? a : 4;
    return (off + a - 1) / a * a;
}

/* ---- command buffers ------------------------------------------------------- */
int host_vk_cmd_begin(host_vk *vk, VkCommandBuffer *cmd)
{
    VkCommandBufferAllocateInfo cai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    cai.commandPool = vk->pool;
    cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cai.commandBufferCount = 1;
    if (vk->fn.vkAllocateCommandBuffers(vk->device, &cai, cmd) != VK_SUCCESS)
        return -1;
    VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    if (vk->fn.vkBeginCommandBuffer(*cmd, &bi) != VK_SUCCESS) {
        host_vk_cmd_free(vk, cmd, 1);
        return -1;
    }
    return 0;
}

void host_vk_cmd_free(host_vk *vk, VkCommandBuffer *cmd, uint32_t n)
{
    vk->fn.vkFreeCommandBuffers(vk->device, vk->pool, n, cmd);
}

int host_vk_submit_wait(host_vk *vk, VkCommandBuffer *cmd, uint32_t n)
{
    int rc = -1, ended = 1;
    for (uint32_t i = 0; i < n; i++)
        ended &= vk->fn.vkEndCommandBuffer(cmd[i]) == VK_SUCCESS;
    VkFence fence = VK_NULL_HANDLE;
    VkFenceCreateInfo fci = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    if (ended && vk->fn.vkCreateFence(vk->device, &fci, NULL, &fence) == VK_SUCCESS) {
        VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
        si.commandBufferCount = n;
        si.pCommandBuffers = cmd;
        if (vk->queue_lock)
            vk->queue_lock(vk->queue_lock_user);
        VkResult vr = vk->fn.vkQueueSubmit(vk->queue, 1, &si, fence);
        if (vk->queue_unlock)
            vk->queue_unlock(vk->queue_lock_user);
        if (vr == VK_SUCCESS && vk->fn.vkWaitForFences(vk->device, 1, &fence, VK_TRUE, UINT64_MAX) == VK_SUCCESS)
            rc = 0;
        else if (vr == VK_SUCCESS)
            vk->fn.vkDeviceWaitIdle(vk->device); /* never free buffers the device may still run */
        vk->fn.vkDestroyFence(vk->device, fence, NULL);
    }
    host_vk_cmd_free(vk, cmd, n);
    return rc;
}

void host_vk_barrier(host_vk *vk, VkCommandBuffer cmd, VkPipelineStageFlags src_stage, VkAccessFlags src,
                     VkPipelineStageFlags dst_stage, VkAccessFlags dst)
{
    VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = src;
    mb.dstAccessMask = dst;
    vk->fn.vkCmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 1, &mb, 0, NULL, 0, NULL);
}

vtc_result host_vk_record_vtc(host_vk *vk, VkBuffer scratch, VkDeviceSize offset, VkDeviceSize bytes,
                              vtc_result (*record)(void *user, const vtc_exec *exec), void *user)
{
    VkCommandBuffer cmd;
    if (host_vk_cmd_begin(vk, &cmd))
        return VTC_ERROR_VULKAN;
    const VkPipelineStageFlags cs = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    host_vk_barrier(vk, cmd, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_WRITE_BIT, cs,
                    VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    vtc_exec ex;
    memset(&ex, 0, sizeof(ex));
    ex.size = sizeof(ex);
    ex.cmd = cmd;
    ex.scratch = bytes ? scratch : VK_NULL_HANDLE;
    ex.scratch_offset = offset;
    ex.scratch_size = bytes;
    vtc_result r = record(user, &ex);
    host_vk_barrier(vk, cmd, cs, VK_ACCESS_SHADER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    if (r != VTC_SUCCESS)
        host_vk_cmd_free(vk, &cmd, 1);
    else if (host_vk_submit_wait(vk, &cmd, 1))
        r = VTC_ERROR_VULKAN;
    return r;
}

/* ---- host <-> buffer ----------------------------------------------------------- */
/* One copy in its own submission; `to_device` decides which barriers surround it. */
static int copy_submit(host_vk *vk, VkBuffer src, VkBuffer dst, VkDeviceSize bytes, int to_device)
{
    VkCommandBuffer cmd;
    if (host_vk_cmd_begin(vk, &cmd))
        return -1;
    const VkPipelineStageFlags cs = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    const VkPipelineStageFlags xfer_host = VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_HOST_BIT;
    VkBufferCopy c = {0, 0, bytes};
    if (to_device) {
        if (src)
            vk->fn.vkCmdCopyBuffer(cmd, src, dst, 1, &c);
        /* host writes (mapped) or the copy -> the compute shaders that read next */
        host_vk_barrier(vk, cmd, xfer_host, VK_ACCESS_HOST_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT, cs,
                        VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    } else {
        host_vk_barrier(vk, cmd, cs, VK_ACCESS_SHADER_WRITE_BIT, xfer_host,
                        VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_HOST_READ_BIT);
        if (src) {
            vk->fn.vkCmdCopyBuffer(cmd, src, dst, 1, &c);
            host_vk_barrier(vk, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                            VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
        }
    }
    return host_vk_submit_wait(vk, &cmd, 1);
}

int host_vk_upload(host_vk *vk, host_vk_buffer *b, const void *data, size_t bytes)
{
    if (b->map) {
        memcpy(b->map, data, bytes);
        return copy_submit(vk, VK_NULL_HANDLE, b->buffer, bytes, 1);
    }
    host_vk_buffer st;
    if (host_vk_buffer_create(vk, bytes, HOST_VK_MAPPED, &st))
        return -1;
    memcpy(st.map, data, bytes);
    int rc = copy_submit(vk, st.buffer, b->buffer, bytes, 1);
    host_vk_buffer_destroy(vk, &st);
    return rc;
}

int host_vk_download(host_vk *vk, const host_vk_buffer *b, void *data, size_t bytes)
{
    if (b->map) {
        if (copy_submit(vk, VK_NULL_HANDLE, VK_NULL_HANDLE, bytes, 0))
            return -1;
        memcpy(data, b->map, bytes);
        return 0;
    }
    host_vk_buffer st;
    if (host_vk_buffer_create(vk, bytes, HOST_VK_MAPPED, &st))
        return -1;
    int rc = copy_submit(vk, b->buffer, st.buffer, bytes, 0);
    if (!rc)
        memcpy(data, st.map, bytes);
    host_vk_buffer_destroy(vk, &st);
    return rc;
}

/* ---- compute pipelines ----------------------------------------------------------- */
int host_vk_pipeline_create(host_vk *vk, const uint32_t *code, size_t code_bytes, uint32_t nbind, uint32_t push_bytes,
                            host_vk_pipeline *p)
{
    memset(p, 0, sizeof(*p));
    if (nbind > HOST_VK_MAX_BINDINGS)
        return -1;
    p->nbind = nbind;
    p->push_bytes = push_bytes;
    const host_vk_fn *f = &vk->fn;
    VkShaderModuleCreateInfo smi = {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    smi.codeSize = code_bytes;
    smi.pCode = code;
    VkDescriptorSetLayoutBinding lb[HOST_VK_MAX_BINDINGS];
    memset(lb, 0, sizeof(lb));
    for (uint32_t i = 0; i < nbind; i++) {
        lb[i].binding = i;
        lb[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        lb[i].descriptorCount = 1;
        lb[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo dli = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    dli.bindingCount = nbind;
    dli.pBindings = lb;
    VkDescriptorPoolSize ps = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, nbind ? nbind : 1};
    VkDescriptorPoolCreateInfo dpi = {VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    dpi.maxSets = 1;
    dpi.poolSizeCount = 1;
    dpi.pPoolSizes = &ps;
    if (f->vkCreateShaderModule(vk->device, &smi, NULL, &p->module) != VK_SUCCESS ||
        f->vkCreateDescriptorSetLayout(vk->device, &dli, NULL, &p->set_layout) != VK_SUCCESS ||
        f->vkCreateDescriptorPool(vk->device, &dpi, NULL, &p->pool) != VK_SUCCESS)
        goto fail;
    VkPushConstantRange pc = {VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes};
    VkPipelineLayoutCreateInfo pli = {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pli.setLayoutCount = 1;
    pli.pSetLayouts = &p->set_layout;
    pli.pushConstantRangeCount = push_bytes ? 1 : 0;
    pli.pPushConstantRanges = &pc;
    VkDescriptorSetAllocateInfo dai = {VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    dai.descriptorPool = p->pool;
    dai.descriptorSetCount = 1;
    dai.pSetLayouts = &p->set_layout;
    if (f->vkCreatePipelineLayout(vk->device, &pli, NULL, &p->layout) != VK_SUCCESS ||
        f->vkAllocateDescriptorSets(vk->device, &dai, &p->set) != VK_SUCCESS)
        goto fail;
    VkComputePipelineCreateInfo cpi = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    cpi.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    cpi.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    cpi.stage.module = p->module;
    cpi.stage.pName = "main";
    cpi.layout = p->layout;
    if (f->vkCreateComputePipelines(vk->device, VK_NULL_HANDLE, 1, &cpi, NULL, &p->pipeline) != VK_SUCCESS)
        goto fail;
    return 0;
fail:
    host_vk_pipeline_destroy(vk, p);
    return -1;
}

void host_vk_pipeline_bind(host_vk *vk, host_vk_pipeline *p, const host_vk_range *r)
{
    VkDescriptorBufferInfo bi[HOST_VK_MAX_BINDINGS];
    VkWriteDescriptorSet w[HOST_VK_MAX_BINDINGS];
    memset(w, 0, sizeof(w));
    for (uint32_t i = 0; i < p->nbind; i++) {
        bi[i].buffer = r[i].buffer;
        bi[i].offset = r[i].offset;
        bi[i].range = r[i].bytes;
        w[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        w[i].dstSet = p->set;
        w[i].dstBinding = i;
        w[i].descriptorCount = 1;
        w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        w[i].pBufferInfo = &bi[i];
    }
    vk->fn.vkUpdateDescriptorSets(vk->device, p->nbind, w, 0, NULL);
}

void host_vk_pipeline_record(host_vk *vk, const host_vk_pipeline *p, VkCommandBuffer cmd, const void *push,
                             uint32_t gx, uint32_t gy, uint32_t gz)
{
    vk->fn.vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipeline);
    vk->fn.vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &p->set, 0, NULL);
    if (p->push_bytes)
        vk->fn.vkCmdPushConstants(cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, p->push_bytes, push);
    vk->fn.vkCmdDispatch(cmd, gx, gy, gz);
}

void host_vk_pipeline_destroy(host_vk *vk, host_vk_pipeline *p)
{
    const host_vk_fn *f = &vk->fn;
    if (p->pipeline)
        f->vkDestroyPipeline(vk->device, p->pipeline, NULL);
    if (p->layout)
        f->vkDestroyPipelineLayout(vk->device, p->layout, NULL);
    if (p->pool)
        f->vkDestroyDescriptorPool(vk->device, p->pool, NULL); /* frees the set */
    if (p->set_layout)
        f->vkDestroyDescriptorSetLayout(vk->device, p->set_layout, NULL);
    if (p->module)
        f->vkDestroyShaderModule(vk->device, p->module, NULL);
    memset(p, 0, sizeof(*p));
}
