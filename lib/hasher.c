/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hasher: the public hm_hasher object with its parameters and limits,
 * and the public calls that decode and hash with it.  Each checks its
 * arguments, decodes under the hasher's limits, and has the hash stage's
 * pipeline (hash/pipeline.h) turn the rows into the requested hashes in
 * one pass: the decoder pushes rows into every requested hash
 * computation, so nothing is decoded twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/common.h"
#include "hasher.h"
#include "decode/decode.h"
#include "hash/pipeline.h"

#define DEFAULT_MAX_INPUT_BYTES (256ull << 20)
#define DEFAULT_MAX_PIXELS 100000000ull

struct hm_hasher {
    uint64_t max_input_bytes;
    uint64_t max_pixels;
    int pdq_flavour;
    int apply_exif;
    int fast;
};

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

hm_hasher *hm_hasher_copy(const hm_hasher *h) {
    hm_hasher *c = malloc(sizeof *c);
    if (c) *c = *h;
    return c;
}

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

/* The arguments every hashing call checks first: the output array, and
 * the type mask as the hash stage reads it (hm_hashpipe_request). */
static int check_request(unsigned *types, hm_hash *out, size_t cap, size_t *n_out) {
    if (!out || !n_out)
        return hm_fail(HM_E_INVALID_ARGUMENT, "out and n_out are required");
    *n_out = 0;
    return hm_hashpipe_request(types, cap);
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
    hm_hashpipe p;
    hm_sink sink;
    hm_decode_opts o;
    hm_image_info tmp;
    hm_image img = {0};
    hm_hash extra[HM_HASH_RESULTS_MAX];
    size_t n = 0, nt = 0;
    int st = HM_OK;
    if (!info) info = &tmp;
    memset(info, 0, sizeof *info);
    o = decode_opts(h);
    hm_hashpipe_init(&p, types, h->pdq_flavour);
    sink = hm_hashpipe_sink(&p);
    if (!(types & HM_TYPES_PIXEL)) {
        /* digests only: no need to decode the pixels */
        info->format = hm_detect_format(data, size);
    } else if (types & HM_HASHPIPE_BUFFERED) {
        /* borders, crops and turns need the whole image: buffer it */
        st = hm_decode_to_image(data, size, &o, &img, info);
        if (st == HM_OK) {
            info->width = img.w;
            info->height = img.h;
            info->channels = img.channels;
            st = hm_hashpipe_image(&img, types, h->pdq_flavour, out, &n);
        }
        if (st == HM_OK) st = hm_hashpipe_extra(&img, types, h->pdq_flavour, extra, &nt);
        hm_image_release(&img);
    } else {
        st = hm_decode(data, size, &o, &sink, info);
        info->width = p.w;
        info->height = p.h;
        info->channels = p.channels;
        if (st == HM_OK) st = hm_hashpipe_finish(&p, out, &n);
    }
    hm_hashpipe_free(&p);
    if (st == HM_OK) st = hm_hashpipe_digests(types, data, size, out, &n);
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
    if ((st = check_request(&types, out, cap, n_out)) != HM_OK) return st;
    if ((st = check_input(h, data, size)) != HM_OK) return st;
    return hash_encoded(h, data, size, types, out, n_out, info);
}

hm_status hm_hash_memory(hm_hasher *h, const void *data, size_t size,
                         unsigned types, hm_hash *out, size_t cap,
                         size_t *n_out, hm_image_info *info) {
    return HM_CALL(hash_memory(h, data, size, types, out, cap, n_out, info));
}

/* Read a whole file, refusing more than `max` bytes (HM_E_LIMIT).  Any
 * readable file but a directory: a pipe or a device is read to its end.
 * Not index/file_io.c's hm_file_read, which reads regular files only,
 * with no limit, and calls a file that ends early corrupt. */
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
    if ((st = check_request(&types, out, cap, n_out)) != HM_OK) return st;
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
    hm_image img;
    size_t n = 0, nt = 0;
    int bpp, channels, st;
    if (!h) return hm_fail(HM_E_INVALID_ARGUMENT, "hasher is NULL");
    if ((st = check_request(&types, out, cap, n_out)) != HM_OK) return st;
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
    img = (hm_image){pixels, width, height, stride, bpp, channels, NULL};
    st = hm_hashpipe_image(&img, types, h->pdq_flavour, out, &n);
    if (st == HM_OK) st = hm_hashpipe_extra(&img, types, h->pdq_flavour, out + n, &nt);
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
