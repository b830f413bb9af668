/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_hash_batch: every item's results (status, hashes, info, message)
 * equal the single call's (hm_hash_memory or hm_hash_file) for any thread
 * count and the hasher's parameters; bad items (corrupt, truncated,
 * missing, empty, malformed) fail alone; the batch's own arguments are
 * validated.  Run under ASan and TSan by scripts/test-all.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#define PDQ_IN HM_TEST_DATA "/pdq-reference/threatexchange/pdq/data/"
static const char *const kImages[] = {
    PDQ_IN "reg-test-input/dih/bridge-1-original.jpg",
    PDQ_IN "reg-test-input/dih/bridge-2-rotate-90.jpg",
    PDQ_IN "reg-test-input/dih/bridge-5-flipx.jpg",
    PDQ_IN "reg-test-input/pen-and-coaster.png",
    PDQ_IN "misc-images/c.png",
    PDQ_IN "misc-images/modes/P.png",
    HM_TEST_DATA "/pdq-reference/imagehash/tests/data/imagehash.png",
};
#define N_IMAGES (sizeof kImages / sizeof kImages[0])
#define MISSING HM_TEST_DATA "/no-such-file.jpg"
#define HM_MESSAGE_CAP 2048

/* The items: each image from memory and by path, then the bad ones; the
 * whole repeated `rounds` times so that threads contend. */
typedef struct fixture {
    hm_batch_item *items;
    size_t n;
    unsigned char *data[N_IMAGES];
    size_t size[N_IMAGES];
    unsigned char *corrupt; /* a JPEG cut short, then garbage */
    size_t corrupt_size;
} fixture;

static void fixture_make(fixture *f, int rounds) {
    const size_t per_round = 2 * N_IMAGES + 6;
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < N_IMAGES; i++) {
        f->data[i] = read_all(kImages[i], &f->size[i]);
        CHECK(f->data[i] != NULL);
    }
    f->corrupt_size = f->size[0] / 3;
    f->corrupt = malloc(f->corrupt_size);
    memcpy(f->corrupt, f->data[0], f->corrupt_size);
    memset(f->corrupt + 700, 0x5a, f->corrupt_size - 700);
    f->items = calloc((size_t)rounds * per_round, sizeof *f->items);
    for (int r = 0; r < rounds; r++) {
        hm_batch_item *it = f->items + f->n;
        size_t k = 0;
        for (size_t i = 0; i < N_IMAGES; i++) {
            it[k].data = f->data[i];
            it[k++].size = f->size[i];
            it[k++].path = kImages[i];
        }
        it[k].data = f->corrupt;
        it[k++].size = f->corrupt_size;
        it[k++].path = MISSING;
        it[k++].size = 0; /* empty */
        it[k].path = kImages[0]; /* both a path and data */
        it[k].data = f->data[0];
        it[k++].size = f->size[0];
        it[k].data = f->data[1]; /* a reserved field set */
        it[k].size = f->size[1];
        it[k++].reserved[1] = 1;
        it[k++].path = HM_TEST_DATA; /* a directory */
        CHECK_INT(k, per_round);
        f->n += k;
    }
}

static void fixture_free(fixture *f) {
    for (size_t i = 0; i < N_IMAGES; i++) free(f->data[i]);
    free(f->corrupt);
    free(f->items);
}

/* What the single call gives for an item, as the batch must give it. */
static int single(hm_hasher *h, const hm_batch_item *it, unsigned types, hm_hash *out,
                  size_t *n, hm_image_info *info) {
    uint64_t res = it->reserved[0] | it->reserved[1];
    memset(info, 0, sizeof *info);
    *n = 0;
    if (res || (it->path && (it->data || it->size))) return HM_E_INVALID_ARGUMENT;
    return it->path ? hm_hash_file(h, it->path, types, out, HM_HASH_RESULTS_MAX, n, info)
                    : hm_hash_memory(h, it->data, it->size, types, out, HM_HASH_RESULTS_MAX,
                                     n, info);
}

/* Hash the fixture's items as one batch with `threads` threads and check
 * each against the single call.  Counts the items that succeeded and
 * those that failed with HM_E_LIMIT. */
static void check_batch(hm_hasher *h, const fixture *f, unsigned types, uint32_t threads,
                        size_t *ok, size_t *limited) {
    hm_batch_opts o;
    hm_batch *b = NULL;
    hm_hash want[HM_HASH_RESULTS_MAX];
    hm_image_info info;
    hm_batch_columns c;
    size_t n;
    hm_batch_opts_init(&o);
    o.threads = threads;
    *ok = *limited = 0;
    CHECK_INT(hm_hash_batch(h, f->items, f->n, types, &o, &b), HM_OK);
    CHECK_STR(hm_last_error(), "", "message after a batch with failed items");
    if (!b) return;
    CHECK_INT(hm_batch_count(b), f->n);
    CHECK_INT(hm_batch_columns_get(b, &c), HM_OK);
    for (size_t i = 0; i < f->n; i++) {
        hm_batch_result r;
        int st = single(h, &f->items[i], types, want, &n, &info);
        char msg[HM_MESSAGE_CAP];
        snprintf(msg, sizeof msg, "%s", hm_last_error());
        CHECK_INT(hm_batch_get(b, i, &r), HM_OK);
        CHECK_INT(r.status, st);
        /* the columns hold what hm_batch_get gives */
        CHECK_INT(c.status[i], r.status);
        CHECK_INT(c.counts[i], r.count);
        CHECK(c.hashes + i * c.stride == r.hashes);
        CHECK(memcmp(&c.info[i], &r.info, sizeof r.info) == 0);
        if (st == HM_OK) {
            (*ok)++;
            CHECK_STR(r.error, "", "error of an item that succeeded");
            CHECK_INT(r.count, n);
            CHECK(r.count > 0 && memcmp(r.hashes, want, n * sizeof *want) == 0);
            CHECK(memcmp(&r.info, &info, sizeof info) == 0);
        } else {
            if (st == HM_E_LIMIT) (*limited)++;
            CHECK_INT(r.count, 0);
            CHECK(r.error && r.error[0] != '\0');
            /* the message of the single call (for a malformed item: the
             * batch's own wording, which names the fault) */
            if (st != HM_E_INVALID_ARGUMENT) CHECK_STR(r.error, msg, "item message");
            else CHECK(strstr(r.error, "item has") == r.error);
        }
    }
    hm_batch_free(b);
}

static void test_equal_to_single_calls(void) {
    fixture f;
    hm_hasher *h = NULL;
    const uint32_t threads[] = {1, 2, 8, 0};
    size_t ok, limited;
    uint32_t wmin = UINT32_MAX, wmax = 0;
    fixture_make(&f, 2);
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        check_batch(h, &f, HM_TYPES_ALL, threads[t], &ok, &limited);
        CHECK_INT(ok, 2 * 2 * N_IMAGES); /* every image, from memory and by path */
        CHECK_INT(limited, 0);
    }
    check_batch(h, &f, HM_TYPES_ALL | HM_WANT_DIHEDRAL | HM_WANT_TRIMMED, 8,
                &ok, &limited);
    CHECK_INT(ok, 2 * 2 * N_IMAGES);
    check_batch(h, &f, HM_TYPE_BIT(HM_HASH_MD5), 2, &ok, &limited);
    CHECK_INT(ok, 2 * 2 * N_IMAGES + 2); /* digests take the corrupt bytes too */

    /* the hasher's parameters apply to every item: a pixel limit between
     * the smallest and the largest image fails some items and not others,
     * and the C++ CLI's PDQ flavour changes the PDQ of the large ones */
    for (size_t i = 0; i < N_IMAGES; i++) {
        hm_hash out[16];
        size_t n;
        hm_image_info info;
        CHECK_INT(hm_hash_memory(h, f.data[i], f.size[i], HM_TYPE_BIT(HM_HASH_MD5), out, 16, &n,
                                 &info), HM_OK);
        CHECK_INT(hm_hash_memory(h, f.data[i], f.size[i], HM_TYPE_BIT(HM_HASH_PDQ), out, 16, &n,
                                 &info), HM_OK);
        if (info.width * info.height < wmin) wmin = info.width * info.height;
        if (info.width * info.height > wmax) wmax = info.width * info.height;
    }
    CHECK(wmin < wmax);
    CHECK_INT(hm_hasher_set(h, HM_HASHER_MAX_PIXELS, (wmin + wmax) / 2), HM_OK);
    CHECK_INT(hm_hasher_set(h, HM_HASHER_PDQ_FLAVOUR, HM_PDQ_CPP_512), HM_OK);
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        check_batch(h, &f, HM_TYPES_PERCEPTUAL, threads[t], &ok, &limited);
        CHECK(ok > 0 && limited > 0);
    }
    hm_hasher_free(h);
    fixture_free(&f);
}

static void test_arguments(void) {
    hm_hasher *h = NULL;
    hm_batch *b = (hm_batch *)&h; /* not NULL: the failure must set it */
    hm_batch_opts o;
    hm_batch_result r;
    hm_batch_item it;
    memset(&it, 0, sizeof it);
    it.path = MISSING;
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    CHECK_INT(hm_hash_batch(h, &it, 1, HM_TYPES_ALL, NULL, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_batch(NULL, &it, 1, HM_TYPES_ALL, NULL, &b), HM_E_INVALID_ARGUMENT);
    CHECK(b == NULL);
    CHECK_INT(hm_hash_batch(h, NULL, 1, HM_TYPES_ALL, NULL, &b), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_batch(h, &it, 1, 0, NULL, &b), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_batch(h, &it, 1, 1u << 30, NULL, &b), HM_E_INVALID_ARGUMENT);
    CHECK(strstr(hm_last_error(), "unknown bits") != NULL);
    hm_batch_opts_init(&o);
    o.reserved0 = 1;
    CHECK_INT(hm_hash_batch(h, &it, 1, HM_TYPES_ALL, &o, &b), HM_E_INVALID_ARGUMENT);
    hm_batch_opts_init(&o);
    o.reserved[6] = 1;
    CHECK_INT(hm_hash_batch(h, &it, 1, HM_TYPES_ALL, &o, &b), HM_E_INVALID_ARGUMENT);
    CHECK(b == NULL);
    hm_batch_opts_init(NULL);

    /* an empty batch */
    CHECK_INT(hm_hash_batch(h, NULL, 0, HM_TYPES_ALL, NULL, &b), HM_OK);
    CHECK(b != NULL);
    CHECK_INT(hm_batch_count(b), 0);
    CHECK_INT(hm_batch_get(b, 0, &r), HM_E_INVALID_ARGUMENT);
    {
        hm_batch_columns c;
        CHECK_INT(hm_batch_columns_get(b, &c), HM_OK);
        CHECK(c.counts == NULL && c.status == NULL && c.hashes == NULL);
        CHECK_INT(hm_batch_columns_get(b, NULL), HM_E_INVALID_ARGUMENT);
        CHECK_INT(hm_batch_columns_get(NULL, &c), HM_E_INVALID_ARGUMENT);
    }
    hm_batch_free(b);

    /* one missing file: the batch succeeds, the item fails */
    CHECK_INT(hm_hash_batch(h, &it, 1, HM_TYPES_ALL, NULL, &b), HM_OK);
    CHECK_INT(hm_batch_count(b), 1);
    CHECK_INT(hm_batch_get(b, 0, &r), HM_OK);
    CHECK_INT(r.status, HM_E_IO);
    CHECK(strncmp(r.error, MISSING ": ", strlen(MISSING) + 2) == 0);
    CHECK_INT(hm_batch_get(b, 1, &r), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_batch_get(b, 0, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_batch_get(NULL, 0, &r), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_batch_count(NULL), 0);
    hm_batch_free(b);
    hm_batch_free(NULL);
    hm_hasher_free(h);
}

int main(void) {
    test_equal_to_single_calls();
    test_arguments();
    return test_summary("test_batch");
}
