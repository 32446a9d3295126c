/* CI stand-in for llama.cpp's ggml.h: forwards to the exact declarations vtc uses (../llama_cpp_api.h). */
#include "../llama_cpp_api.h"
