/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON pieces and messages shared by the commands. */
#include <string.h>

#include "hc.h"

void hc_json_begin(sbuf *b) { sb_printf(b, "{\"schema_version\":%d,", HC_JSON_SCHEMA_VERSION); }

void hc_json_hash(sbuf *b, const hm_hash *h) {
    char hex[HM_HASH_STRING_MAX];
    if (hm_hash_to_string(h, hex, sizeof hex) != HM_OK) hex[0] = '\0';
    sb_printf(b, "{\"type\":\"%s\",\"hash\":\"%s\"", hm_hash_type_name(h->type), hex);
    if (h->quality >= 0) sb_printf(b, ",\"quality\":%d", h->quality);
    if (h->variant & HM_VARIANT_TRIMMED) sb_puts(b, ",\"trimmed\":true");
    if (h->variant & HM_VARIANT_CROP) sb_puts(b, ",\"crop\":true");
    if (h->variant & HM_VARIANT_ROTATED) sb_printf(b, ",\"rotation\":%d", hc_rotation(h));
    sb_putc(b, '}');
}

int hc_rotation(const hm_hash *h) {
    return hm_rotation_angle(HM_VARIANT_ROTATION_INDEX(h->variant));
}

/* "hashes":[...] of the hashes without dihedral variants (trimmed and crop
 * hashes are marked) */
static void json_hashes(sbuf *b, const hm_hash *h, size_t n) {
    int first = 1;
    sb_puts(b, "\"hashes\":[");
    for (size_t k = 0; k < n; k++) {
        if (h[k].variant & 7) continue;
        if (!first) sb_putc(b, ',');
        first = 0;
        hc_json_hash(b, &h[k]);
    }
    sb_putc(b, ']');
}

void hc_json_file(sbuf *b, const char *path) {
    sb_puts(b, "\"file\":");
    sb_json_str(b, path);
    if (!utf8_valid(path)) { /* the exact bytes, since the string is lossy */
        sb_puts(b, ",\"file_hex\":\"");
        for (const unsigned char *u = (const unsigned char *)path; *u; u++)
            sb_printf(b, "%02x", *u);
        sb_putc(b, '"');
    }
}

void hc_json_media(sbuf *b, const char *path, const hc_media *m, int with_frames) {
    hc_json_file(b, path);
    sb_printf(b, ",\"kind\":\"%s\"", hc_kind_name(m->kind));
    if (m->kind == HC_KIND_IMAGE && m->info.format) {
        sb_printf(b, ",\"format\":\"%s\"", hm_format_name(m->info.format));
        if (m->info.width)
            sb_printf(b, ",\"width\":%u,\"height\":%u", m->info.width, m->info.height);
    }
    if (m->kind == HC_KIND_VIDEO && (m->nframes || m->vinfo.width)) {
        const hm_video_info *v = &m->vinfo;
        /* the frames read out, or those the library hashed itself (TMK) */
        const size_t hashed = m->nframes ? m->nframes : (size_t)v->frames_hashed;
        sb_puts(b, ",\"container\":");
        sb_json_str(b, v->container);
        sb_puts(b, ",\"codec\":");
        sb_json_str(b, v->codec);
        sb_printf(b, ",\"width\":%u,\"height\":%u,\"fps\":", v->width, v->height);
        sb_json_num(b, v->fps, 3);
        sb_puts(b, ",\"duration\":");
        sb_json_num(b, v->duration, 3);
        sb_printf(b, ",\"rotation\":%d,\"partial\":%s,\"frames_decoded\":%llu,"
                     "\"frames_hashed\":%zu",
                  v->rotation, v->partial ? "true" : "false",
                  (unsigned long long)v->frames_decoded, hashed);
    }
    sb_putc(b, ',');
    json_hashes(b, m->h, m->nh);
    if (m->kind == HC_KIND_VIDEO && with_frames) {
        sb_puts(b, ",\"frames\":[");
        for (size_t k = 0; k < m->nframes; k++) {
            const hm_video_frame *f = &m->frames[k];
            if (k) sb_putc(b, ',');
            sb_printf(b, "{\"frame\":%llu,\"timestamp\":", (unsigned long long)f->frame_number);
            sb_json_num(b, f->timestamp, 3);
            if (f->keyframe) sb_puts(b, ",\"keyframe\":true");
            if (f->damaged) sb_puts(b, ",\"damaged\":true");
            sb_putc(b, ',');
            json_hashes(b, f->hashes, (size_t)f->nhashes);
            sb_putc(b, '}');
        }
        sb_putc(b, ']');
    }
    if (m->failed) {
        sb_puts(b, ",\"error\":");
        sb_json_str(b, m->err);
    }
}

void hc_json_vpdq(sbuf *b, const hm_video_match *v, int frame_threshold) {
    sb_puts(b, ",\"query_percent\":");
    sb_json_num(b, v->query_percent, 2);
    sb_puts(b, ",\"target_percent\":");
    sb_json_num(b, v->target_percent, 2);
    sb_printf(b, ",\"query_frames\":%u,\"query_matched\":%u,\"target_frames\":%u,"
                 "\"target_matched\":%u,\"frame_threshold\":%d",
              v->query_frames, v->query_matched, v->target_frames, v->target_matched,
              frame_threshold);
}

void hc_json_tmk(sbuf *b, float level1, float level2, float threshold1, float threshold2) {
    const float v[4] = {level1, level2, threshold1, threshold2};
    static const char *const key[4] = {"level1", "level2", "level1_threshold",
                                       "level2_threshold"};
    for (int k = 0; k < 4; k++) {
        sb_printf(b, ",\"%s\":", key[k]);
        sb_json_num(b, v[k], 6);
    }
}

void hc_partial_note(sbuf *b, const char *path, size_t nframes) {
    sb_printf(b, "hashcheck: %s: damaged or truncated; %zu %s hashed (partial)\n", path,
              nframes, hc_plural(nframes, "frame", "frames"));
}
