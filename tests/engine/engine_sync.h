/* Synchronous (host-memory) vtc calls on the engine's device (engine_sync.c). */
#ifndef ENGINE_SYNC_H
#define ENGINE_SYNC_H
#include "host_vk.h"
#include "vtc.h"

/** Runs vtc_mtmd_visionzip on an adopted context whose queue lock counts
 *  its use; checks the result against the CPU and that every submission
 *  was made under the lock. Prints one line; 0 when it passed. */
int engine_step_host_memory(host_vk *e, const vtc_api_v1 *api, const char *tag);

#endif
