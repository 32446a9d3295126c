/* The host loader: finds the plugin, negotiates the ABI, fails clearly. */
#include "vtc_loader.h"
#include "../common/test_check.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_loader /path/to/libvtc.so.1\n");
        return 2;
    }
    const char *lib = argv[1];
    vtc_loader L;
    vtc_result r = vtc_loader_open(&L, lib);
    CHECK("loader_opens_plugin_and_negotiates_v1", r == VTC_SUCCESS && L.api && L.abi == 1, "%d %s", r, L.error);
    if (r == VTC_SUCCESS) {
        CHECK("table_size_covers_v1", L.api->size >= sizeof(vtc_api_v1), "%u", L.api->size);
        CHECK("table_functions_present", L.api->context_create && L.api->visionzip && L.api->composite_attention, "null");
        CHECK("table_has_the_1_1_members", VTC_API_HAS(L.api, enumerate_devices) &&
              VTC_API_HAS(L.api, composite_query_scratch) && L.api->enumerate_devices && L.api->composite_query_scratch,
              "table %u bytes", L.api->size);
        CHECK("table_has_the_1_2_members", VTC_API_HAS(L.api, run) && L.api->run, "table %u bytes", L.api->size);
        char want[32];
        snprintf(want, sizeof(want), "%d.%d.%d", VTC_VERSION_MAJOR, VTC_VERSION_MINOR, VTC_VERSION_PATCH);
        CHECK("library_version_reported", !strcmp(L.api->library_version(), "1.3.0") &&
              !strcmp(L.api->library_version(), want), "%s (header %s)", L.api->library_version(), want);
        CHECK("library_version_matches_meson_project_version", argc < 3 || !strcmp(L.api->library_version(), argv[2]),
              "%s vs meson %s", L.api->library_version(), argc < 3 ? "?" : argv[2]);
        vtc_loader_close(&L);
    }

    r = vtc_loader_open(&L, "/nonexistent/libvtc.so.1");
    CHECK("missing_file_is_a_clear_error", r == VTC_ERROR_NO_DEVICE && strstr(L.error, "/nonexistent/libvtc.so.1"),
          "%d '%s'", r, L.error);

    r = vtc_loader_open(&L, "libm.so.6");
    CHECK("library_without_entry_point_is_refused", r == VTC_ERROR_NO_DEVICE && strstr(L.error, "vtc_negotiate"),
          "%d '%s'", r, L.error);

    setenv("VTC_PLUGIN_PATH", lib, 1);
    r = vtc_loader_open(&L, NULL);
    CHECK("env_plugin_path_is_used", r == VTC_SUCCESS, "%d %s", r, L.error);
    if (!r)
        vtc_loader_close(&L);
    unsetenv("VTC_PLUGIN_PATH");

    /* the negotiation itself, as a host speaking other ranges would see it */
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    PFN_vtc_negotiate neg = h ? (PFN_vtc_negotiate)dlsym(h, VTC_NEGOTIATE_SYMBOL) : NULL;
    CHECK("entry_point_exported", neg != NULL, "%s", dlerror());
    if (neg) {
        uint32_t chosen = 0;
        const void *api = (const void *)1;
        r = neg(2, 3, &chosen, &api);
        CHECK("host_speaking_only_future_abi_gets_mismatch", r == VTC_ERROR_ABI_MISMATCH && api == NULL && chosen == 1,
              "%d chosen %u", r, chosen);
        r = neg(1, 9, &chosen, &api);
        CHECK("highest_common_version_is_picked", r == VTC_SUCCESS && chosen == 1 && api, "%d chosen %u", r, chosen);
        r = neg(3, 1, &chosen, &api);
        CHECK("inverted_range_is_invalid", r == VTC_ERROR_INVALID_ARGUMENT, "%d", r);
        r = neg(1, 1, NULL, &api);
        CHECK("null_output_is_invalid", r == VTC_ERROR_INVALID_ARGUMENT, "%d", r);
        /* no loader state leaks: the plugin exports no vk* symbol */
        CHECK("plugin_exports_no_vulkan_symbols", dlsym(h, "vkGetInstanceProcAddr") == NULL && dlsym(h, "vkCreateInstance") == NULL,
              "a vk* symbol is visible");
    }
    if (h)
        dlclose(h);
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
