/* Coexistence checks of vtc inside a Vulkan-using process (engine_coexist.c). */
#ifndef ENGINE_COEXIST_H
#define ENGINE_COEXIST_H
#include "host_vk.h"

/** Loads the plugin (path, or VTC_PLUGIN_PATH / default when NULL) into a
 *  process where `e` already runs, and checks it coexists; prints one line
 *  per check. Returns 0 when every check passed. Unloads the plugin. */
int engine_coexist(host_vk *e, const char *plugin);

#endif
