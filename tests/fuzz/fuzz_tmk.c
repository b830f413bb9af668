/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: TMK+PDQF files (lib/tmk/tmk_file.c) and their base64 form.
 * An input that starts with "TMK1" is a whole .tmk file; otherwise its
 * first byte picks how the rest is used:
 *   0  a .tmk file as it is;
 *   1  a patch: three bytes of offset, then bytes written over a valid
 *      .tmk file there (so that changes reach every field of a file of
 *      the right size);
 *   2  base64 text.
 * Whatever is accepted must write back to the same bytes (or text),
 * agree with the level-1 reader, and score finitely, against itself and
 * against a valid hash.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tmk/tmk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hm_tmk g_valid;
static uint8_t g_valid_bytes[HM_TMK_FILE_SIZE];
static int g_ready;

/* A valid hash of 40 made-up frames. */
static void make_valid(void) {
    float f[HM_TMK_DIM];
    uint32_t x = 12345;
    hm_tmk_begin(&g_valid);
    for (int n = 0; n < 40; n++) {
        for (int k = 0; k < HM_TMK_DIM; k++) {
            x = x * 1103515245u + 12345u;
            f[k] = (float)((int)(x >> 16) % 2001 - 1000) / (float)(k + 1);
        }
        hm_tmk_add_feature(&g_valid, f);
    }
    hm_tmk_finish(&g_valid);
    hm_tmk_write(&g_valid, g_valid_bytes);
    g_ready = 1;
}

static void use(const hm_tmk *t) {
    if (!isfinite(hm_tmk_level1(t->avg, t->avg)) ||
        !isfinite(hm_tmk_level1(t->avg, g_valid.avg)) || !isfinite(hm_tmk_level2(t, t)) ||
        !isfinite(hm_tmk_level2(t, &g_valid)))
        abort(); /* an accepted file scores finitely */
}

static void file(const uint8_t *b, size_t n) {
    static hm_tmk t;
    static uint8_t back[HM_TMK_FILE_SIZE];
    int32_t frames;
    float avg[HM_TMK_DIM];
    const int st = hm_tmk_read(b, n, &t);
    const int st1 = hm_tmk_read_level1(b, n, &frames, avg);
    if (st != HM_OK) return;
    hm_tmk_write(&t, back);
    if (memcmp(back, b, HM_TMK_FILE_SIZE) != 0) abort(); /* a round trip must hold */
    if (st1 != HM_OK || frames != t.frames || memcmp(avg, t.avg, sizeof avg) != 0) abort();
    use(&t);
}

static void text(const uint8_t *b, size_t n) {
    static hm_tmk t;
    static char back[(HM_TMK_FILE_SIZE + 2) / 3 * 4 + 1];
    if (hm_tmk_read_base64((const char *)b, n, &t) != HM_OK) return;
    if (hm_tmk_write_base64(&t, back) != HM_OK) return;
    /* the same text, but for padding the input may leave out */
    if (n > sizeof back - 1 || memcmp(back, b, n) != 0) abort();
    for (size_t i = n; i < sizeof back - 1; i++)
        if (back[i] != '=') abort();
    use(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static uint8_t patched[HM_TMK_FILE_SIZE];
    if (!g_ready) make_valid();
    if (size >= 4 && memcmp(data, "TMK1", 4) == 0) {
        file(data, size);
        return 0;
    }
    if (size < 1) return 0;
    switch (data[0] % 3) {
    case 0:
        file(data + 1, size - 1);
        break;
    case 1: {
        if (size < 4) break;
        const size_t at = ((size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3]) %
                          HM_TMK_FILE_SIZE;
        size_t n = size - 4;
        if (n > HM_TMK_FILE_SIZE - at) n = HM_TMK_FILE_SIZE - at;
        memcpy(patched, g_valid_bytes, HM_TMK_FILE_SIZE);
        memcpy(patched + at, data + 4, n);
        file(patched, HM_TMK_FILE_SIZE);
        break;
    }
    default:
        text(data + 1, size - 1);
        break;
    }
    return 0;
}
