/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where decoded rows are turned into hashes (pipeline.c): the hash
 * stage's sink for the decoder, which feeds every requested perceptual
 * hash from one pass over the rows; the same for a buffered image, with
 * the hashes of its trimmed content, crops and turned copies; the
 * digests of the encoded bytes; and the rule of a request's type mask.
 * The hasher (lib/hasher.c) drives it: it checks the caller's arguments,
 * decodes, and puts the results in the documented order.
 */
#ifndef HM_HASH_PIPELINE_H
#define HM_HASH_PIPELINE_H

#include "../decode/decode.h"
#include "hash.h"
#include "imagehash_stream.h"
#include "pdq_stream.h"
#include "phashorg_stream.h"

/* A request's type mask (HM_TYPE_BIT values and HM_WANT_* flags) made
 * ready: unknown bits or no hash type are HM_E_INVALID_ARGUMENT, the
 * deprecated HM_WANT_PDQ_DIHEDRAL becomes PDQ with its variants, and an
 * output capacity `cap` less than the most hashes the request can give
 * is HM_E_LIMIT. */
int hm_hashpipe_request(unsigned *types, size_t cap);
/* The most hashes a request made ready by hm_hashpipe_request can give
 * (what the caller's output must hold). */
size_t hm_hashpipe_outputs(unsigned types);

/* The sink of one image's rows: the perceptual hashes `types` asks for,
 * PDQ in `flavour` (an hm_pdq_flavour).  Start it with
 * hm_hashpipe_init, hand hm_hashpipe_sink to the decoder, then
 * hm_hashpipe_finish; hm_hashpipe_free in every case. */
typedef struct hm_hashpipe {
    unsigned types;
    int flavour;
    uint32_t w, h;
    int channels, bpp; /* layout of the rows, fixed by the decoder (begin) */
    hm_pdq_stream *pdq;
    hm_ih_stream *ih;
    hm_pho_stream *pho;
} hm_hashpipe;

void hm_hashpipe_init(hm_hashpipe *p, unsigned types, int flavour);
hm_sink hm_hashpipe_sink(hm_hashpipe *p);
/* The finished perceptual hashes, in the documented order, into out;
 * their number into *n. */
int hm_hashpipe_finish(hm_hashpipe *p, hm_hash *out, size_t *n);
void hm_hashpipe_free(hm_hashpipe *p);

/* The perceptual hashes of a buffered image, as the sink gives them. */
int hm_hashpipe_image(const hm_image *img, unsigned types, int flavour, hm_hash *out,
                      size_t *n);
/* The request flags whose hashes need the whole image buffered. */
#define HM_HASHPIPE_BUFFERED \
    (HM_WANT_TRIMMED | HM_WANT_CROPS | HM_WANT_CROPS_FINE | HM_WANT_ROTATIONS)
/* The hashes the HM_HASHPIPE_BUFFERED flags add for a buffered image:
 * the perceptual hashes of its content inside uniform borders (none when
 * there is no border), marked HM_VARIANT_TRIMMED, then those of each
 * crop, marked HM_VARIANT_CROP (| HM_VARIANT_FINE for the 5 x 5 grid),
 * then those of the image turned by each angle, marked HM_VARIANT_ROTATED
 * and the angle's index. */
int hm_hashpipe_extra(const hm_image *img, unsigned types, int flavour, hm_hash *out,
                      size_t *n);
/* Append the digests of the encoded bytes that `types` asks for at
 * out[*n], counting them in *n. */
int hm_hashpipe_digests(unsigned types, const uint8_t *bytes, size_t size, hm_hash *out,
                        size_t *n);

#endif
