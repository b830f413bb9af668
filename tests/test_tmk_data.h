/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TMK+PDQF reference data (tests/data/tmk, README.md there) for the
 * TMK tests: the 14 reference videos, their .tmk files from the reference
 * tmk-hash-video, their frame-feature counts and every pair's scores as
 * tmk-two-level-score prints them.
 */
#ifndef HM_TEST_TMK_DATA_H
#define HM_TEST_TMK_DATA_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static const char *const kVideos[] = {
    "chair-19-sd-bar",          "chair-20-sd-bar",
    "chair-22-sd-grey-bar",     "chair-22-sd-sepia-bar",
    "chair-22-with-large-logo-bar", "chair-22-with-small-logo-bar",
    "chair-orig-22-sd-bar",     "doorknob-hd-no-bar",
    "pattern-hd-no-bar",        "pattern-longer-no-bar",
    "pattern-sd-grey-bar",      "pattern-sd-with-large-logo-bar",
    "pattern-sd-with-small-logo-bar", "test-padded-dimensions"};
#define NVIDEOS (sizeof kVideos / sizeof kVideos[0])

/* tests/data/tmk/videos/NAME.mp4, or tests/data/video/ for the two there. */
static inline const char *video_path(const char *name, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/tmk/videos/%s.mp4", HM_TEST_DATA, name);
    if (access(buf, R_OK) != 0) snprintf(buf, cap, "%s/video/%s.mp4", HM_TEST_DATA, name);
    return buf;
}

/* The reference's .tmk file of video NAME (malloc'ed; NULL if missing). */
static inline unsigned char *expected_tmk(const char *name, size_t *size) {
    char p[1024];
    snprintf(p, sizeof p, "%s/tmk/expected/tmk/%s.tmk", HM_TEST_DATA, name);
    return read_all(p, size);
}

/* The reference's frame-feature count of video NAME, or -1. */
static inline int expected_count(const char *name) {
    char p[1024], line[256], want[200];
    snprintf(p, sizeof p, "%s/tmk/expected/frame-counts.csv", HM_TEST_DATA);
    snprintf(want, sizeof want, "%s.tmk,", name);
    FILE *f = fopen(p, "r");
    int n = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, want, strlen(want)) == 0) n = atoi(line + strlen(want));
    if (f) fclose(f);
    return n;
}

/* The index in kVideos of FILE ("NAME.tmk"), or -1. */
static inline int tmk_index(const char *file) {
    for (size_t i = 0; i < NVIDEOS; i++)
        if (strncmp(file, kVideos[i], strlen(kVideos[i])) == 0 &&
            strcmp(file + strlen(kVideos[i]), ".tmk") == 0)
            return (int)i;
    return -1;
}

/* Each pair of expected/pair-scores.csv to fn: the videos' indexes in
 * kVideos and the scores as printed (six decimals).  Returns the pairs. */
typedef void (*tmk_pair_fn)(void *user, int a, int b, const char *level1, const char *level2);
static inline int tmk_pairs(tmk_pair_fn fn, void *user) {
    char p[1024], line[512];
    int pairs = 0;
    snprintf(p, sizeof p, "%s/tmk/expected/pair-scores.csv", HM_TEST_DATA);
    FILE *f = fopen(p, "r");
    CHECK(f != NULL);
    while (f && fgets(line, sizeof line, f)) {
        char *fa = strtok(line, ","), *fb = strtok(NULL, ","), *l1 = strtok(NULL, ","),
             *l2 = strtok(NULL, ",\r\n");
        const int a = fa ? tmk_index(fa) : -1, b = fb ? tmk_index(fb) : -1;
        if (a < 0 || b < 0 || !l1 || !l2) continue; /* the header */
        fn(user, a, b, l1, l2);
        pairs++;
    }
    if (f) fclose(f);
    return pairs;
}

#endif
