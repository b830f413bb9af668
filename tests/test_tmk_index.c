/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TMK+PDQF entries in the index, through the shared library:
 *  - add (hm_index_add_tmk, hm_txn_add_tmk), duplicates, remove, clear,
 *    per-list thresholds (set, default, persisted), disabled lists;
 *  - hm_index_match_tmk's matches equal scoring every pair with
 *    hm_tmk_scores(query, known) against the thresholds, scores to the
 *    bit, for the 14 reference .tmk files against lists of different
 *    thresholds, over several segments, before and after a save and a
 *    load (file and memory);
 *  - a loaded index reads level 2 from its file: a file cut after the
 *    load, or its level 2 changed before or after the load, gives
 *    HM_E_CORRUPT at the query that reads it, never a wrong match or a
 *    signal (hm_index_load does not read level 2); from memory, a changed
 *    level 2 fails the load;
 *  - results replaced wholly by any query; arguments validated;
 *  - hm_index_stats.tmk_entries after adds, removals, saves and loads, and
 *    in a snapshot taken before a change;
 *  - hm_index_save releases the in-memory level 2 of added entries (and
 *    of a section loaded into memory): the bytes drop, queries stay exact
 *    and read the saved file (a byte changed there fails them), a snapshot
 *    taken before the save keeps answering from its copies;
 *  - version-1 and version-2 index files (tests/data/index-v1.hmi and
 *    index-v2.hmi, made by the hashcheck of the commits before format
 *    versions 2 and 3) still load;
 *  - hash lists with TMK rows (the .tmk file's base64): canonical CSV
 *    (tmk), typed lines and python-threatexchange CSV (tmk or pytx's
 *    video_tmk_pdqf): staged, matched, duplicates counted, the SHA-256
 *    of the .tmk file as id where a row has none; strict loads fail at a
 *    bad row naming its line, lenient ones skip and count it;
 *    HM_INDEX_MAX_LINE leaves the hash field out;
 *  - queries, commits (removals, adds) and saves at once on an index whose
 *    level-2 features are read from its file (under ThreadSanitizer in
 *    scripts/test-all.sh).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_tmk_data.h"

static hm_tmk *g_ref[NVIDEOS];

/* The lists: name, thresholds (-1: default), enabled. */
static const struct {
    const char *name;
    float t1, t2;
    int enabled;
} kLists[] = {{"default", -1, -1, 1}, {"strict", 0.9f, 0.95f, 1}, {"loose", 0.0f, 0.2f, 1},
              {"off", 0.0f, 0.0f, 0}};
#define NLISTS (sizeof kLists / sizeof kLists[0])

static float thr(int l, int level) {
    const float t = level == 1 ? kLists[l].t1 : kLists[l].t2;
    return t < 0 ? hm_tmk_default_threshold(level) : t;
}

/* Entry present[l][v]: video v in list l. */
static int g_present[NLISTS][NVIDEOS];

/* Every query's matches are the pairs scoring shows. */
static void check_matches(hm_index *idx, const char *when) {
    hm_results *r;
    hm_results_create(&r);
    size_t total = 0;
    for (size_t q = 0; q < NVIDEOS; q++) {
        CHECK_INT(hm_index_match_tmk(idx, g_ref[q], NULL, r), HM_OK);
        size_t want = 0;
        for (size_t l = 0; l < NLISTS; l++)
            for (size_t v = 0; v < NVIDEOS; v++) {
                if (!g_present[l][v] || !kLists[l].enabled) continue;
                float s1, s2;
                hm_tmk_scores(g_ref[q], g_ref[v], &s1, &s2);
                const int match = s1 >= thr((int)l, 1) && s2 >= thr((int)l, 2);
                int found = 0;
                for (size_t i = 0; i < hm_results_tmk_count(r); i++) {
                    const hm_tmk_match *m = hm_results_tmk_get(r, i);
                    if (m->list == l && strcmp(m->video_id, kVideos[v]) == 0) {
                        found++;
                        CHECK(m->level1 == s1 && m->level2 == s2);
                        CHECK(strcmp(m->list_name, kLists[l].name) == 0);
                        CHECK(m->labels && strcmp(m->labels, kLists[l].name) == 0);
                        CHECK(m->threshold1 == thr((int)l, 1) && m->threshold2 == thr((int)l, 2));
                    }
                }
                if (found != match)
                    fprintf(stderr, "%s: query %s, %s/%s: found %d, scoring says %d\n", when,
                            kVideos[q], kLists[l].name, kVideos[v], found, match);
                CHECK_INT(found, match);
                want += (size_t)match;
            }
        CHECK_INT(hm_results_tmk_count(r), want);
        for (size_t i = 1; i < hm_results_tmk_count(r); i++)
            CHECK(hm_results_tmk_get(r, i - 1)->level2 >= hm_results_tmk_get(r, i)->level2);
        total += want;
    }
    CHECK(total > NVIDEOS); /* the lists do match, beyond each video itself */
    hm_results_free(r);
}

static uint64_t list_entries(hm_index *idx, uint32_t l) {
    hm_snapshot *s;
    hm_list_info info;
    hm_index_acquire(idx, &s);
    hm_snapshot_list_info(s, l, &info);
    hm_snapshot_release(s);
    return info.entries;
}

static void write_bytes(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(p, 1, n, f) == n);
    if (f) fclose(f);
}

/* Canonical CSV with tmk rows: "tmk,<base64 .tmk>,id,list,labels". */
static char *csv_of(const char *rows[], size_t n) {
    size_t cap = 64, len = 0;
    for (size_t i = 0; i < n; i++) cap += strlen(rows[i]) + 1;
    char *out = malloc(cap);
    CHECK(out != NULL);
    for (size_t i = 0; out && i < n; i++) len += (size_t)sprintf(out + len, "%s\n", rows[i]);
    return out;
}

/* `before`, the base64 of video v's .tmk, `rest` (malloc'ed). */
static char *tmk_line(const char *before, size_t v, const char *rest) {
    const size_t b = strlen(before);
    char *row = malloc(b + HM_TMK_BASE64_LEN + strlen(rest) + 1);
    size_t len = 0;
    CHECK(row != NULL);
    strcpy(row, before);
    CHECK_INT(hm_tmk_to_base64(g_ref[v], row + b, HM_TMK_BASE64_LEN + 1, &len), HM_OK);
    strcpy(row + b + len, rest);
    return row;
}

static char *tmk_row(size_t v, const char *rest) { return tmk_line("tmk,", v, rest); }

/* The SHA-256, in hex, of video v's reference .tmk file (as sha256sum
 * prints it): a TMK entry's id when its row gives none. */
static void tmk_file_sha256(size_t v, char hex[HM_HASH_STRING_MAX]) {
    char p[1024];
    hm_hasher *h;
    hm_hash d;
    size_t n = 0;
    hex[0] = '\0';
    snprintf(p, sizeof p, "%s/tmk/expected/tmk/%s.tmk", HM_TEST_DATA, kVideos[v]);
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    CHECK_INT(hm_hash_file(h, p, HM_TYPE_BIT(HM_HASH_SHA256), &d, 1, &n, NULL), HM_OK);
    CHECK_INT(n, 1);
    CHECK_INT(hm_hash_to_string(&d, hex, HM_HASH_STRING_MAX), HM_OK);
    hm_hasher_free(h);
}

/* Does the query of video q find video_id in list_name, with labels? */
static int tmk_found(hm_index *idx, size_t q, const char *video_id, const char *list_name,
                     const char *labels) {
    hm_results *r;
    int seen = 0;
    hm_results_create(&r);
    CHECK_INT(hm_index_match_tmk(idx, g_ref[q], NULL, r), HM_OK);
    for (size_t i = 0; i < hm_results_tmk_count(r); i++) {
        const hm_tmk_match *m = hm_results_tmk_get(r, i);
        if (strcmp(m->video_id, video_id) == 0 && strcmp(m->list_name, list_name) == 0 &&
            (labels ? m->labels && strcmp(m->labels, labels) == 0 : !m->labels) &&
            m->level1 >= 0.9999f)
            seen++;
    }
    hm_results_free(r);
    return seen;
}

static void hash_lists(void) {
    hm_index *idx;
    hm_list_load_report rep;
    hm_list_load_opts o;
    char *r0 = tmk_row(0, ",vid0,csvlist,lab"), *r1 = tmk_row(1, ",vid1"),
         *r0dup = tmk_row(0, ",vid0,csvlist,lab"), *noid = tmk_row(2, ""),
         *bad = tmk_row(3, ",vid3,csvlist");
    bad[100] = '!'; /* not base64 */
    CHECK_INT(hm_index_create(&idx), HM_OK);
    {
        const char *rows[] = {"hash_type,hash,entry_id,list,labels", r0, r1,
                              "md5,0123456789abcdef0123456789abcdef,m1,csvlist", r0dup};
        char *csv = csv_of(rows, 5);
        CHECK_INT(hm_index_load_list_memory(idx, csv, strlen(csv), "known", NULL, &rep), HM_OK);
        CHECK_INT(rep.format, HM_LIST_CANONICAL);
        CHECK_INT(rep.added, 3);
        CHECK_INT(rep.duplicates, 1);
        free(csv);
    }
    CHECK_INT(hm_index_commit(idx), HM_OK);
    hm_results *r;
    hm_results_create(&r);
    CHECK_INT(hm_index_match_tmk(idx, g_ref[0], NULL, r), HM_OK);
    int seen = 0;
    for (size_t i = 0; i < hm_results_tmk_count(r); i++) {
        const hm_tmk_match *m = hm_results_tmk_get(r, i);
        if (strcmp(m->video_id, "vid0") == 0) {
            seen++;
            CHECK(strcmp(m->list_name, "csvlist") == 0 && m->labels &&
                  strcmp(m->labels, "lab") == 0 && m->level1 >= 0.9999f);
        }
    }
    CHECK_INT(seen, 1);
    CHECK_INT(hm_index_match_tmk(idx, g_ref[1], NULL, r), HM_OK);
    CHECK(hm_results_tmk_count(r) >= 1 &&
          strcmp(hm_results_tmk_get(r, 0)->list_name, "known") == 0); /* the default list */
    hm_index_stats st;
    hm_index_stats_get(idx, &st);
    const uint64_t entries = st.entries;
    CHECK_INT(entries, 3);

    /* strict: the first bad row fails the load, with its line, and nothing stays */
    {
        const char *rows[] = {"hash_type,hash,entry_id,list,labels", r1, bad};
        char *csv = csv_of(rows, 3);
        CHECK_INT(hm_index_load_list_memory(idx, csv, strlen(csv), "l", NULL, &rep), HM_E_PARSE);
        CHECK(strstr(hm_last_error(), "l:3: bad tmk hash") != NULL);
        free(csv);
        const char *rows3[] = {"tmk AAAA"};
        csv = csv_of(rows3, 1);
        hm_list_load_opts_init(&o);
        o.format = HM_LIST_TYPED;
        CHECK_INT(hm_index_load_list_memory(idx, csv, strlen(csv), "l", &o, &rep), HM_E_PARSE);
        CHECK(strstr(hm_last_error(), "l:1: bad tmk hash") != NULL);
        free(csv);
        CHECK_INT(hm_index_commit(idx), HM_OK);
        hm_index_stats_get(idx, &st);
        CHECK_INT(st.entries, entries);
    }
    /* lenient: bad rows reported and skipped, the others staged; a row
     * without entry_id gets the SHA-256 of its .tmk file */
    {
        char *r4 = tmk_row(4, ",vid4,csvlist");
        const char *rows[] = {bad, noid, r4, r1};
        char *csv = csv_of(rows, 4);
        hm_list_load_opts_init(&o);
        o.strict = 0;
        CHECK_INT(hm_index_load_list_memory(idx, csv, strlen(csv), "known", &o, &rep), HM_OK);
        CHECK_INT(rep.rejected, 1);
        CHECK_INT(rep.first_bad_line, 1);
        CHECK_INT(rep.added, 2);
        CHECK_INT(rep.duplicates, 1);
        free(csv);
        free(r4);
        CHECK_INT(hm_index_commit(idx), HM_OK);
        hm_index_stats_get(idx, &st);
        CHECK_INT(st.entries, entries + 2);
        char id2[HM_HASH_STRING_MAX];
        tmk_file_sha256(2, id2);
        CHECK_INT(strlen(id2), 64);
        CHECK_INT(tmk_found(idx, 2, id2, "known", NULL), 1);
    }
    /* python-threatexchange's name video_tmk_pdqf, and tmk, in typed lines
     * (pytx's local file, as `threatexchange hash video` prints them with
     * hashmatch.pytx), and in its dataset CSV (collab -> list, tags ->
     * labels), with the SHA-256 ids */
    {
        hm_index_stats before;
        hm_index_stats_get(idx, &before);
        char *t6 = tmk_line("video_tmk_pdqf ", 6, ""), *t7 = tmk_line("tmk\t", 7, ""),
             *t6again = tmk_line("video_tmk_pdqf ", 6, ""),
             *p8 = tmk_line("video_tmk_pdqf,", 8, ",GIFCT video,POSITIVE_CLASS,a b"),
             *p9 = tmk_line("video_tmk_pdqf,", 9, ",GIFCT video,NEGATIVE_CLASS,fp");
        const char *typed[] = {"# pytx local file", t6, "pdq f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", t7, t6again};
        char *csv = csv_of(typed, 5), id[HM_HASH_STRING_MAX];
        CHECK_INT(hm_index_load_list_memory(idx, csv, strlen(csv), "local.txt", NULL, &rep), HM_OK);
        CHECK_INT(rep.format, HM_LIST_TYPED);
        CHECK_INT(rep.added, 3);
        CHECK_INT(rep.duplicates, 1);
        CHECK_INT(rep.unsupported + rep.rejected, 0);
        free(csv);
        const char *pytx[] = {"signal_type,signal_str,collab,category,tags", p8, p9,
                              "url,https://example.com/v,GIFCT video,POSITIVE_CLASS,"};
        csv = csv_of(pytx, 4);
        CHECK_INT(hm_index_load_list_memory(idx, csv, strlen(csv), "dataset", NULL, &rep), HM_OK);
        CHECK_INT(rep.format, HM_LIST_PYTX_CSV);
        CHECK_INT(rep.added, 1);
        CHECK_INT(rep.negative, 1);
        CHECK_INT(rep.unsupported, 1);
        free(csv);
        CHECK_INT(hm_index_commit(idx), HM_OK);
        tmk_file_sha256(6, id);
        CHECK_INT(tmk_found(idx, 6, id, "local", NULL), 1);
        tmk_file_sha256(7, id);
        CHECK_INT(tmk_found(idx, 7, id, "local", NULL), 1);
        tmk_file_sha256(8, id);
        CHECK_INT(tmk_found(idx, 8, id, "GIFCT video", "a b"), 1);
        tmk_file_sha256(9, id);
        CHECK_INT(tmk_found(idx, 9, id, "GIFCT video", "fp"), 0);
        hm_index_stats_get(idx, &st);
        CHECK_INT(st.entries, before.entries + 4);
        CHECK_INT(st.tmk_entries, before.tmk_entries + 3);
        free(t6);
        free(t7);
        free(t6again);
        free(p8);
        free(p9);
    }
    /* HM_INDEX_MAX_LINE does not count a tmk row's hash field, and counts
     * the rest of it */
    {
        CHECK_INT(hm_index_set(idx, HM_INDEX_MAX_LINE, 200), HM_OK);
        char labels[300];
        memset(labels, 'x', sizeof labels - 1);
        labels[sizeof labels - 1] = '\0';
        char rest[400];
        snprintf(rest, sizeof rest, ",vid5,csvlist,%s", labels);
        char *r5 = tmk_row(5, ",vid5,csvlist"), *r5long = tmk_row(5, rest);
        const char *rows[] = {r5};
        char *csv = csv_of(rows, 1);
        CHECK_INT(hm_index_load_list_memory(idx, csv, strlen(csv), "l", NULL, &rep), HM_OK);
        CHECK_INT(rep.added, 1);
        free(csv);
        rows[0] = r5long;
        csv = csv_of(rows, 1);
        CHECK_INT(hm_index_load_list_memory(idx, csv, strlen(csv), "l", NULL, &rep), HM_E_LIMIT);
        CHECK(strstr(hm_last_error(), "l:1: line longer than 200 bytes") != NULL);
        free(csv);
        /* the same in typed lines and pytx CSV; a line of another type is
         * held to HM_INDEX_MAX_LINE whole */
        char *t5 = tmk_line("video_tmk_pdqf ", 5, "");
        rows[0] = t5;
        csv = csv_of(rows, 1);
        CHECK_INT(hm_index_load_list_memory(idx, csv, strlen(csv), "l", NULL, &rep), HM_OK);
        CHECK_INT(rep.format, HM_LIST_TYPED);
        CHECK_INT(rep.added, 1);
        free(csv);
        char *p5long = tmk_line("signal_type,signal_str,collab,category,tags\nvideo_tmk_pdqf,", 5,
                                rest);
        rows[0] = p5long;
        csv = csv_of(rows, 1);
        CHECK_INT(hm_index_load_list_memory(idx, csv, strlen(csv), "l", NULL, &rep), HM_E_LIMIT);
        CHECK(strstr(hm_last_error(), "l:2: line longer than 200 bytes") != NULL);
        free(csv);
        memset(rest, 'a', 250);
        memcpy(rest, "pdq ", 4);
        rest[250] = '\0';
        rows[0] = rest;
        csv = csv_of(rows, 1);
        CHECK_INT(hm_index_load_list_memory(idx, csv, strlen(csv), "l", NULL, &rep), HM_E_LIMIT);
        free(csv);
        free(t5);
        free(p5long);
        free(r5);
        free(r5long);
        CHECK_INT(hm_index_set(idx, HM_INDEX_MAX_LINE, 65536), HM_OK);
    }
    hm_results_free(r);
    hm_index_free(idx);
    free(r0);
    free(r1);
    free(r0dup);
    free(noid);
    free(bad);
}

/* ---- statistics: the TMK entry count ---------------------------------------- */

/* hm_index_stats.tmk_entries sits where reserved[0] was: the struct keeps
 * its size and every other field its offset (scripts/check-abi.sh). */
_Static_assert(offsetof(hm_index_stats, tmk_entries) == 192, "tmk_entries in reserved space");
_Static_assert(offsetof(hm_index_stats, reserved) == 200, "reserved[7] after it");
_Static_assert(sizeof(hm_index_stats) == 256, "hm_index_stats keeps its size");

static void check_stats(hm_index *idx, uint64_t hashes, uint64_t tmks) {
    hm_index_stats st;
    memset(&st, 0xa5, sizeof st);
    CHECK_INT(hm_index_stats_get(idx, &st), HM_OK);
    CHECK_INT(st.tmk_entries, tmks);
    CHECK_INT(st.entries, hashes + tmks);
    CHECK_INT(st.entries_by_type[HM_HASH_PDQ], hashes);
    for (size_t k = 0; k < sizeof st.reserved / sizeof st.reserved[0]; k++)
        CHECK_INT(st.reserved[k], 0);
}

/* tmk_entries after adds, removals, a save and a load (file and memory),
 * and in a snapshot taken before a change. */
static void stats_counts(const char *dir) {
    char path[300];
    hm_index *idx, *b;
    hm_snapshot *before;
    hm_index_stats st;
    uint32_t l;
    hm_hash h = {0};
    snprintf(path, sizeof path, "%s/stats.hmi", dir);
    CHECK_INT(hm_index_create(&idx), HM_OK);
    check_stats(idx, 0, 0);
    CHECK_INT(hm_index_list(idx, "known", &l), HM_OK);
    h.type = HM_HASH_PDQ;
    for (int i = 0; i < 3; i++) {
        h.bytes[0] = (uint8_t)(i + 1);
        CHECK_INT(hm_index_add(idx, l, &h, kVideos[i], NULL), HM_OK);
    }
    for (size_t v = 0; v < 5; v++) CHECK_INT(hm_index_add_tmk(idx, l, g_ref[v], kVideos[v], NULL), HM_OK);
    check_stats(idx, 0, 0); /* staged only */
    CHECK_INT(hm_index_commit(idx), HM_OK);
    check_stats(idx, 3, 5);
    CHECK_INT(hm_index_acquire(idx, &before), HM_OK);
    /* removing an id removes its hash and its TMK entry */
    CHECK_INT(hm_index_remove(idx, l, kVideos[0], NULL), HM_OK);
    CHECK_INT(hm_index_remove(idx, l, kVideos[4], NULL), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    check_stats(idx, 2, 3);
    CHECK_INT(hm_snapshot_stats(before, &st), HM_OK); /* the earlier snapshot's count */
    CHECK_INT(st.tmk_entries, 5);
    CHECK_INT(st.entries, 8);
    hm_snapshot_release(before);
    CHECK_INT(hm_index_save(idx, path), HM_OK);
    check_stats(idx, 2, 3);
    CHECK_INT(hm_index_create(&b), HM_OK);
    CHECK_INT(hm_index_load(b, path), HM_OK);
    check_stats(b, 2, 3);
    void *mem;
    size_t n;
    CHECK_INT(hm_index_save_memory(idx, &mem, &n), HM_OK);
    CHECK_INT(hm_index_list_clear(idx, l, NULL), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    check_stats(idx, 0, 0);
    CHECK_INT(hm_index_load_memory(idx, mem, n), HM_OK);
    check_stats(idx, 2, 3);
    hm_free(mem);
    CHECK_INT(hm_snapshot_stats(NULL, &st), HM_E_INVALID_ARGUMENT);
    hm_index_free(b);
    hm_index_free(idx);
    unlink(path);
}

/* ---- a save to a file: level 2 read back from it ------------------------------ */

/* Every query of snapshot s at thresholds 0 finds exactly the entries
 * (videos [0, n) in one list) scoring says, with the scores to the bit;
 * the status of the first query that fails, else HM_OK. */
static hm_status exact(hm_snapshot *s, size_t n) {
    hm_results *r;
    hm_tmk_match_opts o;
    hm_status st = HM_OK;
    hm_tmk_match_opts_init(&o);
    o.level1 = o.level2 = 0.0f;
    hm_results_create(&r);
    for (size_t q = 0; q < NVIDEOS && st == HM_OK; q++) {
        if ((st = hm_snapshot_match_tmk(s, g_ref[q], &o, r)) != HM_OK) break;
        size_t want = 0;
        for (size_t v = 0; v < n; v++) {
            float s1, s2;
            hm_tmk_scores(g_ref[q], g_ref[v], &s1, &s2);
            want += s1 >= 0 && s2 >= 0;
            for (size_t i = 0; i < hm_results_tmk_count(r); i++) {
                const hm_tmk_match *m = hm_results_tmk_get(r, i);
                if (strcmp(m->video_id, kVideos[v]) == 0) CHECK(m->level1 == s1 && m->level2 == s2);
            }
        }
        CHECK_INT(hm_results_tmk_count(r), want);
    }
    hm_results_free(r);
    return st;
}

static hm_status index_exact(hm_index *idx, size_t n) {
    hm_snapshot *s;
    CHECK_INT(hm_index_acquire(idx, &s), HM_OK);
    const hm_status st = exact(s, n);
    hm_snapshot_release(s);
    return st;
}

static hm_index_stats stats_of(hm_index *idx) {
    hm_index_stats st;
    CHECK_INT(hm_index_stats_get(idx, &st), HM_OK);
    return st;
}

/* Flip one byte of a file in place (the same inode, as a damaged disk or
 * another writer would). */
static void flip_byte(const char *path, long at) {
    FILE *f = fopen(path, "r+b");
    int c = f && fseek(f, at, SEEK_SET) == 0 ? fgetc(f) : EOF;
    CHECK(c != EOF && fseek(f, at, SEEK_SET) == 0 && fputc(c ^ 1, f) != EOF);
    if (f) fclose(f);
}

/* hm_index_save releases the level-2 copies of added entries (and of a
 * section loaded into memory): the snapshot's bytes drop by 256 KiB an
 * entry, queries stay exact and now read the file (a byte changed in it
 * fails them), the generation stays; a snapshot taken before keeps its
 * copies and answers as before; a second save moves the reads to the new
 * file.  Saves to memory and hm_snapshot_save change nothing. */
static void save_releases(const char *dir) {
    char path[300], path2[300], snap_path[300];
    hm_index *idx, *m;
    hm_snapshot *before;
    uint32_t l;
    const uint64_t l2 = 256u << 10; /* the level-2 features of one entry (docs/tmk.md) */
    snprintf(path, sizeof path, "%s/release.hmi", dir);
    snprintf(path2, sizeof path2, "%s/release2.hmi", dir);
    snprintf(snap_path, sizeof snap_path, "%s/release-snap.hmi", dir);
    CHECK_INT(hm_index_create(&idx), HM_OK);
    CHECK_INT(hm_index_list(idx, "known", &l), HM_OK);
    for (size_t v = 0; v < NVIDEOS / 2; v++) /* two segments */
        CHECK_INT(hm_index_add_tmk(idx, l, g_ref[v], kVideos[v], NULL), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    for (size_t v = NVIDEOS / 2; v < NVIDEOS; v++)
        CHECK_INT(hm_index_add_tmk(idx, l, g_ref[v], kVideos[v], NULL), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_INT(index_exact(idx, NVIDEOS), HM_OK);
    const hm_index_stats a = stats_of(idx);
    CHECK(a.bytes > NVIDEOS * l2);
    /* saves that do not release: to memory, and of a snapshot */
    void *mem;
    size_t msize;
    CHECK_INT(hm_index_save_memory(idx, &mem, &msize), HM_OK);
    CHECK_INT(hm_index_acquire(idx, &before), HM_OK);
    CHECK_INT(hm_snapshot_save(before, snap_path), HM_OK);
    CHECK_INT(stats_of(idx).bytes, a.bytes);
    /* the save */
    CHECK_INT(hm_index_save(idx, path), HM_OK);
    const hm_index_stats b = stats_of(idx);
    CHECK(b.bytes + NVIDEOS * l2 <= a.bytes);
    CHECK_INT(b.generation, a.generation);
    CHECK_INT(b.tmk_entries, NVIDEOS);
    CHECK_INT(b.entries, NVIDEOS);
    CHECK_INT(index_exact(idx, NVIDEOS), HM_OK);
    CHECK_INT(exact(before, NVIDEOS), HM_OK);
    {
        hm_index_stats st;
        CHECK_INT(hm_snapshot_stats(before, &st), HM_OK);
        CHECK_INT(st.bytes, a.bytes); /* the earlier snapshot keeps its copies */
    }
    /* the index reads level 2 from the file now: a changed byte fails its
     * queries (the per-entry checksum), not the earlier snapshot's */
    size_t fsize = 0;
    free(read_all(path, &fsize));
    flip_byte(path, (long)fsize - 5000);
    CHECK_INT(index_exact(idx, NVIDEOS), HM_E_CORRUPT);
    CHECK_INT(exact(before, NVIDEOS), HM_OK);
    flip_byte(path, (long)fsize - 5000);
    CHECK_INT(index_exact(idx, NVIDEOS), HM_OK);
    hm_snapshot_release(before);
    /* more adds, another save: every entry reads the new file, the old
     * one no more */
    CHECK_INT(hm_index_remove(idx, l, kVideos[0], NULL), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_INT(hm_index_add_tmk(idx, l, g_ref[0], kVideos[0], NULL), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK(stats_of(idx).bytes >= b.bytes + l2); /* one added copy */
    CHECK_INT(hm_index_save(idx, path2), HM_OK);
    CHECK(stats_of(idx).bytes < b.bytes + l2);
    flip_byte(path, (long)fsize - 5000);
    CHECK_INT(index_exact(idx, NVIDEOS), HM_OK);
    size_t f2 = 0;
    free(read_all(path2, &f2));
    flip_byte(path2, (long)f2 - 5000);
    CHECK_INT(index_exact(idx, NVIDEOS), HM_E_CORRUPT);
    flip_byte(path2, (long)f2 - 5000);
    /* a section loaded into memory is released by a save too */
    CHECK_INT(hm_index_create(&m), HM_OK);
    CHECK_INT(hm_index_load_memory(m, mem, msize), HM_OK);
    const uint64_t mb = stats_of(m).bytes;
    CHECK(mb > NVIDEOS * l2);
    CHECK_INT(hm_index_save(m, path), HM_OK);
    CHECK(stats_of(m).bytes + NVIDEOS * l2 <= mb);
    CHECK_INT(index_exact(m, NVIDEOS), HM_OK);
    /* the snapshot's file holds what the index held */
    CHECK_INT(hm_index_load(m, snap_path), HM_OK);
    CHECK_INT(index_exact(m, NVIDEOS), HM_OK);
    hm_free(mem);
    hm_index_free(m);
    hm_index_free(idx);
    unlink(path);
    unlink(path2);
    unlink(snap_path);
}

/* ---- threads: queries, commits and a save at once on a loaded index ---- */

typedef struct thread_arg {
    hm_index *idx;
    size_t first;
    const char *path;
    int failures;
} thread_arg;

static void *reader(void *p) {
    thread_arg *a = p;
    hm_results *r;
    if (hm_results_create(&r) != HM_OK) {
        a->failures++;
        return NULL;
    }
    for (size_t it = 0; it < 3 * NVIDEOS; it++) {
        const size_t q = (a->first + it) % NVIDEOS;
        if (hm_index_match_tmk(a->idx, g_ref[q], NULL, r) != HM_OK) a->failures++;
        for (size_t i = 0; i < hm_results_tmk_count(r); i++) {
            const hm_tmk_match *m = hm_results_tmk_get(r, i);
            size_t v = 0;
            while (v < NVIDEOS && strcmp(kVideos[v], m->video_id) != 0) v++;
            float s1 = -2, s2 = -2;
            if (v < NVIDEOS) hm_tmk_scores(g_ref[q], g_ref[v], &s1, &s2);
            if (m->level1 != s1 || m->level2 != s2) a->failures++;
        }
    }
    hm_results_free(r);
    return NULL;
}

static void *writer(void *p) {
    thread_arg *a = p;
    for (size_t it = 0; it < NVIDEOS; it++) {
        const char *id = kVideos[it];
        if (hm_index_remove(a->idx, 0, id, NULL) != HM_OK || hm_index_commit(a->idx) != HM_OK ||
            hm_index_add_tmk(a->idx, 0, g_ref[it], id, "default") != HM_OK ||
            hm_index_commit(a->idx) != HM_OK)
            a->failures++;
        if (it % 5 == 0 && hm_index_save(a->idx, a->path) != HM_OK) a->failures++;
    }
    return NULL;
}

/* Run under ThreadSanitizer by scripts/test-all.sh. */
static void threads(const char *from, const char *path) {
    hm_index *idx;
    pthread_t t[3];
    thread_arg arg[3];
    CHECK_INT(hm_index_create(&idx), HM_OK);
    CHECK_INT(hm_index_load(idx, from), HM_OK); /* level 2 read from the file */
    for (int i = 0; i < 3; i++) {
        arg[i] = (thread_arg){idx, (size_t)i * 5, path, 0};
        CHECK_INT(pthread_create(&t[i], NULL, i == 2 ? writer : reader, &arg[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(arg[i].failures, 0);
    }
    hm_index_free(idx);
}

int main(void) {
    char dir[] = "/tmp/hm_tmk_index_XXXXXX", path[256], cut[256];
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/known.hmi", dir);
    snprintf(cut, sizeof cut, "%s/cut.hmi", dir);
    for (size_t v = 0; v < NVIDEOS; v++) {
        size_t n = 0;
        unsigned char *b = expected_tmk(kVideos[v], &n);
        CHECK(b != NULL);
        CHECK_INT(hm_tmk_from_bytes(b, n, &g_ref[v]), HM_OK);
        free(b);
    }
    hm_index *idx;
    hm_txn *txn;
    uint32_t id[NLISTS];
    CHECK_INT(hm_index_create(&idx), HM_OK);
    for (size_t l = 0; l < NLISTS; l++) {
        CHECK_INT(hm_index_list(idx, kLists[l].name, &id[l]), HM_OK);
        CHECK_INT(id[l], l);
        if (kLists[l].t1 >= 0)
            CHECK_INT(hm_index_list_set_tmk_threshold(idx, id[l], 1, kLists[l].t1), HM_OK);
        if (kLists[l].t2 >= 0)
            CHECK_INT(hm_index_list_set_tmk_threshold(idx, id[l], 2, kLists[l].t2), HM_OK);
        CHECK_INT(hm_index_list_set_enabled(idx, id[l], kLists[l].enabled), HM_OK);
    }
    /* arguments */
    CHECK_INT(hm_index_list_set_tmk_threshold(idx, 0, 3, 0.5f), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list_set_tmk_threshold(idx, 0, 1, 1.5f), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list_set_tmk_threshold(idx, 0, 1, NAN), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list_set_tmk_threshold(idx, 99, 1, 0.5f), HM_E_NOT_FOUND);
    CHECK_INT(hm_index_add_tmk(idx, 0, NULL, "x", NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_add_tmk(idx, 0, g_ref[0], NULL, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_add_tmk(idx, 0, g_ref[0], "bad\nid", NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_add_tmk(idx, 9, g_ref[0], "x", NULL), HM_E_NOT_FOUND);
    CHECK_INT(hm_index_add_tmk(NULL, 0, g_ref[0], "x", NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list_set_tmk_threshold(idx, 0, 0, 0.5f), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list_set_tmk_threshold(idx, 0, 2, -0.5f), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list_set_tmk_threshold(NULL, 0, 1, 0.5f), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_list_set_tmk_threshold(NULL, 0, 1, 0.5f), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_add_tmk(NULL, 0, g_ref[0], "x", NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_begin(idx, &txn), HM_OK);
    CHECK_INT(hm_txn_list_set_tmk_threshold(txn, 0, 2, INFINITY), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_add_tmk(txn, 0, g_ref[0], "", NULL), HM_E_INVALID_ARGUMENT);
    hm_txn_free(txn);
    {
        hm_snapshot *s;
        float t = 0;
        hm_index_acquire(idx, &s);
        CHECK_INT(hm_snapshot_list_tmk_threshold(s, 0, 1, NULL), HM_E_INVALID_ARGUMENT);
        CHECK_INT(hm_snapshot_list_tmk_threshold(NULL, 0, 1, &t), HM_E_INVALID_ARGUMENT);
        CHECK(t == -1.0f);
        CHECK_INT(hm_snapshot_list_tmk_threshold(s, 99, 1, &t), HM_E_NOT_FOUND);
        hm_snapshot_release(s);
    }
    CHECK_INT(hm_index_commit(idx), HM_OK);

    /* the first half through the index, a commit, the rest through a
     * change set: two TMK segments */
    for (size_t l = 0; l < NLISTS; l++)
        for (size_t v = 0; v < NVIDEOS / 2; v++) {
            CHECK_INT(hm_index_add_tmk(idx, id[l], g_ref[v], kVideos[v], kLists[l].name), HM_OK);
            g_present[l][v] = 1;
        }
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_INT(hm_txn_begin(idx, &txn), HM_OK);
    for (size_t l = 0; l < NLISTS; l++)
        for (size_t v = NVIDEOS / 2; v < NVIDEOS; v++) {
            CHECK_INT(hm_txn_add_tmk(txn, id[l], g_ref[v], kVideos[v], kLists[l].name), HM_OK);
            g_present[l][v] = 1;
        }
    CHECK_INT(hm_txn_commit(txn), HM_OK);
    hm_txn_free(txn);
    for (size_t l = 0; l < NLISTS; l++) CHECK_INT(list_entries(idx, id[l]), NVIDEOS);
    /* a duplicate changes nothing */
    CHECK_INT(hm_index_add_tmk(idx, id[0], g_ref[0], kVideos[0], "default"), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_INT(list_entries(idx, id[0]), NVIDEOS);
    check_matches(idx, "built");

    /* removals: one list, every list, a cleared list */
    uint64_t n = 0;
    CHECK_INT(hm_index_remove(idx, id[0], kVideos[1], &n), HM_OK);
    CHECK_INT(n, 1);
    g_present[0][1] = 0;
    CHECK_INT(hm_index_remove(idx, HM_ALL_LISTS, kVideos[2], &n), HM_OK);
    CHECK_INT(n, NLISTS);
    for (size_t l = 0; l < NLISTS; l++) g_present[l][2] = 0;
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_INT(list_entries(idx, id[0]), NVIDEOS - 2);
    CHECK_INT(list_entries(idx, id[1]), NVIDEOS - 1);
    check_matches(idx, "after removals");
    /* a list's thresholds as the snapshot sees them */
    {
        hm_snapshot *s;
        float t;
        hm_index_acquire(idx, &s);
        CHECK_INT(hm_snapshot_list_tmk_threshold(s, id[0], 1, &t), HM_OK);
        CHECK(t == HM_TMK_DEFAULT_LEVEL1_THRESHOLD);
        CHECK_INT(hm_snapshot_list_tmk_threshold(s, id[1], 2, &t), HM_OK);
        CHECK(t == 0.95f);
        CHECK_INT(hm_snapshot_list_tmk_threshold(s, id[1], 0, &t), HM_E_INVALID_ARGUMENT);
        hm_snapshot_release(s);
    }

    /* results: replaced wholly by any query, and they keep their snapshot */
    {
        hm_results *r;
        hm_results_create(&r);
        CHECK_INT(hm_index_match_tmk(idx, g_ref[0], NULL, r), HM_OK);
        CHECK(hm_results_tmk_count(r) > 0);
        hm_hash q = {0};
        q.type = HM_HASH_PDQ;
        CHECK_INT(hm_index_query(idx, &q, 1, NULL, r), HM_OK);
        CHECK_INT(hm_results_tmk_count(r), 0);
        CHECK(hm_results_tmk_get(r, 0) == NULL);
        CHECK_INT(hm_index_match_tmk(idx, NULL, NULL, r), HM_E_INVALID_ARGUMENT);
        hm_tmk_match_opts o;
        hm_tmk_match_opts_init(&o);
        o.level1 = 2.0f;
        CHECK_INT(hm_index_match_tmk(idx, g_ref[0], &o, r), HM_E_INVALID_ARGUMENT);
        o.level1 = NAN;
        CHECK_INT(hm_index_match_tmk(idx, g_ref[0], &o, r), HM_E_INVALID_ARGUMENT);
        o.level1 = -0.5f;
        CHECK_INT(hm_index_match_tmk(idx, g_ref[0], &o, r), HM_E_INVALID_ARGUMENT);
        hm_tmk_match_opts_init(&o);
        o.reserved[5] = 1; /* a later version's option */
        CHECK_INT(hm_index_match_tmk(idx, g_ref[0], &o, r), HM_E_INVALID_ARGUMENT);
        hm_tmk_match_opts_init(&o);
        o.reserved0 = 1;
        CHECK_INT(hm_index_match_tmk(idx, g_ref[0], &o, r), HM_E_INVALID_ARGUMENT);
        CHECK_INT(hm_results_tmk_count(r), 0);
        CHECK_INT(hm_index_match_tmk(idx, g_ref[0], NULL, NULL), HM_E_INVALID_ARGUMENT);
        CHECK_INT(hm_index_match_tmk(NULL, g_ref[0], NULL, r), HM_E_INVALID_ARGUMENT);
        CHECK_INT(hm_snapshot_match_tmk(NULL, g_ref[0], NULL, r), HM_E_INVALID_ARGUMENT);
        CHECK(hm_results_tmk_get(NULL, 0) == NULL && hm_results_tmk_count(NULL) == 0);
        hm_tmk_match_opts_init(&o);
        /* opts' thresholds for every list, disabled lists included */
        o.level1 = o.level2 = 0.0f;
        o.include_disabled = 1;
        CHECK_INT(hm_index_match_tmk(idx, g_ref[0], &o, r), HM_OK);
        size_t live = 0;
        for (size_t l = 0; l < NLISTS; l++)
            for (size_t v = 0; v < NVIDEOS; v++) {
                float s1, s2;
                hm_tmk_scores(g_ref[0], g_ref[v], &s1, &s2);
                live += (size_t)(g_present[l][v] && s1 >= 0 && s2 >= 0);
            }
        CHECK_INT(hm_results_tmk_count(r), live);
        const hm_tmk_match *m = hm_results_tmk_get(r, 0);
        const char *name = m->list_name, *vid = m->video_id;
        CHECK_INT(hm_index_list_clear(idx, id[3], NULL), HM_OK); /* a later snapshot */
        CHECK_INT(hm_index_commit(idx), HM_OK);
        CHECK(strlen(name) > 0 && strlen(vid) > 0); /* still valid: ASan checks */
        CHECK_INT(list_entries(idx, id[3]), 0);
        for (size_t v = 0; v < NVIDEOS; v++) g_present[3][v] = 0;
        hm_results_free(r);
    }

    /* save and load: the same matches, thresholds kept; level 2 from the
     * file */
    CHECK_INT(hm_index_save(idx, path), HM_OK);
    hm_index *b;
    CHECK_INT(hm_index_create(&b), HM_OK);
    CHECK_INT(hm_index_load(b, path), HM_OK);
    for (size_t l = 0; l < NLISTS; l++) CHECK_INT(list_entries(b, id[l]), list_entries(idx, id[l]));
    check_matches(b, "loaded");
    void *mem;
    size_t msize;
    CHECK_INT(hm_index_save_memory(b, &mem, &msize), HM_OK); /* level 2 read back from the file */
    size_t fsize = 0;
    unsigned char *file = read_all(path, &fsize);
    hm_index *c;
    hm_index_create(&c);
    CHECK_INT(hm_index_load_memory(c, mem, msize), HM_OK);
    check_matches(c, "loaded from memory");
    /* a loaded index keeps an added entry in memory, saves it with the rest */
    CHECK_INT(hm_index_add_tmk(b, id[0], g_ref[1], kVideos[1], "default"), HM_OK);
    CHECK_INT(hm_index_commit(b), HM_OK);
    g_present[0][1] = 1;
    check_matches(b, "loaded, then added to");
    g_present[0][1] = 0;

    /* the file changed after the load: an error, never a wrong score */
    write_bytes(cut, file, fsize);
    hm_index *d;
    hm_index_create(&d);
    CHECK_INT(hm_index_load(d, cut), HM_OK);
    CHECK(truncate(cut, (off_t)(fsize - 1000)) == 0);
    hm_results *r;
    hm_results_create(&r);
    /* a query at threshold 0 reads every level 2 */
    hm_tmk_match_opts o;
    hm_tmk_match_opts_init(&o);
    o.level1 = o.level2 = 0.0f;
    o.include_disabled = 1;
    CHECK_INT(hm_index_match_tmk(d, g_ref[0], &o, r), HM_E_CORRUPT);
    CHECK_INT(hm_results_tmk_count(r), 0);
    {
        void *none = NULL;
        size_t nn = 0;
        CHECK_INT(hm_index_save_memory(d, &none, &nn), HM_E_CORRUPT);
        CHECK(none == NULL);
    }
    hm_index_free(d);
    file[fsize - 5000] ^= 1; /* inside the last level-2 block */
    write_bytes(cut, file, fsize);
    hm_index_create(&d);
    /* changed before the load: hm_index_load does not read level 2, the
     * query that reads it fails; from memory, the load fails */
    CHECK_INT(hm_index_load(d, cut), HM_OK);
    CHECK_INT(hm_index_match_tmk(d, g_ref[0], &o, r), HM_E_CORRUPT);
    CHECK_INT(hm_results_tmk_count(r), 0);
    CHECK_INT(hm_index_load_memory(d, file, fsize), HM_E_CORRUPT);
    file[fsize - 5000] ^= 1;
    write_bytes(cut, file, fsize);
    CHECK_INT(hm_index_load(d, cut), HM_OK);
    file[fsize - 5000] ^= 1;
    {
        FILE *f = fopen(cut, "r+b");
        CHECK(f && fseek(f, (long)(fsize - 5000), SEEK_SET) == 0 &&
              fwrite(file + fsize - 5000, 1, 1, f) == 1);
        if (f) fclose(f);
    }
    CHECK_INT(hm_index_match_tmk(d, g_ref[0], &o, r), HM_E_CORRUPT);
    CHECK(strstr(hm_last_error(), "changed") != NULL);
    hm_index_free(d);
    hm_results_free(r);

    hash_lists();
    stats_counts(dir);
    save_releases(dir);
    {
        char saved[300];
        snprintf(saved, sizeof saved, "%s/threads.hmi", dir);
        threads(path, saved);
        unlink(saved);
    }

    /* version-1 and version-2 files (7 threshold slots per list) still
     * load, with every type's threshold at its default */
    for (int v = 1; v <= 2; v++) {
        char old[1024];
        snprintf(old, sizeof old, "%s/index-v%d.hmi", HM_TEST_DATA, v);
        hm_index *e;
        hm_index_create(&e);
        CHECK_INT(hm_index_load(e, old), HM_OK);
        hm_index_stats st;
        hm_index_stats_get(e, &st);
        CHECK(st.entries == 5 && st.lists == 1);
        hm_snapshot *snap;
        hm_list_info li;
        CHECK_INT(hm_index_acquire(e, &snap), HM_OK);
        CHECK_INT(hm_snapshot_list_info(snap, 0, &li), HM_OK);
        for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
            CHECK_INT(li.threshold[t], hm_default_threshold(t));
        hm_snapshot_release(snap);
        hm_index_free(e);
    }

    free(file);
    hm_free(mem);
    hm_index_free(c);
    hm_index_free(b);
    hm_index_free(idx);
    for (size_t v = 0; v < NVIDEOS; v++) hm_tmk_free(g_ref[v]);
    unlink(path);
    unlink(cut);
    rmdir(dir);
    return test_summary("test_tmk_index");
}
