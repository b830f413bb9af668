/* SPDX-License-Identifier: BSD-3-Clause */
/* Streaming PDQ: rows in, 16x16 DCT and quality out (see pdq.c). */
#ifndef HM_PDQ_STREAM_H
#define HM_PDQ_STREAM_H

#include "hash.h"

typedef struct hm_pdq_stream hm_pdq_stream;

/* Prepare to receive `in_h` rows of `in_w` pixels, with the fastest
 * kernel set the CPU runs. */
int hm_pdq_stream_create(int in_w, int in_h, int flavour,
                         hm_pdq_stream **out);

/* 1 when this build and CPU run kernel set `isa` (an HM_ISA_*: every
 * one gives the same bits; for tests that compare them). */
int hm_pdq_isa_available(int isa);
/* As hm_pdq_stream_create, with kernel set `isa` (HM_E_INVALID_ARGUMENT
 * when it is not available). */
int hm_pdq_stream_create_isa(int in_w, int in_h, int flavour, int isa,
                             hm_pdq_stream **out);
/* Push the next row (8-bit, `bpp` bytes per pixel, 1 or 3 channels). */
void hm_pdq_stream_push(hm_pdq_stream *s, const uint8_t *row, int bpp,
                        int channels);
/* After all rows: the DCT and quality. */
int hm_pdq_stream_finish(hm_pdq_stream *s, hm_pdq_dct *out);
void hm_pdq_stream_free(hm_pdq_stream *s);

#endif
