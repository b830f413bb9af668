/* SPDX-License-Identifier: BSD-3-Clause */
/* Public API contract: argument validation, parameters, versions,
 * status strings, and concurrent use of separate hashers (run under
 * ThreadSanitizer in CI). */
#include <pthread.h>

#include "hashmatch.h"
#include "test_util.h"

#define BRIDGE HM_TEST_DATA "/pdq-reference/threatexchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg"

static void versions_and_strings(void) {
    char buf[32];
    CHECK_INT(hm_version_number(), HM_VERSION_NUMBER);
    snprintf(buf, sizeof buf, "%d.%d.%d", HM_VERSION_MAJOR, HM_VERSION_MINOR,
             HM_VERSION_PATCH);
    CHECK_STR(hm_version_string(), buf, "version string");
    for (int st = 0; st >= HM_E_CANCELLED; st--) {
        CHECK(hm_strerror(st) != NULL);
        CHECK(strcmp(hm_strerror(st), "unknown status code") != 0);
    }
    CHECK_STR(hm_strerror(-999), "unknown status code", "unknown code");
    CHECK_STR(hm_strerror(1), "unknown status code", "positive code");
    CHECK_STR(hm_format_name(HM_FORMAT_PNG), "png", "format name");
    /* the conventions for values the library does not know */
    CHECK_STR(hm_format_name(HM_FORMAT_UNKNOWN), "unknown", "HM_FORMAT_UNKNOWN's name");
    CHECK(hm_format_name(42) == NULL);
    CHECK(hm_format_name(-1) == NULL);
    CHECK(hm_hash_type_name(0) == NULL && hm_hash_type_name(HM_HASH_TYPE_MAX + 1) == NULL);
    CHECK_INT(hm_hash_type_from_name("pdg"), 0);
    CHECK_INT(hm_hash_type_from_name(NULL), 0);
    CHECK_INT(hm_hash_bits(HM_HASH_TYPE_MAX + 1), 0);
    /* status names: every code's, as the header spells it */
    static const struct {
        int st;
        const char *name;
    } names[] = {{HM_OK, "HM_OK"}, {HM_E_INVALID_ARGUMENT, "HM_E_INVALID_ARGUMENT"},
                 {HM_E_NO_MEMORY, "HM_E_NO_MEMORY"}, {HM_E_IO, "HM_E_IO"},
                 {HM_E_UNKNOWN_FORMAT, "HM_E_UNKNOWN_FORMAT"}, {HM_E_DECODE, "HM_E_DECODE"},
                 {HM_E_LIMIT, "HM_E_LIMIT"}, {HM_E_PARSE, "HM_E_PARSE"},
                 {HM_E_TYPE_MISMATCH, "HM_E_TYPE_MISMATCH"}, {HM_E_UNSUPPORTED, "HM_E_UNSUPPORTED"},
                 {HM_E_INTERNAL, "HM_E_INTERNAL"}, {HM_E_CORRUPT, "HM_E_CORRUPT"},
                 {HM_E_NOT_FOUND, "HM_E_NOT_FOUND"}, {HM_E_CANCELLED, "HM_E_CANCELLED"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK_STR(hm_status_name(names[i].st), names[i].name, "status name");
    CHECK(hm_status_name(HM_E_CANCELLED - 1) == NULL);
    CHECK(hm_status_name(1) == NULL);
    CHECK_INT(hm_detect_format(NULL, 10), HM_FORMAT_UNKNOWN);
}

static void parameters(void) {
    hm_hasher *h = NULL;
    int64_t v = 0;
    CHECK_INT(hm_hasher_create(NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    CHECK_INT(hm_hasher_get(h, HM_HASHER_MAX_PIXELS, &v), HM_OK);
    CHECK_INT(v, 100000000);
    CHECK_INT(hm_hasher_get(h, HM_HASHER_MAX_INPUT_BYTES, &v), HM_OK);
    CHECK_INT(v, 256ll << 20);
    CHECK_INT(hm_hasher_get(h, HM_HASHER_PDQ_FLAVOUR, &v), HM_OK);
    CHECK_INT(v, HM_PDQ_FULLRES);
    CHECK_INT(hm_hasher_get(h, HM_HASHER_FAST, &v), HM_OK);
    CHECK_INT(v, 0);
    CHECK_INT(hm_hasher_get(h, HM_HASHER_APPLY_EXIF_ORIENTATION, &v), HM_OK);
    CHECK_INT(v, 0);
    CHECK_INT(hm_hasher_set(h, HM_HASHER_MAX_PIXELS, 0), HM_E_INVALID_ARGUMENT);
    CHECK(hm_last_error()[0] != '\0');
    CHECK_INT(hm_hasher_set(h, HM_HASHER_MAX_PIXELS, -5), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_set(h, HM_HASHER_PDQ_FLAVOUR, 7), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_set(h, HM_HASHER_FAST, 2), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_set(h, (hm_hasher_param)99, 1), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_get(h, (hm_hasher_param)99, &v), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_get(h, HM_HASHER_FAST, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_set(NULL, HM_HASHER_FAST, 1), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_set(h, HM_HASHER_MAX_PIXELS, 12345), HM_OK);
    CHECK(hm_last_error()[0] == '\0');
    CHECK_INT(hm_hasher_get(h, HM_HASHER_MAX_PIXELS, &v), HM_OK);
    CHECK_INT(v, 12345);
    CHECK(hm_last_error() != NULL);
    hm_hasher_free(h);
    hm_hasher_free(NULL);
    hm_pixels_free(NULL);
}

static void request_validation(void) {
    hm_hasher *h = NULL;
    hm_hash out[16], all[HM_HASH_RESULTS_MAX];
    size_t n = 99;
    uint8_t px[64] = {0};
    hm_pixels p;
    const unsigned pdq = HM_TYPE_BIT(HM_HASH_PDQ);
    hm_hasher_create(&h);
    CHECK_INT(hm_hash_file(NULL, BRIDGE, pdq, out, 16, &n, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_file(h, NULL, pdq, out, 16, &n, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_file(h, BRIDGE, pdq, NULL, 16, &n, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_file(h, BRIDGE, pdq, out, 16, NULL, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_file(h, BRIDGE, 0, out, 16, &n, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_file(h, BRIDGE, 1u << 20, out, 16, &n, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_file(h, BRIDGE, HM_TYPE_BIT(0), out, 16, &n, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_file(h, BRIDGE, HM_TYPES_ALL, out, 5, &n, NULL), HM_E_LIMIT);
    CHECK(strstr(hm_last_error(), "capacity") != NULL);
    CHECK_INT(hm_hash_file(h, BRIDGE, HM_TYPE_BIT(HM_HASH_PDQ) | HM_WANT_DIHEDRAL, out, 7, &n, NULL),
              HM_E_LIMIT);
    /* every type at once, with dihedral variants: documented order, 34
     * values */
    CHECK_INT(hm_hash_file(h, BRIDGE, HM_TYPES_ALL | HM_WANT_DIHEDRAL, all, HM_HASH_RESULTS_MAX,
                           &n, NULL),
              HM_OK);
    CHECK_INT(n, 34);
    for (int i = 0; i < 32; i++) {
        CHECK_INT(all[i].type, HM_HASH_PDQ + i / 8);
        CHECK_INT(all[i].variant, i % 8);
        CHECK_INT(all[i].quality, i < 8 ? 100 : -1);
    }
    CHECK_INT(all[32].type, HM_HASH_MD5);
    CHECK_INT(all[33].type, HM_HASH_SHA256);
    /* pixels */
    CHECK_INT(hm_hash_pixels(h, px, 8, 8, 8, HM_PIXEL_GRAY8, HM_TYPE_BIT(HM_HASH_MD5), out, 16, &n),
              HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_pixels(h, px, 8, 8, 7, HM_PIXEL_GRAY8, pdq, out, 16, &n),
              HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_pixels(h, px, 8, 2, 8 * 3 - 1, HM_PIXEL_RGB24, pdq, out, 16, &n),
              HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_pixels(h, px, 8, 8, 8, (hm_pixel_format)0, pdq, out, 16, &n),
              HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_pixels(h, NULL, 8, 8, 8, HM_PIXEL_GRAY8, pdq, out, 16, &n),
              HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_pixels(h, px, 0, 8, 8, HM_PIXEL_GRAY8, pdq, out, 16, &n),
              HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_pixels(h, px, 8, 8, 8, HM_PIXEL_GRAY8, pdq, out, 16, &n), HM_OK);
    hm_hasher_set(h, HM_HASHER_MAX_PIXELS, 63);
    CHECK_INT(hm_hash_pixels(h, px, 8, 8, 8, HM_PIXEL_GRAY8, pdq, out, 16, &n), HM_E_LIMIT);
    /* decode */
    CHECK_INT(hm_decode_memory(h, px, 8, NULL, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_decode_memory(NULL, px, 8, &p, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_decode_memory(h, px, 8, &p, NULL), HM_E_UNKNOWN_FORMAT);
    CHECK(p.data == NULL);
    hm_hasher_free(h);
}

/* Hashers are independent: one per thread, all hashing the same files,
 * every result equal to the single-threaded one. */
#define THREADS 4
#define ROUNDS 6
static hm_hash g_expected[4];

static void *worker(void *arg) {
    hm_hasher *h = NULL;
    int *bad = arg;
    hm_hasher_create(&h);
    for (int r = 0; r < ROUNDS; r++) {
        hm_hash out[4];
        size_t n = 0;
        if (r % 2) hm_hasher_set(h, HM_HASHER_MAX_PIXELS, 50000000 + r);
        if (hm_hash_file(h, BRIDGE, HM_TYPES_PERCEPTUAL, out, 4, &n, NULL) != HM_OK || n != 4) {
            (*bad)++;
            continue;
        }
        for (int i = 0; i < 4; i++)
            if (hm_hash_distance(&out[i], &g_expected[i]) != 0) (*bad)++;
    }
    hm_hasher_free(h);
    return NULL;
}

static void threads(void) {
    pthread_t t[THREADS];
    int bad[THREADS] = {0};
    hm_hasher *h = NULL;
    size_t n = 0;
    hm_hasher_create(&h);
    CHECK_INT(hm_hash_file(h, BRIDGE, HM_TYPES_PERCEPTUAL, g_expected, 4, &n, NULL), HM_OK);
    hm_hasher_free(h);
    for (int i = 0; i < THREADS; i++) CHECK_INT(pthread_create(&t[i], NULL, worker, &bad[i]), 0);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(bad[i], 0);
    }
}

int main(void) {
    versions_and_strings();
    parameters();
    request_validation();
    threads();
    return test_summary("test_api");
}
