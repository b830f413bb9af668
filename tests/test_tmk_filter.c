/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TMK level-1 filter (lib/tmk/tmk_filter.c) at one SIMD level
 * (argv[1]; ctest runs test_tmk_filter_<level>, a level this machine
 * cannot run is skipped: test_simd.h).  Every query's matches must be
 * exactly those of a scan of every feature with hm_tmk_level1, in order,
 * with its score bits, and the level's candidates those of the portable
 * kernel:
 *  - the 14 reference hashes' level-1 features (tests/data/tmk) and
 *    mixtures of them, at the usual thresholds and at every pair's own
 *    score (ties) and its neighbouring floats;
 *  - random features, and features built to score within a few float
 *    steps of the threshold (the bound's margin is what decides them);
 *  - features whose quantisation error is as large as it gets;
 *  - zero features and queries, features and queries outside the range
 *    the bound covers (scored exactly), a score that is NaN;
 *  - invalid arguments refused; the bound filters (few candidates).
 */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_simd.h"
#include "test_util.h"
#include "tmk/tmk_filter.h"

#define D HM_TMK_DIM

/* The reference hashes' level-1 features (every .tmk file of the
 * directory: the 14 videos of tests/data/tmk). */
#define NVIDEOS 14
static float g_real[NVIDEOS][D];

static hm_simd_level g_level;
static hm_tmk_l1_hit *g_hits, *g_port;
static size_t g_cap, g_port_cap;
static long g_queries, g_candidates, g_features;
static double g_max_slack; /* largest bound - score seen (finite bounds) */

/* Uniform in [-1, 1). */
static double uni(void) { return (double)(test_rand() >> 11) * 0x1p-52 - 1.0; }

static void load_real(void) {
    char dir[1024], p[1400];
    snprintf(dir, sizeof dir, "%s/tmk/expected/tmk", HM_TEST_DATA);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    size_t n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        const size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".tmk") != 0) continue;
        size_t size = 0;
        int32_t frames = 0;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unsigned char *b = read_all(p, &size);
        CHECK(n < NVIDEOS && b &&
              hm_tmk_read_level1(b, size, &frames, g_real[n < NVIDEOS ? n : 0]) == HM_OK);
        free(b);
        n++;
    }
    if (d) closedir(d);
    CHECK_INT((int)n, NVIDEOS);
}

/* The query against the brute-force scan, at the level under test and
 * (for the candidates) at the portable level.  Returns the matches. */
static size_t check_query(const hm_tmk_filter *f, const float *q, float thr) {
    size_t n = 0, np = 0;
    hm_tmk_filter_stats st, sp;
    CHECK_INT(hm_tmk_filter_query(f, q, thr, g_level, &g_hits, &n, &g_cap, &st), HM_OK);
    CHECK_INT(hm_tmk_filter_query(f, q, thr, HM_SIMD_PORTABLE, &g_port, &np, &g_port_cap, &sp),
              HM_OK);
    CHECK(st.candidates == sp.candidates && st.exact_scan == sp.exact_scan);
    CHECK(n <= st.candidates);
    size_t k = 0;
    int same = 1, bounded = 1;
    for (size_t i = 0; i < hm_tmk_filter_count(f); i++) {
        const float s = hm_tmk_level1(q, hm_tmk_filter_avg(f, i));
        /* the bound holds for every pair (a NaN score is never a match) */
        const float b = hm_tmk_filter_bound(f, q, i);
        if (!(b >= s) && !isnan(s)) bounded = 0;
        if (isfinite(b) && b - s > g_max_slack) g_max_slack = b - s;
        if (!(s >= thr)) continue;
        if (k >= n || g_hits[k].idx != i || memcmp(&g_hits[k].level1, &s, sizeof s) != 0)
            same = 0;
        k++;
    }
    CHECK(same && k == n);
    CHECK(bounded);
    if (!same || k != n)
        fprintf(stderr, "  threshold %.9g: %zu matches, the scan %zu\n", (double)thr, n, k);
    for (size_t i = 0; i < n; i++) CHECK(isfinite(g_hits[i].level1)); /* NaN-free */
    g_queries++;
    g_candidates += (long)st.candidates;
    g_features += (long)hm_tmk_filter_count(f);
    return n;
}

/* The real features and 200 mixtures of them (with some noise). */
static void test_real(void) {
    hm_tmk_filter *f = hm_tmk_filter_new();
    CHECK(f != NULL);
    for (size_t i = 0; i < NVIDEOS; i++) CHECK_INT(hm_tmk_filter_add(f, g_real[i]), HM_OK);
    for (int m = 0; m < 200; m++) {
        float v[D];
        const size_t a = test_rand() % NVIDEOS, b = test_rand() % NVIDEOS;
        const double w = uni(), noise = 0.3 * fabs(uni());
        for (int k = 0; k < D; k++)
            v[k] = (float)(g_real[a][k] + w * g_real[b][k] + noise * 20.0 * uni());
        CHECK_INT(hm_tmk_filter_add(f, v), HM_OK);
    }
    const float fixed[] = {0.7f, 0.9f, 0.5f, 0.0f, -1.0f, 1.0f, 0.99f, -0.05f};
    for (size_t q = 0; q < NVIDEOS; q++) {
        for (size_t t = 0; t < sizeof fixed / sizeof fixed[0]; t++)
            check_query(f, g_real[q], fixed[t]);
        /* ties: each feature's own score as the threshold, and the floats
         * around it */
        for (size_t i = 0; i < hm_tmk_filter_count(f); i += 7) {
            const float s = hm_tmk_level1(g_real[q], hm_tmk_filter_avg(f, i));
            const size_t n = check_query(f, g_real[q], s);
            CHECK(n >= 1);
            check_query(f, g_real[q], nextafterf(s, 2.0f));
            check_query(f, g_real[q], nextafterf(s, -2.0f));
        }
    }
    hm_tmk_filter_free(f);
}

/* A unit vector orthogonal to the unit vector p (double). */
static void orthogonal(const double *p, double *w) {
    double dot = 0.0, n = 0.0;
    for (int k = 0; k < D; k++) w[k] = uni();
    for (int k = 0; k < D; k++) dot += w[k] * p[k];
    for (int k = 0; k < D; k++) w[k] -= dot * p[k];
    for (int k = 0; k < D; k++) n += w[k] * w[k];
    for (int k = 0; k < D; k++) w[k] /= sqrt(n);
}

/* Random features (DCT-like: magnitudes falling with the index) and, for
 * a query, features at cosines within a few float steps of thresholds. */
static void test_near_threshold(void) {
    hm_tmk_filter *f = hm_tmk_filter_new();
    CHECK(f != NULL);
    CHECK_INT(hm_tmk_filter_reserve(f, 6000), HM_OK);
    float q[D], v[D];
    for (int i = 0; i < 3000; i++) {
        for (int k = 0; k < D; k++) v[k] = (float)(uni() * 3000.0 / (1.0 + k / 8.0));
        CHECK_INT(hm_tmk_filter_add(f, v), HM_OK);
    }
    for (int k = 0; k < D; k++) q[k] = (float)(uni() * 3000.0 / (1.0 + k / 8.0));
    double p[D], w[D], n = 0.0;
    for (int k = 0; k < D; k++) n += (double)q[k] * q[k];
    for (int k = 0; k < D; k++) p[k] = q[k] / sqrt(n);
    const double targets[] = {0.7, 0.9, 0.5, 0.95};
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++)
        for (int j = -300; j <= 300; j++) {
            const double c = targets[t] + j * 0x1p-24, s = sqrt(1.0 - c * c);
            const double scale = 10.0 + 5000.0 * fabs(uni());
            orthogonal(p, w);
            for (int k = 0; k < D; k++) v[k] = (float)(scale * (c * p[k] + s * w[k]));
            CHECK_INT(hm_tmk_filter_add(f, v), HM_OK);
        }
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        const float thr = (float)targets[t];
        CHECK(check_query(f, q, thr) > 100);
        for (int j = -40; j <= 40; j += 3) check_query(f, q, thr + (float)j * 0x1p-24f);
    }
    /* the bound is tight: every candidate scores within 0.05 of 0.7 */
    hm_tmk_filter_stats st;
    size_t nh = 0, near = 0;
    CHECK_INT(hm_tmk_filter_query(f, q, 0.7f, g_level, &g_hits, &nh, &g_cap, &st), HM_OK);
    for (size_t i = 0; i < hm_tmk_filter_count(f); i++)
        near += hm_tmk_level1(q, hm_tmk_filter_avg(f, i)) >= 0.65f;
    CHECK(st.candidates <= near && near < hm_tmk_filter_count(f) / 2);
    /* random queries, thresholds at the features' scores (ties) */
    for (int r = 0; r < 20; r++) {
        for (int k = 0; k < D; k++) q[k] = (float)(uni() * 3000.0 / (1.0 + k / 8.0));
        const size_t i = test_rand() % hm_tmk_filter_count(f);
        check_query(f, q, hm_tmk_level1(q, hm_tmk_filter_avg(f, i)));
        check_query(f, q, 0.1f);
    }
    hm_tmk_filter_free(f);
}

/* Features whose every code is half a step off (the largest error), and
 * queries along them. */
static void test_worst_error(void) {
    hm_tmk_filter *f = hm_tmk_filter_new();
    CHECK(f != NULL);
    float v[D], q[D];
    for (int i = 0; i < 500; i++) {
        /* odd values under a largest of 254: every code about half a
         * step off */
        for (int k = 1; k < D; k++) v[k] = (float)(2 * (int)(test_rand() % 254) - 253);
        v[0] = 254.0f;
        CHECK_INT(hm_tmk_filter_add(f, v), HM_OK);
    }
    for (int r = 0; r < 30; r++) {
        const float *base = hm_tmk_filter_avg(f, test_rand() % 500);
        for (int k = 0; k < D; k++) q[k] = base[k] + (float)(uni() * 60.0);
        for (int t = 0; t < 10; t++) {
            const float thr = hm_tmk_level1(q, hm_tmk_filter_avg(f, test_rand() % 500));
            check_query(f, q, thr);
        }
        check_query(f, q, 0.7f);
    }
    hm_tmk_filter_free(f);
}

/* Zero features and queries; values outside the bound's range; NaN. */
static void test_special(void) {
    hm_tmk_filter *f = hm_tmk_filter_new();
    CHECK(f != NULL);
    float z[D] = {0}, tiny[D] = {0}, huge[D], q[D];
    tiny[3] = 1e-30f;
    tiny[0] = 100.0f;
    for (int k = 0; k < D; k++) huge[k] = 1e30f; /* squares overflow */
    for (int k = 0; k < D; k++) q[k] = (float)uni() * 100.0f;
    q[0] = 100.0f;
    CHECK_INT(hm_tmk_filter_add(f, z), HM_OK);
    CHECK_INT(hm_tmk_filter_add(f, q), HM_OK);
    CHECK_INT(hm_tmk_filter_add(f, tiny), HM_OK);
    CHECK_INT(hm_tmk_filter_add(f, huge), HM_OK);
    for (size_t i = 0; i < NVIDEOS; i++) CHECK_INT(hm_tmk_filter_add(f, g_real[i]), HM_OK);
    CHECK(isnan(hm_tmk_level1(huge, huge))); /* inf / inf */
    const float thrs[] = {0.7f, 0.0f, -0.5f, 0.01f, 1e-6f, -1e-30f, 1.0f, 5.0f, -5.0f};
    hm_tmk_filter_stats st;
    for (size_t t = 0; t < sizeof thrs / sizeof thrs[0]; t++) {
        check_query(f, q, thrs[t]);
        check_query(f, z, thrs[t]);     /* zero query: all or none */
        check_query(f, tiny, thrs[t]);  /* irregular query: scanned */
        check_query(f, g_real[0], thrs[t]);
        check_query(f, huge, thrs[t]); /* NaN against itself */
    }
    size_t n = 0;
    CHECK_INT(hm_tmk_filter_query(f, z, 0.0f, g_level, &g_hits, &n, &g_cap, &st), HM_OK);
    CHECK(n == hm_tmk_filter_count(f) && g_hits[0].level1 == 0.0f); /* every score is 0 */
    CHECK_INT(hm_tmk_filter_query(f, z, 0.5f, g_level, &g_hits, &n, &g_cap, &st), HM_OK);
    CHECK(n == 0 && st.candidates == 0);
    CHECK_INT(hm_tmk_filter_query(f, tiny, 0.5f, g_level, &g_hits, &n, &g_cap, &st), HM_OK);
    CHECK(st.exact_scan == 1);
    /* the irregular features are always scored exactly, the zero one only
     * where the threshold is low enough */
    CHECK_INT(hm_tmk_filter_query(f, q, 0.99f, g_level, &g_hits, &n, &g_cap, &st), HM_OK);
    CHECK(st.exact_scan == 0 && st.candidates >= 3 && n >= 1 && g_hits[0].idx == 1);
    /* invalid arguments */
    float bad[D];
    memcpy(bad, q, sizeof bad);
    bad[7] = NAN;
    CHECK_INT(hm_tmk_filter_add(f, bad), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_tmk_filter_query(f, bad, 0.7f, g_level, &g_hits, &n, &g_cap, &st),
              HM_E_INVALID_ARGUMENT);
    bad[7] = INFINITY;
    CHECK_INT(hm_tmk_filter_add(f, bad), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_tmk_filter_query(f, q, NAN, g_level, &g_hits, &n, &g_cap, &st),
              HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_tmk_filter_query(f, q, INFINITY, g_level, &g_hits, &n, &g_cap, &st),
              HM_E_INVALID_ARGUMENT);
    for (int l = 0; l <= HM_SIMD_LEVELS; l++)
        if (!hm_tmk_filter_usable((hm_simd_level)l))
            CHECK_INT(hm_tmk_filter_query(f, q, 0.7f, (hm_simd_level)l, &g_hits, &n, &g_cap, &st),
                      HM_E_INVALID_ARGUMENT);
    CHECK(hm_tmk_filter_count(f) == 4 + NVIDEOS);
    /* an empty set */
    hm_tmk_filter *e = hm_tmk_filter_new();
    CHECK(e != NULL);
    CHECK(check_query(e, q, 0.7f) == 0);
    hm_tmk_filter_free(e);
    hm_tmk_filter_free(f);
}

int main(int argc, char **argv) {
    hm_simd_level levels[HM_SIMD_LEVELS];
    const int n = test_simd_levels("test_tmk_filter", argc > 1 ? argv[1] : NULL,
                                   hm_tmk_filter_usable, levels);
    load_real();
    for (int i = 0; i < n; i++) {
        g_level = levels[i];
        printf("test_tmk_filter: level %s\n", hm_simd_name(g_level));
        test_real();
        test_near_threshold();
        test_worst_error();
        test_special();
    }
    printf("test_tmk_filter: %ld queries, %.2f%% of features scored exactly, bound - score "
           "at most %.4f\n",
           g_queries, g_features ? 100.0 * (double)g_candidates / (double)g_features : 0.0,
           g_max_slack);
    CHECK(g_max_slack > 0.0 && g_max_slack < 0.1); /* the bound is tight */
    free(g_hits);
    free(g_port);
    return test_summary("test_tmk_filter");
}
