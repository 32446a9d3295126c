#include "vk_loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *vk_loader_open(PFN_vkGetInstanceProcAddr *gipa, char *err, size_t errlen)
{
    const char *name = getenv("VTC_VULKAN_LIBRARY");
    if (!name || !*name)
        name = "libvulkan.so.1";
    /* RTLD_LOCAL: the loader's symbols must not become visible to (or
       interpose on) the host's own Vulkan usage. */
    void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(err, errlen, "cannot load the Vulkan loader '%s': %s", name, dlerror());
        return NULL;
    }
    void *sym = dlsym(lib, "vkGetInstanceProcAddr");
    if (!sym) {
        snprintf(err, errlen, "'%s' has no vkGetInstanceProcAddr", name);
        dlclose(lib);
        return NULL;
    }
    memcpy(gipa, &sym, sizeof(*gipa));
    return lib;
}

#if defined(__SANITIZE_ADDRESS__)
#define VTC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VTC_SANITIZED 1
#endif
#endif
#ifdef VTC_SANITIZED
#include <link.h>
static int pin_one(struct dl_phdr_info *info, size_t size, void *user)
{
    (void)size;
    (void)user;
    if (info->dlpi_name && info->dlpi_name[0])
        (void)dlopen(info->dlpi_name, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    return 0;
}
#endif

void vk_keep_resident(void)
{
#ifdef VTC_SANITIZED
    dl_iterate_phdr(pin_one, NULL);
#endif
}

void vk_loader_close(void *lib)
{
    if (lib)
        dlclose(lib);
}

const char *vk_load_global(PFN_vkGetInstanceProcAddr gipa, vk_global_table *t)
{
    memset(t, 0, sizeof(*t));
#define LOAD(name) t->name = (PFN_##name)gipa(VK_NULL_HANDLE, #name);
    VTC_VK_GLOBAL_FUNCS(LOAD)
#undef LOAD
    /* vkEnumerateInstanceVersion is absent on 1.0 loaders: that simply means 1.0. */
    if (!t->vkCreateInstance) return "vkCreateInstance";
    if (!t->vkEnumerateInstanceExtensionProperties) return "vkEnumerateInstanceExtensionProperties";
    if (!t->vkEnumerateInstanceLayerProperties) return "vkEnumerateInstanceLayerProperties";
    return NULL;
}

const char *vk_load_instance(PFN_vkGetInstanceProcAddr gipa, VkInstance inst, vk_instance_table *t)
{
    memset(t, 0, sizeof(*t));
#define LOAD(name) t->name = (PFN_##name)gipa(inst, #name); if (!t->name) return #name;
    VTC_VK_INSTANCE_FUNCS(LOAD)
#undef LOAD
#define LOAD_OPT(name) t->name = (PFN_##name)gipa(inst, #name);
    VTC_VK_INSTANCE_OPT_FUNCS(LOAD_OPT)
#undef LOAD_OPT
    return NULL;
}

const char *vk_load_device(const vk_instance_table *it, VkDevice dev, vk_device_table *t)
{
    memset(t, 0, sizeof(*t));
    /* Device-level pointers skip the loader's dispatch trampoline. */
#define LOAD(name) t->name = (PFN_##name)it->vkGetDeviceProcAddr(dev, #name); if (!t->name) return #name;
    VTC_VK_DEVICE_FUNCS(LOAD)
#undef LOAD
#define LOAD_OPT(name) t->name = (PFN_##name)it->vkGetDeviceProcAddr(dev, #name);
    VTC_VK_DEVICE_OPT_FUNCS(LOAD_OPT)
#undef LOAD_OPT
    return NULL;
}
