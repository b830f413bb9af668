/* SPDX-License-Identifier: BSD-3-Clause */
/* Format detection, dispatch, and EXIF orientation for the decode stage. */
#include "decode.h"

#include <stdlib.h>
#include <string.h>

hm_format hm_detect_format(const void *data, size_t n) {
    const uint8_t *p = data;
    if (!p) return HM_FORMAT_UNKNOWN;
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return HM_FORMAT_JPEG;
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) return HM_FORMAT_PNG;
    if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
        return HM_FORMAT_GIF;
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return HM_FORMAT_WEBP;
    if (n >= 26 && p[0] == 'B' && p[1] == 'M') return HM_FORMAT_BMP;
    if (n >= 8 && (memcmp(p, "II*\0", 4) == 0 || memcmp(p, "MM\0*", 4) == 0))
        return HM_FORMAT_TIFF;
    return HM_FORMAT_UNKNOWN;
}

const char *hm_format_name(int f) {
    switch (f) {
    case HM_FORMAT_JPEG: return "jpeg";
    case HM_FORMAT_PNG: return "png";
    case HM_FORMAT_GIF: return "gif";
    case HM_FORMAT_WEBP: return "webp";
    case HM_FORMAT_BMP: return "bmp";
    case HM_FORMAT_TIFF: return "tiff";
    case HM_FORMAT_UNKNOWN: return "unknown";
    default: return NULL;
    }
}

int hm_check_dims(uint64_t w, uint64_t h, const hm_decode_opts *o,
                  const char *what) {
    if (w == 0 || h == 0)
        return hm_fail(HM_E_DECODE, "%s has zero size (%llux%llu)",
                       what, (unsigned long long)w, (unsigned long long)h);
    if (w > UINT32_MAX / 4 || h > UINT32_MAX / 4 || w * h > o->max_pixels)
        return hm_fail(HM_E_LIMIT,
                       "%s of %llux%llu pixels is over the limit of %llu pixels "
                       "(HM_HASHER_MAX_PIXELS)",
                       what, (unsigned long long)w, (unsigned long long)h,
                       (unsigned long long)o->max_pixels);
    return HM_OK;
}

int hm_sink_push_image(const hm_sink *sink, const uint8_t *px, uint32_t w,
                       uint32_t h, size_t stride, int channels, int bpp) {
    int st = sink->begin(sink->ctx, w, h, channels, bpp);
    for (uint32_t y = 0; st == HM_OK && y < h; y++)
        sink->row(sink->ctx, px + (size_t)y * stride);
    return st;
}

/* ---- EXIF orientation --------------------------------------------- */

static unsigned rd16(const uint8_t *p, int le) {
    return le ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}
static uint32_t rd32(const uint8_t *p, int le) {
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                    (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The value of `tag` in the first IFD of a TIFF structure (EXIF blocks,
 * TIFF files), a SHORT or a LONG held in the entry itself: 1 and *value
 * set, or 0 when absent or of another type. */
static int ifd0_value(const uint8_t *t, size_t len, unsigned tag, uint32_t *value) {
    int le;
    uint32_t ifd;
    unsigned n;
    if (len < 8) return 0;
    if (t[0] == 'I' && t[1] == 'I') le = 1;
    else if (t[0] == 'M' && t[1] == 'M') le = 0;
    else return 0;
    if (rd16(t + 2, le) != 42) return 0;
    ifd = rd32(t + 4, le);
    if (ifd > len - 2) return 0;
    n = rd16(t + ifd, le);
    for (unsigned i = 0; i < n; i++) {
        size_t e = (size_t)ifd + 2 + (size_t)i * 12;
        if (e + 12 > len) return 0;
        if (rd16(t + e, le) != tag) continue;
        const unsigned type = rd16(t + e + 2, le);
        if (type == 3) *value = rd16(t + e + 8, le);
        else if (type == 4) *value = rd32(t + e + 8, le);
        else return 0;
        return 1;
    }
    return 0;
}

int hm_exif_orientation(const uint8_t *t, size_t len) {
    uint32_t v;
    if (!ifd0_value(t, len, 0x0112, &v) || v < 1 || v > 8) return 0;
    return (int)v;
}

void hm_tiff_dims(const uint8_t *t, size_t len, uint64_t *w, uint64_t *h) {
    uint32_t a, b;
    *w = *h = 0;
    if (ifd0_value(t, len, 0x0100, &a) && ifd0_value(t, len, 0x0101, &b)) {
        *w = a;
        *h = b;
    }
}

/* ---- orientation through a full-image buffer ---------------------- */

typedef struct collect {
    hm_image img;
    uint32_t next;
    const hm_decode_opts *o;
} collect;

static int collect_begin(void *ctx, uint32_t w, uint32_t h, int ch, int bpp) {
    collect *c = ctx;
    if (hm_image_alloc(&c->img, w, h, ch, bpp) != HM_OK)
        return hm_fail(HM_E_NO_MEMORY, "out of memory for %ux%u image",
                       w, h);
    return HM_OK;
}

static void collect_row(void *ctx, const uint8_t *row) {
    collect *c = ctx;
    memcpy(c->img.owned + (size_t)c->next++ * c->img.stride, row,
           c->img.stride);
}

/* Push `img` displayed upright for EXIF orientation `o` (2..8): the
 * dihedral variant that turns the stored image upright, row by row. */
static int push_oriented(const hm_image *img, int o, const hm_sink *sink) {
    static const int kVariant[9] = {0, 0, HM_DIH_FLIPY, HM_DIH_ROT180, HM_DIH_FLIPX,
                                    HM_DIH_FLIPPLUS1, HM_DIH_ROT270, HM_DIH_FLIPMINUS1,
                                    HM_DIH_ROT90};
    const int v = kVariant[o];
    const uint32_t ow = hm_dihedral_transposes(v) ? img->h : img->w;
    const uint32_t oh = hm_dihedral_transposes(v) ? img->w : img->h;
    const int bpp = img->bpp;
    uint8_t *row = malloc((size_t)ow * (size_t)bpp);
    int st;
    if (!row) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    st = sink->begin(sink->ctx, ow, oh, img->channels, bpp);
    for (uint32_t y = 0; st == HM_OK && y < oh; y++) {
        for (uint32_t x = 0; x < ow; x++) {
            int sy, sx;
            hm_dihedral_src(v, (int)img->w, (int)img->h, (int)y, (int)x, &sy, &sx);
            memcpy(row + (size_t)x * bpp,
                   img->px + (size_t)sy * img->stride + (size_t)sx * bpp,
                   (size_t)bpp);
        }
        sink->row(sink->ctx, row);
    }
    free(row);
    return st;
}

int hm_decode(const uint8_t *data, size_t size, const hm_decode_opts *o,
              const hm_sink *sink, hm_image_info *info) {
    const hm_format fmt = hm_detect_format(data, size);
    int st, orientation = 0;
    if (info) info->format = fmt;
    switch (fmt) {
    case HM_FORMAT_JPEG:
        if (o->apply_exif) {
            /* Orientation is known only after the header; decode into a
             * buffer and rotate when it says so. */
            collect c = {0};
            hm_sink cs = {collect_begin, collect_row, &c};
            st = hm_decode_jpeg(data, size, o, &cs, &orientation);
            if (st == HM_OK) {
                if (orientation >= 2)
                    st = push_oriented(&c.img, orientation, sink);
                else
                    st = hm_sink_push_image(sink, c.img.px, c.img.w, c.img.h,
                                            c.img.stride, c.img.channels,
                                            c.img.bpp);
            }
            hm_image_release(&c.img);
        } else {
            st = hm_decode_jpeg(data, size, o, sink, &orientation);
        }
        break;
    case HM_FORMAT_PNG: st = hm_decode_png(data, size, o, sink); break;
    case HM_FORMAT_WEBP: st = hm_decode_webp(data, size, o, sink); break;
    case HM_FORMAT_GIF:
    case HM_FORMAT_BMP:
    case HM_FORMAT_TIFF:
        st = hm_decode_ffmpeg(data, size, fmt, o, sink);
        break;
    default:
        return hm_fail(HM_E_UNKNOWN_FORMAT,
                       "content is not JPEG, PNG, GIF, WebP, BMP or TIFF "
                       "(first bytes do not match any signature)");
    }
    if (info) info->exif_orientation = orientation;
    return st;
}

int hm_decode_to_image(const uint8_t *data, size_t size,
                       const hm_decode_opts *o, hm_image *img,
                       hm_image_info *info) {
    collect c = {0};
    hm_sink cs = {collect_begin, collect_row, &c};
    int st = hm_decode(data, size, o, &cs, info);
    if (st != HM_OK) {
        hm_image_release(&c.img);
        return st;
    }
    *img = c.img;
    return HM_OK;
}
