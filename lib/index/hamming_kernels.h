/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIMD scan kernels, written once: hamming.c includes this file once
 * per target (no include guard), after defining that target's
 *   T(name)      its name for `name` (name##_avx2, ...)
 *   TARGET       the target's function attribute
 *   LEVEL, NEED  its hm_simd_level and the HM_CPU_* features TARGET uses
 *   W            64-bit lanes per vector; T(vec) is the vector type, whose
 *                ^ and + are lane-wise (GCC vector extensions)
 *   T(set1)(x)   x in every lane
 *   T(load)(p), T(store)(p, v)   W words, unaligned
 *   T(load4)(p)  the 4 words of a 256-bit code, in every group of 4 lanes
 *   T(popcnt)(v) per-lane popcount
 *   T(le_mask)(d, r)  lanes with d <= r, as a W-bit mask
 *   T(sum4)(s0, s1, s2, s3)  from the per-word counts of W consecutive
 *                256-bit codes (4 vectors, in memory order), their W
 *                distances in code order
 * and defines T(kernels), the target's hm_scan_kernels.  Codes after the
 * last whole vector go to the scalar loop, compiled here for the target.
 */

/* The scalar loop for the last codes, out of line so that it takes no
 * registers from the vector loops. */
TARGET __attribute__((noinline)) static size_t T(tail)(
    const uint64_t *codes, size_t n, const uint64_t *nd, const unsigned *r,
    unsigned nq, uint32_t base, hm_hit *out, unsigned words) {
    return scan_scalar(codes, n, nd, r, nq, base, out, words);
}

/* Scan n codes of `words` words (1 or 4, a constant after inlining) for
 * one needle (`multi` 0) or several; the contract is hm_scan_fn's.  Each
 * (words, multi) gets its own function (T(scan64) below), so that each
 * loop has the registers to itself. */
TARGET HM_INLINE size_t T(scan)(const uint64_t *codes, size_t n,
                                const uint64_t *nd, const unsigned *r,
                                unsigned nq, uint32_t base, hm_hit *out,
                                const unsigned words, const int multi) {
    size_t k = 0, i = 0;
    uint64_t dist[W];
    if (!multi) {
        /* W codes per step: 64-bit codes one per lane; 256-bit ones
         * W / 4 per vector, their lane counts summed by T(sum4) */
        const T(vec) q = words == 1 ? T(set1)(nd[0]) : T(load4)(nd);
        const T(vec) rr = T(set1)(r[0]);
        for (; i + W <= n; i += W) {
            const uint64_t *p = codes + (size_t)words * i;
            T(vec) d = T(popcnt)(T(load)(p) ^ q);
            if (words == 4) {
                /* (loads in memory order, one statement each) */
                const T(vec) d1 = T(popcnt)(T(load)(p + W) ^ q);
                const T(vec) d2 = T(popcnt)(T(load)(p + 2 * W) ^ q);
                const T(vec) d3 = T(popcnt)(T(load)(p + 3 * W) ^ q);
                d = T(sum4)(d, d1, d2, d3);
            }
            const unsigned m = T(le_mask)(d, rr);
            if (m) {
                T(store)(dist, d);
                k = emit(out, k, m, dist, base + (uint32_t)i, 0, 0);
            }
        }
    } else {
        /* needles in lanes, W at a time (group g: needles W*g ...): q[g][w]
         * holds word w of the group's needles, and each word of a code is
         * broadcast against them */
        enum { G = HM_SCAN_MAX_NEEDLES / W };
        needle_table t;
        T(vec) q[G][4], rr[G];
        unsigned live[G];
        needle_table_fill(&t, nd, r, nq, words);
        /* (loops over groups and words unrolled, so that the vectors stay
         * in registers) */
#pragma GCC unroll 8
        for (int g = 0; g < G; g++) {
#pragma GCC unroll 4
            for (unsigned w = 0; w < words; w++) q[g][w] = T(load)(t.q[w] + W * g);
            rr[g] = T(load)(t.r + W * g);
            live[g] = lanes_live(nq, W * (unsigned)g, W);
        }
        for (; i < n; i++) {
            const uint64_t *c = codes + (size_t)words * i;
            T(vec) cw[4];
#pragma GCC unroll 4
            for (unsigned w = 0; w < words; w++) cw[w] = T(set1)(c[w]);
#pragma GCC unroll 8
            for (int g = 0; g < G; g++) {
                if (g > 0 && !live[g]) continue; /* (group 0 holds needle 0) */
                T(vec) d;
                if (words == 1) d = T(popcnt)(cw[0] ^ q[g][0]);
                else
                    d = (T(popcnt)(cw[0] ^ q[g][0]) + T(popcnt)(cw[1] ^ q[g][1])) +
                        (T(popcnt)(cw[2] ^ q[g][2]) + T(popcnt)(cw[3] ^ q[g][3]));
                const unsigned m = T(le_mask)(d, rr[g]) & live[g];
                if (m) {
                    T(store)(dist, d);
                    k = emit(out, k, m, dist, base + (uint32_t)i,
                             W * (unsigned)g, 1);
                }
            }
        }
    }
    if (i == n) return k;
    return k + T(tail)(codes + (size_t)words * i, n - i, nd, r, nq,
                       base + (uint32_t)i, out + k, words);
}

#define SCAN_FN(name, words, multi)                                          \
    TARGET __attribute__((noinline)) static size_t T(name)(                 \
        const uint64_t *codes, size_t n, const uint64_t *nd,                \
        const unsigned *r, unsigned nq, uint32_t base, hm_hit *out) {       \
        return T(scan)(codes, n, nd, r, nq, base, out, words, multi);       \
    }
SCAN_FN(one64, 1, 0)
SCAN_FN(multi64, 1, 1)
SCAN_FN(one256, 4, 0)
SCAN_FN(multi256, 4, 1)
#undef SCAN_FN

static size_t T(scan64)(const uint64_t *codes, size_t n, const uint64_t *nd,
                        const unsigned *r, unsigned nq, uint32_t base,
                        hm_hit *out) {
    if (nq == 1) return T(one64)(codes, n, nd, r, nq, base, out);
    return T(multi64)(codes, n, nd, r, nq, base, out);
}

static size_t T(scan256)(const uint64_t *codes, size_t n, const uint64_t *nd,
                         const unsigned *r, unsigned nq, uint32_t base,
                         hm_hit *out) {
    if (nq == 1) return T(one256)(codes, n, nd, r, nq, base, out);
    return T(multi256)(codes, n, nd, r, nq, base, out);
}

static const hm_scan_kernels T(kernels) = {LEVEL, NEED, T(scan64),
                                           T(scan256)};
