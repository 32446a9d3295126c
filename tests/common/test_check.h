/*
 * The unit tests' checks, one line each: CHECK(name, cond, fmt, ...) prints
 * "ok - name" when cond holds, else "FAIL - name: <message>" and counts it
 * in `failures` (the test's exit status is failures ? 1 : 0).
 */
#ifndef VTC_TEST_CHECK_H
#define VTC_TEST_CHECK_H
#include <stdio.h>

static int failures;
#define CHECK(name, cond, ...)                                                                                         \
    do {                                                                                                               \
        if (cond) {                                                                                                    \
            printf("ok - %s\n", name);                                                                                 \
        } else {                                                                                                       \
            printf("FAIL - %s: ", name);                                                                               \
            printf(__VA_ARGS__);                                                                                       \
            printf("\n");                                                                                              \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)
#endif
