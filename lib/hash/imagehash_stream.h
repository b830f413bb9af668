/* SPDX-License-Identifier: BSD-3-Clause */
/* Streaming imagehash aHash/dHash/pHash: rows in, hashes out. */
#ifndef HM_IMAGEHASH_STREAM_H
#define HM_IMAGEHASH_STREAM_H

#include "hash.h"

typedef struct hm_ih_stream hm_ih_stream;

/* `types`: mask of HM_TYPE_BIT(PHASH | DHASH | AHASH) to prepare, with
 * HM_WANT_DIHEDRAL for the dihedral variants. */
int hm_ih_stream_create(int w, int h, unsigned types, hm_ih_stream **out);
void hm_ih_stream_push(hm_ih_stream *s, const uint8_t *row, int bpp,
                       int channels);
/* Write the hashes `types` asks for (a subset of those prepared) to `out`
 * in the order pHash, dHash, aHash, each followed by its 7 dihedral
 * variants under HM_WANT_DIHEDRAL; returns how many (at most 24). */
size_t hm_ih_stream_finish(hm_ih_stream *s, unsigned types, hm_hash *out);
void hm_ih_stream_free(hm_ih_stream *s);

#endif
