/* Multi-index hashing: build, cost model and exact range query. */
#include "mih.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/common.h"

/*
 * Cost model constants, in nanoseconds, measured on the benchmark machine
 * (bench/RESULTS.md): a probe is a dependent random read of the offset
 * array; a 256-bit candidate a random read of its code (prefetched in
 * batches); a 64-bit candidate a sequential read inside its bucket; a
 * scanned code one streaming read.
 */
#define C_PROBE 50.0
#define C_CAND_256 40.0
#define C_CAND_64 3.5
#define C_SCAN_256 1.6
#define C_SCAN_64 0.4

/* ---- hit buffer ------------------------------------------------------ */

int hm_hitbuf_reserve(hm_hitbuf *b, size_t extra) {
    if (b->n + extra <= b->cap) return HM_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + extra) cap *= 2;
    hm_hit *v = realloc(b->v, cap * sizeof *v);
    if (!v) return HM_E_NO_MEMORY;
    b->v = v;
    b->cap = cap;
    return HM_OK;
}

static int grow_u32(uint32_t **p, size_t *cap, size_t need) {
    if (need <= *cap) return HM_OK;
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    uint32_t *v = realloc(*p, c * sizeof *v);
    if (!v) return HM_E_NO_MEMORY;
    *p = v;
    *cap = c;
    return HM_OK;
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

static double cost(uint32_t n, unsigned words, unsigned m,
                   const uint16_t *len, const double *skew, unsigned r) {
    double probes = 0, cands = 0;
    for (unsigned t = 0; t < m; t++) {
        int s = table_radius(r, m, t);
        if (s < 0) continue;
        double p = binom_sum(len[t], s);
        probes += p;
        cands += p * (double)n / ldexp(1.0, len[t]) * (skew ? skew[t] : 1.0);
    }
    return probes * C_PROBE + cands * (words == 1 ? C_CAND_64 : C_CAND_256);
}

double hm_scan_cost(uint32_t n, unsigned words) {
    return (double)n * (words == 1 ? C_SCAN_64 : C_SCAN_256);
}

double hm_mih_cost(const hm_mih *mih, unsigned r) {
    return cost(mih->n, mih->words, mih->m, mih->len, mih->skew, r);
}

size_t hm_mih_budget(const hm_mih *mih, double ns) {
    return (size_t)(ns / (mih->words == 1 ? C_CAND_64 : C_CAND_256)) + 1;
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
        double c = cost(n, bits / 64, m, len, NULL, r);
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
    mih->bytes = sizeof *mih;
    for (unsigned t = 0; t < m; t++) {
        const unsigned len = mih->len[t], start = mih->start[t];
        const size_t nkeys = (size_t)1 << len;
        uint32_t *off = calloc(nkeys + 1, sizeof *off);
        uint32_t *ids = malloc((size_t)n * sizeof *ids + 1);
        mih->off[t] = off;
        mih->ids[t] = ids;
        if (!off || !ids) goto nomem;
        /* counting sort of the codes by key: stable, so each bucket lists
         * its codes in index order */
        for (uint32_t i = 0; i < n; i++)
            off[key_of(codes + (size_t)i * words, start, len) + 1]++;
        double sq = 0;
        for (size_t k = 1; k <= nkeys; k++) {
            sq += (double)off[k] * off[k];
            off[k] += off[k - 1];
        }
        mih->skew[t] = n ? sq / ((double)n * n / (double)nkeys) : 1.0;
        if (mih->skew[t] < 1.0) mih->skew[t] = 1.0;
        for (uint32_t i = 0; i < n; i++)
            ids[off[key_of(codes + (size_t)i * words, start, len)]++] = i;
        /* the scatter advanced each offset to its bucket's end */
        memmove(off + 1, off, nkeys * sizeof *off);
        off[0] = 0;
        mih->bytes += (nkeys + 1) * sizeof *off + (size_t)n * sizeof *ids;
        if (words == 1) {
            uint64_t *bc = malloc((size_t)n * sizeof *bc + 1);
            mih->bcodes[t] = bc;
            if (!bc) goto nomem;
            for (uint32_t i = 0; i < n; i++) bc[i] = codes[ids[i]];
            mih->bytes += (size_t)n * sizeof *bc;
        }
    }
    *out = mih;
    return HM_OK;
nomem:
    hm_mih_free(mih);
    return HM_E_NO_MEMORY;
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

HM_CLONES_POPCNT
int hm_mih_query(const hm_mih *mih, const uint64_t *codes, const uint64_t *q,
                 unsigned r, size_t budget, unsigned needle, hm_hitbuf *out) {
    const unsigned words = mih->words;
    size_t seen = 0;
    for (unsigned t = 0; t < mih->m; t++) {
        const int s = table_radius(r, mih->m, t);
        if (s < 0) continue;
        const unsigned len = mih->len[t];
        const uint32_t *off = mih->off[t], *ids = mih->ids[t];
        double np = binom_sum(len, s);
        if (np > 1e7) return 1; /* never reasonable: let the caller scan */
        if (grow_u32(&out->keys, &out->keys_cap, (size_t)np + 1) != HM_OK)
            return HM_E_NO_MEMORY;
        size_t nk = enumerate(key_of(q, mih->start[t], len), len, s, out->keys);
        uint32_t *keys = out->keys;
        /* pass 1: candidates (64-bit: verified in place, sequentially) */
        size_t nc = 0;
        for (size_t i = 0; i < nk; i++) {
            if (i + PF < nk) __builtin_prefetch(off + keys[i + PF]);
            const uint32_t b = off[keys[i]], e = off[keys[i] + 1];
            if (b == e) continue;
            seen += e - b;
            if (seen > budget) return 1;
            if (words == 1) {
                const uint64_t *bc = mih->bcodes[t];
                for (uint32_t p = b; p < e; p++) {
                    /* padded: key_of may read a second word */
                    uint64_t x[2] = {bc[p] ^ q[0], 0};
                    unsigned d = (unsigned)__builtin_popcountll(x[0]);
                    if (d <= r && first_table(mih, x, t, r)) {
                        if (hm_hitbuf_reserve(out, 1) != HM_OK)
                            return HM_E_NO_MEMORY;
                        out->v[out->n++] = (hm_hit){ids[p], (uint16_t)d,
                                                    (uint16_t)needle};
                    }
                }
            } else {
                if (grow_u32(&out->cands, &out->cands_cap, nc + (e - b)) != HM_OK)
                    return HM_E_NO_MEMORY;
                memcpy(out->cands + nc, ids + b, (e - b) * sizeof *ids);
                nc += e - b;
            }
        }
        if (words == 1) continue;
        /* pass 2 (256-bit): verify candidates, prefetching their codes */
        const uint32_t *cands = out->cands;
        for (size_t i = 0; i < nc; i++) {
            if (i + PF < nc)
                __builtin_prefetch(codes + (size_t)cands[i + PF] * 4);
            const uint64_t *c = codes + (size_t)cands[i] * 4;
            uint64_t x[4] = {c[0] ^ q[0], c[1] ^ q[1], c[2] ^ q[2], c[3] ^ q[3]};
            unsigned d = (unsigned)(__builtin_popcountll(x[0]) +
                                    __builtin_popcountll(x[1]) +
                                    __builtin_popcountll(x[2]) +
                                    __builtin_popcountll(x[3]));
            if (d <= r && first_table(mih, x, t, r)) {
                if (hm_hitbuf_reserve(out, 1) != HM_OK) return HM_E_NO_MEMORY;
                out->v[out->n++] = (hm_hit){cands[i], (uint16_t)d,
                                            (uint16_t)needle};
            }
        }
    }
    return 0;
}
