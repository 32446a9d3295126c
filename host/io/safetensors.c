#include "safetensors.h"

#include "io_file.h"
#include "npy.h" /* npy_half_to_float */

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t st_dsize(int dt)
{
    switch (dt) {
    case ST_F32: case ST_I32: return 4;
    case ST_F16: case ST_BF16: return 2;
    case ST_U8: return 1;
    default: return 0;
    }
}

/* The 8-byte little-endian header length and the JSON object after it;
   sets f->data_off. Returns the object (the caller puts it) or NULL. */
static struct json_object *parse_root(st_file *f, char *err, size_t errlen)
{
    const char *path = f->path;
    if (f->len < 8) {
        io_fail(err, errlen, path, "too short for a safetensors header");
        return NULL;
    }
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = (hl << 8) | f->buf[i];
    if (hl > f->len - 8 || hl > (100u << 20)) {
        io_fail(err, errlen, path, "header length %llu exceeds the file (%zu bytes)", (unsigned long long)hl, f->len);
        return NULL;
    }
    f->data_off = 8 + (size_t)hl;
    struct json_tokener *tok = json_tokener_new();
    if (!tok) {
        io_fail(err, errlen, path, "out of memory");
        return NULL;
    }
    struct json_object *root = json_tokener_parse_ex(tok, (const char *)f->buf + 8, (int)hl);
    enum json_tokener_error je = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (!root || je != json_tokener_success) {
        if (root)
            json_object_put(root);
        io_fail(err, errlen, path, "header is not valid JSON");
        return NULL;
    }
    if (!json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        io_fail(err, errlen, path, "header is not a JSON object");
        return NULL;
    }
    return root;
}

/* t->shape and t->ndim from the entry's shape array; its element count in *count. */
static int parse_shape(const char *path, const char *key, struct json_object *sh, st_tensor *t, uint64_t *count,
                       char *err, size_t errlen)
{
    size_t nd = json_object_array_length(sh);
    if (nd > 8)
        return io_fail(err, errlen, path, "key '%s': more than 8 dimensions", key);
    t->ndim = (int)nd;
    *count = 1;
    for (size_t i = 0; i < nd; i++) {
        struct json_object *d = json_object_array_get_idx(sh, i);
        if (!json_object_is_type(d, json_type_int) || json_object_get_int64(d) < 0 ||
            json_object_get_int64(d) > ((int64_t)1 << 40))
            return io_fail(err, errlen, path, "key '%s': bad shape", key);
        t->shape[i] = json_object_get_int64(d);
        if (t->shape[i] && *count > (UINT64_MAX >> 4) / (uint64_t)t->shape[i])
            return io_fail(err, errlen, path, "key '%s': shape overflows", key);
        *count *= (uint64_t)t->shape[i];
    }
    return 0;
}

/* One tensor entry of the header: {dtype, shape, data_offsets} whose bytes
   lie within the data_len bytes after the header and fit the shape. */
static int parse_entry(const char *path, const char *key, struct json_object *val, size_t data_len, st_tensor *t,
                       char *err, size_t errlen)
{
    if (strlen(key) >= sizeof(t->name))
        return io_fail(err, errlen, path, "key name too long");
    snprintf(t->name, sizeof(t->name), "%s", key);
    struct json_object *dt, *sh, *off;
    if (!json_object_is_type(val, json_type_object) || !json_object_object_get_ex(val, "dtype", &dt) ||
        !json_object_object_get_ex(val, "shape", &sh) || !json_object_object_get_ex(val, "data_offsets", &off) ||
        !json_object_is_type(dt, json_type_string) || !json_object_is_type(sh, json_type_array) ||
        !json_object_is_type(off, json_type_array) || json_object_array_length(off) != 2)
        return io_fail(err, errlen, path, "key '%s': entry needs dtype (string), shape (array), data_offsets ([begin, end])", key);
    const char *ds = json_object_get_string(dt);
    snprintf(t->dtype_str, sizeof(t->dtype_str), "%s", ds);
    t->dtype = !strcmp(ds, "F32") ? ST_F32 : !strcmp(ds, "F16") ? ST_F16 : !strcmp(ds, "BF16") ? ST_BF16
             : !strcmp(ds, "I32") ? ST_I32 : !strcmp(ds, "U8") ? ST_U8 : ST_OTHER;
    uint64_t count = 0;
    if (parse_shape(path, key, sh, t, &count, err, errlen))
        return -1;
    struct json_object *b0 = json_object_array_get_idx(off, 0), *b1 = json_object_array_get_idx(off, 1);
    if (!json_object_is_type(b0, json_type_int) || !json_object_is_type(b1, json_type_int) ||
        json_object_get_int64(b0) < 0 || json_object_get_int64(b1) < json_object_get_int64(b0))
        return io_fail(err, errlen, path, "key '%s': bad data_offsets", key);
    t->begin = (uint64_t)json_object_get_int64(b0);
    t->end = (uint64_t)json_object_get_int64(b1);
    if (t->end > data_len)
        return io_fail(err, errlen, path,
                       "key '%s': data_offsets [%llu, %llu] run past the data (%zu bytes): truncated file?", key,
                       (unsigned long long)t->begin, (unsigned long long)t->end, data_len);
    size_t es = st_dsize(t->dtype);
    if (es && t->end - t->begin != count * es)
        return io_fail(err, errlen, path, "key '%s': %llu data bytes for a %s tensor of %llu elements", key,
                       (unsigned long long)(t->end - t->begin), ds, (unsigned long long)count);
    return 0;
}

static int parse(st_file *f, char *err, size_t errlen)
{
    struct json_object *root = parse_root(f, err, errlen);
    if (!root)
        return -1;
    size_t n = (size_t)json_object_object_length(root);
    f->tensors = calloc(n ? n : 1, sizeof(st_tensor));
    if (!f->tensors) {
        json_object_put(root);
        return io_fail(err, errlen, f->path, "out of memory");
    }
    int rc = 0;
    json_object_object_foreach(root, key, val) {
        if (!strcmp(key, "__metadata__"))
            continue;
        rc = parse_entry(f->path, key, val, f->len - f->data_off, &f->tensors[f->count], err, errlen);
        if (rc)
            break;
        f->count++;
    }
    json_object_put(root);
    return rc;
}

int st_open_mem(const void *buf, size_t len, st_file *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->path, sizeof(f->path), "safetensors");
    f->buf = malloc(len ? len : 1);
    if (!f->buf)
        return io_fail(err, errlen, f->path, "out of memory");
    if (len)
        memcpy(f->buf, buf, len);
    f->len = len;
    if (parse(f, err, errlen)) {
        st_close(f);
        return -1;
    }
    return 0;
}

int st_open(const char *path, st_file *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->path, sizeof(f->path), "%s", path);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return io_fail(err, errlen, path, "cannot open: %s", strerror(errno));
    uint8_t *buf;
    size_t len;
    int rd = io_read_all(fp, (size_t)1 << 34, &buf, &len);
    fclose(fp);
    if (rd)
        return io_fail(err, errlen, path, "out of memory or file too large");
    f->buf = buf;
    f->len = len;
    if (parse(f, err, errlen)) {
        st_close(f);
        return -1;
    }
    return 0;
}

const st_tensor *st_find(const st_file *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (!strcmp(f->tensors[i].name, name))
            return &f->tensors[i];
    return NULL;
}

static void shape_str(const int64_t *s, int nd, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < nd && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? ", " : "", (long long)s[i]);
    if (o < len)
        snprintf(buf + o, len - o, "]");
}

int st_read_f32(const st_file *f, const char *name, int ndim, const int64_t *expected_shape, float **out,
                int64_t *shape_out, int *ndim_out, char *err, size_t errlen)
{
    *out = NULL;
    const st_tensor *t = st_find(f, name);
    if (!t)
        return io_fail(err, errlen, f->path, "missing key '%s'", name);
    if (expected_shape) {
        int ok = t->ndim == ndim;
        for (int i = 0; ok && i < ndim; i++)
            ok = expected_shape[i] < 0 || t->shape[i] == expected_shape[i];
        if (!ok) {
            char got[128], want[128];
            shape_str(t->shape, t->ndim, got, sizeof(got));
            shape_str(expected_shape, ndim, want, sizeof(want));
            return io_fail(err, errlen, f->path, "key '%s' has shape %s but %s was expected", name, got, want);
        }
    }
    if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16)
        return io_fail(err, errlen, f->path, "key '%s' has dtype %s; expected F32, F16 or BF16", name, t->dtype_str);
    size_t es = st_dsize(t->dtype), n = (size_t)((t->end - t->begin) / es);
    float *o = malloc((n ? n : 1) * sizeof(float));
    if (!o)
        return io_fail(err, errlen, f->path, "out of memory reading '%s'", name);
    const uint8_t *src = f->buf + f->data_off + t->begin;
    for (size_t i = 0; i < n; i++) {
        if (t->dtype == ST_F32) {
            memcpy(&o[i], src + 4 * i, 4);
        } else {
            uint16_t h = (uint16_t)(src[2 * i] | (src[2 * i + 1] << 8));
            if (t->dtype == ST_F16) {
                o[i] = npy_half_to_float(h);
            } else { /* bf16 is the top half of an fp32: exact */
                uint32_t bits = (uint32_t)h << 16;
                memcpy(&o[i], &bits, 4);
            }
        }
    }
    *out = o;
    if (shape_out)
        for (int i = 0; i < t->ndim; i++)
            shape_out[i] = t->shape[i];
    if (ndim_out)
        *ndim_out = t->ndim;
    return 0;
}

void st_close(st_file *f)
{
    free(f->buf);
    free(f->tensors);
    memset(f, 0, sizeof(*f));
}
