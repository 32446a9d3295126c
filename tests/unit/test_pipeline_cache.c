/* The persistent pipeline cache: a context hands back its cache data (two-
   call idiom), a new context starts from it, and a blob for another device,
   truncated or damaged, is ignored with one warning, never an error or a
   crash. A host built against the 1.0 header (desc.size = v1) never has the
   new fields read. */
#include "plugin_arg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(name, cond, ...) do { if (cond) printf("ok - %s\n", name); else { printf("FAIL - %s: ", name); printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

static const vtc_api_v1 *A;
static int warnings, errors;
static char last_warning[512];

static void on_log(void *user, int32_t level, const char *msg)
{
    (void)user;
    if (level == VTC_LOG_WARN) {
        warnings++;
        snprintf(last_warning, sizeof(last_warning), "%s", msg);
    } else if (level == VTC_LOG_ERROR) {
        errors++;
    }
}

static vtc_result create(uint32_t size, const void *data, size_t bytes, vtc_context *out)
{
    vtc_context_desc d = {.size = size, .log = on_log, .pipeline_cache_data = data, .pipeline_cache_size = bytes};
    warnings = errors = 0;
    last_warning[0] = 0;
    *out = NULL;
    return A->context_create(&d, out);
}

/* One small op call, so the context compiles at least one pipeline. */
static vtc_result run_scores(vtc_context ctx)
{
    enum { B = 1, H = 2, N = 8 };
    static float attn[B * H * N], score[B * N];
    vtc_scores_args a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.mode = VTC_SCORE_ATTN_CLS;
    a.attn.dtype = VTC_DTYPE_F32;
    a.attn.ndim = 3;
    a.attn.shape[0] = B;
    a.attn.shape[1] = H;
    a.attn.shape[2] = N;
    a.attn.host = attn;
    a.score.dtype = VTC_DTYPE_F32;
    a.score.ndim = 2;
    a.score.shape[0] = B;
    a.score.shape[1] = N;
    a.score.host = score;
    return A->scores(ctx, &a, NULL);
}

static void check_blob_is_ignored(const char *name, const void *blob, size_t bytes)
{
    vtc_context c;
    vtc_result r = create(sizeof(vtc_context_desc), blob, bytes, &c);
    int ok = r == VTC_SUCCESS && warnings == 1 && errors == 0 && strstr(last_warning, "ignored");
    if (ok)
        ok = run_scores(c) == VTC_SUCCESS;
    CHECK(name, ok, "r %d, %d warnings ('%s'), %d errors", r, warnings, last_warning, errors);
    A->context_destroy(c);
}

/* A fresh context's cache: the query, the copy out and its bounds. Returns the blob
   (`*got` bytes; `*need` the size reported after compiling), to seed the next context. */
static unsigned char *check_cache_data(vtc_context ctx, size_t *got, size_t *need)
{
    size_t empty = 0;
    vtc_result r = A->context_pipeline_cache(ctx, NULL, &empty);
    CHECK("fresh_cache_has_at_least_a_header", r == VTC_SUCCESS && empty >= 32, "r %d size %zu", r, empty);
    r = run_scores(ctx);
    CHECK("op_call_compiles_a_pipeline", r == VTC_SUCCESS, "%s", A->result_string(r));
    *need = 0;
    r = A->context_pipeline_cache(ctx, NULL, need);
    /* Mesa 22's lavapipe keeps nothing but the header; GPU drivers keep the pipelines */
    CHECK("cache_size_is_reported_after_compiling", r == VTC_SUCCESS && *need >= empty, "r %d %zu -> %zu", r, empty,
          *need);
    if (*need == empty)
        printf("note - this driver stores no pipeline in its cache (%zu header bytes only)\n", *need);
    unsigned char *blob = malloc(*need + 64);
    memset(blob, 0xAB, *need + 64);
    *got = *need;
    r = A->context_pipeline_cache(ctx, blob, got);
    CHECK("cache_data_is_handed_back", r == VTC_SUCCESS && *got == *need && *got >= 32, "r %d %zu of %zu", r, *got,
          *need);
    int guard = 1;
    for (size_t i = *got; i < *need + 64; i++)
        guard &= blob[i] == 0xAB;
    CHECK("cache_data_stays_inside_the_buffer", guard, "wrote past %zu bytes", *got);
    unsigned char small[8];
    size_t cap = sizeof(small);
    r = A->context_pipeline_cache(ctx, small, &cap);
    CHECK("short_buffer_is_incomplete_not_an_error", r == VTC_INCOMPLETE && cap <= sizeof(small), "r %d cap %zu", r, cap);
    r = A->context_pipeline_cache(ctx, NULL, NULL);
    CHECK("null_size_is_invalid", r == VTC_ERROR_INVALID_ARGUMENT, "r %d", r);
    return blob;
}

/* The next run starts from the blob; a v1 host's desc ends before the cache fields. */
static void check_reuse(const unsigned char *blob, size_t got, size_t need)
{
    vtc_context ctx;
    vtc_result r = create(sizeof(vtc_context_desc), blob, got, &ctx);
    CHECK("matching_cache_data_is_accepted_silently", r == VTC_SUCCESS && warnings == 0 && errors == 0,
          "r %d, %d warnings ('%s')", r, warnings, last_warning);
    if (r == VTC_SUCCESS) {
        size_t seeded = 0;
        A->context_pipeline_cache(ctx, NULL, &seeded);
        CHECK("seeded_cache_holds_the_earlier_pipelines", seeded >= need, "%zu < %zu", seeded, need);
        CHECK("seeded_context_runs", run_scores(ctx) == VTC_SUCCESS, "op failed");
        A->context_destroy(ctx);
    }
    /* a v1 host's desc: the cache fields are never read */
    r = create(VTC_CONTEXT_DESC_SIZE_V1, "garbage that is not a cache", 27, &ctx);
    CHECK("v1_desc_never_reads_the_cache_fields", r == VTC_SUCCESS && warnings == 0, "r %d, %d warnings", r, warnings);
    A->context_destroy(ctx);
    r = create(VTC_CONTEXT_DESC_SIZE_V1 - 8, NULL, 0, &ctx);
    CHECK("desc_below_v1_is_invalid", r == VTC_ERROR_INVALID_ARGUMENT && !ctx, "r %d", r);
}

/* Blobs that are not this device's: one warning, a working context. */
static void check_foreign_blobs(const unsigned char *blob, size_t got)
{
    unsigned char *bad = malloc(got);
    memcpy(bad, blob, got);
    bad[8] ^= 0xff; /* vendorID */
    check_blob_is_ignored("other_vendors_cache_is_ignored", bad, got);
    memcpy(bad, blob, got);
    bad[12] ^= 0x01; /* deviceID */
    check_blob_is_ignored("other_devices_cache_is_ignored", bad, got);
    memcpy(bad, blob, got);
    bad[16 + 5] ^= 0x40; /* pipelineCacheUUID */
    check_blob_is_ignored("other_drivers_cache_is_ignored", bad, got);
    memcpy(bad, blob, got);
    bad[4] = 7; /* header version */
    check_blob_is_ignored("unknown_header_version_is_ignored", bad, got);
    check_blob_is_ignored("truncated_header_is_ignored", blob, 20);
    memcpy(bad, blob, got);
    bad[0] = 0xff; bad[1] = 0xff; bad[2] = 0xff; bad[3] = 0x7f; /* header size past the end */
    check_blob_is_ignored("header_size_past_the_end_is_ignored", bad, got);
    check_blob_is_ignored("null_data_with_a_size_is_ignored", NULL, 100);
    free(bad);
}

int main(int argc, char **argv)
{
    vtc_loader L;
    A = plugin_arg_open(argc, argv, "test_pipeline_cache", &L);
    CHECK("table_has_context_pipeline_cache", VTC_API_HAS(A, context_pipeline_cache), "table %u bytes", A->size);

    vtc_context ctx;
    vtc_result r = create(sizeof(vtc_context_desc), NULL, 0, &ctx);
    if (r == VTC_ERROR_NO_DEVICE) {
        printf("skip - no Vulkan device\n");
        vtc_loader_close(&L);
        return 77;
    }
    CHECK("context_without_cache_data", r == VTC_SUCCESS && warnings == 0, "r %d, %d warnings", r, warnings);
    if (r) {
        vtc_loader_close(&L);
        return 1;
    }
    size_t got = 0, need = 0;
    unsigned char *blob = check_cache_data(ctx, &got, &need);
    A->context_destroy(ctx);
    check_reuse(blob, got, need);
    check_foreign_blobs(blob, got);
    free(blob);

    vtc_loader_close(&L);
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}
