/*
 * The plugin a unit test is given on its command line (meson passes
 * libvtc.full_path()), opened through the loader hosts copy.
 */
#ifndef VTC_TEST_PLUGIN_ARG_H
#define VTC_TEST_PLUGIN_ARG_H
#include "vtc_loader.h"

#include <stdio.h>
#include <stdlib.h>

/* The plugin's table, with *L open; else the process exits after saying why: 2 without
   a path (usage: `name` /path/to/libvtc.so.1), 1 when the loader refuses it. */
static inline const vtc_api_v1 *plugin_arg_open(int argc, char **argv, const char *name, vtc_loader *L)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s /path/to/libvtc.so.1\n", name);
        exit(2);
    }
    if (vtc_loader_open(L, argv[1])) {
        printf("FAIL - loader: %s\n", L->error);
        exit(1);
    }
    return L->api;
}
#endif
