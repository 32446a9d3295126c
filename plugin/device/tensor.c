/*
 * Tensor descriptor validation: everything the ABI promises to reject
 * before a byte is written. The executor checks each tensor of an op's
 * table alone (vtc_tensor_check); the op's plan() then states the
 * relations between them (vtc_tensor_expect).
 */
#include "device.h"

#include <stdio.h>
#include <string.h>

size_t vtc_dtype_size(uint32_t dtype)
{
    switch (dtype) {
    case VTC_DTYPE_F32: return 4;
    case VTC_DTYPE_F16: return 2;
    case VTC_DTYPE_I32: return 4;
    case VTC_DTYPE_U8: return 1;
    default: return 0;
    }
}

const char *vtc_dtype_name(uint32_t dtype)
{
    switch (dtype) {
    case VTC_DTYPE_NONE: return "none";
    case VTC_DTYPE_F32: return "f32";
    case VTC_DTYPE_F16: return "f16";
    case VTC_DTYPE_I32: return "i32";
    case VTC_DTYPE_U8: return "u8";
    default: return "invalid";
    }
}

int vtc_tensor_present(const vtc_tensor *t)
{
    return t && t->dtype != VTC_DTYPE_NONE;
}

int64_t vtc_tensor_count(const vtc_tensor *t)
{
    int64_t n = 1;
    for (uint32_t i = 0; i < t->ndim && i < VTC_MAX_DIMS; i++)
        n *= t->shape[i];
    return n;
}

int vtc_tensor_contiguous(const vtc_tensor *t)
{
    int all_zero = 1;
    for (uint32_t i = 0; i < t->ndim; i++)
        if (t->stride[i])
            all_zero = 0;
    if (all_zero)
        return 1;
    int64_t expect = 1;
    for (int i = (int)t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] > 1 && t->stride[i] != expect)
            return 0;
        expect *= t->shape[i];
    }
    return 1;
}

static void shape_str(const int64_t *shape, uint32_t ndim, char *buf, size_t len)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, len - o, "[");
    for (uint32_t i = 0; i < ndim && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%lld", i ? "," : "", (long long)shape[i]);
    if (o < len)
        snprintf(buf + o, len - o, "]");
}

static vtc_result dtype_fail(vtc_context ctx, const char *op, const char *what, const vtc_tensor *t, uint32_t dtypes)
{
    char allowed[64] = "";
    for (uint32_t d = 1; d <= VTC_DTYPE_U8; d++)
        if (dtypes & VTC_DTYPES(d)) {
            strncat(allowed, allowed[0] ? " or " : "", sizeof(allowed) - strlen(allowed) - 1);
            strncat(allowed, vtc_dtype_name(d), sizeof(allowed) - strlen(allowed) - 1);
        }
    return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s has dtype %s, expected %s", op, what,
                    vtc_dtype_name(t->dtype), allowed);
}

static vtc_result shape_fail(vtc_context ctx, const char *op, const char *what, const vtc_tensor *t,
                             const int64_t *want)
{
    char got[160], exp[160];
    shape_str(t->shape, t->ndim, got, sizeof(got));
    shape_str(want, t->ndim, exp, sizeof(exp));
    for (char *c = exp; *c; c++)
        if (*c == '-') { /* "-1" means any: show it as '*' */
            c[0] = '*';
            memmove(c + 1, c + 2, strlen(c + 2) + 1);
        }
    return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s has shape %s, expected %s", op, what, got, exp);
}

vtc_result vtc_tensor_check(vtc_context ctx, const char *op, const char *what, const vtc_tensor *t, int optional,
                            uint32_t dtypes, uint32_t ndim, const int64_t *want)
{
    /* vtc_tensor is frozen (abi/vtc.h): no size but its own can mean anything */
    if (t && t->size && t->size != sizeof(vtc_tensor))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s.size is %u; vtc_tensor is frozen at %zu bytes (or 0)", op,
                        what, t->size, sizeof(vtc_tensor));
    if (t && t->reserved0)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s.reserved0 must be 0", op, what);
    if (!vtc_tensor_present(t)) {
        if (optional)
            return VTC_SUCCESS;
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: tensor '%s' is missing (dtype none)", op, what);
    }
    if (!vtc_dtype_size(t->dtype))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s has invalid dtype %u", op, what, t->dtype);
    if (!(dtypes & VTC_DTYPES(t->dtype)))
        return dtype_fail(ctx, op, what, t, dtypes);
    if (t->ndim != ndim)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s has %u dimensions, expected %u", op, what, t->ndim, ndim);
    for (uint32_t i = 0; i < ndim; i++) {
        if (t->shape[i] < 0 || t->shape[i] > ((int64_t)1 << 40))
            return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s dimension %u is %lld", op, what, i,
                            (long long)t->shape[i]);
        if (want && want[i] >= 0 && t->shape[i] != want[i])
            return shape_fail(ctx, op, what, t, want);
    }
    /* extent in elements: 1 + sum (shape-1)*stride, overflow-checked */
    int64_t count = 1;
    for (uint32_t i = 0; i < ndim; i++) {
        if (t->shape[i] && count > INT64_MAX / t->shape[i])
            return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s element count overflows", op, what);
        count *= t->shape[i];
    }
    if (count >= ((int64_t)1 << 31))
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s has %lld elements; vtc's shaders index at most 2^31-1",
                        op, what, (long long)count);
    int64_t extent = count;
    if (!vtc_tensor_contiguous(t)) {
        extent = 1;
        for (uint32_t i = 0; i < ndim; i++) {
            if (t->stride[i] < 0)
                return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s stride %u is negative", op, what, i);
            if (t->shape[i] == 0) {
                extent = 0;
                break;
            }
            int64_t span = t->shape[i] - 1;
            if (span && t->stride[i] > (INT64_MAX / 8 - extent) / span)
                return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s strides overflow", op, what);
            extent += span * t->stride[i];
        }
    }
    size_t es = vtc_dtype_size(t->dtype);
    if (extent > INT64_MAX / 8)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s byte size overflows", op, what);
    uint64_t bytes = (uint64_t)extent * es;
    if (count > 0 && !t->host && !t->buffer)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s has neither a host pointer nor a buffer", op, what);
    if (t->host && t->buffer)
        return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT, "%s: %s has both a host pointer and a buffer", op, what);
    if (t->buffer) {
        if (bytes > ctx->caps.max_range)
            return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                            "%s: %s spans %llu bytes, more than the device's maxStorageBufferRange (%llu)", op, what,
                            (unsigned long long)bytes, (unsigned long long)ctx->caps.max_range);
        if (t->offset % ctx->caps.offset_align || t->offset % es)
            return vtc_fail(ctx, VTC_ERROR_INVALID_ARGUMENT,
                            "%s: %s offset %llu is not a multiple of minStorageBufferOffsetAlignment (%llu)", op, what,
                            (unsigned long long)t->offset, (unsigned long long)ctx->caps.offset_align);
    }
    return VTC_SUCCESS;
}

vtc_result vtc_tensor_expect(vtc_context ctx, const vtc_plan *pl, uint32_t i, uint32_t dtypes, const int64_t *want)
{
    const vtc_op_tensor_desc *td = &pl->desc->tensors[i];
    const vtc_tensor *t = vtc_op_tensor_in_const(td, pl->args);
    if (!vtc_tensor_present(t))
        return VTC_SUCCESS;
    if (dtypes && !(dtypes & VTC_DTYPES(t->dtype)))
        return dtype_fail(ctx, pl->desc->name, td->name, t, dtypes);
    for (uint32_t d = 0; want && d < t->ndim; d++)
        if (want[d] >= 0 && t->shape[d] != want[d])
            return shape_fail(ctx, pl->desc->name, td->name, t, want);
    return VTC_SUCCESS;
}
