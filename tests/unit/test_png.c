/* The PNG writer produces files standard decoders read back pixel for pixel. */
#include "png_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    enum { W = 300, H = 250 }; /* > 65535 bytes of pixels: several stored deflate blocks */
    uint8_t *rgb = malloc(W * H * 3);
    for (int i = 0; i < W * H * 3; i++)
        rgb[i] = (uint8_t)(i * 31 + i / 7);
    char err[256], path[] = "/tmp/vtc_test_png_XXXXXX";
    int fd = mkstemp(path);
    int r = fd < 0 || png_write_rgb(path, W, H, rgb, err, sizeof(err));
    if (r) {
        printf("FAIL - png_writes: %s\n", err);
        return 1;
    }
    /* decode with Python's zlib (an independent inflater) and compare */
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "python3 -c \"import struct,zlib,sys\n"
             "d=open('%s','rb').read(); assert d[:8]==b'\\x89PNG\\r\\n\\x1a\\n'\n"
             "p=8; idat=b''; w=h=0\n"
             "while p<len(d):\n"
             "  n=struct.unpack('>I',d[p:p+4])[0]; t=d[p+4:p+8]; c=d[p+8:p+8+n]\n"
             "  assert zlib.crc32(t+c)&0xffffffff==struct.unpack('>I',d[p+8+n:p+12+n])[0]\n"
             "  if t==b'IHDR': w,h=struct.unpack('>II',c[:8])\n"
             "  if t==b'IDAT': idat+=c\n"
             "  p+=12+n\n"
             "raw=zlib.decompress(idat); assert len(raw)==h*(1+3*w)\n"
             "sys.stdout.buffer.write(b''.join(raw[y*(1+3*w)+1:(y+1)*(1+3*w)] for y in range(h)))\" > %s.raw",
             path, path);
    r = system(cmd);
    char rawp[64];
    snprintf(rawp, sizeof(rawp), "%s.raw", path);
    FILE *f = fopen(rawp, "rb");
    uint8_t *back = malloc(W * H * 3);
    size_t got = f ? fread(back, 1, W * H * 3, f) : 0;
    if (f)
        fclose(f);
    int ok = r == 0 && got == (size_t)W * H * 3 && !memcmp(back, rgb, got);
    printf("%s - png_decodes_to_the_same_pixels_with_valid_crcs\n", ok ? "ok" : "FAIL");
    r = png_write_rgb("/nonexistent-dir/x.png", 4, 4, rgb, err, sizeof(err));
    printf("%s - png_unwritable_path_is_an_error\n", r ? "ok" : "FAIL");
    int bad = png_write_rgb(path, 0, 4, rgb, err, sizeof(err));
    printf("%s - png_zero_size_is_an_error\n", bad ? "ok" : "FAIL");
    remove(path);
    remove(rawp);
    free(rgb);
    free(back);
    return ok && r && bad ? 0 : 1;
}
