/*
 * Loads LLaVA-Mini compressor weights from a .safetensors checkpoint by the
 * official key names (<prefix>query, <prefix>ln_q.weight, ..., default prefix
 * "model.compressor.") into a vtc_compress_weights_desc of fp32 host tensors
 * (F16 and BF16 checkpoints are converted). Used by `vtc run compress`, the
 * conformance suite and the examples.
 */
#ifndef VTC_HOST_COMPRESS_WEIGHTS_H
#define VTC_HOST_COMPRESS_WEIGHTS_H
#include "vtc.h"

#include <stddef.h>

#define CW_DEFAULT_PREFIX "model.compressor."

typedef struct cw_host {
    vtc_compress_weights_desc desc;  /* tensors point into `data` */
    float *data[10];                 /* owned, freed by cw_free */
    int64_t shapes[10][2];
} cw_host;

/* Reads and shape-checks every key (E from <prefix>query, Q = its rows, a
   square). pos_embed is optional (absent: vtc builds the sin-cos table).
   heads 0 -> 8. Returns 0, or -1 with a message naming the file and key in err. */
int cw_load(const char *path, const char *prefix, uint32_t heads, cw_host *out, char *err, size_t errlen);
void cw_free(cw_host *w);
#endif
