/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TMK+PDQF entries in the index at scale (issue #16), through the public
 * API only (run it through bench/run_tmk_index.sh):
 *
 *   bench_tmk_index [-n N] [-b BATCH] [-q QUERIES] [-c CHECK] [-f FILE]
 *                   [-r ROUNDS] TMK...
 *
 * Known videos: the .tmk files given (the 14 reference ones) and N - (their
 * count) synthetic ones.  A synthetic one is a whole .tmk: the bytes of the
 * real file whose direction its level-1 feature mixes in
 * (bench_tmk_synth.h), with that feature written over the file's pure
 * average; its level-2 features are the real file's.  (1M full entries
 * would make a 263 GB index file: the file holds every entry's 256 KiB of
 * level 2, so N is what the disk allows; RESULTS.md, "TMK index".)
 *
 * 1. build: hm_tmk_from_bytes + hm_index_add_tmk of every entry, a commit
 *    every BATCH entries (default N), each batch saved to FILE and loaded
 *    back (so that the added hashes' level 2, held in memory until then,
 *    is released); the times of the adds, commits, saves and loads;
 * 2. load: a fresh index loads FILE; its time and the resident memory
 *    (VmRSS after malloc_trim) it added, per entry; then the time of a
 *    load with FILE's pages evicted from the page cache (the load reads
 *    all but the level-2 section, which queries read entry by entry);
 * 3. queries (hm_index_match_tmk on the loaded index, level 2 read from
 *    FILE with pread: warm page cache, and "cold" after posix_fadvise
 *    DONTNEED of FILE's pages, ROUNDS rounds each) of three kinds:
 *      real       the real files (same-source entries match),
 *      copy       perturbed copies of random known entries (level 1 of
 *                 0.5 to 1 against them; level 2 that of their source),
 *      unrelated  fresh synthetic videos (nothing expected);
 *    median, p90 and max ms per query, matches per query;
 * 4. check: for CHECK queries of each kind, the index's matches (ids and
 *    both scores, to the bit) against hm_tmk_scores of the query and every
 *    entry (level 2 where level 1 reaches 0.7: a pair matches only when
 *    both do), with the default thresholds 0.7 / 0.7.
 *
 * Output: "key value" lines.  One thread; pin it with taskset.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hashmatch.h>

#include "bench_common.h"
#include "bench_tmk_synth.h"

#define D HM_TMK_DIM
#define AVG_OFF 176 /* the pure average in a .tmk file (docs/tmk.md) */
_Static_assert(D == BENCH_TMK_DIM, "dimension");

enum { K_REAL, K_COPY, K_UNRELATED, KINDS };
static const char *const kind_name[KINDS] = {"real", "copy", "unrelated"};

static void die(const char *what, hm_status st) {
    fprintf(stderr, "bench_tmk_index: %s: %s (%s)\n", what, hm_status_name(st),
            hm_last_error());
    exit(1);
}
#define OK(call)                                                                                   \
    do {                                                                                           \
        hm_status st_ = (call);                                                                    \
        if (st_ != HM_OK) die(#call, st_);                                                         \
    } while (0)

/* the .tmk files: bytes, parsed */
static int g_nreal;
static bench_file *g_file;
static hm_tmk **g_real;
static unsigned char *g_buf; /* HM_TMK_FILE_SIZE */

/* A whole hash: source `src`'s file with level-1 feature `avg`. */
static hm_tmk *make_tmk(int src, const float *avg) {
    hm_tmk *t;
    memcpy(g_buf, g_file[src].data, HM_TMK_FILE_SIZE);
    for (int k = 0; k < D; k++) { /* little-endian floats */
        uint32_t u;
        memcpy(&u, &avg[k], 4);
        for (int b = 0; b < 4; b++) g_buf[AVG_OFF + 4 * k + b] = (unsigned char)(u >> (8 * b));
    }
    OK(hm_tmk_from_bytes(g_buf, HM_TMK_FILE_SIZE, &t));
    return t;
}

static double file_mb(const char *path) {
    struct stat s;
    return stat(path, &s) == 0 ? (double)s.st_size / 1e6 : -1;
}

/* Evict FILE's pages from the page cache (only this file's). */
static void evict(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) {
        fprintf(stderr, "bench_tmk_index: cannot evict %s\n", path);
        exit(1);
    }
    close(fd);
}

static void report(const char *name, double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, bench_cmp_double);
    printf("%s_median_ms %.3f\n%s_p90_ms %.3f\n%s_max_ms %.3f\n", name, t[n / 2] * 1e3, name,
           t[(n * 9) / 10] * 1e3, name, t[n - 1] * 1e3);
}

int main(int argc, char **argv) {
    size_t n = 10000, batch = 0;
    int nq = 100, ncheck = 20, rounds = 3;
    const char *path = "/tmp/bench_tmk_index.hmi";
    int a = 1;
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (!strcmp(argv[a], "-n")) n = strtoul(argv[a + 1], NULL, 10);
        else if (!strcmp(argv[a], "-b")) batch = strtoul(argv[a + 1], NULL, 10);
        else if (!strcmp(argv[a], "-q")) nq = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "-c")) ncheck = atoi(argv[a + 1]);
        else if (!strcmp(argv[a], "-f")) path = argv[a + 1];
        else if (!strcmp(argv[a], "-r")) rounds = atoi(argv[a + 1]);
        else break;
    }
    g_nreal = argc - a;
    if (g_nreal < 1 || nq < 1 || ncheck < 0 || rounds < 1 || n < (size_t)g_nreal) {
        fprintf(stderr, "usage: bench_tmk_index [-n N] [-b BATCH] [-q Q] [-c CHECK] [-f FILE] "
                        "[-r ROUNDS] TMK...\n");
        return 2;
    }
    if (batch == 0 || batch > n) batch = n;
    g_file = calloc((size_t)g_nreal, sizeof *g_file);
    g_real = calloc((size_t)g_nreal, sizeof *g_real);
    g_buf = malloc(HM_TMK_FILE_SIZE);
    float(*real)[D] = calloc((size_t)g_nreal, sizeof *real);
    float(*feat)[D] = malloc(n * sizeof *feat);
    int *src = malloc(n * sizeof *src);
    if (!g_file || !g_real || !g_buf || !real || !feat || !src) return 1;
    for (int i = 0; i < g_nreal; i++) {
        bench_load(&g_file[i], argv[a + i]);
        OK(hm_tmk_from_bytes(g_file[i].data, g_file[i].size, &g_real[i]));
        OK(hm_tmk_get_average(g_real[i], real[i], D));
    }
    bench_tmk_synth_init((const float(*)[D])real, g_nreal);
    for (size_t i = 0; i < n; i++) {
        if (i < (size_t)g_nreal) {
            memcpy(feat[i], real[i], sizeof feat[i]);
            src[i] = (int)i;
        } else src[i] = bench_tmk_synth_known(feat[i]);
    }
    printf("entries %zu\nbatch %zu\n", n, batch);

    /* ---- 1. build ---- */
    hm_index *idx;
    uint32_t list;
    OK(hm_index_create(&idx));
    OK(hm_index_list(idx, "known", &list));
    double t_make = 0, t_add = 0, t_commit = 0, t_save = 0, t_reload = 0, t0;
    char id[32];
    for (size_t i = 0; i < n; i++) {
        t0 = bench_now();
        hm_tmk *t = make_tmk(src[i], feat[i]);
        t_make += bench_now() - t0;
        snprintf(id, sizeof id, "v%07zu", i);
        t0 = bench_now();
        OK(hm_index_add_tmk(idx, list, t, id, NULL));
        t_add += bench_now() - t0;
        hm_tmk_free(t);
        if ((i + 1) % batch == 0 || i + 1 == n) {
            t0 = bench_now();
            OK(hm_index_commit(idx));
            t_commit += bench_now() - t0;
            t0 = bench_now();
            OK(hm_index_save(idx, path));
            t_save = bench_now() - t0; /* the last: the whole index */
            if (i + 1 < n) {
                t0 = bench_now();
                OK(hm_index_load(idx, path));
                t_reload += bench_now() - t0;
            }
        }
    }
    printf("make_s %.3f\nadd_s %.3f\ncommit_s %.3f\nbuild_s %.3f\n", t_make, t_add, t_commit,
           t_add + t_commit);
    printf("save_s %.3f\nbatch_reloads_s %.3f\nfile_mb %.1f\n", t_save, t_reload,
           file_mb(path));
    hm_index_free(idx);

    /* ---- 2. load ---- */
    const uint64_t rss0 = bench_rss_trimmed();
    OK(hm_index_create(&idx));
    t0 = bench_now();
    OK(hm_index_load(idx, path));
    printf("load_s %.3f\n", bench_now() - t0);
    const uint64_t rss1 = bench_rss_trimmed();
    printf("rss_load_mb %.1f\nrss_per_entry_bytes %.0f\n", ((double)rss1 - (double)rss0) / 1e6,
           ((double)rss1 - (double)rss0) / (double)n);
    { /* a load with the file out of the page cache (into another index) */
        hm_index *cold;
        OK(hm_index_create(&cold));
        evict(path);
        t0 = bench_now();
        OK(hm_index_load(cold, path));
        printf("load_cold_s %.3f\n", bench_now() - t0);
        hm_index_free(cold);
    }

    /* ---- 3. queries ---- */
    const int nk[KINDS] = {g_nreal, nq, nq};
    hm_tmk **qs[KINDS];
    for (int k = 0; k < KINDS; k++) {
        qs[k] = calloc((size_t)nk[k], sizeof *qs[k]);
        for (int j = 0; j < nk[k]; j++) {
            float q[D];
            if (k == K_REAL) {
                qs[k][j] = g_real[j];
            } else if (k == K_COPY) {
                const size_t b = bench_rnd() % n;
                bench_tmk_synth_copy(feat[b], q);
                qs[k][j] = make_tmk(src[b], q);
            } else {
                const int s = bench_tmk_synth_known(q);
                qs[k][j] = make_tmk(s, q);
            }
        }
    }
    hm_results *res;
    OK(hm_results_create(&res));
    const uint64_t rss2 = bench_rss_trimmed();
    hm_tmk_match_opts mo;
    hm_tmk_match_opts_init(&mo);
    double *tq = malloc((size_t)(nq > g_nreal ? nq : g_nreal) * (size_t)rounds * sizeof *tq);
    if (!tq) return 1;
    for (int k = 0; k < KINDS; k++) {
        size_t matches = 0;
        for (int j = 0; j < nk[k]; j++) { /* a warm-up pass */
            OK(hm_index_match_tmk(idx, qs[k][j], &mo, res));
            matches += hm_results_tmk_count(res);
        }
        printf("%s_matches_per_query %.2f\n", kind_name[k], (double)matches / nk[k]);
        for (int cold = 0; cold < 2; cold++) {
            int m = 0;
            for (int r = 0; r < rounds; r++)
                for (int j = 0; j < nk[k]; j++) {
                    if (cold) evict(path);
                    t0 = bench_now();
                    OK(hm_index_match_tmk(idx, qs[k][j], &mo, res));
                    tq[m++] = bench_now() - t0;
                }
            char name[64];
            snprintf(name, sizeof name, "query_%s_%s", kind_name[k], cold ? "cold" : "warm");
            report(name, tq, m);
        }
    }
    printf("rss_query_growth_mb %.1f\n", ((double)bench_rss_trimmed() - (double)rss2) / 1e6);

    /* ---- 4. check against scoring every pair ---- */
    int nc = 0, agree = 1;
    hm_tmk *cq[3 * 1024];
    for (int k = 0; k < KINDS; k++)
        for (int j = 0; j < nk[k] && j < ncheck && nc < 3 * 1024; j++) cq[nc++] = qs[k][j];
    if (nc > 0) {
        /* expected[c]: the matching entries of check query c, with scores */
        typedef struct {
            size_t e;
            float l1, l2;
        } hit;
        hit **want = calloc((size_t)nc, sizeof *want);
        size_t *nwant = calloc((size_t)nc, sizeof *nwant), total = 0;
        t0 = bench_now();
        for (size_t e = 0; e < n; e++) {
            hm_tmk *t = make_tmk(src[e], feat[e]);
            for (int c = 0; c < nc; c++) {
                float l1, l2;
                OK(hm_tmk_scores(cq[c], t, &l1, NULL));
                if (l1 < HM_TMK_DEFAULT_LEVEL1_THRESHOLD) continue;
                OK(hm_tmk_scores(cq[c], t, &l1, &l2));
                if (l2 < HM_TMK_DEFAULT_LEVEL2_THRESHOLD) continue;
                want[c] = realloc(want[c], (nwant[c] + 1) * sizeof *want[c]);
                want[c][nwant[c]++] = (hit){e, l1, l2};
            }
            hm_tmk_free(t);
        }
        printf("check_scan_s %.3f\n", bench_now() - t0);
        for (int c = 0; c < nc; c++) {
            OK(hm_index_match_tmk(idx, cq[c], &mo, res));
            const size_t got = hm_results_tmk_count(res);
            int same = got == nwant[c];
            for (size_t i = 0; same && i < got; i++) {
                const hm_tmk_match *m = hm_results_tmk_get(res, i);
                const size_t e = strtoul(m->video_id + 1, NULL, 10);
                size_t w = 0;
                while (w < nwant[c] && want[c][w].e != e) w++;
                same = w < nwant[c] && memcmp(&want[c][w].l1, &m->level1, 4) == 0 &&
                       memcmp(&want[c][w].l2, &m->level2, 4) == 0;
            }
            if (!same)
                fprintf(stderr, "bench_tmk_index: check query %d: %zu matches, scan %zu\n", c,
                        got, nwant[c]);
            agree &= same;
            total += nwant[c];
            free(want[c]);
        }
        printf("check_queries %d\ncheck_matches %zu\ncheck_agrees %s\n", nc, total,
               agree ? "yes" : "NO");
        free(want);
        free(nwant);
    }

    for (int k = 1; k < KINDS; k++)
        for (int j = 0; j < nk[k]; j++) hm_tmk_free(qs[k][j]);
    for (int k = 0; k < KINDS; k++) free(qs[k]);
    for (int i = 0; i < g_nreal; i++) {
        hm_tmk_free(g_real[i]);
        free(g_file[i].data);
    }
    hm_results_free(res);
    hm_index_free(idx);
    free(tq);
    free(feat);
    free(src);
    free(real);
    free(g_real);
    free(g_file);
    free(g_buf);
    return agree ? 0 : 1;
}
