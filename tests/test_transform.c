/* SPDX-License-Identifier: BSD-3-Clause */
/* Transforms of the image before matching: the dihedral variants of every
 * perceptual hash (HM_WANT_DIHEDRAL, HM_QUERY_DIHEDRAL), border trimming
 * (hm_find_content, HM_WANT_TRIMMED), crops (HM_WANT_CROPS) and small
 * rotations (HM_WANT_ROTATIONS). */
#include <math.h>

#include "hashmatch.h"
#include "test_util.h"

#define DIH HM_TEST_DATA "/pdq-reference/threatexchange/pdq/data/reg-test-input/dih/"

/* The reference's rotated and mirrored copies, in hm_dihedral order. */
static const char *const kDihFiles[8] = {
    "bridge-1-original.jpg", "bridge-2-rotate-90.jpg",
    "bridge-3-rotate-180.jpg", "bridge-4-rotate-270.jpg",
    "bridge-5-flipx.jpg", "bridge-6-flipy.jpg",
    "bridge-7-flip-plus-1.jpg", "bridge-8-flip-minus-1.jpg"};
static const int k64[3] = {HM_HASH_PHASH, HM_HASH_DHASH, HM_HASH_AHASH};
#define PERCEPTUAL64 \
    (HM_TYPE_BIT(HM_HASH_PHASH) | HM_TYPE_BIT(HM_HASH_DHASH) | HM_TYPE_BIT(HM_HASH_AHASH))

static hm_pixels decode(hm_hasher *h, const char *path) {
    hm_pixels p = {0};
    size_t size;
    unsigned char *data = read_all(path, &size);
    CHECK(data != NULL);
    if (data) CHECK_INT(hm_decode_memory(h, data, size, &p, NULL), HM_OK);
    free(data);
    return p;
}

/* The first hash of `type` with variant `variant` among out[0..n). */
static const hm_hash *find(const hm_hash *out, size_t n, int type, int variant) {
    for (size_t i = 0; i < n; i++)
        if (out[i].type == type && out[i].variant == variant) return &out[i];
    return NULL;
}

/* A w x h RGB crop of p turned by variant v, written from the enum's
 * descriptions (rotations counter-clockwise; FLIPX top <-> bottom). */
static uint8_t *turn(const hm_pixels *p, uint32_t w, uint32_t h, int v,
                     uint32_t *ow, uint32_t *oh) {
    const int swap = v == HM_DIH_ROT90 || v == HM_DIH_ROT270 ||
                     v == HM_DIH_FLIPPLUS1 || v == HM_DIH_FLIPMINUS1;
    uint8_t *o;
    *ow = swap ? h : w;
    *oh = swap ? w : h;
    o = malloc((size_t)w * h * 3);
    for (uint32_t y = 0; y < *oh; y++)
        for (uint32_t x = 0; x < *ow; x++) {
            uint32_t sx, sy;
            switch (v) {
            case HM_DIH_ROT90: sy = x; sx = w - 1 - y; break;
            case HM_DIH_ROT180: sy = h - 1 - y; sx = w - 1 - x; break;
            case HM_DIH_ROT270: sy = h - 1 - x; sx = y; break;
            case HM_DIH_FLIPX: sy = h - 1 - y; sx = x; break;
            case HM_DIH_FLIPY: sy = y; sx = w - 1 - x; break;
            case HM_DIH_FLIPPLUS1: sy = x; sx = y; break;
            case HM_DIH_FLIPMINUS1: sy = h - 1 - x; sx = w - 1 - y; break;
            default: sy = y; sx = x; break;
            }
            memcpy(o + ((size_t)y * *ow + x) * 3, p->data + sy * p->stride + sx * 3, 3);
        }
    return o;
}

/* Each variant of the original's 64-bit hashes is closest to the hash of
 * the reference's copy turned that way. */
static void variants_match_turned_files(void) {
    hm_hasher *h;
    hm_hash orig[HM_HASH_RESULTS_MAX], copy[4];
    size_t n = 0, nc = 0;
    hm_hasher_create(&h);
    CHECK_INT(hm_hash_file(h, DIH "bridge-1-original.jpg", PERCEPTUAL64 | HM_WANT_DIHEDRAL,
                           orig, HM_HASH_RESULTS_MAX, &n, NULL), HM_OK);
    CHECK_INT(n, 24);
    for (int v = 0; v < 8; v++) {
        char path[512];
        snprintf(path, sizeof path, DIH "%s", kDihFiles[v]);
        CHECK_INT(hm_hash_file(h, path, PERCEPTUAL64, copy, 4, &nc, NULL), HM_OK);
        for (int t = 0; t < 3; t++) {
            const hm_hash *want = find(orig, n, k64[t], v);
            int best = 64;
            CHECK(want != NULL);
            if (!want) continue;
            for (int u = 0; u < 8; u++) {
                const int d = hm_hash_distance(find(orig, n, k64[t], u), &copy[t]);
                if (d < best) best = d;
            }
            const int d = hm_hash_distance(want, &copy[t]);
            if (d > 4 || d != best)
                fprintf(stderr, "%s %s: distance %d to its variant, best %d\n",
                        kDihFiles[v], hm_hash_type_name(k64[t]), d, best);
            CHECK(d <= 4);
            CHECK_INT(d, best);
        }
    }
    hm_hasher_free(h);
}

/* Where the downscale is the identity (a 32x32 image for pHash, 8x8 for
 * aHash, 9x8 for dHash's untransposed variants) a variant is exactly the
 * hash of the turned image. */
static void variants_exact_at_hash_size(void) {
    static const struct { int type; uint32_t w, h; int transposed_too; } kCase[] = {
        {HM_HASH_PHASH, 32, 32, 1}, {HM_HASH_AHASH, 8, 8, 1}, {HM_HASH_DHASH, 9, 8, 0}};
    hm_hasher *h;
    hm_hasher_create(&h);
    hm_pixels p = decode(h, DIH "bridge-1-original.jpg");
    for (size_t c = 0; c < sizeof kCase / sizeof kCase[0] && p.data; c++) {
        hm_hash all[8], one[1];
        size_t n = 0, n1 = 0;
        /* a crop from the middle: natural content, no ties */
        const hm_pixels crop = {p.data + (p.height / 2) * p.stride + (p.width / 2) * 3,
                                kCase[c].w, kCase[c].h, p.stride, HM_PIXEL_RGB24, 0};
        CHECK_INT(hm_hash_pixels(h, crop.data, crop.width, crop.height, crop.stride,
                                 HM_PIXEL_RGB24, HM_TYPE_BIT(kCase[c].type) | HM_WANT_DIHEDRAL,
                                 all, 8, &n), HM_OK);
        CHECK_INT(n, 8);
        for (int v = 0; v < 8; v++) {
            uint32_t ow, oh;
            const int swap = v == HM_DIH_ROT90 || v == HM_DIH_ROT270 ||
                             v == HM_DIH_FLIPPLUS1 || v == HM_DIH_FLIPMINUS1;
            if (swap && !kCase[c].transposed_too) continue;
            uint8_t *t = turn(&crop, crop.width, crop.height, v, &ow, &oh);
            CHECK_INT(hm_hash_pixels(h, t, ow, oh, (size_t)ow * 3, HM_PIXEL_RGB24,
                                     HM_TYPE_BIT(kCase[c].type), one, 1, &n1), HM_OK);
            CHECK_INT(all[v].variant, v);
            CHECK_INT(hm_hash_distance(&all[v], &one[0]), 0);
            free(t);
        }
    }
    hm_pixels_free(&p);
    hm_hasher_free(h);
}

/* Order and count of the results; the capacity is checked first. */
static void dihedral_request_layout(void) {
    hm_hasher *h;
    hm_hash out[HM_HASH_RESULTS_MAX], plain[8];
    size_t n = 0, np = 0;
    const unsigned all = HM_TYPES_PERCEPTUAL | HM_TYPE_BIT(HM_HASH_MD5);
    hm_hasher_create(&h);
    CHECK_INT(hm_hash_file(h, DIH "bridge-1-original.jpg", all | HM_WANT_DIHEDRAL, out, 32,
                           &n, NULL), HM_E_LIMIT);
    CHECK_INT(hm_hash_file(h, DIH "bridge-1-original.jpg", all | HM_WANT_DIHEDRAL, out, 33,
                           &n, NULL), HM_OK);
    CHECK_INT(n, 33);
    CHECK_INT(hm_hash_file(h, DIH "bridge-1-original.jpg", all, plain, 8, &np, NULL), HM_OK);
    CHECK_INT(np, 5);
    for (size_t i = 0; i < 32 && n == 33; i++) {
        CHECK_INT(out[i].type, HM_HASH_PDQ + (int)(i / 8));
        CHECK_INT(out[i].variant, i % 8);
        if (i % 8 == 0) CHECK_INT(hm_hash_distance(&out[i], &plain[i / 8]), 0);
    }
    CHECK_INT(out[32].type, HM_HASH_MD5);
    /* the deprecated PDQ-only flag still works (binaries built with it):
     * 8 PDQ hashes, plain 64-bit ones, and the PDQ ones equal to
     * HM_WANT_DIHEDRAL's */
    hm_hash old[11];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    CHECK_INT(hm_hash_file(h, DIH "bridge-1-original.jpg",
                           HM_WANT_PDQ_DIHEDRAL | PERCEPTUAL64, old, 11, &n, NULL), HM_OK);
#pragma GCC diagnostic pop
    CHECK_INT(n, 11);
    for (size_t i = 0; i < 8 && n == 11; i++) CHECK(memcmp(&old[i], &out[i], sizeof old[i]) == 0);
    CHECK(old[8].type == HM_HASH_PHASH && old[8].variant == 0 && old[10].type == HM_HASH_AHASH);
    hm_hasher_free(h);
}

/* ---- border trimming --------------------------------------------------- */

/* The photo on a canvas: `bx` columns of border left and right, `by` rows
 * top and bottom, of colour `bg` with +-3 of noise. */
static uint8_t *frame(const hm_pixels *p, uint32_t bx, uint32_t by, int bg,
                      uint32_t *cw, uint32_t *ch) {
    *cw = p->width + 2 * bx;
    *ch = p->height + 2 * by;
    uint8_t *c = malloc((size_t)*cw * *ch * 3);
    for (size_t i = 0; i < (size_t)*cw * *ch * 3; i++)
        c[i] = (uint8_t)(bg + (int)(test_rand() % 7) - 3);
    for (uint32_t y = 0; y < p->height; y++)
        memcpy(c + ((size_t)(y + by) * *cw + bx) * 3, p->data + y * p->stride,
               (size_t)p->width * 3);
    return c;
}

/* A 720x480 view of the middle of a decoded photo: framed, it stays under
 * 1024 pixels a side, where every line is judged. */
static hm_pixels middle(const hm_pixels *p) {
    const uint32_t x = (p->width - 720) / 2, y = (p->height - 480) / 2;
    return (hm_pixels){p->data + (size_t)y * p->stride + (size_t)x * 3, 720, 480,
                       p->stride, HM_PIXEL_RGB24, 0};
}

static void find_content(void) {
    hm_hasher *h;
    hm_rect r;
    uint32_t cw, ch;
    hm_hasher_create(&h);
    hm_pixels full = decode(h, DIH "bridge-1-original.jpg");
    if (!full.data) return;
    const hm_pixels p = middle(&full);
    /* no border: the whole image */
    CHECK_INT(hm_find_content(p.data, p.width, p.height, p.stride, HM_PIXEL_RGB24, &r), HM_OK);
    CHECK(r.x == 0 && r.y == 0 && r.width == p.width && r.height == p.height);
    /* a white frame and a black letterbox go, to the pixel */
    for (int bg = 3; bg <= 252; bg += 249) {
        uint8_t *c = frame(&p, bg > 128 ? 21 : 0, 37, bg, &cw, &ch);
        CHECK_INT(hm_find_content(c, cw, ch, (size_t)cw * 3, HM_PIXEL_RGB24, &r), HM_OK);
        CHECK_INT(r.x, bg > 128 ? 21 : 0);
        CHECK_INT(r.y, 37);
        CHECK_INT(r.width, p.width);
        CHECK_INT(r.height, p.height);
        /* a status line of text in the bar (a few % of the row) stays flat */
        for (uint32_t x = 10; x < 10 + cw / 20; x++) memset(c + ((size_t)5 * cw + x) * 3, 200, 3);
        CHECK_INT(hm_find_content(c, cw, ch, (size_t)cw * 3, HM_PIXEL_RGB24, &r), HM_OK);
        CHECK_INT(r.y, 37);
        free(c);
    }
    /* one flat colour: nothing is content, so the whole image is kept */
    uint8_t flat[64 * 48];
    memset(flat, 90, sizeof flat);
    CHECK_INT(hm_find_content(flat, 64, 48, 64, HM_PIXEL_GRAY8, &r), HM_OK);
    CHECK(r.x == 0 && r.y == 0 && r.width == 64 && r.height == 48);
    /* grey with a bar of content: rows go, then columns */
    for (int y = 20; y < 30; y++)
        for (int x = 8; x < 56; x++) flat[y * 64 + x] = (uint8_t)(x * 5 + y * 13);
    CHECK_INT(hm_find_content(flat, 64, 48, 64, HM_PIXEL_GRAY8, &r), HM_OK);
    CHECK(r.x == 8 && r.y == 20 && r.width == 48 && r.height == 10);
    /* a big image is judged on every s-th line: edges within s - 1 */
    {
        uint8_t *c = frame(&full, 300, 500, 250, &cw, &ch);
        const uint32_t s = (cw + 1023) / 1024;
        CHECK(s == 3);
        CHECK_INT(hm_find_content(c, cw, ch, (size_t)cw * 3, HM_PIXEL_RGB24, &r), HM_OK);
        CHECK(r.x >= 300 && r.x < 300 + s && r.y >= 500 && r.y < 500 + s);
        CHECK(r.x + r.width > 300 + full.width - s && r.x + r.width < 300 + full.width + s);
        CHECK(r.y + r.height > 500 + full.height - s && r.y + r.height < 500 + full.height + s);
        free(c);
    }
    /* arguments */
    CHECK_INT(hm_find_content(NULL, 4, 4, 4, HM_PIXEL_GRAY8, &r), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_find_content(flat, 64, 48, 63, HM_PIXEL_GRAY8, &r), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_find_content(flat, 0, 48, 64, HM_PIXEL_GRAY8, &r), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_find_content(flat, 16, 48, 64, (hm_pixel_format)9, &r), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_find_content(flat, 64, 48, 64, HM_PIXEL_GRAY8, NULL), HM_E_INVALID_ARGUMENT);
    hm_pixels_free(&full);
    hm_hasher_free(h);
}

#if HM_TEST_WITH_FFMPEG
/* A 24-bit BMP of an RGB image (bottom-up BGR rows padded to 4 bytes). */
static uint8_t *bmp(const uint8_t *rgb, uint32_t w, uint32_t h, size_t *size) {
    const uint32_t row = (w * 3 + 3) & ~3u;
    uint8_t *b = calloc(1, 54 + (size_t)row * h);
    uint32_t fields[] = {54 + row * h, 0, 54, 40, w, h};
    memcpy(b, "BM", 2);
    memcpy(b + 2, fields, sizeof fields);  /* little-endian host */
    b[26] = 1;                             /* planes */
    b[28] = 24;                            /* bits per pixel */
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                b[54 + (size_t)(h - 1 - y) * row + x * 3 + c] = rgb[((size_t)y * w + x) * 3 + 2 - c];
    *size = 54 + (size_t)row * h;
    return b;
}
#endif

static void trimmed_hashes(void) {
    const unsigned types = HM_TYPES_PERCEPTUAL | HM_WANT_TRIMMED;
    hm_hasher *h;
    hm_hash inner[4], out[HM_HASH_RESULTS_MAX];
    size_t ni = 0, n = 0;
    uint32_t cw, ch;
    hm_hasher_create(&h);
    hm_pixels full = decode(h, DIH "bridge-1-original.jpg");
    if (!full.data) return;
    const hm_pixels p = middle(&full);
    uint8_t *c = frame(&p, 40, 60, 250, &cw, &ch);
    /* the trimmed hashes equal those of the photo alone */
    CHECK_INT(hm_hash_pixels(h, p.data, p.width, p.height, p.stride, HM_PIXEL_RGB24,
                             HM_TYPES_PERCEPTUAL, inner, 4, &ni), HM_OK);
    CHECK_INT(hm_hash_pixels(h, c, cw, ch, (size_t)cw * 3, HM_PIXEL_RGB24, types, out, 7, &n),
              HM_E_LIMIT);
    CHECK_INT(hm_hash_pixels(h, c, cw, ch, (size_t)cw * 3, HM_PIXEL_RGB24, types, out, 8, &n),
              HM_OK);
    CHECK_INT(n, 8);
    for (size_t i = 0; i < 4 && n == 8; i++) {
        CHECK_INT(out[i].variant, 0);
        CHECK_INT(out[4 + i].variant, HM_VARIANT_TRIMMED);
        CHECK_INT(out[4 + i].type, inner[i].type);
        CHECK_INT(hm_hash_distance(&out[4 + i], &inner[i]), 0);
        CHECK(hm_hash_distance(&out[i], &inner[i]) > 0); /* the frame did matter */
    }
    /* with dihedral variants: each trimmed hash is followed by its 7 */
    CHECK_INT(hm_hash_pixels(h, c, cw, ch, (size_t)cw * 3, HM_PIXEL_RGB24,
                             types | HM_WANT_DIHEDRAL, out, HM_HASH_RESULTS_MAX, &n), HM_OK);
    CHECK_INT(n, 64);
    CHECK_INT(out[40].type, HM_HASH_PHASH);
    CHECK_INT(out[41].variant, HM_VARIANT_TRIMMED | 1);
    /* no border: nothing added */
    CHECK_INT(hm_hash_pixels(h, p.data, p.width, p.height, p.stride, HM_PIXEL_RGB24, types,
                             out, 8, &n), HM_OK);
    CHECK_INT(n, 4);
#if HM_TEST_WITH_FFMPEG /* BMP is FFmpeg's: without it, only the pixel buffers above */
    /* from encoded bytes: plain, digests, then trimmed */
    size_t size;
    uint8_t *file = bmp(c, cw, ch, &size);
    hm_image_info info;
    CHECK_INT(hm_hash_memory(h, file, size, types | HM_TYPE_BIT(HM_HASH_MD5), out, 9, &n, &info),
              HM_OK);
    CHECK_INT(n, 9);
    CHECK_INT(info.width, cw);
    CHECK_INT(info.format, HM_FORMAT_BMP);
    if (n == 9) {
        CHECK_INT(out[4].type, HM_HASH_MD5);
        for (size_t i = 0; i < 4; i++) {
            CHECK_INT(out[5 + i].variant, HM_VARIANT_TRIMMED);
            CHECK_INT(hm_hash_distance(&out[5 + i], &inner[i]), 0);
        }
    }
    /* digests only: nothing to decode or trim */
    CHECK_INT(hm_hash_memory(h, file, size, HM_TYPE_BIT(HM_HASH_MD5) | HM_WANT_TRIMMED, out, 1,
                             &n, NULL), HM_OK);
    CHECK_INT(n, 1);
    /* a corrupt file fails the same way with trimming */
    CHECK(hm_hash_memory(h, file, 60, types, out, 8, &n, NULL) < 0);
    CHECK(hm_last_error()[0] != '\0');
    free(file);
#endif
    free(c);
    hm_pixels_free(&full);
    hm_hasher_free(h);
}

/* HM_WANT_CROPS: 9 crops of 90% of each side, row by row from the
 * top-left, each as hashing that part of the image alone; the same for
 * HM_WANT_CROPS_FINE's 25 of 80%. */
static void crop_hashes(void) {
    hm_hasher *h;
    hm_hash out[HM_HASH_RESULTS_MAX], one[4];
    size_t n = 0, n1 = 0;
    hm_hasher_create(&h);
    hm_pixels full = decode(h, DIH "bridge-1-original.jpg");
    if (!full.data) return;
    const hm_pixels p = middle(&full);
    CHECK_INT(hm_hash_pixels(h, p.data, p.width, p.height, p.stride, HM_PIXEL_RGB24,
                             HM_TYPES_PERCEPTUAL | HM_WANT_CROPS, out, 39, &n), HM_E_LIMIT);
    CHECK_INT(hm_hash_pixels(h, p.data, p.width, p.height, p.stride, HM_PIXEL_RGB24,
                             HM_TYPES_PERCEPTUAL | HM_WANT_CROPS, out, 40, &n), HM_OK);
    CHECK_INT(n, 4 + 4 * HM_CROPS);
    const uint32_t cw = (uint32_t)lround(p.width * 0.9), ch = (uint32_t)lround(p.height * 0.9);
    for (int c = 0; c < HM_CROPS && n == 40; c++) {
        const uint32_t x = (uint32_t)lround((p.width - cw) * (c % 3) / 2.0);
        const uint32_t y = (uint32_t)lround((p.height - ch) * (c / 3) / 2.0);
        CHECK_INT(hm_hash_pixels(h, p.data + y * p.stride + x * 3, cw, ch, p.stride,
                                 HM_PIXEL_RGB24, HM_TYPES_PERCEPTUAL, one, 4, &n1), HM_OK);
        for (int t = 0; t < 4; t++) {
            const hm_hash *got = &out[4 + 4 * c + t];
            CHECK_INT(got->variant, HM_VARIANT_CROP);
            CHECK_INT(got->type, one[t].type);
            CHECK_INT(hm_hash_distance(got, &one[t]), 0);
        }
    }
    /* HM_WANT_CROPS_FINE: 25 crops of 80%, a 5 x 5 grid from corner to
     * corner, after the 9 of 90% */
    CHECK_INT(hm_hash_pixels(h, p.data, p.width, p.height, p.stride, HM_PIXEL_RGB24,
                             HM_TYPES_PERCEPTUAL | HM_WANT_CROPS | HM_WANT_CROPS_FINE, out,
                             4 + 4 * (HM_CROPS + HM_CROPS_FINE), &n), HM_OK);
    CHECK_INT(n, 4 + 4 * (HM_CROPS + HM_CROPS_FINE));
    const uint32_t gw = (uint32_t)lround(p.width * 0.8), gh = (uint32_t)lround(p.height * 0.8);
    for (int c = 0; c < HM_CROPS_FINE && n == 4 + 4 * (HM_CROPS + HM_CROPS_FINE); c++) {
        const uint32_t x = (uint32_t)lround((p.width - gw) * (c % 5) / 4.0);
        const uint32_t y = (uint32_t)lround((p.height - gh) * (c / 5) / 4.0);
        CHECK_INT(hm_hash_pixels(h, p.data + y * p.stride + x * 3, gw, gh, p.stride,
                                 HM_PIXEL_RGB24, HM_TYPES_PERCEPTUAL, one, 4, &n1), HM_OK);
        for (int t = 0; t < 4; t++) {
            const hm_hash *got = &out[4 + 4 * (HM_CROPS + c) + t];
            CHECK_INT(got->variant, HM_VARIANT_CROP | HM_VARIANT_FINE);
            CHECK_INT(got->type, one[t].type);
            CHECK_INT(hm_hash_distance(got, &one[t]), 0);
        }
    }
#if HM_TEST_WITH_FFMPEG /* BMP is FFmpeg's */
    /* every option at once fits HM_HASH_RESULTS_MAX: plain and trimmed
     * with their variants, digests, crops without variants */
    uint32_t fw, fh;
    uint8_t *c = frame(&p, 30, 30, 250, &fw, &fh);
    size_t bsize;
    uint8_t *file = bmp(c, fw, fh, &bsize);
    const unsigned all = HM_TYPES_ALL | HM_TYPES_PHASHORG | HM_WANT_DIHEDRAL | HM_WANT_TRIMMED |
                         HM_WANT_CROPS | HM_WANT_CROPS_FINE | HM_WANT_ROTATIONS;
    CHECK_INT(hm_hash_memory(h, file, bsize, all, out, HM_HASH_RESULTS_MAX, &n, NULL), HM_OK);
    CHECK_INT(n, HM_HASH_RESULTS_MAX); /* 7 perceptual types: 56 + 2 + 56 + 63 + 175 + 28 */
    CHECK_INT(out[55].type, HM_HASH_PHASHORG_2026);
    CHECK_INT(out[57].type, HM_HASH_SHA256);
    CHECK_INT(out[58].variant, HM_VARIANT_TRIMMED);
    CHECK_INT(out[114].variant, HM_VARIANT_CROP);
    CHECK_INT(out[176].variant, HM_VARIANT_CROP);
    CHECK_INT(out[177].variant, HM_VARIANT_CROP | HM_VARIANT_FINE);
    CHECK_INT(out[351].variant, HM_VARIANT_CROP | HM_VARIANT_FINE);
    CHECK_INT(out[352].variant, HM_VARIANT_ROTATED);
    CHECK_INT(out[HM_HASH_RESULTS_MAX - 1].type, HM_HASH_PHASHORG_2026);
    CHECK_INT(out[HM_HASH_RESULTS_MAX - 1].variant,
              HM_VARIANT_ROTATED | (HM_ROTATIONS - 1) << 3);
    free(file);
    free(c);
#endif
    hm_pixels_free(&full);
    hm_hasher_free(h);
}

/* ---- small rotations (HM_WANT_ROTATIONS) ---------------------------------- */

/* A smooth synthetic scene, a function of the position (x, y) in a w x h
 * frame: a colour gradient, waves and a few blobs, asymmetric so that
 * every turn changes it. */
static void scene(double x, double y, uint32_t w, uint32_t h, uint8_t rgb[3]) {
    static const double kBlobs[6][4] = {/* u, v, size, strength */
                                        {0.3, 0.35, 0.01, 110},  {0.7, 0.6, 0.02, -100},
                                        {0.55, 0.2, 0.005, 90},  {0.2, 0.75, 0.008, -90},
                                        {0.85, 0.25, 0.004, 100}, {0.5, 0.5, 0.003, 80}};
    const double u = x / w, v = y / h;
    double blob = 0.0;
    for (int i = 0; i < 6; i++) {
        const double du = u - kBlobs[i][0], dv = v - kBlobs[i][1];
        blob += kBlobs[i][3] * exp(-(du * du + dv * dv) / kBlobs[i][2]);
    }
    const double wave = 30.0 * sin(x / 17.0) * cos(y / 29.0);
    const double base[3] = {70.0 + 90.0 * u, 90.0 + 70.0 * v, 150.0 - 60.0 * u * v};
    for (int c = 0; c < 3; c++) {
        double val = base[c] + blob + (c == 1 ? -wave : wave);
        rgb[c] = (uint8_t)(val < 0 ? 0 : val > 255 ? 255 : val + 0.5);
    }
}

/* The scene (w x h, RGB) as a camera turned by `deg` degrees would show
 * it: each pixel takes the scene's value at the point the turn brings
 * there (counter-clockwise as the header says, y pointing down), black
 * where that point is outside the frame.  No resampling of an image. */
static uint8_t *scene_turned(uint32_t w, uint32_t h, double deg) {
    const double a = deg * M_PI / 180.0, cx = w / 2.0, cy = h / 2.0;
    uint8_t *o = calloc((size_t)w * h, 3);
    for (uint32_t y = 0; y < h && o; y++)
        for (uint32_t x = 0; x < w; x++) {
            const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
            const double sx = cx + cos(a) * dx - sin(a) * dy, sy = cy + sin(a) * dx + cos(a) * dy;
            if (sx >= 0 && sx < w && sy >= 0 && sy < h)
                scene(sx - 0.5, sy - 0.5, w, h, o + ((size_t)y * w + x) * 3);
        }
    return o;
}

/* The request's layout and count, the angles, and what the turned hashes
 * are for: the hash of a copy turned by +4 degrees is near the original's
 * +4 variant, and the copy's -4 variant nearer the original's plain hash
 * than the copy's plain hash is. */
static void rotation_hashes(void) {
    static const int angles[HM_ROTATIONS] = HM_ROTATION_ANGLES;
    const uint32_t w = 640, ht = 480; /* shrunk to 512 x 384 before turning */
    const unsigned want = HM_TYPES_PERCEPTUAL | HM_WANT_ROTATIONS;
    hm_hasher *h;
    hm_hash o[HM_HASH_RESULTS_MAX], q[HM_HASH_RESULTS_MAX];
    size_t no = 0, nq = 0;
    int plus4 = -1, minus4 = -1;
    for (unsigned i = 0; i < HM_ROTATIONS; i++) {
        CHECK_INT(hm_rotation_angle(i), angles[i]);
        if (angles[i] == 4) plus4 = (int)i;
        if (angles[i] == -4) minus4 = (int)i;
    }
    CHECK_INT(hm_rotation_angle(HM_ROTATIONS), 0);
    CHECK(plus4 >= 0 && minus4 >= 0);
    uint8_t *orig = scene_turned(w, ht, 0.0), *copy = scene_turned(w, ht, 4.0);
    hm_hasher_create(&h);
    CHECK_INT(hm_hash_pixels(h, orig, w, ht, (size_t)w * 3, HM_PIXEL_RGB24, want, o,
                             4 + 4 * HM_ROTATIONS - 1, &no), HM_E_LIMIT);
    CHECK_INT(hm_hash_pixels(h, orig, w, ht, (size_t)w * 3, HM_PIXEL_RGB24, want, o,
                             4 + 4 * HM_ROTATIONS, &no), HM_OK);
    CHECK_INT(hm_hash_pixels(h, copy, w, ht, (size_t)w * 3, HM_PIXEL_RGB24, want, q,
                             HM_HASH_RESULTS_MAX, &nq), HM_OK);
    CHECK_INT(no, 4 + 4 * HM_ROTATIONS);
    CHECK_INT(nq, no);
    for (size_t k = 0; k < no && no == nq; k++) {
        const unsigned i = (unsigned)(k / 4) - 1;
        CHECK_INT(o[k].type, HM_HASH_PDQ + (int)(k % 4));
        CHECK_INT(o[k].variant, k < 4 ? 0 : HM_VARIANT_ROTATED | i << 3);
        if (k >= 4) CHECK_INT(HM_VARIANT_ROTATION_INDEX(o[k].variant), i);
    }
    /* PDQ and pHash: the turn undone (or done) by the right variant */
    for (int t = 0; t < 2 && no == nq && plus4 >= 0 && minus4 >= 0; t++) {
        const hm_hash *op = &o[t], *qp = &q[t];
        const hm_hash *o_plus4 = &o[4 + 4 * plus4 + t], *q_minus4 = &q[4 + 4 * minus4 + t];
        const int plain = hm_hash_distance(op, qp);
        const int done = hm_hash_distance(o_plus4, qp), undone = hm_hash_distance(q_minus4, op);
        printf("rotation: %s plain %d, original's +4 to copy %d, copy's -4 to original %d\n",
               hm_hash_type_name(op->type), plain, done, undone);
        CHECK(done < plain);
        CHECK(undone < plain);
        /* with the same black corners, near enough to match at the
         * default thresholds (PDQ 31, pHash 10 of 64); turned back, the
         * copy has black wedges along its edges that the original lacks */
        CHECK(done <= (t == 0 ? 31 : 10));
    }
    free(orig);
    hm_hasher_free(h);
    free(copy);
}

/* Crop and turned hashes never pass for an exact dihedral group
 * (HM_QUERY_DIHEDRAL takes 7 hashes after a variant-0 hash as its exact
 * variants when their variants say so): queried with every other option,
 * each matches its own entry as its own query. */
static void rotations_not_dihedral_groups(void) {
    hm_hasher *h;
    hm_index *idx;
    hm_results *res;
    hm_query_opts o;
    hm_hash q[HM_HASH_RESULTS_MAX];
    size_t n = 0, added = 0;
    uint32_t list;
    hm_hasher_create(&h);
    hm_index_create(&idx);
    hm_results_create(&res);
    hm_index_list(idx, "known", &list);
    /* one type, so that the hashes after each are of its type too */
    CHECK_INT(hm_hash_file(h, DIH "bridge-1-original.jpg",
                           HM_TYPE_BIT(HM_HASH_PDQ) | HM_WANT_DIHEDRAL | HM_WANT_CROPS |
                               HM_WANT_ROTATIONS,
                           q, HM_HASH_RESULTS_MAX, &n, NULL), HM_OK);
    CHECK_INT(n, 8 + HM_CROPS + HM_ROTATIONS);
    for (size_t i = 0; i < n; i++)
        if (q[i].variant & (HM_VARIANT_CROP | HM_VARIANT_ROTATED)) {
            char id[16];
            snprintf(id, sizeof id, "%zu", i);
            CHECK_INT(hm_index_add(idx, list, &q[i], id, NULL), HM_OK);
            added++;
        }
    CHECK_INT(added, HM_CROPS + HM_ROTATIONS);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    hm_query_opts_init(&o);
    o.radius = 0;
    o.flags = HM_QUERY_DIHEDRAL;
    CHECK_INT(hm_index_query(idx, q, n, &o, res), HM_OK);
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        char id[16];
        if (!(q[i].variant & (HM_VARIANT_CROP | HM_VARIANT_ROTATED))) continue;
        snprintf(id, sizeof id, "%zu", i);
        for (size_t k = 0; k < hm_results_count(res); k++) {
            const hm_match *m = hm_results_get(res, k);
            if (strcmp(m->entry_id, id) == 0 && m->query == i && m->distance == 0 &&
                m->variant == 0)
                found = 1;
        }
        if (!found) fprintf(stderr, "query %zu (variant 0x%x) did not match as itself\n", i,
                            q[i].variant);
        CHECK(found);
    }
    hm_results_free(res);
    hm_index_free(idx);
    hm_hasher_free(h);
}

/* Every option on images from 1x1 up, in every pixel layout: results of
 * the documented count, no crash (run under ASan and valgrind in CI). */
static void tiny_images(void) {
    static const hm_pixel_format kFmt[3] = {HM_PIXEL_GRAY8, HM_PIXEL_RGB24, HM_PIXEL_RGBA32};
    const unsigned all = HM_TYPES_PERCEPTUAL | HM_WANT_DIHEDRAL | HM_WANT_TRIMMED |
                         HM_WANT_CROPS | HM_WANT_CROPS_FINE | HM_WANT_ROTATIONS;
    hm_hasher *h;
    hm_hash out[HM_HASH_RESULTS_MAX];
    uint8_t px[12 * 12 * 4];
    hm_hasher_create(&h);
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i % 7 == 0 ? 200 : 30);
    for (int f = 0; f < 3; f++)
        for (uint32_t w = 1; w <= 12; w += 1 + w / 3)
            for (uint32_t ht = 1; ht <= 12; ht += 1 + ht / 3) {
                const size_t stride = (size_t)w * (f == 0 ? 1 : f == 1 ? 3 : 4);
                size_t n = 0;
                hm_rect r;
                CHECK_INT(hm_hash_pixels(h, px, w, ht, stride, kFmt[f], all, out,
                                         HM_HASH_RESULTS_MAX, &n), HM_OK);
                CHECK(n == 32 + 36 + 100 + 16 || n == 64 + 36 + 100 + 16);
                CHECK_INT(hm_find_content(px, w, ht, stride, kFmt[f], &r), HM_OK);
                CHECK(r.width >= 1 && r.height >= 1 && r.x + r.width <= w && r.y + r.height <= ht);
            }
    hm_hasher_free(h);
}

/* ---- matching with HM_QUERY_DIHEDRAL ---------------------------------------- */

static void index_dihedral64(void) {
    hm_hasher *h;
    hm_index *idx;
    hm_results *res;
    hm_query_opts o;
    hm_hash orig[4], q[HM_HASH_RESULTS_MAX];
    size_t n = 0;
    uint32_t list;
    hm_hasher_create(&h);
    hm_index_create(&idx);
    hm_results_create(&res);
    hm_index_list(idx, "known", &list);
    CHECK_INT(hm_hash_file(h, DIH "bridge-1-original.jpg", PERCEPTUAL64, orig, 4, &n, NULL),
              HM_OK);
    for (size_t i = 0; i < n; i++) CHECK_INT(hm_index_add(idx, list, &orig[i], "bridge", NULL), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    hm_query_opts_init(&o);
    o.radius = 6;
    /* the mirrored copy, each type with its exact variants */
    CHECK_INT(hm_hash_file(h, DIH "bridge-6-flipy.jpg", PERCEPTUAL64 | HM_WANT_DIHEDRAL, q,
                           HM_HASH_RESULTS_MAX, &n, NULL), HM_OK);
    CHECK_INT(n, 24);
    /* without the flag the variants are plain queries: the mirrored ones match */
    CHECK_INT(hm_index_query(idx, q, n, &o, res), HM_OK);
    CHECK_INT(hm_results_count(res), 3);
    for (size_t i = 0; i < hm_results_count(res); i++) {
        CHECK_INT(hm_results_get(res, i)->query, 8 * i + HM_DIH_FLIPY);
        CHECK_INT(hm_results_get(res, i)->variant, 0);
    }
    o.flags = HM_QUERY_DIHEDRAL;
    CHECK_INT(hm_index_query(idx, q, n, &o, res), HM_OK);
    CHECK_INT(hm_results_count(res), 3);
    for (size_t i = 0; i < hm_results_count(res); i++) {
        const hm_match *m = hm_results_get(res, i);
        CHECK_INT(m->query, 8 * i);        /* one per group, named by its head */
        CHECK_INT(m->variant, HM_DIH_FLIPY);
        CHECK(m->distance <= 4);
    }
    /* bare hashes: aHash variants come from its bits, pHash and dHash
     * cannot and are matched as they are */
    const hm_hash bare[3] = {q[0], q[8], q[16]};
    CHECK_INT(hm_index_query(idx, bare, 3, &o, res), HM_OK);
    CHECK_INT(hm_results_count(res), 1);
    if (hm_results_count(res)) {
        CHECK_INT(hm_results_get(res, 0)->type, HM_HASH_AHASH);
        CHECK_INT(hm_results_get(res, 0)->variant, HM_DIH_FLIPY);
    }
    /* a trimmed group is a group too */
    for (size_t i = 0; i < 8; i++) q[i].variant |= HM_VARIANT_TRIMMED;
    CHECK_INT(hm_index_query(idx, q, 8, &o, res), HM_OK);
    CHECK_INT(hm_results_count(res), 1);
    hm_results_free(res);
    hm_index_free(idx);
    hm_hasher_free(h);
}

int main(void) {
    variants_match_turned_files();
    variants_exact_at_hash_size();
    dihedral_request_layout();
    find_content();
    trimmed_hashes();
    crop_hashes();
    tiny_images();
    index_dihedral64();
    rotation_hashes();
    rotations_not_dihedral_groups();
    return test_summary("test_transform");
}
