/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hash-list ingest: each format (plain, typed, python-threatexchange CSV,
 * canonical CSV), detection, comments/CRLF/BOM, strict and lenient modes
 * with file and line in the messages, long lines, duplicates.
 */
#include <unistd.h>

#include "hashmatch.h"
#include "test_util.h"

#define PDQ1 "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
#define PDQ2 "30a10efd71cc3d429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af"
#define MD5A "900150983cd24fb0d6963f7d28e17f72"
#define SHAA "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define PH1 "ba8c84536bd3c366"

typedef struct errlog {
    int n;
    uint64_t lines[8];
} errlog;

static void on_error(void *user, const char *source, uint64_t line, const char *msg) {
    errlog *e = user;
    (void)source;
    (void)msg;
    if (e->n < 8) e->lines[e->n] = line;
    e->n++;
}

static hm_status load(hm_index *idx, const char *text, const hm_list_load_opts *o,
                      hm_list_load_report *r) {
    return hm_index_load_list_memory(idx, text, strlen(text), "mem.txt", o, r);
}

/* Entries of the committed index matching a hash string exactly. */
static size_t find(hm_index *idx, int type, const char *hex, const hm_match **first,
                   hm_results *res) {
    hm_hash h;
    hm_query_opts o;
    hm_query_opts_init(&o);
    o.radius = 0;
    hm_hash_from_string(type, hex, &h);
    hm_index_query(idx, &h, 1, &o, res);
    *first = hm_results_get(res, 0);
    return hm_results_count(res);
}

int main(void) {
    hm_index *idx;
    hm_results *res;
    hm_list_load_opts o;
    hm_list_load_report r;
    const hm_match *m;
    hm_results_create(&res);

    /* plain: one hash per line, type from the options */
    hm_index_create(&idx);
    hm_list_load_opts_init(&o);
    o.hash_type = HM_HASH_PDQ;
    o.list = "plain";
    CHECK_INT(load(idx, "# comment\n\n" PDQ1 "\r\n  " PDQ2 "  \n" PDQ1 "\n", &o, &r), HM_OK);
    CHECK_INT(r.format, HM_LIST_PLAIN);
    CHECK_INT(r.lines, 5);
    CHECK_INT(r.added, 2);
    CHECK_INT(r.duplicates, 1);
    hm_index_commit(idx);
    CHECK_INT(find(idx, HM_HASH_PDQ, PDQ2, &m, res), 1);
    CHECK_STR(m ? m->entry_id : NULL, PDQ2, "plain entry id is the hash");
    CHECK_STR(m ? m->list_name : NULL, "plain", "list from options");
    /* 32 hex digits are MD5 without options; 64 are ambiguous */
    hm_list_load_opts_init(&o);
    CHECK_INT(load(idx, MD5A "\n", &o, &r), HM_OK);
    CHECK_INT(r.added, 1);
    CHECK_INT(load(idx, PDQ1 "\n", &o, &r), HM_E_INVALID_ARGUMENT);
    CHECK(strstr(hm_index_errmsg(idx), "mem.txt:1") != NULL);
    hm_index_commit(idx);
    CHECK_INT(find(idx, HM_HASH_MD5, MD5A, &m, res), 1);
    CHECK_STR(m ? m->list_name : NULL, "mem", "default list: base name");
    hm_index_free(idx);

    /* typed lines, pytx names, unsupported signal types, BOM */
    hm_index_create(&idx);
    hm_list_load_opts_init(&o);
    CHECK_INT(load(idx, "\xef\xbb\xbfpdq " PDQ1 "\nvideo_md5 " MD5A "\nurl https://x.example/a b\n"
                   "raw_text some words here\nphash " PH1 "\nsha256 " SHAA "\n", &o, &r), HM_OK);
    CHECK_INT(r.format, HM_LIST_TYPED);
    CHECK_INT(r.added, 4);
    CHECK_INT(r.unsupported, 2);
    hm_index_commit(idx);
    CHECK_INT(find(idx, HM_HASH_PHASH, PH1, &m, res), 1);
    CHECK_INT(find(idx, HM_HASH_SHA256, SHAA, &m, res), 1);
    hm_index_free(idx);

    /* python-threatexchange dataset CSV: columns by header, quoting,
     * collab -> list, tags -> labels, negatives skipped */
    hm_index_create(&idx);
    hm_list_load_opts_init(&o);
    const char *pytx =
        "collab,signal_type,signal_str,category,tags\n"
        "\"GIFCT, test\",pdq," PDQ1 ",POSITIVE_CLASS,group:x source:y\n"
        "Sample Data,video_md5," MD5A ",INVESTIGATION_SEED,\n"
        "Sample Data,pdq," PDQ2 ",NEGATIVE_CLASS,fp\n"
        "Sample Data,url,https://example.com,POSITIVE_CLASS,\n";
    CHECK_INT(load(idx, pytx, &o, &r), HM_OK);
    CHECK_INT(r.format, HM_LIST_PYTX_CSV);
    CHECK_INT(r.added, 2);
    CHECK_INT(r.negative, 1);
    CHECK_INT(r.unsupported, 1);
    hm_index_commit(idx);
    CHECK_INT(find(idx, HM_HASH_PDQ, PDQ1, &m, res), 1);
    CHECK_STR(m ? m->list_name : NULL, "GIFCT, test", "collab is the list");
    CHECK_STR(m ? m->labels : NULL, "group:x source:y", "tags are the labels");
    CHECK_INT(find(idx, HM_HASH_PDQ, PDQ2, &m, res), 0);
    o.include_negative = 1;
    CHECK_INT(load(idx, pytx, &o, &r), HM_OK);
    CHECK_INT(r.added, 1);
    CHECK_INT(r.duplicates, 2);
    hm_index_free(idx);

    /* canonical CSV with and without its header */
    hm_index_create(&idx);
    hm_list_load_opts_init(&o);
    CHECK_INT(load(idx, "hash_type,hash,entry_id,list,labels\n"
                        "pdq," PDQ1 ",te-1,gifct,\"a, b\"\n"
                        "md5," MD5A ",te-1,gifct\n"
                        "phash," PH1 ",,,\n", &o, &r), HM_OK);
    CHECK_INT(r.format, HM_LIST_CANONICAL);
    CHECK_INT(r.added, 3);
    CHECK_INT(load(idx, "dhash,0026273b2b19550e,d-1,local,x\n", &o, &r), HM_OK);
    CHECK_INT(r.format, HM_LIST_CANONICAL);
    hm_index_commit(idx);
    CHECK_INT(find(idx, HM_HASH_PDQ, PDQ1, &m, res), 1);
    CHECK_STR(m ? m->labels : NULL, "a, b", "quoted labels");
    CHECK_STR(m ? m->entry_id : NULL, "te-1", "entry id");
    CHECK_INT(find(idx, HM_HASH_PHASH, PH1, &m, res), 1);
    CHECK_STR(m ? m->list_name : NULL, "mem", "empty list field: default list");
    uint64_t nrem;
    hm_index_remove(idx, 0, "te-1", &nrem);
    CHECK_INT(nrem, 2); /* one id, two hashes */
    hm_index_free(idx);

    /* strict: the first bad line fails the load and stages nothing */
    hm_index_create(&idx);
    hm_list_load_opts_init(&o);
    const char *broken = "pdq " PDQ1 "\nmd5 " MD5A "\nphash " PH1 "\n"
                         "phash zz8c84536bd3c366\npdq " PDQ2 "\n";
    CHECK_INT(load(idx, broken, &o, &r), HM_E_PARSE);
    CHECK(strstr(hm_index_errmsg(idx), "mem.txt:4:") != NULL);
    CHECK_INT(r.added, 0);
    hm_index_commit(idx);
    hm_index_stats st;
    hm_index_stats_get(idx, &st);
    CHECK_INT(st.entries, 0);
    CHECK_INT(st.lists, 0);
    /* lenient: skipped, counted, reported through the callback */
    errlog log = {0};
    o.strict = 0;
    o.on_error = on_error;
    o.user = &log;
    CHECK_INT(load(idx, broken, &o, &r), HM_OK);
    CHECK_INT(r.added, 4);
    CHECK_INT(r.rejected, 1);
    CHECK_INT(r.first_bad_line, 4);
    CHECK_INT(log.n, 1);
    CHECK_INT(log.lines[0], 4);
    CHECK_STR(hm_index_errmsg(idx), "", "no error after a lenient load");
    hm_index_commit(idx);
    hm_index_stats_get(idx, &st);
    CHECK_INT(st.entries, 4);
    /* malformed lines of every kind are rejected, not crashed on */
    static const char *bad_lines[] = {
        "pdq\n", "pdq " PDQ1 " extra\n", "pdq " PDQ1 "0\n", "md5 " MD5A "x\n",
        "pdq " PDQ1 ",x\n", "nosuch-type! " PDQ1 "\n"};
    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
        hm_list_load_opts_init(&o);
        o.format = HM_LIST_TYPED;
        CHECK_INT(load(idx, bad_lines[i], &o, &r), HM_E_PARSE);
    }
    hm_list_load_opts_init(&o);
    o.format = HM_LIST_CANONICAL;
    CHECK_INT(load(idx, "pdq,\"" PDQ1 ",x,y\n", &o, &r), HM_E_PARSE);
    CHECK_INT(load(idx, "pdq," PDQ1 ",a,b,c,d\n", &o, &r), HM_E_PARSE);
    o.format = HM_LIST_PYTX_CSV;
    CHECK_INT(load(idx, "a,b,c\npdq,x,y\n", &o, &r), HM_E_PARSE);

    /* a line over the limit */
    {
        size_t n = 100000;
        char *big = malloc(n + 2);
        memset(big, 'a', n);
        big[n] = '\n';
        big[n + 1] = '\0';
        hm_list_load_opts_init(&o);
        o.hash_type = HM_HASH_PDQ;
        CHECK_INT(load(idx, big, &o, &r), HM_E_LIMIT);
        CHECK(strstr(hm_index_errmsg(idx), "HM_INDEX_MAX_LINE") != NULL);
        o.strict = 0;
        CHECK_INT(load(idx, big, &o, &r), HM_OK);
        CHECK_INT(r.rejected, 1);
        free(big);
    }

    /* from a file: the default list is the file's base name */
    {
        char path[] = "/tmp/hm_ingest_XXXXXX";
        int fd = mkstemp(path);
        const char *text = "phash " PH1 "\n";
        CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        hm_index *j;
        hm_index_create(&j);
        hm_list_load_opts_init(&o);
        CHECK_INT(hm_index_load_list(j, path, &o, &r), HM_OK);
        hm_index_commit(j);
        CHECK_INT(find(j, HM_HASH_PHASH, PH1, &m, res), 1);
        CHECK_STR(m ? m->list_name : NULL, strrchr(path, '/') + 1, "file base name");
        CHECK_INT(hm_index_load_list(j, "/nonexistent/list.txt", &o, &r), HM_E_IO);
        hm_index_free(j);
        unlink(path);
    }
    hm_index_free(idx);
    hm_results_free(res);
    return test_summary("test_ingest");
}
