/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TMK level-1 filter (tmk_filter.h): exact level-1 matches of a query
 * against many known features, streaming 264 bytes per feature instead of
 * the 1,024 of its floats.
 *
 * Compact form.  A feature v (256 floats) is "regular" when every nonzero
 * |v_k| lies in [2^-60, 2^56] (the .tmk reader allows |v_k| <= 65,536;
 * an average with a value below 2^-60 is not expected, and would only
 * cost an exact score on every query).  For a
 * regular nonzero v, in double: u = v / |v| (its direction), the step
 * h = max_k |u_k| / 127 rounded to float, codes c_k = round(u_k / h)
 * clamped to [-127, 127], and E >= |u - c h| (the error's norm, rounded
 * up to float with a margin for the double arithmetic: 1e-12 absolute
 * over errors of ~1e-14).  A zero v gets c = 0, h = 0, E = 0; an
 * irregular one c = 0, h = 0, E = +inf (always scored exactly).
 * The query q, when regular and nonzero, likewise: p = q / |q|, a float
 * step g = max |p_k| / 32767, d_k = round(p_k / g) in [-32767, 32767]
 * (int16), F >= |p - d g| and A >= |d g|, both rounded up.
 *
 * The bound.  Write p = d g + f and u = c h + e (|f| <= F, |e| <= E).
 * Then the exact cosine is
 *     p.u = g h (d.c) + (d g).e + f.u <= g h (d.c) + A E + F
 * (Cauchy-Schwarz, |u| = 1), and d.c is an exact int32 (|d.c| <= 256 *
 * 32767 * 127 < 2^31).  hm_tmk_level1 computes the cosine in float
 * (three dot products of 256 terms summed in some order, two sqrtf, a
 * product and a quotient).  For regular vectors no product underflows
 * (>= 2^-120) and no sum overflows (<= 2^120), and a sum that is
 * subnormal is exact, so the standard error analysis holds with
 * eps = 2^-24 and g_256 = 256 eps / (1 - 256 eps) = 1.53e-5: each dot
 * product is within g_256 |a| |b| of the exact one, the norms' squares
 * within g_256 relatively, and the float score s of a pair whose exact
 * cosine is c satisfies
 *     |s - c| <= |c| (g_256 + 4 eps)
 *                 + g_256 (1 + eps) / ((1 - g_256) (1 - eps)^3)
 *             <= 2 g_256 + 5 eps + (second-order terms, < 1e-9)
 *             < 3.1e-5                                   (|c| <= 1).
 * When either vector is zero, hm_tmk_level1 gives 0, and the bound
 * F + DELTA > 0 holds for it too.  So with DELTA = 2^-14 = 6.1e-5,
 *     s <= g h (d.c) + A E + F + DELTA,
 * and a feature is a candidate when that right-hand side, computed in
 * float as (float)(d.c) * (g * h) + A * E >= threshold - (F + DELTA),
 * reaches the threshold.  Those float operations (seven roundings of
 * terms of magnitude < 2 when |threshold| <= 2, each <= 1.2e-7) stay
 * inside DELTA's headroom of 3e-5 over 3.1e-5; for |threshold| > 2 the
 * outcome cannot change (every regular score is within 1 + 3.1e-5).
 * Candidates are then scored with hm_tmk_level1 itself, so the result is
 * exactly the scan's: no feature is left out, the scores are its bits.
 *
 * A query that is irregular is scored against every feature; a zero one
 * scores 0 against every feature (hm_tmk_level1), so it matches all of
 * them (scanned exactly) when threshold <= 0 and none otherwise.
 *
 * The kernel (the int8 x int16 dot product and the bound) is written once
 * (SCAN below) and compiled for portable C, AVX2 and AVX-512BW; the dot
 * product is an exact integer, so every level gives the same candidates.
 */
#include "tmk_filter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HM_X86 1
#include <immintrin.h>
#endif

#define DELTA 0x1p-14f
#define CODE_MAX 127    /* int8 codes of the features */
#define QUERY_MAX 32767 /* int16 codes of the query */
#define REGULAR_MIN 0x1p-60
#define REGULAR_MAX 0x1p56
#define BLOCK 4096 /* features per kernel call (candidates buffered) */

typedef struct code {
    int8_t c[HM_TMK_DIM];
} code;

struct hm_tmk_filter {
    size_t n;
    float (*avg)[HM_TMK_DIM];
    code *codes;
    float *step; /* h */
    float *err;  /* E */
    size_t cap_avg, cap_codes, cap_step, cap_err;
};

/* ---- compact forms ------------------------------------------------------ */

/* 0: zero, 1: regular and nonzero, -1: irregular (or not finite). */
static int classify(const float *v) {
    int nonzero = 0;
    for (int k = 0; k < HM_TMK_DIM; k++) {
        const double a = fabs((double)v[k]);
        if (a == 0.0) continue;
        if (!(a >= REGULAR_MIN && a <= REGULAR_MAX)) return -1;
        nonzero = 1;
    }
    return nonzero;
}

/* x rounded up to a float, with the margin the double arithmetic needs. */
static float round_up(double x) {
    return nextafterf((float)(x * (1.0 + 1e-12) + 1e-12), INFINITY);
}

/* The direction of a regular nonzero v quantised to codes of at most
 * `max`: out[k] = round(u_k / step), *step and the error bound *err
 * (|u - out step|); *norm_q (if set) >= |out step|.  (The bound holds
 * for any codes, since E is measured: reciprocals stand in for
 * divisions.) */
static void quantise(const float *v, int max, int32_t *out, float *step, float *err,
                     float *norm_q) {
    double u[HM_TMK_DIM], s = 0.0, m = 0.0, e = 0.0, nq = 0.0;
    for (int k = 0; k < HM_TMK_DIM; k++) s += (double)v[k] * v[k];
    s = 1.0 / sqrt(s);
    for (int k = 0; k < HM_TMK_DIM; k++) {
        u[k] = v[k] * s;
        if (fabs(u[k]) > m) m = fabs(u[k]);
    }
    const float h = (float)(m / max);
    const double inv_h = 1.0 / h;
    for (int k = 0; k < HM_TMK_DIM; k++) {
        double c = nearbyint(u[k] * inv_h);
        c = c > max ? max : c < -max ? -max : c;
        out[k] = (int32_t)c;
        e += (u[k] - c * h) * (u[k] - c * h);
        nq += (c * h) * (c * h);
    }
    *step = h;
    *err = round_up(sqrt(e));
    if (norm_q) *norm_q = round_up(sqrt(nq));
}

/* ---- the kernel --------------------------------------------------------- */

/* Candidates among n features (codes, steps, errors) for the query codes
 * q: the positions base + i whose bound reaches `lim` (= threshold - F -
 * DELTA), into out; returns how many. */
typedef size_t (*scan_fn)(const code *codes, const float *step, const float *err, size_t n,
                          const int16_t *q, float g, float a, float lim, uint32_t base,
                          uint32_t *out);
typedef struct scan_set {
    scan_fn fn;
    unsigned need; /* HM_CPU_* features its target needs */
} scan_set;

/* The bound of one feature (the proof above), shared by every target. */
HM_INLINE int reaches(int32_t dc, float h, float e, float g, float a, float lim) {
    return (float)dc * (g * h) + a * e >= lim;
}

/* SCAN(name, dot, attributes): the kernel over a dot product
 * dot(const int8_t *c, const int16_t *q) -> int32_t of the target. */
#define SCAN(NAME, DOT, ATTR)                                                               \
    ATTR __attribute__((noinline)) static size_t NAME(                                      \
        const code *codes, const float *step, const float *err, size_t n, const int16_t *q, \
        float g, float a, float lim, uint32_t base, uint32_t *out) {                        \
        size_t k = 0;                                                                       \
        for (size_t i = 0; i < n; i++)                                                      \
            if (reaches(DOT(codes[i].c, q), step[i], err[i], g, a, lim))                    \
                out[k++] = base + (uint32_t)i;                                              \
        return k;                                                                           \
    }

HM_INLINE int32_t dot_portable(const int8_t *c, const int16_t *q) {
    int32_t s = 0;
    for (int k = 0; k < HM_TMK_DIM; k++) s += (int32_t)q[k] * c[k];
    return s;
}
SCAN(scan_portable, dot_portable, )

#ifdef HM_X86
/* 16 codes widened to int16, times 16 query codes, summed in pairs. */
__attribute__((target("avx2"))) HM_INLINE __m256i madd16_avx2(const int8_t *c,
                                                              const int16_t *q) {
    return _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)c)),
                             _mm256_loadu_si256((const __m256i *)q));
}
__attribute__((target("avx2"))) HM_INLINE int32_t dot_avx2(const int8_t *c,
                                                           const int16_t *q) {
    __m256i s0 = _mm256_setzero_si256(), s1 = s0;
    for (int k = 0; k < HM_TMK_DIM; k += 32) {
        s0 = _mm256_add_epi32(s0, madd16_avx2(c + k, q + k));
        s1 = _mm256_add_epi32(s1, madd16_avx2(c + k + 16, q + k + 16));
    }
    const __m256i s = _mm256_add_epi32(s0, s1);
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
    return _mm_cvtsi128_si32(h);
}
SCAN(scan_avx2, dot_avx2, __attribute__((target("avx2"))))

__attribute__((target("avx512f,avx512bw"))) HM_INLINE __m512i madd32_avx512(const int8_t *c,
                                                                           const int16_t *q) {
    return _mm512_madd_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)c)),
                             _mm512_loadu_si512((const void *)q));
}
__attribute__((target("avx512f,avx512bw"))) HM_INLINE int32_t dot_avx512(const int8_t *c,
                                                                         const int16_t *q) {
    __m512i s0 = _mm512_setzero_si512(), s1 = s0;
    for (int k = 0; k < HM_TMK_DIM; k += 64) {
        s0 = _mm512_add_epi32(s0, madd32_avx512(c + k, q + k));
        s1 = _mm512_add_epi32(s1, madd32_avx512(c + k + 32, q + k + 32));
    }
    return _mm512_reduce_add_epi32(_mm512_add_epi32(s0, s1));
}
SCAN(scan_avx512, dot_avx512, __attribute__((target("avx512f,avx512bw"))))
#endif

/* Indexed by level (simd.h). */
static const scan_set kScan[HM_SIMD_LEVELS] = {
    [HM_SIMD_PORTABLE] = {scan_portable, 0},
#ifdef HM_X86
    [HM_SIMD_AVX2] = {scan_avx2, HM_CPU_AVX2},
    [HM_SIMD_AVX512] = {scan_avx512, HM_CPU_AVX512F | HM_CPU_AVX512BW},
#endif
};

int hm_tmk_filter_usable(hm_simd_level level) {
    return (unsigned)level < HM_SIMD_LEVELS && kScan[level].fn &&
           hm_simd_usable(level, kScan[level].need);
}

/* ---- the set ------------------------------------------------------------ */

hm_tmk_filter *hm_tmk_filter_new(void) { return calloc(1, sizeof(hm_tmk_filter)); }

void hm_tmk_filter_free(hm_tmk_filter *f) {
    if (!f) return;
    free(f->avg);
    free(f->codes);
    free(f->step);
    free(f->err);
    free(f);
}

size_t hm_tmk_filter_count(const hm_tmk_filter *f) { return f->n; }

const float *hm_tmk_filter_avg(const hm_tmk_filter *f, size_t i) { return f->avg[i]; }

size_t hm_tmk_filter_bytes_per_feature(void) {
    return sizeof(float[HM_TMK_DIM]) + sizeof(code) + 2 * sizeof(float);
}

int hm_tmk_filter_reserve(hm_tmk_filter *f, size_t n) {
    if (n > UINT32_MAX)
        return hm_fail(HM_E_INVALID_ARGUMENT, "TMK filter: more than 2^32 - 1 features");
    int st = HM_RESERVE(f->avg, f->cap_avg, n, 1024);
    if (st == HM_OK) st = HM_RESERVE(f->codes, f->cap_codes, n, 1024);
    if (st == HM_OK) st = HM_RESERVE(f->step, f->cap_step, n, 1024);
    if (st == HM_OK) st = HM_RESERVE(f->err, f->cap_err, n, 1024);
    return st == HM_OK ? HM_OK : hm_fail(st, "TMK filter: out of memory for %zu features", n);
}

int hm_tmk_filter_add(hm_tmk_filter *f, const float avg[HM_TMK_DIM]) {
    for (int k = 0; k < HM_TMK_DIM; k++)
        if (!isfinite(avg[k]))
            return hm_fail(HM_E_INVALID_ARGUMENT, "TMK filter: feature value %d is not finite", k);
    if (f->n >= UINT32_MAX)
        return hm_fail(HM_E_INVALID_ARGUMENT, "TMK filter: more than 2^32 - 1 features");
    const int st = hm_tmk_filter_reserve(f, f->n + 1);
    if (st != HM_OK) return st;
    const size_t i = f->n;
    memcpy(f->avg[i], avg, sizeof f->avg[i]);
    memset(&f->codes[i], 0, sizeof f->codes[i]);
    f->step[i] = 0.0f;
    f->err[i] = 0.0f;
    const int kind = classify(avg);
    if (kind < 0) f->err[i] = INFINITY;
    if (kind > 0) {
        int32_t c[HM_TMK_DIM];
        quantise(avg, CODE_MAX, c, &f->step[i], &f->err[i], NULL);
        for (int k = 0; k < HM_TMK_DIM; k++) f->codes[i].c[k] = (int8_t)c[k];
    }
    f->n++;
    return HM_OK;
}

/* ---- queries ------------------------------------------------------------ */

/* A regular nonzero query's compact form: codes d, step g, A >= |d g|,
 * and F + DELTA. */
typedef struct prepared {
    int16_t d[HM_TMK_DIM];
    float g, a, slack;
} prepared;

static void prepare(const float *q, prepared *p) {
    int32_t c[HM_TMK_DIM];
    float fq;
    quantise(q, QUERY_MAX, c, &p->g, &fq, &p->a);
    for (int k = 0; k < HM_TMK_DIM; k++) p->d[k] = (int16_t)c[k];
    p->slack = fq + DELTA;
}

float hm_tmk_filter_bound(const hm_tmk_filter *f, const float q[HM_TMK_DIM], size_t i) {
    if (classify(q) <= 0) return INFINITY;
    prepared p;
    prepare(q, &p);
    const float dc = (float)dot_portable(f->codes[i].c, p.d);
    return dc * (p.g * f->step[i]) + p.a * f->err[i] + p.slack;
}

/* Score feature i exactly; append it when it reaches the threshold. */
static int check(const hm_tmk_filter *f, const float *q, float threshold, size_t i,
                 hm_tmk_l1_hit **hits, size_t *n, size_t *cap) {
    const float s = hm_tmk_level1(q, f->avg[i]);
    if (!(s >= threshold)) return HM_OK;
    if (HM_RESERVE(*hits, *cap, *n + 1, 64) != HM_OK)
        return hm_fail(HM_E_NO_MEMORY, "TMK filter: out of memory for the matches");
    (*hits)[*n].idx = (uint32_t)i;
    (*hits)[*n].level1 = s;
    (*n)++;
    return HM_OK;
}

int hm_tmk_filter_query(const hm_tmk_filter *f, const float q[HM_TMK_DIM], float threshold,
                        hm_simd_level level, hm_tmk_l1_hit **hits, size_t *n, size_t *cap,
                        hm_tmk_filter_stats *st) {
    hm_tmk_filter_stats local;
    if (!st) st = &local;
    memset(st, 0, sizeof *st);
    *n = 0;
    if (!isfinite(threshold))
        return hm_fail(HM_E_INVALID_ARGUMENT, "TMK filter: the threshold is not finite");
    for (int k = 0; k < HM_TMK_DIM; k++)
        if (!isfinite(q[k]))
            return hm_fail(HM_E_INVALID_ARGUMENT, "TMK filter: query value %d is not finite", k);
    if (!hm_tmk_filter_usable(level))
        return hm_fail(HM_E_INVALID_ARGUMENT, "TMK filter: SIMD level %d is not usable here",
                       (int)level);
    const int kind = classify(q);
    if (kind == 0 && threshold > 0.0f) return HM_OK; /* every score is 0 */
    if (kind <= 0) {
        st->exact_scan = 1;
        st->candidates = f->n;
        for (size_t i = 0; i < f->n; i++) {
            const int r = check(f, q, threshold, i, hits, n, cap);
            if (r != HM_OK) return r;
        }
        return HM_OK;
    }
    prepared p;
    prepare(q, &p);
    const float lim = threshold - p.slack;
    uint32_t cand[BLOCK];
    for (size_t at = 0; at < f->n; at += BLOCK) {
        const size_t len = f->n - at < BLOCK ? f->n - at : BLOCK;
        const size_t m = kScan[level].fn(f->codes + at, f->step + at, f->err + at, len, p.d, p.g,
                                         p.a, lim, (uint32_t)at, cand);
        st->candidates += m;
        for (size_t j = 0; j < m; j++) {
            const int r = check(f, q, threshold, cand[j], hits, n, cap);
            if (r != HM_OK) return r;
        }
    }
    return HM_OK;
}
