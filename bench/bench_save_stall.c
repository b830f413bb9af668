/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How long a writer waits while another thread saves a large index, and
 * how long a load takes (bench/run_save_stall.sh runs it; figures in
 * bench/RESULTS.md).  Public API only, so it builds against any version.
 *
 *   bench_save_stall N PATH [SAVES]
 *
 * Builds an index of N random PDQ entries, then saves it to PATH SAVES
 * times (default 3) while a writer thread adds one entry and commits, over
 * and over, timing each add + commit; then loads PATH into a new index
 * three times.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hashmatch.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static void random_pdq(hm_hash *h) {
    memset(h, 0, sizeof *h);
    h->type = HM_HASH_PDQ;
    h->quality = -1;
    for (int i = 0; i < 32; i += 8) {
        g_rng ^= g_rng << 13;
        g_rng ^= g_rng >> 7;
        g_rng ^= g_rng << 17;
        memcpy(h->bytes + i, &g_rng, 8);
    }
}

static hm_index *g_idx;
static atomic_int g_stop;
static double *g_lat;
static size_t g_nlat, g_cap;

static void *writer(void *arg) {
    uint32_t list;
    (void)arg;
    hm_index_list(g_idx, "writer", &list);
    for (unsigned i = 0; !atomic_load(&g_stop); i++) {
        hm_hash h;
        char id[32];
        random_pdq(&h);
        snprintf(id, sizeof id, "w%u", i);
        const double t0 = now();
        if (hm_index_add(g_idx, list, &h, id, NULL) != HM_OK || hm_index_commit(g_idx) != HM_OK) {
            fprintf(stderr, "writer: %s\n", hm_last_error());
            break;
        }
        if (g_nlat == g_cap) {
            g_cap = g_cap ? 2 * g_cap : 1024;
            g_lat = realloc(g_lat, g_cap * sizeof *g_lat);
        }
        g_lat[g_nlat++] = now() - t0;
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_save_stall N PATH [SAVES]\n");
        return 2;
    }
    const size_t n = strtoull(argv[1], NULL, 10);
    const char *path = argv[2];
    const int saves = argc > 3 ? atoi(argv[3]) : 3;
    uint32_t list;
    printf("library %s\n", hm_version_string());
    hm_index_create(&g_idx);
    hm_index_list(g_idx, "bulk", &list);
    double t0 = now();
    for (size_t i = 0; i < n; i++) {
        hm_hash h;
        char id[32];
        random_pdq(&h);
        snprintf(id, sizeof id, "e%zu", i);
        hm_index_add(g_idx, list, &h, id, NULL);
    }
    if (hm_index_commit(g_idx) != HM_OK) {
        fprintf(stderr, "commit: %s\n", hm_last_error());
        return 1;
    }
    printf("built %zu entries in %.1f s\n", n, now() - t0);
    /* one save alone, then the writer starts */
    t0 = now();
    if (hm_index_save(g_idx, path) != HM_OK) {
        fprintf(stderr, "save: %s\n", hm_last_error());
        return 1;
    }
    struct stat st;
    stat(path, &st);
    printf("save alone: %.2f s, %.1f MB\n", now() - t0, st.st_size / 1e6);
    /* the writer's own pace without saves */
    pthread_t th;
    pthread_create(&th, NULL, writer, NULL);
    t0 = now();
    while (now() - t0 < 2.0) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    const size_t quiet = g_nlat;
    double quiet_max = 0;
    for (size_t i = 0; i < quiet; i++)
        if (g_lat[i] > quiet_max) quiet_max = g_lat[i];
    double save_total = 0;
    for (int s = 0; s < saves; s++) {
        t0 = now();
        if (hm_index_save(g_idx, path) != HM_OK) fprintf(stderr, "save: %s\n", hm_last_error());
        const double d = now() - t0;
        save_total += d;
        printf("save %d while writing: %.2f s\n", s + 1, d);
    }
    atomic_store(&g_stop, 1);
    pthread_join(th, NULL);
    const size_t during = g_nlat - quiet;
    double *lat = g_lat + quiet;
    qsort(lat, during, sizeof *lat, cmp_double);
    printf("writer add+commit without saves: %zu in 2 s, longest %.1f ms\n", quiet,
           quiet_max * 1e3);
    if (during)
        printf("writer add+commit during %d saves (%.2f s): %zu, median %.1f ms, 99th "
               "percentile %.1f ms, longest %.1f ms\n",
               saves, save_total, during, lat[during / 2] * 1e3,
               lat[(size_t)(0.99 * (double)(during - 1))] * 1e3, lat[during - 1] * 1e3);
    /* loads */
    for (int i = 0; i < 3; i++) {
        hm_index *l;
        hm_index_create(&l);
        t0 = now();
        const int rc = hm_index_load(l, path);
        printf("load %d: %.2f s%s\n", i + 1, now() - t0, rc == HM_OK ? "" : " (failed)");
        hm_index_free(l);
    }
    hm_index_free(g_idx);
    free(g_lat);
    return 0;
}
