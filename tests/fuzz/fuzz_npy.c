/*
 * libFuzzer target: the .npy reader (host/io/npy.h) on hostile bytes.
 * Property: npy_load_mem / npy_load never read outside the input, never
 * crash, and on success describe exactly `count` elements of data that are
 * all readable; on failure they leave *out empty and an error message.
 * Every 8th input also goes through npy_load from a temporary file, so the
 * file path (growth, short reads) is covered too.
 */
#include "npy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp_path[64];

static void check_array(const npy_array *a)
{
    size_t es = npy_dtype_size(a->dtype);
    if (!es || a->ndim < 0 || a->ndim > 8 || !a->data)
        abort();
    uint64_t count = 1;
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] < 0)
            abort();
        count *= (uint64_t)a->shape[i];
    }
    if (count != a->count)
        abort();
    /* touch every byte so ASan sees any short allocation */
    volatile uint8_t sink = 0;
    const uint8_t *p = a->data;
    for (size_t i = 0; i < a->count * es; i++)
        sink ^= p[i];
    (void)sink;
    if (a->dtype == NPY_F32 || a->dtype == NPY_F16) {
        float *f = malloc((a->count ? a->count : 1) * sizeof(float));
        if (f && npy_to_f32(a, f))
            abort();
        free(f);
    }
}

static void run_mem(const uint8_t *data, size_t size)
{
    npy_array a;
    char err[256];
    err[0] = 0;
    if (npy_load_mem(data, size, &a, err, sizeof(err)) == 0) {
        check_array(&a);
        npy_free(&a);
    } else if (!err[0] || a.data || a.count) {
        abort(); /* a failure must say why and leave nothing behind */
    }
}

static void run_file(const uint8_t *data, size_t size)
{
    if (!tmp_path[0]) {
        snprintf(tmp_path, sizeof(tmp_path), "/tmp/vtc_fuzz_npy_%ld.npy", (long)getpid());
    }
    FILE *f = fopen(tmp_path, "wb");
    if (!f)
        return;
    int ok = fwrite(data, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
    if (!ok)
        return;
    npy_array a;
    char err[256];
    err[0] = 0;
    if (npy_load(tmp_path, &a, err, sizeof(err)) == 0) {
        check_array(&a);
        npy_free(&a);
    } else if (!err[0] || a.data) {
        abort();
    }
    unlink(tmp_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run_mem(data, size);
    if (size && (data[size - 1] & 7) == 0)
        run_file(data, size);
    return 0;
}
