/* SPDX-License-Identifier: BSD-3-Clause */
#include "common.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers in the "C" locale ------------------------------------------- */

/* The "C" locale is built into the C library (glibc and musl return a
 * static object for it, without allocating), so taking it per call costs
 * little and keeps no state between calls.  When it cannot be had, the
 * process's locale is used: the caller still gets a number, and the
 * default locale of a program that never called setlocale is "C". */
static locale_t c_locale_enter(locale_t *prev) {
    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    *prev = c ? uselocale(c) : (locale_t)0;
    return c;
}

static void c_locale_leave(locale_t c, locale_t prev) {
    if (!c) return;
    uselocale(prev);
    freelocale(c);
}

static int vsnprintf_c(char *buf, size_t cap, const char *fmt, va_list ap) {
    locale_t prev, c = c_locale_enter(&prev);
    int n = vsnprintf(buf, cap, fmt, ap);
    c_locale_leave(c, prev);
    return n;
}

int hm_snprintf_c(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf_c(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

double hm_strtod_c(const char *s, char **end) {
    locale_t prev, c = c_locale_enter(&prev);
    double v = strtod(s, end);
    c_locale_leave(c, prev);
    return v;
}

/* ---- the calling thread's error message ----------------------------------- */

/* Per thread, as errno: no lock, no race between threads, nothing to free
 * (thread-local storage goes with its thread). */
_Thread_local char hm_t_msg[HM_ERRMSG_MAX];

const char *hm_last_error(void) { return hm_t_msg; }
const char *hm_err_msg(void) { return hm_t_msg; }

void hm_err_default(int status) { snprintf(hm_t_msg, sizeof hm_t_msg, "%s", hm_strerror(status)); }

void hm_err_set(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf_c(hm_t_msg, sizeof hm_t_msg, fmt, ap);
    va_end(ap);
}

int hm_fail_prefix(int status, const char *fmt, ...) {
    char rest[HM_ERRMSG_MAX];
    size_t n;
    va_list ap;
    snprintf(rest, sizeof rest, "%s", hm_t_msg[0] ? hm_t_msg : hm_strerror(status));
    va_start(ap, fmt);
    vsnprintf_c(hm_t_msg, sizeof hm_t_msg, fmt, ap);
    va_end(ap);
    n = strlen(hm_t_msg);
    snprintf(hm_t_msg + n, sizeof hm_t_msg - n, "%s", rest);
    return status;
}

int hm_reserve(void *parr, size_t *cap, size_t need, size_t elem, size_t first) {
    size_t c = *cap ? *cap : (first ? first : 1), bytes;
    void *old, *p;
    if (need <= *cap) return HM_OK;
    while (c < need) {
        if (c > SIZE_MAX / 2) return HM_E_NO_MEMORY;
        c *= 2;
    }
    if (!hm_mul_ok(c, elem, &bytes)) return HM_E_NO_MEMORY;
    /* the array pointer is a T *: copied in and out as bytes */
    memcpy(&old, parr, sizeof old);
    if (!(p = realloc(old, bytes))) return HM_E_NO_MEMORY;
    memcpy(parr, &p, sizeof p);
    *cap = c;
    return HM_OK;
}

int hm_image_alloc(hm_image *img, uint32_t w, uint32_t h, int channels,
                   int bpp) {
    size_t row, total;
    img->px = NULL;
    img->owned = NULL;
    if (!hm_mul_ok((size_t)w, (size_t)bpp, &row) ||
        !hm_mul_ok(row, (size_t)h, &total) || total == 0)
        return HM_E_NO_MEMORY;
    img->owned = malloc(total);
    if (!img->owned) return HM_E_NO_MEMORY;
    img->px = img->owned;
    img->w = w;
    img->h = h;
    img->stride = row;
    img->channels = channels;
    img->bpp = bpp;
    return HM_OK;
}

void hm_image_release(hm_image *img) {
    if (!img) return;
    free(img->owned);
    img->owned = NULL;
    img->px = NULL;
}

/* Every status code: its name and its description, in one table. */
static const struct {
    int status;
    const char *name, *text;
} kStatus[] = {
    {HM_OK, "HM_OK", "success"},
    {HM_E_INVALID_ARGUMENT, "HM_E_INVALID_ARGUMENT", "invalid argument"},
    {HM_E_NO_MEMORY, "HM_E_NO_MEMORY", "out of memory"},
    {HM_E_IO, "HM_E_IO", "I/O error"},
    {HM_E_UNKNOWN_FORMAT, "HM_E_UNKNOWN_FORMAT", "unknown or unsupported media format"},
    {HM_E_DECODE, "HM_E_DECODE", "corrupt, truncated or undecodable media"},
    {HM_E_LIMIT, "HM_E_LIMIT", "a limit was exceeded (a configured one, or an output's capacity)"},
    {HM_E_PARSE, "HM_E_PARSE", "malformed text (a hash string, a list line, vPDQ)"},
    {HM_E_TYPE_MISMATCH, "HM_E_TYPE_MISMATCH", "hash types differ"},
    {HM_E_UNSUPPORTED, "HM_E_UNSUPPORTED", "not supported by this build"},
    {HM_E_INTERNAL, "HM_E_INTERNAL", "internal error"},
    {HM_E_CORRUPT, "HM_E_CORRUPT", "corrupt, truncated or incompatible index file"},
    {HM_E_NOT_FOUND, "HM_E_NOT_FOUND", "not found"},
    {HM_E_CANCELLED, "HM_E_CANCELLED", "cancelled"},
};

const char *hm_strerror(int status) {
    for (size_t i = 0; i < sizeof kStatus / sizeof kStatus[0]; i++)
        if (kStatus[i].status == status) return kStatus[i].text;
    return "unknown status code";
}

const char *hm_status_name(int status) {
    for (size_t i = 0; i < sizeof kStatus / sizeof kStatus[0]; i++)
        if (kStatus[i].status == status) return kStatus[i].name;
    return NULL;
}

int hm_dihedral_transposes(int v) {
    return v == HM_DIH_ROT90 || v == HM_DIH_ROT270 || v == HM_DIH_FLIPPLUS1 ||
           v == HM_DIH_FLIPMINUS1;
}

void hm_dihedral_src(int v, int w, int h, int y, int x, int *sy, int *sx) {
    switch (v) {
    case HM_DIH_ROT90: *sy = x; *sx = w - 1 - y; break;
    case HM_DIH_ROT180: *sy = h - 1 - y; *sx = w - 1 - x; break;
    case HM_DIH_ROT270: *sy = h - 1 - x; *sx = y; break;
    case HM_DIH_FLIPX: *sy = h - 1 - y; *sx = x; break;
    case HM_DIH_FLIPY: *sy = y; *sx = w - 1 - x; break;
    case HM_DIH_FLIPPLUS1: *sy = x; *sx = y; break;
    case HM_DIH_FLIPMINUS1: *sy = h - 1 - x; *sx = w - 1 - y; break;
    default: *sy = y; *sx = x; break;
    }
}

void hm_turn_image(const uint8_t *src, uint32_t w, uint32_t h, size_t stride,
                   int bpp, int v, uint8_t *dst) {
    const uint32_t ow = hm_dihedral_transposes(v) ? h : w;
    const uint32_t oh = hm_dihedral_transposes(v) ? w : h;
    for (uint32_t y = 0; y < oh; y++)
        for (uint32_t x = 0; x < ow; x++) {
            int sy, sx;
            hm_dihedral_src(v, (int)w, (int)h, (int)y, (int)x, &sy, &sx);
            memcpy(dst + ((size_t)y * ow + x) * (size_t)bpp,
                   src + (size_t)sy * stride + (size_t)sx * (size_t)bpp, (size_t)bpp);
        }
}
