/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Change sets (hm_txn): changes of one writer published together and
 * alone, applied to whatever is current at commit as if the writers had
 * committed one after the other; and the index's shared change set next
 * to them.
 */
#include "hashmatch.h"
#include "test_util.h"

static hm_hash g_h[8];

/* Entry ids that query h finds at radius 0, comma-joined into buf. */
static const char *hits(hm_index *idx, const hm_hash *h, char *buf, size_t cap) {
    hm_results *res;
    hm_query_opts o;
    size_t len = 0;
    hm_results_create(&res);
    hm_query_opts_init(&o);
    o.radius = 0;
    o.include_disabled = 1;
    buf[0] = '\0';
    if (hm_index_query(idx, h, 1, &o, res) == HM_OK)
        for (size_t i = 0; i < hm_results_count(res); i++)
            len += (size_t)snprintf(buf + len, cap - len, "%s%s:%s", i ? "," : "",
                                    hm_results_get(res, i)->list_name,
                                    hm_results_get(res, i)->entry_id);
    hm_results_free(res);
    return buf;
}

static uint64_t entries(hm_index *idx) { return test_stats(idx).entries; }

/* List l as the current snapshot sees it. */
static hm_list_info list_info(hm_index *idx, uint32_t l) {
    hm_snapshot *s;
    hm_list_info li;
    memset(&li, 0, sizeof li);
    hm_index_acquire(idx, &s);
    hm_snapshot_list_info(s, l, &li);
    hm_snapshot_release(s); /* li.name dangles: not used */
    return li;
}

static uint64_t generation(hm_index *idx) { return test_stats(idx).generation; }

/* Staged in a change set: invisible until its commit, then all at once;
 * the index's shared set is not touched. */
static void basics(void) {
    hm_index *idx;
    hm_txn *t;
    uint32_t a, b;
    uint64_t n;
    char buf[256];
    hm_index_create(&idx);
    hm_index_list(idx, "a", &a);
    hm_index_add(idx, a, &g_h[0], "x", "old");
    hm_index_add(idx, a, &g_h[1], "y", NULL);
    hm_index_commit(idx);
    CHECK_INT(hm_txn_begin(idx, &t), HM_OK);
    /* replace x: remove it and add its new hash, in one change set */
    CHECK_INT(hm_txn_remove(t, a, "x", &n), HM_OK);
    CHECK_INT(n, 1);
    CHECK_INT(hm_txn_add(t, a, &g_h[2], "x", "new"), HM_OK);
    CHECK_INT(hm_index_list(idx, "b", &b), HM_OK);
    CHECK_INT(hm_txn_add(t, b, &g_h[3], "z", NULL), HM_OK);
    CHECK_INT(hm_txn_list_set_threshold(t, a, HM_HASH_PDQ, 7), HM_OK);
    CHECK_INT(hm_txn_list_set_enabled(t, b, 0), HM_OK);
    /* a commit of the shared set publishes none of it */
    hm_index_add(idx, a, &g_h[4], "w", NULL);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_STR(hits(idx, &g_h[0], buf, sizeof buf), "a:x", "x before the change set");
    CHECK_STR(hits(idx, &g_h[2], buf, sizeof buf), "", "new x before");
    CHECK_STR(hits(idx, &g_h[4], buf, sizeof buf), "a:w", "shared commit");
    const uint64_t g = generation(idx);
    CHECK_INT(hm_txn_commit(t), HM_OK);
    CHECK_INT(generation(idx), g + 1); /* one snapshot */
    CHECK_STR(hits(idx, &g_h[0], buf, sizeof buf), "", "old x after");
    CHECK_STR(hits(idx, &g_h[2], buf, sizeof buf), "a:x", "new x after");
    CHECK_STR(hits(idx, &g_h[3], buf, sizeof buf), "b:z", "z after");
    CHECK_INT(entries(idx), 4);
    hm_list_info li = list_info(idx, a);
    CHECK_INT(li.threshold[HM_HASH_PDQ], 7);
    CHECK_INT(li.entries, 3);
    li = list_info(idx, b);
    CHECK_INT(li.enabled, 0);
    CHECK_INT(li.entries, 1);
    /* the set is empty again and reusable; committing it empty publishes
     * nothing */
    CHECK_INT(hm_txn_commit(t), HM_OK);
    CHECK_INT(generation(idx), g + 1);
    CHECK_INT(hm_txn_list_clear(t, a, &n), HM_OK);
    CHECK_INT(n, 3);
    CHECK_INT(hm_txn_commit(t), HM_OK);
    CHECK_INT(entries(idx), 1);
    /* freed without a commit: discarded */
    CHECK_INT(hm_txn_add(t, a, &g_h[5], "v", NULL), HM_OK);
    hm_txn_free(t);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_STR(hits(idx, &g_h[5], buf, sizeof buf), "", "discarded");
    hm_index_free(idx);
}

/* Two writers' change sets interleaved: the result is what committing
 * them one after the other gives. */
static void interleaved(void) {
    hm_index *idx;
    hm_txn *t1, *t2;
    uint32_t a;
    uint64_t n;
    char buf[256];
    hm_index_create(&idx);
    hm_index_list(idx, "a", &a);
    hm_index_add(idx, a, &g_h[0], "x", NULL);
    hm_index_add(idx, a, &g_h[1], "y", NULL);
    hm_index_commit(idx);

    /* both add the same new entry: it is there once */
    hm_txn_begin(idx, &t1);
    hm_txn_begin(idx, &t2);
    hm_txn_add(t1, a, &g_h[2], "z", NULL);
    hm_txn_add(t2, a, &g_h[2], "z", NULL);
    CHECK_INT(hm_txn_commit(t2), HM_OK);
    CHECK_INT(hm_txn_commit(t1), HM_OK);
    CHECK_STR(hits(idx, &g_h[2], buf, sizeof buf), "a:z", "added twice, once there");
    CHECK_INT(entries(idx), 3);

    /* adding what is there publishes nothing */
    const uint64_t g = generation(idx);
    hm_txn_add(t1, a, &g_h[0], "x", NULL);
    CHECK_INT(hm_txn_commit(t1), HM_OK);
    hm_index_add(idx, a, &g_h[0], "x", NULL);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_INT(generation(idx), g);

    /* t1 adds x, present when staged; t2 removes x and commits first: x
     * is back after t1 */
    hm_txn_add(t1, a, &g_h[0], "x", NULL);
    hm_txn_remove(t2, a, "x", &n);
    CHECK_INT(n, 1);
    CHECK_INT(hm_txn_commit(t2), HM_OK);
    CHECK_STR(hits(idx, &g_h[0], buf, sizeof buf), "", "removed by t2");
    CHECK_INT(hm_txn_commit(t1), HM_OK);
    CHECK_STR(hits(idx, &g_h[0], buf, sizeof buf), "a:x", "added back by t1");

    /* t1 removes y; t2 gives y another hash and commits first: t1's
     * removal takes both */
    hm_txn_remove(t1, a, "y", &n);
    CHECK_INT(n, 1);
    hm_txn_add(t2, a, &g_h[3], "y", NULL);
    CHECK_INT(hm_txn_commit(t2), HM_OK);
    CHECK_INT(hm_txn_commit(t1), HM_OK);
    CHECK_STR(hits(idx, &g_h[1], buf, sizeof buf), "", "y removed");
    CHECK_STR(hits(idx, &g_h[3], buf, sizeof buf), "", "y's other hash removed");

    /* t1 clears the list; t2 adds to it and commits first: cleared */
    hm_txn_list_clear(t1, a, &n);
    CHECK_INT(n, 2);
    hm_txn_add(t2, a, &g_h[4], "w", NULL);
    CHECK_INT(hm_txn_commit(t2), HM_OK);
    CHECK_INT(entries(idx), 3);
    CHECK_INT(hm_txn_commit(t1), HM_OK);
    CHECK_INT(entries(idx), 0);

    /* removal from every list covers a list named after it was staged */
    uint32_t late;
    hm_index_add(idx, a, &g_h[5], "v", NULL);
    hm_index_commit(idx);
    hm_txn_remove(t1, HM_ALL_LISTS, "v", &n);
    CHECK_INT(n, 1);
    hm_index_list(idx, "late", &late);
    hm_txn_add(t2, late, &g_h[6], "v", NULL);
    CHECK_INT(hm_txn_commit(t2), HM_OK);
    CHECK_INT(hm_txn_commit(t1), HM_OK);
    CHECK_INT(entries(idx), 0);

    /* settings of two sets: both */
    hm_txn_list_set_threshold(t1, a, HM_HASH_PDQ, 12);
    hm_txn_list_set_enabled(t2, a, 0);
    CHECK_INT(hm_txn_commit(t1), HM_OK);
    CHECK_INT(hm_txn_commit(t2), HM_OK);
    const hm_list_info li = list_info(idx, a);
    CHECK_INT(li.threshold[HM_HASH_PDQ], 12);
    CHECK_INT(li.enabled, 0);
    hm_txn_free(t1);
    hm_txn_free(t2);
    hm_index_free(idx);
}

/* Lists, videos and a load of an index file. */
static void lists_videos_load(void) {
    hm_index *idx;
    hm_txn *t;
    uint32_t v;
    hm_list_load_opts o;
    hm_list_load_report rep;
    char text[512], hex[HM_HASH_STRING_MAX], buf[256];
    hm_index_create(&idx);
    hm_txn_begin(idx, &t);
    hm_hash_to_string(&g_h[0], hex, sizeof hex);
    snprintf(text, sizeof text, "pdq,%s,e1,feed\n", hex);
    hm_list_load_opts_init(&o);
    CHECK_INT(hm_txn_load_list_memory(t, text, strlen(text), "feed.csv", &o, &rep), HM_OK);
    CHECK_INT(rep.added, 1);
    /* a strict load that fails stages nothing of its file */
    snprintf(text, sizeof text, "pdq,%s,e2,feed\npdq,zz,e3,feed\n", hex);
    CHECK_INT(hm_txn_load_list_memory(t, text, strlen(text), "feed.csv", &o, &rep), HM_E_PARSE);
    CHECK(strstr(hm_last_error(), "feed.csv:2") != NULL);
    hm_index_stats stats;
    CHECK_INT(hm_index_stats_get(idx, &stats), HM_OK);
    CHECK_STR(hm_last_error(), "", "a call that succeeds clears the message");
    hm_video_frame fr[3];
    memset(fr, 0, sizeof fr);
    for (int i = 0; i < 3; i++) {
        fr[i].nhashes = 1;
        fr[i].timestamp = i;
        fr[i].hashes[0] = g_h[5 + i];
        fr[i].hashes[0].quality = 80;
    }
    size_t added = 0;
    hm_index_list(idx, "videos", &v);
    CHECK_INT(hm_txn_add_video(t, v, fr, 3, "clip", NULL, &added), HM_OK);
    CHECK_INT(added, 3);
    CHECK_INT(entries(idx), 0);
    CHECK_INT(hm_txn_commit(t), HM_OK);
    CHECK_INT(entries(idx), 4);
    CHECK_STR(hits(idx, &g_h[0], buf, sizeof buf), "feed:e1", "loaded list");
    CHECK_STR(hits(idx, &g_h[6], buf, sizeof buf), "videos:clip", "video frame");
    /* hm_index_load replaces the content: a set begun before is cancelled */
    void *file;
    size_t size;
    hm_txn_add(t, v, &g_h[1], "other", NULL);
    CHECK_INT(hm_index_save_memory(idx, &file, &size), HM_OK);
    CHECK_INT(hm_index_load_memory(idx, file, size), HM_OK);
    CHECK_INT(hm_txn_commit(t), HM_E_CANCELLED);
    CHECK(strstr(hm_last_error(), "hm_index_load") != NULL);
    CHECK_INT(hm_txn_add(t, v, &g_h[1], "other", NULL), HM_E_CANCELLED);
    hm_txn_free(t);
    CHECK_INT(hm_txn_begin(idx, &t), HM_OK); /* a new one works */
    CHECK_INT(hm_txn_add(t, v, &g_h[1], "other", NULL), HM_OK);
    CHECK_INT(hm_txn_commit(t), HM_OK);
    CHECK_INT(entries(idx), 5);
    hm_free(file);
    hm_txn_free(t);
    hm_index_free(idx);
}

static void bad_arguments(void) {
    hm_index *idx;
    hm_txn *t = (hm_txn *)&t;
    uint64_t n = 7;
    size_t added = 7;
    hm_index_create(&idx);
    CHECK_INT(hm_txn_begin(NULL, &t), HM_E_INVALID_ARGUMENT);
    CHECK(t == NULL);
    CHECK_INT(hm_txn_begin(idx, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_add(NULL, 0, &g_h[0], "x", NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_remove(NULL, 0, "x", &n), HM_E_INVALID_ARGUMENT);
    CHECK_INT(n, 0);
    CHECK_INT(hm_txn_commit(NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_add_video(NULL, 0, NULL, 0, "v", NULL, &added), HM_E_INVALID_ARGUMENT);
    CHECK_INT(added, 0);
    CHECK(strlen(hm_last_error()) > 0);
    hm_txn_free(NULL);
    hm_txn_begin(idx, &t);
    CHECK_INT(hm_txn_add(t, 3, &g_h[0], "x", NULL), HM_E_NOT_FOUND);
    CHECK(strstr(hm_last_error(), "no list") != NULL);
    uint32_t l;
    hm_index_list(idx, "l", &l);
    CHECK_INT(hm_txn_add(t, l, NULL, "x", NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_add(t, l, &g_h[0], "bad\nid", NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_remove(t, l, NULL, &n), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_list_set_threshold(t, l, HM_HASH_PHASH, 65), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_list_set_threshold(t, l, HM_HASH_MD5, 1), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_list_set_enabled(t, l, 2), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_load_list(t, "/nonexistent/list.txt", NULL, NULL), HM_E_IO);
    CHECK_INT(hm_txn_load_list(t, NULL, NULL, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_txn_commit(t), HM_OK); /* nothing was staged */
    CHECK_INT(entries(idx), 0);
    hm_txn_free(t);
    hm_index_free(idx);
}

/* A change set may be freed after its index (the bindings' collectors
 * free in any order): it holds only its own memory and a snapshot. */
static void freed_after_index(void) {
    hm_index *idx;
    hm_txn *t;
    uint32_t l;
    hm_index_create(&idx);
    hm_index_list(idx, "l", &l);
    hm_index_add(idx, l, &g_h[0], "x", NULL);
    hm_index_commit(idx);
    hm_txn_begin(idx, &t);
    CHECK_INT(hm_txn_remove(t, l, "x", NULL), HM_OK); /* holds its base snapshot */
    CHECK_INT(hm_txn_add(t, l, &g_h[1], "y", "labels"), HM_OK);
    hm_index_free(idx);
    hm_txn_free(t); /* ASan: nothing of the index is touched */
}

/* The name the current snapshot gives list l, into buf. */
static const char *name_of(hm_index *idx, uint32_t l, char *buf, size_t cap) {
    hm_snapshot *s;
    hm_list_info li;
    hm_index_acquire(idx, &s);
    buf[0] = '\0';
    if (hm_snapshot_list_info(s, l, &li) == HM_OK) snprintf(buf, cap, "%s", li.name);
    hm_snapshot_release(s);
    return buf;
}

/* Renames: staged like settings, published by the commit, never two lists
 * of one name (checked when staged and again at commit), kept by a save. */
static void renames(void) {
    hm_index *idx, *back;
    hm_txn *t1, *t2;
    hm_snapshot *before;
    hm_list_info li;
    uint32_t a, b, c, id;
    char buf[256];
    hm_index_create(&idx);
    hm_index_list(idx, "a", &a);
    hm_index_list(idx, "b", &b);
    hm_index_add(idx, a, &g_h[0], "x", NULL);
    hm_index_add(idx, b, &g_h[1], "y", NULL);
    hm_index_commit(idx);
    CHECK_STR(hits(idx, &g_h[0], buf, sizeof buf), "a:x", "renames");

    /* bad arguments */
    CHECK_INT(hm_index_list_rename(NULL, a, "n"), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list_rename(idx, 99, "n"), HM_E_NOT_FOUND);
    CHECK_INT(hm_index_list_rename(idx, a, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list_rename(idx, a, ""), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list_rename(idx, a, "tab\there"), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list_rename(idx, a, "b"), HM_E_INVALID_ARGUMENT);
    CHECK(strstr(hm_last_error(), "list 1 has that name") != NULL);
    CHECK_INT(hm_txn_list_rename(NULL, a, "n"), HM_E_INVALID_ARGUMENT);

    /* staged: the old name until the commit, and for snapshots before */
    CHECK_INT(hm_index_list_rename(idx, a, "renamed"), HM_OK);
    CHECK_STR(hits(idx, &g_h[0], buf, sizeof buf), "a:x", "renames");
    CHECK_INT(hm_index_list(idx, "a", &id), HM_OK);
    CHECK_INT(id, a);
    hm_index_acquire(idx, &before);
    const uint64_t g = generation(idx);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK(generation(idx) == g + 1);
    CHECK_STR(hits(idx, &g_h[0], buf, sizeof buf), "renamed:x", "renames");
    CHECK_STR(name_of(idx, a, buf, sizeof buf), "renamed", "renames");
    CHECK_INT(hm_snapshot_list_info(before, a, &li), HM_OK);
    CHECK_STR(li.name, "a", "renames");
    CHECK_INT(hm_snapshot_list_find(before, "a", &id), HM_OK);
    CHECK_INT(hm_snapshot_list_find(before, "renamed", &id), HM_E_NOT_FOUND);
    /* the old name is free again; the list under it is a new one */
    CHECK_INT(hm_index_list(idx, "renamed", &id), HM_OK);
    CHECK_INT(id, a);
    CHECK_INT(hm_index_list(idx, "a", &c), HM_OK);
    CHECK(c != a && c != b);
    /* renamed twice while a snapshot holds the first name: it stays readable */
    CHECK_INT(hm_index_list_rename(idx, a, "again"), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_STR(li.name, "a", "renames");
    hm_snapshot_release(before);
    CHECK_STR(hits(idx, &g_h[0], buf, sizeof buf), "again:x", "renames");
    /* its own name: nothing changes */
    CHECK_INT(hm_index_list_rename(idx, a, "again"), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_STR(name_of(idx, a, buf, sizeof buf), "again", "renames");

    /* two change sets after one name: the second commit fails whole */
    hm_txn_begin(idx, &t1);
    hm_txn_begin(idx, &t2);
    CHECK_INT(hm_txn_list_rename(t1, a, "z"), HM_OK);
    CHECK_INT(hm_txn_list_rename(t2, b, "z"), HM_OK); /* t2 cannot see t1's */
    CHECK_INT(hm_txn_list_set_enabled(t2, b, 0), HM_OK);
    CHECK_INT(hm_txn_commit(t1), HM_OK);
    const uint64_t g2 = generation(idx);
    CHECK_INT(hm_txn_commit(t2), HM_E_INVALID_ARGUMENT);
    CHECK(strstr(hm_last_error(), "has that name now") != NULL);
    CHECK(generation(idx) == g2);
    CHECK_STR(name_of(idx, b, buf, sizeof buf), "b", "renames");
    CHECK_INT(list_info(idx, b).enabled, 1);
    CHECK_INT(hm_txn_list_rename(t2, b, "w"), HM_OK); /* staged again: commits */
    CHECK_INT(hm_txn_commit(t2), HM_OK);
    CHECK_STR(name_of(idx, b, buf, sizeof buf), "w", "renames");
    CHECK_INT(list_info(idx, b).enabled, 0);
    /* a list named meanwhile takes the name first */
    CHECK_INT(hm_txn_list_rename(t1, a, "fresh"), HM_OK);
    CHECK_INT(hm_index_list(idx, "fresh", &id), HM_OK);
    CHECK_INT(hm_txn_commit(t1), HM_E_INVALID_ARGUMENT);
    hm_txn_free(t1);
    hm_txn_free(t2);

    /* a swap in one set, through a free name */
    CHECK_INT(hm_index_list_rename(idx, a, "tmp"), HM_OK);
    CHECK_INT(hm_index_list_rename(idx, b, "z"), HM_OK);
    CHECK_INT(hm_index_list_rename(idx, c, "z"), HM_E_INVALID_ARGUMENT);
    CHECK(strstr(hm_last_error(), "being renamed to it") != NULL);
    CHECK_INT(hm_index_list_rename(idx, a, "w"), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    CHECK_STR(hits(idx, &g_h[0], buf, sizeof buf), "w:x", "renames");
    CHECK_STR(hits(idx, &g_h[1], buf, sizeof buf), "z:y", "renames");
    CHECK(list_info(idx, a).hits > 0); /* the counter stayed with the list */

    /* saved and loaded under the new names */
    void *file;
    size_t size;
    CHECK_INT(hm_index_save_memory(idx, &file, &size), HM_OK);
    hm_index_create(&back);
    CHECK_INT(hm_index_load_memory(back, file, size), HM_OK);
    CHECK_STR(hits(back, &g_h[0], buf, sizeof buf), "w:x", "renames");
    CHECK_INT(hm_index_list(back, "z", &id), HM_OK);
    CHECK_INT(id, b);
    CHECK_INT(hm_index_list_rename(back, b, "after-load"), HM_OK);
    CHECK_INT(hm_index_commit(back), HM_OK);
    CHECK_STR(hits(back, &g_h[1], buf, sizeof buf), "after-load:y", "renames");
    hm_free(file);
    hm_index_free(back);
    hm_index_free(idx);
}

int main(void) {
    for (int i = 0; i < 8; i++) test_random_hash(&g_h[i], HM_HASH_PDQ);
    basics();
    interleaved();
    lists_videos_load();
    bad_arguments();
    freed_after_index();
    renames();
    return test_summary("test_txn");
}
