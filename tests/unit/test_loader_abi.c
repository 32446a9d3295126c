/* The loader refuses plugins it cannot speak to, clearly, and keeps nothing loaded. */
#include "vtc_loader.h"
#include "../common/test_check.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: test_loader_abi fake_future_abi.so fake_short_table.so fake_v1_0_table.so\n");
        return 2;
    }
    vtc_loader L;
    vtc_result r = vtc_loader_open(&L, argv[1]);
    CHECK("plugin_of_a_future_abi_is_refused_with_both_versions_named",
          r == VTC_ERROR_ABI_MISMATCH && !L.api && !L.lib && strstr(L.error, "ABI 2") && strstr(L.error, "1..1"),
          "%d '%s'", r, L.error);
    r = vtc_loader_open(&L, argv[2]);
    CHECK("plugin_with_a_short_v1_table_is_refused", r == VTC_ERROR_ABI_MISMATCH && !L.api && !L.lib &&
          strstr(L.error, "function table"), "%d '%s'", r, L.error);
    /* a host built against this (1.1) header still loads a 1.0 plugin, and
       sees which members that plugin lacks */
    r = vtc_loader_open(&L, argv[3]);
    CHECK("vtc_1_0_plugin_is_accepted_by_a_newer_host", r == VTC_SUCCESS && L.api && L.api->size == VTC_API_V1_0_SIZE,
          "%d '%s'", r, L.error);
    if (r == VTC_SUCCESS) {
        CHECK("vtc_1_0_plugin_has_its_members_and_not_later_ones",
              VTC_API_HAS(L.api, composite_attention) && VTC_API_HAS(L.api, context_create) &&
                  !VTC_API_HAS(L.api, enumerate_devices) && !VTC_API_HAS(L.api, composite_query_scratch),
              "table %u bytes", L.api->size);
        vtc_loader_close(&L);
    }
    /* refused plugins were unloaded: RTLD_NOLOAD finds nothing */
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
    CHECK("refused_plugin_is_unloaded", h == NULL, "still loaded");
    if (h)
        dlclose(h);
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
