/* Every case module, one line each. */
#include "conf.h"

const conf_case *const conf_registry[] = {
    conf_cases_api,
    conf_cases_scores,
    conf_cases_select,
    conf_cases_merge,
    conf_cases_visionzip,
    conf_cases_compress,
    conf_cases_composite,
    conf_cases_prune,
    NULL,
};
