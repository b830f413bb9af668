/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hash-list ingest: the line formats users have (docs/hashlist-formats.md)
 * turned into staged entries.  Lines are read with a length limit, so a
 * hostile list cannot make us buffer more than HM_INDEX_MAX_LINE bytes.
 * Strict loads are all-or-nothing: a bad line rolls back everything the
 * file staged.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"

#define MAX_FIELDS 16

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
        if (n + 1 >= s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 256;
            char *b = realloc(s->buf, cap);
            if (!b) return -3;
            s->buf = b;
            s->cap = cap;
        }
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

/* Hash type from a list's type name: ours, and python-threatexchange's. */
static int type_from_name(const char *name, int *unsupported) {
    static const struct { const char *name; int type; } alias[] = {
        {"video_md5", HM_HASH_MD5}, {"photo_md5", HM_HASH_MD5},
        {"video_sha256", HM_HASH_SHA256}, {"photo_sha256", HM_HASH_SHA256},
        {"pdq_hash", HM_HASH_PDQ}, {"HASH_PDQ", HM_HASH_PDQ},
        {"HASH_MD5", HM_HASH_MD5}, {"HASH_SHA256", HM_HASH_SHA256}};
    int t = hm_hash_type_from_name(name);
    *unsupported = 0;
    if (t) return t;
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strcmp(alias[i].name, name) == 0) return alias[i].type;
    /* a plausible signal-type name that we do not index (url, text, tmk) */
    *unsupported = 1;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_'))
            *unsupported = 0;
    return 0;
}

/* ---- the load ------------------------------------------------------------------- */

typedef struct load {
    hm_index *idx;
    const hm_list_load_opts *o;
    hm_list_load_report *rep;
    const char *source;
    const char *default_list;
    uint64_t line;
    int format;
    int col[5]; /* pytx CSV: signal_type, signal_str, collab, category, tags */
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

/* Stage one entry from strings; rejects the line when the hash is bad. */
static int put(load *L, int type, const char *hex, const char *id,
               const char *list_name, const char *labels) {
    hm_hash h;
    uint32_t list;
    int added, st;
    if (hm_hash_from_string(type, hex, &h) != HM_OK)
        return reject(L, "bad %s hash \"%.80s\" (expected %u hex digits)",
                      hm_hash_type_name(type), hex, hm_hash_bits(type) / 4);
    if (!list_name || !*list_name) list_name = L->default_list;
    if ((st = hm_ix_list_locked(L->idx, list_name, &list)) != HM_OK) {
        if (st == HM_E_INVALID_ARGUMENT) return reject(L, "bad list name");
        return st;
    }
    if (!id || !*id) id = hex;
    st = hm_ix_add_locked(L->idx, list, type, h.bytes, id, labels, HM_NO_AUX, &added);
    if (st == HM_E_INVALID_ARGUMENT) return reject(L, "%s", L->idx->err.msg);
    if (st != HM_OK) return st;
    if (added) L->rep->added++;
    else L->rep->duplicates++;
    return HM_OK;
}

static int plain_type(load *L, const char *hex, int *type) {
    if (L->o->hash_type) {
        *type = L->o->hash_type;
        return HM_OK;
    }
    if (strlen(hex) == 32) {
        *type = HM_HASH_MD5;
        return HM_OK;
    }
    snprintf(L->msg, sizeof L->msg,
             "%s:%llu: a hash of %zu hex digits could be of several types: "
             "set the hash type of this list",
             L->source, (unsigned long long)L->line, strlen(hex));
    return HM_E_INVALID_ARGUMENT;
}

static int detect(load *L, char *line) {
    char copy[512], *f[MAX_FIELDS];
    snprintf(copy, sizeof copy, "%s", line);
    if (strchr(line, ',')) {
        int n = split_csv(copy, f, MAX_FIELDS), unsup;
        for (int i = 0; i < n; i++) {
            const char *x = trim(f[i]);
            if (strcmp(x, "signal_type") == 0) return HM_LIST_PYTX_CSV;
            if (strcmp(x, "hash_type") == 0) return HM_LIST_CANONICAL;
        }
        return n > 0 && type_from_name(trim(f[0]), &unsup) ? HM_LIST_CANONICAL
                                                          : HM_LIST_PLAIN;
    }
    char *save, *tok = strtok_r(copy, " \t", &save), *second = strtok_r(NULL, " \t", &save);
    int unsup;
    if (tok && second && (type_from_name(tok, &unsup) || unsup)) return HM_LIST_TYPED;
    return HM_LIST_PLAIN;
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
    return HM_OK;
}

static int one_line(load *L, char *line, int *header_done) {
    char *f[MAX_FIELDS];
    int n, type, unsup;
    switch (L->format) {
    case HM_LIST_PLAIN: {
        char *hex = trim(line);
        if (strpbrk(hex, " \t,"))
            return reject(L, "expected one hash per line");
        int st = plain_type(L, hex, &type);
        if (st != HM_OK) return st;
        return put(L, type, hex, NULL, NULL, L->o->labels);
    }
    case HM_LIST_TYPED: {
        char *save, *name = strtok_r(line, " \t", &save);
        if (name && !(type = type_from_name(name, &unsup))) {
            if (unsup) { /* e.g. "raw_text some words" */
                L->rep->unsupported++;
                return HM_OK;
            }
            return reject(L, "unknown hash type \"%.40s\"", name);
        }
        char *hex = name ? strtok_r(NULL, " \t", &save) : NULL;
        if (!hex || strtok_r(NULL, " \t", &save))
            return reject(L, "expected \"<type> <hash>\"");
        return put(L, type, hex, NULL, NULL, L->o->labels);
    }
    case HM_LIST_PYTX_CSV:
        if (!*header_done) {
            *header_done = 1;
            return pytx_header(L, line);
        }
        if ((n = split_csv(line, f, MAX_FIELDS)) < 0) return reject(L, "unclosed quote");
        if (n <= L->col[0] || n <= L->col[1]) return reject(L, "too few fields");
#define COL(c) (L->col[c] >= 0 && L->col[c] < n ? trim(f[L->col[c]]) : NULL)
        const char *stype = trim(f[L->col[0]]);
        if (!(type = type_from_name(stype, &unsup))) {
            if (unsup) {
                L->rep->unsupported++;
                return HM_OK;
            }
            return reject(L, "unknown signal type \"%.40s\"", stype);
        }
        const char *category = COL(3);
        if (category && strcmp(category, "NEGATIVE_CLASS") == 0 &&
            !L->o->include_negative) {
            L->rep->negative++;
            return HM_OK;
        }
        const char *tags = COL(4);
        return put(L, type, trim(f[L->col[1]]), NULL, COL(2),
                   tags && *tags ? tags : L->o->labels);
#undef COL
    case HM_LIST_CANONICAL:
        if ((n = split_csv(line, f, MAX_FIELDS)) < 0) return reject(L, "unclosed quote");
        if (!*header_done) {
            *header_done = 1;
            if (strcmp(trim(f[0]), "hash_type") == 0) return HM_OK;
        }
        if (n < 2 || n > 5)
            return reject(L, "expected hash_type,hash,entry_id,list,labels");
        if (!(type = type_from_name(trim(f[0]), &unsup))) {
            if (unsup) {
                L->rep->unsupported++;
                return HM_OK;
            }
            return reject(L, "unknown hash type \"%.40s\"", trim(f[0]));
        }
        return put(L, type, trim(f[1]), n > 2 ? trim(f[2]) : NULL,
                   n > 3 ? trim(f[3]) : NULL,
                   n > 4 && *trim(f[4]) ? trim(f[4]) : L->o->labels);
    }
    return HM_E_INTERNAL;
}

static int run(hm_index *idx, source *src, const char *name,
               const char *default_list, const hm_list_load_opts *opts,
               hm_list_load_report *report) {
    hm_list_load_opts defaults;
    hm_list_load_report dummy;
    load L;
    hm_ix_mark mark;
    int st = HM_OK, header_done = 0, r;
    size_t len;
    if (!opts) {
        hm_list_load_opts_init(&defaults);
        opts = &defaults;
    }
    if (!report) report = &dummy;
    memset(report, 0, sizeof *report);
    if (opts->format < HM_LIST_AUTO || opts->format > HM_LIST_CANONICAL ||
        (opts->hash_type && !hm_hash_bits(opts->hash_type)))
        return hm_fail(&idx->err, HM_E_INVALID_ARGUMENT, "bad list-load options");
    memset(&L, 0, sizeof L);
    L.idx = idx;
    L.o = opts;
    L.rep = report;
    L.source = name;
    L.default_list = opts->list ? opts->list : default_list;
    L.format = opts->format;
    hm_ix_mark_take(idx, &mark);
    while ((r = next_line(src, idx->max_line, &len)) != 0) {
        L.line = ++report->lines;
        if (r == -2 || r == -3) {
            st = r == -2 ? hm_fail(&idx->err, HM_E_IO, "%s: read error", name)
                         : hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
            break;
        }
        if (r == -1) {
            if (opts->strict) {
                st = hm_fail(&idx->err, HM_E_LIMIT,
                             "%s:%llu: line longer than %llu bytes "
                             "(HM_INDEX_MAX_LINE)",
                             name, (unsigned long long)L.line,
                             (unsigned long long)idx->max_line);
                break;
            }
            if ((st = reject(&L, "line longer than %llu bytes",
                             (unsigned long long)idx->max_line)) != HM_OK)
                break;
            continue;
        }
        char *line = src->buf;
        if (L.line == 1 && (unsigned char)line[0] == 0xef &&
            (unsigned char)line[1] == 0xbb && (unsigned char)line[2] == 0xbf)
            line += 3; /* UTF-8 byte-order mark */
        char *t = trim(line);
        if (!*t || *t == '#') continue;
        if (L.format == HM_LIST_AUTO) L.format = detect(&L, t);
        report->format = L.format;
        if ((st = one_line(&L, t, &header_done)) != HM_OK) {
            if (!idx->err.msg[0] || st == HM_E_PARSE || st == HM_E_INVALID_ARGUMENT)
                hm_fail(&idx->err, st, "%s", L.msg);
            break;
        }
    }
    if (st != HM_OK) {
        hm_ix_rollback(idx, &mark);
        report->added = 0;
    } else {
        hm_err_clear(&idx->err); /* lenient: rejected lines are not a failure */
    }
    return st;
}

/* Default list name: the file's base name without its extension. */
static void base_name(const char *path, char *out, size_t cap) {
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(out, cap, "%s", *b ? b : "default");
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = '\0';
}

hm_status hm_index_load_list(hm_index *idx, const char *path,
                             const hm_list_load_opts *opts,
                             hm_list_load_report *report) {
    source src = {0};
    char list[HM_MAX_NAME + 1];
    int st;
    if (!idx || !path) return HM_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&idx->wlock);
    hm_err_clear(&idx->err);
    if (!(src.f = fopen(path, "rb"))) {
        st = hm_fail(&idx->err, HM_E_IO, "%s: %s", path, strerror(errno));
    } else {
        base_name(path, list, sizeof list);
        st = run(idx, &src, path, list, opts, report);
        fclose(src.f);
    }
    free(src.buf);
    pthread_mutex_unlock(&idx->wlock);
    return st;
}

hm_status hm_index_load_list_memory(hm_index *idx, const void *data,
                                    size_t size, const char *name,
                                    const hm_list_load_opts *opts,
                                    hm_list_load_report *report) {
    source src = {0};
    int st;
    if (!idx || (!data && size)) return HM_E_INVALID_ARGUMENT;
    char list[HM_MAX_NAME + 1];
    src.mem = data;
    src.size = size;
    base_name(name ? name : "default", list, sizeof list);
    pthread_mutex_lock(&idx->wlock);
    hm_err_clear(&idx->err);
    st = run(idx, &src, name ? name : "(memory)", list, opts, report);
    free(src.buf);
    pthread_mutex_unlock(&idx->wlock);
    return st;
}
