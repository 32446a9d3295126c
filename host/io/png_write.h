/* Minimal PNG writer: 8-bit RGB, stored (uncompressed) deflate, no dependencies. */
#ifndef VTC_PNG_WRITE_H
#define VTC_PNG_WRITE_H
#include <stddef.h>
#include <stdint.h>
/* rgb: width*height*3 bytes, rows top to bottom. 0 on success, else a message in err. */
int png_write_rgb(const char *path, int width, int height, const uint8_t *rgb, char *err, size_t errlen);
#endif
