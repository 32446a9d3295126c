/*
 * libFuzzer target: the .safetensors reader (host/io/safetensors.h) on
 * hostile bytes. Property: st_open_mem never reads outside the input or
 * crashes; on success every tensor's byte range lies inside the data
 * section and st_read_f32 of every float tensor reads only that range
 * (ASan checks), with and without an expected shape.
 */
#include "safetensors.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_file f;
    char err[256];
    err[0] = 0;
    if (st_open_mem(data, size, &f, err, sizeof(err))) {
        if (!err[0] || f.buf || f.tensors)
            abort(); /* a failure must say why and free what it took */
        return 0;
    }
    for (size_t i = 0; i < f.count; i++) {
        const st_tensor *t = &f.tensors[i];
        if (t->begin > t->end || f.data_off + t->end > f.len)
            abort();
        const st_tensor *found = st_find(&f, t->name);
        if (!found)
            abort();
        if (found != t)
            continue; /* keys that differ only after an embedded \u0000 */
        float *out = NULL;
        int64_t shape[8];
        int nd = 0;
        if (st_read_f32(&f, t->name, 0, NULL, &out, shape, &nd, err, sizeof(err)) == 0) {
            if (!out || nd != t->ndim)
                abort();
            volatile float sink = 0;
            size_t n = (size_t)(t->end - t->begin) / (t->dtype == ST_F32 ? 4 : 2);
            for (size_t j = 0; j < n; j++)
                sink += out[j];
            (void)sink;
            free(out);
            /* the same tensor against its own shape, then a wrong one */
            if (st_read_f32(&f, t->name, t->ndim, t->shape, &out, NULL, NULL, err, sizeof(err)))
                abort();
            free(out);
            int64_t wrong[8];
            memcpy(wrong, t->shape, sizeof(wrong));
            wrong[0] += 1;
            if (t->ndim > 0 && st_read_f32(&f, t->name, t->ndim, wrong, &out, NULL, NULL, err, sizeof(err)) == 0)
                abort();
        } else if (out) {
            abort();
        }
    }
    if (st_find(&f, "no such tensor \x01"))
        abort();
    st_close(&f);
    return 0;
}
