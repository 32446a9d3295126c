/* The ABI can grow (abi/vtc.h conventions): output structs honour the
   caller's size, the device list honours the caller's element size and says
   when it was cut short, reserved fields and unknown bits are refused, the
   typed scratch queries agree with the generic one, and adopted api_version
   is read. Seen from a host that dlopens the plugin, as a host built
   against the 1.0 header (v1 sizes) and one built against a later header
   (larger structs than this plugin knows) would call it. */
#include "plugin_arg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(name, cond, ...) do { if (cond) printf("ok - %s\n", name); else { printf("FAIL - %s: ", name); printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

static char last_log[1024];
static void on_log(void *user, int32_t level, const char *msg)
{
    (void)user;
    (void)level;
    snprintf(last_log, sizeof(last_log), "%s", msg);
}

#define GUARD 64
#define FILL 0xAB

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

typedef vtc_result (*out_fn)(vtc_context, void *);

/* One output struct of v1 size `v1` and current size `cur` (this header's
   sizeof, what the plugin fills), filled through `fn` three ways: by a v1
   host, by a host whose struct is EXTRA bytes longer than `cur`, and with a
   size below v1 (refused, nothing written). The buffer is guarded either side. */
static void check_output_struct(const char *what, vtc_context ctx, out_fn fn, uint32_t v1, uint32_t cur)
{
    enum { EXTRA = 40 };
    unsigned char buf[1024 + 2 * GUARD];
    unsigned char *s = buf + GUARD;
    char name[128];
    uint32_t sz, got;

    memset(buf, FILL, sizeof(buf));
    sz = v1;
    memcpy(s, &sz, 4);
    vtc_result r = fn(ctx, s);
    memcpy(&got, s, 4);
    snprintf(name, sizeof(name), "%s_v1_host_gets_exactly_its_bytes", what);
    CHECK(name, r == VTC_SUCCESS && got == v1 && all_bytes(buf, GUARD, FILL) && all_bytes(s + v1, GUARD, FILL),
          "r %d size %u, guard %s", r, got, all_bytes(s + v1, GUARD, FILL) ? "intact" : "overwritten");

    memset(buf, FILL, sizeof(buf));
    sz = cur + EXTRA;
    memcpy(s, &sz, 4);
    r = fn(ctx, s);
    memcpy(&got, s, 4);
    snprintf(name, sizeof(name), "%s_newer_host_gets_known_fields_and_zeroed_tail", what);
    CHECK(name, r == VTC_SUCCESS && got == cur && all_bytes(s + cur, EXTRA, 0) && all_bytes(s + cur + EXTRA, GUARD, FILL),
          "r %d size %u (want %u), tail %s, guard %s", r, got, cur, all_bytes(s + cur, EXTRA, 0) ? "zero" : "not zero",
          all_bytes(s + cur + EXTRA, GUARD, FILL) ? "intact" : "overwritten");

    memset(buf, FILL, sizeof(buf));
    sz = 0;
    memcpy(s, &sz, 4);
    r = fn(ctx, s);
    memcpy(&got, s, 4);
    snprintf(name, sizeof(name), "%s_size_0_means_v1", what);
    CHECK(name, r == VTC_SUCCESS && got == v1 && all_bytes(s + v1, GUARD, FILL), "r %d size %u", r, got);

    memset(buf, FILL, sizeof(buf));
    sz = v1 - 8;
    memcpy(s, &sz, 4);
    last_log[0] = 0;
    r = fn(ctx, s);
    snprintf(name, sizeof(name), "%s_size_below_v1_is_refused_and_nothing_written", what);
    CHECK(name, r == VTC_ERROR_INVALID_ARGUMENT && all_bytes(s + 4, v1 + GUARD - 4, FILL) && strstr(last_log, "size"),
          "r %d log '%s'", r, last_log);
}

static const vtc_api_v1 *A;
static vtc_result info_fn(vtc_context c, void *p) { return A->context_info(c, p); }
static vtc_result stats_fn(vtc_context c, void *p) { return A->context_stats_get(c, p); }
static vtc_result handles_fn(vtc_context c, void *p) { return A->context_vulkan_handles(c, p); }

static vtc_tensor host_tensor(uint32_t dtype, void *p, int64_t d0, int64_t d1, int64_t d2, uint32_t ndim)
{
    vtc_tensor t = {.size = sizeof(t), .dtype = dtype, .ndim = ndim, .shape = {d0, d1, d2}, .host = p};
    return t;
}

static void check_device_lists(void)
{
    const uint32_t v1 = VTC_DEVICE_INFO_SIZE_V1;
    uint32_t n = 0;
    vtc_result r = A->enumerate_devices(NULL, 0, &n);
    CHECK("enumerate_without_array_counts", r == VTC_SUCCESS && n >= 1, "r %d n %u", r, n);
    if (r != VTC_SUCCESS || n == 0 || n > 8)
        return;

    /* the reference: v1 stride */
    static vtc_device_info ref[8];
    uint32_t m = n;
    r = A->enumerate_devices(ref, 0, &m);
    CHECK("enumerate_at_v1_stride", r == VTC_SUCCESS && m == n && ref[0].size == v1 && ref[0].name[0], "r %d m %u", r, m);

    /* a newer host's element is larger: the plugin must step by it */
    enum { EXTRA = 56 };
    const uint32_t cur = (uint32_t)sizeof(vtc_device_info), stride = cur + EXTRA;
    static unsigned char big[8 * (sizeof(vtc_device_info) + EXTRA) + GUARD];
    memset(big, FILL, sizeof(big));
    m = n;
    r = A->enumerate_devices((vtc_device_info *)(void *)big, stride, &m);
    int same = r == VTC_SUCCESS && m == n;
    for (uint32_t i = 0; same && i < n; i++) {
        const vtc_device_info *e = (const vtc_device_info *)(void *)(big + (size_t)i * stride);
        same = e->size == cur && !strcmp(e->name, ref[i].name) && e->index == ref[i].index &&
               all_bytes(big + (size_t)i * stride + cur, EXTRA, 0);
    }
    CHECK("enumerate_honours_the_callers_element_size", same && all_bytes(big + (size_t)n * stride, GUARD, FILL),
          "r %d m %u", r, m);

    /* room for fewer than exist: VTC_INCOMPLETE, a success, and no byte past the room */
    memset(big, FILL, sizeof(big));
    m = n - 1;
    r = A->enumerate_devices((vtc_device_info *)(void *)big, stride, &m);
    CHECK("truncated_enumerate_is_incomplete_not_an_error",
          r == VTC_INCOMPLETE && r > 0 && m == n - 1 && all_bytes(big + (size_t)(n - 1) * stride, GUARD, FILL),
          "r %d m %u", r, m);
    CHECK("incomplete_has_its_own_name", !strncmp(A->result_string(VTC_INCOMPLETE), "VTC_INCOMPLETE", 14), "%s",
          A->result_string(VTC_INCOMPLETE));

    m = 1;
    last_log[0] = 0;
    r = A->enumerate_devices(ref, v1 - 4, &m);
    CHECK("enumerate_refuses_an_element_below_v1", r == VTC_ERROR_INVALID_ARGUMENT, "r %d", r);
    r = A->enumerate_devices(ref, 0, NULL);
    CHECK("enumerate_refuses_a_null_count", r == VTC_ERROR_INVALID_ARGUMENT, "r %d", r);

    /* vtc 1.0's call: v1 stride, counts every device, truncation is still success */
    memset(big, FILL, sizeof(big));
    m = n - 1;
    r = A->list_devices((vtc_device_info *)(void *)big, &m);
    CHECK("v1_list_keeps_its_1_0_contract",
          r == VTC_SUCCESS && m == n && all_bytes(big + (size_t)(n - 1) * v1, GUARD, FILL) &&
              (n == 1 || ((vtc_device_info *)(void *)big)->size == v1),
          "r %d m %u", r, m);
}

static void check_reserved_and_flags(vtc_context ctx)
{
    enum { B = 1, H = 2, N = 8 };
    float attn[B * H * N], score[B * N];
    for (int i = 0; i < B * H * N; i++)
        attn[i] = (float)((i * 7) % 5) * 0.25f;
    vtc_scores_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.mode = VTC_SCORE_ATTN_CLS;
    a.attn = host_tensor(VTC_DTYPE_F32, attn, B, H, N, 3);
    a.score = host_tensor(VTC_DTYPE_F32, score, B, N, 0, 2);
    vtc_result r = A->scores(ctx, &a, NULL);
    CHECK("baseline_scores_call_succeeds", r == VTC_SUCCESS, "%s", A->result_string(r));

    vtc_scores_args b = a;
    b.cls_index = 1; /* 1.0.0's reserved0: only QK_CLS gives it a meaning */
    last_log[0] = 0;
    r = A->scores(ctx, &b, NULL);
    CHECK("args_cls_index_outside_qk_cls_is_refused", r == VTC_ERROR_INVALID_ARGUMENT && strstr(last_log, "cls_index"),
          "%d '%s'", r, last_log);
    b = a;
    b.attn.reserved0 = 3;
    last_log[0] = 0;
    r = A->scores(ctx, &b, NULL);
    CHECK("tensor_reserved0_is_refused", r == VTC_ERROR_INVALID_ARGUMENT && strstr(last_log, "reserved0"), "%d '%s'", r,
          last_log);
    b = a;
    b.score.size = sizeof(vtc_tensor) + 8;
    last_log[0] = 0;
    r = A->scores(ctx, &b, NULL);
    CHECK("tensor_of_another_size_is_refused_it_is_frozen", r == VTC_ERROR_INVALID_ARGUMENT && strstr(last_log, "frozen"),
          "%d '%s'", r, last_log);

    vtc_exec ex;
    memset(&ex, 0, sizeof(ex));
    ex.size = sizeof(ex);
    ex.flags = 0x4;
    last_log[0] = 0;
    r = A->scores(ctx, &a, &ex);
    CHECK("unknown_exec_flags_are_refused", r == VTC_ERROR_INVALID_ARGUMENT && strstr(last_log, "flags"), "%d '%s'", r,
          last_log);

    int32_t keep[B * 4];
    vtc_select_args s;
    memset(&s, 0, sizeof(s));
    s.size = sizeof(s);
    s.dominant = 3;
    s.cls_index = 1000; /* 1.0.0's reserved0: now the CLS row, and it must be a token */
    s.score = host_tensor(VTC_DTYPE_F32, score, B, N, 0, 2);
    s.keep_idx = host_tensor(VTC_DTYPE_I32, keep, B, 4, 0, 2);
    last_log[0] = 0;
    r = A->select(ctx, &s, NULL);
    CHECK("select_cls_index_past_the_tokens_is_refused", r == VTC_ERROR_INVALID_ARGUMENT && strstr(last_log, "cls_index"),
          "%d '%s'", r,
          last_log);

    /* typed queries: the same answer as the generic one, their own name in the log */
    uint64_t g = 1, t = 2;
    vtc_result rg = A->query_scratch(ctx, VTC_OP_SCORES, &a, &g);
    vtc_result rt = A->scores_query_scratch(ctx, &a, &t);
    CHECK("typed_scratch_query_agrees_with_the_generic_one", rg == VTC_SUCCESS && rt == VTC_SUCCESS && g == t,
          "%d %d %llu %llu", rg, rt, (unsigned long long)g, (unsigned long long)t);
    last_log[0] = 0;
    t = 77;
    rt = A->scores_query_scratch(ctx, &b, &t);
    CHECK("typed_scratch_query_validates_like_the_op",
          rt == VTC_ERROR_INVALID_ARGUMENT && t == 77 && strstr(last_log, "frozen"), "%d '%s'", rt, last_log);
    last_log[0] = 0;
    rt = A->visionzip_query_scratch(ctx, NULL, &t);
    CHECK("typed_scratch_query_names_itself", rt == VTC_ERROR_INVALID_ARGUMENT &&
          strstr(last_log, "vtc_visionzip_query_scratch"), "%d '%s'", rt, last_log);
    vtc_merge_args mg;
    memset(&mg, 0, sizeof(mg));
    mg.size = 8; /* an args struct shorter than merge's v1 */
    rt = A->merge_query_scratch(ctx, &mg, &t);
    CHECK("typed_scratch_query_checks_args_size", rt == VTC_ERROR_INVALID_ARGUMENT, "%d", rt);
    CHECK("every_typed_query_is_in_the_table",
          A->select_query_scratch && A->compress_query_scratch && A->composite_query_scratch, "missing");
}

static vtc_result create(uint32_t flags, const vtc_allocator *al, const vtc_adopted_device *ad, vtc_context *out)
{
    vtc_context_desc d = {.size = sizeof(d), .log = on_log, .flags = flags, .allocator = al, .adopted = ad};
    last_log[0] = 0;
    return A->context_create(&d, out);
}

static void *my_alloc(void *u, size_t n, size_t a) { (void)u; (void)a; return malloc(n); }
static void my_free(void *u, void *p) { (void)u; free(p); }

static void check_adopted_api_version(vtc_context owner)
{
    vtc_vulkan_handles h = {sizeof(h)};
    vtc_device_info info = {sizeof(info)};
    if (A->context_vulkan_handles(owner, &h) || A->context_info(owner, &info)) {
        CHECK("handles_for_adoption", 0, "cannot read the owner's handles");
        return;
    }
    vtc_adopted_device ad;
    memset(&ad, 0, sizeof(ad));
    ad.size = sizeof(ad);
    ad.queue_family = h.queue_family;
    ad.instance = h.instance;
    ad.physical_device = h.physical_device;
    ad.device = h.device;
    ad.queue = h.queue;
    ad.get_instance_proc_addr = h.get_instance_proc_addr;
    ad.enabled = info.features;
    vtc_context c = NULL;

    ad.api_version = VK_MAKE_API_VERSION(0, 1, 0, 0);
    vtc_result r = create(0, NULL, &ad, &c);
    CHECK("adopted_api_version_1_0_is_unsupported", r == VTC_ERROR_UNSUPPORTED && strstr(last_log, "api_version"),
          "%d '%s'", r, last_log);
    ad.api_version = VK_MAKE_API_VERSION(1, 1, 1, 0);
    r = create(0, NULL, &ad, &c);
    CHECK("adopted_api_version_with_a_variant_is_invalid",
          r == VTC_ERROR_INVALID_ARGUMENT && strstr(last_log, "api_version"), "%d '%s'", r, last_log);
    ad.api_version = 0;
    ad.enabled = info.features | 0x400u;
    r = create(0, NULL, &ad, &c);
    CHECK("adopted_unknown_feature_bits_are_invalid", r == VTC_ERROR_INVALID_ARGUMENT && strstr(last_log, "enabled"),
          "%d '%s'", r, last_log);
    ad.enabled = info.features;
    uint32_t versions[2] = {0, VK_API_VERSION_1_1};
    for (int i = 0; i < 2; i++) {
        ad.api_version = versions[i];
        c = NULL;
        r = create(0, NULL, &ad, &c);
        CHECK(i ? "adopted_api_version_1_1_is_accepted" : "adopted_api_version_0_means_1_1", r == VTC_SUCCESS, "%d '%s'",
              r, last_log);
        A->context_destroy(c);
    }
}

/* vtc_context_pipelines writes caller-sized entries: a host whose
   vtc_pipeline_info is longer gets zeros past the plugin's and out[i].size
   set to what was filled, each entry at the caller's stride; below v1 is
   refused with nothing written. A select call makes the pipelines. */
static void check_pipeline_info(vtc_context ctx)
{
    CHECK("pipeline_info_v1_size_is_frozen", VTC_PIPELINE_INFO_SIZE_V1 == sizeof(vtc_pipeline_info),
          "v1 %u, sizeof %zu", VTC_PIPELINE_INFO_SIZE_V1, sizeof(vtc_pipeline_info));
    float score[4] = {0.1f, 0.9f, 0.5f, 0.2f};
    int32_t keep[2];
    vtc_select_args a;
    memset(&a, 0, sizeof(a));
    a.dominant = 1;
    a.score = host_tensor(VTC_DTYPE_F32, score, 1, 4, 0, 2);
    a.keep_idx = host_tensor(VTC_DTYPE_I32, keep, 1, 2, 0, 2);
    vtc_result r = A->select(ctx, &a, NULL);
    uint32_t n = 0;
    if (r == VTC_SUCCESS)
        r = A->context_pipelines(ctx, 0, NULL, &n);
    CHECK("pipeline_info_select_made_pipelines", r == VTC_SUCCESS && n >= 1, "r %d, %u pipelines", r, n);
    if (n < 1)
        return;
    enum { EXTRA = 24 };
    const uint32_t stride = (uint32_t)sizeof(vtc_pipeline_info) + EXTRA;
    unsigned char *buf = malloc((size_t)stride * 2 + GUARD);
    if (!buf)
        return;
    memset(buf, FILL, (size_t)stride * 2 + GUARD);
    uint32_t cap = 2;
    r = A->context_pipelines(ctx, stride, (vtc_pipeline_info *)(void *)buf, &cap);
    int ok = r >= 0 && cap >= 1;
    for (uint32_t i = 0; ok && i < cap; i++) {
        vtc_pipeline_info pi;
        memcpy(&pi, buf + (size_t)i * stride, sizeof(pi));
        ok = pi.size == sizeof(vtc_pipeline_info) && pi.index == i && pi.shader[0] &&
             all_bytes(buf + (size_t)i * stride + sizeof(pi), EXTRA, 0);
    }
    CHECK("pipeline_info_longer_host_struct_reads_zeros_past_the_plugins", ok && all_bytes(buf + (size_t)stride * cap, GUARD, FILL),
          "r %d, %u entries", r, cap);
    memset(buf, FILL, (size_t)stride * 2 + GUARD);
    cap = 1;
    r = A->context_pipelines(ctx, VTC_PIPELINE_INFO_SIZE_V1 - 4, (vtc_pipeline_info *)(void *)buf, &cap);
    CHECK("pipeline_info_below_v1_is_refused_and_writes_nothing",
          r == VTC_ERROR_INVALID_ARGUMENT && all_bytes(buf, (size_t)stride * 2 + GUARD, FILL), "r %d", r);
    free(buf);
}

int main(int argc, char **argv)
{
    vtc_loader L;
    A = plugin_arg_open(argc, argv, "test_abi_growth", &L);
    CHECK("plugin_table_has_the_1_1_members", VTC_API_HAS(A, enumerate_devices) && VTC_API_HAS(A, composite_query_scratch),
          "table %u bytes", A->size);

    vtc_context ctx = NULL;
    vtc_result r = create(0x100u, NULL, NULL, &ctx);
    CHECK("unknown_context_flag_is_refused_with_a_log_line",
          r == VTC_ERROR_INVALID_ARGUMENT && !ctx && strstr(last_log, "flags"), "%d '%s'", r, last_log);
    vtc_allocator al = {sizeof(al), 1, NULL, my_alloc, my_free};
    r = create(0, &al, NULL, &ctx);
    CHECK("allocator_reserved0_is_refused", r == VTC_ERROR_INVALID_ARGUMENT && !ctx && strstr(last_log, "reserved0"),
          "%d '%s'", r, last_log);
    al.reserved0 = 0;
    al.size = 8;
    r = create(0, &al, NULL, &ctx);
    CHECK("allocator_below_v1_is_refused", r == VTC_ERROR_INVALID_ARGUMENT && !ctx, "%d '%s'", r, last_log);

    r = create(0, NULL, NULL, &ctx);
    if (r == VTC_ERROR_NO_DEVICE) {
        printf("skip - no Vulkan device: %s\n", last_log);
        vtc_loader_close(&L);
        return failures ? 1 : 77;
    }
    CHECK("context_created", r == VTC_SUCCESS, "%d '%s'", r, last_log);
    if (r == VTC_SUCCESS) {
        check_output_struct("context_info", ctx, info_fn, VTC_DEVICE_INFO_SIZE_V1, sizeof(vtc_device_info));
        check_output_struct("context_stats", ctx, stats_fn, VTC_CONTEXT_STATS_SIZE_V1, sizeof(vtc_context_stats));
        check_output_struct("vulkan_handles", ctx, handles_fn, VTC_VULKAN_HANDLES_SIZE_V1, sizeof(vtc_vulkan_handles));
        check_reserved_and_flags(ctx);
        check_pipeline_info(ctx);
        check_adopted_api_version(ctx);
        A->context_destroy(ctx);
    }
    check_device_lists();
    vtc_loader_close(&L);
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
