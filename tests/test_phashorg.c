/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pHash.org's DCT image hash (the HM_HASH_PHASHORG_* types) beyond the
 * reference vectors of test_reference:
 *  - the library's streaming pipeline against a whole-image oracle written
 *    from the documented steps (full Y image, 7x7 box sum with clamped
 *    indices, nearest-neighbour 32x32, C img C^T) on random images of odd
 *    sizes, tiny ones included, grey and RGB(A);
 *  - the packings: each against its rule computed bit by bit, conversions
 *    (lossless between 0.9.x and 2026, coefficient 0 unknown from 2014),
 *    parsing (a 2014 value with bit 0 set is refused), names, distances
 *    only within a packing;
 *  - file, memory, pixels and the buffered path give one value;
 *  - the dihedral variants against the hashes of the physically turned
 *    photos (bridge-2..8 of the reference set);
 *  - the index: a packing never matches another, list files name the
 *    packing in the type, thresholds per packing survive a save and load.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hashmatch.h"
#include "test_util.h"

static const int kPackings[3] = {HM_HASH_PHASHORG_V09, HM_HASH_PHASHORG_2014,
                                 HM_HASH_PHASHORG_2026};

static uint64_t value_of(const hm_hash *h) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | h->bytes[i];
    return v;
}

static hm_hash make(int type, uint64_t v) {
    char hex[32];
    hm_hash h;
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)v);
    CHECK_INT(hm_hash_from_string(type, hex, &h), HM_OK);
    return h;
}

/* The value of packing `type` for coefficient bits c, bit by bit from the
 * documented rules. */
static uint64_t packed(uint64_t c, int type) {
    uint64_t v = 0;
    for (int i = 0; i < 64; i++) {
        if (!(c >> i & 1)) continue;
        if (type == HM_HASH_PHASHORG_V09) v |= 1ull << i;
        else if (type == HM_HASH_PHASHORG_2026) v |= 1ull << (63 - i);
        else if (i >= 1) v |= 1ull << (64 - i); /* 2014: coefficient 0 is lost */
    }
    return v;
}

/* ---- the oracle: the documented steps over the whole image --------- */

static int clampi(int v, int hi) { return v < 0 ? 0 : v > hi ? hi : v; }

static uint64_t oracle(const uint8_t *px, int w, int h, int bpp) {
    int *y = malloc((size_t)w * (size_t)h * sizeof *y);
    float img[32][32], c[32][32], t[32][32], d[32][32], m[64], s[64];
    for (int r = 0; r < h; r++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = px + ((size_t)r * (size_t)w + (size_t)x) * (size_t)bpp;
            /* CImg: Y = (66 R + 129 G + 25 B + 128) / 256 + 16 in float,
             * truncated; grey: the value */
            y[r * w + x] = bpp == 1 ? p[0]
                                    : (int)((66.0f * p[0] + 129.0f * p[1] + 25.0f * p[2] + 128.0f) /
                                                256.0f +
                                            16.0f);
        }
    for (int j = 0; j < 32; j++)
        for (int i = 0; i < 32; i++) {
            const int cy = (int)floor((double)j * h / 32), cx = (int)floor((double)i * w / 32);
            double sum = 0;
            for (int dy = -3; dy <= 3; dy++)
                for (int dx = -3; dx <= 3; dx++)
                    sum += y[clampi(cy + dy, h - 1) * w + clampi(cx + dx, w - 1)];
            img[j][i] = (float)sum;
        }
    free(y);
    for (int x = 0; x < 32; x++) {
        c[0][x] = 1.0f / sqrtf(32.0f);
        for (int k = 1; k < 32; k++)
            c[k][x] = (float)((float)sqrt(2.0 / 32) * cos(M_PI / 2 / 32 * k * (2 * x + 1)));
    }
    for (int a = 0; a < 32; a++) /* t = C img */
        for (int b = 0; b < 32; b++) {
            double v = 0;
            for (int k = 0; k < 32; k++) v += (float)(c[a][k] * img[k][b]);
            t[a][b] = (float)v;
        }
    for (int a = 0; a < 32; a++) /* d = t C^T */
        for (int b = 0; b < 32; b++) {
            double v = 0;
            for (int k = 0; k < 32; k++) v += (float)(t[a][k] * c[b][k]);
            d[a][b] = (float)v;
        }
    for (int i = 0; i < 64; i++) m[i] = s[i] = d[1 + i / 8][1 + i % 8];
    for (int i = 1; i < 64; i++) /* insertion sort */
        for (int k = i; k > 0 && s[k - 1] > s[k]; k--) {
            const float x = s[k];
            s[k] = s[k - 1];
            s[k - 1] = x;
        }
    const float median = (s[31] + s[32]) / 2.0f;
    uint64_t bits = 0;
    for (int i = 0; i < 64; i++)
        if (m[i] > median) bits |= 1ull << i;
    return bits;
}

static void pipeline_vs_oracle(void) {
    static const int kSizes[][2] = {{1, 1},   {1, 300}, {300, 1}, {5, 9},    {7, 7},
                                    {31, 33}, {32, 32}, {37, 23}, {64, 48}, {333, 251}};
    static const struct { hm_pixel_format f; int bpp; } kFormats[] = {
        {HM_PIXEL_GRAY8, 1}, {HM_PIXEL_RGB24, 3}, {HM_PIXEL_RGBA32, 4}};
    hm_hasher *h;
    int compared = 0;
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    for (size_t s = 0; s < sizeof kSizes / sizeof kSizes[0]; s++)
        for (size_t f = 0; f < 3; f++) {
            const int w = kSizes[s][0], ht = kSizes[s][1], bpp = kFormats[f].bpp;
            uint8_t *px = malloc((size_t)w * (size_t)ht * (size_t)bpp);
            /* smooth content with noise, so that the median splits */
            for (int r = 0; r < ht; r++)
                for (int x = 0; x < w; x++)
                    for (int k = 0; k < bpp; k++)
                        px[((size_t)r * w + x) * bpp + k] =
                            (uint8_t)(128 + 90 * sin(x * 0.07 + k) * cos(r * 0.05) +
                                      (double)(test_rand() % 31) - 15);
            hm_hash out[3];
            size_t n = 0;
            CHECK_INT(hm_hash_pixels(h, px, (uint32_t)w, (uint32_t)ht, (size_t)w * bpp,
                                     kFormats[f].f, HM_TYPES_PHASHORG, out, 3, &n),
                      HM_OK);
            CHECK_INT(n, 3);
            const uint64_t want = oracle(px, w, ht, bpp);
            for (int p = 0; p < 3; p++) {
                CHECK_INT(out[p].type, kPackings[p]);
                if (value_of(&out[p]) != packed(want, kPackings[p]))
                    fprintf(stderr, "%dx%d bpp %d, %s: %016llx, oracle %016llx\n", w, ht, bpp,
                            hm_hash_type_name(kPackings[p]), (unsigned long long)value_of(&out[p]),
                            (unsigned long long)packed(want, kPackings[p]));
                CHECK(value_of(&out[p]) == packed(want, kPackings[p]));
            }
            compared++;
            free(px);
        }
    /* a flat image: every AC coefficient is 0, none above the median */
    uint8_t flat[40 * 30];
    memset(flat, 77, sizeof flat);
    hm_hash one;
    size_t n = 0;
    CHECK_INT(hm_hash_pixels(h, flat, 40, 30, 40, HM_PIXEL_GRAY8,
                             HM_TYPE_BIT(HM_HASH_PHASHORG_V09), &one, 1, &n),
              HM_OK);
    CHECK(value_of(&one) == 0);
    hm_hasher_free(h);
    printf("pipeline against the whole-image oracle: %d images\n", compared);
}

/* ---- packings ------------------------------------------------------- */

static void packings(void) {
    for (int k = 0; k < 200; k++) {
        const uint64_t c = test_rand() ^ (test_rand() << 17);
        const hm_hash v09 = make(HM_HASH_PHASHORG_V09, c);
        hm_hash to, back;
        for (int p = 0; p < 3; p++) {
            CHECK_INT(hm_hash_convert(&v09, kPackings[p], &to), 0);
            CHECK_INT(to.type, kPackings[p]);
            CHECK(value_of(&to) == packed(c, kPackings[p]));
            /* and back: exact, but coefficient 0 from the 2014 packing */
            const int lost = kPackings[p] == HM_HASH_PHASHORG_2014;
            CHECK_INT(hm_hash_convert(&to, HM_HASH_PHASHORG_V09, &back), lost);
            CHECK(value_of(&back) == (lost ? c & ~1ull : c));
            CHECK_INT(hm_hash_distance(&back, &v09), lost ? (int)(c & 1) : 0);
        }
        /* in place, and the variant kept */
        to = v09;
        to.variant = HM_DIH_ROT90;
        CHECK_INT(hm_hash_convert(&to, HM_HASH_PHASHORG_2026, &to), 0);
        CHECK(value_of(&to) == packed(c, HM_HASH_PHASHORG_2026) && to.variant == HM_DIH_ROT90);
    }
    /* not packings of one value; bad arguments */
    hm_hash pdq, out;
    test_random_hash(&pdq, HM_HASH_PDQ);
    const hm_hash v = make(HM_HASH_PHASHORG_V09, 0x6ed56019e69edc22ull);
    hm_hash ph = v;
    ph.type = HM_HASH_PHASH;
    CHECK_INT(hm_hash_convert(&pdq, HM_HASH_PHASHORG_V09, &out), HM_E_TYPE_MISMATCH);
    CHECK_INT(hm_hash_convert(&v, HM_HASH_PHASH, &out), HM_E_TYPE_MISMATCH);
    CHECK(strstr(hm_last_error(), "phashorg_v09 hash cannot be converted to phash") != NULL);
    CHECK_INT(hm_hash_convert(&ph, HM_HASH_PHASHORG_2026, &out), HM_E_TYPE_MISMATCH);
    CHECK_INT(hm_hash_convert(&ph, HM_HASH_PHASH, &out), 0); /* a copy */
    CHECK_INT(hm_hash_convert(NULL, HM_HASH_PHASHORG_V09, &out), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_convert(&v, HM_HASH_PHASHORG_V09, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_convert(&v, 99, &out), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_convert(&v, 0, &out), HM_E_INVALID_ARGUMENT);

    /* parsing: master's packing never sets bit 0 */
    hm_hash p;
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASHORG_2014, "8876f2cf300d56ec", &p), HM_OK);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASHORG_2014, "8876f2cf300d56ed", &p), HM_E_PARSE);
    CHECK(strstr(hm_last_error(), "bit 0") != NULL && strstr(hm_last_error(), "packing") != NULL);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASHORG_V09, "8876f2cf300d56ed", &p), HM_OK);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASHORG_2026, "8876F2CF300D56ED", &p), HM_OK);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASHORG_2026, "8876f2cf300d56e", &p), HM_E_PARSE);

    /* names, bits, thresholds; no distance across packings */
    CHECK_INT(hm_hash_type_from_name("phashorg_v09"), HM_HASH_PHASHORG_V09);
    CHECK_INT(hm_hash_type_from_name("phashorg_2014"), HM_HASH_PHASHORG_2014);
    CHECK_INT(hm_hash_type_from_name("phashorg_2026"), HM_HASH_PHASHORG_2026);
    CHECK_INT(hm_hash_type_from_name("phashorg"), 0); /* the packing must be named */
    for (int k = 0; k < 3; k++) {
        CHECK_INT(hm_hash_bits(kPackings[k]), 64);
        CHECK_INT(hm_default_threshold(kPackings[k]), HM_DEFAULT_PHASHORG_THRESHOLD);
        CHECK(!(HM_TYPES_PERCEPTUAL & HM_TYPE_BIT(kPackings[k])));
        CHECK(HM_TYPES_PHASHORG & HM_TYPE_BIT(kPackings[k]));
    }
    const hm_hash a = make(HM_HASH_PHASHORG_V09, 0x1234), b = make(HM_HASH_PHASHORG_2026, 0x1234);
    CHECK_INT(hm_hash_distance(&a, &b), HM_E_TYPE_MISMATCH);
    CHECK_INT(hm_hash_distance(&a, &a), 0);
}

/* ---- sources and dihedral variants ---------------------------------- */

static void photo_path(char *buf, size_t cap, const char *name) {
    snprintf(buf, cap, "%s/pdq-reference/threatexchange/pdq/data/reg-test-input/dih/%s",
             HM_TEST_DATA, name);
}

static void sources_and_dihedral(void) {
    static const char *const kTurned[8] = {
        "bridge-1-original.jpg", "bridge-2-rotate-90.jpg",    "bridge-3-rotate-180.jpg",
        "bridge-4-rotate-270.jpg", "bridge-5-flipx.jpg",      "bridge-6-flipy.jpg",
        "bridge-7-flip-plus-1.jpg", "bridge-8-flip-minus-1.jpg"};
    char path[1024];
    hm_hasher *h;
    hm_hash file[3], mem[3], pix[3], buffered[64], dih[24];
    size_t n = 0, size = 0;
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    photo_path(path, sizeof path, kTurned[0]);
    CHECK_INT(hm_hash_file(h, path, HM_TYPES_PHASHORG, file, 3, &n, NULL), HM_OK);
    CHECK_INT(n, 3);
    unsigned char *data = read_all(path, &size);
    CHECK(data != NULL);
    if (!data) return;
    CHECK_INT(hm_hash_memory(h, data, size, HM_TYPES_PHASHORG, mem, 3, &n, NULL), HM_OK);
    hm_pixels px;
    CHECK_INT(hm_decode_memory(h, data, size, &px, NULL), HM_OK);
    CHECK_INT(hm_hash_pixels(h, px.data, px.width, px.height, px.stride,
                             (hm_pixel_format)px.format, HM_TYPES_PHASHORG, pix, 3, &n),
              HM_OK);
    hm_pixels_free(&px);
    /* the buffered path (trimming asks for the whole image) */
    CHECK_INT(hm_hash_memory(h, data, size, HM_TYPES_PHASHORG | HM_WANT_TRIMMED, buffered, 64, &n,
                             NULL),
              HM_OK);
    CHECK(n >= 3);
    for (int k = 0; k < 3; k++) {
        CHECK_INT(hm_hash_distance(&file[k], &mem[k]), 0);
        CHECK_INT(hm_hash_distance(&file[k], &pix[k]), 0);
        CHECK_INT(hm_hash_distance(&file[k], &buffered[k]), 0);
    }
    /* dihedral variants: the plain hash first, then one per turn, each
     * near the hash of the photo turned for real (nearest-neighbour
     * sampling does not turn exactly), far from the other turns' */
    CHECK_INT(hm_hash_memory(h, data, size, HM_TYPES_PHASHORG | HM_WANT_DIHEDRAL, dih, 24, &n,
                             NULL),
              HM_OK);
    CHECK_INT(n, 24);
    free(data);
    hm_hash real[8];
    for (int v = 0; v < 8; v++) {
        photo_path(path, sizeof path, kTurned[v]);
        CHECK_INT(hm_hash_file(h, path, HM_TYPE_BIT(HM_HASH_PHASHORG_2026), &real[v], 1, &n, NULL),
                  HM_OK);
    }
    int worst = 0;
    for (int v = 0; v < 8; v++) {
        const hm_hash *d = &dih[16 + v]; /* the 2026 packing's eight */
        CHECK_INT(d->type, HM_HASH_PHASHORG_2026);
        CHECK_INT(d->variant, v);
        CHECK_INT(dih[v].type, HM_HASH_PHASHORG_V09);
        const int near = hm_hash_distance(d, &real[v]);
        printf("  %s: %d bits\n", kTurned[v], near);
        if (near > worst) worst = near;
        for (int o = 0; o < 8; o++)
            if (o != v) CHECK(hm_hash_distance(d, &real[o]) > near);
    }
    CHECK_INT(hm_hash_distance(&dih[16], &file[2]), 0);
    CHECK(worst <= 16); /* measured: 14 (rotate-180, flip-minus-1) */
    printf("dihedral variants: at most %d bits from the turned photos' hashes\n", worst);
    hm_hasher_free(h);
}

/* ---- the index ------------------------------------------------------ */

static void index_packings(void) {
    hm_index *idx;
    hm_results *res;
    uint32_t list;
    const uint64_t c = 0x6ed56019e69edc22ull; /* bridge, 0.9.x packing */
    CHECK_INT(hm_index_create(&idx), HM_OK);
    CHECK_INT(hm_results_create(&res), HM_OK);
    CHECK_INT(hm_index_list(idx, "old", &list), HM_OK);
    for (int p = 0; p < 3; p++) {
        hm_hash e = make(kPackings[p], packed(c, kPackings[p]));
        CHECK_INT(hm_index_add(idx, list, &e, hm_hash_type_name(kPackings[p]), NULL), HM_OK);
    }
    CHECK_INT(hm_index_commit(idx), HM_OK);
    /* each packing finds its own entry only, at distance 0 */
    for (int p = 0; p < 3; p++) {
        hm_hash q = make(kPackings[p], packed(c, kPackings[p]));
        CHECK_INT(hm_index_query(idx, &q, 1, NULL, res), HM_OK);
        CHECK_INT(hm_results_count(res), 1);
        if (hm_results_count(res) == 1) {
            CHECK_STR(hm_results_get(res, 0)->entry_id, hm_hash_type_name(kPackings[p]), "entry");
            CHECK_INT(hm_results_get(res, 0)->distance, 0);
        }
    }
    /* lists name the packing in the type: canonical CSV and typed lines;
     * a 2014 value with bit 0 set is rejected, naming the cause */
    static const char kCsv[] =
        "hash_type,hash,entry_id,list,labels\n"
        "phashorg_2014,8876f2cf300d56ec,a,csv,\n"
        "phashorg_v09,6ed56019e69edc22,b,csv,\n"
        "phashorg_2014,8876f2cf300d56ed,c,csv,\n";
    hm_list_load_opts o;
    hm_list_load_report r;
    hm_list_load_opts_init(&o);
    CHECK_INT(hm_index_load_list_memory(idx, kCsv, strlen(kCsv), "pho.csv", &o, &r), HM_E_PARSE);
    CHECK(strstr(hm_last_error(), "pho.csv:4") != NULL && strstr(hm_last_error(), "bit 0") != NULL);
    o.strict = 0;
    CHECK_INT(hm_index_load_list_memory(idx, kCsv, strlen(kCsv), "pho.csv", &o, &r), HM_OK);
    CHECK(r.added == 2 && r.rejected == 1 && r.first_bad_line == 4);
    static const char kTyped[] = "phashorg_2026 44376f2cf300d56e\nphashorg_v09 0000000000000001\n";
    CHECK_INT(hm_index_load_list_memory(idx, kTyped, strlen(kTyped), "pho.txt", &o, &r), HM_OK);
    CHECK_INT(r.format, HM_LIST_TYPED);
    CHECK(r.added == 2 && r.rejected == 0);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    hm_index_stats st = test_stats(idx);
    CHECK(st.entries_by_type[HM_HASH_PHASHORG_2014] == 2 &&
          st.entries_by_type[HM_HASH_PHASHORG_V09] == 3 &&
          st.entries_by_type[HM_HASH_PHASHORG_2026] == 2);

    /* a threshold per packing is kept by a save and a load (format
     * version 3 holds every type's) */
    CHECK_INT(hm_index_list_set_threshold(idx, list, HM_HASH_PHASHORG_2014, 22), HM_OK);
    CHECK_INT(hm_index_list_set_threshold(idx, list, HM_HASH_PHASHORG_2026, 65), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    char path[] = "/tmp/hm_test_phashorg_XXXXXX";
    const int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) close(fd);
    CHECK_INT(hm_index_save(idx, path), HM_OK);
    hm_index *back;
    CHECK_INT(hm_index_create(&back), HM_OK);
    CHECK_INT(hm_index_load(back, path), HM_OK);
    unlink(path);
    hm_snapshot *snap;
    hm_list_info li;
    uint32_t l2;
    CHECK_INT(hm_index_acquire(back, &snap), HM_OK);
    CHECK_INT(hm_snapshot_list_find(snap, "old", &l2), HM_OK);
    CHECK_INT(hm_snapshot_list_info(snap, l2, &li), HM_OK);
    CHECK_INT(li.threshold[HM_HASH_PHASHORG_2014], 22);
    CHECK_INT(li.threshold[HM_HASH_PHASHORG_2026], HM_DEFAULT_PHASHORG_THRESHOLD);
    hm_snapshot_release(snap);
    /* the query at 20 bits from the 2014 entry matches under 22 */
    hm_hash q = make(HM_HASH_PHASHORG_2014, packed(c, HM_HASH_PHASHORG_2014) ^ 0xfffff00000000000ull);
    CHECK_INT(hm_index_query(back, &q, 1, NULL, res), HM_OK);
    CHECK_INT(hm_results_count(res), 1);
    if (hm_results_count(res) == 1) CHECK_INT(hm_results_get(res, 0)->distance, 20);

    /* decisions: an item with only pHash.org's hash decides by its
     * threshold (single); with PDQ too, PDQ's rule decides and the
     * pHash.org distance is reported */
    hm_decide_opts dopt;
    hm_decide_opts_init(&dopt);
    CHECK_INT(hm_index_decide(back, &q, 1, &dopt, res), HM_OK);
    CHECK_INT(hm_results_decision_count(res), 1);
    if (hm_results_decision_count(res) == 1) {
        const hm_decision *d = hm_results_decision_get(res, 0);
        CHECK_INT(d->rule, HM_RULE_SINGLE);
        CHECK_STR(d->entry_id, "phashorg_2014", "decided item");
        CHECK_INT(d->distance[HM_HASH_PHASHORG_2014], 20);
        CHECK(isnan(d->score));
    }
    hm_hash pdq;
    test_random_hash(&pdq, HM_HASH_PDQ);
    pdq.quality = 100;
    CHECK_INT(hm_index_add(back, l2, &pdq, "phashorg_2014", NULL), HM_OK);
    CHECK_INT(hm_index_commit(back), HM_OK);
    hm_hash both[2] = {pdq, q};
    both[0].bytes[0] ^= 0xff; /* 8 bits off */
    CHECK_INT(hm_index_decide(back, both, 2, &dopt, res), HM_OK);
    CHECK_INT(hm_results_decision_count(res), 1);
    if (hm_results_decision_count(res) == 1) {
        const hm_decision *d = hm_results_decision_get(res, 0);
        CHECK_INT(d->rule, HM_RULE_PDQ);
        CHECK_INT(d->distance[HM_HASH_PDQ], 8);
        CHECK_INT(d->distance[HM_HASH_PHASHORG_2014], 20);
    }
    both[0] = pdq;
    for (int i = 0; i < 32; i++) both[0].bytes[i] = (uint8_t)~both[0].bytes[i]; /* 256 off */
    CHECK_INT(hm_index_decide(back, both, 2, &dopt, res), HM_OK);
    CHECK_INT(hm_results_decision_count(res), 0); /* pHash.org alone does not decide it */
    hm_index_free(back);
    hm_results_free(res);
    hm_index_free(idx);
}

int main(void) {
    pipeline_vs_oracle();
    packings();
    sources_and_dihedral();
    index_packings();
    return test_summary("test_phashorg");
}
