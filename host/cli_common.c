#include "cli.h"
#include "op_desc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vtc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vtc %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'vtc %s%s --help')\n", vtc_op_desc_named(cmd) ? "run " : "", cmd);
    va_end(ap);
    return 2;
}

int cli_parse_dtype(const char *s, uint32_t *dtype)
{
    if (!strcmp(s, "f32"))
        *dtype = VTC_DTYPE_F32;
    else if (!strcmp(s, "f16"))
        *dtype = VTC_DTYPE_F16;
    else
        return -1;
    return 0;
}

int cli_parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || v > 0xffffffffull || s[0] == '-')
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int cli_parse_float(const char *s, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (!*s || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int cli_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    if (strcmp(argv[*i], name))
        return 0;
    if (*i + 1 >= argc) {
        *val = NULL;
        return 1;
    }
    *val = argv[++*i];
    return 1;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

int cli_load(const char *path, int want_float, uint32_t dtype, int expect_ndim, cli_array *out)
{
    memset(out, 0, sizeof(*out));
    char err[512];
    if (npy_load(path, &out->a, err, sizeof(err)))
        return cli_error("%s", err);
    if (expect_ndim > 0 && out->a.ndim != expect_ndim) {
        cli_error("%s: has %d dimensions, expected %d", path, out->a.ndim, expect_ndim);
        npy_free(&out->a);
        return 1;
    }
    out->dtype = (uint32_t)out->a.dtype;
    out->data = out->a.data;
    if (!want_float)
        return 0;
    if (out->a.dtype != NPY_F32 && out->a.dtype != NPY_F16) {
        cli_error("%s: expected float data (<f4 or <f2)", path);
        npy_free(&out->a);
        return 1;
    }
    if ((uint32_t)out->a.dtype == dtype)
        return 0;
    size_t n = out->a.count;
    float *f = malloc((n ? n : 1) * sizeof(float));
    if (!f) {
        npy_free(&out->a);
        return cli_error("%s: out of memory", path);
    }
    npy_to_f32(&out->a, f);
    if (dtype == VTC_DTYPE_F16) {
        uint16_t *h = malloc((n ? n : 1) * 2);
        if (!h) {
            free(f);
            npy_free(&out->a);
            return cli_error("%s: out of memory", path);
        }
        for (size_t i = 0; i < n; i++)
            h[i] = npy_float_to_half(f[i]);
        free(f);
        out->data = h;
    } else {
        out->data = f;
    }
    out->dtype = dtype;
    out->owns_copy = 1;
    return 0;
}

void cli_free(cli_array *x)
{
    if (x->owns_copy)
        free(x->data);
    npy_free(&x->a);
    memset(x, 0, sizeof(*x));
}

vtc_tensor cli_tensor_new(uint32_t dtype, void *host, int ndim, const int64_t *shape)
{
    vtc_tensor t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    t.dtype = dtype;
    t.ndim = (uint32_t)ndim;
    for (int i = 0; i < ndim && i < VTC_MAX_DIMS; i++)
        t.shape[i] = shape[i];
    t.host = host;
    return t;
}

vtc_tensor cli_tensor(const cli_array *x)
{
    return cli_tensor_new(x->dtype, x->data, x->a.ndim > VTC_MAX_DIMS ? VTC_MAX_DIMS + 1 : x->a.ndim, x->a.shape);
}

int cli_save(const char *path, uint32_t dtype, int ndim, const int64_t *shape, const void *data)
{
    char err[512];
    if (npy_save(path, (int)dtype, ndim, shape, data, err, sizeof(err)))
        return cli_error("%s", err);
    return 0;
}

int cli_vtc_error(const vtc_api_v1 *api, const char *what, vtc_result r)
{
    return cli_error("%s failed: %s", what, api->result_string(r));
}

double cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

const char *cli_device_type_name(uint32_t t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
    }
}
