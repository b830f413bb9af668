/* SPDX-License-Identifier: BSD-3-Clause */
/* Streaming pHash.org DCT image hash: rows in, hashes out (phashorg.c),
 * and the packings of its value. */
#ifndef HM_PHASHORG_STREAM_H
#define HM_PHASHORG_STREAM_H

#include "hash.h"

typedef struct hm_pho_stream hm_pho_stream;

int hm_pho_stream_create(int w, int h, hm_pho_stream **out);
void hm_pho_stream_push(hm_pho_stream *s, const uint8_t *row, int bpp, int channels);
/* Write the packings `types` asks for (HM_TYPES_PHASHORG bits, in type
 * order), each followed by its 7 dihedral variants under
 * HM_WANT_DIHEDRAL; returns how many (at most 24). */
size_t hm_pho_stream_finish(hm_pho_stream *s, unsigned types, hm_hash *out);
void hm_pho_stream_free(hm_pho_stream *s);

/* Is `type` one of the packings of pHash.org's hash? */
int hm_pho_is_packing(int type);
/* The value of packing `type` for the 64 bits in coefficient order (bit
 * i: coefficient i), and back (from HM_HASH_PHASHORG_2014, coefficient 0
 * comes back 0: that packing drops it). */
uint64_t hm_pho_pack(uint64_t bits, int type);
uint64_t hm_pho_unpack(uint64_t value, int type);
/* The 64-bit value of a hash of a pHash.org type, as the reference
 * prints it with %016llx, and a hash of `type` with that value. */
uint64_t hm_pho_value(const hm_hash *h);
void hm_pho_set(hm_hash *h, int type, uint64_t value);

#endif
