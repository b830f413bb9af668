/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public API glue: a hasher object owns options and limits,
 * and runs decode -> hash as one streaming pipeline (the decoder pushes
 * rows into the requested hash computations; nothing is decoded twice).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/common.h"
#include "hasher.h"
#include "decode/decode.h"
#include "hash/hash.h"
#include "hash/imagehash_stream.h"
#include "hash/pdq_stream.h"

#define DEFAULT_MAX_INPUT_BYTES (256ull << 20)
#define DEFAULT_MAX_PIXELS 100000000ull

struct hm_hasher {
    uint64_t max_input_bytes;
    uint64_t max_pixels;
    int pdq_flavour;
    int apply_exif;
    int fast;
};

unsigned hm_version_number(void) { return HM_VERSION_NUMBER; }

const char *hm_version_string(void) {
#define HM_STR2(x) #x
#define HM_STR(x) HM_STR2(x)
    return HM_STR(HM_VERSION_MAJOR) "." HM_STR(HM_VERSION_MINOR) "." HM_STR(
        HM_VERSION_PATCH);
}

static int hasher_create(hm_hasher **out) {
    hm_hasher *h;
    if (!out) return hm_fail(HM_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    h = calloc(1, sizeof *h);
    if (!h) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    h->max_input_bytes = DEFAULT_MAX_INPUT_BYTES;
    h->max_pixels = DEFAULT_MAX_PIXELS;
    h->pdq_flavour = HM_PDQ_FULLRES;
    *out = h;
    return HM_OK;
}

hm_status hm_hasher_create(hm_hasher **out) { return HM_CALL(hasher_create(out)); }

void hm_hasher_free(hm_hasher *h) { free(h); }

uint64_t hm_hasher_max_input(const hm_hasher *h) { return h->max_input_bytes; }
uint64_t hm_hasher_max_pixels(const hm_hasher *h) { return h->max_pixels; }

static int hasher_set(hm_hasher *h, hm_hasher_param p, int64_t v) {
    if (!h) return hm_fail(HM_E_INVALID_ARGUMENT, "hasher is NULL");
    switch (p) {
    case HM_HASHER_MAX_INPUT_BYTES:
    case HM_HASHER_MAX_PIXELS:
        if (v <= 0)
            return hm_fail(HM_E_INVALID_ARGUMENT,
                           "limits must be positive (got %lld)", (long long)v);
        if (p == HM_HASHER_MAX_INPUT_BYTES) h->max_input_bytes = (uint64_t)v;
        else h->max_pixels = (uint64_t)v;
        return HM_OK;
    case HM_HASHER_PDQ_FLAVOUR:
        if (v != HM_PDQ_FULLRES && v != HM_PDQ_CPP_512)
            return hm_fail(HM_E_INVALID_ARGUMENT,
                           "unknown PDQ flavour %lld", (long long)v);
        h->pdq_flavour = (int)v;
        return HM_OK;
    case HM_HASHER_APPLY_EXIF_ORIENTATION:
    case HM_HASHER_FAST:
        if (v != 0 && v != 1)
            return hm_fail(HM_E_INVALID_ARGUMENT,
                           "boolean parameter must be 0 or 1 (got %lld)",
                           (long long)v);
        if (p == HM_HASHER_FAST) h->fast = (int)v;
        else h->apply_exif = (int)v;
        return HM_OK;
    }
    return hm_fail(HM_E_INVALID_ARGUMENT, "unknown parameter %d",
                   (int)p);
}

hm_status hm_hasher_set(hm_hasher *h, hm_hasher_param p, int64_t v) {
    return HM_CALL(hasher_set(h, p, v));
}

static int hasher_get(const hm_hasher *h, hm_hasher_param p, int64_t *v) {
    if (!h || !v) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL hasher or value");
    switch (p) {
    case HM_HASHER_MAX_INPUT_BYTES: *v = (int64_t)h->max_input_bytes; return HM_OK;
    case HM_HASHER_MAX_PIXELS: *v = (int64_t)h->max_pixels; return HM_OK;
    case HM_HASHER_PDQ_FLAVOUR: *v = h->pdq_flavour; return HM_OK;
    case HM_HASHER_APPLY_EXIF_ORIENTATION: *v = h->apply_exif; return HM_OK;
    case HM_HASHER_FAST: *v = h->fast; return HM_OK;
    }
    return hm_fail(HM_E_INVALID_ARGUMENT, "unknown parameter %d", (int)p);
}

hm_status hm_hasher_get(const hm_hasher *h, hm_hasher_param p, int64_t *v) {
    return HM_CALL(hasher_get(h, p, v));
}

/* ---- the hashing pipeline (a decode sink) -------------------------- */

#define IH_TYPES                                                          \
    (HM_TYPE_BIT(HM_HASH_PHASH) | HM_TYPE_BIT(HM_HASH_DHASH) |            \
     HM_TYPE_BIT(HM_HASH_AHASH))

typedef struct pipeline {
    unsigned types;
    int flavour;
    uint32_t w, h;
    int channels, bpp; /* layout of the rows, fixed by the decoder */
    hm_pdq_stream *pdq;
    hm_ih_stream *ih;
} pipeline;

/* hm_sink callbacks: create the requested hash streams, feed them rows. */
static int pipe_begin(void *ctx, uint32_t w, uint32_t h, int channels,
                      int bpp) {
    pipeline *p = ctx;
    int st = HM_OK;
    p->w = w;
    p->h = h;
    p->channels = channels;
    p->bpp = bpp;
    if (p->types & HM_TYPE_BIT(HM_HASH_PDQ))
        st = hm_pdq_stream_create((int)w, (int)h, p->flavour, &p->pdq);
    if (st == HM_OK && (p->types & IH_TYPES))
        st = hm_ih_stream_create((int)w, (int)h,
                                 p->types & (IH_TYPES | HM_WANT_DIHEDRAL), &p->ih);
    if (st != HM_OK)
        return hm_fail(st, "out of memory preparing hashes for %ux%u", w, h);
    return HM_OK;
}

static void pipe_row(void *ctx, const uint8_t *row) {
    pipeline *p = ctx;
    if (p->pdq) hm_pdq_stream_push(p->pdq, row, p->bpp, p->channels);
    if (p->ih) hm_ih_stream_push(p->ih, row, p->bpp, p->channels);
}

static void pipe_free(pipeline *p) {
    hm_pdq_stream_free(p->pdq);
    hm_ih_stream_free(p->ih);
    p->pdq = NULL;
    p->ih = NULL;
}

/* HM_WANT_PDQ_DIHEDRAL is deprecated but still accepted: named here
 * without the warning its users get. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static const unsigned kWantPdqDihedral = HM_WANT_PDQ_DIHEDRAL;
#pragma GCC diagnostic pop

static int pdq_variants(unsigned types) {
    return (types & (kWantPdqDihedral | HM_WANT_DIHEDRAL)) ? 8 : 1;
}

/* Perceptual hashes of one image, dihedral variants included. */
static size_t count_perceptual(unsigned types) {
    size_t n = 0;
    if (types & HM_TYPE_BIT(HM_HASH_PDQ)) n += (size_t)pdq_variants(types);
    for (int t = HM_HASH_PHASH; t <= HM_HASH_AHASH; t++)
        if (types & HM_TYPE_BIT(t)) n += (types & HM_WANT_DIHEDRAL) ? 8 : 1;
    return n;
}

static size_t count_outputs(unsigned types) {
    size_t n = count_perceptual(types);
    if (types & HM_TYPE_BIT(HM_HASH_MD5)) n++;
    if (types & HM_TYPE_BIT(HM_HASH_SHA256)) n++;
    if (types & HM_WANT_TRIMMED) n += count_perceptual(types);
    if (types & HM_WANT_CROPS)
        n += HM_CROPS * count_perceptual(types & HM_TYPES_PERCEPTUAL);
    return n;
}

static int check_request(hm_hasher *h, unsigned *types, hm_hash *out,
                         size_t cap, size_t *n_out) {
    const unsigned known =
        HM_TYPES_ALL | kWantPdqDihedral | HM_WANT_DIHEDRAL | HM_WANT_TRIMMED |
        HM_WANT_CROPS;
    if (!out || !n_out)
        return hm_fail(HM_E_INVALID_ARGUMENT, "out and n_out are required");
    *n_out = 0;
    if (*types & ~known)
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "unknown bits in type mask 0x%x", *types & ~known);
    if (*types & kWantPdqDihedral) *types |= HM_TYPE_BIT(HM_HASH_PDQ);
    if (!(*types & HM_TYPES_ALL))
        return hm_fail(HM_E_INVALID_ARGUMENT, "no hash type requested");
    if (cap < count_outputs(*types))
        return hm_fail(HM_E_LIMIT, "output capacity %zu is less than the %zu hashes requested",
                       cap, count_outputs(*types));
    return HM_OK;
}

/* The finished perceptual hashes, in the documented order, into out;
 * their number into *n_out. */
static int pipe_finish(pipeline *p, hm_hash *out, size_t *n_out) {
    size_t n = 0;
    if (p->pdq) {
        hm_pdq_dct dct;
        int st = hm_pdq_stream_finish(p->pdq, &dct);
        if (st != HM_OK) return hm_fail(st, "PDQ pipeline failed");
        for (int v = 0; v < pdq_variants(p->types); v++)
            hm_pdq_hash(&dct, v, &out[n++]);
    }
    if (p->ih) n += hm_ih_stream_finish(p->ih, p->types, out + n);
    *n_out = n;
    return HM_OK;
}

/* Append the digests of the encoded bytes that `types` asks for. */
static int add_digests(unsigned types, const uint8_t *bytes, size_t size,
                       hm_hash *out, size_t *n) {
    if (types & HM_TYPE_BIT(HM_HASH_MD5))
        if (hm_digest_md5(bytes, size, &out[(*n)++]) != HM_OK)
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
    if (types & HM_TYPE_BIT(HM_HASH_SHA256))
        if (hm_digest_sha256(bytes, size, &out[(*n)++]) != HM_OK)
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
    return HM_OK;
}

/* Perceptual hashes of a w x h image in memory. */
static int hash_rows(const hm_hasher *h, unsigned types, const uint8_t *px,
                     uint32_t w, uint32_t ht, size_t stride, int channels,
                     int bpp, hm_hash *out, size_t *n) {
    pipeline p = {0};
    hm_sink sink = {pipe_begin, pipe_row, &p};
    int st;
    p.types = types;
    p.flavour = h->pdq_flavour;
    st = hm_sink_push_image(&sink, px, w, ht, stride, channels, bpp);
    if (st == HM_OK) st = pipe_finish(&p, out, n);
    pipe_free(&p);
    return st;
}

static void mark(hm_hash *out, size_t n, unsigned bit) {
    for (size_t i = 0; i < n; i++) out[i].variant |= (uint8_t)bit;
}

/* The hashes HM_WANT_TRIMMED and HM_WANT_CROPS add, from a buffered
 * image: the perceptual hashes of its content inside uniform borders
 * (none when there is no border), then those of each crop. */
static int hash_extra(const hm_hasher *h, unsigned types, const uint8_t *px,
                      uint32_t w, uint32_t ht, size_t stride, int channels,
                      int bpp, hm_hash *out, size_t *n) {
    size_t k = 0, total = 0;
    int st = HM_OK;
    *n = 0;
    if (!(types & HM_TYPES_PERCEPTUAL)) return HM_OK;
    if (types & HM_WANT_TRIMMED) {
        hm_rect r;
        hm_trim_rect(px, w, ht, stride, channels, bpp, &r);
        if (r.width != w || r.height != ht) {
            st = hash_rows(h, types, px + (size_t)r.y * stride + (size_t)r.x * (size_t)bpp,
                           r.width, r.height, stride, channels, bpp, out, &k);
            mark(out, k, HM_VARIANT_TRIMMED);
            total = k;
        }
    }
    if (types & HM_WANT_CROPS) {
        /* 90% of each side, rounded; offsets 0, half and all of the rest */
        const unsigned plain = types & HM_TYPES_PERCEPTUAL;
        const uint32_t cw = (uint32_t)(((uint64_t)w * 9 + 5) / 10);
        const uint32_t ch = (uint32_t)(((uint64_t)ht * 9 + 5) / 10);
        for (unsigned c = 0; c < HM_CROPS && st == HM_OK; c++) {
            const uint32_t x = ((w - cw) * (c % 3) + 1) / 2, y = ((ht - ch) * (c / 3) + 1) / 2;
            st = hash_rows(h, plain, px + (size_t)y * stride + (size_t)x * (size_t)bpp, cw, ch,
                           stride, channels, bpp, out + total, &k);
            mark(out + total, k, HM_VARIANT_CROP);
            total += k;
        }
    }
    *n = total;
    return st;
}

static hm_decode_opts decode_opts(const hm_hasher *h) {
    hm_decode_opts o;
    o.max_pixels = h->max_pixels;
    o.fast_min_side = h->fast ? HM_FAST_MIN_SIDE : 0;
    o.apply_exif = h->apply_exif;
    return o;
}

/* Checks shared by every call that takes encoded bytes. */
static int check_input(hm_hasher *h, const void *data, size_t size) {
    if (!data && size > 0)
        return hm_fail(HM_E_INVALID_ARGUMENT, "data is NULL");
    if (size == 0) return hm_fail(HM_E_DECODE, "input is empty");
    if (size > h->max_input_bytes)
        return hm_fail(HM_E_LIMIT,
                       "input is %zu bytes, over the limit of %llu bytes "
                       "(HM_HASHER_MAX_INPUT_BYTES)",
                       size, (unsigned long long)h->max_input_bytes);
    return HM_OK;
}

static int hash_encoded(hm_hasher *h, const uint8_t *data, size_t size,
                        unsigned types, hm_hash *out, size_t *n_out,
                        hm_image_info *info) {
    pipeline p = {0};
    hm_sink sink = {pipe_begin, pipe_row, &p};
    hm_decode_opts o;
    hm_image_info tmp;
    hm_image img = {0};
    hm_hash extra[HM_HASH_RESULTS_MAX];
    size_t n = 0, nt = 0;
    int st = HM_OK;
    if (!info) info = &tmp;
    memset(info, 0, sizeof *info);
    o = decode_opts(h);
    p.types = types;
    p.flavour = h->pdq_flavour;
    if (!(types & HM_TYPES_PERCEPTUAL)) {
        /* digests only: no need to decode the pixels */
        info->format = hm_detect_format(data, size);
    } else if (types & (HM_WANT_TRIMMED | HM_WANT_CROPS)) {
        /* borders and crops need the whole image: buffer it */
        st = hm_decode_to_image(data, size, &o, &img, info);
        if (st == HM_OK) {
            info->width = img.w;
            info->height = img.h;
            info->channels = img.channels;
            st = hash_rows(h, types, img.px, img.w, img.h, img.stride,
                           img.channels, img.bpp, out, &n);
        }
        if (st == HM_OK)
            st = hash_extra(h, types, img.px, img.w, img.h, img.stride,
                            img.channels, img.bpp, extra, &nt);
        hm_image_release(&img);
    } else {
        st = hm_decode(data, size, &o, &sink, info);
        info->width = p.w;
        info->height = p.h;
        info->channels = p.channels;
        if (st == HM_OK) st = pipe_finish(&p, out, &n);
    }
    pipe_free(&p);
    if (st == HM_OK) st = add_digests(types, data, size, out, &n);
    if (st != HM_OK) return st;
    memcpy(out + n, extra, nt * sizeof *extra);
    *n_out = n + nt;
    return HM_OK;
}

static int decode_memory(hm_hasher *h, const void *data, size_t size,
                         hm_pixels *out, hm_image_info *info) {
    hm_decode_opts o;
    hm_image img = {0};
    hm_image_info tmp;
    int st;
    if (!h) return hm_fail(HM_E_INVALID_ARGUMENT, "hasher is NULL");
    if (!out) return hm_fail(HM_E_INVALID_ARGUMENT, "out is NULL");
    memset(out, 0, sizeof *out);
    if ((st = check_input(h, data, size)) != HM_OK) return st;
    if (!info) info = &tmp;
    memset(info, 0, sizeof *info);
    o = decode_opts(h);
    st = hm_decode_to_image(data, size, &o, &img, info);
    if (st != HM_OK) return st;
    info->width = img.w;
    info->height = img.h;
    info->channels = img.channels;
    if (img.bpp == 4) { /* drop the ignored 4th byte */
        for (size_t i = 0, n = (size_t)img.w * img.h; i < n; i++)
            memmove(img.owned + 3 * i, img.owned + 4 * i, 3);
        img.bpp = 3;
        img.stride = (size_t)img.w * 3;
    }
    out->data = img.owned;
    out->width = img.w;
    out->height = img.h;
    out->stride = img.stride;
    out->format = img.channels == 1 ? HM_PIXEL_GRAY8 : HM_PIXEL_RGB24;
    return HM_OK;
}

hm_status hm_decode_memory(hm_hasher *h, const void *data, size_t size,
                           hm_pixels *out, hm_image_info *info) {
    return HM_CALL(decode_memory(h, data, size, out, info));
}

void hm_pixels_free(hm_pixels *p) {
    if (!p) return;
    free(p->data);
    memset(p, 0, sizeof *p);
}

static int hash_memory(hm_hasher *h, const void *data, size_t size, unsigned types,
                       hm_hash *out, size_t cap, size_t *n_out, hm_image_info *info) {
    int st;
    if (!h) return hm_fail(HM_E_INVALID_ARGUMENT, "hasher is NULL");
    if ((st = check_request(h, &types, out, cap, n_out)) != HM_OK) return st;
    if ((st = check_input(h, data, size)) != HM_OK) return st;
    return hash_encoded(h, data, size, types, out, n_out, info);
}

hm_status hm_hash_memory(hm_hasher *h, const void *data, size_t size,
                         unsigned types, hm_hash *out, size_t cap,
                         size_t *n_out, hm_image_info *info) {
    return HM_CALL(hash_memory(h, data, size, types, out, cap, n_out, info));
}

/* Read a whole file, refusing more than `max` bytes. */
static int read_file(const char *path, uint64_t max, uint8_t **data,
                     size_t *size) {
    FILE *f = fopen(path, "rb");
    struct stat sb;
    size_t cap = 0, n = 0, first;
    uint8_t *buf = NULL;
    *data = NULL;
    *size = 0;
    if (!f) return hm_fail(HM_E_IO, "%s", strerror(errno));
    if (fstat(fileno(f), &sb) != 0) memset(&sb, 0, sizeof sb);
    if (S_ISDIR(sb.st_mode)) {
        fclose(f);
        return hm_fail(HM_E_IO, "is a directory");
    }
    if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > max) {
        fclose(f);
        return hm_fail(HM_E_LIMIT,
                       "file is %lld bytes, over the limit of %llu bytes "
                       "(HM_HASHER_MAX_INPUT_BYTES)",
                       (long long)sb.st_size, (unsigned long long)max);
    }
    /* a regular file's size and one byte more, to see its end in one read */
    first = S_ISREG(sb.st_mode) && sb.st_size > 0 ? (size_t)sb.st_size + 1 : 65536;
    for (;;) {
        if (HM_RESERVE(buf, cap, n + 1, first) != HM_OK) {
            free(buf);
            fclose(f);
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n > max) {
            free(buf);
            fclose(f);
            return hm_fail(HM_E_LIMIT,
                           "input is over the limit of %llu bytes "
                           "(HM_HASHER_MAX_INPUT_BYTES)",
                           (unsigned long long)max);
        }
        if (r == 0) break;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return hm_fail(HM_E_IO, "read error");
    }
    fclose(f);
    *data = buf;
    *size = n;
    return HM_OK;
}

static int hash_file(hm_hasher *h, const char *path, unsigned types, hm_hash *out,
                     size_t cap, size_t *n_out, hm_image_info *info) {
    uint8_t *data;
    size_t size;
    int st;
    if (!h) return hm_fail(HM_E_INVALID_ARGUMENT, "hasher is NULL");
    if ((st = check_request(h, &types, out, cap, n_out)) != HM_OK) return st;
    if (!path) return hm_fail(HM_E_INVALID_ARGUMENT, "path is NULL");
    st = read_file(path, h->max_input_bytes, &data, &size);
    if (st == HM_OK) {
        if (size == 0)
            st = hm_fail(HM_E_DECODE, "file is empty");
        else
            st = hash_encoded(h, data, size, types, out, n_out, info);
        free(data);
    }
    return st == HM_OK ? HM_OK : hm_fail_prefix(st, "%s: ", path);
}

hm_status hm_hash_file(hm_hasher *h, const char *path, unsigned types,
                       hm_hash *out, size_t cap, size_t *n_out,
                       hm_image_info *info) {
    return HM_CALL(hash_file(h, path, types, out, cap, n_out, info));
}

/* Bytes per pixel and colour channels of a pixel format; 0 if unknown. */
static int pixel_layout(hm_pixel_format fmt, int *bpp, int *channels) {
    switch (fmt) {
    case HM_PIXEL_GRAY8: *bpp = 1; *channels = 1; return 1;
    case HM_PIXEL_RGB24: *bpp = 3; *channels = 3; return 1;
    case HM_PIXEL_RGBA32: *bpp = 4; *channels = 3; return 1;
    }
    return 0;
}

static int hash_pixels(hm_hasher *h, const void *pixels, uint32_t width, uint32_t height,
                       size_t stride, hm_pixel_format fmt, unsigned types, hm_hash *out,
                       size_t cap, size_t *n_out) {
    hm_decode_opts o = {0};
    size_t n = 0, nt = 0;
    int bpp, channels, st;
    if (!h) return hm_fail(HM_E_INVALID_ARGUMENT, "hasher is NULL");
    if ((st = check_request(h, &types, out, cap, n_out)) != HM_OK) return st;
    if (types & (HM_TYPE_BIT(HM_HASH_MD5) | HM_TYPE_BIT(HM_HASH_SHA256)))
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "md5 and sha256 hash encoded bytes, not pixels");
    if (!pixel_layout(fmt, &bpp, &channels))
        return hm_fail(HM_E_INVALID_ARGUMENT, "unknown pixel format %d",
                       (int)fmt);
    if (!pixels) return hm_fail(HM_E_INVALID_ARGUMENT, "pixels is NULL");
    if (stride < (size_t)width * (size_t)bpp)
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "stride %zu is less than width %u x %d bytes", stride,
                       width, bpp);
    if (width == 0 || height == 0)
        return hm_fail(HM_E_INVALID_ARGUMENT, "image has zero size (%ux%u)",
                       width, height);
    o.max_pixels = h->max_pixels;
    if ((st = hm_check_dims(width, height, &o, "the image")) != HM_OK)
        return st;
    st = hash_rows(h, types, pixels, width, height, stride, channels, bpp, out,
                   &n);
    if (st == HM_OK)
        st = hash_extra(h, types, pixels, width, height, stride, channels,
                        bpp, out + n, &nt);
    if (st == HM_OK) *n_out = n + nt;
    return st;
}

hm_status hm_hash_pixels(hm_hasher *h, const void *pixels, uint32_t width,
                         uint32_t height, size_t stride, hm_pixel_format fmt,
                         unsigned types, hm_hash *out, size_t cap,
                         size_t *n_out) {
    return HM_CALL(hash_pixels(h, pixels, width, height, stride, fmt, types, out, cap, n_out));
}

static int find_content(const void *pixels, uint32_t width, uint32_t height, size_t stride,
                        hm_pixel_format fmt, hm_rect *out) {
    int bpp, channels;
    if (!pixels || !out) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL pixels or out");
    if (!pixel_layout(fmt, &bpp, &channels))
        return hm_fail(HM_E_INVALID_ARGUMENT, "unknown pixel format %d", (int)fmt);
    if (width == 0 || height == 0 || stride < (size_t)width * (size_t)bpp)
        return hm_fail(HM_E_INVALID_ARGUMENT, "bad size %ux%u or stride %zu", width, height,
                       stride);
    hm_trim_rect(pixels, width, height, stride, channels, bpp, out);
    return HM_OK;
}

hm_status hm_find_content(const void *pixels, uint32_t width, uint32_t height,
                          size_t stride, hm_pixel_format fmt, hm_rect *out) {
    return HM_CALL(find_content(pixels, width, height, stride, fmt, out));
}
