/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hash-list ingest: the line formats users have (docs/hashlist-formats.md)
 * turned into staged entries.  Lines are read with a length limit, so a
 * hostile list cannot make us buffer more than HM_INDEX_MAX_LINE bytes
 * (plus, in canonical CSV, the base64 of one .tmk file: TMK_ROOM).
 * Every line must be UTF-8 without NUL bytes.  Strict loads are
 * all-or-nothing: a bad line rolls back everything the file staged.  A
 * file with content of which nothing loads fails in either mode, so that
 * a mistyped or garbage file is never a silent empty list.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"
#include "../common/utf8.h"
#include "../hash/hash.h"

#define MAX_FIELDS 16
/* Our type name of TMK+PDQF rows (their hash: a .tmk file's base64), the
 * room its hash field takes beyond HM_INDEX_MAX_LINE, and type_from_name's
 * answer for TMK+PDQF (no hm_hash_type: TMK entries). */
#define TMK_TYPE "tmk"
#define TMK_ROOM ((size_t)HM_TMK_BASE64_LEN)
#define TYPE_TMK (-1)

void hm_list_load_opts_init(hm_list_load_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->format = HM_LIST_AUTO;
    o->strict = 1;
}

/* ---- line source ---------------------------------------------------------- */

typedef struct source {
    FILE *f;
    const char *mem;
    size_t size, pos;
    char *buf;
    size_t cap;
} source;

/* Next line without its end-of-line, into s->buf.  Returns 1 with a line,
 * 0 at the end, -1 when the line is longer than `max` (the rest of it is
 * skipped), -2 on a read error, -3 when out of memory. */
static int next_line(source *s, size_t max, size_t *len) {
    size_t n = 0;
    int c, got = 0, over = 0;
    for (;;) {
        if (s->f) {
            c = getc(s->f);
            if (c == EOF) {
                if (ferror(s->f)) return -2;
                break;
            }
        } else {
            if (s->pos >= s->size) break;
            c = (unsigned char)s->mem[s->pos++];
        }
        got = 1;
        if (c == '\n') break;
        if (over) continue;
        if (n >= max) {
            over = 1;
            continue;
        }
        if (HM_RESERVE(s->buf, s->cap, n + 2, 256) != HM_OK) return -3;
        s->buf[n++] = (char)c;
    }
    if (!got) return 0;
    if (over) return -1;
    if (n && s->buf[n - 1] == '\r') n--;
    if (!s->buf) { /* an empty first line */
        if (!(s->buf = malloc(1))) return -3;
        s->cap = 1;
    }
    s->buf[n] = '\0';
    *len = n;
    return 1;
}

/* ---- helpers ----------------------------------------------------------------- */

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) *--e = '\0';
    return s;
}

/* Split a CSV record (RFC 4180 quoting, one physical line) in place.
 * Returns the number of fields, or -1 when a quote is not closed. */
static int split_csv(char *line, char **f, int maxf) {
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == maxf) return n;
        char *out = p;
        f[n++] = out;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p) return -1;
                if (*p == '"') {
                    if (p[1] == '"') {
                        *out++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *out++ = *p++;
            }
            while (*p == ' ' || *p == '\t') p++;
            if (*p && *p != ',') return -1;
        } else {
            while (*p && *p != ',') *out++ = *p++;
        }
        const int more = *p == ',';
        *out = '\0';
        if (!more) return n;
        p++;
    }
}

/* ---- type names -------------------------------------------------------------- */

/* Type names a list may give besides the hash types' (hm_hash_type_name):
 * TMK+PDQF's, ours and python-threatexchange's (hashmatch.pytx's
 * TmkPdqfSignal, docs/pytx.md), and the python-threatexchange and
 * ThreatExchange names of the hash types. */
static const struct {
    const char *name;
    int type;
} kAlias[] = {{TMK_TYPE, TYPE_TMK},             {"video_tmk_pdqf", TYPE_TMK},
              {"video_md5", HM_HASH_MD5},       {"photo_md5", HM_HASH_MD5},
              {"video_sha256", HM_HASH_SHA256}, {"photo_sha256", HM_HASH_SHA256},
              {"pdq_hash", HM_HASH_PDQ},        {"HASH_PDQ", HM_HASH_PDQ},
              {"HASH_MD5", HM_HASH_MD5},        {"HASH_SHA256", HM_HASH_SHA256}};

/* python-threatexchange's signal types (SignalType.get_name(), built in
 * and in its extensions, threatexchange 1.2.6) that libhashmatch does not
 * read from lists.  A line of one of these is well formed and counted as
 * unsupported; any other name that is not a type above is an error.  Its
 * types we read, pdq, video_md5, video_sha256 and video_tmk_pdqf, are
 * names above. */
static const char *const kUnindexed[] = {
    "raw_text", "text_md5", "url",     "url_md5", "trend_query", "vpdq",
    "tlsh",     "text_tlsh", "pdq_ocr", "clip",   "sscd"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The hash type a list's type name stands for, TYPE_TMK, or 0: then
 * *unindexed says whether the name is a known signal type that we do not
 * read. */
static int type_from_name(const char *name, int *unindexed) {
    int t = hm_hash_type_from_name(name);
    *unindexed = 0;
    if (t) return t;
    for (size_t i = 0; i < COUNT(kAlias); i++)
        if (strcmp(kAlias[i].name, name) == 0) return kAlias[i].type;
    for (size_t i = 0; i < COUNT(kUnindexed); i++)
        if (strcmp(kUnindexed[i], name) == 0) *unindexed = 1;
    return 0;
}

/* Could `s` be meant as a type name (known or mistyped), rather than a
 * hash?  A letter, then letters, digits, '_' or '-', not all hex digits. */
static int name_like(const char *s) {
    int hex = 1;
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return 0;
    for (const char *p = s; *p; p++) {
        const char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            hex = 0;
    }
    return !hex;
}

/* ---- the load ------------------------------------------------------------------- */

typedef struct load {
    hm_writer *w;
    const hm_list_load_opts *o;
    hm_list_load_report *rep;
    const char *source;
    const char *default_list;
    uint64_t line;
    uint64_t headers; /* header lines read (not content) */
    int format;
    int col[5]; /* pytx CSV: signal_type, signal_str, collab, category, tags */
    size_t len;  /* the line's length */
    hm_tmk *tmk; /* a tmk row's hash, decoded (allocated at the first) */
    char msg[HM_ERRMSG_MAX];
} load;

/* A bad line: strict mode stops, lenient mode reports and goes on. */
static int reject(load *L, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int reject(load *L, const char *fmt, ...) {
    char why[HM_ERRMSG_MAX - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(L->msg, sizeof L->msg, "%s:%llu: %s", L->source,
             (unsigned long long)L->line, why);
    if (L->o->on_error) L->o->on_error(L->o->user, L->source, L->line, why);
    if (L->o->strict) return HM_E_PARSE;
    if (!L->rep->rejected++) L->rep->first_bad_line = L->line;
    return HM_OK;
}

/* A type name that is neither indexed nor a known signal type. */
static int reject_type(load *L, const char *name) {
    char known[256];
    size_t n = 0;
    known[0] = '\0';
    for (int t = 1; t <= HM_HASH_TYPE_MAX && n < sizeof known; t++)
        n += (size_t)snprintf(known + n, sizeof known - n, "%s, ", hm_hash_type_name(t));
    for (size_t i = 0; i < COUNT(kAlias) && n < sizeof known; i++)
        n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", kAlias[i].name,
                              i + 1 < COUNT(kAlias) ? ", " : "");
    L->rep->unknown_type++;
    return reject(L, "unknown hash type \"%.40s\" (known: %s)", name, known);
}

/* Stage one entry from strings; rejects the line when a field is bad. */
static int put(load *L, int type, const char *hex, const char *id,
               const char *list_name, const char *labels) {
    hm_hash h;
    uint32_t list;
    int added, st;
    if (hm_hash_from_string(type, hex, &h) != HM_OK)
        return reject(L, "bad %s hash \"%.80s\": %s", hm_hash_type_name(type), hex,
                      hm_err_msg());
    if (!list_name || !*list_name) list_name = L->default_list;
    st = hm_ix_list_locked(L->w, list_name, &list);
    if (st == HM_E_INVALID_ARGUMENT) return reject(L, "%s", hm_err_msg());
    if (st != HM_OK) return st;
    if (!id || !*id) id = hex;
    st = hm_ix_add_locked(L->w, list, type, h.bytes, id, labels, HM_NO_AUX, &added);
    if (st == HM_E_INVALID_ARGUMENT) return reject(L, "%s", hm_err_msg());
    if (st != HM_OK) return st;
    if (added) L->rep->added++;
    else L->rep->duplicates++;
    return HM_OK;
}

/* A line longer than HM_INDEX_MAX_LINE (a tmk row's hash field not
 * counted): strict loads fail, lenient ones skip it. */
static int line_too_long(load *L) {
    const unsigned long long max = (unsigned long long)L->w->idx->max_line;
    if (L->o->strict)
        return hm_fail(HM_E_LIMIT, "%s:%llu: line longer than %llu bytes (HM_INDEX_MAX_LINE)",
                       L->source, (unsigned long long)L->line, max);
    return reject(L, "line longer than %llu bytes", max);
}

/* The id of a TMK+PDQF entry given none: the SHA-256 of its .tmk file in
 * hex (the base64 is too long to be an id), as stable as a hash entry's. */
static int tmk_digest_id(const hm_tmk *t, char id[HM_HASH_STRING_MAX]) {
    uint8_t *bytes = malloc(HM_TMK_FILE_SIZE);
    size_t n = 0;
    hm_hash h;
    int st;
    if (!bytes) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    st = hm_tmk_to_bytes(t, bytes, HM_TMK_FILE_SIZE, &n);
    if (st == HM_OK) st = hm_digest_sha256(bytes, n, &h);
    if (st == HM_OK) st = hm_hash_to_string(&h, id, HM_HASH_STRING_MAX);
    free(bytes);
    return st;
}

/* Stage one TMK+PDQF entry of a row whose hash field `b64` is the base64
 * of a .tmk file; HM_INDEX_MAX_LINE counts the rest of the line. */
static int put_tmk(load *L, const char *b64, const char *id, const char *list_name,
                   const char *labels) {
    uint32_t list;
    int added, st;
    char digest[HM_HASH_STRING_MAX];
    if (L->len - strlen(b64) > L->w->idx->max_line) return line_too_long(L);
    if (!L->tmk && !(L->tmk = malloc(sizeof *L->tmk)))
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    if ((st = hm_tmk_read_base64(b64, strlen(b64), L->tmk)) == HM_E_NO_MEMORY) return st;
    if (st != HM_OK)
        return reject(L, "bad " TMK_TYPE " hash (the base64 of a .tmk file): %s", hm_err_msg());
    if (!id || !*id) {
        if ((st = tmk_digest_id(L->tmk, digest)) != HM_OK) return st;
        id = digest;
    }
    if (!list_name || !*list_name) list_name = L->default_list;
    st = hm_ix_list_locked(L->w, list_name, &list);
    if (st == HM_E_INVALID_ARGUMENT) return reject(L, "%s", hm_err_msg());
    if (st != HM_OK) return st;
    st = hm_ix_add_tmk_locked(L->w, list, L->tmk, id, labels, &added);
    if (st == HM_E_INVALID_ARGUMENT) return reject(L, "%s", hm_err_msg());
    if (st != HM_OK) return st;
    if (added) L->rep->added++;
    else L->rep->duplicates++;
    return HM_OK;
}

/* Stage the entry of a row of type `type` (a hash type or TYPE_TMK). */
static int put_row(load *L, int type, const char *hash, const char *id, const char *list_name,
                   const char *labels) {
    return type == TYPE_TMK ? put_tmk(L, hash, id, list_name, labels)
                            : put(L, type, hash, id, list_name, labels);
}

/* The type of a row whose type field is `name`, into *type: a hash type or
 * TYPE_TMK, or 0 when the row is done with: of a known signal type that
 * we do not read (counted as unsupported), of an unknown one (rejected),
 * or longer than HM_INDEX_MAX_LINE (only a TMK row's hash field is not
 * counted: put_tmk checks the rest). */
static int row_type(load *L, const char *name, int *type) {
    int unsup;
    *type = type_from_name(name, &unsup);
    if (*type != TYPE_TMK && L->len > L->w->idx->max_line) {
        *type = 0;
        return line_too_long(L);
    }
    if (*type) return HM_OK;
    if (unsup) {
        L->rep->unsupported++;
        return HM_OK;
    }
    return reject_type(L, name);
}

/* The type of a bare hash: from the options, else the one type of its
 * length.  A length that several types share fails the load (strict or
 * not): the list's type must be given. */
static int plain_type(load *L, const char *hex, int *type) {
    const size_t n = strlen(hex);
    char names[160] = "";
    int found = 0, len = 0;
    *type = 0;
    if (L->o->hash_type) {
        *type = L->o->hash_type;
        return HM_OK;
    }
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
        if (hm_hash_bits(t) / 4 == n) {
            *type = t;
            found++;
        }
    if (found == 1) return HM_OK;
    if (!found) return reject(L, "no hash type has %zu hex digits", n);
    for (int t = 1, k = 0; t <= HM_HASH_TYPE_MAX; t++)
        if (hm_hash_bits(t) / 4 == n)
            len += snprintf(names + len, sizeof names - (size_t)len, "%s%s",
                            k++ ? (k == found ? " or " : ", ") : "", hm_hash_type_name(t));
    snprintf(L->msg, sizeof L->msg,
             "%s:%llu: a bare hash of %zu hex digits may be %s: the list's hash "
             "type must be given (hash_type in hm_list_load_opts)",
             L->source, (unsigned long long)L->line, n, names);
    return HM_E_INVALID_ARGUMENT;
}

static int detect(char *line) {
    char copy[512], *f[MAX_FIELDS];
    snprintf(copy, sizeof copy, "%s", line);
    if (strchr(line, ',')) {
        int n = split_csv(copy, f, MAX_FIELDS);
        for (int i = 0; i < n; i++) {
            const char *x = trim(f[i]);
            if (strcmp(x, "signal_type") == 0) return HM_LIST_PYTX_CSV;
            if (strcmp(x, "hash_type") == 0) return HM_LIST_CANONICAL;
        }
        return n > 1 && name_like(trim(f[0])) ? HM_LIST_CANONICAL : HM_LIST_PLAIN;
    }
    char *save, *tok = strtok_r(copy, " \t", &save), *second = strtok_r(NULL, " \t", &save);
    return tok && second && name_like(tok) ? HM_LIST_TYPED : HM_LIST_PLAIN;
}

static int pytx_header(load *L, char *line) {
    static const char *names[5] = {"signal_type", "signal_str", "collab",
                                   "category", "tags"};
    char *f[MAX_FIELDS];
    int n = split_csv(line, f, MAX_FIELDS);
    for (int c = 0; c < 5; c++) L->col[c] = -1;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 5; c++)
            if (strcmp(trim(f[i]), names[c]) == 0) L->col[c] = i;
    if (L->col[0] < 0 || L->col[1] < 0) {
        snprintf(L->msg, sizeof L->msg,
                 "%s:%llu: a python-threatexchange CSV needs a header naming "
                 "signal_type and signal_str",
                 L->source, (unsigned long long)L->line);
        return HM_E_PARSE;
    }
    L->headers++;
    return HM_OK;
}

static int one_line(load *L, char *line, int *header_done) {
    char *f[MAX_FIELDS];
    int n, type, st;
    switch (L->format) {
    case HM_LIST_PLAIN: {
        if (L->len > L->w->idx->max_line) return line_too_long(L);
        char *hex = trim(line);
        if (strpbrk(hex, " \t,"))
            return reject(L, "expected one hash per line");
        if (hex[strspn(hex, "0123456789abcdefABCDEF")])
            return reject(L, "expected a hash of hex digits, found \"%.40s\"", hex);
        st = plain_type(L, hex, &type);
        if (st != HM_OK || !type) return st; /* !type: rejected (lenient) */
        return put(L, type, hex, NULL, NULL, L->o->labels);
    }
    case HM_LIST_TYPED: {
        char *save, *name = strtok_r(line, " \t", &save);
        /* (a known type we do not read, e.g. "raw_text some words": done) */
        if (name && ((st = row_type(L, name, &type)) != HM_OK || !type)) return st;
        char *hex = name ? strtok_r(NULL, " \t", &save) : NULL;
        if (!hex || strtok_r(NULL, " \t", &save))
            return reject(L, "expected \"<type> <hash>\"");
        return put_row(L, type, hex, NULL, NULL, L->o->labels);
    }
    case HM_LIST_PYTX_CSV:
        if (!*header_done) {
            *header_done = 1;
            return L->len > L->w->idx->max_line ? line_too_long(L) : pytx_header(L, line);
        }
        if ((n = split_csv(line, f, MAX_FIELDS)) < 0) return reject(L, "unclosed quote");
        if (n <= L->col[0] || n <= L->col[1]) return reject(L, "too few fields");
#define COL(c) (L->col[c] >= 0 && L->col[c] < n ? trim(f[L->col[c]]) : NULL)
        if ((st = row_type(L, trim(f[L->col[0]]), &type)) != HM_OK || !type) return st;
        const char *category = COL(3);
        if (category && strcmp(category, "NEGATIVE_CLASS") == 0 &&
            !L->o->include_negative) {
            L->rep->negative++;
            return HM_OK;
        }
        const char *tags = COL(4);
        return put_row(L, type, trim(f[L->col[1]]), NULL, COL(2),
                       tags && *tags ? tags : L->o->labels);
#undef COL
    case HM_LIST_CANONICAL:
        if ((n = split_csv(line, f, MAX_FIELDS)) < 0) return reject(L, "unclosed quote");
        if (!*header_done) {
            *header_done = 1;
            if (strcmp(trim(f[0]), "hash_type") == 0) {
                L->headers++;
                return HM_OK;
            }
        }
        if (n < 2 || n > 5)
            return reject(L, "expected hash_type,hash,entry_id,list,labels");
        if ((st = row_type(L, trim(f[0]), &type)) != HM_OK || !type) return st;
        return put_row(L, type, trim(f[1]), n > 2 ? trim(f[2]) : NULL,
                       n > 3 ? trim(f[3]) : NULL,
                       n > 4 && *trim(f[4]) ? trim(f[4]) : L->o->labels);
    }
    return HM_E_INTERNAL;
}

/* Is the line not UTF-8 text (a NUL byte, a malformed sequence)?  Then
 * it is rejected, with the status in *st. */
static int bad_text(load *L, const char *line, size_t len, int *st) {
    const unsigned char *u = (const unsigned char *)line;
    const char *nul = memchr(line, '\0', len);
    const size_t bad = hm_utf8_invalid_at(line, len);
    if (L->line == 1 && len >= 2 &&
        ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
        *st = reject(L, "the file is UTF-16 (it starts with a UTF-16 byte-order mark): "
                        "hash lists are UTF-8 text");
    else if (nul && (size_t)(nul - line) <= bad)
        *st = reject(L, "NUL byte at byte %zu of the line (hash lists are UTF-8 text)",
                     (size_t)(nul - line) + 1);
    else if (bad < len)
        *st = reject(L, "not UTF-8: byte 0x%02x at byte %zu of the line (hash lists are "
                        "UTF-8 text)", u[bad], bad + 1);
    else
        return 0;
    return 1;
}

/* Nothing loaded from a file with content: the load fails.  Skipped
 * NEGATIVE_CLASS rows count as loaded (the file was read right and the
 * options skipped them); lines of types we do not index do not. */
static int nothing_loaded(load *L, uint64_t content) {
    static const char *fmt_name[] = {"", "one hash per line", "\"<type> <hash>\" lines",
                                     "python-threatexchange CSV", "canonical CSV"};
    const hm_list_load_report *r = L->rep;
    char why[HM_ERRMSG_MAX - 64];
    int n = 0;
    if (r->rejected)
        n = snprintf(why, sizeof why, "%llu rejected (the first at line %llu)%s",
                     (unsigned long long)r->rejected, (unsigned long long)r->first_bad_line,
                     r->unsupported ? ", " : "");
    if (r->unsupported)
        snprintf(why + n, sizeof why - (size_t)n,
                 "%llu of signal types libhashmatch does not index (url, raw_text, ...)",
                 (unsigned long long)r->unsupported);
    return hm_fail(HM_E_UNKNOWN_FORMAT,
                   "%s: nothing loaded from %llu %s of content%s%s: %s "
                   "(docs/hashlist-formats.md)",
                   L->source, (unsigned long long)content, content == 1 ? "line" : "lines",
                   r->format ? " read as " : "",
                   r->format > 0 && r->format <= HM_LIST_CANONICAL ? fmt_name[r->format] : "",
                   why);
}

static int run(hm_writer *w, source *src, const char *name,
               const char *default_list, const hm_list_load_opts *opts,
               hm_list_load_report *report) {
    hm_list_load_opts defaults;
    hm_list_load_report dummy;
    load L;
    hm_ix_mark mark;
    int st = HM_OK, header_done = 0, r;
    uint64_t content = 0; /* lines that are not blank, comments or headers */
    size_t len;
    if (!opts) {
        hm_list_load_opts_init(&defaults);
        opts = &defaults;
    }
    if (!report) report = &dummy;
    memset(report, 0, sizeof *report);
    if (opts->format < HM_LIST_AUTO || opts->format > HM_LIST_CANONICAL ||
        (opts->hash_type && !hm_hash_bits(opts->hash_type)))
        return hm_fail(HM_E_INVALID_ARGUMENT, "bad list-load options");
    if (opts->list && !hm_ix_valid_list_name(opts->list))
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "bad list-load options: list names are 1 to %d bytes of UTF-8 "
                       "without control characters", HM_MAX_NAME);
    if (opts->labels && !hm_ix_valid_utf8_text(opts->labels, HM_MAX_LABELS, 1))
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "bad list-load options: labels are at most %d bytes of UTF-8 "
                       "without control characters", HM_MAX_LABELS);
    memset(&L, 0, sizeof L);
    L.w = w;
    L.o = opts;
    L.rep = report;
    L.source = name;
    L.default_list = opts->list ? opts->list : default_list;
    L.format = opts->format;
    hm_ix_mark_take(w, &mark);
    /* a longer line only as a TMK row, in any format that names types
     * (row_type and put_tmk check) */
    const size_t room = L.format == HM_LIST_PLAIN ? 0 : TMK_ROOM;
    while ((r = next_line(src, w->idx->max_line + room, &len)) != 0) {
        L.line = ++report->lines;
        if (r == -2 || r == -3) {
            st = r == -2 ? hm_fail(HM_E_IO, "%s: read error", name)
                         : hm_fail(HM_E_NO_MEMORY, "out of memory");
            break;
        }
        if (r == -1) {
            content++;
            if ((st = line_too_long(&L)) != HM_OK) break;
            continue;
        }
        char *line = src->buf;
        if (L.line == 1 && len >= 3 && (unsigned char)line[0] == 0xef &&
            (unsigned char)line[1] == 0xbb && (unsigned char)line[2] == 0xbf) {
            line += 3; /* UTF-8 byte-order mark */
            len -= 3;
        }
        /* before anything reads it as a C string, which a NUL would cut */
        const uint64_t headers = L.headers;
        if (!bad_text(&L, line, len, &st)) {
            char *t = trim(line);
            if (!*t || *t == '#') continue;
            if (L.format == HM_LIST_AUTO) L.format = detect(t);
            report->format = L.format;
            L.len = len;
            st = one_line(&L, t, &header_done);
        }
        if (L.headers == headers) content++;
        if (st != HM_OK) {
            /* (after any on_error callback, which may have called the
             * library and so changed the thread's message) */
            if (!hm_err_msg()[0] || st == HM_E_PARSE || st == HM_E_INVALID_ARGUMENT)
                hm_err_set("%s", L.msg);
            break;
        }
    }
    if (st == HM_OK && content &&
        report->added + report->duplicates + report->negative == 0)
        st = nothing_loaded(&L, content);
    free(L.tmk);
    if (st != HM_OK) {
        hm_ix_rollback(w, &mark);
        report->added = 0;
    }
    return st; /* lenient: rejected lines are not a failure, hm_ix_write_end clears them */
}

/* The default list name: the file's base name without its extension, with
 * bytes that are not UTF-8 text (control characters included) written as
 * U+FFFD and cut to HM_MAX_NAME bytes at a character boundary. */
static void default_list(const char *path, char out[HM_MAX_NAME + 1]) {
    const char *b = strrchr(path, '/'), *dot;
    size_t n, o = 0;
    b = b ? b + 1 : path;
    dot = strrchr(b, '.');
    n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    for (size_t i = 0; i < n;) {
        const unsigned char *u = (const unsigned char *)b + i;
        size_t k = hm_utf8_seq(u, n - i);
        const char *piece = (const char *)u;
        size_t plen = k;
        if (!k || *u < 0x20 || *u == 0x7f) {
            piece = "\xef\xbf\xbd";
            plen = 3;
            k = 1;
        }
        if (o + plen > HM_MAX_NAME) break;
        memcpy(out + o, piece, plen);
        o += plen;
        i += k;
    }
    if (o) out[o] = '\0';
    else snprintf(out, HM_MAX_NAME + 1, "default");
}

static int load_file(hm_writer *w, const char *path, const hm_list_load_opts *opts,
                     hm_list_load_report *report) {
    source src = {0};
    char list[HM_MAX_NAME + 1];
    int st;
    if (report) memset(report, 0, sizeof *report);
    if (!path) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL path");
    if (!(src.f = fopen(path, "rb"))) return hm_fail(HM_E_IO, "%s: %s", path, strerror(errno));
    default_list(path, list);
    st = run(w, &src, path, list, opts, report);
    fclose(src.f);
    free(src.buf);
    return st;
}

static int load_memory(hm_writer *w, const void *data, size_t size, const char *name,
                       const hm_list_load_opts *opts, hm_list_load_report *report) {
    source src = {0};
    char list[HM_MAX_NAME + 1];
    int st;
    if (report) memset(report, 0, sizeof *report);
    if (!data && size) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL data");
    src.mem = data;
    src.size = size;
    default_list(name ? name : "default", list);
    st = run(w, &src, name ? name : "(memory)", list, opts, report);
    free(src.buf);
    return st;
}

hm_status hm_index_load_list(hm_index *idx, const char *path, const hm_list_load_opts *opts,
                             hm_list_load_report *report) {
    hm_writer w;
    int st = hm_ix_write_index(idx, &w);
    return st ? st : hm_ix_write_end(&w, load_file(&w, path, opts, report));
}

hm_status hm_txn_load_list(hm_txn *txn, const char *path, const hm_list_load_opts *opts,
                           hm_list_load_report *report) {
    hm_writer w;
    int st = hm_ix_write_txn(txn, &w);
    return st ? st : hm_ix_write_end(&w, load_file(&w, path, opts, report));
}

hm_status hm_index_load_list_memory(hm_index *idx, const void *data, size_t size,
                                    const char *name, const hm_list_load_opts *opts,
                                    hm_list_load_report *report) {
    hm_writer w;
    int st = hm_ix_write_index(idx, &w);
    return st ? st : hm_ix_write_end(&w, load_memory(&w, data, size, name, opts, report));
}

hm_status hm_txn_load_list_memory(hm_txn *txn, const void *data, size_t size, const char *name,
                                  const hm_list_load_opts *opts, hm_list_load_report *report) {
    hm_writer w;
    int st = hm_ix_write_txn(txn, &w);
    return st ? st : hm_ix_write_end(&w, load_memory(&w, data, size, name, opts, report));
}
