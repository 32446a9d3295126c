/* An op's typed entry points made by VTC_OP_TYPED_WRAPPERS (abi/vtc.h), the
 * way public ops after 1.2 get them without growing the function table: the
 * toy's vtc_toy / vtc_toy_query_scratch / vtc_toy_prepare, linked directly
 * against the plugin, must compute y = a x + b, report the scratch and
 * refuse what vtc_run refuses. */
#include "vtc.h"
#include "../common/test_check.h"
#include "vtc_toy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static vtc_tensor host2(void *p, int64_t r, int64_t c)
{
    vtc_tensor t;
    memset(&t, 0, sizeof(t));
    t.dtype = VTC_DTYPE_F32;
    t.ndim = 2;
    t.shape[0] = r;
    t.shape[1] = c;
    t.host = p;
    return t;
}

static void quiet(void *u, int32_t level, const char *msg) { (void)u; (void)level; (void)msg; }

int main(void)
{
    vtc_context_desc cd;
    memset(&cd, 0, sizeof(cd));
    cd.log = quiet;
    vtc_context ctx = NULL;
    vtc_result r = vtc_context_create(&cd, &ctx);
    if (r == VTC_ERROR_NO_DEVICE) {
        printf("skip - no Vulkan device\n");
        return 77;
    }
    CHECK("context_created", r == VTC_SUCCESS, "%d", r);
    if (r)
        return 1;
    float x[12], y[12];
    for (int i = 0; i < 12; i++)
        x[i] = (float)i - 5.5f, y[i] = -1.0f;
    vtc_toy_args a;
    memset(&a, 0, sizeof(a));
    a.a = 2.0f;
    a.b = 0.5f;
    a.x = host2(x, 3, 4);
    a.y = host2(y, 3, 4);
    r = vtc_toy_prepare(ctx, &a);
    CHECK("typed_prepare_goes_through_vtc_prepare", r == VTC_SUCCESS, "%d", r);
    r = vtc_toy(ctx, &a, NULL);
    int ok = r == VTC_SUCCESS;
    for (int i = 0; ok && i < 12; i++)
        ok = fabsf(y[i] - (2.0f * x[i] + 0.5f)) <= 1e-6f;
    CHECK("typed_call_computes_a_x_plus_b", ok, "r %d, y[0] %g", r, (double)y[0]);
    a.reserved0 = 1;
    CHECK("typed_call_refuses_what_vtc_run_refuses", vtc_toy(ctx, &a, NULL) == VTC_ERROR_INVALID_ARGUMENT &&
          vtc_run(ctx, VTC_OP_TOY, &a, NULL) == VTC_ERROR_INVALID_ARGUMENT, "reserved0 accepted");
    a.reserved0 = 0;
    uint64_t bytes = ~0ull;
    r = vtc_toy_query_scratch(ctx, &a, &bytes);
    CHECK("typed_query_scratch_goes_through_vtc_query_scratch", r == VTC_SUCCESS && bytes != ~0ull, "r %d", r);
    vtc_context_destroy(ctx);
    return failures ? 1 : 0;
}
