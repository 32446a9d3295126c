/* The .safetensors reader: real checkpoints load, hostile ones give errors that name the key. */
#include "safetensors.h"
#include "../common/test_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t make(uint8_t *buf, const char *json, const void *data, size_t n)
{
    uint64_t hl = strlen(json);
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)(hl >> (8 * i));
    memcpy(buf + 8, json, hl);
    if (n)
        memcpy(buf + 8 + hl, data, n);
    return 8 + hl + n;
}

int main(void)
{
    uint8_t buf[4096];
    char err[512];
    st_file f;
    float vals[4] = {1.5f, -2.0f, 0.25f, 3.0f};
    size_t n = make(buf, "{\"__metadata__\": {\"format\": \"pt\"}, \"w\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}",
                    vals, 16);
    int r = st_open_mem(buf, n, &f, err, sizeof(err));
    float *out = NULL;
    int64_t want[2] = {2, 2}, shape[8];
    int nd = 0;
    r = r || st_read_f32(&f, "w", 2, want, &out, shape, &nd, err, sizeof(err));
    CHECK("safetensors_reads_f32", !r && out && out[3] == 3.0f && nd == 2 && shape[1] == 2, "%s", err);
    free(out);
    int64_t wrong[2] = {4, 1};
    r = st_read_f32(&f, "w", 2, wrong, &out, NULL, NULL, err, sizeof(err));
    CHECK("safetensors_wrong_shape_names_the_key", r && strstr(err, "'w'") && strstr(err, "[4, 1]"), "%s", err);
    r = st_read_f32(&f, "model.compressor.query", 2, NULL, &out, NULL, NULL, err, sizeof(err));
    CHECK("safetensors_missing_key_names_the_key", r && strstr(err, "missing key 'model.compressor.query'"), "%s", err);
    st_close(&f);

    /* bf16 is the top half of an fp32: 1.5 = 0x3fc0, -2 = 0xc000 */
    uint8_t bf[4] = {0xc0, 0x3f, 0x00, 0xc0};
    n = make(buf, "{\"b\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", bf, 4);
    r = st_open_mem(buf, n, &f, err, sizeof(err)) || st_read_f32(&f, "b", 1, NULL, &out, NULL, NULL, err, sizeof(err));
    CHECK("safetensors_bf16_converts_exactly", !r && out[0] == 1.5f && out[1] == -2.0f, "%s", err);
    free(out);
    st_close(&f);
    uint8_t hf[4] = {0x00, 0x3c, 0x00, 0xc0}; /* 1.0, -2.0 */
    n = make(buf, "{\"h\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", hf, 4);
    r = st_open_mem(buf, n, &f, err, sizeof(err)) || st_read_f32(&f, "h", 1, NULL, &out, NULL, NULL, err, sizeof(err));
    CHECK("safetensors_f16_converts", !r && out[0] == 1.0f && out[1] == -2.0f, "%s", err);
    free(out);
    st_close(&f);

    struct { const char *name, *json; size_t data; const char *expect; } bad[] = {
        {"safetensors_offsets_past_data_are_an_error", "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 64]}}", 16, "past the data"},
        {"safetensors_size_mismatch_is_an_error", "{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 16]}}", 16, "bytes"},
        {"safetensors_json_not_an_object_is_an_error", "[1, 2, 3]", 0, "not a JSON object"},
        {"safetensors_invalid_json_is_an_error", "{\"w\": {\"dtype\": ", 0, "not valid JSON"},
        {"safetensors_wrong_types_are_an_error", "{\"w\": {\"dtype\": 5, \"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "dtype"},
        {"safetensors_negative_shape_is_an_error", "{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4, "shape"},
        {"safetensors_reversed_offsets_are_an_error", "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", 8, "data_offsets"},
        {"safetensors_shape_overflow_is_an_error", "{\"w\": {\"dtype\": \"F32\", \"shape\": [1099511627776, 1099511627776], \"data_offsets\": [0, 4]}}", 4, "shape"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        n = make(buf, bad[i].json, vals, bad[i].data);
        r = st_open_mem(buf, n, &f, err, sizeof(err));
        CHECK(bad[i].name, r && strstr(err, bad[i].expect), "%s", r ? err : "accepted");
        if (!r)
            st_close(&f);
    }
    uint8_t huge[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    r = st_open_mem(huge, sizeof(huge), &f, err, sizeof(err));
    CHECK("safetensors_huge_header_length_is_an_error", r && strstr(err, "header length"), "%s", err);
    r = st_open_mem(huge, 3, &f, err, sizeof(err));
    CHECK("safetensors_short_file_is_an_error", r != 0, "accepted");

    const char *gd = getenv("VTC_GOLDEN_DIR");
    if (gd) {
        char p[1024];
        snprintf(p, sizeof(p), "%s/llavamini_c2_e256_n576/weights.safetensors", gd);
        r = st_open(p, &f, err, sizeof(err));
        int64_t ws[2] = {768, 256};
        r = r || st_read_f32(&f, "model.compressor.attn.in_proj_weight", 2, ws, &out, NULL, NULL, err, sizeof(err));
        CHECK("safetensors_reads_official_checkpoint", !r, "%s", err);
        if (!r) {
            free(out);
            st_close(&f);
        }
    } else {
        CHECK("safetensors_reads_official_checkpoint", 0, "VTC_GOLDEN_DIR is unset: the golden folder is part of the project (tests/data/golden)");
    }
    return failures ? 1 : 0;
}
