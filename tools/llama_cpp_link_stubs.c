/*
 * Link-time stand-ins for the llama.cpp / mtmd / ggml functions that
 * docs/llama.cpp.md declares, for the test llama_cpp_guide_snippets_compile
 * only. The guide's snippets are functions a host would call from inside
 * llama.cpp; the test compiles and links them with vtc's loader and mtmd
 * helper but never calls them, and the compiler still emits them, so their
 * references to llama.cpp need a definition. None of these ever runs: each
 * aborts. No llama.cpp code is here, only its function names and C types.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct llama_model;
struct llama_context;
struct mtmd_context;
struct mtmd_input_chunk;
struct mtmd_image_tokens;
struct ggml_tensor;
struct ggml_cgraph;
/* the guide's llama_batch, by value in llama_decode: only its size matters here */
typedef struct llama_batch {
    int32_t n_tokens;
    int32_t *token;
    float *embd;
    int32_t *pos;
    int32_t *n_seq_id;
    int32_t **seq_id;
    int8_t *logits;
} llama_batch;

int32_t llama_model_n_embd(const struct llama_model *model);
int32_t llama_decode(struct llama_context *ctx, llama_batch batch);
int32_t mtmd_encode_chunk(struct mtmd_context *ctx, const struct mtmd_input_chunk *chunk);
float *mtmd_get_output_embd(struct mtmd_context *ctx);
const struct mtmd_image_tokens *mtmd_input_chunk_get_tokens_image(const struct mtmd_input_chunk *chunk);
size_t mtmd_image_tokens_get_n_tokens(const struct mtmd_image_tokens *t);
size_t mtmd_image_tokens_get_nx(const struct mtmd_image_tokens *t);
size_t mtmd_image_tokens_get_ny(const struct mtmd_image_tokens *t);
bool mtmd_decode_use_mrope(struct mtmd_context *ctx);
struct ggml_tensor *ggml_set_name(struct ggml_tensor *tensor, const char *name);
void ggml_set_output(struct ggml_tensor *tensor);
struct ggml_tensor *ggml_graph_get_tensor(struct ggml_cgraph *cgraph, const char *name);
size_t ggml_nbytes(const struct ggml_tensor *tensor);
void ggml_backend_tensor_get(const struct ggml_tensor *tensor, void *data, size_t offset, size_t size);

int32_t llama_model_n_embd(const struct llama_model *model) { (void)model; abort(); }
int32_t llama_decode(struct llama_context *ctx, llama_batch batch) { (void)ctx; (void)batch; abort(); }
int32_t mtmd_encode_chunk(struct mtmd_context *ctx, const struct mtmd_input_chunk *chunk) { (void)ctx; (void)chunk; abort(); }
float *mtmd_get_output_embd(struct mtmd_context *ctx) { (void)ctx; abort(); }
const struct mtmd_image_tokens *mtmd_input_chunk_get_tokens_image(const struct mtmd_input_chunk *chunk) { (void)chunk; abort(); }
size_t mtmd_image_tokens_get_n_tokens(const struct mtmd_image_tokens *t) { (void)t; abort(); }
size_t mtmd_image_tokens_get_nx(const struct mtmd_image_tokens *t) { (void)t; abort(); }
size_t mtmd_image_tokens_get_ny(const struct mtmd_image_tokens *t) { (void)t; abort(); }
bool mtmd_decode_use_mrope(struct mtmd_context *ctx) { (void)ctx; abort(); }
struct ggml_tensor *ggml_set_name(struct ggml_tensor *tensor, const char *name) { (void)tensor; (void)name; abort(); }
void ggml_set_output(struct ggml_tensor *tensor) { (void)tensor; abort(); }
struct ggml_tensor *ggml_graph_get_tensor(struct ggml_cgraph *cgraph, const char *name) { (void)cgraph; (void)name; abort(); }
size_t ggml_nbytes(const struct ggml_tensor *tensor) { (void)tensor; abort(); }
void ggml_backend_tensor_get(const struct ggml_tensor *tensor, void *data, size_t offset, size_t size)
{
    (void)tensor; (void)data; (void)offset; (void)size;
    abort();
}
