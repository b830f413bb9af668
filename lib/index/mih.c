/* SPDX-License-Identifier: BSD-3-Clause */
/* Multi-index hashing: build, cost model and exact range query. */
#include "mih.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/common.h"

/*
 * Cost model constants, in nanoseconds, fitted to the index benchmark
 * (bench/RESULTS.md, "Cost model: calibration"): a probe is a dependent
 * random read of the offset array; a 256-bit candidate a random read of
 * its code (prefetched in batches); a 64-bit candidate a sequential read
 * inside its bucket; plus a fixed cost per query.  A scanned code is one
 * streaming read, whose cost depends on the kernel in use.
 */
#define C_PROBE 30.0
#define C_CAND_256 13.0
#define C_CAND_64 4.0
#define C_FIXED_256 3000.0
#define C_FIXED_64 1000.0

/* ---- hit buffer ------------------------------------------------------ */

int hm_hitbuf_reserve(hm_hitbuf *b, size_t extra) {
    return HM_RESERVE(b->v, b->cap, b->n + extra, 256);
}

void hm_hitbuf_free(hm_hitbuf *b) {
    free(b->v);
    free(b->keys);
    free(b->cands);
    memset(b, 0, sizeof *b);
}

/* ---- geometry and cost ------------------------------------------------ */

/* Table t of m over `bits`: the first bits % m tables are one bit longer. */
static void split(unsigned bits, unsigned m, uint16_t *start, uint16_t *len) {
    unsigned pos = 0;
    for (unsigned t = 0; t < m; t++) {
        len[t] = (uint16_t)(bits / m + (t < bits % m));
        start[t] = (uint16_t)pos;
        pos += len[t];
    }
}

/* Search radius of table t for a query radius r (-1: not probed). */
static int table_radius(unsigned r, unsigned m, unsigned t) {
    unsigned s = r / m, a = r % m;
    return t <= a ? (int)s : (int)s - 1;
}

static double binom_sum(unsigned n, int s) {
    double sum = 0, c = 1;
    for (int k = 0; k <= s && k <= (int)n; k++) {
        sum += c;
        c = c * (double)(n - (unsigned)k) / (double)(k + 1);
    }
    return sum;
}

static double cands_cost(unsigned words, double cands) {
    return cands * (words == 1 ? C_CAND_64 : C_CAND_256) +
           (words == 1 ? C_FIXED_64 : C_FIXED_256);
}

/* Expected cost with the uniform candidate estimate.  The tables' bucket
 * imbalance is deliberately left out: it describes queries drawn from the
 * data and overstates the candidates of most real queries 3-8x (measured),
 * and the query itself counts its candidates before it verifies any. */
static double cost(uint32_t n, unsigned words, unsigned m, const uint16_t *len,
                   unsigned r) {
    double probes = 0, cands = 0;
    for (unsigned t = 0; t < m; t++) {
        int s = table_radius(r, m, t);
        if (s < 0) continue;
        double p = binom_sum(len[t], s);
        probes += p;
        cands += p * (double)n / ldexp(1.0, len[t]);
    }
    return probes * C_PROBE + cands_cost(words, cands);
}

double hm_scan_cost(uint32_t n, unsigned words) {
    /* ns per code of each kernel, streaming from memory (bench/RESULTS.md) */
    static const double k256[] = {4.0, 1.2, 0.85}, k64[] = {1.0, 0.25, 0.2};
    const hm_simd_level l = hm_scan_kernels_best()->level;
    return (double)n * (words == 1 ? k64[l] : k256[l]);
}

double hm_mih_cost(const hm_mih *mih, unsigned r) {
    return cost(mih->n, mih->words, mih->m, mih->len, r);
}

unsigned hm_mih_choose_m(uint32_t n, unsigned bits, unsigned r) {
    unsigned best = 0;
    double best_cost = 0;
    if (n < 1024) return 0; /* a scan of so few codes costs microseconds */
    for (unsigned m = 2; m <= HM_MIH_MAX_M && m <= bits / 4; m++) {
        uint16_t start[HM_MIH_MAX_M], len[HM_MIH_MAX_M];
        double slots = 0;
        split(bits, m, start, len);
        if (len[0] > HM_MIH_MAX_KEY_BITS) continue;
        /* offset arrays may not dwarf the data: about 16 bytes per code */
        for (unsigned t = 0; t < m; t++) slots += ldexp(1.0, len[t]);
        if (slots > 4.0 * n + 65536.0 * m) continue;
        double c = cost(n, bits / 64, m, len, r);
        if (!best || c < best_cost) {
            best = m;
            best_cost = c;
        }
    }
    return best;
}

/* ---- keys ------------------------------------------------------------- */

static inline uint32_t key_of(const uint64_t *c, unsigned start,
                              unsigned len) {
    unsigned w = start >> 6, o = start & 63;
    uint64_t v = c[w] >> o;
    if (o + len > 64) v |= c[w + 1] << (64 - o);
    return (uint32_t)(v & ((1ull << len) - 1));
}

/* ---- build ------------------------------------------------------------ */

void hm_mih_free(hm_mih *mih) {
    if (!mih) return;
    for (unsigned t = 0; t < mih->m; t++) {
        free(mih->off[t]);
        free(mih->ids[t]);
        free(mih->bcodes[t]);
    }
    free(mih);
}

/* Build table t (counting sort of the codes by key). */
static int build_table(hm_mih *mih, const uint64_t *codes, unsigned t) {
    const unsigned words = mih->words, len = mih->len[t], start = mih->start[t];
    const uint32_t n = mih->n;
    const size_t nkeys = (size_t)1 << len;
    uint32_t *off = calloc(nkeys + 1, sizeof *off);
    uint32_t *ids = malloc((size_t)n * sizeof *ids + 1);
    mih->off[t] = off;
    mih->ids[t] = ids;
    if (!off || !ids) return HM_E_NO_MEMORY;
    /* stable, so each bucket lists its codes in index order */
    for (uint32_t i = 0; i < n; i++) off[key_of(codes + (size_t)i * words, start, len) + 1]++;
    for (size_t k = 1; k <= nkeys; k++) off[k] += off[k - 1];
    for (uint32_t i = 0; i < n; i++) ids[off[key_of(codes + (size_t)i * words, start, len)]++] = i;
    /* the scatter advanced each offset to its bucket's end */
    memmove(off + 1, off, nkeys * sizeof *off);
    off[0] = 0;
    if (words == 1) {
        uint64_t *bc = malloc((size_t)n * sizeof *bc + 1);
        mih->bcodes[t] = bc;
        if (!bc) return HM_E_NO_MEMORY;
        for (uint32_t i = 0; i < n; i++) bc[i] = codes[ids[i]];
    }
    return HM_OK;
}

typedef struct build_job {
    hm_mih *mih;
    const uint64_t *codes;
    unsigned first, step;
    int st;
} build_job;

static void *build_tables(void *arg) {
    build_job *j = arg;
    j->st = HM_OK;
    for (unsigned t = j->first; t < j->mih->m && j->st == HM_OK; t += j->step)
        j->st = build_table(j->mih, j->codes, t);
    return NULL;
}

int hm_mih_build(hm_mih **out, const uint64_t *codes, uint32_t n,
                 unsigned words, unsigned m) {
    hm_mih *mih = calloc(1, sizeof *mih);
    *out = NULL;
    if (!mih || m < 1 || m > HM_MIH_MAX_M) {
        free(mih);
        return HM_E_NO_MEMORY;
    }
    mih->words = words;
    mih->m = m;
    mih->n = n;
    split(64 * words, m, mih->start, mih->len);
    /* The tables are independent: large builds use the cores there are
     * (up to 4).  The threads end before this returns. */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned nt = n >= (1u << 20) && ncpu > 1 ? (unsigned)(ncpu < 4 ? ncpu : 4) : 1;
    if (nt > m) nt = m;
    build_job jobs[4];
    pthread_t th[4];
    unsigned started = 0;
    for (unsigned k = 0; k < nt; k++) jobs[k] = (build_job){mih, codes, k, nt, HM_OK};
    for (unsigned k = 1; k < nt; k++) {
        if (pthread_create(&th[k], NULL, build_tables, &jobs[k]) != 0) break;
        started = k;
    }
    build_tables(&jobs[0]);
    int st = jobs[0].st;
    for (unsigned k = 1; k <= started; k++) {
        pthread_join(th[k], NULL);
        if (jobs[k].st != HM_OK) st = jobs[k].st;
    }
    /* the share of a thread that could not start is built here */
    for (unsigned t = 0; t < m && st == HM_OK; t++)
        if (!mih->off[t]) st = build_table(mih, codes, t);
    if (st != HM_OK) {
        hm_mih_free(mih);
        return st;
    }
    mih->bytes = sizeof *mih;
    for (unsigned t = 0; t < m; t++)
        mih->bytes += (((size_t)1 << mih->len[t]) + 1) * sizeof(uint32_t) +
                      (size_t)n * (sizeof(uint32_t) + (words == 1 ? sizeof(uint64_t) : 0));
    *out = mih;
    return HM_OK;
}

/* ---- query ------------------------------------------------------------ */

/* Every key within `s` bits of `key` (len bits), written to keys[]. */
static size_t enumerate(uint32_t key, unsigned len, int s, uint32_t *keys) {
    size_t k = 0;
    const uint32_t limit = (uint32_t)1 << len;
    keys[k++] = key;
    for (int bitsf = 1; bitsf <= s && bitsf <= (int)len; bitsf++) {
        /* all masks with `bitsf` bits set, in increasing order (Gosper) */
        uint32_t mask = ((uint32_t)1 << bitsf) - 1;
        while (mask < limit) {
            keys[k++] = key ^ mask;
            uint32_t c = mask & -mask, r = mask + c;
            mask = (((r ^ mask) >> 2) / c) | r;
        }
    }
    return k;
}

/* A candidate within r is reported by table t only if no earlier table
 * would have found it. */
static inline int first_table(const hm_mih *mih, const uint64_t *x,
                              unsigned t, unsigned r) {
    for (unsigned u = 0; u < t; u++) {
        int s = table_radius(r, mih->m, u);
        if (s >= 0 &&
            __builtin_popcount(key_of(x, mih->start[u], mih->len[u])) <= s)
            return 0;
    }
    return 1;
}

#define PF 8 /* prefetch distance, in probes or candidates */

/* A probed bucket that is not empty: codes ids[b..e) of table t. */
typedef struct range {
    uint32_t b, e, t;
} range;

HM_CLONES_POPCNT
int hm_mih_query(const hm_mih *mih, const uint64_t *codes, const uint64_t *q,
                 unsigned r, double give_up_ns, unsigned needle, hm_hitbuf *out) {
    const unsigned words = mih->words;
    double probes = 0;
    size_t nranges = 0, ncands = 0;
    /* pass 1, every table: probe the keys, keep the non-empty buckets and
     * count their codes.  Only the offsets are read, so the exact cost of
     * verifying is known before any code is touched. */
    for (unsigned t = 0; t < mih->m; t++) {
        const int s = table_radius(r, mih->m, t);
        if (s < 0) continue;
        const unsigned len = mih->len[t];
        const uint32_t *off = mih->off[t];
        const double np = binom_sum(len, s);
        probes += np;
        if (np > 1e7 || (give_up_ns >= 0 && probes * C_PROBE > give_up_ns))
            return 1; /* too many probes: let the caller scan */
        if (HM_RESERVE(out->keys, out->keys_cap, (size_t)np + 1, 1024) != HM_OK ||
            HM_RESERVE(out->cands, out->cands_cap, 3 * (nranges + (size_t)np) + 3, 1024) != HM_OK)
            return HM_E_NO_MEMORY;
        const size_t nk = enumerate(key_of(q, mih->start[t], len), len, s, out->keys);
        const uint32_t *keys = out->keys;
        range *rg = (range *)out->cands;
        for (size_t i = 0; i < nk; i++) {
            if (i + PF < nk) __builtin_prefetch(off + keys[i + PF]);
            const uint32_t b = off[keys[i]], e = off[keys[i] + 1];
            if (b == e) continue;
            rg[nranges++] = (range){b, e, t};
            ncands += e - b;
        }
    }
    if (give_up_ns >= 0 && probes * C_PROBE + cands_cost(words, (double)ncands) > give_up_ns)
        return 1;
    /* pass 2: verify.  64-bit buckets hold the codes: sequential reads.
     * 256-bit buckets hold indices: gather, then read the codes with
     * prefetching, one table at a time (the ranges come in table order). */
    if (words == 4 && HM_RESERVE(out->keys, out->keys_cap, ncands + 1, 1024) != HM_OK)
        return HM_E_NO_MEMORY;
    uint32_t *cand = out->keys; /* the probe keys are no longer needed */
    const range *rg = (const range *)out->cands;
    for (size_t i = 0; i < nranges;) {
        const unsigned t = rg[i].t;
        const uint32_t *ids = mih->ids[t];
        size_t nc = 0, j = i;
        for (; j < nranges && rg[j].t == t; j++) {
            if (words == 1) {
                const uint64_t *bc = mih->bcodes[t];
                for (uint32_t p = rg[j].b; p < rg[j].e; p++) {
                    /* padded: key_of may read a second word */
                    uint64_t x[2] = {bc[p] ^ q[0], 0};
                    unsigned d = (unsigned)__builtin_popcountll(x[0]);
                    if (d <= r && first_table(mih, x, t, r)) {
                        if (hm_hitbuf_reserve(out, 1) != HM_OK) return HM_E_NO_MEMORY;
                        out->v[out->n++] = (hm_hit){ids[p], (uint16_t)d, (uint16_t)needle};
                    }
                }
            } else {
                memcpy(cand + nc, ids + rg[j].b, (rg[j].e - rg[j].b) * sizeof *ids);
                nc += rg[j].e - rg[j].b;
            }
        }
        for (size_t k = 0; k < nc; k++) {
            if (k + PF < nc) __builtin_prefetch(codes + (size_t)cand[k + PF] * 4);
            const uint64_t *c = codes + (size_t)cand[k] * 4;
            uint64_t x[4] = {c[0] ^ q[0], c[1] ^ q[1], c[2] ^ q[2], c[3] ^ q[3]};
            unsigned d = (unsigned)(__builtin_popcountll(x[0]) + __builtin_popcountll(x[1]) +
                                    __builtin_popcountll(x[2]) + __builtin_popcountll(x[3]));
            if (d <= r && first_table(mih, x, t, r)) {
                if (hm_hitbuf_reserve(out, 1) != HM_OK) return HM_E_NO_MEMORY;
                out->v[out->n++] = (hm_hit){cand[k], (uint16_t)d, (uint16_t)needle};
            }
        }
        i = j;
    }
    return 0;
}
