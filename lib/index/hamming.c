/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Linear-scan kernels: portable, AVX2 and AVX-512 VPOPCNTDQ, the highest
 * usable level taken per query (lib/common/simd.h).  A single-query scan of a large array is bound by memory
 * bandwidth, so the SIMD kernels aim to keep the loads streaming; the
 * multi-needle kernels (several queries, e.g. the 8 dihedral variants of a
 * PDQ hash, in one pass) trade ALU work for reading the array once.
 */
#include "hamming.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HM_X86 1
#include <immintrin.h>
#endif

/* ---- portable ------------------------------------------------------ */

static size_t scan_portable(const uint64_t *codes, size_t n,
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

static size_t scan64_portable(const uint64_t *codes, size_t n,
                              const uint64_t *nd, const unsigned *r,
                              unsigned nq, uint32_t base, hm_hit *out) {
    return scan_portable(codes, n, nd, r, nq, base, out, 1);
}

static size_t scan256_portable(const uint64_t *codes, size_t n,
                               const uint64_t *nd, const unsigned *r,
                               unsigned nq, uint32_t base, hm_hit *out) {
    return scan_portable(codes, n, nd, r, nq, base, out, 4);
}

static const hm_scan_kernels k_portable = {HM_SIMD_PORTABLE, 0,
                                           scan64_portable, scan256_portable};

#ifdef HM_X86

/* Emit the codes of one block whose bit is set in `mask` (bit b = code
 * first + b); distances come from `dist`. */
static inline size_t emit(hm_hit *out, size_t k, unsigned mask,
                          const uint64_t *dist, uint32_t first) {
    while (mask) {
        unsigned b = (unsigned)__builtin_ctz(mask);
        mask &= mask - 1;
        out[k].idx = first + b;
        out[k].dist = (uint16_t)dist[b];
        out[k].needle = 0;
        k++;
    }
    return k;
}

/* ---- AVX2 ---------------------------------------------------------- */

/* Emit code `idx` for every needle whose bit is set in `mask` (needle
 * first + b); distances come from `dist`. */
static inline size_t emit_needles(hm_hit *out, size_t k, unsigned mask,
                                  const uint64_t *dist, uint32_t idx,
                                  unsigned first) {
    while (mask) {
        unsigned b = (unsigned)__builtin_ctz(mask);
        mask &= mask - 1;
        out[k].idx = idx;
        out[k].dist = (uint16_t)dist[b];
        out[k].needle = (uint16_t)(first + b);
        k++;
    }
    return k;
}

#define AVX2 __attribute__((target("avx2,popcnt")))

/* Per-64-bit-lane popcount: nibble lookup, then byte sums by vpsadbw. */
AVX2 static inline __m256i popcnt64_avx2(__m256i x) {
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

/* lanes with value <= r, as a 4-bit mask */
AVX2 static inline unsigned le_mask_avx2(__m256i d, __m256i r) {
    return (unsigned)_mm256_movemask_pd(
               _mm256_castsi256_pd(_mm256_cmpgt_epi64(d, r))) ^ 0xfu;
}

AVX2 static size_t scan64_avx2(const uint64_t *codes, size_t n,
                               const uint64_t *nd, const unsigned *r,
                               unsigned nq, uint32_t base, hm_hit *out) {
    size_t k = 0, i = 0;
    uint64_t dist[4];
    if (nq == 1) {
        const __m256i q = _mm256_set1_epi64x((long long)nd[0]);
        const __m256i rr = _mm256_set1_epi64x(r[0]);
        for (; i + 4 <= n; i += 4) {
            __m256i c = _mm256_loadu_si256((const __m256i *)(codes + i));
            __m256i d = popcnt64_avx2(_mm256_xor_si256(c, q));
            unsigned m = le_mask_avx2(d, rr);
            if (m) {
                _mm256_storeu_si256((__m256i *)dist, d);
                k = emit(out, k, m, dist, base + (uint32_t)i);
            }
        }
    } else {
        /* needles in lanes, four at a time; each code broadcast */
        __m256i q[2], rr[2];
        uint64_t tq[8] = {0}, tr[8] = {0};
        for (unsigned j = 0; j < nq; j++) {
            tq[j] = nd[j];
            tr[j] = r[j];
        }
        for (int h = 0; h < 2; h++) {
            q[h] = _mm256_loadu_si256((const __m256i *)(tq + 4 * h));
            rr[h] = _mm256_loadu_si256((const __m256i *)(tr + 4 * h));
        }
        /* lanes past the last needle are masked out */
        const unsigned live[2] = {nq >= 4 ? 0xfu : (1u << nq) - 1,
                                  nq >= 8 ? 0xfu
                                  : nq > 4 ? (1u << (nq - 4)) - 1
                                           : 0};
        for (; i < n; i++) {
            __m256i c = _mm256_set1_epi64x((long long)codes[i]);
            for (int h = 0; h < 2; h++) {
                if (!live[h]) continue;
                __m256i d = popcnt64_avx2(_mm256_xor_si256(c, q[h]));
                unsigned m = le_mask_avx2(d, rr[h]) & live[h];
                if (m) {
                    _mm256_storeu_si256((__m256i *)dist, d);
                    k = emit_needles(out, k, m, dist, base + (uint32_t)i, 4u * (unsigned)h);
                }
            }
        }
        return k;
    }
    return k + scan64_portable(codes + i, n - i, nd, r, nq, base + (uint32_t)i,
                               out + k);
}

AVX2 static size_t scan256_avx2(const uint64_t *codes, size_t n,
                                const uint64_t *nd, const unsigned *r,
                                unsigned nq, uint32_t base, hm_hit *out) {
    size_t k = 0, i = 0;
    uint64_t dist[4];
    if (nq == 1) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)nd);
        const __m256i rr = _mm256_set1_epi64x(r[0]);
        for (; i + 4 <= n; i += 4) {
            const __m256i *p = (const __m256i *)(codes + 4 * i);
            __m256i s0 = popcnt64_avx2(_mm256_xor_si256(_mm256_loadu_si256(p), q));
            __m256i s1 = popcnt64_avx2(_mm256_xor_si256(_mm256_loadu_si256(p + 1), q));
            __m256i s2 = popcnt64_avx2(_mm256_xor_si256(_mm256_loadu_si256(p + 2), q));
            __m256i s3 = popcnt64_avx2(_mm256_xor_si256(_mm256_loadu_si256(p + 3), q));
            /* sum the four lanes of each code: [a01 b01 | a23 b23] ... */
            __m256i u = _mm256_add_epi64(_mm256_unpacklo_epi64(s0, s1),
                                         _mm256_unpackhi_epi64(s0, s1));
            __m256i v = _mm256_add_epi64(_mm256_unpacklo_epi64(s2, s3),
                                         _mm256_unpackhi_epi64(s2, s3));
            __m256i d = _mm256_add_epi64(_mm256_permute2x128_si256(u, v, 0x20),
                                         _mm256_permute2x128_si256(u, v, 0x31));
            unsigned m = le_mask_avx2(d, rr);
            if (m) {
                _mm256_storeu_si256((__m256i *)dist, d);
                k = emit(out, k, m, dist, base + (uint32_t)i);
            }
        }
    }
    /* several needles: the portable loop is already ALU-bound per code,
     * and AVX2 has no per-lane popcount; remaining codes likewise */
    return k + scan256_portable(codes + 4 * i, n - i, nd, r, nq,
                                base + (uint32_t)i, out + k);
}

static const hm_scan_kernels k_avx2 = {
    HM_SIMD_AVX2, HM_CPU_AVX2 | HM_CPU_POPCNT, scan64_avx2, scan256_avx2};

/* ---- AVX-512 VPOPCNTDQ --------------------------------------------- */

#define AVX512 __attribute__((target("avx512f,avx512vpopcntdq,popcnt")))

AVX512 static size_t scan64_avx512(const uint64_t *codes, size_t n,
                                   const uint64_t *nd, const unsigned *r,
                                   unsigned nq, uint32_t base, hm_hit *out) {
    size_t k = 0, i = 0;
    uint64_t dist[8];
    if (nq == 1) {
        const __m512i q = _mm512_set1_epi64((long long)nd[0]);
        const __m512i rr = _mm512_set1_epi64(r[0]);
        for (; i + 8 <= n; i += 8) {
            __m512i d = _mm512_popcnt_epi64(
                _mm512_xor_si512(_mm512_loadu_si512(codes + i), q));
            unsigned m = _mm512_cmple_epu64_mask(d, rr);
            if (m) {
                _mm512_storeu_si512(dist, d);
                k = emit(out, k, m, dist, base + (uint32_t)i);
            }
        }
    } else {
        uint64_t tq[8] = {0}, tr[8] = {0};
        for (unsigned j = 0; j < nq; j++) {
            tq[j] = nd[j];
            tr[j] = r[j];
        }
        const __m512i q = _mm512_loadu_si512(tq);
        const __m512i rr = _mm512_loadu_si512(tr);
        const unsigned live = (1u << nq) - 1;
        for (; i < n; i++) {
            __m512i d = _mm512_popcnt_epi64(
                _mm512_xor_si512(_mm512_set1_epi64((long long)codes[i]), q));
            unsigned m = _mm512_cmple_epu64_mask(d, rr) & live;
            if (m) {
                _mm512_storeu_si512(dist, d);
                k = emit_needles(out, k, m, dist, base + (uint32_t)i, 0);
            }
        }
    }
    return k + scan64_portable(codes + i, n - i, nd, r, nq, base + (uint32_t)i,
                               out + k);
}

AVX512 static size_t scan256_avx512(const uint64_t *codes, size_t n,
                                    const uint64_t *nd, const unsigned *r,
                                    unsigned nq, uint32_t base, hm_hit *out) {
    size_t k = 0, i = 0;
    uint64_t dist[8];
    if (nq == 1) {
        /* eight codes = four registers of two codes each; pairwise lane
         * sums leave the codes in lane order 0,2,1,3,4,6,5,7, which one
         * permutation (its own inverse) puts back in code order */
        const __m512i order = _mm512_setr_epi64(0, 2, 1, 3, 4, 6, 5, 7);
        const __m512i q = _mm512_broadcast_i64x4(
            _mm256_loadu_si256((const __m256i *)nd));
        const __m512i rr = _mm512_set1_epi64(r[0]);
        for (; i + 8 <= n; i += 8) {
            const uint64_t *p = codes + 4 * i;
            __m512i p0 = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(p), q));
            __m512i p1 = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(p + 8), q));
            __m512i p2 = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(p + 16), q));
            __m512i p3 = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(p + 24), q));
            __m512i u = _mm512_add_epi64(_mm512_unpacklo_epi64(p0, p1),
                                         _mm512_unpackhi_epi64(p0, p1));
            __m512i v = _mm512_add_epi64(_mm512_unpacklo_epi64(p2, p3),
                                         _mm512_unpackhi_epi64(p2, p3));
            __m512i d = _mm512_permutexvar_epi64(
                order, _mm512_add_epi64(
                           _mm512_shuffle_i64x2(u, v, _MM_SHUFFLE(2, 0, 2, 0)),
                           _mm512_shuffle_i64x2(u, v, _MM_SHUFFLE(3, 1, 3, 1))));
            unsigned m = _mm512_cmple_epu64_mask(d, rr);
            if (m) {
                _mm512_storeu_si512(dist, d);
                k = emit(out, k, m, dist, base + (uint32_t)i);
            }
        }
    } else {
        /* needles "vertical": register w holds word w of every needle;
         * each code's words are broadcast against them */
        uint64_t tq[4][8] = {{0}}, tr[8] = {0};
        for (unsigned j = 0; j < nq; j++) {
            for (int w = 0; w < 4; w++) tq[w][j] = nd[4 * j + w];
            tr[j] = r[j];
        }
        const __m512i q0 = _mm512_loadu_si512(tq[0]), q1 = _mm512_loadu_si512(tq[1]);
        const __m512i q2 = _mm512_loadu_si512(tq[2]), q3 = _mm512_loadu_si512(tq[3]);
        const __m512i rr = _mm512_loadu_si512(tr);
        const unsigned live = (1u << nq) - 1;
        for (; i < n; i++) {
            const uint64_t *c = codes + 4 * i;
            __m512i d = _mm512_add_epi64(
                _mm512_add_epi64(
                    _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_set1_epi64((long long)c[0]), q0)),
                    _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_set1_epi64((long long)c[1]), q1))),
                _mm512_add_epi64(
                    _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_set1_epi64((long long)c[2]), q2)),
                    _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_set1_epi64((long long)c[3]), q3))));
            unsigned m = _mm512_cmple_epu64_mask(d, rr) & live;
            if (m) {
                _mm512_storeu_si512(dist, d);
                k = emit_needles(out, k, m, dist, base + (uint32_t)i, 0);
            }
        }
    }
    return k + scan256_portable(codes + 4 * i, n - i, nd, r, nq,
                                base + (uint32_t)i, out + k);
}

static const hm_scan_kernels k_avx512 = {
    HM_SIMD_AVX512, HM_CPU_AVX512F | HM_CPU_AVX512VPOPCNTDQ | HM_CPU_POPCNT,
    scan64_avx512, scan256_avx512};

#endif /* HM_X86 */

static const hm_scan_kernels *const kLevels[HM_SIMD_LEVELS] = {
    [HM_SIMD_PORTABLE] = &k_portable,
#ifdef HM_X86
    [HM_SIMD_AVX2] = &k_avx2,
    [HM_SIMD_AVX512] = &k_avx512,
#endif
};

const hm_scan_kernels *hm_scan_kernels_level(hm_simd_level level) {
    const hm_scan_kernels *k =
        (unsigned)level < HM_SIMD_LEVELS ? kLevels[level] : NULL;
    return k && hm_simd_usable(level, k->need) ? k : NULL;
}

const hm_scan_kernels *hm_scan_kernels_best(void) {
    int l = HM_SIMD_LEVELS - 1;
    while (!hm_scan_kernels_level((hm_simd_level)l)) l--; /* portable: always */
    return kLevels[l];
}
