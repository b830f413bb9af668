/* SPDX-License-Identifier: BSD-3-Clause */
/* vPDQ's text form of a hashed frame: "frameNumber,quality,pdqhex,timestamp"
 * (vpdq/cpp io), the timestamp with 3 decimals. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/common.h"

/* Timestamps beyond a year are not a frame of any real video; refusing them
 * also keeps every parsed value printable in a line (found by fuzzing). */
#define HM_VPDQ_MAX_TIME (366.0 * 86400.0)

/* The frame's PDQ hash as hex into hex[HM_HASH_STRING_MAX]. */
static int frame_hex(const hm_video_frame *f, char *hex) {
    if (f->nhashes < 1 || f->hashes[0].type != HM_HASH_PDQ)
        return hm_fail(HM_E_INVALID_ARGUMENT, "frame %llu has no PDQ hash first",
                       (unsigned long long)f->frame_number);
    return hm_hash_to_string(&f->hashes[0], hex, HM_HASH_STRING_MAX);
}

static int format_line(const hm_video_frame *f, char *buf, size_t cap) {
    char hex[HM_HASH_STRING_MAX];
    int st;
    if (!f || !buf) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL frame or buffer");
    if ((st = frame_hex(f, hex)) != HM_OK) return st;
    int n = hm_snprintf_c(buf, cap, "%llu,%d,%s,%.3f", (unsigned long long)f->frame_number,
                     f->hashes[0].quality, hex, f->timestamp);
    if (n > 0 && (size_t)n < cap) return HM_OK;
    return hm_fail(HM_E_LIMIT, "the line needs %d bytes, the buffer has %zu", n + 1, cap);
}

hm_status hm_vpdq_format_line(const hm_video_frame *f, char *buf, size_t cap) {
    return HM_CALL(format_line(f, buf, cap));
}

static int bad_line(const char *why) {
    return hm_fail(HM_E_PARSE, "not a vPDQ line (frameNumber,quality,pdqhex,timestamp): %s", why);
}

static int parse_line(const char *line, hm_video_frame *f) {
    char hex[HM_HASH_STRING_MAX + 1], *end;
    if (!line || !f) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL line or frame");
    memset(f, 0, sizeof *f);
    const char *p = line;
    if (*p < '0' || *p > '9') return bad_line("no frame number");
    unsigned long long frame = strtoull(p, &end, 10);
    if (*end != ',') return bad_line("no frame number");
    p = end + 1;
    long q = strtol(p, &end, 10);
    if (end == p || *end != ',' || q < 0 || q > 100) return bad_line("no quality 0..100");
    p = end + 1;
    const char *comma = strchr(p, ',');
    if (!comma || comma - p != 64) return bad_line("no 64-digit PDQ hash");
    memcpy(hex, p, 64);
    hex[64] = '\0';
    if (hm_hash_from_string(HM_HASH_PDQ, hex, &f->hashes[0]) != HM_OK)
        return bad_line("no 64-digit PDQ hash");
    p = comma + 1;
    double ts = hm_strtod_c(p, &end);
    if (end == p || !(ts >= 0 && ts <= HM_VPDQ_MAX_TIME))
        return bad_line("no timestamp within 0 .. 366 days");
    while (*end == '\r' || *end == '\n') end++;
    if (*end) return bad_line("text after the timestamp");
    f->frame_number = frame;
    f->timestamp = ts;
    f->nhashes = 1;
    f->hashes[0].quality = (int16_t)q;
    return HM_OK;
}

hm_status hm_vpdq_parse_line(const char *line, hm_video_frame *f) {
    return HM_CALL(parse_line(line, f));
}

/* ---- python-threatexchange's compact form -------------------------------- */

/* Python's format(x, ".3"): 3 significant digits; exponent form when the
 * exponent is < -4 or >= 2, without trailing zeros; fixed form keeps at
 * least one digit after the point. */
static void py_g3(double x, char *out, size_t cap) {
    char tmp[64];
    hm_snprintf_c(tmp, sizeof tmp, "%.2e", x);
    int e = atoi(strchr(tmp, 'e') + 1);
    if (e < -4 || e >= 2) {
        char *ep = strchr(tmp, 'e'), *z = ep;
        while (z > tmp && z[-1] == '0') z--;
        if (z > tmp && z[-1] == '.') z--;
        snprintf(out, cap, "%.*s%s", (int)(z - tmp), tmp, ep);
    } else {
        hm_snprintf_c(tmp, sizeof tmp, "%.*f", 2 - e, x);
        size_t n = strlen(tmp);
        while (n > 1 && tmp[n - 1] == '0' && tmp[n - 2] != '.') tmp[--n] = '\0';
        snprintf(out, cap, "%s", tmp);
    }
}

static int format_compact(const hm_video_frame *f, size_t n, char *buf, size_t cap,
                          size_t *len) {
    size_t at = 0;
    int st, over = 0; /* once over the capacity, only count */
    if ((!f && n) || !buf || !cap)
        return hm_fail(HM_E_INVALID_ARGUMENT, "NULL frames or buffer, or no capacity");
#define PUT(...)                                                                       \
    do {                                                                               \
        int k_ = hm_snprintf_c(over ? NULL : buf + at, over ? 0 : cap - at, __VA_ARGS__); \
        if (k_ < 0) return hm_fail(HM_E_INTERNAL, "cannot format a frame");           \
        if (!over && (size_t)k_ >= cap - at) over = 1;                                 \
        at += (size_t)k_;                                                              \
    } while (0)
    PUT("[");
    for (size_t i = 0; i < n; i++) {
        char hex[HM_HASH_STRING_MAX], ts[32];
        if ((st = frame_hex(&f[i], hex)) != HM_OK) return st;
        py_g3(f[i].timestamp, ts, sizeof ts);
        PUT("%s\"%s,%d,%s\"", i ? ", " : "", hex, f[i].hashes[0].quality, ts);
    }
    PUT("]");
#undef PUT
    if (len) *len = at;
    if (over)
        return hm_fail(HM_E_LIMIT, "the compact form needs %zu bytes with its NUL, the buffer "
                       "has %zu", at + 1, cap);
    return HM_OK;
}

hm_status hm_vpdq_format_compact(const hm_video_frame *f, size_t n, char *buf,
                                 size_t cap, size_t *len) {
    return HM_CALL(format_compact(f, n, buf, cap, len));
}

static int bad_compact(size_t k, const char *why) {
    return hm_fail(HM_E_PARSE,
                   "not a compact vPDQ signal (a JSON list of \"pdqhex,quality,timestamp\"): "
                   "item %zu: %s", k, why);
}

static int parse_compact(const char *json, hm_video_frame *out, size_t cap, size_t *n) {
    const char *p = json;
    size_t k = 0;
    if (!json || !n || (!out && cap))
        return hm_fail(HM_E_INVALID_ARGUMENT, "NULL text, frames or count");
    *n = 0;
#define SKIP() while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++
    SKIP();
    if (*p++ != '[') return bad_compact(0, "no opening [");
    SKIP();
    if (*p == ']') {
        p++;
        SKIP();
        return *p ? bad_compact(0, "text after the list") : HM_OK;
    }
    for (;;) {
        char item[160], hex[65], *end;
        SKIP();
        if (*p++ != '"') return bad_compact(k, "not a string");
        const char *q = strchr(p, '"');
        if (!q || q - p >= (ptrdiff_t)sizeof item) return bad_compact(k, "unterminated or too long");
        memcpy(item, p, (size_t)(q - p));
        item[q - p] = '\0';
        p = q + 1;
        /* "pdqhex,quality,timestamp" */
        if (strlen(item) < 66 || item[64] != ',') return bad_compact(k, "no 64-digit PDQ hash");
        memcpy(hex, item, 64);
        hex[64] = '\0';
        if (k == cap)
            return hm_fail(HM_E_LIMIT, "the signal has more than %zu frames", cap);
        hm_video_frame *f = &out[k];
        memset(f, 0, sizeof *f);
        if (hm_hash_from_string(HM_HASH_PDQ, hex, &f->hashes[0]) != HM_OK)
            return bad_compact(k, "no 64-digit PDQ hash");
        long quality = strtol(item + 65, &end, 10);
        if (end == item + 65 || *end != ',' || quality < 0 || quality > 100)
            return bad_compact(k, "no quality 0..100");
        double ts = hm_strtod_c(end + 1, &end);
        if (*end || !(ts >= 0 && ts <= HM_VPDQ_MAX_TIME))
            return bad_compact(k, "no timestamp within 0 .. 366 days");
        f->hashes[0].quality = (int16_t)quality;
        f->nhashes = 1;
        f->timestamp = ts;
        f->frame_number = k;
        k++;
        SKIP();
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p++ != ']') return bad_compact(k, "no , or ] after it");
        SKIP();
        if (*p) return bad_compact(k, "text after the list");
        *n = k;
        return HM_OK;
    }
#undef SKIP
}

hm_status hm_vpdq_parse_compact(const char *json, hm_video_frame *out, size_t cap,
                                size_t *n) {
    return HM_CALL(parse_compact(json, out, cap, n));
}
