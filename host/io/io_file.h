/*
 * What the file readers (npy.c, safetensors.c) and the fuzz replay driver
 * share: an error message that names its file, and reading a whole stream.
 */
#ifndef VTC_IO_FILE_H
#define VTC_IO_FILE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes "<name>: <message>" into err (nothing when err is NULL or errlen
   0; truncated to errlen). Returns -1, so that readers can `return io_fail(...)`. */
int io_fail(char *err, size_t errlen, const char *name, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

enum { IO_READ_OK = 0, IO_READ_NO_MEMORY = -1, IO_READ_TOO_LARGE = -2 };
/* Reads fp to its end into a malloc'd buffer (*buf, never NULL on success,
   even for an empty stream; the caller frees it) of *len bytes. A stream of
   `max` bytes or more is IO_READ_TOO_LARGE. A read error ends the stream
   like its end: check ferror(fp). On failure *buf is NULL and *len 0. */
int io_read_all(FILE *fp, size_t max, uint8_t **buf, size_t *len);
#endif
