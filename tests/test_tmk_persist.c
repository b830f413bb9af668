/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An index file with TMK entries (format version 2, docs/index-format.md)
 * against corruption:
 *  - single-bit changes in every byte of the TMK section (4) and
 *    truncations through sections 4 and 5 are rejected at load, with
 *    HM_E_CORRUPT, from memory and (a sample) from a file, and leave the
 *    index as it was;
 *  - single-bit changes in section 5's row of the section table (its
 *    kind, offset and size: place and size are checked against the entry
 *    count and the file's real size) are rejected at load, with the
 *    table's checksum made right again; its checksum field is checked
 *    only where the whole section is read (hm_index_load_memory);
 *  - changes in the level-2 section (5), sampled across each entry's
 *    256 KiB, are not looked for by hm_index_load (it does not read the
 *    section) but by every read of the entry's level 2: the query that
 *    reads it fails with HM_E_CORRUPT naming the file, with no results,
 *    while a query that reads only the other entry's gives the clean
 *    file's match; a save (to a file or memory) fails with HM_E_CORRUPT
 *    and writes nothing.  hm_index_load_memory still rejects them, also
 *    with the section's own checksum made right again (each entry's
 *    checksum in section 4 catches them);
 *  - what is rejected names the file.
 * Level-2 bytes changed after a load are test_tmk_index's (HM_E_CORRUPT at
 * query time).
 *
 * `test_tmk_persist --seed PATH` writes the file it corrupts less its
 * second TMK entry (the seed tests/fuzz/corpus/index_load/tmk.hmi of the
 * index_load fuzz target) and exits.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index_file.h"
#include "test_tmk_data.h"

static void write_file(const char *path, const uint8_t *b, size_t n) {
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(b, 1, n, f) == n);
    if (f) fclose(f);
}

/* A small index: two lists, a hash entry, two TMK entries (one with
 * labels), a list with its own TMK thresholds. */
static hm_index *make_index(void) {
    hm_index *idx;
    uint32_t a, b;
    hm_tmk *t[2];
    CHECK_INT(hm_index_create(&idx), HM_OK);
    CHECK_INT(hm_index_list(idx, "videos", &a), HM_OK);
    CHECK_INT(hm_index_list(idx, "more", &b), HM_OK);
    CHECK_INT(hm_index_list_set_tmk_threshold(idx, b, 1, 0.8f), HM_OK);
    CHECK_INT(hm_index_list_set_tmk_threshold(idx, b, 2, 0.75f), HM_OK);
    for (int i = 0; i < 2; i++) {
        size_t n = 0;
        unsigned char *bytes = expected_tmk(kVideos[i * 7], &n);
        CHECK(bytes != NULL);
        CHECK_INT(hm_tmk_from_bytes(bytes, n, &t[i]), HM_OK);
        free(bytes);
    }
    CHECK_INT(hm_index_add_tmk(idx, a, t[0], kVideos[0], NULL), HM_OK);
    CHECK_INT(hm_index_add_tmk(idx, b, t[1], kVideos[7], "label"), HM_OK);
    hm_hash h;
    CHECK_INT(hm_hash_from_string(HM_HASH_MD5, "0123456789abcdef0123456789abcdef", &h), HM_OK);
    CHECK_INT(hm_index_add(idx, a, &h, "md5-entry", NULL), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    hm_tmk_free(t[0]);
    hm_tmk_free(t[1]);
    return idx;
}

static uint64_t entries(hm_index *idx) {
    hm_index_stats st;
    hm_index_stats_get(idx, &st);
    return st.entries;
}

typedef struct tally {
    int tried, accepted, wrong_code, unnamed, lazy;
} tally;

/* Load bytes b from memory and, when `bad` is not NULL, as a file there,
 * into idx, which holds `keep` entries: each load must fail with
 * HM_E_CORRUPT and leave it as it was. */
static void must_reject(hm_index *idx, uint64_t keep, const char *bad, const uint8_t *b,
                        size_t n, tally *t) {
    int sf = HM_E_CORRUPT;
    if (bad) {
        write_file(bad, b, n);
        sf = hm_index_load(idx, bad);
        if (sf != HM_OK && !strstr(hm_last_error(), bad)) t->unnamed++;
        t->tried++;
    }
    const int sm = hm_index_load_memory(idx, b, n);
    t->tried++;
    t->accepted += (sf == HM_OK) + (sm == HM_OK);
    t->wrong_code += (sf != HM_OK && sf != HM_E_CORRUPT) + (sm != HM_OK && sm != HM_E_CORRUPT);
    if (sf == HM_OK || sm == HM_OK) CHECK_INT(entries(idx), keep); /* to name the failure */
}

/* The video of the TMK entry `entry` of the index file m: its id, from
 * section 4 (2 lists' thresholds and the count, then 1,048 bytes an
 * entry, the id's offset at 4) into section 2. */
static hm_tmk *query_video(const uint8_t *m, int entry) {
    const uint8_t *strings = m + ixf_get64(m + IXF_HEADER + IXF_SECTION + 8);
    const uint8_t *e = m + ixf_get64(m + IXF_HEADER + 3 * IXF_SECTION + 8) + 24 + entry * 1048;
    size_t n = 0;
    hm_tmk *t = NULL;
    unsigned char *bytes =
        expected_tmk((const char *)strings + (ixf_get64(e + 4) & 0xffffffffu), &n);
    CHECK(bytes != NULL);
    CHECK_INT(hm_tmk_from_bytes(bytes, n, &t), HM_OK);
    free(bytes);
    return t;
}

/* Matches of q in idx at level 1 >= l1 and level 2 >= 0 (every level-1
 * survivor's level 2 is read), on every list; the status. */
static int match_at(hm_index *idx, const hm_tmk *q, float l1, hm_results *r) {
    hm_tmk_match_opts o;
    hm_tmk_match_opts_init(&o);
    o.level1 = l1;
    o.level2 = 0.0f;
    o.include_disabled = 1;
    return hm_index_match_tmk(idx, q, &o, r);
}

/* The file at `bad` has TMK entry `entry`'s level 2 damaged:
 * hm_index_load takes it (it does not read section 5), and every read of
 * that entry's level 2 fails: a query reading it (HM_E_CORRUPT, naming
 * the file, no results), a save to `out` (nothing written) or to memory.
 * A query reading only the other entry's level 2 gives `clean` matches. */
static void damaged_level2(hm_index *b, const char *bad, const char *out, int entry,
                           hm_tmk *const q[2], hm_results *r, size_t clean, tally *t) {
    void *mem = NULL;
    size_t mn = 1;
    if (hm_index_load(b, bad) != HM_OK) return; /* counted by the caller */
    t->lazy++;
    /* each self-match has level 1 of 1: 0.999 lets only it through */
    CHECK_INT(match_at(b, q[1 - entry], 0.999f, r), HM_OK);
    CHECK_INT(hm_results_tmk_count(r), clean);
    CHECK_INT(match_at(b, q[entry], 0.999f, r), HM_E_CORRUPT);
    CHECK(strstr(hm_last_error(), bad) != NULL);
    CHECK_INT(hm_results_tmk_count(r), 0);
    CHECK_INT(match_at(b, q[1 - entry], 0.0f, r), HM_E_CORRUPT); /* reads both */
    CHECK_INT(hm_index_save(b, out), HM_E_CORRUPT);
    CHECK(strstr(hm_last_error(), "checksum") != NULL);
    CHECK(access(out, F_OK) != 0);
    CHECK_INT(hm_index_save_memory(b, &mem, &mn), HM_E_CORRUPT);
    CHECK(mem == NULL && mn == 0);
}

int main(int argc, char **argv) {
    char dir[] = "/tmp/hm_tmk_persist_XXXXXX", path[256], bad[256], out[256];
    hm_index *idx = make_index();
    if (argc == 3 && strcmp(argv[1], "--seed") == 0) { /* one TMK entry: 263 KiB */
        CHECK_INT(hm_index_remove(idx, HM_ALL_LISTS, kVideos[7], NULL), HM_OK);
        CHECK_INT(hm_index_commit(idx), HM_OK);
        CHECK_INT(hm_index_save(idx, argv[2]), HM_OK);
        hm_index_free(idx);
        return test_summary("test_tmk_persist --seed");
    }
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/tmk.hmi", dir);
    snprintf(bad, sizeof bad, "%s/bad.hmi", dir);
    snprintf(out, sizeof out, "%s/out.hmi", dir);
    CHECK_INT(hm_index_save(idx, path), HM_OK);
    size_t size = 0;
    uint8_t *file = read_all(path, &size);
    CHECK(file && size > 2 * 256 * 1024);
    if (!file) return test_summary("test_tmk_persist");

    /* the section table: rows 4 and 5 are the TMK sections, in order, the
     * level-2 section last */
    CHECK_INT(ixf_get64(file + 8) & 0xffffffffu, 3); /* version */
    const uint8_t *r4 = file + IXF_HEADER + 3 * IXF_SECTION, *r5 = r4 + IXF_SECTION;
    CHECK_INT(ixf_get64(r4) & 0xffffffffu, 4);
    CHECK_INT(ixf_get64(r5) & 0xffffffffu, 5);
    const size_t off4 = (size_t)ixf_get64(r4 + 8), len4 = (size_t)ixf_get64(r4 + 16);
    const size_t off5 = (size_t)ixf_get64(r5 + 8), len5 = (size_t)ixf_get64(r5 + 16);
    CHECK_INT(len5, 2 * 256 * 1024);
    CHECK_INT(off5 + len5, size);
    /* 2 lists' thresholds, the count, 2 entries of 24 + 1024 bytes */
    CHECK_INT(len4, 2 * 8 + 8 + 2 * (24 + 1024));

    hm_index *b;
    CHECK_INT(hm_index_create(&b), HM_OK);
    CHECK_INT(hm_index_load(b, path), HM_OK);
    const uint64_t keep = entries(b);
    CHECK_INT(keep, 3);
    tally t = {0};

    /* every byte of section 4, three of its bits (as a file: every 16th,
     * to spare the disk) */
    for (size_t off = off4; off < off4 + len4; off++)
        for (int bit = 0; bit < 8; bit += 3) {
            file[off] ^= (uint8_t)(1u << bit);
            must_reject(b, keep, (off - off4) % 16 == 0 && bit == 0 ? bad : NULL, file, size, &t);
            file[off] ^= (uint8_t)(1u << bit);
        }
    /* section 5's row of the table, every bit, the table's checksum made
     * right: kind, zero word, offset and size are checked at load; the
     * section's checksum only where the section is read whole (memory) */
    int row_lazy = 0;
    for (size_t off = 0; off < IXF_SECTION; off++)
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *cell = file + IXF_HEADER + 4 * IXF_SECTION + off;
            const uint64_t tsum = ixf_get64(file + IXF_TABLE_END - 8);
            *cell ^= (uint8_t)(1u << bit);
            must_reject(b, keep, NULL, file, size, &t); /* the table's checksum */
            ixf_put64(file + IXF_TABLE_END - 8,
                      XXH3_64bits(file + IXF_HEADER, IXF_TABLE_END - IXF_HEADER - 8));
            if (off < 24) must_reject(b, keep, bad, file, size, &t);
            else {
                must_reject(b, keep, NULL, file, size, &t);
                write_file(bad, file, size);
                row_lazy += hm_index_load(b, bad) == HM_OK;
            }
            *cell ^= (uint8_t)(1u << bit);
            ixf_put64(file + IXF_TABLE_END - 8, tsum);
        }
    CHECK_INT(row_lazy, 64);
    /* section 5, sampled: each entry's first and last bytes, and a stride
     * through the rest; then the same with the file's checksums made right
     * (the entry's own checksum in section 4 must catch it) */
    hm_tmk *q[2] = {query_video(file, 0), query_video(file, 1)};
    hm_results *r;
    CHECK_INT(hm_results_create(&r), HM_OK);
    CHECK_INT(hm_index_load(b, path), HM_OK);
    CHECK_INT(match_at(b, q[0], 0.999f, r), HM_OK);
    const size_t clean0 = hm_results_tmk_count(r);
    CHECK_INT(match_at(b, q[1], 0.999f, r), HM_OK);
    const size_t clean1 = hm_results_tmk_count(r);
    CHECK(clean0 >= 1 && clean1 >= 1);
    int samples = 0;
    for (int fixed = 0; fixed < 2; fixed++)
        for (size_t off = off5; off < size;
             off += ((off - off5) % (256 * 1024) < 64 ? 1 : 4099)) {
            const int entry = (int)((off - off5) / (256 * 1024));
            file[off] ^= 0x10;
            if (fixed) ixf_fix_checksums(file, size);
            must_reject(b, keep, NULL, file, size, &t);
            write_file(bad, file, size);
            damaged_level2(b, bad, out, entry, q, r, entry ? clean0 : clean1, &t);
            samples++;
            file[off] ^= 0x10;
            if (fixed) ixf_fix_checksums(file, size);
        }
    CHECK_INT(t.lazy, samples); /* every one loaded from the file */
    hm_results_free(r);
    hm_tmk_free(q[0]);
    hm_tmk_free(q[1]);
    /* truncations inside sections 4 and 5 */
    for (size_t n = off4; n < size; n += (n < off4 + len4 ? 7 : 9973))
        must_reject(b, keep, bad, file, n, &t);
    must_reject(b, keep, bad, file, size - 1, &t);
    printf("corrupted or truncated TMK files rejected at load: %d; damaged level 2 "
           "rejected at query and save: %d\n", t.tried, t.lazy);
    CHECK(t.tried > 7000 && t.lazy > 300);
    CHECK_INT(t.accepted, 0);
    CHECK_INT(t.wrong_code, 0);
    CHECK_INT(t.unnamed, 0);
    CHECK_INT(entries(b), keep);
    /* the untouched file still loads: the loop restored every byte */
    CHECK_INT(hm_index_load(b, path), HM_OK);
    CHECK_INT(entries(b), keep);

    hm_index_free(b);
    hm_index_free(idx);
    free(file);
    unlink(path);
    unlink(bad);
    rmdir(dir);
    return test_summary("test_tmk_persist");
}
