/*
 * vtc_loader: what a host copies (or links) to load the vtc plugin at run
 * time. C99, depends on <vtc.h> (types only) and dlopen.
 *
 *   vtc_loader L;
 *   if (vtc_loader_open(&L, NULL) != VTC_SUCCESS) { fprintf(stderr, "%s\n", L.error); ... }
 *   vtc_context ctx; L.api->context_create(NULL, &ctx); ...
 *   vtc_loader_close(&L);
 *
 * Where it looks, in order: the explicit `path`; $VTC_PLUGIN_PATH (a file,
 * or a directory holding libvtc.so.1); the default name "libvtc.so.1"
 * through the dynamic linker's search (LD_LIBRARY_PATH, the caller's
 * RUNPATH, ld.so.cache).
 *
 * Built with VTC_LOADER_STATIC defined (and vtc linked in), it skips
 * dlopen and negotiates with the linked vtc_negotiate.
 */
#ifndef VTC_LOADER_H
#define VTC_LOADER_H
#include "vtc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** ABI range this loader (and the host using it) speaks. */
#define VTC_LOADER_ABI_MIN 1u
#define VTC_LOADER_ABI_MAX 1u

typedef struct vtc_loader {
    void *lib;                 /**< dlopen handle (NULL when static) */
    const vtc_api_v1 *api;     /**< function table, at least VTC_API_V1_0_SIZE bytes (members added
                                    later: check VTC_API_HAS); valid until vtc_loader_close */
    uint32_t abi;              /**< negotiated ABI version */
    char path[512];            /**< what was loaded */
    char error[768];           /**< why vtc_loader_open failed */
} vtc_loader;

/** Returns VTC_SUCCESS, VTC_ERROR_NO_DEVICE (library not found / no entry
 *  point; see error) or VTC_ERROR_ABI_MISMATCH. On failure nothing stays
 *  loaded. */
vtc_result vtc_loader_open(vtc_loader *l, const char *path);
/** Unloads. Destroy every context first. */
void vtc_loader_close(vtc_loader *l);

#ifdef __cplusplus
}
#endif
#endif
