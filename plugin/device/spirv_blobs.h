/* The embedded SPIR-V variants (generated table, sorted by name). */
#ifndef VTC_SPIRV_BLOBS_H
#define VTC_SPIRV_BLOBS_H
#include <stddef.h>
#include <stdint.h>
typedef struct vtc_spirv_blob {
    const char *name;        /* "<shader>.<f32|f16>.<sh|sg>" */
    const uint32_t *words;
    size_t count;
} vtc_spirv_blob;
extern const vtc_spirv_blob vtc_spirv_blobs[];
extern const size_t vtc_spirv_blob_count;
#endif
