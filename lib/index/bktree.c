/* SPDX-License-Identifier: BSD-3-Clause */
/* BK-tree: bulk breadth-first build and iterative range query. */
#include "bktree.h"

#include <stdlib.h>
#include <string.h>

#include "../common/common.h"

void hm_bktree_free(hm_bktree *t) {
    if (!t) return;
    free(t->code_of);
    free(t->ncodes);
    free(t->child_start);
    free(t->key);
    free(t);
}

HM_CLONES_POPCNT
static void distances(const uint64_t *codes, unsigned words,
                      const uint32_t *items, uint32_t len, uint32_t pivot,
                      uint16_t *dist) {
    const uint64_t *p = codes + (size_t)pivot * words;
    for (uint32_t i = 0; i < len; i++)
        dist[i] = (uint16_t)hm_code_dist(codes + (size_t)items[i] * words, p,
                                         words);
}

int hm_bktree_build(hm_bktree **out, const uint64_t *codes, uint32_t n,
                    unsigned words) {
    const unsigned bits = 64 * words;
    hm_bktree *t = calloc(1, sizeof *t);
    uint32_t *items = malloc((size_t)n * sizeof *items + 1);
    uint32_t *tmp = malloc((size_t)n * sizeof *tmp + 1);
    uint16_t *dist = malloc((size_t)n * sizeof *dist + 1);
    uint32_t *nstart = malloc((size_t)n * sizeof *nstart + 1);
    uint32_t *nlen = malloc((size_t)n * sizeof *nlen + 1);
    uint16_t *ndepth = malloc((size_t)n * sizeof *ndepth + 1);
    uint32_t count[257], pos[257];
    int st = HM_E_NO_MEMORY;
    *out = NULL;
    if (!t || !items || !tmp || !dist || !nstart || !nlen || !ndepth) goto done;
    t->words = words;
    t->n = n;
    t->code_of = malloc((size_t)n * sizeof *t->code_of + 1);
    t->ncodes = malloc((size_t)n * words * sizeof *t->ncodes + 1);
    t->child_start = malloc(((size_t)n + 1) * sizeof *t->child_start);
    t->key = malloc((size_t)n * sizeof *t->key + 1);
    if (!t->code_of || !t->ncodes || !t->child_start || !t->key) goto done;
    /* a fixed pseudo-random order, so that sorted input does not decide
     * the shape of the tree (and builds are reproducible) */
    for (uint32_t i = 0; i < n; i++) items[i] = i;
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (uint32_t i = n; i > 1; i--) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        uint32_t j = (uint32_t)(rng % i), x = items[i - 1];
        items[i - 1] = items[j];
        items[j] = x;
    }
    uint32_t next = n ? 1 : 0;
    if (n) {
        nstart[0] = 0;
        nlen[0] = n;
        ndepth[0] = 1;
        t->key[0] = 0;
    }
    for (uint32_t node = 0; node < n; node++) {
        const uint32_t s = nstart[node], len = nlen[node];
        const uint32_t pivot = items[s];
        t->code_of[node] = pivot;
        memcpy(t->ncodes + (size_t)node * words,
               codes + (size_t)pivot * words, words * sizeof *codes);
        t->child_start[node] = next;
        if (ndepth[node] > t->depth) t->depth = ndepth[node];
        if (len == 1) continue;
        /* bucket the rest by distance to the pivot (stable counting sort) */
        const uint32_t rest = s + 1, m = len - 1;
        distances(codes, words, items + rest, m, pivot, dist);
        memset(count, 0, sizeof count);
        for (uint32_t i = 0; i < m; i++) count[dist[i]]++;
        uint32_t acc = 0;
        for (unsigned d = 0; d <= bits; d++) {
            pos[d] = acc;
            acc += count[d];
        }
        for (uint32_t i = 0; i < m; i++) tmp[pos[dist[i]]++] = items[rest + i];
        memcpy(items + rest, tmp, m * sizeof *items);
        acc = 0;
        for (unsigned d = 1; d <= bits; d++) { /* codes are unique: d >= 1 */
            if (!count[d]) continue;
            nstart[next] = rest + acc;
            nlen[next] = count[d];
            ndepth[next] = (uint16_t)(ndepth[node] + 1);
            t->key[next] = (uint16_t)d;
            next++;
            acc += count[d];
        }
    }
    t->child_start[n] = n;
    t->bytes = sizeof *t + (size_t)n * (sizeof *t->code_of + sizeof *t->key +
                                        words * sizeof *t->ncodes) +
               ((size_t)n + 1) * sizeof *t->child_start;
    *out = t;
    t = NULL;
    st = HM_OK;
done:
    hm_bktree_free(t);
    free(items);
    free(tmp);
    free(dist);
    free(nstart);
    free(nlen);
    free(ndepth);
    return st;
}

/* Share of nodes a query visits on uniform random codes, at the radii
 * measured (index-design notes, 1M codes); interpolated linearly. */
static const struct { unsigned r; double share; } kVisit64[] = {
    {0, 1e-6}, {1, 1.4e-4}, {2, 1.4e-3}, {3, 7.8e-3}, {4, 0.028}, {6, 0.149},
    {8, 0.384}, {10, 0.635}, {12, 0.822}, {16, 0.972}, {64, 1.0}};
static const struct { unsigned r; double share; } kVisit256[] = {
    {0, 1e-6}, {8, 0.041}, {16, 0.42}, {31, 0.968}, {47, 0.9998}, {256, 1.0}};
#define C_NODE 10.0 /* ns per node visited (bench/RESULTS.md) */

double hm_bktree_cost(const hm_bktree *t, unsigned r) {
    double share = 1.0;
#define INTERP(tab)                                                         \
    for (size_t i = 1; i < sizeof tab / sizeof tab[0]; i++)                 \
        if (r <= tab[i].r) {                                                \
            double f = (double)(r - tab[i - 1].r) / (tab[i].r - tab[i - 1].r); \
            share = tab[i - 1].share + f * (tab[i].share - tab[i - 1].share); \
            break;                                                          \
        }
    if (t->words == 1) {
        INTERP(kVisit64)
    } else {
        INTERP(kVisit256)
    }
#undef INTERP
    return share * t->n * C_NODE;
}

HM_CLONES_POPCNT
int hm_bktree_query(const hm_bktree *t, const uint64_t *q, unsigned r,
                    unsigned needle, hm_hitbuf *out, uint64_t *visited) {
    if (!t->n) return HM_OK;
    /* the stack holds at most the children pushed along one path plus
     * their pending siblings: bounded by n */
    uint32_t small[256], *stack = small;
    size_t cap = 256, sp = 0;
    uint64_t nv = 0;
    int st = HM_OK;
    stack[sp++] = 0;
    while (sp) {
        const uint32_t node = stack[--sp];
        const unsigned d = hm_code_dist(t->ncodes + (size_t)node * t->words, q,
                                        t->words);
        nv++;
        if (d <= r) {
            if (hm_hitbuf_reserve(out, 1) != HM_OK) {
                st = HM_E_NO_MEMORY;
                break;
            }
            out->v[out->n++] = (hm_hit){t->code_of[node], (uint16_t)d,
                                        (uint16_t)needle};
        }
        uint32_t lo = t->child_start[node], hi = t->child_start[node + 1];
        const unsigned kmin = d > r ? d - r : 0, kmax = d + r;
        /* children are sorted by key: binary search the first >= kmin */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (t->key[mid] < kmin) lo = mid + 1;
            else hi = mid;
        }
        for (uint32_t c = lo; c < t->child_start[node + 1] && t->key[c] <= kmax;
             c++) {
            if (sp == cap) {
                uint32_t *ns = malloc(2 * cap * sizeof *ns);
                if (!ns) {
                    st = HM_E_NO_MEMORY;
                    goto done;
                }
                memcpy(ns, stack, sp * sizeof *ns);
                if (stack != small) free(stack);
                stack = ns;
                cap *= 2;
            }
            stack[sp++] = c;
        }
    }
done:
    if (stack != small) free(stack);
    if (visited) *visited += nv;
    return st;
}
