/* SPDX-License-Identifier: BSD-3-Clause */
/* Strings, escaping and option helpers of hashcheck. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* ---- messages and options ------------------------------------------------- */

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

int hc_is_help(const char *a) { return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0; }

const char *hc_plural(size_t n, const char *one, const char *many) {
    return n == 1 ? one : many;
}

int hc_usage_error(const char *cmd) {
    fprintf(stderr, "Try 'hashcheck %s%s--help' for the options.\n", cmd ? cmd : "",
            cmd ? " " : "");
    return HC_EXIT_USAGE;
}

unsigned hc_parse_types(const char *list) {
    unsigned mask = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char name[32];
        if (len == 0 || len >= sizeof name) {
            hc_err("bad hash type list '%s'", list);
            return 0;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        int type = hm_hash_type_from_name(name);
        if (strcmp(name, "all") == 0) {
            mask |= HM_TYPES_ALL;
        } else if (!type) {
            hc_err("unknown hash type '%s' (pdq, phash, dhash, ahash, md5, sha256, all)",
                   name);
            return 0;
        } else {
            mask |= HM_TYPE_BIT(type);
        }
        p += len;
        if (*p == ',') p++;
    }
    if (!mask) hc_err("empty hash type list");
    return mask;
}

int hc_parse_long(const char *s, long min, long max, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno || v < min || v > max) return 0;
    *out = v;
    return 1;
}

int hc_parse_double(const char *s, double min, double max, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno || !(v >= min && v <= max)) return 0;
    *out = v;
    return 1;
}

int hc_default_jobs(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > 64) n = 64;
    return (int)n;
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
    default: return "unknown";
    }
}

void hc_hasher_cfg_init(hc_hasher_cfg *c) {
    c->flavour = c->exif = c->fast = c->max_pixels = c->max_bytes = -1;
}

static int parse_limit(const char *arg, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || errno || v <= 0) return 0;
    *out = v;
    return 1;
}

int hc_hasher_option(int argc, char **argv, int *i, hc_hasher_cfg *c) {
    const char *a = argv[*i];
    if (strcmp(a, "--exif-orientation") == 0) {
        c->exif = 1;
        return 1;
    }
    if (strcmp(a, "--fast") == 0) {
        c->fast = 1;
        return 1;
    }
    if (*i + 1 >= argc) return 0;
    const char *v = argv[*i + 1];
    if (strcmp(a, "--pdq-flavour") == 0 || strcmp(a, "--pdq-flavor") == 0) {
        if (strcmp(v, "fullres") == 0) c->flavour = HM_PDQ_FULLRES;
        else if (strcmp(v, "cpp512") == 0) c->flavour = HM_PDQ_CPP_512;
        else {
            hc_err("unknown PDQ flavour '%s' (fullres, cpp512)", v);
            return -1;
        }
    } else if (strcmp(a, "--max-pixels") == 0 || strcmp(a, "--max-bytes") == 0) {
        if (!parse_limit(v, a[6] == 'p' ? &c->max_pixels : &c->max_bytes)) {
            hc_err("%s needs a positive integer", a);
            return -1;
        }
    } else {
        return 0;
    }
    ++*i;
    return 1;
}

hm_status hc_hasher_new(const hc_hasher_cfg *c, hm_hasher **out) {
    hm_status st = hm_hasher_create(out);
    if (st != HM_OK) return st;
    if (c->flavour >= 0) st = hm_hasher_set(*out, HM_PARAM_PDQ_FLAVOUR, c->flavour);
    if (st == HM_OK && c->exif >= 0)
        st = hm_hasher_set(*out, HM_PARAM_APPLY_EXIF_ORIENTATION, c->exif);
    if (st == HM_OK && c->fast >= 0) st = hm_hasher_set(*out, HM_PARAM_FAST, c->fast);
    if (st == HM_OK && c->max_pixels > 0)
        st = hm_hasher_set(*out, HM_PARAM_MAX_PIXELS, c->max_pixels);
    if (st == HM_OK && c->max_bytes > 0)
        st = hm_hasher_set(*out, HM_PARAM_MAX_INPUT_BYTES, c->max_bytes);
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

int hc_video_option(int argc, char **argv, int *i, hm_video_opts *o) {
    const char *a = argv[*i];
    if (strcmp(a, "--apply-rotation") == 0) {
        o->apply_rotation = 1;
        return 1;
    }
    if (*i + 1 >= argc) return 0;
    const char *v = argv[*i + 1];
    if (strcmp(a, "--mode") == 0) {
        if (strcmp(v, "interval") == 0) o->mode = HM_FRAMES_INTERVAL;
        else if (strcmp(v, "keyframes") == 0) o->mode = HM_FRAMES_KEYFRAMES;
        else if (strcmp(v, "all") == 0) o->mode = HM_FRAMES_ALL;
        else {
            hc_err("unknown frame mode '%s' (interval, keyframes, all)", v);
            return -1;
        }
    } else if (strcmp(a, "--interval") == 0) {
        if (!hc_parse_double(v, 0, 86400, &o->interval)) {
            hc_err("--interval needs seconds >= 0");
            return -1;
        }
    } else if (strcmp(a, "--size") == 0) {
        long n;
        if (!hc_parse_long(v, 0, 4096, &n)) {
            hc_err("--size needs 0..4096");
            return -1;
        }
        o->downscale = (int32_t)n;
    } else {
        return 0;
    }
    ++*i;
    return 1;
}

void hc_batch_cfg_init(hc_batch_cfg *c) {
    c->jobs = hc_default_jobs();
    c->follow = 0;
    c->progress = -1;
    c->quiet = 0;
}

int hc_batch_option(int argc, char **argv, int *i, hc_batch_cfg *c) {
    const char *a = argv[*i];
    if (strcmp(a, "-L") == 0 || strcmp(a, "--follow-symlinks") == 0) {
        c->follow = 1;
        return 1;
    }
    if (strcmp(a, "--progress") == 0) {
        c->progress = 1;
        return 1;
    }
    if (strcmp(a, "--no-progress") == 0) {
        c->progress = 0;
        return 1;
    }
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
        c->quiet = 1;
        return 1;
    }
    const char *v = NULL;
    if (strncmp(a, "-j", 2) == 0 && a[2]) {
        v = a + 2; /* -j8 */
    } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
        if (*i + 1 >= argc) return 0;
        v = argv[++*i];
    } else {
        return 0;
    }
    long n;
    if (!hc_parse_long(v, 0, 256, &n)) {
        hc_err("-j needs a thread count 1..256 (0: one per CPU)");
        return -1;
    }
    c->jobs = n ? (int)n : hc_default_jobs();
    return 1;
}
