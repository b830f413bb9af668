/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Concurrency of the index (run under ThreadSanitizer in CI):
 *
 *  1. Reader threads query while a writer keeps changing the index,
 *     renaming its list and publishing snapshots.  The writer's content
 *     (the name too) is a function of the snapshot's generation, so every
 *     reader can check that each answer is exactly the one its snapshot
 *     must give: nothing wrong, nothing lost, no mix of two snapshots.  The resident size is sampled after
 *     a warm-up and at the end: it must stay flat (long form).
 *  2. Two writers: one replaces an entry (removes it and adds its new
 *     hash) in a change set of its own (hm_txn) while the other stages
 *     and commits through the index's shared change set; readers must
 *     never see the entry missing or doubled.  Staged in the shared set
 *     instead, the other writer's commits publish the replacement half
 *     done (issue #15; HM_TEST_SHARED=1 shows it).
 *
 * Short form (ctest): 150 commits.  Long form: test_index_threads N, N
 * commits (docs/security.md gives the figures of 1,000 and more).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "hashmatch.h"
#include "test_util.h"

#define NSTABLE 300
#define NFLIP 40
#define READERS 4
#define ROUNDS 150
#define REPLACES 100

static hm_index *g_idx;
static hm_hash g_stable[NSTABLE], g_flip[NFLIP];
static atomic_int g_done;
static atomic_long g_checked, g_bad;
static uint64_t g_first_gen;

static void make_hash(hm_hash *h, uint64_t seed) {
    memset(h, 0, sizeof *h);
    h->type = HM_HASH_PDQ;
    h->quality = -1;
    for (int i = 0; i < 32; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        h->bytes[i] = (uint8_t)seed;
    }
}

/* In generation g, flip entry i is present iff (g + i) is even. */
static int flip_present(uint64_t g, int i) { return ((g - g_first_gen + (uint64_t)i) % 2) == 0; }
/* and the list is renamed every time: its name in generation g */
static const char *list_name(uint64_t g) { return (g - g_first_gen) % 2 == 0 ? "l" : "m"; }

static void *reader(void *arg) {
    hm_results *res;
    hm_query_opts o;
    (void)arg;
    hm_results_create(&res);
    hm_query_opts_init(&o);
    o.radius = 0;
    while (!atomic_load(&g_done)) {
        hm_snapshot *s;
        hm_index_stats st;
        hm_index_acquire(g_idx, &s);
        hm_snapshot_stats(s, &st);
        if (st.generation >= g_first_gen) {
            /* all flip hashes and a few stable ones in one batch */
            hm_hash q[NFLIP + 8];
            memcpy(q, g_flip, sizeof g_flip);
            for (int k = 0; k < 8; k++) q[NFLIP + k] = g_stable[(st.generation * 7 + (uint64_t)k) % NSTABLE];
            if (hm_snapshot_query(s, q, NFLIP + 8, &o, res) != HM_OK) atomic_fetch_add(&g_bad, 1);
            int seen[NFLIP + 8] = {0};
            for (size_t j = 0; j < hm_results_count(res); j++) {
                seen[hm_results_get(res, j)->query]++;
                if (strcmp(hm_results_get(res, j)->list_name, list_name(st.generation)) != 0)
                    atomic_fetch_add(&g_bad, 1);
            }
            for (int i = 0; i < NFLIP; i++)
                if (seen[i] != flip_present(st.generation, i)) atomic_fetch_add(&g_bad, 1);
            for (int k = 0; k < 8; k++)
                if (seen[NFLIP + k] != 1) atomic_fetch_add(&g_bad, 1);
            atomic_fetch_add(&g_checked, 1);
        }
        hm_snapshot_release(s);
        /* and through the index directly, with the results holding the
         * snapshot while the writer moves on */
        hm_index_query(g_idx, g_stable, 16, &o, res);
        if (hm_results_count(res) != 16) atomic_fetch_add(&g_bad, 1);
    }
    hm_results_free(res);
    return NULL;
}

/* Resident size in KiB. */
static long rss_kib(void) {
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f && fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
    if (f) fclose(f);
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---- 2: a replacement in a change set of its own ------------------------------ */

static hm_hash g_rep[2]; /* the entry "r" has one of these, alternately */
static hm_hash g_noise[64];
static atomic_long g_rep_checked, g_rep_bad;

static void *rep_reader(void *arg) {
    hm_results *res;
    hm_query_opts o;
    (void)arg;
    hm_results_create(&res);
    hm_query_opts_init(&o);
    o.radius = 0;
    while (!atomic_load(&g_done)) {
        if (hm_index_query(g_idx, g_rep, 2, &o, res) != HM_OK || hm_results_count(res) != 1)
            atomic_fetch_add(&g_rep_bad, 1);
        /* a decision reads the item whole by its id: one, never two or none */
        if (hm_index_decide(g_idx, g_rep, 2, NULL, res) != HM_OK ||
            hm_results_decision_count(res) != 1)
            atomic_fetch_add(&g_rep_bad, 1);
        atomic_fetch_add(&g_rep_checked, 1);
    }
    hm_results_free(res);
    return NULL;
}

/* The other writer: noise through the shared change set, committed as
 * often as it can. */
static void *noise_writer(void *arg) {
    const uint32_t list = *(const uint32_t *)arg;
    for (unsigned i = 0; !atomic_load(&g_done); i++) {
        char id[16];
        snprintf(id, sizeof id, "n%u", i % 64);
        if ((i / 64) % 2) hm_index_remove(g_idx, list, id, NULL);
        else hm_index_add(g_idx, list, &g_noise[i % 64], id, NULL);
        hm_index_commit(g_idx);
    }
    return NULL;
}

static void replacement(void) {
    pthread_t th[READERS], noise;
    uint32_t list;
    const int shared = getenv("HM_TEST_SHARED") != NULL;
    hm_index_create(&g_idx);
    hm_index_list(g_idx, "l", &list);
    make_hash(&g_rep[0], 77);
    make_hash(&g_rep[1], 78);
    for (int i = 0; i < 64; i++) make_hash(&g_noise[i], 9000 + (uint64_t)i);
    hm_index_add(g_idx, list, &g_rep[0], "r", NULL);
    hm_index_commit(g_idx);
    atomic_store(&g_done, 0);
    for (int t = 0; t < READERS; t++) pthread_create(&th[t], NULL, rep_reader, NULL);
    pthread_create(&noise, NULL, noise_writer, &list);
    hm_txn *txn;
    CHECK_INT(hm_txn_begin(g_idx, &txn), HM_OK);
    int failed = 0;
    int i = 1;
    for (; i <= REPLACES || atomic_load(&g_rep_checked) < 100000; i++) {
        if (shared) {
            hm_index_remove(g_idx, list, "r", NULL);
            sched_yield(); /* a commit of the other writer may come here */
            hm_index_add(g_idx, list, &g_rep[i % 2], "r", NULL);
            hm_index_commit(g_idx);
            continue;
        }
        uint64_t n = 0;
        failed += hm_txn_remove(txn, list, "r", &n) != HM_OK || n != 1;
        sched_yield();
        failed += hm_txn_add(txn, list, &g_rep[i % 2], "r", NULL) != HM_OK;
        failed += hm_txn_commit(txn) != HM_OK;
    }
    atomic_store(&g_done, 1);
    for (int t = 0; t < READERS; t++) pthread_join(th[t], NULL);
    pthread_join(noise, NULL);
    hm_txn_free(txn);
    CHECK_INT(failed, 0);
    CHECK(atomic_load(&g_rep_checked) > 0);
    printf("replacements%s: %d, reader checks: %ld, entry missing or doubled: %ld\n",
           shared ? " in the shared change set" : " in a change set", i - 1,
           atomic_load(&g_rep_checked), atomic_load(&g_rep_bad));
    if (!shared) CHECK_INT(atomic_load(&g_rep_bad), 0);
    hm_index_free(g_idx);
}

int main(int argc, char **argv) {
    pthread_t th[READERS];
    uint32_t list;
    const int rounds = argc > 1 ? atoi(argv[1]) : ROUNDS;
    long rss_warm = 0;
    if (rounds < 20) {
        fprintf(stderr, "usage: test_index_threads [COMMITS >= 20]\n");
        return 2;
    }
    hm_index_create(&g_idx);
    hm_index_list(g_idx, "l", &list);
    for (int i = 0; i < NSTABLE; i++) {
        char id[16];
        make_hash(&g_stable[i], 1000 + (uint64_t)i);
        snprintf(id, sizeof id, "s%d", i);
        hm_index_add(g_idx, list, &g_stable[i], id, NULL);
    }
    for (int i = 0; i < NFLIP; i++) make_hash(&g_flip[i], 5000 + (uint64_t)i);
    /* generation g_first_gen: flip entries with even i present */
    for (int i = 0; i < NFLIP; i += 2) {
        char id[16];
        snprintf(id, sizeof id, "f%d", i);
        hm_index_add(g_idx, list, &g_flip[i], id, NULL);
    }
    hm_index_commit(g_idx);
    hm_index_stats st;
    hm_index_stats_get(g_idx, &st);
    g_first_gen = st.generation;
    for (int t = 0; t < READERS; t++) pthread_create(&th[t], NULL, reader, NULL);
    for (int round = 1; round <= rounds; round++) {
        if (round == rounds / 10) rss_warm = rss_kib();
        /* next generation: every flip entry changes state */
        for (int i = 0; i < NFLIP; i++) {
            char id[16];
            snprintf(id, sizeof id, "f%d", i);
            if ((round + i) % 2 == 0) hm_index_add(g_idx, list, &g_flip[i], id, NULL);
            else hm_index_remove(g_idx, list, id, NULL);
        }
        CHECK_INT(hm_index_list_rename(g_idx, list, list_name(g_first_gen + (uint64_t)round)),
                  HM_OK);
        CHECK_INT(hm_index_commit(g_idx), HM_OK);
    }
    atomic_store(&g_done, 1);
    for (int t = 0; t < READERS; t++) pthread_join(th[t], NULL);
    hm_index_stats_get(g_idx, &st);
    CHECK_INT(st.generation, g_first_gen + (uint64_t)rounds);
    CHECK(atomic_load(&g_checked) > 0);
    CHECK_INT(atomic_load(&g_bad), 0);
    const long rss_end = rss_kib();
    printf("snapshots published: %d, reader checks: %ld, wrong answers: %ld, "
           "resident after warm-up %ld KiB, at the end %ld KiB\n",
           rounds, atomic_load(&g_checked), atomic_load(&g_bad), rss_warm, rss_end);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    /* flat: what a snapshot holds is freed with it (long form only: the
     * short one barely warms up) */
    if (rounds >= 1000) CHECK(rss_end <= rss_warm + rss_warm / 10 + 2048);
#endif
    hm_index_free(g_idx);
    replacement();
    return test_summary("test_index_threads");
}
