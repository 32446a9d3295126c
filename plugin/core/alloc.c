/* Host memory, through the allocator the context was created with. */
#include "core.h"

#include <stdlib.h>
#include <string.h>

/* The context begins with its vtc_core (device/device.h asserts it). */
static const vtc_core *core_of(vtc_context ctx)
{
    return (const vtc_core *)(const void *)ctx;
}

/* ---- host memory ---------------------------------------------------- */
void *vtc_alloc(vtc_context ctx, size_t bytes)
{
    if (!bytes)
        bytes = 1;
    const vtc_core *c = ctx ? core_of(ctx) : NULL;
    if (c && c->has_allocator)
        return c->allocator.alloc(c->allocator.user, bytes, 16);
    return malloc(bytes);
}

void *vtc_calloc(vtc_context ctx, size_t bytes)
{
    void *p = vtc_alloc(ctx, bytes);
    if (p)
        memset(p, 0, bytes ? bytes : 1);
    return p;
}

void vtc_free(vtc_context ctx, void *p)
{
    if (!p)
        return;
    const vtc_core *c = ctx ? core_of(ctx) : NULL;
    if (c && c->has_allocator)
        c->allocator.free(c->allocator.user, p);
    else
        free(p);
}

