/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scan kernels (lib/index/hamming.c): every SIMD level the CPU has must
 * return exactly what the portable kernel returns, for 64- and 256-bit
 * codes, one to eight needles, array lengths that are not multiples of the
 * vector width, and radii from 0 to all bits.  Linked against the static
 * library to reach the internal kernels.
 */
#include <stdint.h>

#include "../lib/index/hamming.h"
#include "test_util.h"

static int same(const hm_hit *a, size_t na, const hm_hit *b, size_t nb) {
    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i].idx != b[i].idx || a[i].dist != b[i].dist || a[i].needle != b[i].needle)
            return 0;
    return 1;
}

int main(void) {
    const hm_scan_kernels *ref = hm_scan_kernels_level(HM_SIMD_PORTABLE);
    const size_t n = 1000;
    uint64_t *codes = malloc(n * 4 * sizeof *codes);
    hm_hit *want = malloc(n * 8 * sizeof *want), *got = malloc(n * 8 * sizeof *got);
    int levels = 0;
    for (int l = HM_SIMD_PORTABLE; l <= HM_SIMD_AVX512; l++) {
        const hm_scan_kernels *k = hm_scan_kernels_level((hm_simd_level)l);
        if (!k) {
            printf("level %s: not usable here\n", hm_simd_name(l));
            continue;
        }
        levels++;
        for (int words = 1; words <= 4; words += 3) {
            const unsigned bits = 64u * (unsigned)words;
            hm_scan_fn f = words == 1 ? k->scan64 : k->scan256;
            hm_scan_fn fr = words == 1 ? ref->scan64 : ref->scan256;
            for (int trial = 0; trial < 60; trial++) {
                const size_t len = (size_t)(test_rand() % n);
                const unsigned nq = 1 + (unsigned)(test_rand() % 8);
                uint64_t nd[32];
                unsigned r[8];
                for (size_t i = 0; i < len * (size_t)words; i++) codes[i] = test_rand();
                for (unsigned j = 0; j < nq * (unsigned)words; j++) nd[j] = test_rand();
                /* plant near and exact copies of the needles */
                for (size_t i = 0; i < len; i += 7) {
                    unsigned j = (unsigned)(test_rand() % nq);
                    for (int w = 0; w < words; w++)
                        codes[i * words + w] = nd[j * words + w] ^ (test_rand() & test_rand() & test_rand());
                }
                for (unsigned j = 0; j < nq; j++)
                    r[j] = trial % 5 == 4 ? bits : (unsigned)(test_rand() % (bits / 2));
                size_t nw = fr(codes, len, nd, r, nq, 5, want);
                size_t ng = f(codes, len, nd, r, nq, 5, got);
                if (!same(want, nw, got, ng))
                    fprintf(stderr, "%s: %u-bit, %zu codes, %u needles differ\n",
                            hm_simd_name(k->level), bits, len, nq);
                CHECK(same(want, nw, got, ng));
            }
        }
    }
    CHECK(levels >= 1);
    CHECK(hm_scan_kernels_best() != NULL);
    printf("best kernels: %s\n", hm_simd_name(hm_scan_kernels_best()->level));
    free(codes);
    free(want);
    free(got);
    return test_summary("test_hamming");
}
