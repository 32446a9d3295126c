#ifndef ENGINE_CHAIN_H
#define ENGINE_CHAIN_H
#include "host_vk.h"
#include "vtc_loader.h" /* vtc_api_v1 */

/** Records and checks one pattern (engine_chain.c): mode "chain" (two vtc
 *  calls with the engine's shader between, one command buffer, shared
 *  scratch), "twice" (two command buffers sharing scratch, one submit) or
 *  "nobarrier" (the chain without the engine's barrier after vtc). Prints
 *  "ok/FAIL - ..." lines; returns the number of failed checks. */
int engine_chain(host_vk *e, const vtc_api_v1 *api, vtc_context ctx, const char *mode);

#endif
