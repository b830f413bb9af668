/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Index files: a saved snapshot loads back to the same lists and the same
 * answers; every flipped byte and every truncation is rejected with
 * HM_E_CORRUPT and leaves the loaded index as it was; saving is atomic
 * (a failed save leaves the old file and no temporary file); a save
 * removes the temporaries that dead writers left, and only those; every
 * field the format documents as checked is checked.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hashmatch.h"
#include "index_file.h"
#include "test_util.h"

#define NQ 40
static hm_hash g_queries[NQ];

/* An index with three lists, all hash types, labels, removals and
 * several segments. */
static hm_index *make_index(void) {
    hm_index *idx;
    uint32_t l[3];
    hm_index_create(&idx);
    hm_index_list(idx, "gifct", &l[0]);
    hm_index_list(idx, "tcap \"quoted\", with comma", &l[1]);
    hm_index_list(idx, "off", &l[2]);
    hm_index_list_set_threshold(idx, l[1], HM_HASH_PDQ, 40);
    hm_index_list_set_threshold(idx, l[1], HM_HASH_PHASH, 4);
    hm_index_list_set_enabled(idx, l[2], 0);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 700; i++) {
            hm_hash h;
            char id[32], labels[32];
            int type = 1 + (int)(test_rand() % HM_HASH_TYPE_MAX);
            test_random_hash(&h, type);
            snprintf(id, sizeof id, "r%d-%d", round, i);
            snprintf(labels, sizeof labels, "label-%d", i % 7);
            hm_index_add(idx, l[i % 3], &h, id, i % 5 ? labels : NULL);
            if (i < NQ && round == 0) g_queries[i] = h;
        }
        for (int i = 0; i < 50; i++) {
            char id[32];
            snprintf(id, sizeof id, "r%d-%d", round, (int)(test_rand() % 700));
            hm_index_remove(idx, HM_ALL_LISTS, id, NULL);
        }
        hm_index_commit(idx);
    }
    return idx;
}

/* A text rendering of everything a query set returns, for comparison. */
static char *answers(hm_index *idx) {
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    hm_results *res;
    hm_query_opts o;
    hm_results_create(&res);
    hm_query_opts_init(&o);
    for (int pass = 0; pass < 2; pass++) {
        o.include_disabled = pass;
        hm_index_query(idx, g_queries, NQ, &o, res);
        for (size_t i = 0; i < hm_results_count(res); i++) {
            const hm_match *m = hm_results_get(res, i);
            char hex[HM_HASH_STRING_MAX];
            hm_hash_to_string(&m->hash, hex, sizeof hex);
            len += (size_t)snprintf(out + len, cap - len, "%u %s %s %s %d %d %s %s\n",
                                    m->query, m->list_name, m->entry_id, m->labels,
                                    m->distance, m->threshold, hex,
                                    hm_hash_type_name(m->type));
        }
    }
    hm_index_stats st;
    hm_index_stats_get(idx, &st);
    len += (size_t)snprintf(out + len, cap - len, "entries %llu lists %u\n",
                            (unsigned long long)st.entries, st.lists);
    hm_snapshot *s;
    hm_index_acquire(idx, &s);
    for (uint32_t l = 0; l < hm_snapshot_list_count(s); l++) {
        hm_list_info li;
        hm_snapshot_list_info(s, l, &li);
        len += (size_t)snprintf(out + len, cap - len, "list %s %d %d %d %llu\n",
                                li.name, li.enabled, li.threshold[HM_HASH_PDQ],
                                li.threshold[HM_HASH_PHASH],
                                (unsigned long long)li.entries);
    }
    hm_snapshot_release(s);
    hm_results_free(res);
    return out;
}

static int write_file(const char *path, const unsigned char *b, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fwrite(b, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static int count_tmp_files(const char *dir) { return test_count_files(dir, ".tmp."); }

static int exists(const char *dir, const char *name) {
    char p[512];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return lstat(p, &st) == 0;
}

static void put_file(const char *dir, const char *name, const char *content, size_t n) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    write_file(p, (const unsigned char *)content, n);
}

/* Temporaries of writers that died (kill -9 during a save) go at the next
 * save of the same file; anything else stays: a temporary a live writer
 * holds (locked), files that are not ours by name, owner or content. */
static void stale_temporaries(const char *dir, const char *path, hm_index *idx) {
    static const char magic[8] = "HMINDEX";
    char full[1024], p[512];
    memcpy(full, magic, 8);
    memset(full + 8, 0, sizeof full - 8);
    put_file(dir, "known.hmi.tmp.Ab12Cd", full, sizeof full); /* died mid-write */
    put_file(dir, "known.hmi.tmp.Zz99zz", "", 0);               /* died at once */
    put_file(dir, "known.hmi.tmp.Live01", full, sizeof full);   /* being written */
    put_file(dir, "known.hmi.tmp.Other1", "not an index", 12);  /* not ours */
    put_file(dir, "other.hmi.tmp.Ab12Cd", full, sizeof full);   /* another file's */
    put_file(dir, "known.hmi.tmp.Ab12Cd7", full, sizeof full);  /* not the pattern */
    put_file(dir, "target-of-link", full, sizeof full);
    snprintf(p, sizeof p, "%s/known.hmi.tmp.Sym123", dir);
    CHECK_INT(symlink("target-of-link", p), 0);
    snprintf(p, sizeof p, "%s/known.hmi.tmp.Live01", dir);
    const int live = open(p, O_RDONLY);
    CHECK(live >= 0 && flock(live, LOCK_EX) == 0);
    CHECK_INT(hm_index_save(idx, path), HM_OK);
    CHECK(!exists(dir, "known.hmi.tmp.Ab12Cd"));
    CHECK(!exists(dir, "known.hmi.tmp.Zz99zz"));
    CHECK(exists(dir, "known.hmi.tmp.Live01"));
    CHECK(exists(dir, "known.hmi.tmp.Other1"));
    CHECK(exists(dir, "other.hmi.tmp.Ab12Cd"));
    CHECK(exists(dir, "known.hmi.tmp.Ab12Cd7"));
    CHECK(exists(dir, "known.hmi.tmp.Sym123") && exists(dir, "target-of-link"));
    /* its writer gone, the next save takes it */
    close(live);
    CHECK_INT(hm_index_save(idx, path), HM_OK);
    CHECK(!exists(dir, "known.hmi.tmp.Live01"));
    static const char *rest[] = {"known.hmi.tmp.Other1", "other.hmi.tmp.Ab12Cd",
                                 "known.hmi.tmp.Ab12Cd7", "known.hmi.tmp.Sym123",
                                 "target-of-link"};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, rest[i]);
        unlink(p);
    }
    CHECK_INT(count_tmp_files(dir), 0);
}

/* A change at `off` (n bytes), checksums made right: rejected with a
 * message naming `why`. */
static void rejected(hm_index *idx, const uint8_t *file, size_t size, size_t off,
                     const void *bytes, size_t n, const char *why) {
    uint8_t *m = malloc(size);
    memcpy(m, file, size);
    memcpy(m + off, bytes, n);
    ixf_fix_checksums(m, size);
    CHECK_INT(hm_index_load_memory(idx, m, size), HM_E_CORRUPT);
    if (!strstr(hm_last_error(), why))
        fprintf(stderr, "offset %zu: \"%s\" does not say \"%s\"\n", off,
                hm_last_error(), why);
    CHECK(strstr(hm_last_error(), why) != NULL);
    free(m);
}

/* Every field docs/index-format.md says is checked is checked, also in a
 * file whose checksums are right. */
static void checked_fields(const uint8_t *file, size_t size) {
    hm_index *idx;
    hm_index_create(&idx);
    CHECK_INT(hm_index_load_memory(idx, file, size), HM_OK);
    const uint8_t one = 1, zero2[2] = {0, 0};
    rejected(idx, file, size, 28, &one, 1, "header flags");
    for (size_t b = 40; b < 56; b += 5) rejected(idx, file, size, b, &one, 1, "reserved byte");
    for (int i = 0; i < IXF_NSECTIONS; i++)
        rejected(idx, file, size, IXF_HEADER + (size_t)i * IXF_SECTION + 4 + (size_t)(i % 4), &one, 1,
                 "reserved word");
    /* list 0: u16 name length, u8 enabled, u8 zero, then thresholds */
    const size_t lists = ixf_get64(file + IXF_HEADER + 8), rec = lists + 4;
    rejected(idx, file, size, rec + 4, zero2, 2, "threshold slot 0");
    rejected(idx, file, size, rec + 3, &one, 1, "malformed");
    rejected(idx, file, size, rec + 2, (const uint8_t[]){2}, 1, "malformed");
    rejected(idx, file, size, rec + 6, (const uint8_t[]){0xfe, 0xff}, 2, "out of range");
    /* bytes after the last list */
    size_t n2;
    static const uint8_t tail[8] = {0};
    uint8_t *grown = ixf_grow_section(file, size, 1, tail, sizeof tail, &n2);
    CHECK_INT(hm_index_load_memory(idx, grown, n2), HM_E_CORRUPT);
    CHECK(strstr(hm_last_error(), "trailing bytes in the list section") != NULL);
    free(grown);
    /* the helper itself makes loadable files: growing the strings by a
     * NUL keeps the file valid */
    grown = ixf_grow_section(file, size, 2, tail, 1, &n2);
    CHECK_INT(hm_index_load_memory(idx, grown, n2), HM_OK);
    free(grown);
    hm_index_free(idx);
}

int main(void) {
    char dir[] = "/tmp/hm_persist_XXXXXX", path[256], bad[256];
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/known.hmi", dir);
    snprintf(bad, sizeof bad, "%s/bad.hmi", dir);

    /* round trip */
    hm_index *a = make_index(), *b;
    char *want = answers(a);
    CHECK_INT(hm_index_save(a, path), HM_OK);
    CHECK_INT(count_tmp_files(dir), 0);
    hm_index_create(&b);
    CHECK_INT(hm_index_load(b, path), HM_OK);
    char *got = answers(b);
    CHECK(strcmp(want, got) == 0);
    CHECK(strstr(want, "label-3") != NULL); /* the comparison saw real hits */
    free(got);
    /* the loaded index keeps working: add, commit, save again */
    {
        uint32_t l;
        hm_hash h;
        test_random_hash(&h, HM_HASH_PDQ);
        CHECK_INT(hm_index_list(b, "gifct", &l), HM_OK);
        CHECK_INT(l, 0);
        CHECK_INT(hm_index_add(b, l, &h, "new", NULL), HM_OK);
        CHECK_INT(hm_index_commit(b), HM_OK);
        CHECK_INT(hm_index_save(b, path), HM_OK);
        hm_index *c;
        hm_index_create(&c);
        CHECK_INT(hm_index_load(c, path), HM_OK);
        char *x = answers(b), *y = answers(c);
        CHECK(strcmp(x, y) == 0);
        free(x);
        free(y);
        hm_index_free(c);
        CHECK_INT(hm_index_save(a, path), HM_OK); /* back to a's content */
    }

    /* every single-byte corruption and every truncation is rejected and
     * leaves the index as it was */
    char *before = answers(b);
    size_t size;
    unsigned char *file = read_all(path, &size);
    CHECK(file && size > 1000);
    int accepted = 0, tried = 0, wrong_code = 0, unnamed = 0;
    for (size_t off = 0; file && off < size; off += (off < 400 ? 1 : 1 + size / 1500)) {
        unsigned char keep = file[off];
        file[off] ^= (unsigned char)(1u << (off % 8));
        write_file(bad, file, size);
        file[off] = keep;
        int st = hm_index_load(b, bad);
        tried++;
        if (st == HM_OK) accepted++;
        else if (st != HM_E_CORRUPT) wrong_code++;
    }
    for (size_t n = 0; file && n < size; n += (n < 200 ? 1 : 1 + size / 700)) {
        write_file(bad, file, n);
        int st = hm_index_load(b, bad);
        tried++;
        if (st == HM_OK) accepted++;
        else if (st != HM_E_CORRUPT) wrong_code++;
        if (st != HM_OK && !strstr(hm_last_error(), "bad.hmi")) unnamed++;
    }
    printf("corrupted or truncated files tried: %d\n", tried);
    CHECK_INT(accepted, 0);
    CHECK_INT(wrong_code, 0);
    got = answers(b);
    CHECK(strcmp(before, got) == 0); /* untouched by the failed loads */
    free(got);
    free(before);
    CHECK_INT(unnamed, 0); /* every message names the file */

    /* the same bytes from memory load the same index */
    if (file) {
        hm_index *m;
        hm_index_create(&m);
        CHECK_INT(hm_index_load_memory(m, file, size), HM_OK);
        got = answers(m);
        CHECK(strcmp(want, got) == 0);
        free(got);
        CHECK_INT(hm_index_load_memory(m, file, size - 1), HM_E_CORRUPT);
        CHECK_INT(hm_index_load_memory(m, file, 10), HM_E_CORRUPT);
        /* saved into memory: the file's bytes exactly, from the index and
         * from a snapshot */
        void *mem = NULL;
        size_t msize = 0;
        CHECK_INT(hm_index_save_memory(a, &mem, &msize), HM_OK);
        CHECK(mem && msize == size && memcmp(mem, file, size) == 0);
        hm_free(mem);
        hm_snapshot *snap;
        CHECK_INT(hm_index_acquire(a, &snap), HM_OK);
        CHECK_INT(hm_snapshot_save_memory(snap, &mem, &msize), HM_OK);
        CHECK_STR(hm_last_error(), "", "no message after a save");
        CHECK(mem && msize == size && memcmp(mem, file, size) == 0);
        hm_free(mem);
        CHECK_INT(hm_snapshot_save_memory(snap, NULL, &msize), HM_E_INVALID_ARGUMENT);
        CHECK(strstr(hm_last_error(), "NULL") != NULL);
        mem = &msize;
        CHECK_INT(hm_snapshot_save_memory(NULL, &mem, &msize), HM_E_INVALID_ARGUMENT);
        CHECK(mem == NULL && msize == 0);
        hm_snapshot_release(snap);
        CHECK_INT(hm_index_save_memory(NULL, &mem, &msize), HM_E_INVALID_ARGUMENT);
        hm_free(NULL);
        hm_index_free(m);
    }

    if (file) checked_fields(file, size);
    stale_temporaries(dir, path, a);
    free(file);
    file = read_all(path, &size);

    /* another version of the format: a clear message */
    if (file) {
        file[8] = 4; /* the version field */
        write_file(bad, file, size);
        CHECK_INT(hm_index_load(b, bad), HM_E_CORRUPT);
        CHECK(strstr(hm_last_error(), "version 4") != NULL);
        file[8] = 3;
    }
    /* not an index; missing file; a directory */
    write_file(bad, (const unsigned char *)"\xff\xd8\xff\xe0 not an index", 17);
    CHECK_INT(hm_index_load(b, bad), HM_E_CORRUPT);
    CHECK(strstr(hm_last_error(), "bad.hmi: too short") != NULL);
    CHECK_INT(hm_index_load(b, "/nonexistent/x.hmi"), HM_E_IO);
    CHECK_INT(hm_index_load(b, dir), HM_E_IO);

    /* a save that fails part-way (file size limit) leaves the old file
     * intact and no temporary file behind */
    {
        struct rlimit old, lim;
        getrlimit(RLIMIT_FSIZE, &old);
        signal(SIGXFSZ, SIG_IGN);
        lim = old;
        lim.rlim_cur = 4096;
        setrlimit(RLIMIT_FSIZE, &lim);
        hm_index *big = make_index();
        int st = hm_index_save(big, path);
        setrlimit(RLIMIT_FSIZE, &old);
        CHECK_INT(st, HM_E_IO);
        CHECK(strlen(hm_last_error()) > 0);
        CHECK_INT(count_tmp_files(dir), 0);
        size_t n2;
        unsigned char *again = read_all(path, &n2);
        CHECK(again && file && n2 == size && memcmp(again, file, size) == 0);
        free(again);
        hm_index_free(big);
    }
    CHECK_INT(hm_index_save(a, "/nonexistent/dir/x.hmi"), HM_E_IO);

    /* an empty index round-trips */
    {
        hm_index *e, *f;
        hm_index_create(&e);
        hm_index_create(&f);
        CHECK_INT(hm_index_save(e, path), HM_OK);
        CHECK_INT(hm_index_load(f, path), HM_OK);
        hm_index_stats st;
        hm_index_stats_get(f, &st);
        CHECK_INT(st.entries, 0);
        CHECK_INT(st.lists, 0);
        hm_index_free(e);
        hm_index_free(f);
    }
    free(file);
    free(want);
    hm_index_free(a);
    hm_index_free(b);
    unlink(path);
    unlink(bad);
    rmdir(dir);
    return test_summary("test_persist");
}
