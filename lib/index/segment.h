/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A segment: an immutable set of entries with their search structures.
 * A snapshot is a list of segments plus, per segment, a bitmap of the
 * entries removed since the segment was built (tombstones).  Segments are
 * shared by every snapshot that contains them (reference-counted).
 *
 * Layout:
 *  - entries[] sorted by (hash of (list, entry id), list, id, type, code):
 *    removal by entry id is a binary search, with no extra table.
 *  - one code table per hash type: the distinct codes (sorted by their
 *    canonical bytes; exact types are binary-searched), and for each code
 *    the entries that carry it (CSR: code_start / code_entries).
 *  - per 64- and 256-bit table: the linear scan over `codes`, MIH when the
 *    table is large enough, a BK-tree when asked for.
 */
#ifndef HM_INDEX_SEGMENT_H
#define HM_INDEX_SEGMENT_H

#include <stdatomic.h>
#include <stdint.h>

#include "bktree.h"
#include "../common/common.h"
#include "mih.h"

/* Entries per segment are limited by the 28-bit code field. */
#define HM_SEG_MAX_ENTRIES ((1u << 28) - 1)

typedef struct hm_seg_entry {
    uint32_t list;
    uint32_t id_off;     /* offsets into the segment's string pool */
    uint32_t labels_off; /* 0 = no labels ("") */
    uint32_t tc;         /* type << 28 | code index within that type */
    uint32_t aux;        /* video frames: timestamp in ms; HM_NO_AUX else */
} hm_seg_entry;

#define HM_NO_AUX 0xffffffffu

#define HM_TC_TYPE(tc) ((int)((tc) >> 28))
#define HM_TC_CODE(tc) ((tc) & ((1u << 28) - 1))

typedef struct hm_code_table {
    uint32_t ncodes;
    unsigned words;          /* uint64_t per code: 1, 2 or 4 */
    uint64_t *codes;         /* canonical bytes, `words` words per code */
    uint32_t *code_start;    /* ncodes + 1 */
    uint32_t *code_entries;  /* entry indices, grouped by code */
    hm_mih *mih;             /* NULL when not built */
    hm_bktree *bk;           /* NULL when not built */
} hm_code_table;

/* One entry to build from.  Strings are not copied until the build. */
typedef struct hm_seg_input {
    uint32_t list;
    int type;
    const uint8_t *bytes; /* hm_hash_bits(type) / 8 bytes */
    const char *id;
    const char *labels;   /* may be NULL */
    uint32_t aux;         /* see hm_seg_entry */
} hm_seg_input;

typedef struct hm_seg_opts {
    unsigned structures;          /* HM_INDEX_STRUCTURES bit mask */
    int radius[HM_HASH_TYPE_MAX + 1]; /* radius the MIH is tuned for */
} hm_seg_opts;

typedef struct hm_segment {
    atomic_uint refs;
    uint32_t nentries;
    hm_seg_entry *entries;
    char *strings;
    size_t strings_len;
    hm_code_table tab[HM_HASH_TYPE_MAX + 1];
    size_t bytes, bytes_structures;
} hm_segment;

/* Build a segment over inputs[0..n); entries equal in list, id, type and
 * bytes are kept once.  HM_OK, HM_E_NO_MEMORY or HM_E_LIMIT. */
int hm_segment_build(const hm_seg_input *in, size_t n, const hm_seg_opts *o,
                     hm_segment **out);
hm_segment *hm_segment_ref(hm_segment *s);
void hm_segment_unref(hm_segment *s);

static inline const char *hm_seg_str(const hm_segment *s, uint32_t off) {
    return s->strings + off;
}

/* The bytes of the code an entry carries. */
const uint8_t *hm_seg_entry_bytes(const hm_segment *s, const hm_seg_entry *e);

/* Entries of (list, id): [*first, *first + *count).  Binary search. */
void hm_seg_find_id(const hm_segment *s, uint32_t list, const char *id,
                    uint32_t *first, uint32_t *count);

/* Index of the code equal to `bytes` in table `type`, or -1. */
int64_t hm_seg_find_code(const hm_segment *s, int type, const uint8_t *bytes);

/* The key entries are sorted by. */
uint64_t hm_seg_id_key(uint32_t list, const char *id);

/* Tombstones: one bit per entry of a segment; shared between snapshots
 * until a writer changes them (copy on write). */
typedef struct hm_tomb {
    atomic_uint refs;
    uint32_t nbits;
    uint64_t ndead;
    uint64_t bits[];
} hm_tomb;

hm_tomb *hm_tomb_new(uint32_t nbits);
hm_tomb *hm_tomb_copy(const hm_tomb *t, uint32_t nbits);
hm_tomb *hm_tomb_ref(hm_tomb *t);
void hm_tomb_unref(hm_tomb *t);
static inline int hm_tomb_dead(const hm_tomb *t, uint32_t i) {
    return t && (t->bits[i >> 6] >> (i & 63)) & 1;
}

#endif
