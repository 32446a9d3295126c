/*
 * Dynamic loading (SPEC.md §4): one negotiated entry point. Include <vtc.h>.
 *
 * A host that dlopens libvtc.so looks up the single symbol "vtc_negotiate"
 * (VTC_NEGOTIATE_SYMBOL), states the ABI range it speaks, and gets back the
 * version the plugin picked and a table of functions. The same functions are
 * exported by name for static/dynamic linking. A table for ABI n only ever
 * grows by appending members; `size` says how many bytes are valid, so a
 * host built against a newer header checks VTC_API_HAS(api, member) before
 * calling a member newer than vtc 1.0 (VTC_API_V1_0_SIZE covers the rest).
 */
#ifndef VTC_API_H
#define VTC_API_H
#ifdef __cplusplus
extern "C" {
#endif

typedef struct vtc_api_v1 {
    uint32_t size;               /**< sizeof(vtc_api_v1) of the plugin */
    uint32_t abi_version;        /**< 1 */
    const char *(*library_version)(void);
    const char *(*result_string)(vtc_result r);
    vtc_result (*context_create)(const vtc_context_desc *desc, vtc_context *out);
    void (*context_destroy)(vtc_context ctx);
    vtc_result (*context_info)(vtc_context ctx, vtc_device_info *out);
    vtc_result (*list_devices)(vtc_device_info *out, uint32_t *count);
    vtc_result (*context_stats_get)(vtc_context ctx, vtc_context_stats *out);
    vtc_result (*context_vulkan_handles)(vtc_context ctx, vtc_vulkan_handles *out);
    vtc_result (*query_scratch)(vtc_context ctx, uint32_t op, const void *args, uint64_t *scratch_bytes);
    vtc_result (*scores)(vtc_context ctx, const vtc_scores_args *args, const vtc_exec *exec);
    vtc_result (*select)(vtc_context ctx, const vtc_select_args *args, const vtc_exec *exec);
    vtc_result (*merge)(vtc_context ctx, const vtc_merge_args *args, const vtc_exec *exec);
    vtc_result (*visionzip)(vtc_context ctx, const vtc_visionzip_args *args, const vtc_exec *exec);
    void (*token_split)(uint32_t tokens, uint32_t keep_cls, uint32_t *dominant, uint32_t *contextual);
    vtc_result (*compress_weights_create)(vtc_context ctx, const vtc_compress_weights_desc *desc, vtc_weights *out);
    vtc_result (*compress_weights_prepare)(vtc_context ctx, vtc_weights w, uint32_t tokens);
    void (*compress_weights_destroy)(vtc_context ctx, vtc_weights w);
    vtc_result (*compress)(vtc_context ctx, const vtc_compress_args *args, const vtc_exec *exec);
    vtc_result (*pos_embed_2d)(uint32_t C, uint32_t E, float *out);
    vtc_result (*pos_embed_resize)(uint32_t C, uint32_t g, uint32_t E, const float *table, float *out);
    vtc_result (*composite_attention)(vtc_context ctx, const vtc_composite_args *args, const vtc_exec *exec);
    /* ---- vtc 1.1: test VTC_API_HAS before calling ---- */
    vtc_result (*enumerate_devices)(vtc_device_info *out, uint32_t element_size, uint32_t *count);
    vtc_result (*scores_query_scratch)(vtc_context ctx, const vtc_scores_args *args, uint64_t *scratch_bytes);
    vtc_result (*select_query_scratch)(vtc_context ctx, const vtc_select_args *args, uint64_t *scratch_bytes);
    vtc_result (*merge_query_scratch)(vtc_context ctx, const vtc_merge_args *args, uint64_t *scratch_bytes);
    vtc_result (*visionzip_query_scratch)(vtc_context ctx, const vtc_visionzip_args *args, uint64_t *scratch_bytes);
    vtc_result (*compress_query_scratch)(vtc_context ctx, const vtc_compress_args *args, uint64_t *scratch_bytes);
    vtc_result (*composite_query_scratch)(vtc_context ctx, const vtc_composite_args *args, uint64_t *scratch_bytes);
    vtc_result (*context_pipeline_cache)(vtc_context ctx, void *data, size_t *size);
    vtc_result (*prepare)(vtc_context ctx, uint32_t op, const void *args);
    vtc_result (*context_pipelines)(vtc_context ctx, uint32_t elem_size, vtc_pipeline_info *out, uint32_t *count);
    vtc_result (*context_recycle)(vtc_context ctx);
    vtc_result (*prune)(vtc_context ctx, const vtc_prune_args *args, const vtc_exec *exec);
    vtc_result (*prune_query_scratch)(vtc_context ctx, const vtc_prune_args *args, uint64_t *scratch_bytes);
    /* ---- vtc 1.2: test VTC_API_HAS before calling ---- */
    vtc_result (*run)(vtc_context ctx, uint32_t op, const void *args, const vtc_exec *exec);
} vtc_api_v1;

/** Bytes of the vtc 1.0 table: every plugin of ABI 1 hands back at least this. */
#define VTC_API_V1_0_SIZE ((uint32_t)(offsetof(vtc_api_v1, composite_attention) + sizeof(void (*)(void))))
/** Non-zero when the plugin's table `api` (a const vtc_api_v1 *) holds `member`. */
#define VTC_API_HAS(api, member) ((api)->size >= offsetof(vtc_api_v1, member) + sizeof((api)->member))

#define VTC_NEGOTIATE_SYMBOL "vtc_negotiate"

/**
 * Negotiate the ABI. The host speaks versions [host_min, host_max]; the
 * plugin picks the highest version both speak, writes it to *chosen and the
 * matching table to *api (a `const vtc_api_v1 *` for version 1; static,
 * valid while the library is loaded). Returns VTC_ERROR_ABI_MISMATCH when
 * the ranges do not meet (then *chosen is the plugin's highest version and
 * *api is NULL), INVALID_ARGUMENT for NULL outputs or host_min > host_max.
 */
typedef vtc_result (*PFN_vtc_negotiate)(uint32_t host_min, uint32_t host_max, uint32_t *chosen, const void **api);
VTC_API vtc_result vtc_negotiate(uint32_t host_min, uint32_t host_max, uint32_t *chosen, const void **api);
/** The library version, "1.3.0" (VTC_VERSION_*): static, never NULL. Cannot fail. */
VTC_API const char *vtc_library_version(void);

#ifdef __cplusplus
}
#endif
#endif
