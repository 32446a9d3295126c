/*
 * Device selection and feature detection, standalone and adopted.
 */
#include "device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int has_extension(const VkExtensionProperties *ext, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(ext[i].extensionName, name))
            return 1;
    return 0;
}

static int device_has_extension(const vk_instance_table *vki, VkPhysicalDevice pd, const char *name)
{
    uint32_t n = 0;
    int found = 0;
    if (vki->vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL) != VK_SUCCESS || !n)
        return 0;
    VkExtensionProperties *ext = calloc(n, sizeof(*ext));
    if (ext && vki->vkEnumerateDeviceExtensionProperties(pd, NULL, &n, ext) == VK_SUCCESS)
        found = has_extension(ext, n, name);
    free(ext);
    return found;
}

/* The device's identity and limits (vtc_device_info's descriptive half);
   the properties in *p. `pci`: VK_EXT_pci_bus_info is there to query. */
static void query_properties(const vk_instance_table *vki, VkPhysicalDevice pd, int pci, vtc_device_info *info,
                             VkPhysicalDeviceProperties2 *p2, VkPhysicalDeviceSubgroupProperties *sg)
{
    VkPhysicalDeviceDriverProperties drv = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceIDProperties idp = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES};
    VkPhysicalDevicePCIBusInfoPropertiesEXT pbi = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT};
    *p2 = (VkPhysicalDeviceProperties2){VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    *sg = (VkPhysicalDeviceSubgroupProperties){VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceProperties base;
    vki->vkGetPhysicalDeviceProperties(pd, &base);
    /* ID properties are core in 1.1 (vtc's floor); driver properties only from 1.2 */
    p2->pNext = sg;
    sg->pNext = &idp;
    void **tail = &idp.pNext;
    if (base.apiVersion >= VK_API_VERSION_1_2) {
        *tail = &drv;
        tail = &drv.pNext;
    }
    if (pci)
        *tail = &pbi;
    vki->vkGetPhysicalDeviceProperties2(pd, p2);
    p2->pNext = sg->pNext = NULL; /* the chain's other links are this function's */
    const VkPhysicalDeviceProperties *p = &p2->properties;

    snprintf(info->name, sizeof(info->name), "%s", p->deviceName);
    if (base.apiVersion >= VK_API_VERSION_1_2)
        snprintf(info->driver, sizeof(info->driver), "%.120s %.120s", drv.driverName, drv.driverInfo);
    else
        snprintf(info->driver, sizeof(info->driver), "unknown");
    info->vendor_id = p->vendorID;
    info->device_id = p->deviceID;
    info->device_type = (uint32_t)p->deviceType;
    info->api_version = p->apiVersion;
    info->driver_version = p->driverVersion;
    info->subgroup_size = sg->subgroupSize;
    info->max_shared_memory = p->limits.maxComputeSharedMemorySize;
    info->max_storage_buffer_range = p->limits.maxStorageBufferRange;
    info->min_storage_offset_alignment = (uint32_t)p->limits.minStorageBufferOffsetAlignment;
    memcpy(info->device_uuid, idp.deviceUUID, VK_UUID_SIZE);
    memcpy(info->driver_uuid, idp.driverUUID, VK_UUID_SIZE);
    if (pci) {
        info->pci_valid = 1;
        info->pci_domain = pbi.pciDomain;
        info->pci_bus = pbi.pciBus;
        info->pci_device = pbi.pciDevice;
        info->pci_function = pbi.pciFunction;
    }
}

/* VTC_FEATURE_* the device supports (its features, subgroup operations,
   timestamps; push descriptors from the extension or core 1.4 usable
   under `instance_api`). */
static uint32_t supported_features(const vk_instance_table *vki, VkPhysicalDevice pd, const VkPhysicalDeviceProperties *p,
                                   const VkPhysicalDeviceSubgroupProperties *sg, uint32_t instance_api, int *push)
{
    VkPhysicalDevice16BitStorageFeatures s16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    VkPhysicalDeviceShaderFloat16Int8Features f16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
    VkPhysicalDeviceFeatures2 f2 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    f2.pNext = &s16;
    s16.pNext = &f16;
    vki->vkGetPhysicalDeviceFeatures2(pd, &f2);

    uint32_t sup = 0;
    if (s16.storageBuffer16BitAccess)
        sup |= VTC_FEATURE_F16_STORAGE;
    if (f16.shaderFloat16)
        sup |= VTC_FEATURE_F16_ARITHMETIC;
    const VkSubgroupFeatureFlags need = VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT |
                                        VK_SUBGROUP_FEATURE_BALLOT_BIT | VK_SUBGROUP_FEATURE_SHUFFLE_BIT;
    if ((sg->supportedOperations & need) == need && (sg->supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
        sg->subgroupSize >= 4)
        sup |= VTC_FEATURE_SUBGROUP_ARITH;
    if (p->limits.timestampComputeAndGraphics && p->limits.timestampPeriod > 0)
        sup |= VTC_FEATURE_TIMESTAMPS;

    uint32_t usable_api = p->apiVersion < instance_api ? p->apiVersion : instance_api;
    if (usable_api >= VK_MAKE_API_VERSION(0, 1, 4, 0))
        *push = 1;
    if (*push)
        sup |= VTC_FEATURE_PUSH_DESCRIPTOR;
    return sup;
}

/* Everything vtc needs to know about a physical device, as vtc_device_info.
   `instance_api` is the instance's apiVersion: device functionality of a
   core version is usable only when both instance and device have it. */
static void query_device(const vk_instance_table *vki, VkPhysicalDevice pd, uint32_t index, uint32_t instance_api,
                         vtc_device_info *info, int *has_push, VkPhysicalDeviceLimits *limits_out)
{
    memset(info, 0, sizeof(*info));
    info->size = sizeof(*info);
    info->index = index;
    int push = device_has_extension(vki, pd, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
    int pci = device_has_extension(vki, pd, VK_EXT_PCI_BUS_INFO_EXTENSION_NAME);
    VkPhysicalDeviceProperties2 p2;
    VkPhysicalDeviceSubgroupProperties sg;
    query_properties(vki, pd, pci, info, &p2, &sg);
    const VkPhysicalDeviceProperties *p = &p2.properties;
    if (limits_out)
        *limits_out = p->limits;
    info->supported = supported_features(vki, pd, p, &sg, instance_api, &push);
    if (has_push)
        *has_push = push;
    info->timestamp_period_ns = (info->supported & VTC_FEATURE_TIMESTAMPS) ? p->limits.timestampPeriod : 0.0f;
}

/* The first 32 queue families of ctx->phys; returns their count. */
static uint32_t queue_families(vtc_context ctx, VkQueueFamilyProperties qp[32])
{
    uint32_t nq = 0;
    ctx->vki.vkGetPhysicalDeviceQueueFamilyProperties(ctx->phys, &nq, NULL);
    if (nq > 32)
        nq = 32;
    ctx->vki.vkGetPhysicalDeviceQueueFamilyProperties(ctx->phys, &nq, qp);
    return nq;
}

static void fill_limits(vtc_context ctx, const VkPhysicalDeviceLimits *lim)
{
    ctx->caps.subgroup_size = ctx->info.subgroup_size;
    ctx->caps.offset_align = lim->minStorageBufferOffsetAlignment ? lim->minStorageBufferOffsetAlignment : 4;
    ctx->caps.max_range = lim->maxStorageBufferRange;
    for (int i = 0; i < 3; i++)
        ctx->caps.max_wg_count[i] = lim->maxComputeWorkGroupCount[i];
    ctx->caps.max_wg_size = lim->maxComputeWorkGroupSize[0] < lim->maxComputeWorkGroupInvocations
                           ? lim->maxComputeWorkGroupSize[0] : lim->maxComputeWorkGroupInvocations;
    ctx->vki.vkGetPhysicalDeviceMemoryProperties(ctx->phys, &ctx->mem.props);
    static const struct { uint32_t dtype; VkFormat format; } texel_formats[] = {
        {VTC_DTYPE_F32, VK_FORMAT_R32G32B32A32_SFLOAT}, {VTC_DTYPE_F16, VK_FORMAT_R16G16B16A16_SFLOAT}};
    for (size_t i = 0; i < sizeof(texel_formats) / sizeof(texel_formats[0]); i++) {
        VkFormatProperties fp;
        ctx->vki.vkGetPhysicalDeviceFormatProperties(ctx->phys, texel_formats[i].format, &fp);
        if (fp.bufferFeatures & VK_FORMAT_FEATURE_UNIFORM_TEXEL_BUFFER_BIT)
            ctx->caps.texel_dtypes |= VTC_DTYPES(texel_formats[i].dtype);
    }
    ctx->caps.max_texels = lim->maxTexelBufferElements;
    ctx->caps.texel_offset_align = lim->minTexelBufferOffsetAlignment ? lim->minTexelBufferOffsetAlignment : 16;

    VkQueueFamilyProperties qp[32];
    uint32_t nq = queue_families(ctx, qp);
    ctx->timestamp_valid_bits = ctx->queue_family < nq ? qp[ctx->queue_family].timestampValidBits : 0;
    if (!ctx->timestamp_valid_bits)
        ctx->caps.features &= ~VTC_FEATURE_TIMESTAMPS;
    ctx->info.features = ctx->caps.features;
}

void vtc_device_fill_info(vtc_context ctx, VkPhysicalDevice pd, uint32_t index, vtc_device_info *info)
{
    /* vtc_list_devices' instance is created as 1.1 */
    query_device(&ctx->vki, pd, index, VK_API_VERSION_1_1, info, NULL, NULL);
}

static VKAPI_ATTR VkBool32 VKAPI_CALL debug_callback(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                     VkDebugUtilsMessageTypeFlagsEXT types,
                                                     const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
    vtc_context ctx = user;
    if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
        atomic_fetch_add(&ctx->validation_messages, 1);
        vtc_log(ctx, VTC_LOG_ERROR, "validation: %s", data && data->pMessage ? data->pMessage : "(no message)");
    }
    return VK_FALSE;
}

static int pick_score(uint32_t type)
{
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
    }
}

/* VK_LAYER_KHRONOS_validation is installed and, for the synchronization
   and GPU-assisted modes, provides VK_EXT_validation_features. */
static vtc_result validation_layer(vtc_context ctx, const vk_global_table *g, int validation)
{
    int has_features = 0;
    uint32_t n = 0;
    g->vkEnumerateInstanceLayerProperties(&n, NULL);
    VkLayerProperties *lp = calloc(n ? n : 1, sizeof(*lp));
    int found = 0;
    if (lp && g->vkEnumerateInstanceLayerProperties(&n, lp) == VK_SUCCESS)
        for (uint32_t i = 0; i < n; i++)
            if (!strcmp(lp[i].layerName, "VK_LAYER_KHRONOS_validation"))
                found = 1;
    free(lp);
    /* the layer itself provides VK_EXT_validation_features */
    uint32_t ne = 0;
    if (found && g->vkEnumerateInstanceExtensionProperties("VK_LAYER_KHRONOS_validation", &ne, NULL) == VK_SUCCESS &&
        ne) {
        VkExtensionProperties *ep = calloc(ne, sizeof(*ep));
        if (ep && g->vkEnumerateInstanceExtensionProperties("VK_LAYER_KHRONOS_validation", &ne, ep) == VK_SUCCESS)
            has_features = has_extension(ep, ne, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
        free(ep);
    }
    if (!found)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED,
                        "validation requested but VK_LAYER_KHRONOS_validation is not installed "
                        "(Debian: vulkan-validationlayers)");
    if (validation != VTC_VALIDATE_CORE && !has_features)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "validation: this VK_LAYER_KHRONOS_validation lacks %s, so "
                        "%s validation cannot be turned on (VTC_VALIDATION=core runs the default checks)",
                        VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME,
                        validation == VTC_VALIDATE_GPU ? "GPU-assisted" : "synchronization");
    return VTC_SUCCESS;
}

static vtc_result create_instance(vtc_context ctx, int validation, uint32_t *api_out)
{
    char err[512];
    ctx->libvulkan = vk_loader_open(&ctx->gipa, err, sizeof(err));
    if (!ctx->libvulkan)
        return vtc_fail(ctx, VTC_ERROR_NO_DEVICE, "%s", err);
    vk_global_table g;
    const char *missing = vk_load_global(ctx->gipa, &g);
    if (missing)
        return vtc_fail(ctx, VTC_ERROR_NO_DEVICE, "Vulkan loader lacks %s", missing);
    uint32_t inst_version = VK_API_VERSION_1_0;
    if (g.vkEnumerateInstanceVersion)
        g.vkEnumerateInstanceVersion(&inst_version);
    if (inst_version < VK_API_VERSION_1_1)
        return vtc_fail(ctx, VTC_ERROR_NO_DEVICE, "Vulkan loader is 1.0; vtc needs 1.1");

    const char *layers[1];
    uint32_t nlayers = 0;
    const char *exts[3];
    uint32_t nexts = 0;
    if (validation) {
        vtc_result r = validation_layer(ctx, &g, validation);
        if (r)
            return r;
        layers[nlayers++] = "VK_LAYER_KHRONOS_validation";
        exts[nexts++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
        if (validation != VTC_VALIDATE_CORE)
            exts[nexts++] = VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME;
    }
    VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "vtc";
    app.pEngineName = "vtc";
    app.apiVersion = inst_version >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : inst_version;
    *api_out = app.apiVersion;
    VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ci.pApplicationInfo = &app;
    ci.enabledLayerCount = nlayers;
    ci.ppEnabledLayerNames = layers;
    ci.enabledExtensionCount = nexts;
    ci.ppEnabledExtensionNames = exts;
    VkDebugUtilsMessengerCreateInfoEXT dci = {VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    dci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    dci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                      VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    dci.pfnUserCallback = debug_callback;
    dci.pUserData = ctx;
    VkValidationFeatureEnableEXT enables[1] = {validation == VTC_VALIDATE_GPU
                                                   ? VK_VALIDATION_FEATURE_ENABLE_GPU_ASSISTED_EXT
                                                   : VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT};
    VkValidationFeaturesEXT vf = {VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
    vf.enabledValidationFeatureCount = 1;
    vf.pEnabledValidationFeatures = enables;
    if (validation) {
        ci.pNext = &dci; /* also catches messages from vkCreateInstance/vkDestroyInstance */
        if (validation != VTC_VALIDATE_CORE) {
            vf.pNext = &dci;
            ci.pNext = &vf;
        }
    }
    VkResult vr = g.vkCreateInstance(&ci, NULL, &ctx->instance);
    if (vr != VK_SUCCESS)
        return vtc_vk_fail(ctx, vr == VK_ERROR_INCOMPATIBLE_DRIVER ? VK_ERROR_INITIALIZATION_FAILED : vr,
                           "vkCreateInstance");
    missing = vk_load_instance(ctx->gipa, ctx->instance, &ctx->vki);
    if (missing)
        return vtc_fail(ctx, VTC_ERROR_NO_DEVICE, "Vulkan instance lacks %s", missing);
    if (validation)
        vtc_log(ctx, VTC_LOG_INFO, "VK_LAYER_KHRONOS_validation on: default checks%s",
                validation == VTC_VALIDATE_SYNC  ? " + synchronization validation"
                : validation == VTC_VALIDATE_GPU ? " + GPU-assisted validation (descriptor sets, not push descriptors)"
                                                 : "");
    if (validation && ctx->vki.vkCreateDebugUtilsMessengerEXT)
        VK_CHECK(ctx, ctx->vki.vkCreateDebugUtilsMessengerEXT(ctx->instance, &dci, NULL, &ctx->messenger));
    return VTC_SUCCESS;
}

/* The physical device: desc->device_index_plus1, else VTC_DEVICE, else the
   best type (pick_score) among those with Vulkan 1.1. Sets ctx->phys and
   ctx->info, *lim its limits. */
static vtc_result pick_physical_device(vtc_context ctx, const vtc_context_desc *desc, uint32_t instance_api,
                                       VkPhysicalDeviceLimits *lim)
{
    uint32_t n = 0;
    VK_CHECK(ctx, ctx->vki.vkEnumeratePhysicalDevices(ctx->instance, &n, NULL));
    if (!n)
        return vtc_fail(ctx, VTC_ERROR_NO_DEVICE, "no Vulkan physical device (install mesa-vulkan-drivers for lavapipe)");
    VkPhysicalDevice devs[64];
    if (n > 64)
        n = 64;
    VK_CHECK(ctx, ctx->vki.vkEnumeratePhysicalDevices(ctx->instance, &n, devs));

    int want = -1;
    const char *env = getenv("VTC_DEVICE");
    if (desc->device_index_plus1)
        want = (int)desc->device_index_plus1 - 1;
    else if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end || v < 0)
            return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "VTC_DEVICE='%s' is not a device index", env);
        want = (int)v;
    }
    if (want >= (int)n)
        return vtc_fail(ctx, VTC_ERROR_NO_DEVICE, "device index %d requested but only %u device(s) exist", want, n);

    int best = -1, best_score = -1;
    for (uint32_t i = 0; i < n; i++) {
        vtc_device_info di;
        int push;
        query_device(&ctx->vki, devs[i], i, instance_api, &di, &push, NULL);
        if (di.api_version < VK_API_VERSION_1_1)
            continue; /* vtc needs 1.1; without push descriptors it binds ordinary descriptor sets */
        int s = pick_score(di.device_type);
        if (want == (int)i || (want < 0 && s > best_score)) {
            best = (int)i;
            best_score = s;
        }
    }
    if (best < 0 && want >= 0)
        return vtc_fail(ctx, VTC_ERROR_NO_DEVICE, "device %d lacks Vulkan 1.1", want);
    if (best < 0)
        return vtc_fail(ctx, VTC_ERROR_NO_DEVICE, "no device with Vulkan 1.1");
    ctx->phys = devs[best];
    query_device(&ctx->vki, ctx->phys, (uint32_t)best, instance_api, &ctx->info, NULL, lim);
    return VTC_SUCCESS;
}

/* queue family: prefer compute-only (async compute), else any with compute */
static vtc_result pick_queue_family(vtc_context ctx)
{
    VkQueueFamilyProperties qp[32];
    uint32_t nq = queue_families(ctx, qp);
    int qf = -1;
    for (uint32_t i = 0; i < nq && qf < 0; i++)
        if ((qp[i].queueFlags & VK_QUEUE_COMPUTE_BIT) && !(qp[i].queueFlags & VK_QUEUE_GRAPHICS_BIT))
            qf = (int)i;
    for (uint32_t i = 0; i < nq && qf < 0; i++)
        if (qp[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
            qf = (int)i;
    if (qf < 0)
        return vtc_fail(ctx, VTC_ERROR_NO_DEVICE, "device has no compute queue");
    ctx->queue_family = (uint32_t)qf;
    return VTC_SUCCESS;
}

/* The logical device with the features ctx->caps.features uses, its
   functions and its queue. */
static vtc_result create_device(vtc_context ctx, uint32_t instance_api)
{
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    qci.queueFamilyIndex = ctx->queue_family;
    qci.queueCount = 1;
    qci.pQueuePriorities = &prio;

    VkPhysicalDevice16BitStorageFeatures s16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    VkPhysicalDeviceShaderFloat16Int8Features f16 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
    s16.storageBuffer16BitAccess = (ctx->caps.features & VTC_FEATURE_F16_STORAGE) ? VK_TRUE : VK_FALSE;
    f16.shaderFloat16 = (ctx->caps.features & VTC_FEATURE_F16_ARITHMETIC) ? VK_TRUE : VK_FALSE;
    s16.pNext = &f16;
    const char *exts[2];
    uint32_t nexts = 0;
    /* push descriptors are core only when both instance and device are 1.4 */
    uint32_t usable_api = ctx->info.api_version < instance_api ? ctx->info.api_version : instance_api;
    if ((ctx->caps.features & VTC_FEATURE_PUSH_DESCRIPTOR) && usable_api < VK_MAKE_API_VERSION(0, 1, 4, 0))
        exts[nexts++] = VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME;
    /* The driver's register/spill/LDS figures (vtc_context_pipelines, `vtc
       pipelines`): cheap to capture, and the only portable window into what a
       GPU compiler made of a kernel. */
    VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR pep = {
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR};
    if (device_has_extension(&ctx->vki, ctx->phys, VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME)) {
        VkPhysicalDeviceFeatures2 f2 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
        f2.pNext = &pep;
        ctx->vki.vkGetPhysicalDeviceFeatures2(ctx->phys, &f2);
        pep.pNext = NULL;
        if (pep.pipelineExecutableInfo) {
            exts[nexts++] = VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME;
            f16.pNext = &pep;
        }
    }
    VkDeviceCreateInfo dci = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    dci.pNext = &s16;
    dci.queueCreateInfoCount = 1;
    dci.pQueueCreateInfos = &qci;
    dci.enabledExtensionCount = nexts;
    dci.ppEnabledExtensionNames = exts;
    VK_CHECK(ctx, ctx->vki.vkCreateDevice(ctx->phys, &dci, NULL, &ctx->device));
    const char *missing = vk_load_device(&ctx->vki, ctx->device, &ctx->vkd);
    if (missing)
        return vtc_fail(ctx, VTC_ERROR_NO_DEVICE, "Vulkan device lacks %s", missing);
    if ((ctx->caps.features & VTC_FEATURE_PUSH_DESCRIPTOR) && !ctx->vkd.vkCmdPushDescriptorSetKHR)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "vkCmdPushDescriptorSetKHR missing");
    ctx->push_descriptors = (ctx->caps.features & VTC_FEATURE_PUSH_DESCRIPTOR) != 0;
    ctx->capture_stats = pep.pipelineExecutableInfo && ctx->vkd.vkGetPipelineExecutablePropertiesKHR &&
                         ctx->vkd.vkGetPipelineExecutableStatisticsKHR;
    ctx->vkd.vkGetDeviceQueue(ctx->device, ctx->queue_family, 0, &ctx->queue);
    return VTC_SUCCESS;
}

vtc_result vtc_device_init_standalone(vtc_context ctx, const vtc_context_desc *desc)
{
    int validation = vtc_validation_mode(desc->flags);
    ctx->validation = validation;
    uint32_t instance_api = VK_API_VERSION_1_1;
    VkPhysicalDeviceLimits lim;
    vtc_result r = create_instance(ctx, validation, &instance_api);
    if (!r)
        r = pick_physical_device(ctx, desc, instance_api, &lim);
    if (r)
        return r;
    ctx->caps.features = vtc_caps_usable_features(ctx->info.supported, desc->flags);
    r = pick_queue_family(ctx);
    if (!r)
        r = create_device(ctx, instance_api);
    if (r)
        return r;
    fill_limits(ctx, &lim);
    return VTC_SUCCESS;
}

vtc_result vtc_device_init_adopted(vtc_context ctx, const vtc_adopted_device *ad, uint32_t flags)
{
    if (ad->size && ad->size < sizeof(vtc_adopted_device))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "adopted device: size %u too small", ad->size);
    if (!ad->instance || !ad->physical_device || !ad->device || !ad->queue || !ad->get_instance_proc_addr)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                        "adopted device: instance, physical_device, device, queue and get_instance_proc_addr are required");
    if (!ad->queue_lock != !ad->queue_unlock)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "adopted device: queue_lock and queue_unlock go together");
    if (ad->enabled & ~VTC_FEATURE_ALL)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "adopted device: enabled 0x%x has bits vtc does not define (0x%x)",
                        ad->enabled, ad->enabled & ~VTC_FEATURE_ALL);
    uint32_t instance_api = ad->api_version ? ad->api_version : VK_API_VERSION_1_1;
    if (VK_API_VERSION_VARIANT(instance_api))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                        "adopted device: api_version 0x%x is not a Vulkan version (variant %u; use VK_API_VERSION_1_x)",
                        instance_api, VK_API_VERSION_VARIANT(instance_api));
    if (instance_api < VK_API_VERSION_1_1)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "adopted device: api_version %u.%u; vtc needs an instance of Vulkan 1.1 or later",
                        VK_API_VERSION_MAJOR(instance_api), VK_API_VERSION_MINOR(instance_api));
    ctx->adopted = 1;
    ctx->gipa = ad->get_instance_proc_addr;
    ctx->instance = ad->instance;
    ctx->phys = ad->physical_device;
    ctx->device = ad->device;
    ctx->queue = ad->queue;
    ctx->queue_family = ad->queue_family;
    ctx->queue_lock = ad->queue_lock;
    ctx->queue_unlock = ad->queue_unlock;
    ctx->queue_lock_user = ad->queue_lock_user;
    const char *missing = vk_load_instance(ctx->gipa, ctx->instance, &ctx->vki);
    if (missing)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "adopted instance: %s not found", missing);
    missing = vk_load_device(&ctx->vki, ctx->device, &ctx->vkd);
    if (missing)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "adopted device: %s not found", missing);
    VkPhysicalDeviceLimits lim;
    uint32_t n = 0;
    ctx->vki.vkEnumeratePhysicalDevices(ctx->instance, &n, NULL);
    uint32_t index = 0;
    if (n && n <= 64) {
        VkPhysicalDevice devs[64];
        if (ctx->vki.vkEnumeratePhysicalDevices(ctx->instance, &n, devs) == VK_SUCCESS)
            for (uint32_t i = 0; i < n; i++)
                if (devs[i] == ctx->phys)
                    index = i;
    }
    query_device(&ctx->vki, ctx->phys, index, instance_api, &ctx->info, NULL, &lim);
    ctx->info.adopted = 1;
    if (ctx->info.api_version < VK_API_VERSION_1_1)
        return vtc_fail(ctx, VTC_ERROR_UNSUPPORTED, "adopted device: Vulkan 1.1 required");
    /* Use only what the host enabled; subgroup ops and timestamps need no enabling. */
    /* Push descriptors only when the host says it enabled them (ggml-vulkan does
       not) and the entry point resolved; else ordinary descriptor sets. */
    uint32_t enabled = ad->enabled | VTC_FEATURE_SUBGROUP_ARITH | VTC_FEATURE_TIMESTAMPS;
    ctx->caps.features = vtc_caps_usable_features(ctx->info.supported & enabled, flags);
    if (!ctx->vkd.vkCmdPushDescriptorSetKHR)
        ctx->caps.features &= ~VTC_FEATURE_PUSH_DESCRIPTOR;
    ctx->push_descriptors = (ctx->caps.features & VTC_FEATURE_PUSH_DESCRIPTOR) != 0;
    fill_limits(ctx, &lim);
    return VTC_SUCCESS;
}
