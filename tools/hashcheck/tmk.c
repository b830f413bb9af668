/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TMK+PDQF for the commands: .tmk files and their base64 told by content
 * (never by name) and read through the library's checks.  (Videos are
 * hashed to TMK+PDQF by media.c, which reads every input.)
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hc.h"

/* The first magic of a .tmk file, and the base64 text of its 30 first bits
 * (the sixth character also holds bits of the next byte). */
static const char tmk_magic[] = "TMK1";
static const char tmk_magic64[] = "VE1LM";

static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

int hc_tmk_sampling_given(const hm_video_opts *o) {
    hm_video_opts d;
    hm_video_opts_init(&d);
    return o->mode != d.mode || o->interval != d.interval || o->downscale != d.downscale ||
           o->apply_rotation != d.apply_rotation;
}

hc_tmk_form hc_tmk_form_of(const unsigned char *head, size_t n) {
    if (n >= 4 && memcmp(head, tmk_magic, 4) == 0) return HC_TMK_BINARY;
    while (n && is_space(*head)) head++, n--;
    if (n >= 5 && memcmp(head, tmk_magic64, 5) == 0) return HC_TMK_BASE64;
    return HC_TMK_NONE;
}

hc_tmk_form hc_tmk_parse(const char *path, const void *data, size_t n, hm_tmk **out,
                         hm_status *st, char *err, size_t errcap) {
    const hc_tmk_form form = hc_tmk_form_of(data, n < 64 ? n : 64);
    *out = NULL;
    *st = HM_OK;
    if (form == HC_TMK_BINARY) {
        *st = hm_tmk_from_bytes(data, n, out);
    } else if (form == HC_TMK_BASE64) {
        const char *p = data;
        while (n && is_space((unsigned char)*p)) p++, n--;
        while (n && is_space((unsigned char)p[n - 1])) n--;
        *st = hm_tmk_from_base64(p, n, out);
    }
    if (*st != HM_OK) snprintf(err, errcap, "%s: %s", path, hm_last_error());
    return form;
}

hc_tmk_form hc_tmk_read(const char *path, hm_tmk **out, hm_status *st, char *err,
                        size_t errcap) {
    unsigned char head[64];
    *out = NULL;
    *st = HM_OK;
    struct stat sb;
    FILE *f = fopen(path, "rb");
    if (!f) return HC_TMK_NONE; /* the media reader reports why */
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) { /* a pipe is read once, */
        fclose(f);                                             /* by the media reader */
        return HC_TMK_NONE;
    }
    const size_t nhead = fread(head, 1, sizeof head, f);
    const hc_tmk_form form = hc_tmk_form_of(head, nhead);
    if (form == HC_TMK_NONE || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return HC_TMK_NONE;
    }
    /* one byte more than a valid file or text can have (white space
     * around the text aside), so that a longer one is refused as such */
    const size_t cap = form == HC_TMK_BINARY ? HM_TMK_FILE_SIZE + 1 : HM_TMK_BASE64_LEN + 4097;
    char *buf = malloc(cap);
    size_t n = buf ? fread(buf, 1, cap, f) : 0;
    const int rerr = ferror(f);
    fclose(f);
    if (!buf || rerr) {
        *st = buf ? HM_E_IO : HM_E_NO_MEMORY;
        snprintf(err, errcap, "%s: %s", path, buf ? "read error" : "out of memory");
    } else {
        hc_tmk_parse(path, buf, n, out, st, err, errcap);
    }
    free(buf);
    return form;
}

int hc_tmk_frames(const hm_tmk *t) {
    hm_tmk_info ti;
    return t && hm_tmk_get_info(t, &ti) == HM_OK ? ti.frames : 0;
}
