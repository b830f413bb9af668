/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_last_error(): the calling thread's detail message.
 *  - every public function that returns an hm_status sets it: a message
 *    after a failure (never empty), "" after success; the list of
 *    functions tried is checked against the header, so a new function
 *    cannot be left out;
 *  - functions that return nothing, a count or a name leave it;
 *  - threads that fail different calls at once on one shared index (and a
 *    hasher each) each read their own message, while another thread's
 *    calls succeed (run under ThreadSanitizer by scripts/test-all.sh).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#define BRIDGE                                                               \
    HM_TEST_DATA "/pdq-reference/threatexchange/pdq/data/reg-test-input/dih/" \
                 "bridge-1-original.jpg"

/* ---- every function ------------------------------------------------------ */

static char g_tried[16384]; /* " name name ... " */
static hm_hash g_junk;

/* Record that `name` was tried and check the message its call left: a
 * failure (st < 0) with a message, or a success (st >= 0) with none. */
static void tried(const char *name, const char *call, int line, int st, int must_fail) {
    const int ok = must_fail ? st < 0 && hm_last_error()[0] != '\0'
                             : st >= 0 && hm_last_error()[0] == '\0';
    strcat(g_tried, " ");
    strcat(g_tried, name);
    strcat(g_tried, " ");
    if (ok) g_pass++;
    else {
        g_fail++;
        fprintf(stderr, "%s:%d: %s: status %d, message \"%s\"\n", __FILE__, line, call, st,
                hm_last_error());
    }
}

/* A call that must fail: a negative status and a message. */
#define FAILS(name, call) tried(#name, #call, __LINE__, (call), 1)
/* A call that must succeed: status >= 0 and an empty message, after a
 * failure, so that the clearing shows. */
#define SUCCEEDS(name, call) \
    (hm_hash_from_string(HM_HASH_PDQ, "xyz", &g_junk), tried(#name, #call, __LINE__, (call), 0))

static void every_function(void) {
    hm_hasher *h = NULL;
    hm_index *idx = NULL;
    hm_results *res = NULL;
    hm_snapshot *snap = NULL;
    hm_txn *txn = NULL;
    hm_hash q, out[HM_HASH_RESULTS_MAX];
    hm_video_frame fr;
    hm_video *v = NULL;
    hm_video_info vi;
    hm_list_info li;
    hm_index_stats stats;
    hm_pixels px;
    hm_rect rect;
    uint8_t gray[64] = {0};
    char buf[256];
    size_t n = 0, len = 0;
    uint64_t removed = 0;
    uint32_t list = 0;
    int64_t value = 0;
    void *mem = NULL;
    int got = 0;

    FAILS(hm_hasher_create, hm_hasher_create(NULL));
    SUCCEEDS(hm_hasher_create, hm_hasher_create(&h));
    FAILS(hm_hasher_set, hm_hasher_set(h, HM_HASHER_MAX_PIXELS, 0));
    SUCCEEDS(hm_hasher_set, hm_hasher_set(h, HM_HASHER_MAX_PIXELS, 100000000));
    FAILS(hm_hasher_get, hm_hasher_get(h, (hm_hasher_param)99, &value));
    SUCCEEDS(hm_hasher_get, hm_hasher_get(h, HM_HASHER_MAX_PIXELS, &value));
    FAILS(hm_hash_file, hm_hash_file(h, "/nonexistent.jpg", HM_TYPE_BIT(HM_HASH_PDQ), out,
                                     HM_HASH_RESULTS_MAX, &n, NULL));
    SUCCEEDS(hm_hash_file, hm_hash_file(h, BRIDGE, HM_TYPE_BIT(HM_HASH_PDQ), out,
                                        HM_HASH_RESULTS_MAX, &n, NULL));
    q = out[0];
    FAILS(hm_hash_memory, hm_hash_memory(h, "xx", 2, HM_TYPE_BIT(HM_HASH_PDQ), out,
                                         HM_HASH_RESULTS_MAX, &n, NULL));
    SUCCEEDS(hm_hash_memory, hm_hash_memory(h, "xx", 2, HM_TYPE_BIT(HM_HASH_MD5), out,
                                            HM_HASH_RESULTS_MAX, &n, NULL));
    FAILS(hm_hash_pixels, hm_hash_pixels(h, gray, 8, 8, 4, HM_PIXEL_GRAY8,
                                         HM_TYPE_BIT(HM_HASH_PDQ), out, 16, &n));
    SUCCEEDS(hm_hash_pixels, hm_hash_pixels(h, gray, 8, 8, 8, HM_PIXEL_GRAY8,
                                            HM_TYPE_BIT(HM_HASH_PDQ), out, 16, &n));
    FAILS(hm_find_content, hm_find_content(gray, 8, 8, 8, (hm_pixel_format)0, &rect));
    SUCCEEDS(hm_find_content, hm_find_content(gray, 8, 8, 8, HM_PIXEL_GRAY8, &rect));
    FAILS(hm_decode_memory, hm_decode_memory(h, "xx", 2, &px, NULL));
    {
        hm_batch *batch = NULL;
        hm_batch_result br;
        hm_batch_item item = {.data = "xx", .size = 2};
        FAILS(hm_hash_batch, hm_hash_batch(h, &item, 1, 1u << 30, NULL, &batch));
        /* the item fails (not an image); the batch succeeds */
        SUCCEEDS(hm_hash_batch, hm_hash_batch(h, &item, 1, HM_TYPE_BIT(HM_HASH_PDQ), NULL,
                                              &batch));
        FAILS(hm_batch_get, hm_batch_get(batch, 1, &br));
        SUCCEEDS(hm_batch_get, hm_batch_get(batch, 0, &br));
        FAILS(hm_batch_columns_get, hm_batch_columns_get(batch, NULL));
        {
            hm_batch_columns bc;
            SUCCEEDS(hm_batch_columns_get, hm_batch_columns_get(batch, &bc));
        }
        CHECK(br.status == HM_E_UNKNOWN_FORMAT && br.error[0] != '\0');
        hm_batch_free(batch);
    }
    FAILS(hm_hash_to_string, hm_hash_to_string(&q, buf, 10));
    SUCCEEDS(hm_hash_to_string, hm_hash_to_string(&q, buf, sizeof buf));
    FAILS(hm_hash_from_string, hm_hash_from_string(HM_HASH_PDQ, "12", &g_junk));
    SUCCEEDS(hm_hash_from_string, hm_hash_from_string(HM_HASH_PDQ, buf, &g_junk));
    hm_hash md5 = q;
    md5.type = HM_HASH_MD5;
    FAILS(hm_hash_distance, hm_hash_distance(&q, &md5));
    SUCCEEDS(hm_hash_distance, hm_hash_distance(&q, &q));
    FAILS(hm_hash_convert, hm_hash_convert(&q, HM_HASH_PHASHORG_V09, &g_junk));
    {
        hm_hash pho;
        SUCCEEDS(hm_hash_from_string,
                 hm_hash_from_string(HM_HASH_PHASHORG_V09, "6ed56019e69edc22", &pho));
        SUCCEEDS(hm_hash_convert, hm_hash_convert(&pho, HM_HASH_PHASHORG_2014, &g_junk));
    }

    /* video (opening one that works needs FFmpeg or an animated WebP:
     * test_video checks their messages) */
    FAILS(hm_video_open_memory, hm_video_open_memory(h, NULL, 0, NULL, &v));
    FAILS(hm_video_open_file, hm_video_open_file(h, "/nonexistent.mp4", NULL, &v));
    FAILS(hm_video_next, hm_video_next(NULL, &fr, &got));
    FAILS(hm_video_get_info, hm_video_get_info(NULL, &vi));
    memset(&fr, 0, sizeof fr);
    fr.nhashes = 1;
    fr.hashes[0] = q;
    fr.timestamp = 1.5;
    FAILS(hm_vpdq_format_line, hm_vpdq_format_line(&fr, buf, 20));
    SUCCEEDS(hm_vpdq_format_line, hm_vpdq_format_line(&fr, buf, sizeof buf));
    FAILS(hm_vpdq_parse_line, hm_vpdq_parse_line("1,2,3", &fr));
    SUCCEEDS(hm_vpdq_parse_line, hm_vpdq_parse_line(buf, &fr));
    FAILS(hm_vpdq_format_compact, hm_vpdq_format_compact(&fr, 1, buf, 20, &len));
    SUCCEEDS(hm_vpdq_format_compact, hm_vpdq_format_compact(&fr, 1, buf, sizeof buf, &len));
    FAILS(hm_vpdq_parse_compact, hm_vpdq_parse_compact("[1]", &fr, 1, &n));
    SUCCEEDS(hm_vpdq_parse_compact, hm_vpdq_parse_compact(buf, &fr, 1, &n));

    /* TMK (hashing one needs FFmpeg: test_tmk_api checks its messages) */
    hm_tmk *tmk = NULL;
    size_t tmk_size = 0;
    unsigned char *tmk_bytes = read_all(HM_TEST_DATA "/tmk/expected/tmk/chair-19-sd-bar.tmk",
                                        &tmk_size);
    char *text = malloc(HM_TMK_BASE64_LEN + 1);
    hm_tmk_info ti;
    float avg[HM_TMK_DIM], l1, l2;
    CHECK(tmk_bytes && text);
    FAILS(hm_tmk_hash_file, hm_tmk_hash_file(h, "/nonexistent.mp4", NULL, &tmk, NULL));
    FAILS(hm_tmk_hash_memory, hm_tmk_hash_memory(h, NULL, 0, NULL, &tmk, NULL));
    FAILS(hm_video_take_tmk, hm_video_take_tmk(NULL, &tmk));
    FAILS(hm_tmk_from_bytes, hm_tmk_from_bytes(tmk_bytes, 100, &tmk));
    SUCCEEDS(hm_tmk_from_bytes, hm_tmk_from_bytes(tmk_bytes, tmk_size, &tmk));
    FAILS(hm_tmk_to_bytes, hm_tmk_to_bytes(tmk, tmk_bytes, 100, &len));
    SUCCEEDS(hm_tmk_to_bytes, hm_tmk_to_bytes(tmk, tmk_bytes, tmk_size, &len));
    FAILS(hm_tmk_to_base64, hm_tmk_to_base64(tmk, text, HM_TMK_BASE64_LEN, &len));
    SUCCEEDS(hm_tmk_to_base64, hm_tmk_to_base64(tmk, text, HM_TMK_BASE64_LEN + 1, &len));
    hm_tmk_free(tmk);
    FAILS(hm_tmk_from_base64, hm_tmk_from_base64(text, 100, &tmk));
    SUCCEEDS(hm_tmk_from_base64, hm_tmk_from_base64(text, len, &tmk));
    FAILS(hm_tmk_get_info, hm_tmk_get_info(NULL, &ti));
    SUCCEEDS(hm_tmk_get_info, hm_tmk_get_info(tmk, &ti));
    FAILS(hm_tmk_get_average, hm_tmk_get_average(tmk, avg, HM_TMK_DIM - 1));
    SUCCEEDS(hm_tmk_get_average, hm_tmk_get_average(tmk, avg, HM_TMK_DIM));
    FAILS(hm_tmk_scores, hm_tmk_scores(tmk, tmk, NULL, NULL));
    SUCCEEDS(hm_tmk_scores, hm_tmk_scores(tmk, tmk, &l1, &l2));
    free(tmk_bytes);
    free(text); /* tmk stays for the index's TMK functions */

    /* index */
    FAILS(hm_index_create, hm_index_create(NULL));
    SUCCEEDS(hm_index_create, hm_index_create(&idx));
    FAILS(hm_index_set, hm_index_set(idx, HM_INDEX_MAX_LINE, 0));
    SUCCEEDS(hm_index_set, hm_index_set(idx, HM_INDEX_MAX_LINE, 1000));
    FAILS(hm_index_get, hm_index_get(idx, (hm_index_param)99, &value));
    SUCCEEDS(hm_index_get, hm_index_get(idx, HM_INDEX_MAX_LINE, &value));
    FAILS(hm_index_list, hm_index_list(idx, "", &list));
    SUCCEEDS(hm_index_list, hm_index_list(idx, "l", &list));
    FAILS(hm_index_list_set_threshold, hm_index_list_set_threshold(idx, list, HM_HASH_PDQ, 999));
    SUCCEEDS(hm_index_list_set_threshold, hm_index_list_set_threshold(idx, list, HM_HASH_PDQ, 20));
    FAILS(hm_index_list_set_enabled, hm_index_list_set_enabled(idx, list, 5));
    SUCCEEDS(hm_index_list_set_enabled, hm_index_list_set_enabled(idx, list, 1));
    FAILS(hm_index_list_rename, hm_index_list_rename(idx, list, ""));
    SUCCEEDS(hm_index_list_rename, hm_index_list_rename(idx, list, "l"));
    FAILS(hm_index_list_clear, hm_index_list_clear(idx, 77, &removed));
    SUCCEEDS(hm_index_list_clear, hm_index_list_clear(idx, list, &removed));
    FAILS(hm_index_add, hm_index_add(idx, list, NULL, "a", NULL));
    SUCCEEDS(hm_index_add, hm_index_add(idx, list, &q, "a", NULL));
    FAILS(hm_index_remove, hm_index_remove(idx, list, NULL, &removed));
    SUCCEEDS(hm_index_remove, hm_index_remove(idx, list, "zz", &removed));
    FAILS(hm_index_load_list, hm_index_load_list(idx, "/nonexistent.csv", NULL, NULL));
    FAILS(hm_index_load_list_memory, hm_index_load_list_memory(idx, "zz\n", 3, "m", NULL, NULL));
    SUCCEEDS(hm_index_load_list_memory, hm_index_load_list_memory(idx, "", 0, "m", NULL, NULL));
    FAILS(hm_index_add_video, hm_index_add_video(idx, 77, &fr, 1, "v", NULL, NULL));
    SUCCEEDS(hm_index_add_video, hm_index_add_video(idx, list, &fr, 1, "v", NULL, NULL));
    FAILS(hm_index_add_tmk, hm_index_add_tmk(idx, 77, tmk, "t", NULL));
    SUCCEEDS(hm_index_add_tmk, hm_index_add_tmk(idx, list, tmk, "t", NULL));
    FAILS(hm_index_list_set_tmk_threshold, hm_index_list_set_tmk_threshold(idx, list, 3, 0.5f));
    SUCCEEDS(hm_index_list_set_tmk_threshold,
             hm_index_list_set_tmk_threshold(idx, list, 1, 0.8f));
    FAILS(hm_index_commit, hm_index_commit(NULL));
    SUCCEEDS(hm_index_commit, hm_index_commit(idx));

    FAILS(hm_txn_begin, hm_txn_begin(idx, NULL));
    SUCCEEDS(hm_txn_begin, hm_txn_begin(idx, &txn));
    FAILS(hm_txn_add, hm_txn_add(txn, 77, &q, "b", NULL));
    SUCCEEDS(hm_txn_add, hm_txn_add(txn, list, &q, "b", NULL));
    FAILS(hm_txn_remove, hm_txn_remove(txn, 77, "b", &removed));
    SUCCEEDS(hm_txn_remove, hm_txn_remove(txn, list, "zz", &removed));
    FAILS(hm_txn_list_clear, hm_txn_list_clear(txn, 77, &removed));
    FAILS(hm_txn_list_set_threshold, hm_txn_list_set_threshold(txn, list, HM_HASH_PDQ, 999));
    SUCCEEDS(hm_txn_list_set_threshold, hm_txn_list_set_threshold(txn, list, HM_HASH_PDQ, 21));
    FAILS(hm_txn_list_set_enabled, hm_txn_list_set_enabled(txn, list, 5));
    FAILS(hm_txn_list_rename, hm_txn_list_rename(txn, 77, "n"));
    SUCCEEDS(hm_txn_list_rename, hm_txn_list_rename(txn, list, "l"));
    FAILS(hm_txn_load_list, hm_txn_load_list(txn, "/nonexistent.csv", NULL, NULL));
    FAILS(hm_txn_load_list_memory, hm_txn_load_list_memory(txn, "zz\n", 3, "m", NULL, NULL));
    FAILS(hm_txn_add_video, hm_txn_add_video(txn, 77, &fr, 1, "v", NULL, NULL));
    FAILS(hm_txn_add_tmk, hm_txn_add_tmk(txn, list, NULL, "t2", NULL));
    SUCCEEDS(hm_txn_add_tmk, hm_txn_add_tmk(txn, list, tmk, "t2", NULL));
    FAILS(hm_txn_list_set_tmk_threshold, hm_txn_list_set_tmk_threshold(txn, list, 2, 1.5f));
    SUCCEEDS(hm_txn_list_set_tmk_threshold, hm_txn_list_set_tmk_threshold(txn, list, 2, -1.0f));
    FAILS(hm_txn_commit, hm_txn_commit(NULL));
    SUCCEEDS(hm_txn_commit, hm_txn_commit(txn));
    hm_txn_free(txn);

    FAILS(hm_results_create, hm_results_create(NULL));
    SUCCEEDS(hm_results_create, hm_results_create(&res));
    FAILS(hm_index_query, hm_index_query(idx, &md5, 1, NULL, NULL));
    SUCCEEDS(hm_index_query, hm_index_query(idx, &q, 1, NULL, res));
    CHECK(hm_results_count(res) >= 1);
    FAILS(hm_index_match_video, hm_index_match_video(NULL, &fr, 1, NULL, res));
    SUCCEEDS(hm_index_match_video, hm_index_match_video(idx, &fr, 1, NULL, res));
    FAILS(hm_index_match_tmk, hm_index_match_tmk(NULL, tmk, NULL, res));
    SUCCEEDS(hm_index_match_tmk, hm_index_match_tmk(idx, tmk, NULL, res));
    CHECK_INT((int)hm_results_tmk_count(res), 2); /* "t" and "t2" */
    FAILS(hm_index_acquire, hm_index_acquire(idx, NULL));
    SUCCEEDS(hm_index_acquire, hm_index_acquire(idx, &snap));
    FAILS(hm_snapshot_query, hm_snapshot_query(NULL, &q, 1, NULL, res));
    SUCCEEDS(hm_snapshot_query, hm_snapshot_query(snap, &q, 1, NULL, res));
    FAILS(hm_index_decide, hm_index_decide(NULL, &q, 1, NULL, res));
    SUCCEEDS(hm_index_decide, hm_index_decide(idx, &q, 1, NULL, res));
    CHECK(hm_results_decision_count(res) >= 1);
    FAILS(hm_snapshot_decide, hm_snapshot_decide(NULL, &q, 1, NULL, res));
    SUCCEEDS(hm_snapshot_decide, hm_snapshot_decide(snap, &q, 1, NULL, res));
    FAILS(hm_snapshot_match_video, hm_snapshot_match_video(NULL, &fr, 1, NULL, res));
    SUCCEEDS(hm_snapshot_match_video, hm_snapshot_match_video(snap, &fr, 1, NULL, res));
    FAILS(hm_snapshot_match_tmk, hm_snapshot_match_tmk(snap, NULL, NULL, res));
    SUCCEEDS(hm_snapshot_match_tmk, hm_snapshot_match_tmk(snap, tmk, NULL, res));
    FAILS(hm_snapshot_list_tmk_threshold, hm_snapshot_list_tmk_threshold(snap, list, 0, &l1));
    SUCCEEDS(hm_snapshot_list_tmk_threshold, hm_snapshot_list_tmk_threshold(snap, list, 1, &l1));
    CHECK(l1 == 0.8f);
    FAILS(hm_snapshot_list_info, hm_snapshot_list_info(snap, 77, &li));
    SUCCEEDS(hm_snapshot_list_info, hm_snapshot_list_info(snap, list, &li));
    FAILS(hm_snapshot_list_find, hm_snapshot_list_find(snap, "nope", &list));
    SUCCEEDS(hm_snapshot_list_find, hm_snapshot_list_find(snap, "l", &list));
    FAILS(hm_snapshot_stats, hm_snapshot_stats(NULL, &stats));
    SUCCEEDS(hm_snapshot_stats, hm_snapshot_stats(snap, &stats));
    FAILS(hm_index_stats_get, hm_index_stats_get(idx, NULL));
    SUCCEEDS(hm_index_stats_get, hm_index_stats_get(idx, &stats));

    FAILS(hm_snapshot_save, hm_snapshot_save(snap, "/nonexistent-dir/x.hmi"));
    FAILS(hm_snapshot_save_memory, hm_snapshot_save_memory(snap, NULL, &n));
    SUCCEEDS(hm_snapshot_save_memory, hm_snapshot_save_memory(snap, &mem, &n));
    FAILS(hm_index_load_memory, hm_index_load_memory(idx, mem, 10));
    SUCCEEDS(hm_index_load_memory, hm_index_load_memory(idx, mem, n));
    hm_free(mem);
    FAILS(hm_index_save, hm_index_save(idx, "/nonexistent-dir/x.hmi"));
    FAILS(hm_index_save_memory, hm_index_save_memory(idx, NULL, &n));
    SUCCEEDS(hm_index_save_memory, hm_index_save_memory(idx, &mem, &n));
    hm_free(mem);
    FAILS(hm_index_load, hm_index_load(idx, "/nonexistent.hmi"));

    /* functions that return no status leave the message as it is */
    FAILS(hm_index_load, hm_index_load(idx, "/nonexistent.hmi"));
    char keep[512];
    snprintf(keep, sizeof keep, "%s", hm_last_error());
    CHECK(strstr(keep, "/nonexistent.hmi") != NULL);
    hm_snapshot_release(snap);
    hm_results_clear(res);
    (void)hm_results_count(res);
    (void)hm_results_tmk_count(res);
    (void)hm_results_tmk_get(res, 0);
    hm_tmk_match_opts_init(NULL);
    hm_decide_opts_init(NULL);
    (void)hm_results_decision_get(res, 0);
    (void)hm_snapshot_list_count(NULL);
    (void)hm_strerror(HM_E_IO);
    (void)hm_hash_type_name(HM_HASH_PDQ);
    (void)hm_rotation_angle(HM_ROTATIONS);
    hm_results_free(res);
    hm_index_free(idx);
    hm_tmk_free(tmk);
    hm_hasher_free(h);
    hm_video_close(NULL);
    CHECK_STR(hm_last_error(), keep, "kept through calls without a status");

    /* the list tried covers every function of the header that returns an
     * hm_status, and hm_hash_distance */
    FILE *f = fopen(HM_PUBLIC_HEADER, "r");
    char line[512];
    int missing = 0, seen = 0;
    CHECK(f != NULL);
    while (f && fgets(line, sizeof line, f)) {
        char name[128], key[140];
        if (sscanf(line, "HM_API hm_status %127[a-z0-9_](", name) != 1 &&
            sscanf(line, "HM_API int %127[a-z0-9_](", name) != 1)
            continue;
        if (strcmp(name, "hm_hash_type_from_name") == 0 || strcmp(name, "hm_results_structure") == 0 ||
            strcmp(name, "hm_default_threshold") == 0 || strcmp(name, "hm_rotation_angle") == 0)
            continue; /* a type, a structure, a threshold and an angle, not statuses */
        seen++;
        snprintf(key, sizeof key, " %s ", name);
        if (!strstr(g_tried, key)) {
            fprintf(stderr, "not tried: %s\n", name);
            missing++;
        }
    }
    if (f) fclose(f);
    CHECK(seen > 50);
    CHECK_INT(missing, 0);
}

/* ---- threads ---------------------------------------------------------------- */

#define THREADS 6
#define ROUNDS 300

typedef struct worker {
    int id;
    hm_index *idx;
    uint32_t list;
    hm_hash q;  /* a hash of its own (made before the threads start) */
    int bad;    /* messages that were not this thread's own */
} worker;

/* Each thread fails its own calls on the shared index (a threshold out of
 * range, a list id that does not exist, a missing hash-list file) and on
 * a hasher of its own (a missing file), with values that only it uses,
 * and reads each message right after; between them its calls succeed and
 * must leave the message empty. */
static void *fail_own(void *arg) {
    worker *w = arg;
    hm_hasher *h = NULL;
    hm_hash out[4];
    const hm_hash q = w->q;
    size_t n;
    char want[128], path[64], id[32];
    hm_hasher_create(&h);
    for (int r = 0; r < ROUNDS; r++) {
        const int bad_thr = 1000 + w->id * ROUNDS + r;
        const uint32_t bad_list = 100000u + (uint32_t)(w->id * ROUNDS + r);
        hm_status st;
        switch (r % 4) {
        case 0:
            st = hm_index_list_set_threshold(w->idx, w->list, HM_HASH_PDQ, bad_thr);
            snprintf(want, sizeof want, "threshold %d out of range", bad_thr);
            break;
        case 1:
            st = hm_index_add(w->idx, bad_list, &q, "x", NULL);
            snprintf(want, sizeof want, "no list with id %u", bad_list);
            break;
        case 2:
            snprintf(path, sizeof path, "/nonexistent/list-%d-%d.csv", w->id, r);
            st = hm_index_load_list(w->idx, path, NULL, NULL);
            snprintf(want, sizeof want, "%s", path);
            break;
        default:
            snprintf(path, sizeof path, "/nonexistent/image-%d-%d.jpg", w->id, r);
            st = hm_hash_file(h, path, HM_TYPE_BIT(HM_HASH_PDQ), out, 4, &n, NULL);
            snprintf(want, sizeof want, "%s", path);
            break;
        }
        if (st == HM_OK || !strstr(hm_last_error(), want)) w->bad++;
        /* a success on the shared index clears this thread's message only */
        snprintf(id, sizeof id, "t%d-%d", w->id, r);
        if (hm_index_add(w->idx, w->list, &q, id, NULL) != HM_OK || hm_last_error()[0])
            w->bad++;
    }
    hm_hasher_free(h);
    return NULL;
}

/* Meanwhile another thread commits and queries, always successfully. */
static void *succeed(void *arg) {
    worker *w = arg;
    hm_results *res = NULL;
    const hm_hash q = w->q;
    hm_results_create(&res);
    for (int r = 0; r < ROUNDS; r++) {
        if (hm_index_commit(w->idx) != HM_OK || hm_last_error()[0]) w->bad++;
        if (hm_index_query(w->idx, &q, 1, NULL, res) != HM_OK || hm_last_error()[0]) w->bad++;
    }
    hm_results_free(res);
    return NULL;
}

static void threads(void) {
    pthread_t t[THREADS + 1];
    worker w[THREADS + 1];
    hm_index *idx = NULL;
    uint32_t list;
    CHECK_INT(hm_index_create(&idx), HM_OK);
    CHECK_INT(hm_index_list(idx, "shared", &list), HM_OK);
    for (int i = 0; i <= THREADS; i++) {
        w[i] = (worker){i, idx, list, {0}, 0};
        test_random_hash(&w[i].q, HM_HASH_PDQ);
        CHECK_INT(pthread_create(&t[i], NULL, i < THREADS ? fail_own : succeed, &w[i]), 0);
    }
    for (int i = 0; i <= THREADS; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(w[i].bad, 0);
    }
    hm_index_free(idx);
}

int main(void) {
    every_function();
    threads();
    return test_summary("test_last_error");
}
