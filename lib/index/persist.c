/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Saving and loading snapshots: the format of docs/index-format.md.
 *
 * The file holds lists and live entries only; search structures are
 * rebuilt on load (a few seconds for ten million hashes), so the format
 * does not depend on them.  Every byte is covered by an XXH3-64 checksum
 * (header, section table, each section), and every field is validated
 * before anything is built, so a corrupt or hostile file is rejected with
 * HM_E_CORRUPT and leaves the index as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "file_io.h"
#include "index_internal.h"

#define MAGIC "HMINDEX" /* and its NUL: 8 bytes */
#define MAGIC_LEN 8u
#define VERSION 1u
#define HEADER_SIZE 64u
#define SECTION_SIZE 32u
#define NSECTIONS 3u
enum { SEC_LISTS = 1, SEC_STRINGS = 2, SEC_ENTRIES = 3 };
#define LIST_REC 18u  /* u16 name_len, u8 enabled, u8 0, i16 thr[7] */
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

static int write_body(writer *w, const hm_snapshot *s, section *sec) {
    uint8_t b[64];
    /* lists */
    sec_begin(w, &sec[0], SEC_LISTS);
    put32(b, s->nlists);
    wr(w, b, 4);
    for (uint32_t l = 0; l < s->nlists; l++) {
        const char *name = hm_list_core_of(s->names, l)->name;
        const hm_list_rec *rec = &s->lists[l];
        put16(b, (uint16_t)strlen(name));
        b[2] = (uint8_t)rec->enabled;
        b[3] = 0;
        for (int t = 0; t <= HM_HASH_TYPE_MAX; t++)
            put16(b + 4 + 2 * t, (uint16_t)(t ? rec->thr_set[t] : -1));
        wr(w, b, LIST_REC);
        wr(w, name, strlen(name));
    }
    sec_end(w, &sec[0]);
    /* strings: the segments' pools one after the other */
    uint64_t total = 0;
    for (uint32_t i = 0; i < s->nsegs; i++) total += s->segs[i]->strings_len;
    if (total >= UINT32_MAX) {
        return hm_fail(HM_E_LIMIT, "entry ids and labels exceed 4 GiB");
    }
    sec_begin(w, &sec[1], SEC_STRINGS);
    wr(w, "", 1); /* offset 0: the empty string, whatever the segments */
    for (uint32_t i = 0; i < s->nsegs; i++)
        wr(w, s->segs[i]->strings, s->segs[i]->strings_len);
    sec_end(w, &sec[1]);
    /* entries */
    sec_begin(w, &sec[2], SEC_ENTRIES);
    put64(b, s->live);
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
    return HM_OK;
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
 * write over the placeholder.  An output failure is left in w->failed. */
static int write_all(writer *w, const hm_snapshot *s, uint8_t head[HEAD_BYTES]) {
    section sec[NSECTIONS];
    uint8_t placeholder[HEAD_BYTES] = {0};
    int st;
    if (!(w->xx = XXH3_createState()) || XXH3_64bits_reset(w->xx) != XXH_OK)
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    memcpy(placeholder, MAGIC, MAGIC_LEN);
    wr(w, placeholder, sizeof placeholder);
    if ((st = write_body(w, s, sec)) != HM_OK) return st;
    make_head(w, s, sec, head);
    return HM_OK;
}

static void writer_free(writer *w) {
    if (w->xx) XXH3_freeState(w->xx);
    free(w->buf);
}

static int save_file(const hm_snapshot *s, const char *path) {
    hm_newfile nf;
    writer w = {0};
    uint8_t head[HEAD_BYTES];
    int st;
    if ((st = hm_newfile_open(&nf, path, MAGIC, MAGIC_LEN)) != HM_OK) return st;
    w.fd = nf.fd;
    st = write_all(&w, s, head);
    flush(&w);
    if (st == HM_OK && !w.failed) {
        if (lseek(w.fd, 0, SEEK_SET) != 0) w.failed = errno;
        write_fd(&w, head, HEAD_BYTES);
    }
    if (st == HM_OK && w.failed)
        st = hm_fail(HM_E_IO, "%s: write failed: %s", path, strerror(w.failed));
    if (st == HM_OK) st = hm_newfile_commit(&nf);
    else hm_newfile_abort(&nf);
    writer_free(&w);
    return st;
}

static int save_memory(const hm_snapshot *s, void **data, size_t *size) {
    writer w = {0};
    uint8_t head[HEAD_BYTES];
    int st;
    w.fd = -1;
    st = write_all(&w, s, head);
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
    return save_file(s, path);
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
 * older snapshot. */
static int save_current(hm_index *idx, const char *path, void **data, size_t *size) {
    int st;
    if (!idx) return hm_fail(HM_E_INVALID_ARGUMENT, "index is NULL");
    pthread_mutex_lock(&idx->save_lock);
    hm_snapshot *s = hm_ix_acquire(idx);
    if (path && !*path) st = hm_fail(HM_E_INVALID_ARGUMENT, "NULL or empty path");
    else if (!path && (!data || !size)) st = hm_fail(HM_E_INVALID_ARGUMENT, "NULL data or size");
    else st = path ? save_file(s, path) : save_memory(s, data, size);
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
} parsed;

static void parsed_free(parsed *p) {
    for (uint32_t l = 0; p->names && l < p->nlists; l++) free(p->names[l]);
    free(p->names);
    free(p->lists);
    free(p->in);
}

static int parse(const uint8_t *m, uint64_t size, const char *path, parsed *p) {
    const uint8_t *sec[NSECTIONS + 1] = {0};
    uint64_t len[NSECTIONS + 1] = {0};
    memset(p, 0, sizeof *p);
    if (size < HEADER_SIZE || memcmp(m, MAGIC, 8) != 0)
        return BAD("%s: not a libhashmatch index file", path);
    /* magic and version sit at fixed places in every version: a newer
     * file is reported as such, not as a checksum failure */
    if (get32(m + 8) != VERSION)
        return BAD("%s: index format version %u is not supported (this "
                   "library reads version %u)",
                   path, get32(m + 8), VERSION);
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
    if (ns != NSECTIONS) return BAD("%s: %u sections, expected %u", path, ns, NSECTIONS);
    const uint64_t tend = HEADER_SIZE + (uint64_t)ns * SECTION_SIZE + 8;
    if (tend > size) return BAD("%s: section table past the end", path);
    if (get64(m + tend - 8) != XXH3_64bits(m + HEADER_SIZE, tend - 8 - HEADER_SIZE))
        return BAD("%s: section table checksum mismatch", path);
    for (uint32_t i = 0; i < ns; i++) {
        const uint8_t *r = m + HEADER_SIZE + i * SECTION_SIZE;
        uint32_t kind = get32(r);
        uint64_t off = get64(r + 8), n = get64(r + 16);
        if (kind < 1 || kind > NSECTIONS || sec[kind])
            return BAD("%s: unknown or repeated section kind %u", path, kind);
        if (get32(r + 4) != 0)
            return BAD("%s: non-zero reserved word in the row of section %u", path, kind);
        if (off < tend || off > size || n > size - off)
            return BAD("%s: section %u lies outside the file", path, kind);
        if (get64(r + 24) != XXH3_64bits(m + off, n))
            return BAD("%s: checksum mismatch in section %u (offset %llu)", path,
                       kind, (unsigned long long)off);
        sec[kind] = m + off;
        len[kind] = n;
    }
    /* sections follow the table in kind order, 8-aligned, zero-padded,
     * up to the end of the file: no byte escapes a check */
    uint64_t at = tend;
    for (uint32_t k = 1; k <= NSECTIONS; k++) {
        const uint64_t off = (uint64_t)(sec[k] - m), al = (at + 7) / 8 * 8;
        if (off != al) return BAD("%s: section %u is not where it belongs", path, k);
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
    if (p->nlists > HM_MAX_LISTS || p->nlists > (uint64_t)(end - q) / LIST_REC)
        return BAD("%s: bad list count %u", path, p->nlists);
    p->lists = calloc((size_t)p->nlists + 1, sizeof *p->lists);
    p->names = calloc((size_t)p->nlists + 1, sizeof *p->names);
    if (!p->lists || !p->names) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    for (uint32_t l = 0; l < p->nlists; l++) {
        if (end - q < (ptrdiff_t)LIST_REC) return BAD("%s: list %u truncated", path, l);
        const uint16_t nl = get16(q);
        const uint8_t enabled = q[2];
        hm_list_rec *rec = &p->lists[l];
        if (nl == 0 || nl > HM_MAX_NAME || enabled > 1 || q[3] ||
            end - q - (ptrdiff_t)LIST_REC < nl)
            return BAD("%s: list %u is malformed", path, l);
        rec->enabled = enabled;
        if ((int16_t)get16(q + 4) != -1)
            return BAD("%s: list %u: threshold slot 0 is %d, not -1", path, l,
                       (int16_t)get16(q + 4));
        for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
            int16_t v = (int16_t)get16(q + 4 + 2 * t);
            if (!hm_ix_threshold_ok(t, v))
                return BAD("%s: list %u: threshold %d out of range for %s", path,
                           l, v, hm_hash_type_name(t));
            rec->thr_set[t] = v;
        }
        rec->thr_set[0] = -1;
        if (!(p->names[l] = malloc(nl + 1u)))
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        memcpy(p->names[l], q + LIST_REC, nl);
        p->names[l][nl] = '\0';
        /* not held to UTF-8 (hm_ix_valid_list_name): files written before
         * list names had to be UTF-8 stay readable */
        if (strlen(p->names[l]) != nl || !hm_ix_valid_text(p->names[l], HM_MAX_NAME, 0))
            return BAD("%s: list %u has an invalid name", path, l);
        for (uint32_t o = 0; o < l; o++)
            if (strcmp(p->names[o], p->names[l]) == 0)
                return BAD("%s: list name \"%s\" repeated", path, p->names[l]);
        q += LIST_REC + nl;
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
        if (!nb || q[13] || q[14] || q[15] || list >= p->nlists || id >= slen ||
            lab >= slen || end - q - (ptrdiff_t)ENTRY_FIXED < (ptrdiff_t)nb ||
            !hm_ix_valid_text(str + id, HM_MAX_ENTRY_ID, 0) ||
            !hm_ix_valid_text(str + lab, HM_MAX_LABELS, 1))
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
    return HM_OK;
}

/* Validate and build from bytes in memory, then replace the index's
 * content with them.  Reading and building take no lock: writers and
 * queries go on meanwhile; the replacement takes the writer lock. */
static int load_bytes(hm_index *idx, const uint8_t *m, uint64_t size, const char *name) {
    parsed p = {0};
    hm_segment *seg = NULL;
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
    if ((st = parse(m, size, name, &p)) != HM_OK) goto out;
    if (p.nin > max_entries) {
        st = hm_fail(HM_E_LIMIT, "%s: %zu entries exceed HM_INDEX_MAX_ENTRIES", name, p.nin);
        goto out;
    }
    for (uint32_t l = 0; l < p.nlists; l++) hm_ix_list_rec_settle(&p.lists[l]);
    const hm_seg_opts o = hm_ix_seg_opts(structures, p.lists, p.nlists);
    if (p.nin && (st = hm_segment_build(p.in, p.nin, &o, &seg)) != HM_OK) goto out;
out:
    pthread_mutex_lock(&idx->wlock);
    if (st == HM_OK) st = hm_ix_replace_locked(idx, p.names, p.lists, p.nlists, seg);
    if (st == HM_OK) p.lists = NULL; /* now the index's */
    pthread_mutex_unlock(&idx->wlock);
    hm_segment_unref(seg);
    parsed_free(&p);
    return st;
}

static int index_load(hm_index *idx, const char *path) {
    uint8_t *data = NULL;
    uint64_t size = 0;
    int st;
    if (!idx || !path) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL index or path");
    if ((st = hm_file_read(path, &data, &size)) == HM_OK) st = load_bytes(idx, data, size, path);
    free(data);
    return st;
}

hm_status hm_index_load(hm_index *idx, const char *path) { return HM_CALL(index_load(idx, path)); }

static int index_load_memory(hm_index *idx, const void *data, size_t size) {
    if (!idx || (!data && size)) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL index or data");
    return load_bytes(idx, data, size, "index in memory");
}

hm_status hm_index_load_memory(hm_index *idx, const void *data, size_t size) {
    return HM_CALL(index_load_memory(idx, data, size));
}
