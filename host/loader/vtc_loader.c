#include "vtc_loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static vtc_result negotiate(vtc_loader *l, PFN_vtc_negotiate fn)
{
    uint32_t chosen = 0;
    const void *api = NULL;
    vtc_result r = fn(VTC_LOADER_ABI_MIN, VTC_LOADER_ABI_MAX, &chosen, &api);
    if (r == VTC_ERROR_ABI_MISMATCH || (r == VTC_SUCCESS && !api)) {
        snprintf(l->error, sizeof(l->error), "%s speaks vtc ABI %u, this host speaks %u..%u", l->path, chosen,
                 VTC_LOADER_ABI_MIN, VTC_LOADER_ABI_MAX);
        return VTC_ERROR_ABI_MISMATCH;
    }
    if (r != VTC_SUCCESS) {
        snprintf(l->error, sizeof(l->error), "%s: vtc_negotiate failed (%d)", l->path, (int)r);
        return r;
    }
    l->api = api;
    l->abi = chosen;
    if (l->api->size < VTC_API_V1_0_SIZE) {
        /* Shorter than any vtc 1.x table: calling through it would read past
           its end. Longer tables from older 1.x plugins are fine; members
           after vtc 1.0's are tested with VTC_API_HAS. */
        snprintf(l->error, sizeof(l->error), "%s: function table is %u bytes, v1 needs at least %u", l->path,
                 l->api->size, VTC_API_V1_0_SIZE);
        l->api = NULL;
        return VTC_ERROR_ABI_MISMATCH;
    }
    return VTC_SUCCESS;
}

#ifdef VTC_LOADER_STATIC
vtc_result vtc_loader_open(vtc_loader *l, const char *path)
{
    (void)path;
    memset(l, 0, sizeof(*l));
    snprintf(l->path, sizeof(l->path), "(linked statically)");
    return negotiate(l, vtc_negotiate);
}
#else
static void *try_open(vtc_loader *l, const char *cand, char *why, size_t whylen)
{
    void *h = dlopen(cand, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        size_t used = strlen(why);
        snprintf(why + used, whylen - used, "\n  %s: %s", cand, e ? e : "not found");
    } else {
        snprintf(l->path, sizeof(l->path), "%s", cand);
    }
    return h;
}

vtc_result vtc_loader_open(vtc_loader *l, const char *path)
{
    memset(l, 0, sizeof(*l));
    char why[600] = "";
    void *h = NULL;
    if (path && *path) {
        h = try_open(l, path, why, sizeof(why));
    } else {
        const char *env = getenv("VTC_PLUGIN_PATH");
        if (env && *env) {
            struct stat st;
            char cand[512];
            if (stat(env, &st) == 0 && S_ISDIR(st.st_mode))
                snprintf(cand, sizeof(cand), "%s/libvtc.so.1", env);
            else
                snprintf(cand, sizeof(cand), "%s", env);
            h = try_open(l, cand, why, sizeof(why));
        }
        if (!h)
            h = try_open(l, "libvtc.so.1", why, sizeof(why));
    }
    if (!h) {
        snprintf(l->error, sizeof(l->error), "cannot load the vtc plugin:%s\n  (set VTC_PLUGIN_PATH to libvtc.so.1 or its folder)", why);
        return VTC_ERROR_NO_DEVICE;
    }
    void *sym = dlsym(h, VTC_NEGOTIATE_SYMBOL);
    if (!sym) {
        snprintf(l->error, sizeof(l->error), "%s has no entry point '%s': not a vtc plugin", l->path, VTC_NEGOTIATE_SYMBOL);
        dlclose(h);
        return VTC_ERROR_NO_DEVICE;
    }
    PFN_vtc_negotiate fn;
    memcpy(&fn, &sym, sizeof(fn));
    l->lib = h;
    vtc_result r = negotiate(l, fn);
    if (r) {
        dlclose(h);
        l->lib = NULL;
    }
    return r;
}
#endif

void vtc_loader_close(vtc_loader *l)
{
    if (l->lib)
        dlclose(l->lib);
    l->lib = NULL;
    l->api = NULL;
}
