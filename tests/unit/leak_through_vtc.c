/*
 * Leaks on purpose: a context created through a host allocator and never
 * destroyed. Run only in sanitizer builds, by check_leak_reported.sh, which
 * passes when LeakSanitizer, with the suppressions every sanitizer test runs
 * under (tests/lsan.supp), still reports vtc's own leak.
 */
#include "vtc.h"

#include <stdio.h>
#include <stdlib.h>

static void *host_alloc(void *user, size_t bytes, size_t alignment)
{
    (void)user;
    void *p = NULL;
    return posix_memalign(&p, alignment < sizeof(void *) ? sizeof(void *) : alignment, bytes) ? NULL : p;
}

static void host_free(void *user, void *p)
{
    (void)user;
    free(p);
}

/* noinline, and the handle does not outlive the call: nothing on main's
   stack or in a global still points at the context when LSan looks */
__attribute__((noinline)) static int create_and_forget(void)
{
    vtc_allocator al = {sizeof(al), 0, NULL, host_alloc, host_free};
    vtc_context_desc d = {0};
    d.size = sizeof(d);
    d.allocator = &al;
    vtc_context ctx = NULL;
    vtc_result r = vtc_context_create(&d, &ctx);
    if (r) {
        fprintf(stderr, "no context: %s\n", vtc_result_string(r));
        return 77;
    }
    volatile uintptr_t *slot = (volatile uintptr_t *)(void *)&ctx;
    *slot = 0;
    return 0;
}

int main(void)
{
    int rc = create_and_forget();
    printf("context created and never destroyed\n");
    return rc;
}
