/* Every case module: the API cases, then each op's (conf_cases_<op> in
   plugin/ops/<op>/case_<op>.c), from the op list of plugin/ops/meson.build. */
#include "conf.h"
#include "vtc_op_list.h"

extern const conf_case conf_cases_tables[]; /* case_tables.c: each op's tensor table */
#define CONF_DECLARE(name) extern const conf_case conf_cases_##name[];
VTC_OP_LIST(CONF_DECLARE)
#undef CONF_DECLARE

#define CONF_ENTRY(name) conf_cases_##name,
const conf_case *const conf_registry[] = {
    conf_cases_api,
    conf_cases_tables,
    VTC_OP_LIST(CONF_ENTRY)
    NULL,
};
