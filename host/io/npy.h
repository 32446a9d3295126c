/*
 * NumPy .npy reader/writer for vtc's tools: little-endian <f4, <f2, <i4,
 * |u1 in C order. The reader treats its input as hostile: every size is
 * checked, nothing is read past the data, errors say what was wrong.
 * Little-endian hosts only (x86-64, AArch64), like vtc's GPU data.
 */
#ifndef VTC_NPY_H
#define VTC_NPY_H
#include <stddef.h>
#include <stdint.h>

typedef enum { NPY_F32 = 1, NPY_F16 = 2, NPY_I32 = 3, NPY_U8 = 4 } npy_dtype; /* = VTC_DTYPE_* */

typedef struct npy_array {
    int dtype;            /* npy_dtype */
    int ndim;             /* 0..8 */
    int64_t shape[8];
    size_t count;         /* elements */
    void *data;           /* malloc'd, count * element size, C order */
} npy_array;

size_t npy_dtype_size(int dtype);
/* 0 on success; otherwise non-zero and a message in err naming the file. */
int npy_load(const char *path, npy_array *out, char *err, size_t errlen);
int npy_load_mem(const void *buf, size_t len, npy_array *out, char *err, size_t errlen);
int npy_save(const char *path, int dtype, int ndim, const int64_t *shape, const void *data, char *err, size_t errlen);
void npy_free(npy_array *a);
/* F32/F16 data as float into dst (count elements). Non-zero for other dtypes. */
int npy_to_f32(const npy_array *a, float *dst);
float npy_half_to_float(uint16_t h);
uint16_t npy_float_to_half(float f); /* round to nearest even, overflow to inf, NaN stays NaN */
#endif
