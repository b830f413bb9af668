/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TMK scores, bit for bit as the reference computes them (tmkfv.cpp,
 * lib/vec.cpp; formulas in docs/tmk.md).
 *
 * Level 2 sweeps every offset of every period: K(offset) = a dot product
 * of the two hashes' j = 0 cosine features plus, for j = 1..31,
 * cos(j delta) X_j + sin(j delta) Y_j, where X_j and Y_j are sums and
 * differences of dot products of their j-th features and delta = 2 pi
 * offset / T.  The reference evaluates cos(j delta) and sin(j delta) by an
 * incremental recurrence in float from alpha = 2 sin^2(delta / 2) and
 * beta = sin(delta) (double sines of the float delta, rounded to float).
 * Those two depend only on the offset and the period, so they are
 * tabulated once (31,542 offsets, 250 KB); the sweep then runs 16 to 128
 * offsets at once, one per vector lane, each lane doing the reference's
 * float operations in its order, so every K is the reference's to the
 * bit, as is their maximum.  The kernel is written once with vector
 * extensions and compiled for portable C, AVX2 and AVX-512F.
 */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "../common/simd.h"
#include "tmk.h"

/* Offsets per block of the widest kernel. */
#define LANES 128

static const double kPi = 3.14159265358979323846;

/* ---- the offset tables --------------------------------------------------- */

/* Offsets of each period, padded to whole vectors with copies of the
 * last one (a repeated K leaves the maximum unchanged). */
#define PADDED(T) (((T) + LANES - 1) / LANES * LANES)
#define TABLE_LEN (PADDED(2731) + PADDED(4391) + PADDED(9767) + PADDED(14653))
static float g_alpha[TABLE_LEN], g_beta[TABLE_LEN];
static int g_start[HM_TMK_PERIODS], g_len[HM_TMK_PERIODS];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void tables_init(void) {
    int at = 0;
    for (int p = 0; p < HM_TMK_PERIODS; p++) {
        const int T = hm_tmk_periods[p];
        g_start[p] = at;
        g_len[p] = PADDED(T);
        for (int o = 0; o < g_len[p]; o++) {
            const int off = o < T ? o : T - 1;
            const float delta = (float)(2.0 * kPi * (double)(float)off / (double)(float)T);
            const float half = (float)sin((double)(delta / 2));
            g_beta[at + o] = (float)sin((double)delta);
            g_alpha[at + o] = 2 * half * half;
        }
        at += g_len[p];
    }
}

/* ---- level 1 ------------------------------------------------------------ */

static float dot(const float *a, const float *b) {
    float s = 0.0f;
    for (int k = 0; k < HM_TMK_DIM; k++) s += a[k] * b[k];
    return s;
}

float hm_tmk_level1(const float a[HM_TMK_DIM], const float b[HM_TMK_DIM]) {
    const float na = sqrtf(dot(a, a)), nb = sqrtf(dot(b, b));
    if (na == 0.0f || nb == 0.0f) return 0.0f;
    return dot(a, b) / (na * nb);
}

/* ---- level 2 ------------------------------------------------------------ */

/* The best K over the n offsets of one period (tables from alpha, beta);
 * k0 is K's start (the j = 0 product), x[j], y[j] the weights of
 * cos(j delta) and sin(j delta).  SWEEP(name, W, U, attributes) defines
 * the kernel for vectors of W floats, U of them at once (independent
 * chains, so that the recurrence's latency overlaps); W * U divides
 * LANES. */
typedef float (*sweep_fn)(const float *, const float *, int, float, const float *,
                          const float *);
typedef struct sweep_set {
    sweep_fn fn;
    unsigned need; /* HM_CPU_* features its target needs */
} sweep_set;
#define SWEEP(NAME, W, U, ATTR)                                                              \
    typedef float NAME##_v __attribute__((vector_size((W) * sizeof(float))));              \
    typedef int32_t NAME##_m __attribute__((vector_size((W) * sizeof(int32_t))));          \
    ATTR static float NAME(const float *alpha, const float *beta, int n, float k0,           \
                           const float *x, const float *y) {                                \
        const NAME##_v zero = {0};                                                           \
        NAME##_v best = zero - INFINITY, a[U], b[U], c[U], s[U], k[U];                     \
        for (int o = 0; o < n; o += (W) * (U)) {                                            \
            for (int u = 0; u < (U); u++) {                                                 \
                memcpy(&a[u], alpha + o + u * (W), sizeof a[u]);                            \
                memcpy(&b[u], beta + o + u * (W), sizeof b[u]);                             \
                c[u] = zero + 1.0f;                                                         \
                s[u] = zero;                                                                \
                k[u] = zero + k0;                                                           \
            }                                                                               \
            for (int j = 1; j < HM_TMK_COEFFS; j++)                                         \
                for (int u = 0; u < (U); u++) {                                             \
                    const NAME##_v nc = a[u] * c[u] + b[u] * s[u];                          \
                    const NAME##_v ns = a[u] * s[u] - b[u] * c[u];                          \
                    c[u] = c[u] - nc;                                                       \
                    s[u] = s[u] - ns;                                                       \
                    k[u] = k[u] + c[u] * x[j];                                              \
                    k[u] = k[u] + s[u] * y[j];                                              \
                }                                                                           \
            for (int u = 0; u < (U); u++) {                                                 \
                const NAME##_m more = (NAME##_m)(k[u] > best);                              \
                best = (NAME##_v)(((NAME##_m)k[u] & more) | ((NAME##_m)best & ~more));      \
            }                                                                               \
        }                                                                                   \
        float m = best[0];                                                                  \
        for (int l = 1; l < (W); l++)                                                       \
            if (best[l] > m) m = best[l];                                                   \
        return m;                                                                           \
    }

SWEEP(sweep_c, 4, 4, )
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
SWEEP(sweep_avx2, 8, 4, __attribute__((target("avx2"))))
SWEEP(sweep_avx512, 16, 8, __attribute__((target("avx512f"))))
#endif
/* Indexed by level (simd.h). */
static const sweep_set kSweep[HM_SIMD_LEVELS] = {
    [HM_SIMD_PORTABLE] = {sweep_c, 0},
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    [HM_SIMD_AVX2] = {sweep_avx2, HM_CPU_AVX2},
    [HM_SIMD_AVX512] = {sweep_avx512, HM_CPU_AVX512F},
#endif
};

int hm_tmk_level2_usable(hm_simd_level level) {
    return (unsigned)level < HM_SIMD_LEVELS && kSweep[level].fn &&
           hm_simd_usable(level, kSweep[level].need);
}

/* The reference's normaliser a_0 + 2 sum a_j (float, each step through
 * double): K of a hash against itself at offset 0. */
static float normaliser(void) {
    float n = hm_tmk_coeffs[0];
    for (int j = 1; j < HM_TMK_COEFFS; j++) n = (float)((double)n + 2.0 * hm_tmk_coeffs[j]);
    return n;
}

float hm_tmk_level2_at(const hm_tmk *a, const hm_tmk *b, hm_simd_level level) {
    if (!hm_tmk_level2_usable(level)) return -1.0f;
    pthread_once(&g_once, tables_init);
    float best = 0.0f;
    for (int p = 0; p < HM_TMK_PERIODS; p++) {
        float x[HM_TMK_COEFFS], y[HM_TMK_COEFFS];
        for (int j = 1; j < HM_TMK_COEFFS; j++) {
            x[j] = dot(a->cos[p][j], b->cos[p][j]) + dot(a->sin[p][j], b->sin[p][j]);
            y[j] = dot(a->sin[p][j], b->cos[p][j]) - dot(a->cos[p][j], b->sin[p][j]);
        }
        const float k0 = dot(a->cos[p][0], b->cos[p][0]);
        const float m =
            kSweep[level].fn(g_alpha + g_start[p], g_beta + g_start[p], g_len[p], k0, x, y);
        if (p == 0 || best < m) best = m;
    }
    return best / normaliser();
}

float hm_tmk_level2(const hm_tmk *a, const hm_tmk *b) {
    return hm_tmk_level2_at(a, b, hm_simd_best(hm_tmk_level2_usable));
}
