/* SPDX-License-Identifier: BSD-3-Clause */
/* Streaming PDQ: rows in, 16x16 DCT and quality out (see pdq.c). */
#ifndef HM_PDQ_STREAM_H
#define HM_PDQ_STREAM_H

#include "../common/simd.h"
#include "hash.h"

typedef struct hm_pdq_stream hm_pdq_stream;

/* Prepare to receive `in_h` rows of `in_w` pixels, with the kernel set of
 * the highest usable SIMD level (lib/common/simd.h). */
int hm_pdq_stream_create(int in_w, int in_h, int flavour,
                         hm_pdq_stream **out);

/* The filter has a kernel set (instruction set) per SIMD level: portable,
 * AVX2, AVX-512F; every one gives the same bits.  Internal, for tests
 * that compare them: not exported. */
/* 1 when the set of level `isa` is usable: this build and the CPU have
 * it, and HM_SIMD allows the level. */
int hm_pdq_isa_available(hm_simd_level isa);
/* As hm_pdq_stream_create, with the set of level `isa`
 * (HM_E_INVALID_ARGUMENT when it is not usable). */
int hm_pdq_stream_create_isa(int in_w, int in_h, int flavour,
                             hm_simd_level isa, hm_pdq_stream **out);
/* Push the next row (8-bit, `bpp` bytes per pixel, 1 or 3 channels). */
void hm_pdq_stream_push(hm_pdq_stream *s, const uint8_t *row, int bpp,
                        int channels);
/* After all rows: the DCT and quality. */
int hm_pdq_stream_finish(hm_pdq_stream *s, hm_pdq_dct *out);
void hm_pdq_stream_free(hm_pdq_stream *s);

#endif
