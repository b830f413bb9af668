/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Index files as a writer would have made them (docs/index-format.md), for
 * tests that must get past the checksums: make the size field and every
 * checksum right again after a change, or grow a section.  Used by the
 * index_load fuzz target, test_persist and test_index_soak.
 */
#ifndef HM_TEST_INDEX_FILE_H
#define HM_TEST_INDEX_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* format constants, from docs/index-format.md */
enum { IXF_HEADER = 64, IXF_SECTION = 32, IXF_NSECTIONS = 5,
       IXF_TABLE_END = IXF_HEADER + IXF_NSECTIONS * IXF_SECTION + 8 };

static inline uint64_t ixf_get64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static inline void ixf_put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The size field and the checksums of the header, of every section that
 * lies inside the bytes, and of the section table. */
static inline void ixf_fix_checksums(uint8_t *m, size_t size) {
    if (size < IXF_TABLE_END) return;
    ixf_put64(m + 16, size);
    ixf_put64(m + 56, XXH3_64bits(m, 56));
    for (int i = 0; i < IXF_NSECTIONS; i++) {
        uint8_t *r = m + IXF_HEADER + i * IXF_SECTION;
        const uint64_t off = ixf_get64(r + 8), n = ixf_get64(r + 16);
        if (off <= size && n <= size - off) ixf_put64(r + 24, XXH3_64bits(m + off, n));
    }
    ixf_put64(m + IXF_TABLE_END - 8, XXH3_64bits(m + IXF_HEADER, IXF_TABLE_END - IXF_HEADER - 8));
}

/* A copy of a well-formed file (sections in kind order) with `extra`
 * bytes appended to section `kind` (1..5) and everything after it moved
 * to keep the layout, checksums made right; *out_size receives its size.
 * NULL when out of memory. */
static inline uint8_t *ixf_grow_section(const uint8_t *m, size_t size, int kind,
                                        const void *extra, size_t nextra, size_t *out_size) {
    uint8_t *out = calloc(1, size + nextra + 8);
    size_t at = IXF_TABLE_END;
    if (!out) return NULL;
    memcpy(out, m, IXF_TABLE_END);
    for (int i = 0; i < IXF_NSECTIONS; i++) {
        uint8_t *r = out + IXF_HEADER + i * IXF_SECTION;
        const uint64_t off = ixf_get64(r + 8), n = ixf_get64(r + 16);
        at = (at + 7) / 8 * 8;
        memcpy(out + at, m + off, n);
        ixf_put64(r + 8, at);
        at += n;
        if (i + 1 == kind) {
            memcpy(out + at, extra, nextra);
            at += nextra;
            ixf_put64(r + 16, n + nextra);
        }
    }
    *out_size = at;
    ixf_fix_checksums(out, at);
    return out;
}

#endif
