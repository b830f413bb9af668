/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Matching index: every structure (scan at each SIMD level, MIH, BK-tree,
 * automatic choice) against brute force on uniform and clustered codes;
 * the upstream MIH oracle; lists, thresholds, updates, k-NN, dihedral
 * matching and statistics.
 */
#include <stdint.h>

#include "hashmatch.h"
#include "test_util.h"

/* ---- random codes -------------------------------------------------------- */

static void flip_bits(hm_hash *h, unsigned nflip) {
    const unsigned bits = hm_hash_bits(h->type);
    for (unsigned k = 0; k < nflip; k++) {
        unsigned b = (unsigned)(test_rand() % bits);
        h->bytes[b / 8] ^= (uint8_t)(1u << (b % 8));
    }
}

/* ---- brute force reference --------------------------------------------- */

typedef struct known {
    hm_hash h;
    char id[32];
} known;

/* Compare results of one query against brute force over `db` at radius r:
 * same set of entry ids, same distances. */
static int same_as_brute(const hm_results *res, const known *db, size_t n,
                         const hm_hash *q, int r) {
    size_t want = 0, got = hm_results_count(res);
    for (size_t i = 0; i < n; i++)
        if (hm_hash_distance(&db[i].h, q) <= r) want++;
    if (want != got) {
        fprintf(stderr, "  %zu hits, brute force %zu\n", got, want);
        return 0;
    }
    for (size_t j = 0; j < got; j++) {
        const hm_match *m = hm_results_get(res, j);
        size_t i = (size_t)strtoul(m->entry_id + 1, NULL, 10);
        if (i >= n || strcmp(db[i].id, m->entry_id) != 0 ||
            hm_hash_distance(&db[i].h, q) != m->distance ||
            hm_hash_distance(&m->hash, q) != m->distance || m->distance > r) {
            fprintf(stderr, "  hit %s at %d is wrong\n", m->entry_id, m->distance);
            return 0;
        }
        if (j && hm_results_get(res, j - 1)->distance > m->distance) return 0;
    }
    return 1;
}

static hm_index *build(const known *db, size_t n, unsigned structures) {
    hm_index *idx;
    uint32_t list;
    if (hm_index_create(&idx) != HM_OK) return NULL;
    hm_index_set(idx, HM_INDEX_STRUCTURES, structures);
    hm_index_list(idx, "test", &list);
    for (size_t i = 0; i < n; i++) hm_index_add(idx, list, &db[i].h, db[i].id, NULL);
    hm_index_commit(idx);
    return idx;
}

/* Every structure must equal brute force at every radius, for queries
 * near members and random ones. */
static void check_db(const char *what, const known *db, size_t n, int type,
                     const int *radii, int nradii) {
    const unsigned bits = hm_hash_bits(type);
    hm_index *idx = build(db, n, (1u << HM_STRUCT_MIH) | (1u << HM_STRUCT_BKTREE));
    hm_results *res;
    hm_results_create(&res);
    hm_query_opts o;
    hm_query_opts_init(&o);
    int bad = 0, total = 0;
    for (int qn = 0; qn < 24; qn++) {
        hm_hash q;
        if (qn % 3 == 2) test_random_hash(&q, type);
        else {
            q = db[test_rand() % n].h;
            flip_bits(&q, (unsigned)(test_rand() % (bits / 8)));
        }
        for (int ri = 0; ri < nradii; ri++) {
            o.radius = radii[ri];
            for (int s = HM_STRUCT_AUTO; s <= HM_STRUCT_BKTREE; s++) {
                o.structure = s;
                total++;
                if (hm_index_query(idx, &q, 1, &o, res) != HM_OK ||
                    !same_as_brute(res, db, n, &q, radii[ri]) ||
                    /* a forced structure is used wherever it was built */
                    (s != HM_STRUCT_AUTO && n >= 4000 && hm_results_structure(res) != s)) {
                    fprintf(stderr, "%s %s n=%zu r=%d structure %d differs\n", what,
                            hm_hash_type_name(type), n, radii[ri], s);
                    bad++;
                }
            }
        }
    }
    CHECK_INT(bad, 0);
    CHECK(total > 0);
    hm_results_free(res);
    hm_index_free(idx);
}

static const int r256[] = {0, 5, 16, 31, 32, 47, 80};
static const int r64[] = {0, 1, 2, 4, 8, 10, 16, 24};

/* Uniform or clustered (families of 20 near-duplicates) codes. */
static void property(int type, size_t n, int clustered) {
    known *db = calloc(n, sizeof *db);
    const unsigned bits = hm_hash_bits(type);
    for (size_t i = 0; i < n; i++) {
        if (clustered && i % 20) {
            db[i].h = db[i - i % 20].h;
            flip_bits(&db[i].h, 1 + (unsigned)(test_rand() % (bits / 16)));
        } else {
            test_random_hash(&db[i].h, type);
        }
        snprintf(db[i].id, sizeof db[i].id, "e%zu", i);
    }
    check_db(clustered ? "clustered" : "uniform", db, n, type,
             type == HM_HASH_PDQ ? r256 : r64, type == HM_HASH_PDQ ? 7 : 8);
    free(db);
}

static void properties(void) {
    const size_t sizes[] = {300, 4000, 40000};
    for (int c = 0; c < 2; c++)
        for (int si = 0; si < 3; si++) {
            property(HM_HASH_PDQ, sizes[si], c);
            property(HM_HASH_PHASH, sizes[si], c);
        }
}

/* Real hashes: correlated bits and near-duplicate families, as real lists
 * have.  The vPDQ frame hashes of the upstream sample videos, and PDQ and
 * pHash of crops of the reference photos (each photo gives a family). */
static void real_hashes(void) {
    static const char *frames[] = {"doorknob-hd-no-bar", "doorknob-hd-no-bar-128x128",
                                   "test-padded-dimensions"};
    static const char *photos[] = {"dih/bridge-1-original.jpg", "dih/bridge-3-rotate-180.jpg",
                                   "pen-and-coaster.png", "labelme-subset/q0122.jpg",
                                   "labelme-subset/q0291.jpg", "labelme-subset/q0746.jpg"};
    const size_t cap = 6000;
    known *pdq = calloc(cap, sizeof *pdq), *ph = calloc(cap, sizeof *ph);
    size_t npdq = 0, nph = 0;
    for (int f = 0; f < 3; f++) {
        char path[512], line[256];
        snprintf(path, sizeof path,
                 HM_TEST_DATA "/pdq-reference/threatexchange/vpdq/sample-hashes/%s.txt", frames[f]);
        FILE *fp = fopen(path, "r");
        CHECK(fp != NULL);
        while (fp && fgets(line, sizeof line, fp)) { /* frame,quality,pdqhex,timestamp */
            char *hex = strchr(line, ',');
            hex = hex ? strchr(hex + 1, ',') : NULL;
            if (!hex || strlen(hex) < 65) continue;
            hex[65] = '\0';
            if (hm_hash_from_string(HM_HASH_PDQ, hex + 1, &pdq[npdq].h) == HM_OK) {
                snprintf(pdq[npdq].id, sizeof pdq[npdq].id, "e%zu", npdq);
                npdq++;
            }
        }
        if (fp) fclose(fp);
    }
    const size_t nframes = npdq;
    hm_hasher *hs;
    hm_hasher_create(&hs);
    for (size_t p = 0; p < sizeof photos / sizeof photos[0]; p++) {
        char path[512];
        size_t size;
        hm_pixels px;
        snprintf(path, sizeof path,
                 HM_TEST_DATA "/pdq-reference/threatexchange/pdq/data/reg-test-input/%s", photos[p]);
        unsigned char *data = read_all(path, &size);
        CHECK(data != NULL);
        if (!data || hm_decode_memory(hs, data, size, &px, NULL) != HM_OK) {
            free(data);
            continue;
        }
        const int bpp = px.format == HM_PIXEL_RGB24 ? 3 : 1;
        /* crops of 60-95 % of each side at several offsets, downscaled
         * photos keep this quick */
        for (int k = 0; k < 220 && npdq < cap; k++) {
            uint32_t w = px.width * (uint32_t)(60 + test_rand() % 36) / 100;
            uint32_t h = px.height * (uint32_t)(60 + test_rand() % 36) / 100;
            uint32_t x0 = (uint32_t)(test_rand() % (px.width - w + 1));
            uint32_t y0 = (uint32_t)(test_rand() % (px.height - h + 1));
            hm_hash out[2];
            size_t n;
            if (hm_hash_pixels(hs, px.data + y0 * px.stride + x0 * (size_t)bpp, w, h,
                               px.stride, (hm_pixel_format)px.format,
                               HM_TYPE_BIT(HM_HASH_PDQ) | HM_TYPE_BIT(HM_HASH_PHASH),
                               out, 2, &n) != HM_OK || n != 2)
                continue;
            pdq[npdq].h = out[0];
            snprintf(pdq[npdq].id, sizeof pdq[npdq].id, "e%zu", npdq);
            npdq++;
            ph[nph].h = out[1];
            snprintf(ph[nph].id, sizeof ph[nph].id, "e%zu", nph);
            nph++;
        }
        hm_pixels_free(&px);
        free(data);
    }
    printf("real hashes: %zu PDQ (%zu video frames, %zu photo crops), %zu pHash\n", npdq,
           nframes, npdq - nframes, nph);
    CHECK(npdq > 1500 && nph > 1200);
    check_db("real", pdq, npdq, HM_HASH_PDQ, r256, 7);
    check_db("real", ph, nph, HM_HASH_PHASH, r64, 8);
    hm_hasher_free(hs);
    free(pdq);
    free(ph);
}

/* ---- the upstream needles/haystack oracle --------------------------------- */

static char **read_lines(const char *path, size_t *n) {
    size_t size;
    char *buf = (char *)read_all(path, &size), **v = NULL;
    *n = 0;
    if (!buf) return NULL;
    buf[size] = '\0';
    v = calloc(size / 2 + 2, sizeof *v);
    for (char *p = strtok(buf, "\r\n"); p; p = strtok(NULL, "\r\n")) v[(*n)++] = p;
    return v;
}

static void oracle(void) {
    size_t nh, nn, nc;
    char **hay = read_lines(HM_TEST_DATA "/pdq-reference/threatexchange/pdq/data/reg-test-input/haystack.txt", &nh);
    char **need = read_lines(HM_TEST_DATA "/pdq-reference/threatexchange/pdq/data/reg-test-input/needles.txt", &nn);
    char **csv = read_lines(HM_TEST_DATA "/pdq-reference/expected/pdq-mih-needles-vs-haystack-bruteforce.csv", &nc);
    CHECK(hay && need && csv && nh == 1350 && nn == 100 && nc == 201);
    if (!hay || !need || !csv) return;
    for (int s = HM_STRUCT_AUTO; s <= HM_STRUCT_BKTREE; s++) {
        hm_index *idx;
        uint32_t list;
        hm_index_create(&idx);
        hm_index_set(idx, HM_INDEX_STRUCTURES, (1u << HM_STRUCT_MIH) | (1u << HM_STRUCT_BKTREE));
        hm_index_list(idx, "haystack", &list);
        for (size_t i = 0; i < nh; i++) {
            hm_hash h;
            char id[24];
            snprintf(id, sizeof id, "%zu", i);
            CHECK_INT(hm_hash_from_string(HM_HASH_PDQ, hay[i], &h), HM_OK);
            CHECK_INT(hm_index_add(idx, list, &h, id, NULL), HM_OK);
        }
        CHECK_INT(hm_index_commit(idx), HM_OK);
        hm_results *res;
        hm_results_create(&res);
        hm_query_opts o;
        hm_query_opts_init(&o);
        o.structure = s;
        int ok = 0;
        for (size_t l = 1; l < nc; l++) { /* needle,hex,threshold,count,matches */
            char line[4096], *f[5];
            snprintf(line, sizeof line, "%s", csv[l]);
            f[0] = strtok(line, ",");
            for (int k = 1; k < 5; k++) f[k] = strtok(NULL, ",");
            hm_hash q;
            hm_hash_from_string(HM_HASH_PDQ, f[1], &q);
            o.radius = atoi(f[2]);
            hm_index_query(idx, &q, 1, &o, res);
            /* expected "idx:dist;idx:dist" in order of haystack index */
            char want[4096] = "", got[4096] = "";
            size_t cnt = hm_results_count(res);
            int *ids = calloc(cnt + 1, sizeof *ids), *ds = calloc(cnt + 1, sizeof *ds);
            for (size_t j = 0; j < cnt; j++) {
                ids[j] = atoi(hm_results_get(res, j)->entry_id);
                ds[j] = hm_results_get(res, j)->distance;
            }
            for (size_t a = 0; a < cnt; a++) /* sort by haystack index */
                for (size_t b = a + 1; b < cnt; b++)
                    if (ids[b] < ids[a]) {
                        int t = ids[a]; ids[a] = ids[b]; ids[b] = t;
                        t = ds[a]; ds[a] = ds[b]; ds[b] = t;
                    }
            for (size_t j = 0; j < cnt; j++)
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s%d:%d",
                         j ? ";" : "", ids[j], ds[j]);
            snprintf(want, sizeof want, "%s", f[4] ? f[4] : "");
            free(ids);
            free(ds);
            if ((size_t)atoi(f[3]) == cnt && strcmp(want, got) == 0) ok++;
            else fprintf(stderr, "oracle line %zu: got %s want %s\n", l, got, want);
        }
        CHECK_INT(ok, (int)nc - 1);
        hm_results_free(res);
        hm_index_free(idx);
    }
    free(hay[0]);
    free(hay);
    free(need[0]);
    free(need);
    free(csv[0]);
    free(csv);
}

/* ---- lists, thresholds, fields ------------------------------------------------ */

static void lists_and_fields(void) {
    hm_index *idx;
    uint32_t a, b, a2;
    hm_hash h, q;
    hm_results *res;
    hm_query_opts o;
    CHECK_INT(hm_index_create(&idx), HM_OK);
    hm_results_create(&res);
    hm_query_opts_init(&o);
    CHECK_INT(hm_index_list(idx, "gifct", &a), HM_OK);
    CHECK_INT(hm_index_list(idx, "local", &b), HM_OK);
    CHECK_INT(hm_index_list(idx, "gifct", &a2), HM_OK);
    CHECK_INT(a, 0);
    CHECK_INT(b, 1);
    CHECK_INT(a2, a);
    CHECK_INT(hm_index_list(idx, "", &a2), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list(idx, "bad\nname", &a2), HM_E_INVALID_ARGUMENT);
    test_random_hash(&h, HM_HASH_PDQ);
    CHECK_INT(hm_index_add(idx, a, &h, "te-123", "group:x source:y"), HM_OK);
    CHECK_INT(hm_index_add(idx, a, &h, "te-123", "group:x source:y"), HM_OK); /* duplicate */
    CHECK_INT(hm_index_add(idx, b, &h, NULL, NULL), HM_OK); /* id = the hash */
    CHECK_INT(hm_index_add(idx, 7, &h, "x", NULL), HM_E_NOT_FOUND);
    CHECK_INT(hm_index_add(idx, a, &h, "", NULL), HM_E_INVALID_ARGUMENT);
    /* staged changes are invisible until commit */
    CHECK_INT(hm_index_query(idx, &h, 1, NULL, res), HM_OK);
    CHECK_INT(hm_results_count(res), 0);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_INT(hm_index_query(idx, &h, 1, NULL, res), HM_OK);
    CHECK_INT(hm_results_count(res), 2);
    const hm_match *m = hm_results_get(res, 0);
    char hex[HM_HASH_STRING_MAX];
    hm_hash_to_string(&h, hex, sizeof hex);
    CHECK(m && m->list == a && m->distance == 0 && m->threshold == 31 &&
          m->type == HM_HASH_PDQ && m->query == 0);
    CHECK_STR(m->list_name, "gifct", "list name");
    CHECK_STR(m->entry_id, "te-123", "entry id");
    CHECK_STR(m->labels, "group:x source:y", "labels");
    CHECK(hm_hash_distance(&m->hash, &h) == 0);
    CHECK_STR(hm_results_get(res, 1)->entry_id, hex, "default entry id");
    CHECK_STR(hm_results_get(res, 1)->labels, "", "no labels");

    /* per-list thresholds: a query 20 bits away */
    q = h;
    for (int k = 0; k < 20; k++) q.bytes[k] ^= 1;
    CHECK_INT(hm_index_list_set_threshold(idx, b, HM_HASH_PDQ, 16), HM_OK);
    CHECK_INT(hm_index_list_set_threshold(idx, b, HM_HASH_PDQ, 300), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list_set_threshold(idx, b, HM_HASH_MD5, 3), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    hm_index_query(idx, &q, 1, NULL, res);
    CHECK_INT(hm_results_count(res), 1);
    CHECK_INT(hm_results_get(res, 0)->list, a);
    CHECK_INT(hm_results_get(res, 0)->distance, 20);
    o.radius = 25; /* an explicit radius overrides list thresholds */
    hm_index_query(idx, &q, 1, &o, res);
    CHECK_INT(hm_results_count(res), 2);
    CHECK_INT(hm_results_get(res, 0)->threshold, 25);
    o.radius = -1;
    /* disabled lists never match unless asked */
    CHECK_INT(hm_index_list_set_enabled(idx, a, 0), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    hm_index_query(idx, &h, 1, NULL, res);
    CHECK_INT(hm_results_count(res), 1);
    CHECK_INT(hm_results_get(res, 0)->list, b);
    o.include_disabled = 1;
    hm_index_query(idx, &h, 1, &o, res);
    CHECK_INT(hm_results_count(res), 2);
    o.include_disabled = 0;
    hm_index_list_set_enabled(idx, a, 1);
    /* list information from a snapshot */
    hm_snapshot *snap;
    hm_list_info li;
    uint32_t found;
    hm_index_commit(idx);
    CHECK_INT(hm_index_acquire(idx, &snap), HM_OK);
    CHECK_INT(hm_snapshot_list_count(snap), 2);
    CHECK_INT(hm_snapshot_list_info(snap, b, &li), HM_OK);
    CHECK_STR(li.name, "local", "list info name");
    CHECK_INT(li.threshold[HM_HASH_PDQ], 16);
    CHECK_INT(li.threshold[HM_HASH_PHASH], 10);
    /* the slots of no type (HM_HASH_TYPE_SLOTS, fixed) hold -1 */
    CHECK_INT(li.threshold[0], -1);
    for (int t = HM_HASH_TYPE_MAX + 1; t < HM_HASH_TYPE_SLOTS; t++) CHECK_INT(li.threshold[t], -1);
    CHECK_INT(li.entries, 1);
    CHECK(li.hits >= 1);
    CHECK_INT(hm_snapshot_list_find(snap, "gifct", &found), HM_OK);
    CHECK_INT(found, a);
    CHECK_INT(hm_snapshot_list_find(snap, "nope", &found), HM_E_NOT_FOUND);
    CHECK_INT(hm_snapshot_list_info(snap, 9, &li), HM_E_NOT_FOUND);
    hm_snapshot_release(snap);

    /* quality: low-quality PDQ queries match nothing by default */
    q = h;
    q.quality = 20;
    hm_index_query(idx, &q, 1, NULL, res);
    CHECK_INT(hm_results_count(res), 0);
    o.min_quality = 0;
    hm_index_query(idx, &q, 1, &o, res);
    CHECK_INT(hm_results_count(res), 2);
    o.min_quality = HM_DEFAULT_PDQ_MIN_QUALITY;

    /* removal by entry id; list clear */
    uint64_t nrem = 0;
    CHECK_INT(hm_index_remove(idx, a, "te-123", &nrem), HM_OK);
    CHECK_INT(nrem, 1);
    CHECK_INT(hm_index_remove(idx, a, "te-123", &nrem), HM_OK);
    CHECK_INT(nrem, 0);
    hm_index_commit(idx);
    hm_index_query(idx, &h, 1, NULL, res);
    CHECK_INT(hm_results_count(res), 1);
    CHECK_INT(hm_index_list_clear(idx, b, &nrem), HM_OK);
    CHECK_INT(nrem, 1);
    hm_index_commit(idx);
    hm_index_query(idx, &h, 1, NULL, res);
    CHECK_INT(hm_results_count(res), 0);
    /* remove, then add back in the same commit: present */
    hm_index_add(idx, a, &h, "z", NULL);
    hm_index_commit(idx);
    hm_index_remove(idx, HM_ALL_LISTS, "z", &nrem);
    CHECK_INT(nrem, 1);
    hm_index_add(idx, a, &h, "z", NULL);
    hm_index_commit(idx);
    hm_index_query(idx, &h, 1, NULL, res);
    CHECK_INT(hm_results_count(res), 1);
    /* add then remove before commit: absent */
    test_random_hash(&q, HM_HASH_PHASH);
    hm_index_add(idx, a, &q, "w", NULL);
    hm_index_remove(idx, a, "w", &nrem);
    CHECK_INT(nrem, 1);
    hm_index_commit(idx);
    hm_index_query(idx, &q, 1, NULL, res);
    CHECK_INT(hm_results_count(res), 0);

    /* bad queries */
    hm_hash bad = h;
    bad.type = 42;
    CHECK_INT(hm_index_query(idx, &bad, 1, NULL, res), HM_E_INVALID_ARGUMENT);
    CHECK(strlen(hm_last_error()) > 0);
    o.radius = 999;
    CHECK_INT(hm_index_query(idx, &h, 1, &o, res), HM_E_INVALID_ARGUMENT);
    hm_query_opts_init(&o);
    o.flags = 2; /* a flag bit no version defines */
    CHECK_INT(hm_index_query(idx, &h, 1, &o, res), HM_E_INVALID_ARGUMENT);
    CHECK(strstr(hm_last_error(), "unknown query flags 0x2") != NULL);
    hm_video_match_opts vo;
    hm_video_match_opts_init(&vo);
    vo.flags = 1u << 31;
    CHECK_INT(hm_index_match_video(idx, NULL, 0, &vo, res), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_query(NULL, &h, 1, NULL, res), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_query(idx, NULL, 1, NULL, res), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_query(idx, NULL, 0, NULL, res), HM_OK);
    hm_results_clear(res);
    CHECK_INT(hm_results_count(res), 0);
    hm_results_clear(NULL);
    hm_results_free(res);
    hm_index_free(idx);
    hm_index_free(NULL);
    hm_results_free(NULL);
}

/* ---- exact digests and mixed batches ---------------------------------------------- */

static void exact_and_batch(void) {
    hm_index *idx;
    uint32_t l;
    hm_hash md5, sha, p64, q[4];
    hm_results *res;
    hm_index_create(&idx);
    hm_results_create(&res);
    hm_index_list(idx, "l", &l);
    test_random_hash(&md5, HM_HASH_MD5);
    test_random_hash(&sha, HM_HASH_SHA256);
    test_random_hash(&p64, HM_HASH_DHASH);
    hm_index_add(idx, l, &md5, "m", NULL);
    hm_index_add(idx, l, &sha, "s", NULL);
    hm_index_add(idx, l, &p64, "d", NULL);
    for (int i = 0; i < 3000; i++) { /* enough codes for a real table */
        hm_hash x;
        char id[16];
        test_random_hash(&x, HM_HASH_MD5);
        snprintf(id, sizeof id, "x%d", i);
        hm_index_add(idx, l, &x, id, NULL);
    }
    hm_index_commit(idx);
    q[0] = sha;
    q[1] = md5;
    q[2] = md5;
    q[2].bytes[3] ^= 1; /* one bit off: digests need equality */
    q[3] = p64;
    q[3].type = HM_HASH_PHASH; /* same bits, other type: no match */
    CHECK_INT(hm_index_query(idx, q, 4, NULL, res), HM_OK);
    CHECK_INT(hm_results_count(res), 2);
    CHECK(hm_results_get(res, 0)->query == 0 && hm_results_get(res, 1)->query == 1);
    CHECK_STR(hm_results_get(res, 0)->entry_id, "s", "sha256 hit");
    CHECK_STR(hm_results_get(res, 1)->entry_id, "m", "md5 hit");
    hm_index_stats st;
    CHECK_INT(hm_index_stats_get(idx, &st), HM_OK);
    CHECK_INT(st.entries, 3003);
    CHECK_INT(st.entries_by_type[HM_HASH_MD5], 3001);
    uint64_t by_type = 0;
    for (int t = 0; t < HM_HASH_TYPE_SLOTS; t++) by_type += st.entries_by_type[t];
    CHECK_INT(by_type, st.entries); /* nothing in the slots of no type */
    CHECK_INT(st.lists, 1);
    CHECK_INT(st.queries, 4);
    CHECK_INT(st.hits, 2);
    CHECK(st.bytes > 3003 * 16);
    hm_results_free(res);
    hm_index_free(idx);
}

/* ---- k nearest ------------------------------------------------------------------ */

static void knn(void) {
    const size_t n = 5000;
    known *db = calloc(n, sizeof *db);
    for (size_t i = 0; i < n; i++) {
        test_random_hash(&db[i].h, HM_HASH_PDQ);
        snprintf(db[i].id, sizeof db[i].id, "e%zu", i);
    }
    hm_index *idx = build(db, n, 1u << HM_STRUCT_MIH);
    hm_results *res;
    hm_results_create(&res);
    hm_query_opts o;
    hm_query_opts_init(&o);
    int bad = 0;
    for (int t = 0; t < 10; t++) {
        hm_hash q = db[test_rand() % n].h;
        if (t % 2) flip_bits(&q, 40);
        else test_random_hash(&q, HM_HASH_PDQ);
        o.k = 7;
        hm_index_query(idx, &q, 1, &o, res);
        /* the k-th smallest distance by brute force */
        int hist[257] = {0};
        for (size_t i = 0; i < n; i++) hist[hm_hash_distance(&db[i].h, &q)]++;
        int need = 7, d = 0;
        for (; d <= 256; d++) {
            need -= hist[d];
            if (need <= 0) break;
        }
        if (hm_results_count(res) != 7 || hm_results_get(res, 6)->distance != d) bad++;
        for (size_t j = 0; j < hm_results_count(res); j++)
            if (hm_results_get(res, j)->distance !=
                hm_hash_distance(&hm_results_get(res, j)->hash, &q))
                bad++;
    }
    CHECK_INT(bad, 0);
    o.k = 3;
    o.radius = 10; /* within a radius: fewer than k when too few are near */
    hm_hash far;
    test_random_hash(&far, HM_HASH_PDQ);
    hm_index_query(idx, &far, 1, &o, res);
    CHECK_INT(hm_results_count(res), 0);
    hm_results_free(res);
    hm_index_free(idx);
    free(db);
}

/* ---- dihedral matching -------------------------------------------------------------- */

#define DIH HM_TEST_DATA "/pdq-reference/threatexchange/pdq/data/reg-test-input/dih/"

static void dihedral(void) {
    static const char *files[] = {"bridge-2-rotate-90.jpg", "bridge-3-rotate-180.jpg",
                                  "bridge-4-rotate-270.jpg", "bridge-5-flipx.jpg",
                                  "bridge-6-flipy.jpg", "bridge-7-flip-plus-1.jpg",
                                  "bridge-8-flip-minus-1.jpg"};
    hm_hasher *hs;
    hm_index *idx;
    hm_results *res;
    hm_hash orig, out[8];
    size_t n;
    uint32_t l;
    hm_hasher_create(&hs);
    hm_index_create(&idx);
    hm_results_create(&res);
    hm_index_list(idx, "known", &l);
    CHECK_INT(hm_hash_file(hs, DIH "bridge-1-original.jpg", HM_TYPE_BIT(HM_HASH_PDQ),
                           &orig, 1, &n, NULL), HM_OK);
    hm_index_add(idx, l, &orig, "bridge", NULL);
    hm_index_commit(idx);
    hm_query_opts o;
    hm_query_opts_init(&o);
    for (int f = 0; f < 7; f++) {
        char path[512];
        snprintf(path, sizeof path, DIH "%s", files[f]);
        /* the transformed file's plain hash is far from the original */
        CHECK_INT(hm_hash_file(hs, path, HM_TYPE_BIT(HM_HASH_PDQ), out, 8, &n, NULL), HM_OK);
        o.flags = 0;
        hm_index_query(idx, out, 1, &o, res);
        CHECK_INT(hm_results_count(res), 0);
        /* with dihedral matching, from the bits alone */
        o.flags = HM_QUERY_DIHEDRAL;
        hm_index_query(idx, out, 1, &o, res);
        CHECK_INT(hm_results_count(res), 1);
        if (hm_results_count(res)) {
            CHECK(hm_results_get(res, 0)->distance <= 31);
            CHECK(hm_results_get(res, 0)->variant != 0);
        }
        /* and with the exact DCT-domain variants of the file */
        CHECK_INT(hm_hash_file(hs, path, HM_TYPE_BIT(HM_HASH_PDQ) | HM_WANT_DIHEDRAL, out, 8, &n, NULL), HM_OK);
        CHECK_INT(n, 8);
        hm_index_query(idx, out, n, &o, res);
        CHECK_INT(hm_results_count(res), 1);
        if (hm_results_count(res)) {
            CHECK_INT(hm_results_get(res, 0)->query, 0);
            CHECK(hm_results_get(res, 0)->distance <= 20);
        }
    }
    hm_results_free(res);
    hm_index_free(idx);
    hm_hasher_free(hs);
}

/* ---- many commits: adds and removals through merges --------------------------------- */

static void churn(void) {
    const size_t n = 6000;
    known *db = calloc(n, sizeof *db);
    char *live = calloc(n, 1);
    hm_index *idx;
    uint32_t l;
    hm_results *res;
    hm_query_opts o;
    hm_index_create(&idx);
    hm_results_create(&res);
    hm_query_opts_init(&o);
    hm_index_list(idx, "l", &l);
    for (size_t i = 0; i < n; i++) {
        test_random_hash(&db[i].h, HM_HASH_PHASH);
        snprintf(db[i].id, sizeof db[i].id, "e%zu", i);
    }
    int bad = 0;
    for (int round = 0; round < 30; round++) {
        for (int k = 0; k < 300; k++) {
            size_t i = (size_t)(test_rand() % n);
            if (live[i] && test_rand() % 3 == 0) {
                hm_index_remove(idx, l, db[i].id, NULL);
                live[i] = 0;
            } else if (!live[i]) {
                hm_index_add(idx, l, &db[i].h, db[i].id, NULL);
                live[i] = 1;
            }
        }
        hm_index_commit(idx);
        size_t nlive = 0;
        for (size_t i = 0; i < n; i++) nlive += live[i];
        hm_index_stats st;
        hm_index_stats_get(idx, &st);
        if (st.entries != nlive || st.segments > 8) bad++;
        /* every live entry is found exactly; removed ones are not */
        for (int t = 0; t < 20; t++) {
            size_t i = (size_t)(test_rand() % n);
            o.radius = 0;
            hm_index_query(idx, &db[i].h, 1, &o, res);
            if (hm_results_count(res) != (size_t)live[i]) bad++;
        }
    }
    CHECK_INT(bad, 0);
    hm_results_free(res);
    hm_index_free(idx);
    free(db);
    free(live);
}

/* ---- a results object replaced whole by every query ------------------------------- */

/* After a video match, any query on the same results must drop the video
 * matches with the snapshot they point into: a commit that drops the
 * video then frees that snapshot (issue #15: heap-use-after-free). */
static void results_reuse(void) {
    hm_index *idx;
    hm_results *res;
    uint32_t l;
    hm_video_frame fr[6];
    hm_hash q;
    hm_index_create(&idx);
    hm_results_create(&res);
    hm_index_list(idx, "videos", &l);
    memset(fr, 0, sizeof fr);
    for (int i = 0; i < 6; i++) {
        fr[i].nhashes = 1;
        fr[i].timestamp = i;
        test_random_hash(&fr[i].hashes[0], HM_HASH_PDQ);
        fr[i].hashes[0].quality = 100;
    }
    CHECK_INT(hm_index_add_video(idx, l, fr, 6, "clip-1", "tag", NULL), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_INT(hm_index_match_video(idx, fr, 6, NULL, res), HM_OK);
    CHECK_INT(hm_results_video_count(res), 1);
    CHECK_INT(hm_index_remove(idx, l, "clip-1", NULL), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK); /* the old snapshot: only res holds it */
    test_random_hash(&q, HM_HASH_PDQ);
    CHECK_INT(hm_index_query(idx, &q, 1, NULL, res), HM_OK);
    CHECK_INT(hm_results_count(res), 0);
    CHECK_INT(hm_results_video_count(res), 0);
    CHECK(hm_results_video_get(res, 0) == NULL);
    /* a failed query empties the results too */
    CHECK_INT(hm_index_match_video(idx, fr, 6, NULL, res), HM_OK);
    q.type = 42;
    CHECK_INT(hm_index_query(idx, &q, 1, NULL, res), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_results_count(res), 0);
    CHECK_INT(hm_results_video_count(res), 0);
    hm_results_free(res);
    hm_index_free(idx);
}

/* ---- the radius: 0 to the query type's bits ----------------------------------------- */

static void radius_range(void) {
    hm_index *idx;
    hm_results *res;
    uint32_t l;
    hm_hash h64, pdq;
    hm_query_opts o;
    hm_index_create(&idx);
    hm_results_create(&res);
    hm_index_list(idx, "l", &l);
    test_random_hash(&h64, HM_HASH_PHASH);
    test_random_hash(&pdq, HM_HASH_PDQ);
    hm_index_add(idx, l, &h64, "a", NULL);
    hm_index_add(idx, l, &pdq, "b", NULL);
    hm_index_commit(idx);
    hm_query_opts_init(&o);
    for (int k = 0; k <= 1; k++) {
        o.k = (uint32_t)k;
        o.radius = 64;
        CHECK_INT(hm_index_query(idx, &h64, 1, &o, res), HM_OK);
        CHECK_INT(hm_results_count(res), 1);
        o.radius = 65; /* above a 64-bit hash's bits: documented as an error */
        CHECK_INT(hm_index_query(idx, &h64, 1, &o, res), HM_E_INVALID_ARGUMENT);
        CHECK(strstr(hm_last_error(), "65") != NULL);
        CHECK_INT(hm_results_count(res), 0);
        CHECK_INT(hm_index_query(idx, &pdq, 1, &o, res), HM_OK); /* 256 bits */
        CHECK_INT(hm_results_count(res), 1);
        o.radius = 257;
        CHECK_INT(hm_index_query(idx, &pdq, 1, &o, res), HM_E_INVALID_ARGUMENT);
    }
    hm_results_free(res);
    hm_index_free(idx);
}

int main(void) {
    properties();
    real_hashes();
    oracle();
    lists_and_fields();
    exact_and_batch();
    knn();
    dihedral();
    churn();
    results_reuse();
    radius_range();
    return test_summary("test_index");
}
