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
    for (int st = 0; st >= HM_E_INTERNAL; st--) {
        CHECK(hm_strerror(st) != NULL);
        CHECK(strcmp(hm_strerror(st), "unknown status code") != 0);
    }
    CHECK_STR(hm_strerror(-999), "unknown status code", "unknown code");
    CHECK_STR(hm_strerror(1), "unknown status code", "positive code");
    CHECK_STR(hm_format_name(HM_FORMAT_PNG), "png", "format name");
    CHECK_STR(hm_format_name(42), "unknown", "bad format name");
    CHECK_INT(hm_detect_format(NULL, 10), HM_FORMAT_UNKNOWN);
}

static void parameters(void) {
    hm_hasher *h = NULL;
    int64_t v = 0;
    CHECK_INT(hm_hasher_create(NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    CHECK_INT(hm_hasher_get(h, HM_PARAM_MAX_PIXELS, &v), HM_OK);
    CHECK_INT(v, 100000000);
    CHECK_INT(hm_hasher_get(h, HM_PARAM_MAX_INPUT_BYTES, &v), HM_OK);
    CHECK_INT(v, 256ll << 20);
    CHECK_INT(hm_hasher_get(h, HM_PARAM_PDQ_FLAVOUR, &v), HM_OK);
    CHECK_INT(v, HM_PDQ_FULLRES);
    CHECK_INT(hm_hasher_get(h, HM_PARAM_FAST, &v), HM_OK);
    CHECK_INT(v, 0);
    CHECK_INT(hm_hasher_get(h, HM_PARAM_APPLY_EXIF_ORIENTATION, &v), HM_OK);
    CHECK_INT(v, 0);
    CHECK_INT(hm_hasher_set(h, HM_PARAM_MAX_PIXELS, 0), HM_E_INVALID_ARGUMENT);
    CHECK(hm_last_error()[0] != '\0');
    CHECK_INT(hm_hasher_set(h, HM_PARAM_MAX_PIXELS, -5), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_set(h, HM_PARAM_PDQ_FLAVOUR, 7), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_set(h, HM_PARAM_FAST, 2), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_set(h, (hm_param)99, 1), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_get(h, (hm_param)99, &v), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_get(h, HM_PARAM_FAST, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_set(NULL, HM_PARAM_FAST, 1), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hasher_set(h, HM_PARAM_MAX_PIXELS, 12345), HM_OK);
    CHECK(hm_last_error()[0] == '\0');
    CHECK_INT(hm_hasher_get(h, HM_PARAM_MAX_PIXELS, &v), HM_OK);
    CHECK_INT(v, 12345);
    CHECK(hm_last_error() != NULL);
    hm_hasher_free(h);
    hm_hasher_free(NULL);
    hm_pixels_free(NULL);
}

static void request_validation(void) {
    hm_hasher *h = NULL;
    hm_hash out[16];
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
    CHECK_INT(hm_hash_file(h, BRIDGE, HM_TYPES_ALL, out, 5, &n, NULL), HM_E_INVALID_ARGUMENT);
    CHECK(strstr(hm_last_error(), "capacity") != NULL);
    CHECK_INT(hm_hash_file(h, BRIDGE, HM_WANT_PDQ_DIHEDRAL, out, 7, &n, NULL),
              HM_E_INVALID_ARGUMENT);
    /* every type at once: documented order, 13 values */
    CHECK_INT(hm_hash_file(h, BRIDGE, HM_TYPES_ALL | HM_WANT_PDQ_DIHEDRAL, out, 16, &n, NULL),
              HM_OK);
    CHECK_INT(n, 13);
    for (int i = 0; i < 8; i++) {
        CHECK_INT(out[i].type, HM_HASH_PDQ);
        CHECK_INT(out[i].variant, i);
        CHECK_INT(out[i].quality, 100);
    }
    CHECK_INT(out[8].type, HM_HASH_PHASH);
    CHECK_INT(out[9].type, HM_HASH_DHASH);
    CHECK_INT(out[10].type, HM_HASH_AHASH);
    CHECK_INT(out[11].type, HM_HASH_MD5);
    CHECK_INT(out[12].type, HM_HASH_SHA256);
    CHECK_INT(out[10].quality, -1);
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
    hm_hasher_set(h, HM_PARAM_MAX_PIXELS, 63);
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
        if (r % 2) hm_hasher_set(h, HM_PARAM_MAX_PIXELS, 50000000 + r);
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
