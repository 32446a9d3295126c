/* Environment switches, read where they apply (never cached: a test may set
   one between two contexts). */
#include "core.h"

#include <stdlib.h>
#include <string.h>

int vtc_env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"));
}

/* Which of the layer's optional checks VTC_VALIDATION asks for: "1" (and
   the context flag) means the default checks plus synchronization
   validation, the check that finds a missing barrier in what vtc records
   into a host's command buffer; "gpu" means GPU-assisted validation
   (shader buffer accesses against descriptor ranges) instead, since the
   two are costly together; "core" means the default checks only. */
int vtc_validation_mode(uint32_t flags)
{
    const char *v = getenv("VTC_VALIDATION");
    if (v && !strcmp(v, "gpu"))
        return VTC_VALIDATE_GPU;
    if (v && !strcmp(v, "core"))
        return VTC_VALIDATE_CORE;
    if (vtc_env_flag("VTC_VALIDATION") || (v && !strcmp(v, "sync")) || (flags & VTC_CONTEXT_VALIDATION))
        return VTC_VALIDATE_SYNC;
    return 0;
}
