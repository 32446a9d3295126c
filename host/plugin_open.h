/* Finding the plugin for the command-line programs. */
#ifndef VTC_PLUGIN_OPEN_H
#define VTC_PLUGIN_OPEN_H
#include "loader/vtc_loader.h"

/* Opens `explicit_path`, else $VTC_PLUGIN_PATH, else libvtc.so.1 next to the
   program (build tree, then install tree), else the loader's default search.
   Built with VTC_LOADER_STATIC: the statically linked plugin. */
vtc_result cli_open_plugin(vtc_loader *L, const char *explicit_path);
#endif
