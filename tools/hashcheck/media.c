/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hashing one input: the kind is decided from content, never from the
 * file name.  An image signature (JPEG, PNG, GIF, WebP, BMP, TIFF) makes
 * an image; anything else is offered to the video reader (allow-listed
 * containers and codecs); what neither accepts is not media.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hc.h"

static void fail(hc_media *m, hm_status st, const char *fmt, const char *a, const char *b) {
    m->failed = 1;
    m->status = st;
    snprintf(m->err, sizeof m->err, fmt, a, b ? b : "");
}

/* Where the bytes come from: a regular file, read by the library (so a
 * large video is streamed), or the whole content of stdin ("-"), a pipe
 * or a device, read into memory first (it can be read only once). */
typedef struct source {
    const char *path;
    uint8_t *data; /* NULL: read `path` */
    size_t size;
} source;

/* The message of the library call just made (this thread's
 * hm_last_error()) about the source, its path named once: messages from
 * opening a file start with its name, others do not. */
static void lib_message(const source *s, char *err, size_t errcap) {
    const char *msg = hm_last_error();
    const size_t n = strlen(s->path);
    if (strncmp(msg, s->path, n) == 0 && msg[n] == ':') snprintf(err, errcap, "%s", msg);
    else snprintf(err, errcap, "%s: %s", s->path, msg);
}

/* The failure of the library call just made. */
static void fail_lib(hc_media *m, hm_status st, const source *s) {
    m->failed = 1;
    m->status = st;
    lib_message(s, m->err, sizeof m->err);
}

static hm_status src_hash(hm_hasher *h, const source *s, unsigned types, hc_media *m) {
    const size_t cap = sizeof m->h / sizeof m->h[0];
    hm_status st = s->data ? hm_hash_memory(h, s->data, s->size, types, m->h, cap, &m->nh,
                                            &m->info)
                           : hm_hash_file(h, s->path, types, m->h, cap, &m->nh, &m->info);
    if (st != HM_OK) m->nh = 0;
    return st;
}

/* The file digests (md5/sha256): no decoding, any content. */
static void digests(hm_hasher *h, const source *s, unsigned crypto, hc_media *m) {
    hm_image_info keep = m->info;
    hm_status st = src_hash(h, s, crypto, m);
    m->info = keep;
    if (st != HM_OK && !m->failed) fail_lib(m, st, s);
}

static void read_frames(hm_hasher *h, const source *s, hm_video *v, hc_media *m) {
    size_t cap = 0;
    hm_status st = HM_OK;
    int got;
    for (;;) {
        if (m->nframes == cap) {
            cap = cap ? 2 * cap : 64;
            hm_video_frame *f = realloc(m->frames, cap * sizeof *f);
            if (!f) {
                fail(m, HM_E_NO_MEMORY, "%s: out of memory%s", s->path, NULL);
                break;
            }
            m->frames = f;
        }
        st = hm_video_next(v, &m->frames[m->nframes], &got);
        if (st != HM_OK) {
            /* frames returned so far stay valid (a limit, a cancel) */
            fail_lib(m, st, s);
            break;
        }
        if (!got) break;
        m->nframes++;
    }
    hm_video_get_info(v, &m->vinfo);
}

/* Read all of f (at most `max` bytes: HM_E_LIMIT) into *data (malloc'd)
 * and *size; on failure a message about `path` in err. */
static hm_status slurp(FILE *f, const char *path, int64_t max, uint8_t **data, size_t *size,
                       char *err, size_t errcap) {
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    hm_status st = HM_OK;
    *data = NULL;
    *size = 0;
    for (;;) {
        if (!buf) {
            st = HM_E_NO_MEMORY;
            snprintf(err, errcap, "%s: out of memory", path);
            return st;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if ((int64_t)n > max) {
            st = HM_E_LIMIT;
            snprintf(err, errcap, "%s: input is over the limit of %lld bytes (--max-bytes)",
                     path, (long long)max);
            break;
        }
        if (r == 0) break;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) free(buf);
            buf = nb;
            cap *= 2;
        }
    }
    if (st == HM_OK && ferror(f)) {
        st = HM_E_IO;
        snprintf(err, errcap, "%s: read error", path);
    }
    if (st != HM_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *size = n;
    return HM_OK;
}

static void media_hash(hm_hasher *h, source *s, const hc_media_opts *o, hc_media *m);

/* Not media, and skipped as such: no failure, the digests when asked for. */
static void skip(hm_hasher *h, const source *s, unsigned crypto, hc_media *m) {
    m->kind = HC_KIND_FILE;
    m->not_media = 1;
    if (crypto) digests(h, s, crypto, m);
}

/* The source of `path`: a regular file is read by the library; stdin
 * ("-"), a pipe or a device is read into memory first, up to the hasher's
 * HM_HASHER_MAX_INPUT_BYTES (--max-bytes).  HM_OK, or the failure with a
 * message about `path` in err (s->data NULL). */
static hm_status source_open(hm_hasher *h, const char *path, source *s, char *err,
                             size_t errcap) {
    struct stat sb;
    *s = (source){path, NULL, 0};
    const int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return HM_E_IO;
    }
    if (fstat(fileno(f), &sb) != 0 || S_ISDIR(sb.st_mode)) {
        snprintf(err, errcap, "%s: %s", path,
                 S_ISDIR(sb.st_mode) ? "is a directory" : "cannot stat");
        if (!is_stdin) fclose(f);
        return HM_E_IO;
    }
    hm_status st = HM_OK;
    if (is_stdin || !S_ISREG(sb.st_mode)) { /* stdin, a pipe, a device: one read */
        int64_t max = 0;
        hm_hasher_get(h, HM_HASHER_MAX_INPUT_BYTES, &max);
        st = slurp(f, path, max, &s->data, &s->size, err, errcap);
    }
    if (!is_stdin) fclose(f);
    return st;
}

void hc_media_hash(hm_hasher *h, const char *path, const hc_media_opts *o, hc_media *m) {
    source s;
    memset(m, 0, sizeof *m);
    const hm_status st = source_open(h, path, &s, m->err, sizeof m->err);
    if (st != HM_OK) {
        m->failed = 1;
        m->status = st;
        return;
    }
    media_hash(h, &s, o, m);
    free(s.data);
}

/* The TMK+PDQF hash of a video source. */
static hm_status src_tmk(hm_hasher *h, const source *s, const hm_video_opts *o, hm_tmk **out,
                         hm_video_info *info) {
    return s->data ? hm_tmk_hash_memory(h, s->data, s->size, o, out, info)
                   : hm_tmk_hash_file(h, s->path, o, out, info);
}

hm_status hc_media_tmk(hm_hasher *h, const char *path, const hm_video_opts *o, hm_tmk **out,
                       hm_video_info *info, char *err, size_t errcap) {
    source s;
    *out = NULL;
    memset(info, 0, sizeof *info);
    hm_status st = source_open(h, path, &s, err, errcap);
    if (st != HM_OK) return st;
    if ((st = src_tmk(h, &s, o, out, info)) != HM_OK) lib_message(&s, err, errcap);
    free(s.data);
    return st;
}

/* The first bytes of the source into head (*n of them); 0, or 1 with the
 * failure in m. */
static int read_head(const source *s, unsigned char *head, size_t cap, size_t *n,
                     hc_media *m) {
    if (s->data) {
        *n = s->size < cap ? s->size : cap;
        memcpy(head, s->data, *n);
        return 0;
    }
    FILE *f = fopen(s->path, "rb");
    if (!f) {
        fail(m, HM_E_IO, "%s: %s", s->path, strerror(errno));
        return 1;
    }
    *n = fread(head, 1, cap, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) fail(m, HM_E_IO, "%s: %s", s->path, "cannot be read");
    return rerr != 0;
}

/* A .tmk file or its base64: the hash it holds (a hash, not content: no
 * digests, as for a TYPE:HEX input). */
static void tmk_file(const source *s, hc_media *m) {
    hm_status st = HM_OK;
    m->kind = HC_KIND_TMK;
    if (s->data) hc_tmk_parse(s->path, s->data, s->size, &m->tmk, &st, m->err, sizeof m->err);
    else hc_tmk_read(s->path, &m->tmk, &st, m->err, sizeof m->err);
    if (m->tmk) return;
    if (st == HM_OK) fail(m, HM_E_IO, "%s: %s", s->path, "cannot be read"); /* gone since */
    m->failed = 1;
    m->status = st;
}

/* A video: its TMK+PDQF hash (o->tmk) and its frames (perceptual types),
 * from one decoding, then its digests; HM_E_UNKNOWN_FORMAT when the video
 * reader does not take the content (nothing done), else HM_OK with the
 * kind set (a failure is in m). */
static hm_status video_hash(hm_hasher *h, const source *s, const hc_media_opts *o,
                            hc_media *m) {
    /* frames are hashed with the video reader's types (pHash.org's video
     * hash is another algorithm, not its image hash of each frame) */
    const unsigned crypto = o->types & HC_CRYPTO, perc = o->types & HC_VIDEO_TYPES;
    const int one_pass = o->tmk && perc;
    hm_status st = HM_OK;
    if (o->tmk && !one_pass) st = src_tmk(h, s, &o->video, &m->tmk, &m->vinfo);
    if (st == HM_OK && perc) {
        hm_video_opts vo = o->video;
        hm_video *v;
        vo.types = o->video_types ? o->video_types : perc;
        vo.tmk = one_pass;
        st = s->data ? hm_video_open_memory(h, s->data, s->size, &vo, &v)
                     : hm_video_open_file(h, s->path, &vo, &v);
        if (st == HM_OK) {
            read_frames(h, s, v, m);
            if (one_pass && !m->failed) {
                const hm_status ts = hm_video_take_tmk(v, &m->tmk);
                if (ts != HM_OK) fail_lib(m, ts, s);
            }
            hm_video_close(v);
        }
    }
    if (st == HM_E_UNKNOWN_FORMAT) return st;
    m->kind = HC_KIND_VIDEO;
    if (st != HM_OK) fail_lib(m, st, s); /* (a frame that failed is in m already) */
    if (crypto && (st == HM_OK || o->crypto_fallback)) digests(h, s, crypto, m);
    return HM_OK;
}

static void media_hash(hm_hasher *h, source *s, const hc_media_opts *o, hc_media *m) {
    const char *path = s->path;
    const unsigned crypto = o->types & HC_CRYPTO;
    const unsigned perc = o->types & HC_PERCEPTUAL;
    const int decode = perc || o->tmk; /* else digests only: nothing decoded */
    unsigned char head[64];
    size_t nhead = 0;
    if ((decode || o->tmk_files) && read_head(s, head, sizeof head, &nhead, m) != 0) return;
    if (o->tmk_files && nhead && hc_tmk_form_of(head, nhead) != HC_TMK_NONE) {
        tmk_file(s, m);
        return;
    }
    if (!decode) { /* any content */
        hm_status st = src_hash(h, s, crypto, m);
        if (st != HM_OK) fail_lib(m, st, s);
        m->kind = m->info.format != HM_FORMAT_UNKNOWN ? HC_KIND_IMAGE : HC_KIND_FILE;
        return;
    }
    if (nhead == 0) {
        if (o->skip_non_media) skip(h, s, 0, m); /* (no digest of nothing) */
        else fail(m, HM_E_DECODE, "%s: %s", path, "file is empty");
        return;
    }
    if (hm_detect_format(head, nhead) != HM_FORMAT_UNKNOWN) {
        m->kind = HC_KIND_IMAGE;
        if (!(o->types & (HC_PERCEPTUAL | HC_CRYPTO))) return; /* TMK alone: nothing to hash */
        hm_status st = src_hash(h, s, o->types, m);
        if (st != HM_OK) {
            fail_lib(m, st, s);
            if (crypto && o->crypto_fallback) digests(h, s, crypto, m);
        }
        return;
    }
    if (o->videos && video_hash(h, s, o, m) == HM_OK) return;
    /* neither an image nor a video: an error (or skipped), but the digests
     * are still taken when asked for (exact lists name any kind of file) */
    if (o->skip_non_media) {
        skip(h, s, crypto, m);
        return;
    }
    m->kind = HC_KIND_FILE;
    fail(m, HM_E_UNKNOWN_FORMAT,
         o->videos ? "%s: not an image (JPEG, PNG, GIF, WebP, BMP, TIFF) or a video in an "
                     "allowed container%s"
                   : "%s: not an image (JPEG, PNG, GIF, WebP, BMP, TIFF)%s",
         path, NULL);
    if (crypto && o->crypto_fallback) digests(h, s, crypto, m);
}

void hc_media_free(hc_media *m) {
    free(m->frames);
    m->frames = NULL;
    m->nframes = 0;
    hm_tmk_free(m->tmk);
    m->tmk = NULL;
}

/* ---- text files: hash lists and vPDQ hash files ---------------------------- */

hc_file_kind hc_file_kind_of(const char *path) {
    unsigned char buf[4096];
    size_t bad = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return HC_FILE_BINARY; /* the media reader reports why */
    const size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (n == 0) return HC_FILE_LIST; /* an empty list */
    if (hm_detect_format(buf, n) != HM_FORMAT_UNKNOWN) return HC_FILE_IMAGE;
    if (hc_tmk_form_of(buf, n) != HC_TMK_NONE) return HC_FILE_TMK;
    /* UTF-16 text: a list, which the library refuses saying why */
    if (n >= 2 && ((buf[0] == 0xff && buf[1] == 0xfe) || (buf[0] == 0xfe && buf[1] == 0xff)))
        return HC_FILE_LIST;
    if (hc_is_vpdq_file(path)) return HC_FILE_VPDQ;
    for (size_t i = 0; i < n; i++) {
        const unsigned c = buf[i];
        bad += (c < 0x20 && !(c >= '\t' && c <= '\r')) || c == 0x7f;
    }
    /* binary when more than 1 byte in 32 (and more than one byte) is NUL
     * or a control character that text does not use: media and other
     * binary files have far more, a list with a stray byte far fewer */
    return bad >= 2 && bad * 32 > n ? HC_FILE_BINARY : HC_FILE_LIST;
}

int hc_is_video_file(const hc_hasher_cfg *cfg, const hm_video_opts *opts, const char *path) {
    hm_hasher *h;
    hm_video *v;
    hm_video_opts vo = *opts;
    if (hc_hasher_new(cfg, &h) != HM_OK) return 0;
    vo.types = HM_TYPE_BIT(HM_HASH_PDQ);
    const int yes = hm_video_open_file(h, path, &vo, &v) == HM_OK;
    if (yes) hm_video_close(v);
    hm_hasher_free(h);
    return yes;
}

int hc_is_vpdq_file(const char *path) {
    char line[512];
    FILE *f = fopen(path, "r");
    int r = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        const char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0') continue;
        hm_video_frame fr;
        r = hm_vpdq_parse_line(line, &fr) == HM_OK;
        break;
    }
    fclose(f);
    return r;
}

int hc_read_vpdq(const char *path, hm_video_frame **frames, size_t *n, char *err,
                 size_t errcap) {
    FILE *f = fopen(path, "r");
    char line[512];
    size_t cap = 0, lineno = 0;
    *frames = NULL;
    *n = 0;
    if (!f) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        const char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0') continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            hm_video_frame *v = realloc(*frames, cap * sizeof *v);
            if (!v) {
                snprintf(err, errcap, "%s: out of memory", path);
                fclose(f);
                return 1;
            }
            *frames = v;
        }
        if (hm_vpdq_parse_line(line, &(*frames)[*n]) != HM_OK) {
            snprintf(err, errcap, "%s:%zu: not a vPDQ line (frame,quality,pdqhex,timestamp)",
                     path, lineno);
            fclose(f);
            return 1;
        }
        ++*n;
    }
    fclose(f);
    return 0;
}
