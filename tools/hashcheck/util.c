/* SPDX-License-Identifier: BSD-3-Clause */
/* Strings, escaping, messages and hashers of hashcheck. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/utf8.h"
#include "hc.h"

/* ---- growable strings ---------------------------------------------------- */

static int sb_grow(sbuf *b, size_t extra) {
    if (b->oom) return 0;
    if (b->n + extra + 1 <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return 0;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void sb_reset(sbuf *b) {
    b->n = 0;
    b->oom = 0;
    if (b->p) b->p[0] = '\0';
}

void sb_free(sbuf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

void sb_put(sbuf *b, const char *s, size_t n) {
    if (!n || !sb_grow(b, n)) return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void sb_putc(sbuf *b, char c) { sb_put(b, &c, 1); }

void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        sb_put(b, small, (size_t)n);
        return;
    }
    if (!sb_grow(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

int utf8_valid(const char *s) {
    const size_t n = strlen(s);
    return hm_utf8_invalid_at(s, n) == n;
}

void sb_json_str(sbuf *b, const char *s) {
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    const unsigned char *end = u + strlen((const char *)u);
    sb_putc(b, '"');
    while (*u) {
        unsigned c = *u;
        if (c >= 0x80) {
            size_t k = hm_utf8_seq(u, (size_t)(end - u));
            if (k) {
                sb_put(b, (const char *)u, k);
                u += k;
            } else {
                sb_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
                u++;
            }
            continue;
        }
        switch (c) {
        case '"': sb_puts(b, "\\\""); break;
        case '\\': sb_puts(b, "\\\\"); break;
        case '\n': sb_puts(b, "\\n"); break;
        case '\r': sb_puts(b, "\\r"); break;
        case '\t': sb_puts(b, "\\t"); break;
        case '\b': sb_puts(b, "\\b"); break;
        case '\f': sb_puts(b, "\\f"); break;
        default:
            if (c < 0x20 || c == 0x7f) sb_printf(b, "\\u%04x", c);
            else sb_putc(b, (char)c);
        }
        u++;
    }
    sb_putc(b, '"');
}

void sb_json_num(sbuf *b, double v, int decimals) {
    if (!isfinite(v)) v = 0;
    sb_printf(b, "%.*f", decimals, v);
}

void sb_csv(sbuf *b, const char *s) {
    if (!s) return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        sb_puts(b, s);
        return;
    }
    sb_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"') sb_putc(b, '"');
        sb_putc(b, *s);
    }
    sb_putc(b, '"');
}

void sb_text(sbuf *b, const char *s) {
    for (const unsigned char *u = (const unsigned char *)(s ? s : ""); *u; u++) {
        if (*u == '\n') sb_puts(b, "\\n");
        else if (*u == '\t') sb_puts(b, "\\t");
        else if (*u < 0x20 || *u == 0x7f) sb_printf(b, "\\x%02x", *u);
        else if (*u == '\\') sb_puts(b, "\\\\");
        else sb_putc(b, (char)*u);
    }
}

/* ---- messages, names, hashers ---------------------------------------------- */

void hc_err(const char *fmt, ...) {
    va_list ap;
    fputs("hashcheck: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

double hc_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *hc_plural(size_t n, const char *one, const char *many) {
    return n == 1 ? one : many;
}

int hc_parse_hash_arg(const char *a, hm_hash *h) {
    const char *colon = strchr(a, ':');
    char name[16];
    if (!colon || colon - a >= (ptrdiff_t)sizeof name) return 0;
    memcpy(name, a, (size_t)(colon - a));
    name[colon - a] = '\0';
    int type = hm_hash_type_from_name(name);
    return type && hm_hash_from_string(type, colon + 1, h) == HM_OK;
}

const char *hc_variant_name(int v) {
    static const char *names[] = {"original", "rot90",  "rot180",     "rot270",
                                  "flipx",    "flipy",  "flipplus1",  "flipminus1"};
    return v >= 0 && v < 8 ? names[v] : "?";
}

const char *hc_kind_name(int kind) {
    switch (kind) {
    case HC_KIND_IMAGE: return "image";
    case HC_KIND_VIDEO: return "video";
    case HC_KIND_FILE: return "file";
    case HC_KIND_HASH: return "hash";
    case HC_KIND_TMK: return "tmk";
    default: return "unknown";
    }
}

hm_status hc_hasher_new(const hc_hasher_cfg *c, hm_hasher **out) {
    hm_status st = hm_hasher_create(out);
    if (st != HM_OK) return st;
    if (c->flavour >= 0) st = hm_hasher_set(*out, HM_HASHER_PDQ_FLAVOUR, c->flavour);
    if (st == HM_OK && c->exif >= 0)
        st = hm_hasher_set(*out, HM_HASHER_APPLY_EXIF_ORIENTATION, c->exif);
    if (st == HM_OK && c->fast >= 0) st = hm_hasher_set(*out, HM_HASHER_FAST, c->fast);
    if (st == HM_OK && c->max_pixels > 0)
        st = hm_hasher_set(*out, HM_HASHER_MAX_PIXELS, c->max_pixels);
    if (st == HM_OK && c->max_bytes > 0)
        st = hm_hasher_set(*out, HM_HASHER_MAX_INPUT_BYTES, c->max_bytes);
    if (st != HM_OK) {
        hm_hasher_free(*out);
        *out = NULL;
    }
    return st;
}

int hc_hasher_cfg_check(const hc_hasher_cfg *c) {
    hm_hasher *h;
    const hm_status st = hc_hasher_new(c, &h);
    hm_hasher_free(h);
    if (st == HM_OK) return 0;
    hc_err("bad hasher settings (%s)", hm_strerror(st));
    return -1;
}

void *hc_worker_hasher(const hc_hasher_cfg *c) {
    hm_hasher *h;
    return hc_hasher_new(c, &h) == HM_OK ? h : NULL;
}

void hc_worker_hasher_free(void *state) { hm_hasher_free(state); }
