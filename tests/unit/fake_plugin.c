/* Stand-ins for plugins a host may meet in the field, to check the loader's
   errors: FAKE_FUTURE_ABI speaks only ABI 2; FAKE_SHORT_TABLE speaks ABI 1
   but hands back a table shorter than v1 (a broken build); FAKE_V1_0_TABLE
   is a vtc 1.0 plugin, whose table ends at composite_attention. */
#include "vtc.h"

__attribute__((visibility("default"))) vtc_result vtc_negotiate(uint32_t host_min, uint32_t host_max, uint32_t *chosen,
                                                                 const void **api)
{
#ifdef FAKE_FUTURE_ABI
    *chosen = 2;
    *api = NULL;
    return host_min <= 2 && 2 <= host_max ? VTC_SUCCESS : VTC_ERROR_ABI_MISMATCH;
#elif defined(FAKE_V1_0_TABLE)
    (void)host_min;
    (void)host_max;
    static vtc_api_v1 table = {VTC_API_V1_0_SIZE, 1};
    *chosen = 1;
    *api = &table;
    return VTC_SUCCESS;
#else
    (void)host_min;
    (void)host_max;
    static vtc_api_v1 table = {offsetof(vtc_api_v1, context_create), 1};
    *chosen = 1;
    *api = &table;
    return VTC_SUCCESS;
#endif
}
