/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoding: every format and PNG variant decodes to the pixels it holds;
 * bad input (empty, truncated, corrupt, wrong magic, absurd or zero sizes)
 * returns the right error, never a crash; limits name themselves; EXIF
 * orientation is applied only on request.  Run under ASan/UBSan in CI.
 */
#include <png.h>
#include <webp/encode.h>

#include "hashmatch.h"
#include "test_util.h"

/* GIF, BMP and TIFF are FFmpeg's: a library built without it
 * (HM_WITH_FFMPEG=OFF) refuses them, whatever else they would give. */
#define FF(status) (HM_TEST_WITH_FFMPEG ? (status) : HM_E_UNSUPPORTED)

#define DATA HM_TEST_DATA "/pdq-reference/threatexchange/pdq/data/"

/* ---- small helpers -------------------------------------------------- */

typedef struct membuf {
    unsigned char *p;
    size_t n, cap;
} membuf;

static void mb_put(membuf *m, const void *d, size_t n) {
    if (m->n + n > m->cap) {
        m->cap = (m->n + n) * 2;
        m->p = realloc(m->p, m->cap);
    }
    memcpy(m->p + m->n, d, n);
    m->n += n;
}

static void png_write_cb(png_structp png, png_bytep d, size_t n) {
    mb_put(png_get_io_ptr(png), d, n);
}
static void png_flush_cb(png_structp png) { (void)png; }

/* Encode rows (already in the PNG's own sample layout) as PNG. */
static membuf write_png(int w, int h, int ctype, int depth, int interlace,
                        unsigned char **rows, png_color *pal, int npal,
                        int trns) {
    membuf m = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) abort();
    png_set_write_fn(png, &m, png_write_cb, png_flush_cb);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, ctype,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (pal) png_set_PLTE(png, info, pal, npal);
    if (trns) {
        png_byte t[1] = {0};
        png_set_tRNS(png, info, t, 1, NULL);
    }
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return m;
}

static unsigned char **alloc_rows(int h, size_t rowbytes) {
    unsigned char **rows = calloc((size_t)h, sizeof *rows);
    for (int y = 0; y < h; y++) rows[y] = calloc(1, rowbytes);
    return rows;
}
static void free_rows(unsigned char **rows, int h) {
    for (int y = 0; y < h; y++) free(rows[y]);
    free(rows);
}

static unsigned lcg(unsigned *s) { return *s = *s * 1103515245u + 12345u; }

static uint32_t crc32_of(const unsigned char *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}
static void put32be(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);  p[3] = (unsigned char)v;
}

static hm_status decode(hm_hasher *h, const void *d, size_t n, hm_pixels *px) {
    return hm_decode_memory(h, d, n, px, NULL);
}

/* ---- PNG variants decode to their pixels ----------------------------- */

static void png_variants(hm_hasher *h) {
    const int w = 37, hgt = 23;
    unsigned seed = 7;
    for (int interlace = 0; interlace <= 1; interlace++) {
        /* RGB 16-bit: output is the high byte of each sample */
        unsigned char **rows = alloc_rows(hgt, (size_t)w * 6);
        unsigned char *want = malloc((size_t)w * hgt * 3);
        hm_pixels px;
        membuf m;
        for (int y = 0; y < hgt; y++)
            for (int x = 0; x < w * 3; x++) {
                rows[y][2 * x] = want[(size_t)y * w * 3 + x] = (unsigned char)(lcg(&seed) >> 16);
                rows[y][2 * x + 1] = (unsigned char)(lcg(&seed) >> 16);
            }
        m = write_png(w, hgt, PNG_COLOR_TYPE_RGB, 16, interlace, rows, NULL, 0, 0);
        CHECK_INT(decode(h, m.p, m.n, &px), HM_OK);
        CHECK_INT(px.format, HM_PIXEL_RGB24);
        CHECK(px.width == (uint32_t)w && px.height == (uint32_t)hgt);
        CHECK(px.data && memcmp(px.data, want, (size_t)w * hgt * 3) == 0);
        hm_pixels_free(&px);
        free(m.p);
        free_rows(rows, hgt);

        /* grey 16-bit with alpha: grey high byte, alpha ignored */
        rows = alloc_rows(hgt, (size_t)w * 4);
        for (int y = 0; y < hgt; y++)
            for (int x = 0; x < w; x++) {
                rows[y][4 * x] = want[(size_t)y * w + x] = (unsigned char)(x * 7 + y);
                rows[y][4 * x + 1] = 0x55;
                rows[y][4 * x + 2] = (unsigned char)(y * 11); /* alpha */
                rows[y][4 * x + 3] = 0;
            }
        m = write_png(w, hgt, PNG_COLOR_TYPE_GRAY_ALPHA, 16, interlace, rows, NULL, 0, 0);
        CHECK_INT(decode(h, m.p, m.n, &px), HM_OK);
        CHECK_INT(px.format, HM_PIXEL_GRAY8);
        CHECK(px.data && memcmp(px.data, want, (size_t)w * hgt) == 0);
        hm_pixels_free(&px);
        free(m.p);
        free_rows(rows, hgt);

        /* 1-bit grey: 0 and 255 */
        rows = alloc_rows(hgt, (size_t)(w + 7) / 8);
        for (int y = 0; y < hgt; y++)
            for (int x = 0; x < w; x++) {
                int bit = (x + y) % 3 == 0;
                if (bit) rows[y][x / 8] |= (unsigned char)(0x80 >> (x % 8));
                want[(size_t)y * w + x] = bit ? 255 : 0;
            }
        m = write_png(w, hgt, PNG_COLOR_TYPE_GRAY, 1, interlace, rows, NULL, 0, 0);
        CHECK_INT(decode(h, m.p, m.n, &px), HM_OK);
        CHECK(px.data && memcmp(px.data, want, (size_t)w * hgt) == 0);
        hm_pixels_free(&px);
        free(m.p);
        free_rows(rows, hgt);

        /* palette with a transparent entry: expanded to RGB, tRNS ignored */
        {
            png_color pal[4] = {{10, 20, 30}, {200, 100, 0}, {0, 255, 0}, {77, 77, 77}};
            rows = alloc_rows(hgt, (size_t)w);
            for (int y = 0; y < hgt; y++)
                for (int x = 0; x < w; x++) {
                    int i = (x * 3 + y) % 4;
                    rows[y][x] = (unsigned char)i;
                    memcpy(want + ((size_t)y * w + x) * 3, &pal[i], 3);
                }
            m = write_png(w, hgt, PNG_COLOR_TYPE_PALETTE, 8, interlace, rows, pal, 4, 1);
            CHECK_INT(decode(h, m.p, m.n, &px), HM_OK);
            CHECK_INT(px.format, HM_PIXEL_RGB24);
            CHECK(px.data && memcmp(px.data, want, (size_t)w * hgt * 3) == 0);
            hm_pixels_free(&px);
            free(m.p);
            free_rows(rows, hgt);
        }
        free(want);
    }
}

/* ---- BMP, TIFF, WebP lossless decode to their pixels ------------------ */

static void le16(membuf *m, unsigned v) {
    unsigned char b[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    mb_put(m, b, 2);
}
static void le32(membuf *m, uint32_t v) {
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                          (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    mb_put(m, b, 4);
}

static membuf make_bmp(int w, int h, const unsigned char *rgb) {
    membuf m = {0};
    const int row = (w * 3 + 3) & ~3;
    mb_put(&m, "BM", 2);
    le32(&m, (uint32_t)(54 + row * h));
    le32(&m, 0);
    le32(&m, 54);
    le32(&m, 40);
    le32(&m, (uint32_t)w);
    le32(&m, (uint32_t)h); /* bottom-up */
    le16(&m, 1);
    le16(&m, 24);
    le32(&m, 0);
    le32(&m, (uint32_t)(row * h));
    le32(&m, 2835); le32(&m, 2835); le32(&m, 0); le32(&m, 0);
    for (int y = h - 1; y >= 0; y--) {
        unsigned char pad[3] = {0, 0, 0};
        for (int x = 0; x < w; x++) {
            const unsigned char *p = rgb + ((size_t)y * w + x) * 3;
            unsigned char bgr[3] = {p[2], p[1], p[0]};
            mb_put(&m, bgr, 3);
        }
        mb_put(&m, pad, (size_t)(row - w * 3));
    }
    return m;
}

static void tiff_entry(membuf *m, unsigned tag, unsigned type, uint32_t count,
                       uint32_t value) {
    le16(m, tag);
    le16(m, type);
    le32(m, count);
    if (type == 3 && count == 1) {
        le16(m, value);
        le16(m, 0);
    } else {
        le32(m, value);
    }
}

static membuf make_tiff(int w, int h, const unsigned char *rgb) {
    membuf m = {0};
    const uint32_t n_entries = 9, ifd = 8;
    const uint32_t bps_off = ifd + 2 + n_entries * 12 + 4;
    const uint32_t data_off = bps_off + 6;
    mb_put(&m, "II*\0", 4);
    le32(&m, ifd);
    le16(&m, n_entries);
    tiff_entry(&m, 256, 4, 1, (uint32_t)w);
    tiff_entry(&m, 257, 4, 1, (uint32_t)h);
    tiff_entry(&m, 258, 3, 3, bps_off);
    tiff_entry(&m, 259, 3, 1, 1);
    tiff_entry(&m, 262, 3, 1, 2);
    tiff_entry(&m, 273, 4, 1, data_off);
    tiff_entry(&m, 277, 3, 1, 3);
    tiff_entry(&m, 278, 4, 1, (uint32_t)h);
    tiff_entry(&m, 279, 4, 1, (uint32_t)(w * h * 3));
    le32(&m, 0);
    le16(&m, 8); le16(&m, 8); le16(&m, 8);
    mb_put(&m, rgb, (size_t)w * h * 3);
    return m;
}

/* A lossless container of `rgb` is detected and decodes to exactly it. */
static void check_lossless(hm_hasher *h, membuf m, int fmt,
                           const unsigned char *rgb, int w, int hgt) {
    hm_pixels px;
    hm_image_info info;
    CHECK_INT(hm_detect_format(m.p, m.n), fmt);
    const hm_status st = hm_decode_memory(h, m.p, m.n, &px, &info);
    CHECK_INT(st, FF(HM_OK));
    if (st == HM_OK) {
        CHECK_INT(info.format, fmt);
        CHECK(px.data && px.width == (uint32_t)w &&
              memcmp(px.data, rgb, (size_t)w * hgt * 3) == 0);
        hm_pixels_free(&px);
    } else {
        CHECK(strstr(hm_last_error(), "HM_WITH_FFMPEG=OFF") != NULL);
    }
    free(m.p);
}

static void other_formats(hm_hasher *h) {
    const int w = 45, hgt = 31;
    unsigned char *rgb = malloc((size_t)w * hgt * 3);
    unsigned seed = 99;
    hm_pixels px;
    hm_image_info info;
    uint8_t *webp = NULL;
    size_t webp_n;
    for (size_t i = 0; i < (size_t)w * hgt * 3; i++) rgb[i] = (unsigned char)(lcg(&seed) >> 16);

    check_lossless(h, make_bmp(w, hgt, rgb), HM_FORMAT_BMP, rgb, w, hgt);
    check_lossless(h, make_tiff(w, hgt, rgb), HM_FORMAT_TIFF, rgb, w, hgt);
    /* FFmpeg's formats at exactly the pixel limit decode, and one pixel
     * less is HM_E_LIMIT: FFmpeg checks the width rounded up to its
     * stride alignment (45 -> 64), which once made these "corrupt" */
    {
        membuf bmp = make_bmp(w, hgt, rgb), tiff = make_tiff(w, hgt, rgb);
        size_t gif_n = 0;
        unsigned char *gif = read_all(HM_TEST_DATA "/video/anim.gif", &gif_n); /* 96 x 96 */
        const struct { const unsigned char *p; size_t n; uint64_t pixels; } at[] = {
            {bmp.p, bmp.n, (uint64_t)w * hgt}, {tiff.p, tiff.n, (uint64_t)w * hgt},
            {gif, gif_n, 96 * 96}};
        hm_hasher *lim = NULL;
        hm_hash out[4];
        size_t no = 0;
        hm_hasher_create(&lim);
        CHECK(gif != NULL);
        for (size_t i = 0; i < sizeof at / sizeof at[0] && gif; i++) {
            hm_hasher_set(lim, HM_HASHER_MAX_PIXELS, (int64_t)at[i].pixels);
            CHECK_INT(hm_hash_memory(lim, at[i].p, at[i].n, HM_TYPES_PERCEPTUAL, out, 4, &no,
                                     NULL), FF(HM_OK));
            hm_hasher_set(lim, HM_HASHER_MAX_PIXELS, (int64_t)at[i].pixels - 1);
            CHECK_INT(hm_hash_memory(lim, at[i].p, at[i].n, HM_TYPES_PERCEPTUAL, out, 4, &no,
                                     NULL), FF(HM_E_LIMIT));
            CHECK(strstr(hm_last_error(), HM_TEST_WITH_FFMPEG ? "HM_HASHER_MAX_PIXELS"
                                                                    : "HM_WITH_FFMPEG=OFF"));
        }
        hm_hasher_free(lim);
        free(gif);
        free(bmp.p);
        free(tiff.p);
    }

    webp_n = WebPEncodeLosslessRGB(rgb, w, hgt, w * 3, &webp);
    CHECK(webp_n > 0);
    CHECK_INT(hm_detect_format(webp, webp_n), HM_FORMAT_WEBP);
    CHECK_INT(hm_decode_memory(h, webp, webp_n, &px, &info), HM_OK);
    CHECK(px.data && memcmp(px.data, rgb, (size_t)w * hgt * 3) == 0);
    hm_pixels_free(&px);
    /* the same pixels hash the same whatever the container */
    {
        hm_hash a[4], b[4];
        size_t na = 0, nb = 0;
        unsigned t = HM_TYPES_PERCEPTUAL;
        CHECK_INT(hm_hash_memory(h, webp, webp_n, t, a, 4, &na, NULL), HM_OK);
        CHECK_INT(hm_hash_pixels(h, rgb, (uint32_t)w, (uint32_t)hgt, (size_t)w * 3,
                                 HM_PIXEL_RGB24, t, b, 4, &nb),
                  HM_OK);
        CHECK_INT(na, 4);
        for (size_t i = 0; i < na && i < nb; i++) CHECK_INT(hm_hash_distance(&a[i], &b[i]), 0);
    }
    WebPFree(webp);
    free(rgb);
}

/* ---- bad input -------------------------------------------------------- */

static int is_error_code(hm_status st) {
    return st == HM_E_DECODE || st == HM_E_UNKNOWN_FORMAT || st == HM_E_LIMIT;
}

static void truncation_and_corruption(hm_hasher *h, const char *path) {
    size_t n = 0;
    unsigned char *d = read_all(path, &n);
    hm_hash full[4], out[4];
    size_t nf = 0, no = 0;
    unsigned seed = 1234;
    unsigned t = HM_TYPES_PERCEPTUAL;
    CHECK(d != NULL);
    if (!d) return;
    CHECK_INT(hm_hash_memory(h, d, n, t, full, 4, &nf, NULL), HM_OK);
    /* truncated at many offsets: an error, or (only when just the end
     * marker is cut) the same hashes */
    for (size_t cut = 1; cut < n; cut += (cut < 64 ? 1 : n / 97 + 1)) {
        hm_status st = hm_hash_memory(h, d, cut, t, out, 4, &no, NULL);
        if (st == HM_OK) {
            CHECK(cut >= n - 16);
            for (size_t i = 0; i < no; i++) CHECK_INT(hm_hash_distance(&out[i], &full[i]), 0);
        } else {
            CHECK(is_error_code(st));
            CHECK(hm_last_error()[0] != '\0');
        }
    }
    /* bit flips: any outcome but a crash, leak or invalid status */
    for (int i = 0; i < 200; i++) {
        unsigned char *c = malloc(n);
        hm_status st;
        memcpy(c, d, n);
        for (int k = 0; k < 1 + i % 4; k++) c[lcg(&seed) % n] ^= (unsigned char)(1u << (lcg(&seed) >> 16) % 8);
        st = hm_hash_memory(h, c, n, t, out, 4, &no, NULL);
        CHECK(st == HM_OK || is_error_code(st));
        free(c);
    }
    free(d);
}

static void bad_inputs(hm_hasher *h) {
    hm_hash out[4];
    size_t no = 0;
    unsigned t = HM_TYPE_BIT(HM_HASH_PDQ);
    CHECK_INT(hm_hash_memory(h, "", 0, t, out, 4, &no, NULL), HM_E_DECODE);
    CHECK_INT(hm_hash_memory(h, NULL, 10, t, out, 4, &no, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_memory(h, "hello, world", 12, t, out, 4, &no, NULL),
              HM_E_UNKNOWN_FORMAT);
    CHECK(strstr(hm_last_error(), "signature") != NULL);
    /* magic bytes alone */
    CHECK_INT(hm_hash_memory(h, "\xff\xd8\xff", 3, t, out, 4, &no, NULL), HM_E_DECODE);
    CHECK_INT(hm_hash_memory(h, "\x89PNG\r\n\x1a\n", 8, t, out, 4, &no, NULL), HM_E_DECODE);
    CHECK_INT(hm_hash_memory(h, "GIF89a", 6, t, out, 4, &no, NULL), FF(HM_E_DECODE));
    CHECK_INT(hm_hash_memory(h, "RIFF\0\0\0\0WEBP", 12, t, out, 4, &no, NULL), HM_E_DECODE);
    CHECK_INT(hm_hash_file(h, HM_TEST_DATA "/does-not-exist.jpg", t, out, 4, &no, NULL),
              HM_E_IO);
    CHECK(strstr(hm_last_error(), "does-not-exist.jpg") != NULL);
    CHECK_INT(hm_hash_file(h, HM_TEST_DATA, t, out, 4, &no, NULL), HM_E_IO);
    truncation_and_corruption(h, DATA "misc-images/wee.jpg");
    truncation_and_corruption(h, DATA "bridge-mods/shrink-a-lot.jpg");
    truncation_and_corruption(h, DATA "misc-images/modes/P.png");
}

/* Headers that claim absurd sizes are refused before pixels are
 * allocated, with an error naming the limit. */
static void size_bombs(hm_hasher *h) {
    hm_hash out[4];
    size_t no = 0, n = 0;
    unsigned t = HM_TYPE_BIT(HM_HASH_PDQ);
    unsigned char *d = read_all(DATA "misc-images/wee.jpg", &n);
    /* JPEG: walk the marker segments to the frame header (SOFn) and
     * patch it to 65000 x 65000 (the 16-bit maximum), then to N x 0 */
    for (size_t i = 2; d && i + 9 < n && d[i] == 0xFF;) {
        const unsigned mk = d[i + 1], len = (unsigned)(d[i + 2] << 8 | d[i + 3]);
        if (mk >= 0xC0 && mk <= 0xC2) {
            unsigned char *c = malloc(n);
            memcpy(c, d, n);
            c[i + 5] = 0xFD; c[i + 6] = 0xE8; /* height 65000 */
            c[i + 7] = 0xFD; c[i + 8] = 0xE8; /* width 65000 */
            CHECK_INT(hm_hash_memory(h, c, n, t, out, 4, &no, NULL), HM_E_LIMIT);
            CHECK(strstr(hm_last_error(), "HM_HASHER_MAX_PIXELS") != NULL);
            c[i + 7] = 0; c[i + 8] = 0; /* width 0 */
            CHECK_INT(hm_hash_memory(h, c, n, t, out, 4, &no, NULL), HM_E_DECODE);
            free(c);
            break;
        }
        i += 2 + len;
    }
    free(d);
    /* PNG: IHDR 100000 x 100000 with a valid CRC, and 0 x 10 */
    d = read_all(DATA "misc-images/modes/L.png", &n);
    if (d) {
        put32be(d + 16, 100000);
        put32be(d + 20, 100000);
        put32be(d + 29, crc32_of(d + 12, 17));
        CHECK_INT(hm_hash_memory(h, d, n, t, out, 4, &no, NULL), HM_E_LIMIT);
        CHECK(strstr(hm_last_error(), "100000x100000") != NULL);
        put32be(d + 16, 0);
        put32be(d + 29, crc32_of(d + 12, 17));
        CHECK_INT(hm_hash_memory(h, d, n, t, out, 4, &no, NULL), HM_E_DECODE);
        free(d);
    }
    /* GIF screen 65535 x 65535 */
    {
        unsigned char gif[] = "GIF89a\xff\xff\xff\xff\x00\x00\x00;";
        CHECK_INT(hm_hash_memory(h, gif, sizeof gif - 1, t, out, 4, &no, NULL), FF(HM_E_LIMIT));
    }
    /* BMP 100000 x 100000 */
    {
        membuf m = {0};
        mb_put(&m, "BM", 2);
        le32(&m, 60); le32(&m, 0); le32(&m, 54); le32(&m, 40);
        le32(&m, 100000); le32(&m, 100000);
        le16(&m, 1); le16(&m, 24);
        for (int i = 0; i < 6; i++) le32(&m, 0);
        CHECK_INT(hm_hash_memory(h, m.p, m.n, t, out, 4, &no, NULL), FF(HM_E_LIMIT));
        free(m.p);
    }
    /* WebP lossless header claiming 16384 x 16384 */
    {
        unsigned char w[] = {'R', 'I', 'F', 'F', 26, 0, 0, 0, 'W', 'E', 'B', 'P',
                             'V', 'P', '8', 'L', 14, 0, 0, 0, 0x2f,
                             0xff, 0xff, 0xff, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        CHECK_INT(hm_hash_memory(h, w, sizeof w, t, out, 4, &no, NULL), HM_E_LIMIT);
    }
    /* the limits are per hasher and settable */
    {
        hm_hasher *small = NULL;
        hm_hasher_create(&small);
        hm_hasher_set(small, HM_HASHER_MAX_PIXELS, 1000);
        CHECK_INT(hm_hash_file(small, DATA "misc-images/wee.jpg", t, out, 4, &no, NULL),
                  HM_E_LIMIT); /* wee.jpg is 34 x 42 = 1428 pixels */
        hm_hasher_set(small, HM_HASHER_MAX_PIXELS, 1427);
        CHECK_INT(hm_hash_file(small, DATA "misc-images/wee.jpg", t, out, 4, &no, NULL),
                  HM_E_LIMIT);
        hm_hasher_set(small, HM_HASHER_MAX_PIXELS, 1428);
        CHECK_INT(hm_hash_file(small, DATA "misc-images/wee.jpg", t, out, 4, &no, NULL),
                  HM_OK);
        hm_hasher_set(small, HM_HASHER_MAX_INPUT_BYTES, 100);
        CHECK_INT(hm_hash_file(small, DATA "misc-images/wee.jpg", t, out, 4, &no, NULL),
                  HM_E_LIMIT);
        CHECK(strstr(hm_last_error(), "HM_HASHER_MAX_INPUT_BYTES") != NULL);
        CHECK_INT(hm_hash_memory(small, "0123456789abcdef0123456789abcdef0123456789abcdef"
                                        "0123456789abcdef0123456789abcdef0123456789abcdef"
                                        "0123456789abcdef", 112, t, out, 4, &no, NULL),
                  HM_E_LIMIT);
        hm_hasher_free(small);
    }
}

/* 1 x N and N x 1 images: PDQ's reference gives an all-zero hash with
 * quality 0 below 5 pixels a side; the 64-bit hashes still resample. */
static void thin_images(hm_hasher *h) {
    uint8_t px[300];
    hm_hash out[4];
    size_t no = 0;
    char hex[HM_HASH_STRING_MAX];
    for (int i = 0; i < 300; i++) px[i] = (uint8_t)(i * 37);
    CHECK_INT(hm_hash_pixels(h, px, 1, 300, 1, HM_PIXEL_GRAY8, HM_TYPES_PERCEPTUAL,
                             out, 4, &no),
              HM_OK);
    CHECK_INT(no, 4);
    hm_hash_to_string(&out[0], hex, sizeof hex);
    CHECK_STR(hex, "0000000000000000000000000000000000000000000000000000000000000000",
              "PDQ of 1x300");
    CHECK_INT(out[0].quality, 0);
    CHECK_INT(hm_hash_pixels(h, px, 300, 1, 300, HM_PIXEL_GRAY8, HM_TYPES_PERCEPTUAL,
                             out, 4, &no),
              HM_OK);
    CHECK_INT(hm_hash_pixels(h, px, 5, 5, 5, HM_PIXEL_GRAY8, HM_TYPE_BIT(HM_HASH_PDQ),
                             out, 4, &no),
              HM_OK);
    CHECK(out[0].quality >= 0);
}

/* ---- EXIF orientation ------------------------------------------------- */

/* Insert an APP1 Exif segment with one Orientation entry after SOI. */
static membuf with_orientation(const unsigned char *jpg, size_t n, int o) {
    static const unsigned char tiff[] = {
        'I', 'I', 42, 0, 8, 0, 0, 0,   /* header, IFD at 8 */
        1, 0,                          /* one entry */
        0x12, 0x01, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* 0x0112 SHORT 1 value */
        0, 0, 0, 0};                   /* next IFD */
    membuf m = {0};
    unsigned char seg[4 + 6 + sizeof tiff];
    const size_t len = sizeof seg - 2;
    seg[0] = 0xFF; seg[1] = 0xE1;
    seg[2] = (unsigned char)(len >> 8); seg[3] = (unsigned char)len;
    memcpy(seg + 4, "Exif\0\0", 6);
    memcpy(seg + 10, tiff, sizeof tiff);
    seg[10 + 18] = (unsigned char)o;
    mb_put(&m, jpg, 2);
    mb_put(&m, seg, sizeof seg);
    mb_put(&m, jpg + 2, n - 2);
    return m;
}

static void exif_orientation(void) {
    size_t n = 0;
    unsigned char *jpg = read_all(DATA "bridge-mods/shrink-a-lot.jpg", &n); /* 160x100 */
    hm_hasher *plain = NULL, *oriented = NULL;
    hm_pixels base;
    hm_image_info info;
    CHECK(jpg != NULL);
    if (!jpg) return;
    hm_hasher_create(&plain);
    hm_hasher_create(&oriented);
    CHECK_INT(hm_hasher_set(oriented, HM_HASHER_APPLY_EXIF_ORIENTATION, 1), HM_OK);
    CHECK_INT(hm_decode_memory(plain, jpg, n, &base, NULL), HM_OK);
    for (int o = 1; o <= 8; o++) {
        membuf m = with_orientation(jpg, n, o);
        hm_pixels px, got;
        hm_hash a[4], b[4];
        size_t na = 0, nb = 0;
        const uint32_t W = base.width, H = base.height;
        const int swap = o >= 5;
        const uint32_t ow = swap ? H : W, oh = swap ? W : H;
        /* not applied by default: same pixels, orientation reported */
        CHECK_INT(hm_decode_memory(plain, m.p, m.n, &px, &info), HM_OK);
        CHECK_INT(info.exif_orientation, o);
        CHECK(px.data && memcmp(px.data, base.data, (size_t)W * H * 3) == 0);
        hm_pixels_free(&px);
        /* applied on request: the upright image, pixel for pixel */
        CHECK_INT(hm_decode_memory(oriented, m.p, m.n, &got, &info), HM_OK);
        CHECK(got.width == ow && got.height == oh);
        for (uint32_t y = 0; got.data && y < oh; y++)
            for (uint32_t x = 0; x < ow; x++) {
                uint32_t sx, sy;
                switch (o) {
                case 1: sx = x; sy = y; break;
                case 2: sx = W - 1 - x; sy = y; break;
                case 3: sx = W - 1 - x; sy = H - 1 - y; break;
                case 4: sx = x; sy = H - 1 - y; break;
                case 5: sx = y; sy = x; break;
                case 6: sx = y; sy = H - 1 - x; break;  /* 90 clockwise */
                case 7: sx = W - 1 - y; sy = H - 1 - x; break;
                default: sx = W - 1 - y; sy = x; break; /* 90 counter-clockwise */
                }
                if (memcmp(got.data + (size_t)y * got.stride + x * 3,
                           base.data + (size_t)sy * base.stride + sx * 3, 3) != 0) {
                    CHECK(!"oriented pixel differs");
                    y = oh;
                    break;
                }
            }
        /* and hashing applies it the same way */
        CHECK_INT(hm_hash_memory(oriented, m.p, m.n, HM_TYPES_PERCEPTUAL, a, 4, &na, NULL),
                  HM_OK);
        CHECK_INT(hm_hash_pixels(plain, got.data, got.width, got.height, got.stride,
                                 HM_PIXEL_RGB24, HM_TYPES_PERCEPTUAL, b, 4, &nb),
                  HM_OK);
        for (size_t i = 0; i < 4; i++) CHECK_INT(hm_hash_distance(&a[i], &b[i]), 0);
        hm_pixels_free(&got);
        free(m.p);
    }
    hm_pixels_free(&base);
    hm_hasher_free(plain);
    hm_hasher_free(oriented);
    free(jpg);
}

/* Raw pixel input: RGBA ignores alpha, stride padding is skipped. */
static void raw_pixels(hm_hasher *h) {
    enum { W = 40, H = 30, STRIDE = W * 4 + 12 };
    static uint8_t rgba[H * STRIDE], rgb[H * W * 3], gray[H * W];
    hm_hash a[4], b[4], c[4];
    size_t na = 0, nb = 0, nc = 0;
    unsigned seed = 5;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = rgba + y * STRIDE + x * 4;
            for (int k = 0; k < 3; k++) p[k] = rgb[(y * W + x) * 3 + k] = (uint8_t)(lcg(&seed) >> 16);
            p[3] = (uint8_t)(lcg(&seed) >> 16);
            gray[y * W + x] = p[1];
        }
    CHECK_INT(hm_hash_pixels(h, rgba, W, H, STRIDE, HM_PIXEL_RGBA32, HM_TYPES_PERCEPTUAL, a, 4, &na), HM_OK);
    CHECK_INT(hm_hash_pixels(h, rgb, W, H, W * 3, HM_PIXEL_RGB24, HM_TYPES_PERCEPTUAL, b, 4, &nb), HM_OK);
    for (int i = 0; i < 4; i++) CHECK_INT(hm_hash_distance(&a[i], &b[i]), 0);
    CHECK_INT(hm_hash_pixels(h, gray, W, H, W, HM_PIXEL_GRAY8, HM_TYPES_PERCEPTUAL, c, 4, &nc), HM_OK);
    CHECK_INT(nc, 4);
}

int main(void) {
    hm_hasher *h = NULL;
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    png_variants(h);
    other_formats(h);
    bad_inputs(h);
    size_bombs(h);
    thin_images(h);
    raw_pixels(h);
    exif_orientation();
    hm_hasher_free(h);
    return test_summary("test_decode");
}
