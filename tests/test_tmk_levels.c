/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TMK+PDQF at one SIMD level (argv[1]; ctest runs test_tmk_levels_<level>
 * for each, a level this machine cannot run is skipped: test_simd.h):
 *  - level 2 of every pair of the 14 reference hashes with the level's
 *    sweep: bit-identical to the portable sweep's, and the reference's
 *    six printed decimals (expected/pair-scores.csv);
 *  - PDQF frame features with PDQ's kernel set of the level: the hash of
 *    made-up frames bit-identical to the portable set's;
 *  - a level that is not usable here is refused (-1), not run.
 */
#include <stdlib.h>
#include <string.h>

#include "hash/pdq_stream.h"
#include "test_simd.h"
#include "test_tmk_data.h"
#include "tmk/tmk.h"

/* Both of TMK's kernel users have a set of the level. */
static int usable(hm_simd_level l) { return hm_tmk_level2_usable(l) && hm_pdq_isa_available(l); }

typedef struct at_level {
    const hm_tmk *t;
    hm_simd_level level;
} at_level;

static void score_pair(void *user, int a, int b, const char *l1, const char *l2) {
    const at_level *s = user;
    const float got = hm_tmk_level2_at(&s->t[a], &s->t[b], s->level);
    const float portable = hm_tmk_level2_at(&s->t[a], &s->t[b], HM_SIMD_PORTABLE);
    char s2[32];
    (void)l1;
    hm_snprintf_c(s2, sizeof s2, "%.6f", (double)got);
    CHECK_STR(s2, l2, kVideos[a]);
    CHECK(memcmp(&got, &portable, sizeof got) == 0);
}

static void test_scores(hm_simd_level level) {
    static hm_tmk t[NVIDEOS];
    for (size_t i = 0; i < NVIDEOS; i++) {
        size_t size = 0;
        unsigned char *b = expected_tmk(kVideos[i], &size);
        CHECK(b && hm_tmk_read(b, size, &t[i]) == HM_OK);
        free(b);
    }
    at_level s = {t, level};
    CHECK_INT(tmk_pairs(score_pair, &s), NVIDEOS * (NVIDEOS - 1) / 2);
}

/* 40 made-up 64x64 frames (a moving gradient and noise) aggregated with
 * PDQ's set of `level`. */
static void made_up(hm_simd_level level, hm_tmk *t) {
    static uint8_t rgb[HM_TMK_FRAME_SIDE * HM_TMK_FRAME_SIDE * 3];
    uint32_t x = 2463534242u;
    hm_tmk_begin(t);
    for (int n = 0; n < 40; n++) {
        for (int i = 0; i < HM_TMK_FRAME_SIDE * HM_TMK_FRAME_SIDE; i++)
            for (int c = 0; c < 3; c++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                rgb[3 * i + c] = (uint8_t)((i % 64) * 2 + (i / 64) + 5 * n + c * 40 + (x & 31));
            }
        hm_tmk_add_frame(t, level, rgb);
    }
    hm_tmk_finish(t);
}

static void test_pdqf(hm_simd_level level) {
    static hm_tmk a, b;
    made_up(level, &a);
    made_up(HM_SIMD_PORTABLE, &b);
    CHECK_INT(a.frames, 40);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
}

int main(int argc, char **argv) {
    hm_simd_level levels[HM_SIMD_LEVELS];
    const int n = test_simd_levels("test_tmk_levels", argc > 1 ? argv[1] : NULL, usable, levels);
    for (int i = 0; i < n; i++) {
        printf("test_tmk_levels: level %s\n", hm_simd_name(levels[i]));
        test_scores(levels[i]);
        test_pdqf(levels[i]);
    }
    /* a level not usable here (HM_SIMD caps it, or the CPU lacks it) is
     * not run */
    static hm_tmk t;
    for (int l = 0; l <= HM_SIMD_LEVELS; l++)
        if (!hm_tmk_level2_usable((hm_simd_level)l))
            CHECK(hm_tmk_level2_at(&t, &t, (hm_simd_level)l) == -1.0f);
    return test_summary("test_tmk_levels");
}
