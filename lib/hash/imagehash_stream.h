/* Streaming imagehash aHash/dHash/pHash: rows in, hashes out. */
#ifndef HM_IMAGEHASH_STREAM_H
#define HM_IMAGEHASH_STREAM_H

#include "hash.h"

typedef struct hm_ih_stream hm_ih_stream;

/* `types`: mask of HM_TYPE_BIT(PHASH | DHASH | AHASH) to prepare. */
int hm_ih_stream_create(int w, int h, unsigned types, hm_ih_stream **out);
void hm_ih_stream_push(hm_ih_stream *s, const uint8_t *row, int bpp,
                       int channels);
/* Fill the requested hashes (pointers for types not asked may be NULL). */
void hm_ih_stream_finish(hm_ih_stream *s, unsigned types, hm_hash *ph,
                         hm_hash *dh, hm_hash *ah);
void hm_ih_stream_free(hm_ih_stream *s);

#endif
