/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Saving and loading snapshots: the format of docs/index-format.md.
 *
 * The file holds lists and live entries only; search structures are
 * rebuilt on load (a few seconds for ten million hashes), so the format
 * does not depend on them.  Every byte is covered by an XXH3-64 checksum
 * (header, section table, each section), and every field is validated
 * before anything is built, so a corrupt or hostile file is rejected with
 * HM_E_CORRUPT and leaves the index as it was.  The one exception is the
 * TMK level-2 section of a file: it is not read at load (it grows by
 * 256 KiB an entry); each entry's part is checked against the entry's
 * checksum whenever it is read, so damage there fails the query or save
 * that reads it (load_level2).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "file_io.h"
#include "index_internal.h"

#define MAGIC "HMINDEX" /* and its NUL: 8 bytes */
#define MAGIC_LEN 8u
#define VERSION 3u
#define HEADER_SIZE 64u
#define SECTION_SIZE 32u
#define NSECTIONS 5u
#define NSECTIONS_V1 3u /* version 1: no TMK sections */
enum { SEC_LISTS = 1, SEC_STRINGS = 2, SEC_ENTRIES = 3, SEC_TMK = 4, SEC_TMK_L2 = 5 };
/* u32 list, id_off, labels_off; i32 frames; u64 level-2 checksum; f32 avg[256] */
#define TMK_FIXED 24u
#define TMK_REC (TMK_FIXED + 4u * HM_TMK_DIM)
/* Level-2 features are written and read as the floats' bytes. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "a little-endian host");
/* u16 name_len, u8 enabled, u8 0, i16 thr[slots]: a threshold for each
 * of HM_HASH_TYPE_SLOTS from version 3 on, for types 0 to 6 before */
#define LIST_SLOTS(version) ((version) >= 3 ? HM_HASH_TYPE_SLOTS : 7)
#define LIST_REC(version) (4u + 2u * LIST_SLOTS(version))
#define ENTRY_FIXED 20u /* u32 list, id_off, labels_off; u8 type, 3 x 0; u32 aux */

/* ---- little-endian helpers (the format is little-endian everywhere) ---- */

static void put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) {
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---- save ----------------------------------------------------------------- */

/* Output: to a file (fd >= 0) through a buffer of WRITE_BUF bytes, or
 * into memory (fd < 0), where the buffer grows to hold the whole file. */
#define WRITE_BUF (1u << 20)

typedef struct writer {
    int fd;
    uint8_t *buf;
    size_t len, cap;
    XXH3_state_t *xx;
    uint64_t pos;
    int failed; /* an errno */
} writer;

static void write_fd(writer *w, const uint8_t *p, size_t n) {
    while (n && !w->failed) {
        const ssize_t k = write(w->fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) w->failed = k < 0 && errno ? errno : EIO;
        else {
            p += k;
            n -= (size_t)k;
        }
    }
}

static void flush(writer *w) {
    if (w->fd >= 0 && w->len) write_fd(w, w->buf, w->len);
    if (w->fd >= 0) w->len = 0;
}

static void wr(writer *w, const void *p, size_t n) {
    if (w->failed || !n) return;
    XXH3_64bits_update(w->xx, p, n);
    w->pos += n;
    if (w->fd >= 0 && w->len + n > WRITE_BUF) flush(w);
    if (w->fd >= 0 && n > WRITE_BUF) {
        write_fd(w, p, n);
        return;
    }
    if (HM_RESERVE(w->buf, w->cap, w->len + n, w->fd >= 0 ? WRITE_BUF : 65536) != HM_OK) {
        w->failed = ENOMEM;
        return;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void pad8(writer *w) {
    static const uint8_t zero[8];
    wr(w, zero, (size_t)((8 - w->pos % 8) % 8));
}

typedef struct section {
    uint32_t kind;
    uint64_t off, size, sum;
} section;

static void sec_begin(writer *w, section *s, uint32_t kind) {
    pad8(w);
    s->kind = kind;
    s->off = w->pos;
    XXH3_64bits_reset(w->xx);
}

static void sec_end(writer *w, section *s) {
    s->size = w->pos - s->off;
    s->sum = XXH3_64bits_digest(w->xx);
}

static void putf(uint8_t *p, float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    put32(p, u);
}
static float getf(const uint8_t *p) {
    const uint32_t u = get32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* The TMK sections: the lists' TMK thresholds and the entries with their
 * level-1 features; then their level-2 features (read back from where
 * they lie: an index file is checked against each entry's checksum).
 * String offsets continue from `base`. */
static int write_tmk(writer *w, const hm_snapshot *s, uint32_t base, section *sec) {
    uint8_t b[TMK_REC];
    hm_tmk *buf = NULL;
    int st = HM_OK;
    sec_begin(w, &sec[0], SEC_TMK);
    for (uint32_t l = 0; l < s->nlists; l++) {
        putf(b, s->lists[l].tmk_set[0]);
        putf(b + 4, s->lists[l].tmk_set[1]);
        wr(w, b, 8);
    }
    put64(b, s->tmk_live);
    wr(w, b, 8);
    for (uint32_t i = 0; i < s->tmk.n; i++) {
        const hm_tmk_seg *sg = s->tmk.segs[i];
        for (uint32_t e = 0; e < sg->n; e++) {
            if (hm_tomb_dead(s->tmk.tombs[i], e)) continue;
            const hm_tmk_ent *en = &sg->ents[e];
            const float *avg = hm_tmk_filter_avg(sg->filter, e);
            put32(b, en->list);
            put32(b + 4, base + en->id_off);
            put32(b + 8, en->labels_off ? base + en->labels_off : 0);
            put32(b + 12, (uint32_t)en->frames);
            put64(b + 16, en->sum);
            for (int k = 0; k < HM_TMK_DIM; k++) putf(b + TMK_FIXED + 4 * k, avg[k]);
            wr(w, b, TMK_REC);
        }
        base += (uint32_t)sg->strings_len;
    }
    sec_end(w, &sec[0]);
    sec_begin(w, &sec[1], SEC_TMK_L2);
    for (uint32_t i = 0; i < s->tmk.n && st == HM_OK; i++) {
        const hm_tmk_seg *sg = s->tmk.segs[i];
        for (uint32_t e = 0; e < sg->n && st == HM_OK; e++) {
            const hm_tmk *l2 = NULL;
            if (hm_tomb_dead(s->tmk.tombs[i], e)) continue;
            if (!buf && !(buf = malloc(sizeof *buf))) st = hm_fail(HM_E_NO_MEMORY, "out of memory");
            else if ((st = hm_tmk_seg_level2(sg, e, buf, &l2)) == HM_OK)
                wr(w, l2->cos, HM_TMK_L2_BYTES); /* little-endian floats, as below */
        }
    }
    sec_end(w, &sec[1]);
    free(buf);
    return st;
}

static int write_body(writer *w, const hm_snapshot *s, section *sec) {
    uint8_t b[64];
    /* lists */
    sec_begin(w, &sec[0], SEC_LISTS);
    put32(b, s->nlists);
    wr(w, b, 4);
    for (uint32_t l = 0; l < s->nlists; l++) {
        const char *name = s->lists[l].name;
        const hm_list_rec *rec = &s->lists[l];
        put16(b, (uint16_t)strlen(name));
        b[2] = (uint8_t)rec->enabled;
        b[3] = 0;
        for (int t = 0; t < HM_HASH_TYPE_SLOTS; t++)
            put16(b + 4 + 2 * t,
                  (uint16_t)(t >= 1 && t <= HM_HASH_TYPE_MAX ? rec->thr_set[t] : -1));
        wr(w, b, LIST_REC(VERSION));
        wr(w, name, strlen(name));
    }
    sec_end(w, &sec[0]);
    /* strings: the segments' pools one after the other, then the TMK
     * segments' */
    uint64_t total = 0;
    for (uint32_t i = 0; i < s->nsegs; i++) total += s->segs[i]->strings_len;
    for (uint32_t i = 0; i < s->tmk.n; i++) total += s->tmk.segs[i]->strings_len;
    if (total >= UINT32_MAX) {
        return hm_fail(HM_E_LIMIT, "entry ids and labels exceed 4 GiB");
    }
    sec_begin(w, &sec[1], SEC_STRINGS);
    wr(w, "", 1); /* offset 0: the empty string, whatever the segments */
    for (uint32_t i = 0; i < s->nsegs; i++)
        wr(w, s->segs[i]->strings, s->segs[i]->strings_len);
    for (uint32_t i = 0; i < s->tmk.n; i++)
        wr(w, s->tmk.segs[i]->strings, s->tmk.segs[i]->strings_len);
    sec_end(w, &sec[1]);
    /* entries */
    sec_begin(w, &sec[2], SEC_ENTRIES);
    put64(b, s->live - s->tmk_live);
    wr(w, b, 8);
    uint32_t base = 1;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        const hm_segment *sg = s->segs[i];
        for (uint32_t e = 0; e < sg->nentries; e++) {
            if (hm_tomb_dead(s->tombs[i], e)) continue;
            const hm_seg_entry *en = &sg->entries[e];
            const int type = HM_TC_TYPE(en->tc);
            const unsigned nb = hm_hash_bits(type) / 8;
            put32(b, en->list);
            put32(b + 4, base + en->id_off);
            put32(b + 8, en->labels_off ? base + en->labels_off : 0);
            b[12] = (uint8_t)type;
            b[13] = b[14] = b[15] = 0;
            put32(b + 16, en->aux);
            memcpy(b + ENTRY_FIXED, hm_seg_entry_bytes(sg, en), nb);
            wr(w, b, ENTRY_FIXED + nb);
        }
        base += (uint32_t)sg->strings_len;
    }
    sec_end(w, &sec[2]);
    return write_tmk(w, s, base, sec + 3);
}

/* The header and section table, written last over their placeholder. */
enum { HEAD_BYTES = HEADER_SIZE + NSECTIONS * SECTION_SIZE + 8 };

static void make_head(const writer *w, const hm_snapshot *s, const section *sec,
                      uint8_t out[HEAD_BYTES]) {
    uint8_t *h = out, *t = out + HEADER_SIZE;
    memset(out, 0, HEAD_BYTES);
    memcpy(h, MAGIC, 8);
    put32(h + 8, VERSION);
    put32(h + 12, HEADER_SIZE);
    put64(h + 16, w->pos);
    put32(h + 24, NSECTIONS);
    put64(h + 32, s->generation);
    put64(h + 56, XXH3_64bits(h, 56));
    for (unsigned i = 0; i < NSECTIONS; i++) {
        uint8_t *r = t + i * SECTION_SIZE;
        put32(r, sec[i].kind);
        put64(r + 8, sec[i].off);
        put64(r + 16, sec[i].size);
        put64(r + 24, sec[i].sum);
    }
    put64(t + NSECTIONS * SECTION_SIZE, XXH3_64bits(t, NSECTIONS * SECTION_SIZE));
}

/* The file into w but its header and table (a placeholder in their place
 * that starts with the magic, so that a temporary file is known for ours
 * from its first bytes); they are filled into `head` for the caller to
 * write over the placeholder, and the level-2 section's offset into
 * *l2off (when not NULL).  An output failure is left in w->failed. */
static int write_all(writer *w, const hm_snapshot *s, uint8_t head[HEAD_BYTES],
                     uint64_t *l2off) {
    section sec[NSECTIONS];
    uint8_t placeholder[HEAD_BYTES] = {0};
    int st;
    if (!(w->xx = XXH3_createState()) || XXH3_64bits_reset(w->xx) != XXH_OK)
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    memcpy(placeholder, MAGIC, MAGIC_LEN);
    wr(w, placeholder, sizeof placeholder);
    if ((st = write_body(w, s, sec)) != HM_OK) return st;
    make_head(w, s, sec, head);
    if (l2off) *l2off = sec[SEC_TMK_L2 - 1].off;
    return HM_OK;
}

static void writer_free(writer *w) {
    if (w->xx) XXH3_freeState(w->xx);
    free(w->buf);
}

/* Save s to `path`.  With l2 (hm_index_save), when s has TMK entries: a
 * source reading the level-2 section of the file written (*l2, its
 * offset *l2off), or NULL when no descriptor of it could be had (the
 * save stands). */
static int save_file(const hm_snapshot *s, const char *path, hm_tmk_src **l2,
                     uint64_t *l2off) {
    hm_newfile nf;
    writer w = {0};
    uint8_t head[HEAD_BYTES];
    int st, rfd = -1;
    if (l2) *l2 = NULL;
    if ((st = hm_newfile_open(&nf, path, MAGIC, MAGIC_LEN)) != HM_OK) return st;
    w.fd = nf.fd;
    st = write_all(&w, s, head, l2off);
    flush(&w);
    if (st == HM_OK && !w.failed) {
        if (lseek(w.fd, 0, SEEK_SET) != 0) w.failed = errno;
        write_fd(&w, head, HEAD_BYTES);
    }
    if (st == HM_OK && w.failed)
        st = hm_fail(HM_E_IO, "%s: write failed: %s", path, strerror(w.failed));
    if (st == HM_OK && l2 && s->tmk_live) rfd = hm_newfile_reader(&nf);
    if (st == HM_OK) st = hm_newfile_commit(&nf);
    else hm_newfile_abort(&nf);
    if (rfd >= 0 && st == HM_OK) *l2 = hm_tmk_src_file(rfd, path, w.pos); /* takes rfd */
    else if (rfd >= 0) close(rfd);
    writer_free(&w);
    return st;
}

static int save_memory(const hm_snapshot *s, void **data, size_t *size) {
    writer w = {0};
    uint8_t head[HEAD_BYTES];
    int st;
    w.fd = -1;
    st = write_all(&w, s, head, NULL);
    if (st == HM_OK && w.failed) st = hm_fail(HM_E_NO_MEMORY, "out of memory");
    if (st == HM_OK) {
        memcpy(w.buf, head, HEAD_BYTES);
        *data = w.buf;
        *size = w.len;
        w.buf = NULL;
    }
    writer_free(&w);
    return st;
}

static int snapshot_save(hm_snapshot *s, const char *path) {
    if (!s || !path || !*path) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL snapshot or empty path");
    return save_file(s, path, NULL, NULL);
}

hm_status hm_snapshot_save(hm_snapshot *s, const char *path) {
    return HM_CALL(snapshot_save(s, path));
}

static int snapshot_save_memory(hm_snapshot *s, void **data, size_t *size) {
    if (data) *data = NULL;
    if (size) *size = 0;
    if (!s || !data || !size)
        return hm_fail(HM_E_INVALID_ARGUMENT, "NULL snapshot, data or size");
    return save_memory(s, data, size);
}

hm_status hm_snapshot_save_memory(hm_snapshot *s, void **data, size_t *size) {
    return HM_CALL(snapshot_save_memory(s, data, size));
}

void hm_free(void *p) { free(p); }

/* Save the index's current snapshot to `path`, or into memory when path
 * is NULL.  Saves take their own lock, not the writer lock: writers go on
 * while a save writes and syncs; saves follow one another, each of the
 * snapshot current when its turn came, so a file never goes back to an
 * older snapshot.  After a save to a file, the TMK entries it holds read
 * their level 2 from it (hm_ix_tmk_rebind, under the writer lock). */
static int save_current(hm_index *idx, const char *path, void **data, size_t *size) {
    hm_tmk_src *l2 = NULL;
    uint64_t l2off = 0;
    int st;
    if (!idx) return hm_fail(HM_E_INVALID_ARGUMENT, "index is NULL");
    pthread_mutex_lock(&idx->save_lock);
    hm_snapshot *s = hm_ix_acquire(idx);
    if (path && !*path) st = hm_fail(HM_E_INVALID_ARGUMENT, "NULL or empty path");
    else if (!path && (!data || !size)) st = hm_fail(HM_E_INVALID_ARGUMENT, "NULL data or size");
    else st = path ? save_file(s, path, &l2, &l2off) : save_memory(s, data, size);
    if (st == HM_OK && l2) hm_ix_tmk_rebind(idx, s, l2, l2off);
    hm_tmk_src_unref(l2);
    hm_snapshot_release(s);
    pthread_mutex_unlock(&idx->save_lock);
    return st;
}

hm_status hm_index_save(hm_index *idx, const char *path) {
    /* "" is refused with a message */
    return HM_CALL(save_current(idx, path ? path : "", NULL, NULL));
}

hm_status hm_index_save_memory(hm_index *idx, void **data, size_t *size) {
    if (data) *data = NULL;
    if (size) *size = 0;
    return HM_CALL(save_current(idx, NULL, data, size));
}

/* ---- load ------------------------------------------------------------------ */

#define BAD(...) (hm_fail(HM_E_CORRUPT, __VA_ARGS__))

typedef struct parsed {
    uint32_t nlists;
    hm_list_rec *lists;
    char **names;
    size_t nin;
    hm_seg_input *in;
    size_t ntmk;
    hm_tmk_in *tin;
    float *avgs; /* the TMK entries' averages, decoded */
    int has_tmk; /* version 2 on */
    uint64_t l2_off, l2_len, l2_sum; /* the level-2 section (load_level2's) */
} parsed;

static void parsed_free(parsed *p) {
    for (uint32_t l = 0; p->names && l < p->nlists; l++) free(p->names[l]);
    free(p->names);
    free(p->lists);
    free(p->in);
    free(p->tin);
    free(p->avgs);
}

/* An entry's references, hash or TMK alike: a list the file has, an id
 * and labels inside the string section, each valid text. */
static int refs_ok(const parsed *p, uint32_t list, uint32_t id, uint32_t lab, const char *str,
                   uint64_t slen) {
    return list < p->nlists && id < slen && lab < slen &&
           hm_ix_valid_text(str + id, HM_MAX_ENTRY_ID, 0) &&
           hm_ix_valid_text(str + lab, HM_MAX_LABELS, 1);
}

static int parse_tmk(const uint8_t *q, const uint8_t *end, const char *str, uint64_t slen,
                     const char *path, parsed *p);

/* Parse the file whose first `avail` bytes of `size` are at m: all but
 * the level-2 section, which may lie past them (its place and checksum go
 * to p for load_level2). */
static int parse(const uint8_t *m, uint64_t avail, uint64_t size, const char *path,
                 parsed *p) {
    const uint8_t *sec[NSECTIONS + 1] = {0};
    uint64_t len[NSECTIONS + 1] = {0}, offs[NSECTIONS + 1] = {0};
    memset(p, 0, sizeof *p);
    if (avail < HEADER_SIZE || memcmp(m, MAGIC, 8) != 0)
        return BAD("%s: not a libhashmatch index file", path);
    /* magic and version sit at fixed places in every version: a newer
     * file is reported as such, not as a checksum failure */
    const uint32_t version = get32(m + 8);
    if (version < 1 || version > VERSION)
        return BAD("%s: index format version %u is not supported (this "
                   "library reads versions 1 to %u)",
                   path, version, VERSION);
    const uint32_t nsec = version == 1 ? NSECTIONS_V1 : NSECTIONS;
    if (get64(m + 56) != XXH3_64bits(m, 56))
        return BAD("%s: header checksum mismatch", path);
    if (get32(m + 12) != HEADER_SIZE) return BAD("%s: bad header size", path);
    if (get32(m + 28) != 0)
        return BAD("%s: unknown header flags 0x%x", path, (unsigned)get32(m + 28));
    for (unsigned b = 40; b < 56; b++)
        if (m[b]) return BAD("%s: non-zero reserved byte %u in the header", path, b);
    if (get64(m + 16) != size)
        return BAD("%s: truncated or extended: %llu bytes, header says %llu",
                   path, (unsigned long long)size,
                   (unsigned long long)get64(m + 16));
    const uint32_t ns = get32(m + 24);
    if (ns != nsec) return BAD("%s: %u sections, expected %u", path, ns, nsec);
    const uint64_t tend = HEADER_SIZE + (uint64_t)ns * SECTION_SIZE + 8;
    if (tend > avail) return BAD("%s: section table past the end", path);
    if (get64(m + tend - 8) != XXH3_64bits(m + HEADER_SIZE, tend - 8 - HEADER_SIZE))
        return BAD("%s: section table checksum mismatch", path);
    for (uint32_t i = 0; i < ns; i++) {
        const uint8_t *r = m + HEADER_SIZE + i * SECTION_SIZE;
        uint32_t kind = get32(r);
        uint64_t off = get64(r + 8), n = get64(r + 16);
        if (kind < 1 || kind > nsec || offs[kind])
            return BAD("%s: unknown or repeated section kind %u", path, kind);
        if (get32(r + 4) != 0)
            return BAD("%s: non-zero reserved word in the row of section %u", path, kind);
        if (off < tend || off > size || n > size - off)
            return BAD("%s: section %u lies outside the file", path, kind);
        offs[kind] = off;
        len[kind] = n;
        if (kind == SEC_TMK_L2) { /* its bytes: load_level2's */
            p->l2_off = off;
            p->l2_len = n;
            p->l2_sum = get64(r + 24);
            continue;
        }
        if (off + n > avail) return BAD("%s: section %u lies outside the file", path, kind);
        if (get64(r + 24) != XXH3_64bits(m + off, n))
            return BAD("%s: checksum mismatch in section %u (offset %llu)", path,
                       kind, (unsigned long long)off);
        sec[kind] = m + off;
    }
    /* sections follow the table in kind order, 8-aligned, zero-padded,
     * up to the end of the file: no byte escapes a check */
    uint64_t at = tend;
    for (uint32_t k = 1; k <= nsec; k++) {
        const uint64_t off = offs[k], al = (at + 7) / 8 * 8;
        if (off != al) return BAD("%s: section %u is not where it belongs", path, k);
        if (al > avail) return BAD("%s: section %u lies outside the file", path, k);
        for (uint64_t b = at; b < al; b++)
            if (m[b]) return BAD("%s: non-zero padding at offset %llu", path,
                                 (unsigned long long)b);
        at = off + len[k];
    }
    if (at != size) return BAD("%s: bytes after the last section", path);
    /* lists */
    const uint8_t *q = sec[SEC_LISTS], *end = q + len[SEC_LISTS];
    if (end - q < 4) return BAD("%s: list section too short", path);
    p->nlists = get32(q);
    q += 4;
    const unsigned list_rec = LIST_REC(version);
    if (p->nlists > HM_MAX_LISTS || p->nlists > (uint64_t)(end - q) / list_rec)
        return BAD("%s: bad list count %u", path, p->nlists);
    p->lists = calloc((size_t)p->nlists + 1, sizeof *p->lists);
    p->names = calloc((size_t)p->nlists + 1, sizeof *p->names);
    if (!p->lists || !p->names) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    for (uint32_t l = 0; l < p->nlists; l++) {
        if (end - q < (ptrdiff_t)list_rec) return BAD("%s: list %u truncated", path, l);
        const uint16_t nl = get16(q);
        const uint8_t enabled = q[2];
        hm_list_rec *rec = &p->lists[l];
        if (nl == 0 || nl > HM_MAX_NAME || enabled > 1 || q[3] ||
            end - q - (ptrdiff_t)list_rec < nl)
            return BAD("%s: list %u is malformed", path, l);
        rec->enabled = enabled;
        if ((int16_t)get16(q + 4) != -1)
            return BAD("%s: list %u: threshold slot 0 is %d, not -1", path, l,
                       (int16_t)get16(q + 4));
        for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) rec->thr_set[t] = -1;
        for (int t = 1; t < (int)LIST_SLOTS(version); t++) {
            int16_t v = (int16_t)get16(q + 4 + 2 * t);
            if (t > HM_HASH_TYPE_MAX) { /* a slot for a type to come */
                if (v != -1)
                    return BAD("%s: list %u: threshold %d for unknown hash type %d", path,
                               l, v, t);
                continue;
            }
            if (!hm_ix_threshold_ok(t, v))
                return BAD("%s: list %u: threshold %d out of range for %s", path,
                           l, v, hm_hash_type_name(t));
            rec->thr_set[t] = v;
        }
        rec->thr_set[0] = -1;
        if (!(p->names[l] = malloc(nl + 1u)))
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        memcpy(p->names[l], q + list_rec, nl);
        p->names[l][nl] = '\0';
        /* not held to UTF-8 (hm_ix_valid_list_name): files written before
         * list names had to be UTF-8 stay readable */
        if (strlen(p->names[l]) != nl || !hm_ix_valid_text(p->names[l], HM_MAX_NAME, 0))
            return BAD("%s: list %u has an invalid name", path, l);
        for (uint32_t o = 0; o < l; o++)
            if (strcmp(p->names[o], p->names[l]) == 0)
                return BAD("%s: list name \"%s\" repeated", path, p->names[l]);
        q += list_rec + nl;
    }
    if (q != end) return BAD("%s: trailing bytes in the list section", path);
    /* strings: NUL first and last, so every offset starts a terminated string */
    const char *str = (const char *)sec[SEC_STRINGS];
    const uint64_t slen = len[SEC_STRINGS];
    if (slen < 1 || str[0] || str[slen - 1])
        return BAD("%s: string section is malformed", path);
    /* entries */
    q = sec[SEC_ENTRIES];
    end = q + len[SEC_ENTRIES];
    if (end - q < 8) return BAD("%s: entry section too short", path);
    const uint64_t count = get64(q);
    q += 8;
    if (count > (uint64_t)(end - q) / (ENTRY_FIXED + 8))
        return BAD("%s: bad entry count %llu", path, (unsigned long long)count);
    p->in = malloc((size_t)count * sizeof *p->in + 1);
    if (!p->in) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    for (uint64_t i = 0; i < count; i++) {
        if (end - q < (ptrdiff_t)ENTRY_FIXED) return BAD("%s: entry %llu truncated", path, (unsigned long long)i);
        const uint32_t list = get32(q), id = get32(q + 4), lab = get32(q + 8);
        const int type = q[12];
        const unsigned nb = hm_hash_bits(type) / 8;
        if (!nb || q[13] || q[14] || q[15] || end - q - (ptrdiff_t)ENTRY_FIXED < (ptrdiff_t)nb ||
            !refs_ok(p, list, id, lab, str, slen))
            return BAD("%s: entry %llu is malformed", path, (unsigned long long)i);
        hm_seg_input *x = &p->in[p->nin++];
        x->list = list;
        x->type = type;
        x->bytes = q + ENTRY_FIXED;
        x->id = str + id;
        x->labels = lab ? str + lab : NULL;
        x->aux = get32(q + 16);
        q += ENTRY_FIXED + nb;
    }
    if (q != end) return BAD("%s: trailing bytes in the entry section", path);
    if (version == 1) return HM_OK;
    p->has_tmk = 1;
    return parse_tmk(sec[SEC_TMK], sec[SEC_TMK] + len[SEC_TMK], str, slen, path, p);
}

/* The TMK section (the level-2 section's size is checked here, its bytes
 * by load_level2 or when read). */
static int parse_tmk(const uint8_t *q, const uint8_t *end, const char *str, uint64_t slen,
                     const char *path, parsed *p) {
    if ((uint64_t)(end - q) < 8ull * p->nlists + 8)
        return BAD("%s: TMK section too short", path);
    for (uint32_t l = 0; l < p->nlists; l++, q += 8)
        for (int k = 0; k < 2; k++) {
            const float v = getf(q + 4 * k);
            if (!hm_ix_tmk_threshold_ok(v))
                return BAD("%s: list %u: TMK level-%d threshold out of range", path, l, k + 1);
            p->lists[l].tmk_set[k] = v;
        }
    const uint64_t count = get64(q);
    q += 8;
    if (count != (uint64_t)(end - q) / TMK_REC || (uint64_t)(end - q) % TMK_REC)
        return BAD("%s: bad TMK entry count %llu", path, (unsigned long long)count);
    if (count > p->l2_len / HM_TMK_L2_BYTES || p->l2_len != count * HM_TMK_L2_BYTES)
        return BAD("%s: TMK level-2 section of %llu bytes for %llu entries", path,
                   (unsigned long long)p->l2_len, (unsigned long long)count);
    p->tin = malloc((size_t)count * sizeof *p->tin + 1);
    p->avgs = malloc((size_t)count * HM_TMK_DIM * sizeof *p->avgs + 1);
    if (!p->tin || !p->avgs) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    for (uint64_t i = 0; i < count; i++, q += TMK_REC) {
        const uint32_t list = get32(q), id = get32(q + 4), lab = get32(q + 8);
        const int32_t frames = (int32_t)get32(q + 12);
        float *avg = p->avgs + i * HM_TMK_DIM;
        int finite = 1;
        for (int k = 0; k < HM_TMK_DIM; k++) {
            avg[k] = getf(q + TMK_FIXED + 4 * k);
            finite &= isfinite(avg[k]) != 0;
        }
        if (frames < 0 || !finite || !refs_ok(p, list, id, lab, str, slen))
            return BAD("%s: TMK entry %llu is malformed", path, (unsigned long long)i);
        hm_tmk_in *x = &p->tin[p->ntmk++];
        x->list = list;
        x->frames = frames;
        x->id = str + id;
        x->labels = lab ? str + lab : NULL;
        x->avg = avg;
        x->sum = get64(q + 16);
        x->off = i * HM_TMK_L2_BYTES; /* from the section's start, for now */
        x->src = NULL;
    }
    return HM_OK;
}

/* The level-2 section and the source the entries read their features
 * from.  From a file (fd >= 0) none of it is read here: its place and size
 * were checked by parse (against the file's real size and the entry
 * count), and each entry's bytes are checked against its checksum in
 * section 4 whenever they are read (hm_tmk_seg_level2), so the load does
 * not grow with the section (docs/index-format.md, "Reading"); the file
 * stays open on a descriptor of the source's own.  In memory (m) the
 * section's checksum and each entry's are checked now and the section
 * copied. */
static int load_level2(const uint8_t *m, int fd, uint64_t size, const char *name, parsed *p,
                       hm_tmk_src **src) {
    uint8_t *copy = NULL;
    int st = HM_OK;
    *src = NULL;
    if (!p->has_tmk) return HM_OK;
    if (fd < 0 && XXH3_64bits(m + p->l2_off, p->l2_len) != p->l2_sum)
        return BAD("%s: checksum mismatch in section %u (offset %llu)", name, SEC_TMK_L2,
                   (unsigned long long)p->l2_off);
    if (!p->ntmk) return HM_OK;
    if (fd < 0) {
        for (size_t i = 0; i < p->ntmk; i++)
            if (XXH3_64bits(m + p->l2_off + i * HM_TMK_L2_BYTES, HM_TMK_L2_BYTES) != p->tin[i].sum)
                return BAD("%s: checksum mismatch in the level-2 features of TMK entry %zu",
                           name, i);
        if (!(copy = malloc((size_t)p->l2_len)))
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        memcpy(copy, m + p->l2_off, (size_t)p->l2_len);
        *src = hm_tmk_src_mem(copy);
    } else { /* a descriptor of its own: the caller closes fd */
        const int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (dfd < 0)
            return hm_fail(HM_E_IO, "%s: keeping the file open for its TMK level-2 "
                           "features: %s", name, strerror(errno));
        *src = hm_tmk_src_file(dfd, name, size);
        for (size_t i = 0; i < p->ntmk; i++) p->tin[i].off += p->l2_off;
    }
    if (!*src) st = hm_fail(HM_E_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < p->ntmk; i++) p->tin[i].src = *src;
    return st;
}

/* Validate and build from bytes in memory, then replace the index's
 * content with them.  Reading and building take no lock: writers and
 * queries go on meanwhile; the replacement takes the writer lock. */
static int load_bytes(hm_index *idx, const uint8_t *m, uint64_t avail, uint64_t size, int fd,
                      const char *name) {
    parsed p = {0};
    hm_segment *seg = NULL;
    hm_tmk_seg *tseg = NULL;
    hm_tmk_src *src = NULL;
    unsigned structures;
    uint64_t max_entries;
    int st;
    pthread_mutex_lock(&idx->wlock);
    structures = idx->structures;
    max_entries = idx->max_entries;
    pthread_mutex_unlock(&idx->wlock);
    if (size < HEADER_SIZE) {
        st = BAD("%s: too short to be an index file (%llu bytes)", name, (unsigned long long)size);
        goto out;
    }
    if ((st = parse(m, avail, size, name, &p)) != HM_OK) goto out;
    if (p.nin + p.ntmk > max_entries) {
        st = hm_fail(HM_E_LIMIT, "%s: %zu entries exceed HM_INDEX_MAX_ENTRIES", name,
                     p.nin + p.ntmk);
        goto out;
    }
    if ((st = load_level2(m, fd, size, name, &p, &src)) != HM_OK) goto out;
    for (uint32_t l = 0; l < p.nlists; l++) hm_ix_list_rec_settle(&p.lists[l]);
    const hm_seg_opts o = hm_ix_seg_opts(structures, p.lists, p.nlists);
    if (p.nin && (st = hm_segment_build(p.in, p.nin, &o, &seg)) != HM_OK) goto out;
    if (p.ntmk && (st = hm_tmk_seg_build(p.tin, p.ntmk, &tseg)) != HM_OK) goto out;
out:
    pthread_mutex_lock(&idx->wlock);
    if (st == HM_OK) st = hm_ix_replace_locked(idx, p.names, p.lists, p.nlists, seg, tseg);
    if (st == HM_OK) p.lists = NULL; /* now the index's */
    pthread_mutex_unlock(&idx->wlock);
    hm_segment_unref(seg);
    hm_tmk_seg_unref(tseg);
    hm_tmk_src_unref(src);
    parsed_free(&p);
    return st;
}

/* Where the level-2 section of a file starts, from its first `n` bytes
 * (the header and table): the file up to there is read into memory, the
 * section itself is not read at load (load_level2).  `size` when there is
 * none, or when the table is not readable (parse then says what is
 * wrong). */
static uint64_t level2_start(const uint8_t *h, uint64_t n, uint64_t size) {
    const uint64_t tend = HEADER_SIZE + (uint64_t)NSECTIONS * SECTION_SIZE + 8;
    if (n < tend || get32(h + 8) < 2 || get32(h + 8) > VERSION || get32(h + 24) != NSECTIONS)
        return size;
    for (unsigned i = 0; i < NSECTIONS; i++) {
        const uint8_t *r = h + HEADER_SIZE + i * SECTION_SIZE;
        if (get32(r) == SEC_TMK_L2 && get64(r + 8) >= tend && get64(r + 8) <= size)
            return get64(r + 8);
    }
    return size;
}

static int index_load(hm_index *idx, const char *path) {
    uint8_t head[HEADER_SIZE + NSECTIONS * SECTION_SIZE + 8], *data = NULL;
    uint64_t size = 0, avail;
    int fd, st;
    if (!idx || !path) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL index or path");
    if ((st = hm_file_open_read(path, &fd, &size)) != HM_OK) return st;
    const uint64_t nh = size < sizeof head ? size : sizeof head;
    if ((st = hm_file_pread(fd, head, nh, 0, size, path)) != HM_OK) goto out;
    avail = level2_start(head, nh, size);
    if (avail >= SIZE_MAX || !(data = malloc((size_t)avail + 1))) {
        st = hm_fail(HM_E_NO_MEMORY, "%s: out of memory for %llu bytes", path,
                     (unsigned long long)avail);
        goto out;
    }
    if ((st = hm_file_pread(fd, data, avail, 0, size, path)) == HM_OK)
        st = load_bytes(idx, data, avail, size, fd, path);
out:
    free(data);
    close(fd);
    return st;
}

hm_status hm_index_load(hm_index *idx, const char *path) { return HM_CALL(index_load(idx, path)); }

static int index_load_memory(hm_index *idx, const void *data, size_t size) {
    if (!idx || (!data && size)) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL index or data");
    return load_bytes(idx, data, size, size, -1, "index in memory");
}

hm_status hm_index_load_memory(hm_index *idx, const void *data, size_t size) {
    return HM_CALL(index_load_memory(idx, data, size));
}
