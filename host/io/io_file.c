#include "io_file.h"

#include <stdarg.h>
#include <stdlib.h>

int io_fail(char *err, size_t errlen, const char *name, const char *fmt, ...)
{
    if (err && errlen) {
        int n = snprintf(err, errlen, "%s: ", name);
        if (n < 0 || (size_t)n >= errlen)
            n = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int io_read_all(FILE *fp, size_t max, uint8_t **buf, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    *buf = NULL;
    *len = 0;
    if (!b)
        return IO_READ_NO_MEMORY;
    for (;;) {
        size_t got = fread(b + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
        if (n < cap)
            continue;
        /* full: the stream may go on */
        if (cap >= max || cap > SIZE_MAX / 2) {
            free(b);
            return IO_READ_TOO_LARGE;
        }
        uint8_t *nb = realloc(b, cap * 2);
        if (!nb) {
            free(b);
            return IO_READ_NO_MEMORY;
        }
        b = nb;
        cap *= 2;
    }
    *buf = b;
    *len = n;
    return IO_READ_OK;
}
