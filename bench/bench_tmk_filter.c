/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TMK level-1 filter at scale (lib/tmk/tmk_filter.c; issue #16).  It
 * calls the library's internal modules, so it links the static library.
 *
 *   bench_tmk_filter [-n N] [-q QUERIES] [-t THRESHOLD] [-e EXACT] TMK...
 *
 * Known videos: the level-1 features of the .tmk files given (the 14
 * reference ones) and N - (their count) synthetic ones with realistic
 * correlation (bench_tmk_synth.h; the score distribution is printed for
 * both).  Queries: the real features and perturbed copies of random known
 * ones (scores of 0.5 to 1).
 *
 * Prints, as "key value" lines: the score distributions; the build
 * (hm_tmk_filter_add of every feature); the bytes per feature; per query
 * (wall clock, one thread: pin it with taskset), median and p90 of
 *   filter_<level>  the filter at each usable SIMD level (exact matches),
 *   float_simd      a dot product of the floats with precomputed norms,
 *                   vectorised (not the exact level-1 score: the plain
 *                   float scan the filter replaces, streaming 1 KiB per
 *                   feature),
 *   exact_scan      hm_tmk_level1 on every feature (EXACT queries);
 * and checks that the filter's matches are the exact scan's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmk/tmk_filter.h"

#include "bench_common.h"
#include "bench_tmk_synth.h"

#define D HM_TMK_DIM

/* median and p90 of n times (sorted in place), in ms */
static void report(const char *name, double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, bench_cmp_double);
    printf("%s_ms median %.2f p90 %.2f min %.2f (%d queries)\n", name, t[n / 2] * 1e3,
           t[(n * 9) / 10] * 1e3, t[0] * 1e3, n);
}

static void print_dist(const char *name, double *s, size_t n) {
    qsort(s, n, sizeof *s, bench_cmp_double);
    size_t over = 0;
    double mean = 0;
    for (size_t i = 0; i < n; i++) over += s[i] >= 0.7, mean += s[i] / (double)n;
    printf("scores_%s pairs %zu mean %.3f p1 %.3f p50 %.3f p99 %.3f p99.9 %.3f max %.3f "
           ">=0.7 %.5f%%\n",
           name, n, mean, s[n / 100], s[n / 2], s[n * 99 / 100], s[n * 999 / 1000], s[n - 1],
           100.0 * (double)over / (double)n);
}

/* The plain float scan: dot products of the floats, vectorised (16
 * lanes, reassociated), with the features' norms computed beforehand. */
typedef float v16 __attribute__((vector_size(64)));
__attribute__((target("avx512f"))) static size_t float_scan_avx512(const float *avg,
                                                                  const float *inv, size_t n,
                                                                  const float *q, float thr) {
    size_t k = 0;
    v16 qv[D / 16];
    memcpy(qv, q, sizeof qv);
    for (size_t i = 0; i < n; i++) {
        v16 s = {0}, x;
        for (int j = 0; j < D / 16; j++) {
            memcpy(&x, avg + i * D + 16 * j, sizeof x);
            s += x * qv[j];
        }
        float t = 0;
        for (int l = 0; l < 16; l++) t += s[l];
        k += t * inv[i] >= thr;
    }
    return k;
}

int main(int argc, char **argv) {
    size_t n = 1000000;
    int nq = 200, nexact = 3;
    float thr = 0.7f;
    int a = 1;
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (!strcmp(argv[a], "-n")) n = strtoul(argv[a + 1], NULL, 10);
        else if (!strcmp(argv[a], "-q")) nq = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "-t")) thr = strtof(argv[a + 1], NULL);
        else if (!strcmp(argv[a], "-e")) nexact = atoi(argv[a + 1]);
        else break;
    }
    const int nreal = argc - a;
    if (nreal < 1 || nq < 1 || n < (size_t)nreal) {
        fprintf(stderr, "usage: bench_tmk_filter [-n N] [-q Q] [-t THR] [-e EXACT] TMK...\n");
        return 2;
    }
    float(*real)[D] = calloc((size_t)nreal, sizeof *real);
    for (int i = 0; i < nreal; i++) {
        FILE *fp = fopen(argv[a + i], "rb");
        static unsigned char buf[HM_TMK_LEVEL1_SIZE];
        int32_t frames;
        if (!fp || fread(buf, 1, sizeof buf, fp) != sizeof buf ||
            hm_tmk_read_level1(buf, sizeof buf, &frames, real[i]) != HM_OK) {
            fprintf(stderr, "bench_tmk_filter: cannot read %s\n", argv[a + i]);
            return 1;
        }
        fclose(fp);
    }
    bench_tmk_synth_init((const float(*)[D])real, nreal);

    /* the known features */
    float(*feat)[D] = malloc(n * sizeof *feat);
    if (!feat) return 1;
    for (int i = 0; i < nreal; i++) memcpy(feat[i], real[i], sizeof feat[i]);
    for (size_t i = (size_t)nreal; i < n; i++) bench_tmk_synth_known(feat[i]);
    /* the queries: the real ones, then perturbed known ones */
    float(*qs)[D] = malloc((size_t)nq * sizeof *qs);
    for (int j = 0; j < nq; j++) {
        if (j < nreal) {
            memcpy(qs[j], real[j], sizeof qs[j]);
            continue;
        }
        bench_tmk_synth_copy(feat[bench_rnd() % n], qs[j]);
    }

    /* score distributions: real unrelated pairs (different sources by
     * name prefix are not known here: every real pair with a score below
     * 0.7 counts), synthetic random pairs */
    {
        size_t m = 0, cap = (size_t)nreal * (size_t)nreal;
        double *s = malloc((cap > 200000 ? cap : 200000) * sizeof *s);
        for (int i = 0; i < nreal; i++)
            for (int j = i + 1; j < nreal; j++) s[m++] = hm_tmk_level1(real[i], real[j]);
        print_dist("real_pairs", s, m);
        for (m = 0; m < 200000; m++) s[m] = hm_tmk_level1(feat[bench_rnd() % n], feat[bench_rnd() % n]);
        print_dist("synthetic_pairs", s, m);
        for (m = 0; m < 200000; m++)
            s[m] = hm_tmk_level1(real[bench_rnd() % (size_t)nreal], feat[bench_rnd() % n]);
        print_dist("real_vs_synthetic", s, m);
        free(s);
    }

    hm_tmk_filter *f = hm_tmk_filter_new();
    double t0 = bench_now();
    if (!f || hm_tmk_filter_reserve(f, n) != HM_OK) return 1;
    for (size_t i = 0; i < n; i++)
        if (hm_tmk_filter_add(f, feat[i]) != HM_OK) return 1;
    printf("build_s %.3f features %zu\n", bench_now() - t0, n);
    printf("bytes_per_feature %zu (streamed per query: %d)\n", hm_tmk_filter_bytes_per_feature(),
           D + 8);

    double *t = malloc((size_t)nq * sizeof *t);
    hm_tmk_l1_hit *hits = NULL;
    size_t nh = 0, cap = 0;
    size_t *matches = calloc((size_t)nq, sizeof *matches);
    for (int l = 0; l < HM_SIMD_LEVELS; l++) {
        if (!hm_tmk_filter_usable((hm_simd_level)l)) continue;
        double cand = 0, hits_total = 0;
        for (int j = 0; j < nq; j++) {
            hm_tmk_filter_stats st;
            const double s = bench_now();
            const hm_simd_level lv = (hm_simd_level)l;
            if (hm_tmk_filter_query(f, qs[j], thr, lv, &hits, &nh, &cap, &st) != HM_OK) return 1;
            t[j] = bench_now() - s;
            cand += (double)st.candidates;
            hits_total += (double)nh;
            if (l == 0) matches[j] = nh;
            else if (matches[j] != nh) {
                fprintf(stderr, "bench_tmk_filter: levels disagree\n");
                return 1;
            }
        }
        char name[64];
        snprintf(name, sizeof name, "filter_%s", hm_simd_name(l));
        report(name, t, nq);
        printf("filter_%s candidates_per_query %.1f matches_per_query %.1f\n", hm_simd_name(l),
               cand / nq, hits_total / nq);
    }

    /* the plain float scan */
    if (hm_simd_usable(HM_SIMD_AVX512, HM_CPU_AVX512F)) {
        float *inv = malloc(n * sizeof *inv);
        for (size_t i = 0; i < n; i++) {
            float s = 0;
            for (int k = 0; k < D; k++) s += feat[i][k] * feat[i][k];
            inv[i] = s > 0 ? 1.0f / sqrtf(s) : 0.0f;
        }
        const int m = nq < 50 ? nq : 50;
        size_t total = 0, exact = 0;
        for (int j = 0; j < m; j++) {
            float qn = 0, qu[D];
            for (int k = 0; k < D; k++) qn += qs[j][k] * qs[j][k];
            for (int k = 0; k < D; k++) qu[k] = qs[j][k] / sqrtf(qn);
            const double s = bench_now();
            total += float_scan_avx512(&feat[0][0], inv, n, qu, thr);
            t[j] = bench_now() - s;
            exact += matches[j];
        }
        report("float_simd", t, m);
        printf("float_simd matches_per_query %.2f (approximate scores; exact: %.2f)\n",
               (double)total / m, (double)exact / m);
        free(inv);
    }

    /* the exact scan, and the filter's matches against it */
    int agree = 1;
    for (int j = 0; j < nexact && j < nq; j++) {
        const double s = bench_now();
        size_t k = 0;
        for (size_t i = 0; i < n; i++) k += hm_tmk_level1(qs[j], hm_tmk_filter_avg(f, i)) >= thr;
        t[j] = bench_now() - s;
        agree &= k == matches[j];
    }
    if (nexact > 0) {
        report("exact_scan", t, nexact < nq ? nexact : nq);
        printf("exact_scan agrees_with_filter %s\n", agree ? "yes" : "NO");
    }
    free(t);
    free(matches);
    free(hits);
    free(qs);
    free(feat);
    free(real);
    hm_tmk_filter_free(f);
    return agree ? 0 : 1;
}
