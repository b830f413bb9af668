/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guard every FFmpeg decoder of the library runs under (GIF, BMP and
 * TIFF images in ffimage.c, videos in lib/video): a custom get_buffer2
 * that sees each picture before its memory is allocated and
 *  - applies the pixel limit by the library's own rule (hm_check_dims on
 *    the frame size, so a frame at exactly the limit decodes and one over
 *    it is HM_E_LIMIT, never "corrupt");
 *  - caps the bytes of pictures the decoder holds at once (reference and
 *    reordering frames): at the first picture from what the stream
 *    declares (reference frames and reorder delay, known once the decoder
 *    has read the stream's parameter sets), then at every allocation from
 *    the pictures actually held.
 * FFmpeg's own max_pixels stays set, with room for its stride alignment,
 * as a backstop for what decoders allocate before their first picture.
 */
#ifndef HM_FFGUARD_H
#define HM_FFGUARD_H

#include <libavcodec/avcodec.h>

#include "decode.h"

typedef struct hm_ffguard {
    hm_decode_opts o;   /* max_pixels */
    uint64_t max_bytes; /* cap on the pictures held; 0: none */
    const char *name;   /* the input, for messages */
    uint64_t held;      /* bytes of pictures the decoder holds now */
    int started;        /* the first picture was checked */
    int refused;        /* HM_E_LIMIT once a picture was refused, else 0 */
} hm_ffguard;

/* Put the decoder `c` (allocated, parameters set, not yet opened) under
 * the guard `g`, which must stay alive until the decoder and every frame
 * it returned are freed.  A decoder whose pictures bypass get_buffer2
 * (libdav1d) gets the exact pixel limit and the memory cap checked here,
 * from the stream's size: HM_E_LIMIT (with its message) when over.
 * FFmpeg calls the guard on the thread that decodes (decoders run with
 * thread_count = 1), so its messages are the calling thread's. */
int hm_ffguard_attach(hm_ffguard *g, AVCodecContext *c);

/* FFmpeg's max_pixels for a library pixel limit: FFmpeg compares the
 * width rounded up to its stride alignment, so a frame at the limit needs
 * room; the guard itself enforces the limit exactly. */
int64_t hm_ffguard_backstop(uint64_t max_pixels);

#endif
