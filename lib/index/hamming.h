/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hamming-distance kernels for the index: linear scans of packed codes
 * (64-bit codes as one uint64_t, 256-bit codes as four) against one query
 * or up to HM_SCAN_MAX_NEEDLES queries at once.
 *
 * Each kernel exists as portable C, AVX2 (vpshufb nibble counts + vpsadbw)
 * and AVX-512 VPOPCNTDQ; hm_scan_kernels_best() returns the best set this
 * CPU runs and HM_SIMD allows (lib/common/simd.h: where and when the level
 * is chosen, and the HM_SIMD cap).
 */
#ifndef HM_INDEX_HAMMING_H
#define HM_INDEX_HAMMING_H

#include <stddef.h>
#include <stdint.h>

#include "../common/simd.h"

#define HM_SCAN_MAX_NEEDLES 8

/* A code within the radius: its position in the scanned array and its
 * distance; multi-needle scans put the needle number in `needle`. */
typedef struct hm_hit {
    uint32_t idx;
    uint16_t dist;
    uint16_t needle;
} hm_hit;

/*
 * Scan `n` codes of `words` uint64_t each (1 or 4) and write every code
 * whose distance to needle j is <= r[j] to `out`, which must hold
 * n * nq hits.  Returns the number written.  Hits come in code order
 * (needle order within a code).  `base` is added to every idx.
 */
typedef size_t (*hm_scan_fn)(const uint64_t *codes, size_t n,
                             const uint64_t *needles, const unsigned *r,
                             unsigned nq, uint32_t base, hm_hit *out);

typedef struct hm_scan_kernels {
    hm_simd_level level;
    unsigned need;      /* HM_CPU_* features the kernels use */
    hm_scan_fn scan64;  /* 1 word per code */
    hm_scan_fn scan256; /* 4 words per code */
} hm_scan_kernels;

/* The kernels of the highest usable level.  Thread-safe. */
const hm_scan_kernels *hm_scan_kernels_best(void);
/* 1 when the kernels of `level` are usable (hm_scan_kernels_level). */
int hm_scan_usable(hm_simd_level level);
/* The kernels of a given level, or NULL when they are not usable (the
 * build or the CPU lacks them, or HM_SIMD caps the level below).  Used by
 * tests and benchmarks. */
const hm_scan_kernels *hm_scan_kernels_level(hm_simd_level level);

/* Distance of two codes of `words` words. */
static inline unsigned hm_code_dist(const uint64_t *a, const uint64_t *b,
                                    unsigned words) {
    unsigned d = 0;
    for (unsigned i = 0; i < words; i++)
        d += (unsigned)__builtin_popcountll(a[i] ^ b[i]);
    return d;
}

#endif
