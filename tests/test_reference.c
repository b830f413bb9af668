/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reference vectors: every image of the reference set that is in
 * tests/data must hash exactly as the reference tools did (the expected
 * CSVs were produced by running ThreatExchange's C++ PDQ, Python
 * imagehash 4.3.2 with Pillow 9.4.0 and pHash.org's C++ library; see
 * tests/data/pdq-reference/README.md).
 */
#include "hashmatch.h"
#include "test_util.h"

static const char *g_root; /* tests/data/pdq-reference */

/* Split a CSV line in place (no quoted fields in these files). */
static int split(char *line, char **f, int max) {
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == ',') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

/* Repository path in a CSV -> file under tests/data, or NULL if absent. */
static const char *data_path(const char *csv_path, char *buf, size_t cap) {
    FILE *f;
    if (strncmp(csv_path, "imagehash:", 10) == 0)
        snprintf(buf, cap, "%s/imagehash/%s", g_root, csv_path + 10);
    else
        snprintf(buf, cap, "%s/threatexchange/%s", g_root, csv_path);
    f = fopen(buf, "rb");
    if (!f) return NULL;
    fclose(f);
    return buf;
}

static FILE *open_expected(const char *name) {
    char p[1024];
    FILE *f;
    snprintf(p, sizeof p, "%s/expected/%s", g_root, name);
    f = fopen(p, "r");
    if (!f) fprintf(stderr, "cannot open %s\n", p);
    else if (!fgets(p, sizeof p, f)) p[0] = '\0'; /* the header */
    return f;
}

/* The next row of an expected CSV with at least `min` fields whose image
 * is in tests/data: its fields into f (pointing into line), its path into
 * buf; NULL at the end. */
static const char *next_image_row(FILE *csv, char *line, int cap, char **f, int min, char *buf,
                                  size_t bcap) {
    const char *path;
    while (fgets(line, cap, csv))
        if (split(line, f, 8) >= min && (path = data_path(f[0], buf, bcap))) return path;
    return NULL;
}

static int hash_one(hm_hasher *h, const char *path, int type, hm_hash *out) {
    size_t n = 0;
    hm_status st = hm_hash_file(h, path, HM_TYPE_BIT(type), out, 1, &n, NULL);
    if (st != HM_OK) fprintf(stderr, "%s\n", hm_last_error());
    return st == HM_OK && n == 1;
}

static void pdq_csv(const char *name, int flavour) {
    hm_hasher *h = NULL;
    char line[1024], buf[1024], hex[HM_HASH_STRING_MAX];
    char *f[8];
    int files = 0;
    FILE *csv = open_expected(name);
    CHECK(csv != NULL);
    if (!csv) return;
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    CHECK_INT(hm_hasher_set(h, HM_HASHER_PDQ_FLAVOUR, flavour), HM_OK);
    const char *path;
    while ((path = next_image_row(csv, line, sizeof line, f, 3, buf, sizeof buf))) {
        hm_hash out;
        files++;
        CHECK(hash_one(h, path, HM_HASH_PDQ, &out));
        hm_hash_to_string(&out, hex, sizeof hex);
        CHECK_STR(hex, f[1], path);
        CHECK_INT(out.quality, atoi(f[2]));
    }
    fclose(csv);
    hm_hasher_free(h);
    printf("%s: %d images compared\n", name, files);
    CHECK(files >= 30); /* the copied set: every 1- and 3-channel image */
}

static void imagehash_csv(void) {
    static const struct { int type; int column; } kCols[] = {
        {HM_HASH_AHASH, 3}, {HM_HASH_PHASH, 4}, {HM_HASH_DHASH, 5}};
    hm_hasher *h = NULL;
    char line[1024], buf[1024], hex[HM_HASH_STRING_MAX];
    char *f[8];
    int files = 0;
    FILE *csv = open_expected("imagehash-4.3.2-pillow-9.4.0.csv");
    CHECK(csv != NULL);
    if (!csv) return;
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    const char *path;
    while ((path = next_image_row(csv, line, sizeof line, f, 7, buf, sizeof buf))) {
        files++;
        for (size_t i = 0; i < sizeof kCols / sizeof kCols[0]; i++) {
            hm_hash out;
            CHECK(hash_one(h, path, kCols[i].type, &out));
            hm_hash_to_string(&out, hex, sizeof hex);
            CHECK_STR(hex, f[kCols[i].column], path);
        }
    }
    fclose(csv);
    hm_hasher_free(h);
    printf("imagehash CSV: %d images compared\n", files);
    CHECK(files >= 36);
}

/* Published vectors of imagehash's own test (tests/test_hash_is_constant.py). */
static void imagehash_published(void) {
    hm_hasher *h = NULL;
    hm_hash out[3];
    size_t n = 0;
    char path[1024], hex[HM_HASH_STRING_MAX];
    snprintf(path, sizeof path, "%s/imagehash/tests/data/imagehash.png", g_root);
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    CHECK_INT(hm_hash_file(h, path,
                           HM_TYPE_BIT(HM_HASH_PHASH) | HM_TYPE_BIT(HM_HASH_DHASH) |
                               HM_TYPE_BIT(HM_HASH_AHASH),
                           out, 3, &n, NULL),
              HM_OK);
    CHECK_INT(n, 3);
    hm_hash_to_string(&out[0], hex, sizeof hex);
    CHECK_STR(hex, "ba8c84536bd3c366", "imagehash.png phash");
    hm_hash_to_string(&out[1], hex, sizeof hex);
    CHECK_STR(hex, "0026273b2b19550e", "imagehash.png dhash");
    hm_hash_to_string(&out[2], hex, sizeof hex);
    CHECK_STR(hex, "ffd7918181c9ffff", "imagehash.png average_hash");
    hm_hasher_free(h);
}

/* The 8 dihedral hashes of bridge-1-original in both flavours. */
static void dihedral_csv(void) {
    static const char *kNames[8] = {"orig",  "rot90", "rot180",    "rot270",
                                    "flipx", "flipy", "flipp",  "flipm"};
    hm_hasher *h = NULL;
    char line[2048], path[1024], hex[HM_HASH_STRING_MAX];
    char *f[8];
    int rows = 0;
    FILE *csv = open_expected("pdq-dihedral-bridge-1-original.csv");
    CHECK(csv != NULL);
    if (!csv) return;
    snprintf(path, sizeof path,
             "%s/threatexchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg",
             g_root);
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    while (fgets(line, sizeof line, csv)) {
        hm_hash out[8];
        size_t n = 0;
        int flavour, variant = -1;
        if (split(line, f, 8) < 7) continue;
        flavour = strcmp(f[0], "cpp-cli-512prescale") == 0 ? HM_PDQ_CPP_512
                                                            : HM_PDQ_FULLRES;
        for (int v = 0; v < 8; v++)
            if (strcmp(f[1], kNames[v]) == 0) variant = v;
        CHECK(variant >= 0);
        if (variant < 0) continue;
        hm_hasher_set(h, HM_HASHER_PDQ_FLAVOUR, flavour);
        CHECK_INT(hm_hash_file(h, path, HM_TYPE_BIT(HM_HASH_PDQ) | HM_WANT_DIHEDRAL, out, 8, &n, NULL),
                  HM_OK);
        CHECK_INT(n, 8);
        CHECK_INT(out[variant].variant, variant);
        hm_hash_to_string(&out[variant], hex, sizeof hex);
        CHECK_STR(hex, f[4], f[1]);
        rows++;
    }
    fclose(csv);
    hm_hasher_free(h);
    CHECK_INT(rows, 16);
}

/* pHash.org's ph_dct_imagehash in both packings of the CSV: 0.9.x
 * (LSB-first) and 2014-2022 master, exact.  The one exception allowed is
 * the 0.9.x column of the 1-bit PNG: CImg 1.4.9 (bundled by 0.9.x)
 * decoded 1-bit greyscale PNGs differently from the CImg of master (its
 * two columns are not one value re-packed, unlike every other row); the
 * library decodes them as master's CImg and libpng do, and its 2014 value
 * matches there. */
static void phashorg_csv(void) {
    static const char kException[] = "pdq/data/misc-images/modes/1.png";
    hm_hasher *h = NULL;
    char line[1024], buf[1024], hex[HM_HASH_STRING_MAX];
    char *f[8];
    int files = 0, exceptions = 0;
    FILE *csv = open_expected("phash-cpp-dct-imagehash.csv");
    CHECK(csv != NULL);
    if (!csv) return;
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    const char *path;
    while ((path = next_image_row(csv, line, sizeof line, f, 3, buf, sizeof buf))) {
        hm_hash out[2], v09, m14;
        size_t n = 0;
        files++;
        CHECK_INT(hm_hash_file(h, path,
                               HM_TYPE_BIT(HM_HASH_PHASHORG_V09) |
                                   HM_TYPE_BIT(HM_HASH_PHASHORG_2014),
                               out, 2, &n, NULL),
                  HM_OK);
        CHECK_INT(n, 2);
        CHECK_INT(out[0].type, HM_HASH_PHASHORG_V09);
        CHECK_INT(out[1].type, HM_HASH_PHASHORG_2014);
        hm_hash_to_string(&out[1], hex, sizeof hex);
        CHECK_STR(hex, f[2], path);
        hm_hash_to_string(&out[0], hex, sizeof hex);
        /* the columns are one value in two packings, but for the exception */
        CHECK_INT(hm_hash_from_string(HM_HASH_PHASHORG_V09, f[1], &v09), HM_OK);
        CHECK_INT(hm_hash_from_string(HM_HASH_PHASHORG_2014, f[2], &m14), HM_OK);
        CHECK_INT(hm_hash_convert(&v09, HM_HASH_PHASHORG_2014, &v09), 0);
        if (strcmp(f[0], kException) == 0) {
            exceptions++;
            CHECK(strcmp(hex, f[1]) != 0 && hm_hash_distance(&v09, &m14) > 0);
            continue;
        }
        CHECK_STR(hex, f[1], path);
        CHECK_INT(hm_hash_distance(&v09, &m14), 0);
    }
    fclose(csv);
    hm_hasher_free(h);
    printf("pHash.org CSV: %d images compared, %d exception (%s, 0.9.x column)\n", files,
           exceptions, kException);
    CHECK(files >= 44);
    CHECK_INT(exceptions, 1);
}

int main(int argc, char **argv) {
    g_root = argc > 1 ? argv[1] : HM_TEST_DATA "/pdq-reference";
    pdq_csv("pdq-fullres-core.csv", HM_PDQ_FULLRES);
    pdq_csv("pdq-cpp-cli-512prescale.csv", HM_PDQ_CPP_512);
    imagehash_csv();
    imagehash_published();
    dihedral_csv();
    phashorg_csv();
    return test_summary("test_reference");
}
