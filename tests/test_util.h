/* SPDX-License-Identifier: BSD-3-Clause */
/* Minimal test harness: CHECK macros and a summary line per program. */
#ifndef HM_TEST_UTIL_H
#define HM_TEST_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmatch.h"

/* 1 in a build under AddressSanitizer or ThreadSanitizer (the library is
 * built the same way): memory figures and speeds are not the real ones. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static int g_pass, g_fail;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (cond) g_pass++;                                                \
        else {                                                             \
            g_fail++;                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__,        \
                    __LINE__, #cond);                                      \
        }                                                                  \
    } while (0)

#define CHECK_INT(a, b)                                                    \
    do {                                                                   \
        long long va_ = (long long)(a), vb_ = (long long)(b);              \
        if (va_ == vb_) g_pass++;                                          \
        else {                                                             \
            g_fail++;                                                      \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",    \
                    __FILE__, __LINE__, #a, va_, #b, vb_);                 \
        }                                                                  \
    } while (0)

#define CHECK_STR(a, b, what)                                              \
    do {                                                                   \
        const char *sa_ = (a), *sb_ = (b);                                 \
        if (sa_ && sb_ && strcmp(sa_, sb_) == 0) g_pass++;                 \
        else {                                                             \
            g_fail++;                                                      \
            fprintf(stderr, "%s:%d: %s: got %s, expected %s\n", __FILE__,  \
                    __LINE__, (what), sa_ ? sa_ : "(null)",                \
                    sb_ ? sb_ : "(null)");                                 \
        }                                                                  \
    } while (0)

static inline int test_summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, g_pass, g_fail);
    return g_fail ? 1 : (g_pass ? 0 : 1);
}

/* Deterministic xorshift64 numbers for generated test data. */
static uint64_t g_rng_state = 0x2545f4914f6cdd1dull;
static inline uint64_t test_rand(void) {
    g_rng_state ^= g_rng_state << 13;
    g_rng_state ^= g_rng_state >> 7;
    g_rng_state ^= g_rng_state << 17;
    return g_rng_state;
}

/* A hash of `type` with random bits (quality unknown). */
static inline void test_random_hash(hm_hash *h, int type) {
    memset(h, 0, sizeof *h);
    h->type = type;
    h->quality = -1;
    for (unsigned i = 0; i < hm_hash_bits(type) / 8; i++) h->bytes[i] = (uint8_t)test_rand();
}

/* The statistics of an index's current snapshot. */
static inline hm_index_stats test_stats(hm_index *idx) {
    hm_index_stats st;
    memset(&st, 0, sizeof st);
    hm_index_stats_get(idx, &st);
    return st;
}

/* Files of `dir` whose names contain `part` (".tmp.": index temporaries). */
static inline int test_count_files(const char *dir, const char *part) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, part)) n++;
    if (d) closedir(d);
    return n;
}

/* Whole file into memory (test data), NULL on failure. */
static inline unsigned char *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *size = (size_t)n;
    }
    fclose(f);
    return buf;
}

#endif
