/* ABI-level properties: negotiation, result strings, scratch queries, context info. */
#include "conf.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static void result_strings_name_every_code(conf_env *env, conf_result *r)
{
    conf_shape(r, "codes 1..-8");
    for (int32_t c = 1; c >= -8; c--) {
        const char *s = env->api->result_string(c);
        if (!s || strncmp(s, "VTC_", 4))
            conf_fail(r, "code %d has no name", c);
        if ((c < 0) != (strstr(s, "ERROR") != NULL))
            conf_fail(r, "code %d named '%s'", c, s);
    }
    if (!strstr(env->api->result_string(-1000), "UNKNOWN"))
        conf_fail(r, "unknown codes are not called unknown");
}

static void device_info_is_filled(conf_env *env, conf_result *r)
{
    vtc_device_info di;
    memset(&di, 0, sizeof(di)); /* size 0: the v1 layout */
    if (!conf_check_result(r, "context_info", env->api->context_info(env->ctx, &di), VTC_SUCCESS))
        return;
    conf_shape(r, "subgroup %u", di.subgroup_size);
    if (!di.name[0] || di.subgroup_size < 1 || !di.max_storage_buffer_range || !di.max_shared_memory)
        conf_fail(r, "device info incomplete");
    if ((env->ctx_flags & VTC_CONTEXT_DISABLE_F16) && (di.features & VTC_FEATURE_F16_STORAGE))
        conf_fail(r, "fp16 storage in use although disabled");
    if ((env->ctx_flags & VTC_CONTEXT_DISABLE_SUBGROUP) && (di.features & VTC_FEATURE_SUBGROUP_ARITH))
        conf_fail(r, "subgroup ops in use although disabled");
    /* GPU-assisted validation binds descriptor sets too: this layer generation cannot see pushed ones */
    const char *val = getenv("VTC_VALIDATION");
    int no_push = (env->ctx_flags & VTC_CONTEXT_DISABLE_PUSH_DESCRIPTOR) || getenv("VTC_DISABLE_PUSH_DESCRIPTOR") ||
                  (val && !strcmp(val, "gpu"));
    if ((di.supported & VTC_FEATURE_PUSH_DESCRIPTOR) && (!(di.features & VTC_FEATURE_PUSH_DESCRIPTOR)) != no_push)
        conf_fail(r, "push descriptors %s although %s", no_push ? "in use" : "not in use",
                  no_push ? "disabled" : "supported");
}

/* A host finds the engine's GPU in the device list by UUID: the context's
   device must carry the UUID its list entry carries, and a 1.0.0-sized
   struct must come back with nothing written past it. */
static void device_identity_matches_the_listing(conf_env *env, conf_result *r)
{
    vtc_device_info di;
    memset(&di, 0, sizeof(di));
    di.size = sizeof(di);
    if (!conf_check_result(r, "context_info", env->api->context_info(env->ctx, &di), VTC_SUCCESS))
        return;
    static const uint8_t zero[16];
    conf_shape(r, "device %u%s", di.index, di.pci_valid ? " with PCI address" : "");
    if (!memcmp(di.device_uuid, zero, 16))
        conf_fail(r, "device UUID is all zero");
    vtc_device_info list[8];
    memset(list, 0, sizeof(list));
    uint32_t n = 8;
    if (env->api->enumerate_devices(list, sizeof(list[0]), &n) < 0 || n == 0) {
        conf_fail(r, "enumerate_devices failed");
        return;
    }
    int found = 0;
    for (uint32_t i = 0; i < n && i < 8; i++)
        if (list[i].index == di.index)
            found = !memcmp(list[i].device_uuid, di.device_uuid, 16) && list[i].pci_valid == di.pci_valid &&
                    list[i].pci_bus == di.pci_bus ? 1 : -1;
    if (found != 1)
        conf_fail(r, found ? "the listing's UUID/PCI address differ from the context's" : "context device not listed");
    unsigned char v1[offsetof(vtc_device_info, device_uuid) + 16];
    memset(v1, 0xab, sizeof(v1));
    uint32_t v1_size = (uint32_t)offsetof(vtc_device_info, device_uuid);
    memcpy(v1, &v1_size, 4);
    if (!conf_check_result(r, "context_info (1.0.0 size)", env->api->context_info(env->ctx, (vtc_device_info *)v1),
                           VTC_SUCCESS))
        return;
    for (size_t i = v1_size; i < sizeof(v1); i++)
        if (v1[i] != 0xab) {
            conf_fail(r, "context_info wrote byte %zu past a 1.0.0 caller's size", i);
            break;
        }
}

static void scratch_query_is_shape_only(conf_env *env, conf_result *r)
{
    enum { B = 3, N = 40, H = 2, DH = 8 };
    conf_shape(r, "B=%d N=%d H=%d dh=%d", B, N, H, DH);
    vtc_scores_args a;
    memset(&a, 0, sizeof(a));
    a.mode = VTC_SCORE_QK_MEAN;
    static float dummy[B * N * H * DH];
    a.q = conf_tensor4(VTC_DTYPE_F32, dummy, B, N, H, DH);
    a.k = a.q;
    a.score = conf_tensor2(VTC_DTYPE_F32, dummy, B, N);
    uint64_t s1 = 0, s2 = 0;
    if (!conf_check_result(r, "query", env->api->query_scratch(env->ctx, VTC_OP_SCORES, &a, &s1), VTC_SUCCESS))
        return;
    a.mode = VTC_SCORE_ATTN_CLS;
    a.attn = conf_tensor3(VTC_DTYPE_F32, dummy, B, H, N);
    env->api->query_scratch(env->ctx, VTC_OP_SCORES, &a, &s2);
    if (s1 < (uint64_t)2 * B * H * N * 4 || s2 != 0)
        conf_fail(r, "scratch sizes %llu (qk_mean) and %llu (attn_cls) are implausible", (unsigned long long)s1,
                  (unsigned long long)s2);
    uint64_t s3 = 1;
    if (VTC_API_HAS(env->api, scores_query_scratch) &&
        (env->api->scores_query_scratch(env->ctx, &a, &s3) != VTC_SUCCESS || s3 != s2))
        conf_fail(r, "the typed scores query says %llu, the generic one %llu", (unsigned long long)s3,
                  (unsigned long long)s2);
    if (env->api->query_scratch(env->ctx, 999, &a, &s1) != VTC_ERROR_INVALID_ARGUMENT)
        conf_fail(r, "unknown op accepted");
    a.size = 8; /* smaller than any v1 struct */
    if (env->api->query_scratch(env->ctx, VTC_OP_SCORES, &a, &s1) != VTC_ERROR_INVALID_ARGUMENT)
        conf_fail(r, "args.size below v1 accepted");
}

static void token_split_official_table(conf_env *env, conf_result *r)
{
    conf_shape(r, "64/128/192");
    static const uint32_t t[3][3] = {{64, 53, 10}, {128, 107, 20}, {192, 161, 30}};
    for (int i = 0; i < 3; i++) {
        uint32_t d = 0, c = 0;
        env->api->token_split(t[i][0], 1, &d, &c);
        if (d != t[i][1] || c != t[i][2])
            conf_fail(r, "%u tokens -> (%u, %u), official (%u, %u)", t[i][0], d, c, t[i][1], t[i][2]);
    }
    for (uint32_t T = 0; T < 300; T++)
        for (uint32_t cls = 0; cls < 2; cls++) {
            uint32_t d = 0, c = 0;
            env->api->token_split(T, cls, &d, &c);
            uint32_t total = T > cls ? T : cls;
            if (cls + d + c != total)
                conf_fail(r, "%u tokens (cls %u) -> %u + %u + %u", T, cls, cls, d, c);
            int rd, rc;
            ref_token_split((int)T, (int)cls, &rd, &rc);
            if ((int)d != rd || (int)c != rc)
                conf_fail(r, "%u tokens (cls %u): plugin (%u, %u), reference (%d, %d)", T, cls, d, c, rd, rc);
        }
}

const conf_case conf_cases_api[] = {
    {"api", "result_strings_name_every_code", CONF_QUICK | CONF_ANY_DTYPE, result_strings_name_every_code},
    {"api", "device_info_reflects_variant", CONF_QUICK, device_info_is_filled},
    {"api", "device_identity_matches_the_listing", CONF_QUICK | CONF_ANY_DTYPE, device_identity_matches_the_listing},
    {"api", "scratch_query_depends_on_shape_only", CONF_QUICK | CONF_ANY_DTYPE, scratch_query_is_shape_only},
    {"api", "token_split_official_table", CONF_QUICK | CONF_ANY_DTYPE, token_split_official_table},
    {0},
};
