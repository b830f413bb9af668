/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Concurrency of the index (run under ThreadSanitizer in CI): reader
 * threads query while a writer keeps changing the index and publishing
 * snapshots.  The writer's content is a function of the snapshot's
 * generation, so every reader can check that each answer is exactly the
 * one its snapshot must give: nothing wrong, nothing lost, no mix of two
 * snapshots.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "hashmatch.h"
#include "test_util.h"

#define NSTABLE 300
#define NFLIP 40
#define READERS 4
#define ROUNDS 150

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
            for (size_t j = 0; j < hm_results_count(res); j++) seen[hm_results_get(res, j)->query]++;
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

int main(void) {
    pthread_t th[READERS];
    uint32_t list;
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
    for (int round = 1; round <= ROUNDS; round++) {
        /* next generation: every flip entry changes state */
        for (int i = 0; i < NFLIP; i++) {
            char id[16];
            snprintf(id, sizeof id, "f%d", i);
            if ((round + i) % 2 == 0) hm_index_add(g_idx, list, &g_flip[i], id, NULL);
            else hm_index_remove(g_idx, list, id, NULL);
        }
        CHECK_INT(hm_index_commit(g_idx), HM_OK);
    }
    atomic_store(&g_done, 1);
    for (int t = 0; t < READERS; t++) pthread_join(th[t], NULL);
    hm_index_stats_get(g_idx, &st);
    CHECK_INT(st.generation, g_first_gen + ROUNDS);
    CHECK(atomic_load(&g_checked) > 0);
    CHECK_INT(atomic_load(&g_bad), 0);
    printf("snapshots published: %d, reader checks: %ld\n", ROUNDS, atomic_load(&g_checked));
    hm_index_free(g_idx);
    return test_summary("test_index_threads");
}
