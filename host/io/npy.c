#include "npy.h"

#include "io_file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c assumes a little-endian host"
#endif

#define MAX_FILE ((size_t)1 << 34) /* 16 GiB: anything larger is not an encoder output */

size_t npy_dtype_size(int dtype)
{
    switch (dtype) {
    case NPY_F32: return 4;
    case NPY_F16: return 2;
    case NPY_I32: return 4;
    case NPY_U8: return 1;
    default: return 0;
    }
}

/* Finds `'key':` in the header dict and returns a pointer just after the colon. */
static const char *find_key(const char *h, size_t len, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + kl + 2 < len; i++) {
        if ((h[i] == '\'' || h[i] == '"') && !memcmp(h + i + 1, key, kl) && h[i + 1 + kl] == h[i]) {
            const char *p = h + i + kl + 2;
            while (p < h + len && (*p == ' ' || *p == '\t'))
                p++;
            if (p < h + len && *p == ':')
                return p + 1;
        }
    }
    return NULL;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* The value of `key` in the header dict, past its blanks; NULL (with a
   message) when the dict has no such key. */
static const char *key_value(const char *name, const char *h, size_t len, const char *key, char *err, size_t errlen)
{
    const char *p = find_key(h, len, key);
    if (!p) {
        io_fail(err, errlen, name, "malformed header: no '%s'", key);
        return NULL;
    }
    return skip_ws(p, h + len);
}

/* 'descr': a quoted dtype string vtc reads. */
static int parse_descr(const char *name, const char *h, size_t len, npy_array *out, char *err, size_t errlen)
{
    const char *end = h + len;
    const char *p = key_value(name, h, len, "descr", err, errlen);
    if (!p)
        return -1;
    if (p >= end || (*p != '\'' && *p != '"'))
        return io_fail(err, errlen, name, "malformed header: 'descr' is not a string");
    char q = *p++;
    const char *ds = p;
    while (p < end && *p != q)
        p++;
    if (p >= end)
        return io_fail(err, errlen, name, "malformed header: unterminated 'descr'");
    size_t dl = (size_t)(p - ds);
    char descr[16] = "";
    if (dl >= sizeof(descr))
        return io_fail(err, errlen, name, "unsupported dtype (vtc reads <f4, <f2, <i4, |u1)");
    memcpy(descr, ds, dl);
    if (!strcmp(descr, "<f4"))
        out->dtype = NPY_F32;
    else if (!strcmp(descr, "<f2"))
        out->dtype = NPY_F16;
    else if (!strcmp(descr, "<i4"))
        out->dtype = NPY_I32;
    else if (!strcmp(descr, "|u1") || !strcmp(descr, "<u1"))
        out->dtype = NPY_U8;
    else
        return io_fail(err, errlen, name, "unsupported dtype '%s' (vtc reads <f4, <f2, <i4, |u1)", descr);
    return 0;
}

/* 'fortran_order': only False (C order) is read. */
static int parse_fortran_order(const char *name, const char *h, size_t len, char *err, size_t errlen)
{
    const char *end = h + len;
    const char *p = key_value(name, h, len, "fortran_order", err, errlen);
    if (!p)
        return -1;
    if ((size_t)(end - p) >= 4 && !memcmp(p, "True", 4))
        return io_fail(err, errlen, name, "fortran_order=True is not supported: save the array in C order");
    if ((size_t)(end - p) < 5 || memcmp(p, "False", 5))
        return io_fail(err, errlen, name, "malformed header: bad 'fortran_order'");
    return 0;
}

/* 'shape': a tuple of at most 8 decimal dimensions whose product stays
   within MAX_FILE elements. */
static int parse_shape(const char *name, const char *h, size_t len, npy_array *out, char *err, size_t errlen)
{
    const char *end = h + len;
    const char *p = key_value(name, h, len, "shape", err, errlen);
    if (!p)
        return -1;
    if (p >= end || *p != '(')
        return io_fail(err, errlen, name, "malformed header: 'shape' is not a tuple");
    p++;
    out->ndim = 0;
    uint64_t count = 1;
    for (;;) {
        p = skip_ws(p, end);
        if (p >= end)
            return io_fail(err, errlen, name, "malformed header: unterminated 'shape'");
        if (*p == ')')
            break;
        if (*p < '0' || *p > '9')
            return io_fail(err, errlen, name, "malformed header: bad dimension in 'shape'");
        uint64_t v = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > ((uint64_t)1 << 40))
                return io_fail(err, errlen, name, "dimension too large");
            p++;
        }
        if (p < end && *p == 'L') /* Python 2 longs */
            p++;
        if (out->ndim >= 8)
            return io_fail(err, errlen, name, "more than 8 dimensions");
        out->shape[out->ndim++] = (int64_t)v;
        if (v && count > (MAX_FILE / v))
            return io_fail(err, errlen, name, "shape is too large");
        count *= v;
        p = skip_ws(p, end);
        if (p < end && *p == ',')
            p++;
    }
    out->count = (size_t)count;
    return 0;
}

/* The header dict, its keys in any order. */
static int parse_header(const char *name, const char *h, size_t len, npy_array *out, char *err, size_t errlen)
{
    if (len < 2 || h[0] != '{')
        return io_fail(err, errlen, name, "malformed header: not a dict");
    if (parse_descr(name, h, len, out, err, errlen) || parse_fortran_order(name, h, len, err, errlen))
        return -1;
    return parse_shape(name, h, len, out, err, errlen);
}

static int load_buf(const char *name, const uint8_t *b, size_t len, npy_array *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (len < 10 || memcmp(b, "\x93NUMPY", 6))
        return io_fail(err, errlen, name, "not a .npy file (bad magic)");
    unsigned major = b[6];
    size_t hlen, hoff;
    if (major == 1) {
        hlen = (size_t)b[8] | ((size_t)b[9] << 8);
        hoff = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return io_fail(err, errlen, name, "truncated header");
        hlen = (size_t)b[8] | ((size_t)b[9] << 8) | ((size_t)b[10] << 16) | ((size_t)b[11] << 24);
        hoff = 12;
    } else {
        return io_fail(err, errlen, name, "unsupported .npy format version %u", major);
    }
    if (hlen > len - hoff)
        return io_fail(err, errlen, name, "header length %zu runs past the end of the file (%zu bytes)", hlen, len);
    if (parse_header(name, (const char *)b + hoff, hlen, out, err, errlen))
        return -1;
    size_t es = npy_dtype_size(out->dtype);
    size_t need = out->count * es, have = len - hoff - hlen;
    if (need > have) {
        memset(out, 0, sizeof(*out));
        return io_fail(err, errlen, name, "data is truncated: the shape needs %zu bytes, the file has %zu", need, have);
    }
    out->data = malloc(need ? need : 1);
    if (!out->data) {
        memset(out, 0, sizeof(*out));
        return io_fail(err, errlen, name, "out of memory (%zu bytes)", need);
    }
    memcpy(out->data, b + hoff + hlen, need);
    return 0;
}

int npy_load_mem(const void *buf, size_t len, npy_array *out, char *err, size_t errlen)
{
    if (!buf && len)
        return io_fail(err, errlen, "npy", "NULL buffer");
    return load_buf("npy", buf, len, out, err, errlen);
}

int npy_load(const char *path, npy_array *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "rb");
    if (!f)
        return io_fail(err, errlen, path, "cannot open: %s", strerror(errno));
    uint8_t *buf;
    size_t len;
    int rd = io_read_all(f, MAX_FILE, &buf, &len);
    if (rd) {
        fclose(f);
        if (rd == IO_READ_TOO_LARGE)
            return io_fail(err, errlen, path, "file larger than %zu bytes", MAX_FILE);
        return io_fail(err, errlen, path, "out of memory");
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return io_fail(err, errlen, path, "read error");
    }
    int r = load_buf(path, buf, len, out, err, errlen);
    free(buf);
    return r;
}

int npy_save(const char *path, int dtype, int ndim, const int64_t *shape, const void *data, char *err, size_t errlen)
{
    const char *descr = dtype == NPY_F32 ? "<f4" : dtype == NPY_F16 ? "<f2" : dtype == NPY_I32 ? "<i4"
                      : dtype == NPY_U8 ? "|u1" : NULL;
    if (!descr)
        return io_fail(err, errlen, path, "cannot save dtype %d", dtype);
    if (ndim < 0 || ndim > 8)
        return io_fail(err, errlen, path, "cannot save %d dimensions", ndim);
    char h[512];
    int n = snprintf(h, sizeof(h), "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    uint64_t count = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return io_fail(err, errlen, path, "negative dimension");
        n += snprintf(h + n, sizeof(h) - (size_t)n, "%lld%s", (long long)shape[i], ndim == 1 ? "," : i + 1 < ndim ? ", " : "");
        count *= (uint64_t)shape[i];
    }
    n += snprintf(h + n, sizeof(h) - (size_t)n, "), }");
    /* numpy pads with spaces so that magic + length + header + '\n' is a multiple of 64 */
    while ((10 + n + 1) % 64)
        h[n++] = ' ';
    h[n++] = '\n';
    FILE *f = fopen(path, "wb");
    if (!f)
        return io_fail(err, errlen, path, "cannot create: %s", strerror(errno));
    uint8_t pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)(n & 0xff), (uint8_t)(n >> 8)};
    size_t bytes = (size_t)count * npy_dtype_size(dtype);
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(h, 1, (size_t)n, f) == (size_t)n &&
             (bytes == 0 || fwrite(data, 1, bytes, f) == bytes);
    ok = (fclose(f) == 0) && ok;
    if (!ok)
        return io_fail(err, errlen, path, "write failed: %s", strerror(errno));
    return 0;
}

void npy_free(npy_array *a)
{
    if (a) {
        free(a->data);
        memset(a, 0, sizeof(*a));
    }
}

float npy_half_to_float(uint16_t h)
{
    uint32_t sign = (h & 0x8000u) ? 1u : 0u, e = (h >> 10) & 31u, m = h & 1023u;
    float v;
    if (e == 0)
        v = ldexpf((float)m, -24);
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexpf((float)(m | 1024u), (int)e - 25);
    return sign ? -v : v;
}

uint16_t npy_float_to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u)
        return (uint16_t)(sign | 0x7e00u);
    if (ax >= 0x477ff000u)
        return (uint16_t)(sign | 0x7c00u);
    if (ax < 0x38800000u) /* subnormal: scaling by 2^24 is exact, rintf rounds to nearest even */
        return (uint16_t)(sign | (uint32_t)rintf(fabsf(f) * 16777216.0f));
    uint32_t h = (ax >> 13) - (112u << 10), rem = ax & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
        h++;
    return (uint16_t)(sign | h);
}

int npy_to_f32(const npy_array *a, float *dst)
{
    if (a->dtype == NPY_F32) {
        memcpy(dst, a->data, a->count * 4);
        return 0;
    }
    if (a->dtype == NPY_F16) {
        const uint16_t *s = a->data;
        for (size_t i = 0; i < a->count; i++)
            dst[i] = npy_half_to_float(s[i]);
        return 0;
    }
    return -1;
}
