/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact multi-index hashing (Norouzi, Punjani, Fleet, "Fast Exact Search
 * in Hamming Space with Multi-Index Hashing", TPAMI 2014) over flat arrays.
 *
 * The b-bit code is cut into m contiguous substrings, one table each.  A
 * table is a dense offset array over all 2^len keys (CSR) and, per bucket,
 * the indices of the codes with that key.  A query at radius r = s*m + a
 * probes every key within s of the query's substring in the first a+1
 * tables and within s-1 in the others (the refined pigeonhole bound), then
 * verifies each candidate's full distance.  A candidate is reported only by
 * the first table in which it lies within that table's radius, so no
 * visited set is needed and nothing is reported twice.
 */
#ifndef HM_INDEX_MIH_H
#define HM_INDEX_MIH_H

#include <stddef.h>
#include <stdint.h>

#include "hamming.h"

#define HM_MIH_MAX_M 32
#define HM_MIH_MAX_KEY_BITS 24

typedef struct hm_mih {
    unsigned words; /* 1 (64-bit codes) or 4 (256-bit) */
    unsigned m;
    uint32_t n;
    uint16_t start[HM_MIH_MAX_M], len[HM_MIH_MAX_M];
    uint32_t *off[HM_MIH_MAX_M]; /* 2^len + 1 bucket offsets */
    uint32_t *ids[HM_MIH_MAX_M]; /* n code indices, grouped by key */
    /* 64-bit codes only: the codes themselves in bucket order, so that a
     * bucket verifies with sequential reads */
    uint64_t *bcodes[HM_MIH_MAX_M];
    size_t bytes;
} hm_mih;

/* Growable output of hits and the probe/candidate scratch of a query. */
typedef struct hm_hitbuf {
    hm_hit *v;
    size_t n, cap;
    uint32_t *keys, *cands; /* query scratch (probe keys, buckets, ids) */
    size_t keys_cap, cands_cap;
} hm_hitbuf;

int hm_hitbuf_reserve(hm_hitbuf *b, size_t extra);
void hm_hitbuf_free(hm_hitbuf *b);

/* Number of tables the cost model picks for n codes of `bits` bits
 * queried at radius r; 0 when MIH should not be built (n too small). */
unsigned hm_mih_choose_m(uint32_t n, unsigned bits, unsigned r);

/* Build over codes[0..n) (n * words uint64_t).  HM_OK or HM_E_NO_MEMORY. */
int hm_mih_build(hm_mih **out, const uint64_t *codes, uint32_t n,
                 unsigned words, unsigned m);
void hm_mih_free(hm_mih *mih);

/* Estimated cost in nanoseconds of one query at radius r, from the
 * probe count and the candidates expected on uniform codes. */
double hm_mih_cost(const hm_mih *mih, unsigned r);
/* Estimated cost of a linear scan of n codes of `words` words. */
double hm_scan_cost(uint32_t n, unsigned words);

/*
 * Append to `out` every code within distance r of q (idx = code index,
 * needle = `needle`).  The query first probes every table and counts the
 * candidates; when probing and verifying would cost more than
 * `give_up_ns` (the cost of the alternative, a scan; < 0: never give up)
 * it returns 1 before reading any code, and the caller scans instead.
 * Returns 0 when complete, or HM_E_NO_MEMORY.
 */
int hm_mih_query(const hm_mih *mih, const uint64_t *codes, const uint64_t *q,
                 unsigned r, double give_up_ns, unsigned needle, hm_hitbuf *out);

#endif
