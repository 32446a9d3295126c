/*
 * Link-time stand-ins for the llama.cpp / mtmd / ggml functions declared in
 * tests/llama_cpp/llama_cpp_api.h (the exact prototypes of the llama.cpp
 * commit vtc supports), for vtc's CI only: the guide's snippets
 * (docs/llama.cpp.md) and programs built against the stand-in headers are
 * compiled and linked, never run against these. Each aborts. No llama.cpp
 * code is here, only its function names and C types; including the header
 * makes the compiler check every definition against its prototype.
 * One definition per prototype (tools/check_llama_api.py --self checks).
 */
#include "llama_cpp_api.h"

#include <stdlib.h>

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wmissing-noreturn"
#endif

void ggml_time_init(void)
{
    abort();
}
int64_t ggml_time_us(void)
{
    abort();
}
size_t ggml_nbytes(const struct ggml_tensor * tensor)
{
    (void)tensor; abort();
}
bool ggml_is_contiguous(const struct ggml_tensor * tensor)
{
    (void)tensor; abort();
}
const char * ggml_get_name(const struct ggml_tensor * tensor)
{
    (void)tensor; abort();
}
void ggml_backend_tensor_get(const struct ggml_tensor * tensor, void * data, size_t offset, size_t size)
{
    (void)tensor; (void)data; (void)offset; (void)size; abort();
}
struct llama_model_params llama_model_default_params(void)
{
    abort();
}
struct llama_context_params llama_context_default_params(void)
{
    abort();
}
void llama_backend_init(void)
{
    abort();
}
void llama_backend_free(void)
{
    abort();
}
struct llama_model * llama_model_load_from_file( const char * path_model, struct llama_model_params params)
{
    (void)path_model; (void)params; abort();
}
void llama_model_free(struct llama_model * model)
{
    (void)model; abort();
}
struct llama_context * llama_init_from_model( struct llama_model * model, struct llama_context_params params)
{
    (void)model; (void)params; abort();
}
void llama_free(struct llama_context * ctx)
{
    (void)ctx; abort();
}
uint32_t llama_n_ctx(const struct llama_context * ctx)
{
    (void)ctx; abort();
}
uint32_t llama_n_batch(const struct llama_context * ctx)
{
    (void)ctx; abort();
}
llama_memory_t llama_get_memory(const struct llama_context * ctx)
{
    (void)ctx; abort();
}
const struct llama_vocab * llama_model_get_vocab(const struct llama_model * model)
{
    (void)model; abort();
}
int32_t llama_model_n_embd(const struct llama_model * model)
{
    (void)model; abort();
}
int32_t llama_model_n_embd_inp(const struct llama_model * model)
{
    (void)model; abort();
}
void llama_memory_clear( llama_memory_t mem, bool data)
{
    (void)mem; (void)data; abort();
}
struct llama_batch llama_batch_get_one( llama_token * tokens, int32_t n_tokens)
{
    (void)tokens; (void)n_tokens; abort();
}
struct llama_batch llama_batch_init( int32_t n_tokens, int32_t embd, int32_t n_seq_max)
{
    (void)n_tokens; (void)embd; (void)n_seq_max; abort();
}
void llama_batch_free(struct llama_batch batch)
{
    (void)batch; abort();
}
int32_t llama_decode( struct llama_context * ctx, struct llama_batch batch)
{
    (void)ctx; (void)batch; abort();
}
void llama_set_causal_attn(struct llama_context * ctx, bool causal_attn)
{
    (void)ctx; (void)causal_attn; abort();
}
float * llama_get_logits_ith(struct llama_context * ctx, int32_t i)
{
    (void)ctx; (void)i; abort();
}
int32_t llama_vocab_n_tokens(const struct llama_vocab * vocab)
{
    (void)vocab; abort();
}
bool llama_vocab_is_eog(const struct llama_vocab * vocab, llama_token token)
{
    (void)vocab; (void)token; abort();
}
llama_token llama_vocab_bos(const struct llama_vocab * vocab)
{
    (void)vocab; abort();
}
llama_token llama_vocab_eos(const struct llama_vocab * vocab)
{
    (void)vocab; abort();
}
int32_t llama_token_to_piece( const struct llama_vocab * vocab, llama_token token, char * buf, int32_t length, int32_t lstrip, bool special)
{
    (void)vocab; (void)token; (void)buf; (void)length; (void)lstrip; (void)special; abort();
}
void llama_log_set(ggml_log_callback log_callback, void * user_data)
{
    (void)log_callback; (void)user_data; abort();
}
const char * mtmd_default_marker(void)
{
    abort();
}
struct mtmd_context_params mtmd_context_params_default(void)
{
    abort();
}
mtmd_context * mtmd_init_from_file(const char * mmproj_fname, const struct llama_model * text_model, const struct mtmd_context_params ctx_params)
{
    (void)mmproj_fname; (void)text_model; (void)ctx_params; abort();
}
void mtmd_free(mtmd_context * ctx)
{
    (void)ctx; abort();
}
bool mtmd_decode_use_non_causal(const mtmd_context * ctx, const mtmd_input_chunk * chunk)
{
    (void)ctx; (void)chunk; abort();
}
bool mtmd_decode_use_mrope(const mtmd_context * ctx)
{
    (void)ctx; abort();
}
bool mtmd_support_vision(const mtmd_context * ctx)
{
    (void)ctx; abort();
}
void mtmd_bitmap_free(mtmd_bitmap * bitmap)
{
    (void)bitmap; abort();
}
mtmd_input_chunks * mtmd_input_chunks_init(void)
{
    abort();
}
size_t mtmd_input_chunks_size(const mtmd_input_chunks * chunks)
{
    (void)chunks; abort();
}
const mtmd_input_chunk * mtmd_input_chunks_get(const mtmd_input_chunks * chunks, size_t idx)
{
    (void)chunks; (void)idx; abort();
}
void mtmd_input_chunks_free(mtmd_input_chunks * chunks)
{
    (void)chunks; abort();
}
enum mtmd_input_chunk_type mtmd_input_chunk_get_type(const mtmd_input_chunk * chunk)
{
    (void)chunk; abort();
}
const llama_token * mtmd_input_chunk_get_tokens_text(const mtmd_input_chunk * chunk, size_t * n_tokens_output)
{
    (void)chunk; (void)n_tokens_output; abort();
}
const mtmd_image_tokens * mtmd_input_chunk_get_tokens_image(const mtmd_input_chunk * chunk)
{
    (void)chunk; abort();
}
size_t mtmd_input_chunk_get_n_tokens(const mtmd_input_chunk * chunk)
{
    (void)chunk; abort();
}
llama_pos mtmd_input_chunk_get_n_pos(const mtmd_input_chunk * chunk)
{
    (void)chunk; abort();
}
size_t mtmd_image_tokens_get_n_tokens(const mtmd_image_tokens * image_tokens)
{
    (void)image_tokens; abort();
}
llama_pos mtmd_image_tokens_get_n_pos(const mtmd_image_tokens * image_tokens)
{
    (void)image_tokens; abort();
}
struct mtmd_decoder_pos mtmd_image_tokens_get_decoder_pos(const mtmd_image_tokens * image_tokens, llama_pos pos_0, size_t i)
{
    (void)image_tokens; (void)pos_0; (void)i; abort();
}
int32_t mtmd_tokenize(mtmd_context * ctx, mtmd_input_chunks * output, const mtmd_input_text * text, const mtmd_bitmap ** bitmaps, size_t n_bitmaps)
{
    (void)ctx; (void)output; (void)text; (void)bitmaps; (void)n_bitmaps; abort();
}
int32_t mtmd_encode_chunk(mtmd_context * ctx, const mtmd_input_chunk * chunk)
{
    (void)ctx; (void)chunk; abort();
}
float * mtmd_get_output_embd(mtmd_context * ctx)
{
    (void)ctx; abort();
}
mtmd_batch * mtmd_batch_init(mtmd_context * ctx)
{
    (void)ctx; abort();
}
void mtmd_batch_free(mtmd_batch * batch)
{
    (void)batch; abort();
}
int32_t mtmd_batch_add_chunk(mtmd_batch * batch, const mtmd_input_chunk * chunk)
{
    (void)batch; (void)chunk; abort();
}
int32_t mtmd_batch_encode(mtmd_batch * batch)
{
    (void)batch; abort();
}
float * mtmd_batch_get_output_embd(mtmd_batch * batch, const mtmd_input_chunk * chunk)
{
    (void)batch; (void)chunk; abort();
}
void mtmd_log_set(ggml_log_callback log_callback, void * user_data)
{
    (void)log_callback; (void)user_data; abort();
}
void mtmd_helper_log_set(ggml_log_callback log_callback, void * user_data)
{
    (void)log_callback; (void)user_data; abort();
}
struct mtmd_helper_bitmap_wrapper mtmd_helper_bitmap_init_from_file(mtmd_context * ctx, const char * fname, bool placeholder)
{
    (void)ctx; (void)fname; (void)placeholder; abort();
}
int32_t mtmd_helper_eval_chunk_single(mtmd_context * ctx, struct llama_context * lctx, const mtmd_input_chunk * chunk, llama_pos n_past, llama_seq_id seq_id, int32_t n_batch, bool logits_last, llama_pos * new_n_past)
{
    (void)ctx; (void)lctx; (void)chunk; (void)n_past; (void)seq_id; (void)n_batch; (void)logits_last; (void)new_n_past; abort();
}
void mtmd_helper_video_free(mtmd_helper_video * ctx)
{
    (void)ctx; abort();
}
int32_t mtmd_helper_decode_image_chunk(mtmd_context * ctx, struct llama_context * lctx, const mtmd_input_chunk * chunk, float * encoded_embd, llama_pos n_past, llama_seq_id seq_id, int32_t n_batch, llama_pos * new_n_past, mtmd_helper_post_decode_callback callback, void * user_data)
{
    (void)ctx; (void)lctx; (void)chunk; (void)encoded_embd; (void)n_past; (void)seq_id; (void)n_batch; (void)new_n_past; (void)callback; (void)user_data; abort();
}
