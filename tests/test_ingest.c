/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hash-list ingest: each format (plain, typed, python-threatexchange CSV,
 * canonical CSV), detection, comments/CRLF/BOM, strict and lenient modes
 * with file and line in the messages, long lines, duplicates; type names
 * (mistyped, known but not indexed), text that is not UTF-8 or holds NUL
 * bytes, garbage files, and files from which nothing loads.
 */
#include <stddef.h>
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

/* As load(), for text with NUL bytes. */
static hm_status loadn(hm_index *idx, const char *text, size_t n, const hm_list_load_opts *o,
                       hm_list_load_report *r) {
    return hm_index_load_list_memory(idx, text, n, "mem.txt", o, r);
}

static int has(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

static uint64_t entries(hm_index *idx) {
    hm_index_stats st;
    hm_index_stats_get(idx, &st);
    return st.entries;
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

/* Type names: a mistyped one is an error (strict) or a counted skip
 * (lenient) in every format that names types; python-threatexchange's
 * signal types that we do not index are counted as unsupported. */
static void test_type_names(void) {
    hm_index *idx;
    hm_list_load_opts o;
    hm_list_load_report r;
    errlog log = {0};
    hm_index_create(&idx);
    hm_list_load_opts_init(&o);
    /* "pdg,<hash>" (the typo) is read as canonical CSV and fails */
    CHECK_INT(load(idx, "pdq," PDQ2 "\npdg," PDQ1 "\n", &o, &r), HM_E_PARSE);
    CHECK_INT(r.format, HM_LIST_CANONICAL);
    CHECK(has(hm_last_error(), "mem.txt:2: unknown hash type \"pdg\""));
    CHECK(has(hm_last_error(), "known: pdq, phash, dhash, ahash, md5, sha256"));
    CHECK_INT(r.unknown_type, 1);
    CHECK_INT(r.added, 0);
    CHECK_INT(r.unsupported, 0);
    /* alone on the first line too (detection must not make it "plain") */
    CHECK_INT(load(idx, "pdg," PDQ1 "\n", &o, &r), HM_E_PARSE);
    CHECK(has(hm_last_error(), "mem.txt:1: unknown hash type \"pdg\""));
    /* typed lines, pytx CSV, and explicit formats */
    CHECK_INT(load(idx, "pdg " PDQ1 "\n", &o, &r), HM_E_PARSE);
    CHECK_INT(r.format, HM_LIST_TYPED);
    CHECK(has(hm_last_error(), "unknown hash type \"pdg\""));
    CHECK_INT(load(idx, "signal_type,signal_str\npdg," PDQ1 "\n", &o, &r), HM_E_PARSE);
    CHECK(has(hm_last_error(), "mem.txt:2: unknown hash type \"pdg\""));
    o.format = HM_LIST_CANONICAL;
    CHECK_INT(load(idx, "PDQ," PDQ1 "\n", &o, &r), HM_E_PARSE); /* names are exact */
    CHECK_INT(load(idx, "tmk," PDQ1 "\n", &o, &r), HM_E_PARSE); /* not a .tmk's base64 */
    CHECK(has(hm_last_error(), "bad tmk hash"));
    /* "video_vpdq" was never pytx's name (its vPDQ type is "vpdq") */
    CHECK_INT(load(idx, "video_vpdq,[],v1,l\n", &o, &r), HM_E_PARSE);
    CHECK(has(hm_last_error(), "unknown hash type \"video_vpdq\""));
    o.format = HM_LIST_TYPED;
    CHECK_INT(load(idx, "text some words\n", &o, &r), HM_E_PARSE);
    hm_index_commit(idx);
    CHECK_INT(entries(idx), 0);

    /* lenient: skipped, counted, each reported with its line */
    hm_list_load_opts_init(&o);
    o.strict = 0;
    o.on_error = on_error;
    o.user = &log;
    CHECK_INT(load(idx, "pdq," PDQ1 "\npdg," PDQ2 "\nphash," PH1 "\nnosuch," PDQ2 "\n"
                        "md5,zz\n", &o, &r), HM_OK);
    CHECK_INT(r.added, 2);
    CHECK_INT(r.rejected, 3);
    CHECK_INT(r.unknown_type, 2);
    CHECK_INT(r.first_bad_line, 2);
    CHECK_INT(log.n, 3);
    CHECK_INT(log.lines[0], 2);
    CHECK_INT(log.lines[1], 4);
    CHECK_INT(log.lines[2], 5);
    hm_index_commit(idx);
    CHECK_INT(entries(idx), 2);
    hm_index_free(idx);

    /* every python-threatexchange signal type we do not read (its
     * get_name(), threatexchange 1.2.6) is unsupported, never an error, in
     * typed lines, canonical and pytx CSV; its video_tmk_pdqf is read
     * (test_tmk_index.c) */
    static const char *pytx[] = {"raw_text", "text_md5", "url",  "url_md5",
                                 "trend_query", "vpdq",  "tlsh", "text_tlsh",
                                 "pdq_ocr",  "clip",     "sscd"};
    const size_t np = sizeof pytx / sizeof pytx[0];
    char text[2048], csv[2048], ptx[2048];
    size_t a = 0, b = 0, c = 0;
    c += (size_t)snprintf(ptx, sizeof ptx, "signal_type,signal_str,collab\n");
    for (size_t i = 0; i < np; i++) {
        a += (size_t)snprintf(text + a, sizeof text - a, "%s some signal\n", pytx[i]);
        b += (size_t)snprintf(csv + b, sizeof csv - b, "%s,\"a, b\",id%zu,l\n", pytx[i], i);
        c += (size_t)snprintf(ptx + c, sizeof ptx - c, "%s,sig,collab\n", pytx[i]);
    }
    snprintf(text + a, sizeof text - a, "pdq " PDQ1 "\n");
    snprintf(csv + b, sizeof csv - b, "pdq," PDQ1 ",,\n");
    snprintf(ptx + c, sizeof ptx - c, "pdq," PDQ1 ",collab\n");
    const char *files[3] = {text, csv, ptx};
    const int formats[3] = {HM_LIST_TYPED, HM_LIST_CANONICAL, HM_LIST_PYTX_CSV};
    for (int k = 0; k < 3; k++) {
        hm_index_create(&idx);
        hm_list_load_opts_init(&o);
        CHECK_INT(load(idx, files[k], &o, &r), HM_OK);
        CHECK_INT(r.format, formats[k]);
        CHECK_INT(r.unsupported, np);
        CHECK_INT(r.added, 1);
        CHECK_INT(r.rejected + r.unknown_type, 0);
        hm_index_free(idx);
    }
    /* ... but a file of nothing else loads nothing: an error */
    hm_index_create(&idx);
    hm_list_load_opts_init(&o);
    CHECK_INT(load(idx, "url https://example.com/a\nraw_text some words\n", &o, &r),
              HM_E_UNKNOWN_FORMAT);
    CHECK_INT(r.unsupported, 2);
    CHECK(has(hm_last_error(), "mem.txt: nothing loaded from 2 lines"));
    CHECK(has(hm_last_error(), "2 of signal types libhashmatch does not index"));
    hm_index_free(idx);
}

/* Bare hashes: the type from the length only where one type has it. */
static void test_plain(void) {
    hm_index *idx;
    hm_list_load_opts o;
    hm_list_load_report r;
    hm_index_create(&idx);
    hm_list_load_opts_init(&o);
    CHECK_INT(load(idx, PDQ1 "\n", &o, &r), HM_E_INVALID_ARGUMENT);
    CHECK(has(hm_last_error(), "mem.txt:1: a bare hash of 64 hex digits may be pdq or "
                                    "sha256"));
    CHECK_INT(r.format, HM_LIST_PLAIN);
    CHECK_INT(load(idx, PH1 "\n", &o, &r), HM_E_INVALID_ARGUMENT);
    CHECK(has(hm_last_error(),
              "may be phash, dhash, ahash, phashorg_v09, phashorg_2014 or phashorg_2026"));
    CHECK_INT(load(idx, "0123456789abcdef0123\n", &o, &r), HM_E_PARSE);
    CHECK(has(hm_last_error(), "no hash type has 20 hex digits"));
    CHECK_INT(load(idx, "garbage\n", &o, &r), HM_E_PARSE);
    CHECK(has(hm_last_error(), "expected a hash of hex digits, found \"garbage\""));
    o.hash_type = HM_HASH_SHA256;
    CHECK_INT(load(idx, PDQ1 "\n", &o, &r), HM_OK);
    CHECK_INT(r.added, 1);
    hm_index_free(idx);
}

/* Garbage files fail in both modes and stage nothing. */
static void test_garbage(void) {
    hm_index *idx;
    hm_list_load_opts o;
    hm_list_load_report r;
    hm_index_create(&idx);
    hm_list_load_opts_init(&o);
    const char *words = "hello world\nthis is not a hash list\n";
    CHECK_INT(load(idx, words, &o, &r), HM_E_PARSE);
    CHECK(has(hm_last_error(), "mem.txt:1: unknown hash type \"hello\""));
    CHECK_INT(r.unsupported, 0);
    o.strict = 0;
    CHECK_INT(load(idx, words, &o, &r), HM_E_UNKNOWN_FORMAT);
    CHECK_INT(r.rejected, 2);
    CHECK(has(hm_last_error(), "nothing loaded from 2 lines of content read as "
                                    "\"<type> <hash>\" lines: 2 rejected (the first at "
                                    "line 1)"));
    /* bytes of every value, NULs included */
    size_t n = 3000;
    char *bin = malloc(n);
    for (size_t i = 0; i < n; i++) bin[i] = (char)(test_rand() >> 56);
    for (int strict = 0; strict < 2; strict++)
        for (int f = HM_LIST_AUTO; f <= HM_LIST_CANONICAL; f++) {
            hm_list_load_opts_init(&o);
            o.strict = strict;
            o.format = f;
            o.hash_type = HM_HASH_PDQ;
            const hm_status st = loadn(idx, bin, n, &o, &r);
            CHECK(st == (strict ? HM_E_PARSE : HM_E_UNKNOWN_FORMAT) ||
                  (f == HM_LIST_PYTX_CSV && st == HM_E_PARSE));
            CHECK_INT(r.added, 0);
        }
    free(bin);
    hm_index_commit(idx);
    CHECK_INT(entries(idx), 0);
    hm_index_stats st;
    hm_index_stats_get(idx, &st);
    CHECK_INT(st.lists, 0);
    hm_index_free(idx);
}

/* NUL bytes and invalid UTF-8 in any field: line-numbered errors (strict)
 * or counted skips (lenient), never a line cut short. */
static void test_text(void) {
    hm_index *idx;
    hm_results *res;
    hm_list_load_opts o;
    hm_list_load_report r;
    const hm_match *m;
    errlog log = {0};
    hm_results_create(&res);
    hm_index_create(&idx);
    hm_list_load_opts_init(&o);
    /* the NUL once cut the line: the entry landed in list "gifct" with id
     * "te-1"; now the line is bad */
    static const char nul[] = "pdq," PDQ2 ",te-2,local\n"
                              "pdq," PDQ1 ",te-1,gifct\0,ignored\n";
    CHECK_INT(loadn(idx, nul, sizeof nul - 1, &o, &r), HM_E_PARSE);
    CHECK(has(hm_last_error(), "mem.txt:2: NUL byte at byte 80 of the line"));
    static const char nul_only[] = "\0\0\0\n" PDQ1 "\n";
    o.hash_type = HM_HASH_PDQ;
    CHECK_INT(loadn(idx, nul_only, sizeof nul_only - 1, &o, &r), HM_E_PARSE);
    CHECK(has(hm_last_error(), "mem.txt:1: NUL byte at byte 1"));
    o.hash_type = 0;
    o.strict = 0;
    o.on_error = on_error;
    o.user = &log;
    CHECK_INT(loadn(idx, nul, sizeof nul - 1, &o, &r), HM_OK);
    CHECK_INT(r.added, 1);
    CHECK_INT(r.rejected, 1);
    CHECK_INT(r.first_bad_line, 2);
    CHECK_INT(log.n, 1);
    hm_index_commit(idx);
    CHECK_INT(find(idx, HM_HASH_PDQ, PDQ1, &m, res), 0);
    CHECK_INT(find(idx, HM_HASH_PDQ, PDQ2, &m, res), 1);

    /* malformed UTF-8 in the id, the list and the labels, in both CSVs;
     * overlong forms and surrogates are malformed too */
    static const char *bad[] = {
        "pdq," PDQ1 ",te-\xff,gifct,x\n",       "pdq," PDQ1 ",te-1,gif\xc3,x\n",
        "pdq," PDQ1 ",te-1,gifct,caf\xe9\n",    "pdq," PDQ1 ",te-\xc0\xaf,gifct,x\n",
        "pdq," PDQ1 ",te-\xed\xa0\x80,gifct,x\n", "pdq," PDQ1 ",te-1,gifct,\xf4\x90\x80\x80\n",
        "signal_type,signal_str,collab,tags\npdq," PDQ1 ",gif\xe9,x\n",
        "signal_type,signal_str,collab,tags\npdq," PDQ1 ",gifct,caf\xe9\n",
        "pdq " PDQ1 " \x80\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hm_list_load_opts_init(&o);
        CHECK_INT(load(idx, bad[i], &o, &r), HM_E_PARSE);
        CHECK(has(hm_last_error(), "not UTF-8: byte 0x"));
        CHECK(has(hm_last_error(), i == 6 || i == 7 ? "mem.txt:2:" : "mem.txt:1:"));
        o.strict = 0;
        CHECK_INT(load(idx, bad[i], &o, &r), HM_E_UNKNOWN_FORMAT); /* its only entry */
        CHECK_INT(r.rejected, 1);
    }
    hm_list_load_opts_init(&o);
    CHECK_INT(load(idx, "pdq," PDQ1 ",te-1,gifct,caf\xe9\n", &o, &r), HM_E_PARSE);
    CHECK(has(hm_last_error(), "byte 0xe9 at byte 84 of the line"));
    static const char utf16[] = "\xff\xfeh\0a\0s\0h\0";
    CHECK_INT(loadn(idx, utf16, sizeof utf16 - 1, &o, &r), HM_E_PARSE);
    CHECK(has(hm_last_error(), "mem.txt:1: the file is UTF-16"));
    /* well-formed UTF-8 is kept byte for byte */
    CHECK_INT(load(idx, "pdq," PDQ1 ",\xe2\x80\x94id,caf\xc3\xa9,\xf0\x9f\x90\x88 cat\n", &o, &r),
              HM_OK);
    hm_index_commit(idx);
    CHECK_INT(find(idx, HM_HASH_PDQ, PDQ1, &m, res), 1);
    CHECK_STR(m ? m->entry_id : NULL, "\xe2\x80\x94id", "UTF-8 id");
    CHECK_STR(m ? m->list_name : NULL, "caf\xc3\xa9", "UTF-8 list");
    CHECK_STR(m ? m->labels : NULL, "\xf0\x9f\x90\x88 cat", "UTF-8 labels");

    /* the options' list and labels are held to the same rules */
    uint32_t list;
    hm_list_load_opts_init(&o);
    o.list = "bad\xff";
    CHECK_INT(load(idx, "pdq " PDQ1 "\n", &o, &r), HM_E_INVALID_ARGUMENT);
    CHECK(has(hm_last_error(), "bad list-load options"));
    o.list = NULL;
    o.labels = "caf\xe9";
    CHECK_INT(load(idx, "pdq " PDQ1 "\n", &o, &r), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list(idx, "lat\xe9n", &list), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_list(idx, "caf\xc3\xa9", &list), HM_OK);
    /* a file name that is not UTF-8 still gives a valid default list */
    hm_list_load_opts_init(&o);
    CHECK_INT(hm_index_load_list_memory(idx, "pdq " PDQ2 "\n", 69, "dir/lat\xe9n.txt", &o, &r),
              HM_OK);
    hm_index_commit(idx);
    CHECK_INT(find(idx, HM_HASH_PDQ, PDQ2, &m, res), 2);
    int named = 0;
    for (size_t i = 0; i < hm_results_count(res); i++)
        named += strcmp(hm_results_get(res, i)->list_name, "lat\xef\xbf\xbdn") == 0;
    CHECK_INT(named, 1);
    hm_index_free(idx);
    hm_results_free(res);
}

/* Files with no content load nothing and succeed; so do reloads and
 * files of skipped negatives. */
static void test_empty(void) {
    hm_index *idx;
    hm_list_load_opts o;
    hm_list_load_report r;
    hm_index_create(&idx);
    hm_list_load_opts_init(&o);
    static const char *empty[] = {"", "\n\n", "# only\n  # comments\n\r\n",
                                  "\xef\xbb\xbf# a BOM and a comment\n",
                                  "hash_type,hash,entry_id,list,labels\n",
                                  "signal_type,signal_str,collab,category,tags\n"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        CHECK_INT(load(idx, empty[i], &o, &r), HM_OK);
        CHECK_INT(r.added, 0);
        CHECK_INT(r.rejected, 0);
    }
    const char *list = "pdq " PDQ1 "\nmd5 " MD5A "\n";
    CHECK_INT(load(idx, list, &o, &r), HM_OK);
    CHECK_INT(r.added, 2);
    CHECK_INT(load(idx, list, &o, &r), HM_OK); /* staged already */
    CHECK_INT(r.duplicates, 2);
    hm_index_commit(idx);
    CHECK_INT(load(idx, list, &o, &r), HM_OK); /* committed already */
    CHECK_INT(r.added, 0);
    CHECK_INT(r.duplicates, 2);
    CHECK_INT(load(idx, "signal_type,signal_str,category\npdq," PDQ2 ",NEGATIVE_CLASS\n", &o,
                   &r), HM_OK);
    CHECK_INT(r.negative, 1);
    hm_index_free(idx);
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
    CHECK(strstr(hm_last_error(), "mem.txt:1") != NULL);
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
    CHECK(strstr(hm_last_error(), "mem.txt:4:") != NULL);
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
    CHECK_STR(hm_last_error(), "", "no error after a lenient load");
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
        CHECK(strstr(hm_last_error(), "HM_INDEX_MAX_LINE") != NULL);
        o.strict = 0;
        /* lenient: skipped; with nothing else in the file nothing loads */
        CHECK_INT(load(idx, big, &o, &r), HM_E_UNKNOWN_FORMAT);
        CHECK_INT(r.rejected, 1);
        char *big2 = malloc(n + 2 + 65);
        memcpy(big2, big, n + 1);
        strcpy(big2 + n + 1, PDQ1 "\n");
        CHECK_INT(load(idx, big2, &o, &r), HM_OK);
        CHECK_INT(r.rejected, 1);
        CHECK_INT(r.added + r.duplicates, 1);
        free(big2);
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

    /* the report grew into its reserved space: same size and layout */
    CHECK_INT(sizeof(hm_list_load_report), 96);
    CHECK_INT(offsetof(hm_list_load_report, first_bad_line), 56);
    CHECK_INT(offsetof(hm_list_load_report, unknown_type), 64);
    test_type_names();
    test_plain();
    test_garbage();
    test_text();
    test_empty();
    return test_summary("test_ingest");
}
