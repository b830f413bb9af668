/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scan kernels (lib/index/hamming.c) of one SIMD level (argv[1]; without
 * it, every level usable here; see test_simd.h): they must return exactly
 * what a plain loop over codes and needles returns, hits in the same
 * order, for 64- and 256-bit codes, one to eight needles, array lengths
 * that are not multiples of the vector width, and radii from 0 to all
 * bits.  Linked against the static library to reach the internal kernels.
 */
#include <stdint.h>

#include "index/hamming.h"
#include "test_simd.h"
#include "test_util.h"

/* The oracle: every needle against every code, in code order. */
static size_t brute(const uint64_t *codes, size_t n, unsigned words,
                    const uint64_t *nd, const unsigned *r, unsigned nq,
                    uint32_t base, hm_hit *out) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (unsigned j = 0; j < nq; j++) {
            unsigned d = 0;
            for (unsigned w = 0; w < words; w++)
                d += (unsigned)__builtin_popcountll(codes[i * words + w] ^
                                                    nd[j * words + w]);
            if (d <= r[j]) out[k++] = (hm_hit){base + (uint32_t)i, (uint16_t)d, (uint16_t)j};
        }
    return k;
}

static int same(const hm_hit *a, size_t na, const hm_hit *b, size_t nb) {
    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i].idx != b[i].idx || a[i].dist != b[i].dist || a[i].needle != b[i].needle)
            return 0;
    return 1;
}

int main(int argc, char **argv) {
    hm_simd_level levels[HM_SIMD_LEVELS];
    const int nlevels = test_simd_levels("test_hamming", argc > 1 ? argv[1] : NULL,
                                         hm_scan_usable, levels);
    const size_t n = 1000;
    uint64_t *codes = malloc(n * 4 * sizeof *codes);
    hm_hit *want = malloc(n * 8 * sizeof *want), *got = malloc(n * 8 * sizeof *got);
    size_t hits = 0;
    for (int li = 0; li < nlevels; li++) {
        const hm_scan_kernels *k = hm_scan_kernels_level(levels[li]);
        const char *name = hm_simd_name(levels[li]);
        CHECK(k != NULL && k->level == levels[li]);
        if (!k) continue;
        printf("level %s\n", name);
        for (unsigned words = 1; words <= 4; words += 3) {
            const unsigned bits = 64u * words;
            hm_scan_fn f = words == 1 ? k->scan64 : k->scan256;
            for (int trial = 0; trial < 60; trial++) {
                const size_t len = (size_t)(test_rand() % n);
                const unsigned nq = 1 + (unsigned)(test_rand() % 8);
                uint64_t nd[32];
                unsigned r[8];
                for (size_t i = 0; i < len * words; i++) codes[i] = test_rand();
                for (unsigned j = 0; j < nq * words; j++) nd[j] = test_rand();
                /* plant near and exact copies of the needles */
                for (size_t i = 0; i < len; i += 7) {
                    unsigned j = (unsigned)(test_rand() % nq);
                    for (unsigned w = 0; w < words; w++)
                        codes[i * words + w] = nd[j * words + w] ^ (test_rand() & test_rand() & test_rand());
                }
                for (unsigned j = 0; j < nq; j++)
                    r[j] = trial % 5 == 4 ? bits : (unsigned)(test_rand() % (bits / 2));
                size_t nw = brute(codes, len, words, nd, r, nq, 5, want);
                size_t ng = f(codes, len, nd, r, nq, 5, got);
                hits += nw;
                if (!same(want, nw, got, ng))
                    fprintf(stderr, "%s: %u-bit, %zu codes, %u needles differ\n",
                            name, bits, len, nq);
                CHECK(same(want, nw, got, ng));
            }
        }
    }
    CHECK(nlevels >= 1);
    CHECK(hits > 0); /* the planted copies were found */
    /* the best set is the highest usable level */
    const hm_scan_kernels *best = hm_scan_kernels_best();
    CHECK(best != NULL);
    for (int l = best->level + 1; l < HM_SIMD_LEVELS; l++)
        CHECK(hm_scan_kernels_level((hm_simd_level)l) == NULL);
    printf("best kernels: %s\n", hm_simd_name(best->level));
    free(codes);
    free(want);
    free(got);
    return test_summary("test_hamming");
}
