/* vPDQ's text form of a hashed frame: "frameNumber,quality,pdqhex,timestamp"
 * (vpdq/cpp io), the timestamp with 3 decimals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/common.h"

hm_status hm_vpdq_format_line(const hm_video_frame *f, char *buf, size_t cap) {
    char hex[HM_HASH_STRING_MAX];
    if (!f || !buf || f->nhashes < 1 || f->hashes[0].type != HM_HASH_PDQ ||
        hm_hash_to_string(&f->hashes[0], hex, sizeof hex) != HM_OK)
        return HM_E_INVALID_ARGUMENT;
    int n = snprintf(buf, cap, "%llu,%d,%s,%.3f", (unsigned long long)f->frame_number,
                     f->hashes[0].quality, hex, f->timestamp);
    return n > 0 && (size_t)n < cap ? HM_OK : HM_E_INVALID_ARGUMENT;
}

hm_status hm_vpdq_parse_line(const char *line, hm_video_frame *f) {
    char hex[HM_HASH_STRING_MAX + 1], *end;
    if (!line || !f) return HM_E_INVALID_ARGUMENT;
    memset(f, 0, sizeof *f);
    const char *p = line;
    if (*p < '0' || *p > '9') return HM_E_PARSE;
    unsigned long long frame = strtoull(p, &end, 10);
    if (*end != ',') return HM_E_PARSE;
    p = end + 1;
    long q = strtol(p, &end, 10);
    if (end == p || *end != ',' || q < 0 || q > 100) return HM_E_PARSE;
    p = end + 1;
    const char *comma = strchr(p, ',');
    if (!comma || comma - p != 64) return HM_E_PARSE;
    memcpy(hex, p, 64);
    hex[64] = '\0';
    if (hm_hash_from_string(HM_HASH_PDQ, hex, &f->hashes[0]) != HM_OK) return HM_E_PARSE;
    p = comma + 1;
    double ts = strtod(p, &end);
    if (end == p || !isfinite(ts) || ts < 0) return HM_E_PARSE;
    while (*end == '\r' || *end == '\n') end++;
    if (*end) return HM_E_PARSE;
    f->frame_number = frame;
    f->timestamp = ts;
    f->nhashes = 1;
    f->hashes[0].quality = (int16_t)q;
    return HM_OK;
}
