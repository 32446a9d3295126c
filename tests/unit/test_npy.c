/* The .npy reader treats files as hostile: every malformed input is a clear error. */
#include "npy.h"
#include "../common/test_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* builds a v1 .npy in memory from a header dict and payload */
static size_t make(uint8_t *buf, const char *dict, const void *data, size_t n)
{
    size_t hl = strlen(dict);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (uint8_t)hl;
    buf[9] = (uint8_t)(hl >> 8);
    memcpy(buf + 10, dict, hl);
    if (n)
        memcpy(buf + 10 + hl, data, n);
    return 10 + hl + n;
}

static int load(const uint8_t *b, size_t n, npy_array *a, char *err)
{
    return npy_load_mem(b, n, a, err, 256);
}

/* Well-formed headers: C-order f32, a scalar, an empty array. */
static void reads_what_it_should(void)
{
    uint8_t buf[4096];
    char err[256] = "";
    npy_array a;
    float f[6] = {1, 2, 3, 4, 5, 6};
    size_t n = make(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f, sizeof(f));
    int r = load(buf, n, &a, err);
    CHECK("npy_reads_f32_c_order", !r && a.dtype == NPY_F32 && a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 3 &&
          a.count == 6 && ((float *)a.data)[5] == 6.0f, "%s", err);
    npy_free(&a);
    n = make(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f, 4);
    r = load(buf, n, &a, err);
    CHECK("npy_scalar_has_one_element", !r && a.ndim == 0 && a.count == 1, "%s", err);
    npy_free(&a);
    n = make(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", f, 0);
    r = load(buf, n, &a, err);
    CHECK("npy_empty_array_loads", !r && a.count == 0, "%s", err);
    npy_free(&a);
}

/* Each malformed file is refused, with an error that names what is wrong
   (`says`; NULL: any error). */
static const struct bad_npy {
    const char *name, *dict;
    size_t payload, cut; /* payload bytes after the header; bytes cut off the end */
    const char *says;
} bad_files[] = {
    {"npy_truncated_data_is_an_error", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24, 1, "truncated"},
    {"npy_rejects_fortran_order", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24, 0, "fortran"},
    {"npy_unsupported_dtype_names_it", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 24, 0, "<f8"},
    {"npy_rejects_big_endian", "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", 12, 0, NULL},
    {"npy_shape_overflow_is_an_error", "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }",
     4, 0, NULL},
    {"npy_garbage_header_is_an_error", "garbage", 4, 0, "header"},
    {"npy_missing_key_is_an_error", "{'descr': '<f4', 'shape': (3,), }", 12, 0, "fortran_order"},
};

static void refuses_malformed_files(void)
{
    uint8_t buf[4096];
    char err[256];
    npy_array a;
    float f[6] = {0};
    for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
        const struct bad_npy *c = &bad_files[i];
        size_t n = make(buf, c->dict, f, c->payload) - c->cut;
        strcpy(err, "accepted");
        int r = load(buf, n, &a, err);
        CHECK(c->name, r && (!c->says || strstr(err, c->says)), "%s", err);
        if (!r)
            npy_free(&a);
    }
    memcpy(buf, "\x93NUMPY\x01\x00\xff\xff", 10);
    int r = load(buf, 20, &a, err);
    CHECK("npy_header_length_past_end_is_an_error", r && strstr(err, "past the end"), "%s", err);
    r = load((const uint8_t *)"PK\x03\x04", 4, &a, err);
    CHECK("npy_bad_magic_is_an_error", r && strstr(err, "magic"), "%s", err);
}

/* Round trips through files, numpy's v1 layout (64-byte aligned header). */
static void round_trips_through_files(void)
{
    char err[256] = "";
    int32_t iv[5] = {-1, 0, 7, 2147483647, -2147483647 - 1};
    int64_t shape[2] = {1, 5};
    char path[] = "/tmp/vtc_test_npy_XXXXXX";
    int fd = mkstemp(path);
    int r = fd < 0 || npy_save(path, NPY_I32, 2, shape, iv, err, sizeof(err));
    npy_array b;
    r = r || npy_load(path, &b, err, sizeof(err));
    CHECK("npy_i32_round_trip", !r && b.dtype == NPY_I32 && !memcmp(b.data, iv, sizeof(iv)), "%s", err);
    FILE *fp = fopen(path, "rb");
    uint8_t hdr[10];
    size_t got = fp ? fread(hdr, 1, 10, fp) : 0;
    if (fp)
        fclose(fp);
    CHECK("npy_saved_header_is_64_byte_aligned", got == 10 && (10 + (hdr[8] | hdr[9] << 8)) % 64 == 0, "bad header");
    if (!r)
        npy_free(&b);
    remove(path);
}

static void converts_binary16(void)
{
    CHECK("half_converts_one", npy_float_to_half(1.0f) == 0x3c00 && npy_half_to_float(0x3c00) == 1.0f, "1.0");
    CHECK("half_rounds_to_nearest_even", npy_float_to_half(1.0f + 1.0f / 2048) == 0x3c00 &&
          npy_float_to_half(1.0f + 3.0f / 2048) == 0x3c02, "%04x %04x", npy_float_to_half(1.0f + 1.0f / 2048),
          npy_float_to_half(1.0f + 3.0f / 2048));
    CHECK("half_overflow_is_inf", npy_float_to_half(70000.0f) == 0x7c00 && npy_float_to_half(-1e30f) == 0xfc00, "inf");
    CHECK("half_nan_stays_nan", isnan(npy_half_to_float(npy_float_to_half(NAN))), "nan");
    int sub_ok = 1;
    for (uint32_t h = 1; h < 0x400; h++) /* every subnormal survives a round trip */
        sub_ok &= npy_float_to_half(npy_half_to_float((uint16_t)h)) == h;
    CHECK("half_roundtrip_subnormals", sub_ok, "a subnormal changed");
    int all_ok = 1;
    for (uint32_t h = 0; h < 0x7c00; h++)
        all_ok &= npy_float_to_half(npy_half_to_float((uint16_t)h)) == h;
    CHECK("half_roundtrip_every_finite_value", all_ok, "a value changed");
}

static void reads_golden_file(void)
{
    const char *gd = getenv("VTC_GOLDEN_DIR");
    if (!gd) {
        CHECK("npy_reads_golden_keep_index", 0, "VTC_GOLDEN_DIR is unset: the golden folder is part of the project (tests/data/golden)");
        return;
    }
    char p[1024], err[256] = "";
    npy_array b;
    snprintf(p, sizeof(p), "%s/visionzip_clip336_b2_54x10/keep_index.npy", gd);
    int r = npy_load(p, &b, err, sizeof(err));
    CHECK("npy_reads_golden_keep_index", !r && b.dtype == NPY_I32 && b.ndim == 2 && b.shape[0] == 2, "%s", err);
    if (!r)
        npy_free(&b);
}

int main(void)
{
    reads_what_it_should();
    refuses_malformed_files();
    round_trips_through_files();
    converts_binary16();
    reads_golden_file();
    return failures ? 1 : 0;
}
