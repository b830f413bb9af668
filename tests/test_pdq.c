/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PDQ kernel sets: the set of one SIMD level (argv[1]: portable, avx2,
 * avx512; without it, every level usable here; see test_simd.h) must give
 * exactly the portable set's 16x16 DCT and quality (compared bit for bit,
 * before any hashing hides differences) on
 *  - every decodable image under tests/data/pdq-reference, both flavours,
 *    whose hash must also equal the public API's (which test_reference
 *    checks against the reference tools), and
 *  - generated images of awkward sizes: 5 pixels on a side, odd sides,
 *    sides around multiples of 8 and 16, 64x64 (no filter), sides over
 *    512 (prescaled flavour), windows wider than 16 rows or a 128-column
 *    chunk; grey, RGB and RGBX rows, with and without row padding.
 * The kernel sets are internal, so this links the static library.
 * Usage: test_pdq [LEVEL [DIR]] (DIR: the reference images).
 */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>

#include "hash/pdq_stream.h"
#include "hashmatch.h"
#include "test_simd.h"
#include "test_util.h"

/* the levels under test */
static hm_simd_level g_levels[HM_SIMD_LEVELS];
static int g_nlevels;

typedef struct image {
    const uint8_t *px;
    int w, h, bpp, channels;
    size_t stride;
} image;

static int run(hm_simd_level isa, const image *im, int flavour, hm_pdq_dct *out) {
    hm_pdq_stream *s;
    int st;
    if (hm_pdq_stream_create_isa(im->w, im->h, flavour, isa, &s) != HM_OK)
        return 0;
    for (int y = 0; y < im->h; y++)
        hm_pdq_stream_push(s, im->px + (size_t)y * im->stride, im->bpp,
                           im->channels);
    st = hm_pdq_stream_finish(s, out);
    hm_pdq_stream_free(s);
    return st == HM_OK;
}

static int same(const hm_pdq_dct *a, const hm_pdq_dct *b) {
    return memcmp(a->c, b->c, sizeof a->c) == 0 && a->quality == b->quality &&
           a->degenerate == b->degenerate;
}

/* The sets under test against the portable one; the portable result goes
 * to *ref. */
static void compare_sets(const char *what, const image *im, int flavour,
                         hm_pdq_dct *ref) {
    CHECK(run(HM_SIMD_PORTABLE, im, flavour, ref));
    for (int i = 0; i < g_nlevels; i++) {
        hm_pdq_dct got;
        if (g_levels[i] == HM_SIMD_PORTABLE) continue;
        CHECK(run(g_levels[i], im, flavour, &got));
        if (!same(&got, ref)) {
            CHECK(0);
            fprintf(stderr, "%s (%dx%d, %d bpp, flavour %d): %s differs\n",
                    what, im->w, im->h, im->bpp, flavour,
                    hm_simd_name(g_levels[i]));
        }
    }
}

static int g_images;

static void reference_file(hm_hasher *h, const char *path) {
    size_t size = 0;
    unsigned char *data = read_all(path, &size);
    hm_pixels px;
    if (!data) return;
    if (hm_decode_memory(h, data, size, &px, NULL) == HM_OK) {
        const image im = {px.data, (int)px.width, (int)px.height,
                          px.format == HM_PIXEL_GRAY8 ? 1 : 3,
                          px.format == HM_PIXEL_GRAY8 ? 1 : 3, px.stride};
        for (int flavour = HM_PDQ_FULLRES; flavour <= HM_PDQ_CPP_512;
             flavour++) {
            hm_pdq_dct ref;
            hm_hash mine, api;
            size_t n = 0;
            char a[HM_HASH_STRING_MAX], b[HM_HASH_STRING_MAX];
            compare_sets(path, &im, flavour, &ref);
            hm_pdq_hash(&ref, HM_DIH_ORIGINAL, &mine);
            CHECK_INT(hm_hasher_set(h, HM_HASHER_PDQ_FLAVOUR, flavour), HM_OK);
            CHECK_INT(hm_hash_memory(h, data, size, HM_TYPE_BIT(HM_HASH_PDQ),
                                     &api, 1, &n, NULL),
                      HM_OK);
            hm_hash_to_string(&mine, a, sizeof a);
            hm_hash_to_string(&api, b, sizeof b);
            CHECK_STR(a, b, path);
            CHECK_INT(mine.quality, api.quality);
        }
        CHECK_INT(hm_hasher_set(h, HM_HASHER_PDQ_FLAVOUR, HM_PDQ_FULLRES), HM_OK);
        hm_pixels_free(&px);
        g_images++;
    }
    free(data);
}

static void reference_dir(hm_hasher *h, const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d) return;
    while ((e = readdir(d))) {
        char path[2048];
        struct stat st;
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) reference_dir(h, path);
        else if (S_ISREG(st.st_mode)) reference_file(h, path);
    }
    closedir(d);
}

static uint64_t g_rng = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void) { /* xorshift64* */
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return (uint32_t)((g_rng * 0x2545f4914f6cdd1du) >> 32);
}

/* A w x h image: a gradient plus noise (or pure noise), in a pixel layout
 * picked by `layout`. */
static void generated(int w, int h, int layout) {
    static const int kBpp[3] = {1, 3, 4};
    const int bpp = kBpp[layout % 3], pad = (layout / 3) % 2 ? 7 : 0;
    const int noise_only = layout % 5 == 4;
    const size_t stride = (size_t)w * (size_t)bpp + (size_t)pad;
    uint8_t *px = malloc(stride * (size_t)h);
    char what[64];
    CHECK(px != NULL);
    if (!px) return;
    for (int y = 0; y < h; y++)
        for (size_t i = 0; i < stride; i++) {
            const int base = noise_only ? 0 : (int)((i / (size_t)bpp) * 160 / (size_t)w) + y * 64 / h;
            px[(size_t)y * stride + i] = (uint8_t)(base + (int)(rnd() % (noise_only ? 256 : 32)));
        }
    {
        const image im = {px, w, h, bpp, bpp == 1 ? 1 : 3, stride};
        snprintf(what, sizeof what, "generated layout %d", layout);
        for (int flavour = HM_PDQ_FULLRES; flavour <= HM_PDQ_CPP_512; flavour++) {
            hm_pdq_dct ref;
            compare_sets(what, &im, flavour, &ref);
        }
    }
    free(px);
    g_images++;
}

int main(int argc, char **argv) {
    static const int kSizes[][2] = {
        {5, 5},     {5, 37},    {37, 5},    {4, 9},     {9, 4},
        {6, 300},   {300, 6},   {64, 64},   {63, 64},   {65, 63},
        {15, 17},   {16, 16},   {17, 15},   {31, 33},   {8, 24},
        {127, 129}, {128, 128}, {129, 127}, {1000, 7},  {7, 1000},
        {513, 5},   {600, 700}, {1237, 411}, {2100, 19}, {19, 2100},
        {4001, 23}, {20000, 6}, {6, 20000}};
    const char *root = argc > 2 ? argv[2] : HM_TEST_DATA "/pdq-reference";
    hm_hasher *h = NULL;
    g_nlevels = test_simd_levels("test_pdq", argc > 1 ? argv[1] : NULL,
                                 hm_pdq_isa_available, g_levels);
    for (int i = 0; i < g_nlevels; i++)
        printf("kernel set under test: %s\n", hm_simd_name(g_levels[i]));
    CHECK(hm_pdq_isa_available(HM_SIMD_PORTABLE));
    /* a set that is not usable, or no set, is refused (test_simd_skip.sh
     * runs this with HM_SIMD=portable, where avx2 and avx512 are not) */
    for (int l = 0; l <= HM_SIMD_LEVELS; l++)
        if (!hm_pdq_isa_available((hm_simd_level)l)) {
            hm_pdq_stream *s = NULL;
            CHECK_INT(hm_pdq_stream_create_isa(64, 64, HM_PDQ_FULLRES,
                                               (hm_simd_level)l, &s),
                      HM_E_INVALID_ARGUMENT);
            CHECK(s == NULL);
        }
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    reference_dir(h, root);
    hm_hasher_free(h);
    printf("reference images: %d\n", g_images);
    CHECK(g_images >= 36); /* every JPEG and PNG there */
    g_images = 0;
    for (size_t i = 0; i < sizeof kSizes / sizeof kSizes[0]; i++)
        generated(kSizes[i][0], kSizes[i][1], (int)i);
    for (int i = 0; i < 40; i++)
        generated(5 + (int)(rnd() % 700), 5 + (int)(rnd() % 700), (int)(rnd() % 30));
    printf("generated images: %d\n", g_images);
    return test_summary("test_pdq");
}
