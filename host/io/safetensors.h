/*
 * .safetensors reader (header parsed with json-c). Treats the file as
 * hostile: header length, JSON, shapes and data offsets are all checked;
 * errors name the file and the key.
 */
#ifndef VTC_SAFETENSORS_H
#define VTC_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

enum { ST_F32 = 1, ST_F16 = 2, ST_I32 = 3, ST_U8 = 4, ST_BF16 = 5, ST_OTHER = 99 };

typedef struct st_tensor {
    char name[256];
    int dtype;              /* ST_* */
    char dtype_str[16];
    int ndim;
    int64_t shape[8];
    uint64_t begin, end;    /* byte range relative to the data section */
} st_tensor;

typedef struct st_file {
    uint8_t *buf;
    size_t len;
    size_t data_off;
    st_tensor *tensors;
    size_t count;
    char path[256];
} st_file;

int st_open(const char *path, st_file *f, char *err, size_t errlen);
int st_open_mem(const void *buf, size_t len, st_file *f, char *err, size_t errlen); /* copies buf */
const st_tensor *st_find(const st_file *f, const char *name);
/* Tensor `name` as float32 (F32, F16 and BF16 converted), shape checked against expected_shape when given
   (ndim dims). *out is malloc'd. Errors name the key. */
int st_read_f32(const st_file *f, const char *name, int ndim, const int64_t *expected_shape, float **out,
                int64_t *shape_out, int *ndim_out, char *err, size_t errlen);
void st_close(st_file *f);
#endif
