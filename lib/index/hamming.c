/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Linear-scan kernels: portable, AVX2 and AVX-512 VPOPCNTDQ.  A
 * single-query scan of a large array is bound by memory bandwidth, so the
 * SIMD kernels aim to keep the loads streaming; the multi-needle kernels
 * (several queries, e.g. the 8 dihedral variants of a PDQ hash, in one
 * pass) trade ALU work for reading the array once.
 *
 * Each kernel is written once.  The SIMD scans (hamming_kernels.h) are
 * compiled per target over a handful of vector operations, defined below
 * with each target's intrinsics: those have no common form (AVX-512 counts
 * bits per lane and compares into a mask register; AVX2 counts nibbles by
 * table lookup, compares signed and gathers the mask by movemask; summing
 * a 256-bit code's lane counts needs each target's own shuffles).  The
 * scalar loop is the portable kernel and, compiled inside each target
 * with POPCNT, the SIMD kernels' tail.
 */
#include "hamming.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HM_X86 1
#include <immintrin.h>
#endif

/* ---- shared by every target ---------------------------------------- */

/* Every needle against every code, one code at a time. */
HM_INLINE size_t scan_scalar(const uint64_t *codes, size_t n,
                             const uint64_t *nd, const unsigned *r,
                             unsigned nq, uint32_t base, hm_hit *out,
                             unsigned words) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t *c = codes + i * words;
        for (unsigned j = 0; j < nq; j++) {
            unsigned d = hm_code_dist(c, nd + (size_t)j * words, words);
            if (d <= r[j]) {
                out[k].idx = base + (uint32_t)i;
                out[k].dist = (uint16_t)d;
                out[k].needle = (uint16_t)j;
                k++;
            }
        }
    }
    return k;
}

/* Emit the lanes of one vector whose bit is set in `mask`, with distances
 * from `dist`: lane b is code idx + b (by_needle 0), or needle needle + b
 * of code idx (by_needle 1, a constant after inlining). */
HM_INLINE size_t emit(hm_hit *out, size_t k, unsigned mask,
                      const uint64_t *dist, uint32_t idx, unsigned needle,
                      const int by_needle) {
    while (mask) {
        const unsigned b = (unsigned)__builtin_ctz(mask);
        mask &= mask - 1;
        out[k].idx = by_needle ? idx : idx + b;
        out[k].dist = (uint16_t)dist[b];
        out[k].needle = (uint16_t)(by_needle ? needle + b : needle);
        k++;
    }
    return k;
}

/* The needles and radii of a multi-needle scan laid out for vector loads:
 * q[w][j] is word w of needle j, r[j] its radius; zeros past the last. */
typedef struct needle_table {
    uint64_t q[4][HM_SCAN_MAX_NEEDLES], r[HM_SCAN_MAX_NEEDLES];
} needle_table;

static inline void needle_table_fill(needle_table *t, const uint64_t *nd,
                                     const unsigned *r, unsigned nq,
                                     unsigned words) {
    memset(t, 0, sizeof *t);
    for (unsigned j = 0; j < nq; j++) {
        for (unsigned w = 0; w < words; w++) t->q[w][j] = nd[(size_t)j * words + w];
        t->r[j] = r[j];
    }
}

/* Of the `width` lanes holding needles first, first + 1, ..., those that
 * hold one of the nq needles, as a mask. */
static inline unsigned lanes_live(unsigned nq, unsigned first,
                                  unsigned width) {
    const unsigned m = nq <= first ? 0 : nq - first;
    return m >= width ? (1u << width) - 1 : (1u << m) - 1;
}

/* ---- portable ------------------------------------------------------ */

static size_t scan64_portable(const uint64_t *codes, size_t n,
                              const uint64_t *nd, const unsigned *r,
                              unsigned nq, uint32_t base, hm_hit *out) {
    return scan_scalar(codes, n, nd, r, nq, base, out, 1);
}

static size_t scan256_portable(const uint64_t *codes, size_t n,
                               const uint64_t *nd, const unsigned *r,
                               unsigned nq, uint32_t base, hm_hit *out) {
    return scan_scalar(codes, n, nd, r, nq, base, out, 4);
}

static const hm_scan_kernels k_portable = {HM_SIMD_PORTABLE, 0,
                                           scan64_portable, scan256_portable};

#ifdef HM_X86

/* ---- AVX2 ---------------------------------------------------------- */

#define T(name) name##_avx2
#define TARGET __attribute__((target("avx2,popcnt")))
#define LEVEL HM_SIMD_AVX2
#define NEED (HM_CPU_AVX2 | HM_CPU_POPCNT)
#define W 4
typedef __m256i vec_avx2;

TARGET HM_INLINE __m256i set1_avx2(uint64_t x) {
    return _mm256_set1_epi64x((long long)x);
}
TARGET HM_INLINE __m256i load_avx2(const uint64_t *p) {
    return _mm256_loadu_si256((const __m256i *)p);
}
TARGET HM_INLINE void store_avx2(uint64_t *p, __m256i v) {
    _mm256_storeu_si256((__m256i *)p, v);
}
#define load4_avx2 load_avx2 /* a 256-bit code fills the vector */

/* Per-64-bit-lane popcount: nibble lookup, then byte sums by vpsadbw. */
TARGET HM_INLINE __m256i popcnt_avx2(__m256i x) {
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3,
                                         2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3,
                                         1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_and_si256(x, low);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low);
    __m256i cnt = _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo),
                                  _mm256_shuffle_epi8(lut, hi));
    return _mm256_sad_epu8(cnt, _mm256_setzero_si256());
}

/* lanes with value <= r, as a 4-bit mask (distances fit a signed compare) */
TARGET HM_INLINE unsigned le_mask_avx2(__m256i d, __m256i r) {
    return (unsigned)_mm256_movemask_pd(
               _mm256_castsi256_pd(_mm256_cmpgt_epi64(d, r))) ^ 0xfu;
}

/* four codes, one per vector: [a01 b01 | a23 b23] ..., then the halves */
TARGET HM_INLINE __m256i sum4_avx2(__m256i s0, __m256i s1, __m256i s2,
                                   __m256i s3) {
    __m256i u = _mm256_add_epi64(_mm256_unpacklo_epi64(s0, s1),
                                 _mm256_unpackhi_epi64(s0, s1));
    __m256i v = _mm256_add_epi64(_mm256_unpacklo_epi64(s2, s3),
                                 _mm256_unpackhi_epi64(s2, s3));
    return _mm256_add_epi64(_mm256_permute2x128_si256(u, v, 0x20),
                            _mm256_permute2x128_si256(u, v, 0x31));
}

#include "hamming_kernels.h"
#undef T
#undef TARGET
#undef LEVEL
#undef NEED
#undef W

/* ---- AVX-512 VPOPCNTDQ --------------------------------------------- */

#define T(name) name##_avx512
#define TARGET __attribute__((target("avx512f,avx512vpopcntdq,popcnt")))
#define LEVEL HM_SIMD_AVX512
#define NEED (HM_CPU_AVX512F | HM_CPU_AVX512VPOPCNTDQ | HM_CPU_POPCNT)
#define W 8
typedef __m512i vec_avx512;

TARGET HM_INLINE __m512i set1_avx512(uint64_t x) {
    return _mm512_set1_epi64((long long)x);
}
TARGET HM_INLINE __m512i load_avx512(const uint64_t *p) {
    return _mm512_loadu_si512(p);
}
TARGET HM_INLINE void store_avx512(uint64_t *p, __m512i v) {
    _mm512_storeu_si512(p, v);
}
TARGET HM_INLINE __m512i load4_avx512(const uint64_t *p) {
    return _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)p));
}
TARGET HM_INLINE __m512i popcnt_avx512(__m512i x) {
    return _mm512_popcnt_epi64(x);
}
TARGET HM_INLINE unsigned le_mask_avx512(__m512i d, __m512i r) {
    return _mm512_cmple_epu64_mask(d, r);
}

/* eight codes, two per vector: pairwise lane sums leave them in lane
 * order 0,2,1,3,4,6,5,7, which one permutation (its own inverse) puts
 * back in code order */
TARGET HM_INLINE __m512i sum4_avx512(__m512i p0, __m512i p1, __m512i p2,
                                     __m512i p3) {
    const __m512i order = _mm512_setr_epi64(0, 2, 1, 3, 4, 6, 5, 7);
    __m512i u = _mm512_add_epi64(_mm512_unpacklo_epi64(p0, p1),
                                 _mm512_unpackhi_epi64(p0, p1));
    __m512i v = _mm512_add_epi64(_mm512_unpacklo_epi64(p2, p3),
                                 _mm512_unpackhi_epi64(p2, p3));
    return _mm512_permutexvar_epi64(
        order, _mm512_add_epi64(
                   _mm512_shuffle_i64x2(u, v, _MM_SHUFFLE(2, 0, 2, 0)),
                   _mm512_shuffle_i64x2(u, v, _MM_SHUFFLE(3, 1, 3, 1))));
}

#include "hamming_kernels.h"
#undef T
#undef TARGET
#undef LEVEL
#undef NEED
#undef W

#endif /* HM_X86 */

static const hm_scan_kernels *const kLevels[HM_SIMD_LEVELS] = {
    [HM_SIMD_PORTABLE] = &k_portable,
#ifdef HM_X86
    [HM_SIMD_AVX2] = &kernels_avx2,
    [HM_SIMD_AVX512] = &kernels_avx512,
#endif
};

const hm_scan_kernels *hm_scan_kernels_level(hm_simd_level level) {
    const hm_scan_kernels *k =
        (unsigned)level < HM_SIMD_LEVELS ? kLevels[level] : NULL;
    return k && hm_simd_usable(level, k->need) ? k : NULL;
}

int hm_scan_usable(hm_simd_level level) {
    return hm_scan_kernels_level(level) != NULL;
}

const hm_scan_kernels *hm_scan_kernels_best(void) {
    return kLevels[hm_simd_best(hm_scan_usable)];
}
