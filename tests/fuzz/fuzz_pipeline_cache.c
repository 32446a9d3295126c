/*
 * libFuzzer target: the pipeline-cache header check (plugin/device/pipeline_cache.h)
 * that decides whether a host's cache blob reaches the driver. Properties:
 * it never reads outside the blob (each input is copied into a buffer of
 * exactly its size, so ASan sees any over-read, also for every shorter
 * prefix), accepts exactly the blobs whose VkPipelineCacheHeaderVersionOne
 * names this device (an independent reading of the spec's layout decides),
 * always says why it refuses, and never writes past the reason buffer, even
 * a tiny one.
 */
#include "pipeline_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* the device the fuzzed blobs are checked against (the corpus has its header) */
#define VENDOR 0x10deu
#define DEVICE 0x2330u
static const uint8_t uuid[VK_UUID_SIZE] = {0x5a, 0x17, 0x00, 0xff, 0x01, 0x80, 0x7f, 0x10,
                                           0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90};

static int expected(const uint8_t *p, size_t n)
{
    VkPipelineCacheHeaderVersionOne h;
    if (!p || n < sizeof(h))
        return 0;
    /* the spec stores the integers least significant byte first */
    uint32_t w[4];
    for (int i = 0; i < 4; i++)
        w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    return w[0] >= sizeof(h) && w[0] <= n && w[1] == VK_PIPELINE_CACHE_HEADER_VERSION_ONE && w[2] == VENDOR &&
           w[3] == DEVICE && !memcmp(p + 16, uuid, VK_UUID_SIZE);
}

static void check(const uint8_t *data, size_t size, size_t whylen)
{
    uint8_t *copy = size ? malloc(size) : NULL;
    if (size && !copy)
        abort();
    if (size)
        memcpy(copy, data, size);
    char why[200];
    memset(why, 0x5a, sizeof(why));
    if (whylen > sizeof(why) - 8)
        abort();
    int ok = vtc_cache_header_check(size ? copy : NULL, size, VENDOR, DEVICE, uuid, why, whylen);
    if (ok != expected(size ? copy : NULL, size))
        abort(); /* accepted a foreign blob, or refused this device's */
    if (!ok && (!why[0] || !memchr(why, 0, whylen)))
        abort(); /* a refusal says why, NUL-terminated inside the buffer */
    for (size_t i = whylen; i < sizeof(why); i++)
        if ((uint8_t)why[i] != 0x5a)
            abort(); /* wrote past the reason buffer */
    if (size && memcmp(copy, data, size))
        abort(); /* the blob is read-only */
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size, 160);
    check(data, size, 2); /* a reason buffer too small for any reason */
    /* every prefix a truncated file would give, down past the header */
    size_t lo = size > 48 ? size - 48 : 0;
    for (size_t n = lo; n < size; n++)
        check(data, n, 160);
    return 0;
}
