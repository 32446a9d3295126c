/* The loader refuses plugins it cannot speak to, clearly, and keeps nothing loaded. */
#include "vtc_loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(name, cond, ...) do { if (cond) printf("ok - %s\n", name); else { printf("FAIL - %s: ", name); printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_loader_abi fake_future_abi.so fake_short_table.so\n");
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
    /* refused plugins were unloaded: RTLD_NOLOAD finds nothing */
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
    CHECK("refused_plugin_is_unloaded", h == NULL, "still loaded");
    if (h)
        dlclose(h);
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
