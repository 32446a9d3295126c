/*
 * The vtc tool's pipeline cache on disk, so a second run does not compile
 * what the first one did: $XDG_CACHE_HOME/vtc/pipelines.bin, or
 * ~/.cache/vtc/pipelines.bin (XDG base directories). vtc checks the blob's
 * header itself, so a file from another device or driver, or a damaged one,
 * costs one warning and is then overwritten.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_cache_disabled;

/* 0 and the file's path in buf, or -1 when there is nowhere to keep it. */
static int cache_path(char *buf, size_t len, int make_dirs)
{
    if (cli_cache_disabled)
        return -1;
    char dir[768];
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    /* the XDG spec ignores a relative XDG_CACHE_HOME */
    if (xdg && xdg[0] == '/')
        snprintf(dir, sizeof(dir), "%s", xdg);
    else if (home && home[0] == '/')
        snprintf(dir, sizeof(dir), "%s/.cache", home);
    else
        return -1;
    if (make_dirs && mkdir(dir, 0700) && errno != EEXIST)
        return -1;
    if ((size_t)snprintf(buf, len, "%s/vtc", dir) >= len)
        return -1;
    if (make_dirs && mkdir(buf, 0700) && errno != EEXIST)
        return -1;
    if ((size_t)snprintf(buf, len, "%s/vtc/pipelines.bin", dir) >= len)
        return -1;
    return 0;
}

void *cli_cache_load(size_t *size)
{
    *size = 0;
    char path[1024];
    if (cache_path(path, sizeof(path), 0))
        return NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL; /* first run */
    void *data = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n > 0 && n < (256l << 20) && fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)n)) &&
        fread(data, 1, (size_t)n, f) == (size_t)n) {
        *size = (size_t)n;
    } else {
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

void cli_cache_save(const vtc_api_v1 *api, vtc_context ctx)
{
    char path[1024], tmp[1100];
    if (!ctx || !VTC_API_HAS(api, context_pipeline_cache) || cache_path(path, sizeof(path), 1))
        return;
    size_t n = 0;
    if (api->context_pipeline_cache(ctx, NULL, &n) != VTC_SUCCESS || !n)
        return;
    void *data = malloc(n);
    if (!data)
        return;
    vtc_result r = api->context_pipeline_cache(ctx, data, &n);
    if (r == VTC_SUCCESS) {
        /* write then rename: a concurrent vtc never reads half a file */
        snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
        FILE *f = fopen(tmp, "wb");
        int ok = f && fwrite(data, 1, n, f) == n;
        if (f && fclose(f))
            ok = 0;
        if (!ok || rename(tmp, path)) {
            fprintf(stderr, "vtc: warning: cannot write the pipeline cache %s: %s\n", path, strerror(errno));
            remove(tmp);
        }
    }
    free(data);
}

vtc_result cli_context_create(const vtc_api_v1 *api, vtc_context *ctx)
{
    return cli_context_create_flags(api, 0, ctx);
}

vtc_result cli_context_create_flags(const vtc_api_v1 *api, uint32_t flags, vtc_context *ctx)
{
    vtc_context_desc d;
    memset(&d, 0, sizeof(d));
    d.size = sizeof(d);
    d.flags = flags;
    size_t n = 0;
    void *data = cli_cache_load(&n);
    d.pipeline_cache_data = data;
    d.pipeline_cache_size = n;
    vtc_result r = api->context_create(&d, ctx);
    free(data); /* vtc read it during the call */
    return r;
}
