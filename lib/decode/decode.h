/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal interface of the decode stage: encoded bytes -> pixel rows. */
#ifndef HM_DECODE_H
#define HM_DECODE_H

#include "../common/common.h"

/* Where decoded rows go.  `begin` is called once with the final
 * dimensions and layout (1 or 3 colour channels, bpp 1, 3 or 4) before
 * any row; it may refuse (non-zero status, its message set by hm_fail).
 * Then `row` is called for each row from top to bottom. */
typedef struct hm_sink {
    int (*begin)(void *ctx, uint32_t w, uint32_t h, int channels, int bpp);
    void (*row)(void *ctx, const uint8_t *row);
    void *ctx;
} hm_sink;

/* Announce and push a whole buffered image (rows `stride` bytes apart). */
int hm_sink_push_image(const hm_sink *sink, const uint8_t *px, uint32_t w,
                       uint32_t h, size_t stride, int channels, int bpp);

typedef struct hm_decode_opts {
    uint64_t max_pixels;
    int fast_min_side; /* 0 = exact; else JPEG DCT scaling, short side >= */
    int apply_exif;    /* apply EXIF orientation (JPEG) */
} hm_decode_opts;

/* Decode `data` (format detected from content) into `sink`.  Fills the
 * format/size fields of `info` (may be NULL). */
int hm_decode(const uint8_t *data, size_t size, const hm_decode_opts *o,
              const hm_sink *sink, hm_image_info *info);

/* Per-format decoders (same contract as hm_decode).  `orientation`
 * receives the EXIF orientation (1..8) or 0 when the format has none. */
int hm_decode_jpeg(const uint8_t *data, size_t size, const hm_decode_opts *o,
                   const hm_sink *sink, int *orientation);
int hm_decode_png(const uint8_t *data, size_t size, const hm_decode_opts *o,
                  const hm_sink *sink);
int hm_decode_webp(const uint8_t *data, size_t size, const hm_decode_opts *o,
                   const hm_sink *sink);
int hm_decode_ffmpeg(const uint8_t *data, size_t size, hm_format fmt,
                     const hm_decode_opts *o, const hm_sink *sink);

/* Decode into one owned image buffer (rows collected from the sink). */
int hm_decode_to_image(const uint8_t *data, size_t size,
                       const hm_decode_opts *o, hm_image *img,
                       hm_image_info *info);

/* The content rectangle inside uniform borders (trim.c; the rule of
 * hm_find_content).  The whole image when nothing is trimmed. */
void hm_trim_rect(const uint8_t *px, uint32_t w, uint32_t h, size_t stride,
                  int channels, int bpp, hm_rect *out);

/* EXIF orientation tag from a TIFF-structured EXIF block, 0 if absent. */
int hm_exif_orientation(const uint8_t *tiff, size_t len);

/* Image width and length from a TIFF file's first IFD; 0 x 0 if absent. */
void hm_tiff_dims(const uint8_t *tiff, size_t len, uint64_t *w, uint64_t *h);

/* The pixel limit, the one rule for every image and video frame: w x h
 * over o->max_pixels is HM_E_LIMIT, a zero side HM_E_DECODE.  `what`
 * names the thing in the message ("JPEG", "x.mp4: a frame"). */
int hm_check_dims(uint64_t w, uint64_t h, const hm_decode_opts *o,
                  const char *what);

#endif
