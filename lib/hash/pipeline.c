/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where decoded rows are turned into hashes (pipeline.h): a decode sink
 * that pushes each row into every requested hash computation at once
 * (nothing is decoded twice), its use on buffered images for the trimmed,
 * crop and turned images' hashes, the digests, and how many hashes a
 * request gives.
 */
#include "pipeline.h"

#include "turn.h"

#define IH_TYPES                                                          \
    (HM_TYPE_BIT(HM_HASH_PHASH) | HM_TYPE_BIT(HM_HASH_DHASH) |            \
     HM_TYPE_BIT(HM_HASH_AHASH))

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
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
        if (t != HM_HASH_PDQ && (types & HM_TYPES_PIXEL & HM_TYPE_BIT(t)))
            n += (types & HM_WANT_DIHEDRAL) ? 8 : 1;
    return n;
}

size_t hm_hashpipe_outputs(unsigned types) {
    size_t n = count_perceptual(types);
    if (types & HM_TYPE_BIT(HM_HASH_MD5)) n++;
    if (types & HM_TYPE_BIT(HM_HASH_SHA256)) n++;
    if (types & HM_WANT_TRIMMED) n += count_perceptual(types);
    if (types & HM_WANT_CROPS)
        n += HM_CROPS * count_perceptual(types & HM_TYPES_PIXEL);
    if (types & HM_WANT_CROPS_FINE)
        n += HM_CROPS_FINE * count_perceptual(types & HM_TYPES_PIXEL);
    if (types & HM_WANT_ROTATIONS)
        n += HM_ROTATIONS * count_perceptual(types & HM_TYPES_PIXEL);
    return n;
}

int hm_hashpipe_request(unsigned *types, size_t cap) {
    const unsigned known =
        HM_TYPES_EVERY | kWantPdqDihedral | HM_WANT_DIHEDRAL | HM_HASHPIPE_BUFFERED;
    if (*types & ~known)
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "unknown bits in type mask 0x%x", *types & ~known);
    if (*types & kWantPdqDihedral) *types |= HM_TYPE_BIT(HM_HASH_PDQ);
    if (!(*types & HM_TYPES_EVERY))
        return hm_fail(HM_E_INVALID_ARGUMENT, "no hash type requested");
    if (cap < hm_hashpipe_outputs(*types))
        return hm_fail(HM_E_LIMIT, "output capacity %zu is less than the %zu hashes requested",
                       cap, hm_hashpipe_outputs(*types));
    return HM_OK;
}

/* ---- the sink ------------------------------------------------------ */

/* hm_sink callbacks: create the requested hash streams, feed them rows. */
static int pipe_begin(void *ctx, uint32_t w, uint32_t h, int channels,
                      int bpp) {
    hm_hashpipe *p = ctx;
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
    if (st == HM_OK && (p->types & HM_TYPES_PHASHORG))
        st = hm_pho_stream_create((int)w, (int)h, &p->pho);
    if (st != HM_OK)
        return hm_fail(st, "out of memory preparing hashes for %ux%u", w, h);
    return HM_OK;
}

static void pipe_row(void *ctx, const uint8_t *row) {
    hm_hashpipe *p = ctx;
    if (p->pdq) hm_pdq_stream_push(p->pdq, row, p->bpp, p->channels);
    if (p->ih) hm_ih_stream_push(p->ih, row, p->bpp, p->channels);
    if (p->pho) hm_pho_stream_push(p->pho, row, p->bpp, p->channels);
}

void hm_hashpipe_init(hm_hashpipe *p, unsigned types, int flavour) {
    *p = (hm_hashpipe){0};
    p->types = types;
    p->flavour = flavour;
}

hm_sink hm_hashpipe_sink(hm_hashpipe *p) { return (hm_sink){pipe_begin, pipe_row, p}; }

void hm_hashpipe_free(hm_hashpipe *p) {
    hm_pdq_stream_free(p->pdq);
    hm_ih_stream_free(p->ih);
    hm_pho_stream_free(p->pho);
    p->pdq = NULL;
    p->ih = NULL;
    p->pho = NULL;
}

int hm_hashpipe_finish(hm_hashpipe *p, hm_hash *out, size_t *n_out) {
    size_t n = 0;
    if (p->pdq) {
        hm_pdq_dct dct;
        int st = hm_pdq_stream_finish(p->pdq, &dct);
        if (st != HM_OK) return hm_fail(st, "PDQ pipeline failed");
        for (int v = 0; v < pdq_variants(p->types); v++)
            hm_pdq_hash(&dct, v, &out[n++]);
    }
    if (p->ih) n += hm_ih_stream_finish(p->ih, p->types, out + n);
    if (p->pho) n += hm_pho_stream_finish(p->pho, p->types, out + n);
    *n_out = n;
    return HM_OK;
}

int hm_hashpipe_digests(unsigned types, const uint8_t *bytes, size_t size,
                        hm_hash *out, size_t *n) {
    if (types & HM_TYPE_BIT(HM_HASH_MD5))
        if (hm_digest_md5(bytes, size, &out[(*n)++]) != HM_OK)
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
    if (types & HM_TYPE_BIT(HM_HASH_SHA256))
        if (hm_digest_sha256(bytes, size, &out[(*n)++]) != HM_OK)
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
    return HM_OK;
}

/* ---- buffered images ----------------------------------------------- */

/* Perceptual hashes of a w x h image in memory. */
static int hash_rows(unsigned types, int flavour, const uint8_t *px,
                     uint32_t w, uint32_t ht, size_t stride, int channels,
                     int bpp, hm_hash *out, size_t *n) {
    hm_hashpipe p;
    hm_sink sink;
    int st;
    hm_hashpipe_init(&p, types, flavour);
    sink = hm_hashpipe_sink(&p);
    st = hm_sink_push_image(&sink, px, w, ht, stride, channels, bpp);
    if (st == HM_OK) st = hm_hashpipe_finish(&p, out, n);
    hm_hashpipe_free(&p);
    return st;
}

int hm_hashpipe_image(const hm_image *img, unsigned types, int flavour, hm_hash *out,
                      size_t *n) {
    return hash_rows(types, flavour, img->px, img->w, img->h, img->stride, img->channels,
                     img->bpp, out, n);
}

/* The hashes of the image turned by each angle of HM_ROTATION_ANGLES,
 * after shrinking it to HM_ROTATION_SIDE, into out; their number into *n. */
static int rotations(const hm_image *img, unsigned plain, int flavour, hm_hash *out,
                     size_t *n) {
    hm_image small, turned = {0};
    size_t k = 0, total = 0;
    int st = hm_image_shrink(img, HM_ROTATION_SIDE, &small);
    *n = 0;
    if (st != HM_OK) return hm_fail(st, "out of memory shrinking the image to turn it");
    if (hm_image_alloc(&turned, small.w, small.h, small.channels, small.bpp) != HM_OK)
        st = hm_fail(HM_E_NO_MEMORY, "out of memory turning the image");
    for (unsigned i = 0; i < HM_ROTATIONS && st == HM_OK; i++) {
        hm_image_turn(&small, hm_rotation_angle(i), &turned);
        st = hash_rows(plain, flavour, turned.px, turned.w, turned.h, turned.stride,
                       turned.channels, turned.bpp, out + total, &k);
        for (size_t j = 0; j < k; j++)
            out[total + j].variant = (uint8_t)(HM_VARIANT_ROTATED | i << 3);
        total += k;
    }
    hm_image_release(&turned);
    hm_image_release(&small);
    *n = total;
    return st;
}

static void mark(hm_hash *out, size_t n, unsigned bit) {
    for (size_t i = 0; i < n; i++) out[i].variant |= (uint8_t)bit;
}

_Static_assert(3 * 3 == HM_CROPS && 5 * 5 == HM_CROPS_FINE, "the crop grids");

/* The hashes of an n x n grid of crops of tenths/10 of each side (rounded),
 * evenly spaced from corner to corner (offsets k/(n-1) of the rest,
 * rounded), row by row from the top-left, marked `bits`, into out; their
 * number into *count. */
static int crop_grid(const hm_image *img, unsigned plain, int flavour, unsigned tenths,
                     unsigned n, unsigned bits, hm_hash *out, size_t *count) {
    const uint32_t cw = (uint32_t)(((uint64_t)img->w * tenths + 5) / 10);
    const uint32_t ch = (uint32_t)(((uint64_t)img->h * tenths + 5) / 10);
    const uint32_t half = (n - 1) / 2;
    size_t k = 0, total = 0;
    int st = HM_OK;
    for (unsigned c = 0; c < n * n && st == HM_OK; c++) {
        const uint32_t x = ((img->w - cw) * (c % n) + half) / (n - 1);
        const uint32_t y = ((img->h - ch) * (c / n) + half) / (n - 1);
        st = hash_rows(plain, flavour,
                       img->px + (size_t)y * img->stride + (size_t)x * (size_t)img->bpp, cw, ch,
                       img->stride, img->channels, img->bpp, out + total, &k);
        mark(out + total, k, bits);
        total += k;
    }
    *count = total;
    return st;
}

int hm_hashpipe_extra(const hm_image *img, unsigned types, int flavour, hm_hash *out,
                      size_t *n) {
    const uint8_t *px = img->px;
    const uint32_t w = img->w, ht = img->h;
    const size_t stride = img->stride;
    const int channels = img->channels, bpp = img->bpp;
    size_t k = 0, total = 0;
    int st = HM_OK;
    *n = 0;
    if (!(types & HM_TYPES_PIXEL)) return HM_OK;
    if (types & HM_WANT_TRIMMED) {
        hm_rect r;
        hm_trim_rect(px, w, ht, stride, channels, bpp, &r);
        if (r.width != w || r.height != ht) {
            st = hash_rows(types, flavour, px + (size_t)r.y * stride + (size_t)r.x * (size_t)bpp,
                           r.width, r.height, stride, channels, bpp, out, &k);
            mark(out, k, HM_VARIANT_TRIMMED);
            total = k;
        }
    }
    if (types & HM_WANT_CROPS && st == HM_OK) { /* 3 x 3 of 90% */
        st = crop_grid(img, types & HM_TYPES_PIXEL, flavour, 9, 3, HM_VARIANT_CROP,
                       out + total, &k);
        total += k;
    }
    if (types & HM_WANT_CROPS_FINE && st == HM_OK) { /* 5 x 5 of 80% */
        st = crop_grid(img, types & HM_TYPES_PIXEL, flavour, 8, 5,
                       HM_VARIANT_CROP | HM_VARIANT_FINE, out + total, &k);
        total += k;
    }
    if (types & HM_WANT_ROTATIONS && st == HM_OK) {
        st = rotations(img, types & HM_TYPES_PIXEL, flavour, out + total, &k);
        total += k;
    }
    *n = total;
    return st;
}
