/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cost of a decision (hm_index_decide) against a query with the lists'
 * thresholds (hm_index_query) of the same four hashes (PDQ, pHash, dHash,
 * aHash), on one thread, on an index of N known items with one hash of
 * each type.  Half the queries are near copies of a known item, half are
 * unrelated.  Medians of several rounds; the floor of a decision is one
 * read of the PDQ codes (N x 32 bytes), which its 98-bit PDQ search scans.
 *
 *     build/bench/bench_decide [--items N] [--queries Q] [--rounds R]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "hashmatch.h"

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static const int TYPES[4] = {HM_HASH_PDQ, HM_HASH_PHASH, HM_HASH_DHASH, HM_HASH_AHASH};

static void random_hash(hm_hash *h, int type) {
    memset(h, 0, sizeof *h);
    h->type = type;
    h->quality = type == HM_HASH_PDQ ? 100 : -1;
    for (unsigned i = 0; i < hm_hash_bits(type) / 8; i++) h->bytes[i] = (uint8_t)rnd();
}

static void flip(hm_hash *h, unsigned k) {
    const unsigned bits = hm_hash_bits(h->type);
    for (unsigned i = 0; i < k; i++) {
        const unsigned b = (unsigned)(rnd() % bits);
        h->bytes[b >> 3] ^= (uint8_t)(1u << (b & 7));
    }
}

static void die(const char *what) {
    fprintf(stderr, "bench_decide: %s: %s\n", what, hm_last_error());
    exit(1);
}

int main(int argc, char **argv) {
    size_t items = 1000000, nq = 2000;
    int rounds = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--items")) items = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--queries")) nq = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--rounds")) rounds = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: bench_decide [--items N] [--queries Q] [--rounds R]\n");
            return 2;
        }
    }
    if (!items || !nq || rounds < 1 || rounds > 99) {
        fprintf(stderr, "bench_decide: bad arguments\n");
        return 2;
    }
    hm_index *idx;
    hm_results *res;
    uint32_t list;
    if (hm_index_create(&idx) != HM_OK || hm_results_create(&res) != HM_OK) die("create");
    if (hm_index_list(idx, "known", &list) != HM_OK) die("list");
    hm_hash *known = malloc(items * 4 * sizeof *known);
    hm_hash *q = malloc(nq * 4 * sizeof *q);
    if (!known || !q) die("memory");
    char id[32];
    const double t0 = bench_now();
    for (size_t i = 0; i < items; i++) {
        snprintf(id, sizeof id, "item%zu", i);
        for (int k = 0; k < 4; k++) {
            random_hash(&known[i * 4 + k], TYPES[k]);
            if (hm_index_add(idx, list, &known[i * 4 + k], id, NULL) != HM_OK) die("add");
        }
    }
    if (hm_index_commit(idx) != HM_OK) die("commit");
    const double t_build = bench_now() - t0;
    for (size_t i = 0; i < nq; i++) {
        const int near = (i & 1) == 0;
        const size_t of = (size_t)(rnd() % items);
        for (int k = 0; k < 4; k++) {
            hm_hash *h = &q[i * 4 + k];
            if (near) {
                *h = known[of * 4 + k];
                flip(h, k == 0 ? 40 : 8); /* beyond PDQ's 31: the fused rule decides */
            } else {
                random_hash(h, TYPES[k]);
            }
        }
    }
    double *td = malloc((size_t)rounds * sizeof *td), *tq = malloc((size_t)rounds * sizeof *tq);
    if (!td || !tq) die("memory");
    size_t decided = 0, hits = 0;
    for (int r = 0; r < rounds; r++) {
        double a = bench_now();
        decided = 0;
        for (size_t i = 0; i < nq; i++) {
            if (hm_index_decide(idx, &q[i * 4], 4, NULL, res) != HM_OK) die("decide");
            decided += hm_results_decision_count(res);
        }
        td[r] = (bench_now() - a) / (double)nq;
        a = bench_now();
        hits = 0;
        for (size_t i = 0; i < nq; i++) {
            if (hm_index_query(idx, &q[i * 4], 4, NULL, res) != HM_OK) die("query");
            hits += hm_results_count(res);
        }
        tq[r] = (bench_now() - a) / (double)nq;
    }
    qsort(td, (size_t)rounds, sizeof *td, bench_cmp_double);
    qsort(tq, (size_t)rounds, sizeof *tq, bench_cmp_double);
    const double md = td[rounds / 2], mq = tq[rounds / 2];
    printf("items %zu (4 hashes each, built in %.1f s), queries %zu (half near copies: PDQ 40 "
           "bits, 64-bit 8 bits away), %d rounds, 1 thread\n",
           items, t_build, nq, rounds);
    printf("decide: %.1f us per call (%.0f per second), %zu items decided per round\n",
           md * 1e6, 1.0 / md, decided);
    printf("query:  %.1f us per call (%.0f per second), %zu hits per round\n", mq * 1e6,
           1.0 / mq, hits);
    printf("decide / query: %.1fx; PDQ codes read per decision: %.1f MB (%.1f GB/s)\n",
           md / mq, items * 32 / 1e6, items * 32 / md / 1e9);
    free(td);
    free(tq);
    free(known);
    free(q);
    hm_results_free(res);
    hm_index_free(idx);
    return 0;
}
