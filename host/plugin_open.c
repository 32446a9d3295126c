/* Finding the plugin: what `vtc` and `vtc-conformance` both do. */
#include "plugin_open.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Candidate plugin paths next to the executable (build tree and install tree). */
vtc_result cli_open_plugin(vtc_loader *L, const char *explicit_path)
{
    if (explicit_path || getenv("VTC_PLUGIN_PATH"))
        return vtc_loader_open(L, explicit_path);
#ifndef VTC_LOADER_STATIC
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = 0;
        char *dir = dirname(exe);
        const char *rel[] = {"libvtc.so.1", "../plugin/libvtc.so.1", "../lib/libvtc.so.1",
                             "../lib/x86_64-linux-gnu/libvtc.so.1", "../lib64/libvtc.so.1"};
        for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
            char cand[PATH_MAX + 64];
            snprintf(cand, sizeof(cand), "%s/%s", dir, rel[i]);
            if (access(cand, R_OK) == 0)
                return vtc_loader_open(L, cand);
        }
    }
#endif
    return vtc_loader_open(L, NULL);
}
