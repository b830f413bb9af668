/* SPDX-License-Identifier: BSD-3-Clause */
/* hashcheck compare: distances between two files or two hashes, per hash
 * type, with the default thresholds' verdict.  parse_args reads the
 * command line, hash_sides hashes A and B, compare_rows computes,
 * render_json / render_text write what print_rows prints.  TMK+PDQF (two
 * videos with --tmk, or a .tmk side) is compared alone, by compare_tmk. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hc.h"

static const char usage[] =
        "usage: hashcheck compare [options] A B\n"
        "\n"
        "Distances between two inputs, per hash type. A and B are each a file\n"
        "(image, video, or any file for md5/sha256) or a hash written TYPE:HEX.\n"
        "  image/hash vs image/hash: Hamming distance of each type both have;\n"
        "  image/hash vs video: the closest frame of the video, and its time;\n"
        "  video vs video: the vPDQ rule, with B as the query and A as the known\n"
        "    video (shares of B's and of A's frames that match).\n"
        "  TMK+PDQF (--tmk, or a side that is a .tmk file or its base64): A and B\n"
        "    are videos or .tmk files; their level-1 and level-2 scores, as\n"
        "    tmk-two-level-score prints them.\n"
        "Verdicts use the default thresholds: PDQ distance <= 31 with both\n"
        "qualities >= 50; pHash/dHash/aHash <= 10; pHash.org <= 13; md5/sha256\n"
        "equal; vPDQ query share >= 80%; TMK level 1 and level 2 >= 0.7.\n"
        "\n"
        "options:\n"
        "  --format F          text (default) or json (one JSON object;\n"
        "                      docs/hashcheck.schema.json)\n"
        "  --types LIST        types to compare (default: pdq,phash,dhash,ahash,\n"
        "                      md5,sha256; also phashorg_v09, phashorg_2014,\n"
        "                      phashorg_2026, or all)\n"
        "  --dihedral          also compare rotations and mirrors, as match does:\n"
        "                      every perceptual type at the best of B's 8\n"
        "                      orientations (named), videos with the clip turned\n"
        "  --radius R          one threshold for every type instead of the defaults\n"
        "  --query-percent P, --target-percent P   vPDQ shares needed (80, 0)\n"
        "  --tmk               compare two videos by TMK+PDQF (alone)\n"
        "  --tmk-level1 T, --tmk-level2 T   TMK thresholds, 0..1 (0.7, 0.7)\n"
        "  --mode, --interval, --size, --apply-rotation   video sampling\n"
        "  --pdq-flavour, --exif-orientation, --fast, --max-pixels, --max-bytes\n"
        "\n"
        "Exit status (as cmp): 0 alike by some type, 1 different, 2 an input\n"
        "could not be read or compared, 64 usage error.\n";

typedef struct cmp_cfg {
    hc_hasher_cfg hcfg;
    hc_media_opts mo;
    hc_match_cfg m; /* --radius (-1: the default thresholds), --dihedral */
    unsigned types;
    int json, types_given;
    int tmk;                  /* --tmk */
    hc_tmk_cfg tmk_thr;       /* --tmk-level1, --tmk-level2 */
} cmp_cfg;

typedef struct cmp_row {
    int type;      /* hash type, or 0 for vpdq */
    int distance;  /* -1: not comparable */
    int threshold;
    int alike;
    int qa, qb;    /* PDQ qualities (-1 unknown) */
    int variant;   /* --dihedral: the orientation of B that compared best */
    double time;   /* frame time in the video side, -1 none */
    const char *note;
    hm_video_match v; /* vpdq: the figures (no strings, no ranges) */
} cmp_row;

typedef struct side {
    const char *arg;
    hc_media m;
} side;

/* ---- command line ------------------------------------------------------------ */

static void set_format(void *d, const hc_optval *v) { ((cmp_cfg *)d)->json = (int)v->num; }
static void set_types(void *d, const hc_optval *v) {
    ((cmp_cfg *)d)->types = v->types;
    ((cmp_cfg *)d)->types_given = 1;
}
static void set_tmk(void *d, const hc_optval *v) { ((cmp_cfg *)d)->tmk = 1; }
static const hc_choices formats = {"output format", {{"text", 0, 0}, {"json", 1, 0}}};

static const hc_option options[] = {
    {"--format", .arg = HC_ARG_CHOICE, .choices = &formats, .set = set_format},
    {"--types", .arg = HC_ARG_TYPES, .set = set_types},
    {"--tmk", .set = set_tmk},
    {0}};

static const hc_optgroup groups[] = {
    {&hc_match_options, offsetof(cmp_cfg, m)},
    {&hc_tmk_options, offsetof(cmp_cfg, tmk_thr)},
    {&hc_video_options, offsetof(cmp_cfg, mo.video)},
    {&hc_hasher_options, offsetof(cmp_cfg, hcfg)},
    {NULL, 0}};

const hc_command hc_cmd_compare = {"compare", usage, options, groups};

/* The command line into c, the operands moved to argv[0..*npos);
 * HC_PARSED, HC_HELP or HC_USAGE_ERROR (message printed). */
static int parse_args(int argc, char **argv, cmp_cfg *c, int *npos) {
    memset(c, 0, sizeof *c);
    c->mo.videos = 1;
    c->mo.crypto_fallback = 1;
    c->types = HM_TYPES_ALL;
    const int pr = hc_parse_options(&hc_cmd_compare, c, argc, argv, npos);
    if (pr != HC_PARSED) return pr;
    if (*npos != 2) {
        hc_err("compare needs exactly two inputs");
        return HC_USAGE_ERROR;
    }
    return hc_hasher_cfg_check(&c->hcfg) == 0 ? HC_PARSED : HC_USAGE_ERROR;
}

/* ---- comparisons ---------------------------------------------------------- */

static int is_dihedral(const cmp_cfg *c) { return (c->m.qo.flags & HM_QUERY_DIHEDRAL) != 0; }

static int threshold_of(int type, int radius) {
    return radius >= 0 ? radius : hm_default_threshold(type);
}

static int quality_ok(int q) { return q < 0 || q >= HM_DEFAULT_PDQ_MIN_QUALITY; }

/* The plain hash of type t of an image or hash argument, and how many
 * hashes its group holds: 8 when the 7 dihedral variants follow it (as
 * HM_WANT_DIHEDRAL returns them), else 1.  NULL when there is none. */
static const hm_hash *plain_hash(const hc_media *m, int type, size_t *ngroup) {
    for (size_t k = 0; k < m->nh; k++) {
        if (m->h[k].type != type || m->h[k].variant != 0) continue;
        size_t n = 1;
        while (n < 8 && k + n < m->nh && m->h[k + n].type == type &&
               m->h[k + n].variant == n)
            n++;
        *ngroup = n == 8 ? 8 : 1;
        return &m->h[k];
    }
    return NULL;
}

/* The inverse of a dihedral turning: 90 degrees one way undoes the other;
 * mirrors and 180 degrees undo themselves. */
static int dihedral_inverse(int v) {
    return v == HM_DIH_ROT90 ? HM_DIH_ROT270 : v == HM_DIH_ROT270 ? HM_DIH_ROT90 : v;
}

/* The known hash nearest to the query (with HM_QUERY_DIHEDRAL: in any of
 * its 8 orientations, its exact variants when the group holds them), found
 * by the library's own query on a one-list index of the known hashes.
 * Returns the distance (-1 when nothing could be compared, or on a
 * failure); *which is the known hash's position, *variant the query's
 * orientation. */
static int nearest(const hm_hash *known, size_t nknown, const hm_hash *query, size_t nquery,
                   int dihedral, size_t *which, int *variant) {
    hm_index *idx = NULL;
    hm_results *res = NULL;
    uint32_t list;
    int d = -1;
    if (hm_index_create(&idx) != HM_OK || hm_results_create(&res) != HM_OK ||
        hm_index_list(idx, "known", &list) != HM_OK)
        goto out;
    for (size_t k = 0; k < nknown; k++) {
        char id[24];
        snprintf(id, sizeof id, "%012zu", k); /* ties: the earliest, by id order */
        if (hm_index_add(idx, list, &known[k], id, NULL) != HM_OK) goto out;
    }
    if (hm_index_commit(idx) != HM_OK) goto out;
    hm_query_opts qo;
    hm_query_opts_init(&qo);
    qo.radius = (int32_t)hm_hash_bits(query->type);
    qo.k = 1;
    qo.min_quality = 0; /* the verdict weighs quality itself */
    qo.flags = dihedral ? HM_QUERY_DIHEDRAL : 0;
    if (hm_index_query(idx, query, nquery, &qo, res) == HM_OK && hm_results_count(res)) {
        const hm_match *m = hm_results_get(res, 0);
        d = m->distance;
        *variant = m->variant;
        *which = (size_t)strtoull(m->entry_id, NULL, 10);
    }
out:
    hm_results_free(res);
    hm_index_free(idx);
    return d;
}

/* The hash group h (of an image or hash argument) against the frames of
 * video `vid`: the closest frame (of quality >= 50 for PDQ).  `img_is_b`:
 * the image is B (its orientation is the one reported), else A (the
 * orientation is turned back to B's).  0, or -1 when out of memory. */
static int image_vs_video(const hm_hash *h, size_t ngroup, const hc_media *vid, int img_is_b,
                          int dihedral, cmp_row *r) {
    hm_hash *fh = malloc((vid->nframes * HM_FRAME_HASHES + 1) * sizeof *fh);
    size_t *fr = malloc((vid->nframes * HM_FRAME_HASHES + 1) * sizeof *fr);
    size_t n = 0, which = 0;
    int rc = -1;
    if (!fh || !fr) goto out;
    for (size_t k = 0; k < vid->nframes; k++)
        for (int t = 0; t < vid->frames[k].nhashes && t < HM_FRAME_HASHES; t++) {
            const hm_hash *f = &vid->frames[k].hashes[t];
            if (f->type != h->type || (f->type == HM_HASH_PDQ && !quality_ok(f->quality)))
                continue;
            fh[n] = *f;
            fr[n++] = k;
        }
    if (n) r->distance = nearest(fh, n, h, ngroup, dihedral, &which, &r->variant);
    if (r->distance >= 0) {
        const int q = fh[which].quality;
        r->time = vid->frames[fr[which]].timestamp;
        if (img_is_b) r->qa = q, r->qb = h->quality;
        else r->qa = h->quality, r->qb = q, r->variant = dihedral_inverse(r->variant);
    }
    r->note = img_is_b ? "closest frame of A" : "closest frame of B";
    rc = 0;
out:
    free(fh);
    free(fr);
    return rc;
}

/* Two images or hashes: B in its orientations against A, or A against B
 * (turned back) when only A has its exact dihedral variants. */
static void image_vs_image(const hm_hash *ha, size_t na, const hm_hash *hb, size_t nb,
                           int dihedral, cmp_row *r) {
    size_t which;
    r->qa = ha->quality;
    r->qb = hb->quality;
    if (dihedral && nb == 1 && na == 8) {
        r->distance = nearest(hb, 1, ha, na, 1, &which, &r->variant);
        r->variant = dihedral_inverse(r->variant);
    } else {
        r->distance = nearest(ha, 1, hb, nb, dihedral, &which, &r->variant);
        if (dihedral && na == 1 && nb == 1 &&
            (ha->type == HM_HASH_PHASH || ha->type == HM_HASH_DHASH))
            r->note = "two bare hashes: their orientations cannot be derived, compared as given";
    }
}

static int vpdq_compare(const hc_media *a, const hc_media *b, const hm_video_match_opts *vo,
                        cmp_row *r) {
    hm_index *idx = NULL;
    hm_results *res = NULL;
    uint32_t list;
    int ok = 0;
    hm_video_match_opts all = *vo;
    all.query_percent = all.target_percent = 0;
    if (hm_index_create(&idx) != HM_OK || hm_results_create(&res) != HM_OK) goto out;
    if (hm_index_list(idx, "a", &list) != HM_OK ||
        hm_index_add_video(idx, list, a->frames, a->nframes, "a", NULL, NULL) != HM_OK ||
        hm_index_commit(idx) != HM_OK)
        goto out;
    if (hm_index_match_video(idx, b->frames, b->nframes, &all, res) != HM_OK) goto out;
    ok = 1;
    r->type = 0;
    r->threshold = vo->distance;
    r->distance = r->qa = r->qb = -1;
    r->time = -1;
    if (hm_results_video_count(res)) {
        r->v = *hm_results_video_get(res, 0);
        r->v.video_id = r->v.list_name = r->v.labels = NULL; /* freed with res */
        r->v.query_ranges = r->v.target_ranges = NULL;
        r->v.n_query_ranges = r->v.n_target_ranges = 0;
        r->variant = (int)r->v.variant;
    }
    const hm_video_match *v = &r->v;
    r->alike = v->query_frames && v->target_frames &&
               v->query_percent + 1e-9 >= vo->query_percent &&
               v->target_percent + 1e-9 >= vo->target_percent;
    if (!v->query_frames || !v->target_frames) r->note = "no frame of quality >= 50 on one side";
out:
    hm_results_free(res);
    hm_index_free(idx);
    return ok;
}

/* The rows of the comparison: vPDQ for two videos, then one per type.
 * Returns the row count, -1 on a failure (message printed). */
static int compare_rows(const cmp_cfg *c, const hc_media *A, const hc_media *B,
                        cmp_row *rows) {
    int nrows = 0;
    if (A->kind == HC_KIND_VIDEO && B->kind == HC_KIND_VIDEO &&
        (c->types & HM_TYPE_BIT(HM_HASH_PDQ))) { /* the vPDQ rule reads PDQ frames */
        memset(&rows[nrows], 0, sizeof rows[nrows]);
        if (!vpdq_compare(A, B, &c->m.vmo, &rows[nrows])) {
            hc_err("out of memory comparing videos");
            return -1;
        }
        nrows++;
    }
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        if (!(c->types & HM_TYPE_BIT(t))) continue;
        size_t na = 0, nb = 0;
        const hm_hash *ha = plain_hash(A, t, &na), *hb = plain_hash(B, t, &nb);
        const int digest = t == HM_HASH_MD5 || t == HM_HASH_SHA256;
        cmp_row *r = &rows[nrows];
        memset(r, 0, sizeof *r);
        r->type = t;
        r->threshold = threshold_of(t, c->m.qo.radius);
        r->qa = r->qb = -1;
        r->time = -1;
        r->distance = -1;
        if (ha && hb && digest) {
            r->distance = hm_hash_distance(ha, hb);
        } else if (ha && hb) {
            image_vs_image(ha, na, hb, nb, is_dihedral(c), r);
        } else if (digest) {
            continue; /* digests of one side only (a hash on the other) */
        } else if ((ha && B->kind == HC_KIND_VIDEO) || (hb && A->kind == HC_KIND_VIDEO)) {
            if ((ha ? image_vs_video(ha, na, B, 0, is_dihedral(c), r)
                    : image_vs_video(hb, nb, A, 1, is_dihedral(c), r)) != 0) {
                hc_err("out of memory");
                return -1;
            }
        } else {
            continue;
        }
        if (r->distance > 0 && digest) {
            r->distance = -1; /* digests are equal or not: no distance */
            r->note = "digests differ";
        } else if (r->distance < 0) {
            r->note = "no comparable hash";
        } else {
            r->alike = r->distance <= r->threshold;
            if (t == HM_HASH_PDQ && (!quality_ok(r->qa) || !quality_ok(r->qb))) {
                r->alike = 0;
                r->note = "PDQ quality below 50";
            }
        }
        nrows++;
    }
    return nrows;
}

/* ---- output ----------------------------------------------------------------- */

static void json_side(sbuf *b, const char *key, const side *s) {
    sb_printf(b, "\"%s\":{", key);
    hc_json_media(b, s->arg, &s->m, 0);
    sb_putc(b, '}');
}

static void render_json(sbuf *b, const cmp_cfg *c, const side *s, const cmp_row *rows,
                        int nrows, int alike) {
    hc_json_begin(b);
    json_side(b, "a", &s[0]);
    sb_putc(b, ',');
    json_side(b, "b", &s[1]);
    sb_puts(b, ",\"comparisons\":[");
    for (int k = 0; k < nrows; k++) {
        const cmp_row *r = &rows[k];
        if (k) sb_putc(b, ',');
        if (r->type == 0) {
            sb_puts(b, "{\"type\":\"vpdq\"");
            hc_json_vpdq(b, &r->v, r->threshold);
            sb_printf(b, ",\"alike\":%s", r->alike ? "true" : "false");
        } else {
            sb_printf(b, "{\"type\":\"%s\",\"bits\":%u,", hm_hash_type_name(r->type),
                      hm_hash_bits(r->type));
            if (r->distance >= 0) sb_printf(b, "\"distance\":%d,", r->distance);
            else sb_puts(b, "\"distance\":null,");
            sb_printf(b, "\"threshold\":%d,\"alike\":%s", r->threshold,
                      r->alike ? "true" : "false");
            if (r->qa >= 0) sb_printf(b, ",\"quality_a\":%d", r->qa);
            if (r->qb >= 0) sb_printf(b, ",\"quality_b\":%d", r->qb);
            if (r->time >= 0) {
                sb_puts(b, ",\"frame_time\":");
                sb_json_num(b, r->time, 3);
            }
        }
        const int digest = r->type == HM_HASH_MD5 || r->type == HM_HASH_SHA256;
        if (is_dihedral(c) && !digest && (r->type == 0 || r->distance >= 0))
            sb_printf(b, ",\"variant\":\"%s\"", hc_variant_name(r->variant));
        if (r->note) {
            sb_puts(b, ",\"note\":");
            sb_json_str(b, r->note);
        }
        sb_putc(b, '}');
    }
    sb_printf(b, "],\"alike\":%s}\n", alike ? "true" : "false");
}

static void render_text(sbuf *b, const side *s, const cmp_row *rows, int nrows, int alike) {
    for (int k = 0; k < 2; k++) {
        const hc_media *m = &s[k].m;
        sb_printf(b, "%c: ", 'A' + k);
        sb_text(b, s[k].arg);
        sb_printf(b, " (%s", hc_kind_name(m->kind));
        if (m->kind == HC_KIND_IMAGE && m->info.width)
            sb_printf(b, ", %s %ux%u", hm_format_name(m->info.format), m->info.width,
                      m->info.height);
        if (m->kind == HC_KIND_VIDEO)
            sb_printf(b, ", %s %ux%u, %zu %s hashed", m->vinfo.codec, m->vinfo.width,
                      m->vinfo.height, m->nframes, hc_plural(m->nframes, "frame", "frames"));
        sb_puts(b, ")\n");
    }
    sb_printf(b, "%-7s %9s %9s  %s\n", "type", "distance", "threshold", "result");
    for (int k = 0; k < nrows; k++) {
        const cmp_row *r = &rows[k];
        if (r->type == 0) {
            sb_printf(b, "%-7s %9s %9d  %s: %.1f%% of B's frames (%u/%u) and %.1f%% of "
                         "A's (%u/%u) match",
                      "vpdq", "-", r->threshold, r->alike ? "alike" : "different",
                      r->v.query_percent, r->v.query_matched, r->v.query_frames,
                      r->v.target_percent, r->v.target_matched, r->v.target_frames);
        } else {
            char dist[32];
            if (r->distance >= 0) snprintf(dist, sizeof dist, "%d", r->distance);
            else snprintf(dist, sizeof dist, "-");
            sb_printf(b, "%-7s %9s %9d  %s", hm_hash_type_name(r->type), dist, r->threshold,
                      r->alike ? "alike" : "different");
            if (r->qa >= 0 || r->qb >= 0) {
                sb_puts(b, " (quality ");
                if (r->qa >= 0) sb_printf(b, "%d", r->qa);
                else sb_putc(b, '-');
                sb_puts(b, " / ");
                if (r->qb >= 0) sb_printf(b, "%d", r->qb);
                else sb_putc(b, '-');
                sb_putc(b, ')');
            }
        }
        if (r->variant) sb_printf(b, " as %s", hc_variant_name(r->variant));
        if (r->time >= 0) sb_printf(b, " at %.3f s", r->time);
        if (r->note && (r->distance < 0 || r->type == 0 || !r->alike || r->time >= 0))
            sb_printf(b, "; %s", r->note);
        sb_putc(b, '\n');
    }
    sb_printf(b, "%s\n", alike ? "alike" : "different");
}

/* ---- TMK+PDQF ------------------------------------------------------------------ */

typedef struct tmk_side {
    const char *arg;
    hc_tmk_form form; /* HC_TMK_NONE: a video */
    hm_tmk *t;        /* NULL: st and err say why */
    hm_status st;
    char err[768];
    hm_video_info info;
    int frames;       /* frame features in the hash */
} tmk_side;

/* 1 when an option that has no meaning for TMK was given (message
 * printed): TMK has one rule, its own thresholds, and takes every frame. */
static int tmk_options_conflict(const cmp_cfg *c) {
    hc_match_cfg d;
    hc_match_options.init(&d);
    const hc_match_cfg *m = &c->m;
    if (!c->types_given && m->qo.radius == d.qo.radius && m->qo.flags == d.qo.flags &&
        m->vmo.query_percent == d.vmo.query_percent &&
        m->vmo.target_percent == d.vmo.target_percent && !hc_tmk_sampling_given(&c->mo.video))
        return 0;
    hc_err("TMK+PDQF (--tmk, or a .tmk side) is compared alone, by its own rule: --types, "
           "--dihedral, --radius, --query-percent, --target-percent, --mode, --interval, "
           "--size and --apply-rotation do not apply to it");
    return 1;
}

/* The hash of each side: a .tmk file or its base64 as read (by
 * hc_tmk_read), a video hashed (hc_media_tmk).  0, or HC_EXIT_FATAL
 * after printing why. */
static int tmk_hash_sides(const cmp_cfg *c, tmk_side *s) {
    hm_hasher *h = NULL;
    hm_hash x;
    hm_tmk_info ti;
    for (int k = 0; k < 2; k++) {
        if (hc_parse_hash_arg(s[k].arg, &x)) {
            hc_err("%s: a %s hash cannot be compared by TMK+PDQF (videos and .tmk files)",
                   s[k].arg, hm_hash_type_name(x.type));
            return HC_EXIT_FATAL;
        }
        if (s[k].form == HC_TMK_NONE) {
            if (!h && hc_hasher_new(&c->hcfg, &h) != HM_OK) {
                hc_err("out of memory");
                return HC_EXIT_FATAL;
            }
            char *err = s[k].err;
            const size_t cap = sizeof s[k].err;
            s[k].st = hc_media_tmk(h, s[k].arg, &c->mo.video, &s[k].t, &s[k].info, err, cap);
            if (s[k].st == HM_E_UNKNOWN_FORMAT)
                snprintf(err + strlen(err), cap - strlen(err),
                         "; TMK+PDQF compares videos and .tmk files (or their base64)");
            else if (s[k].st == HM_OK && s[k].info.partial)
                hc_err("%s: damaged or truncated; the hash is of the frames that decoded",
                       s[k].arg);
        }
        if (!s[k].t) {
            hm_hasher_free(h);
            hc_err("%s (%s)", s[k].err, hm_strerror(s[k].st));
            return HC_EXIT_FATAL;
        }
        hm_tmk_get_info(s[k].t, &ti);
        s[k].frames = ti.frames;
    }
    hm_hasher_free(h);
    return 0;
}

static void tmk_json_side(sbuf *b, const char *key, const tmk_side *s) {
    hc_media m;
    memset(&m, 0, sizeof m);
    m.kind = s->form == HC_TMK_NONE ? HC_KIND_VIDEO : HC_KIND_TMK;
    m.vinfo = s->info;
    sb_printf(b, "\"%s\":{", key);
    hc_json_media(b, s->arg, &m, 0);
    sb_printf(b, ",\"tmk_frames\":%d}", s->frames);
}

static void tmk_render(sbuf *b, const cmp_cfg *c, const tmk_side *s, const float *score,
                       const float *t, int alike) {
    if (c->json) {
        hc_json_begin(b);
        tmk_json_side(b, "a", &s[0]);
        sb_putc(b, ',');
        tmk_json_side(b, "b", &s[1]);
        sb_puts(b, ",\"comparisons\":[{\"type\":\"tmk\"");
        hc_json_tmk(b, score[0], score[1], t[0], t[1]);
        sb_printf(b, ",\"alike\":%s}],\"alike\":%s}\n", alike ? "true" : "false",
                  alike ? "true" : "false");
        return;
    }
    for (int k = 0; k < 2; k++) {
        sb_printf(b, "%c: ", 'A' + k);
        sb_text(b, s[k].arg);
        if (s[k].form == HC_TMK_NONE)
            sb_printf(b, " (video, %s %ux%u, ", s[k].info.codec, s[k].info.width,
                      s[k].info.height);
        else
            sb_puts(b, s[k].form == HC_TMK_BINARY ? " (.tmk file, " : " (.tmk base64, ");
        sb_printf(b, "%d %s at 15 fps)\n", s[k].frames, hc_plural((size_t)s[k].frames,
                                                                   "frame", "frames"));
    }
    sb_printf(b, "%-7s %9s %9s  %s\n", "type", "level1", "level2", "result");
    sb_printf(b, "%-7s %9.6f %9.6f  %s (thresholds %g, %g)\n", "tmk", score[0], score[1],
              alike ? "alike" : "different", t[0], t[1]);
    sb_printf(b, "%s\n", alike ? "alike" : "different");
}

/* A against B by TMK+PDQF: both scores (A's hash first, as
 * tmk-two-level-score takes its files), alike when both reach their
 * thresholds.  The exit status. */
static int compare_tmk(const cmp_cfg *c, tmk_side *s) {
    float score[2], t[2];
    sbuf b = {0};
    int rc = tmk_hash_sides(c, s);
    if (rc != 0) return rc;
    if (hm_tmk_scores(s[0].t, s[1].t, &score[0], &score[1]) != HM_OK) {
        hc_err("%s", hm_last_error());
        return HC_EXIT_FATAL;
    }
    for (int k = 0; k < 2; k++)
        t[k] = c->tmk_thr.level[k] >= 0 ? c->tmk_thr.level[k] : hm_tmk_default_threshold(k + 1);
    const int alike = score[0] >= t[0] && score[1] >= t[1];
    tmk_render(&b, c, s, score, t, alike);
    rc = HC_EXIT_FATAL;
    if (b.oom) hc_err("out of memory");
    else if (fwrite(b.p, 1, b.n, stdout) != b.n || fflush(stdout) != 0)
        hc_err("error writing the output");
    else rc = alike ? 0 : 1;
    sb_free(&b);
    return rc;
}

/* ---- the command --------------------------------------------------------------- */

/* Both sides hashed into s[k].m (a TYPE:HEX side is its hash, and keeps
 * only its own type among the types compared); 0, or -1 after printing
 * why. */
static int hash_sides(cmp_cfg *c, side *s) {
    hm_hasher *h = NULL;
    hm_hash x;
    int failed = 0;
    for (int k = 0; k < 2; k++)
        if (hc_parse_hash_arg(s[k].arg, &x) && !(c->types &= HM_TYPE_BIT(x.type))) {
            hc_err("%s: its type is not among the types compared", s[k].arg);
            return -1;
        }
    if (hc_hasher_new(&c->hcfg, &h) != HM_OK) {
        hc_err("out of memory");
        return -1;
    }
    c->mo.types =
        c->types | (is_dihedral(c) && (c->types & HC_PERCEPTUAL) ? HM_WANT_DIHEDRAL : 0);
    for (int k = 0; k < 2; k++) {
        hc_media *m = &s[k].m;
        if (hc_parse_hash_arg(s[k].arg, &x)) {
            memset(m, 0, sizeof *m);
            m->kind = HC_KIND_HASH;
            m->h[0] = x;
            m->nh = 1;
        } else {
            hc_media_hash(h, s[k].arg, &c->mo, m);
        }
        if (m->failed) {
            hc_err("%s (%s)", m->err, hm_strerror(m->status));
            failed = 1;
        }
    }
    hm_hasher_free(h);
    return failed ? -1 : 0;
}

/* The comparison as JSON or text on stdout; 0, or -1 after printing why. */
static int print_rows(const cmp_cfg *c, const side *s, const cmp_row *rows, int nrows,
                      int alike) {
    sbuf b = {0};
    int rc = -1;
    if (c->json) render_json(&b, c, s, rows, nrows, alike);
    else render_text(&b, s, rows, nrows, alike);
    if (b.oom) hc_err("out of memory");
    else if (fwrite(b.p, 1, b.n, stdout) != b.n || fflush(stdout) != 0)
        hc_err("error writing the output");
    else rc = 0;
    sb_free(&b);
    return rc;
}

int cmd_compare(int argc, char **argv) {
    cmp_cfg c;
    side s[2];
    cmp_row rows[HM_HASH_TYPE_MAX + 1];
    int npos, rc = HC_EXIT_FATAL;
    const int pr = parse_args(argc, argv, &c, &npos);
    if (pr != HC_PARSED) return hc_parse_exit(&hc_cmd_compare, pr);
    /* TMK when asked for, or when a side is a .tmk file or its base64 */
    tmk_side ts[2];
    memset(ts, 0, sizeof ts);
    int tmk = c.tmk;
    for (int k = 0; k < 2; k++) {
        ts[k].arg = argv[k];
        ts[k].form = hc_tmk_read(argv[k], &ts[k].t, &ts[k].st, ts[k].err, sizeof ts[k].err);
        tmk |= ts[k].form != HC_TMK_NONE;
    }
    if (tmk) {
        if (tmk_options_conflict(&c)) rc = hc_usage_error("compare");
        else rc = compare_tmk(&c, ts);
        hm_tmk_free(ts[0].t);
        hm_tmk_free(ts[1].t);
        return rc;
    }
    if (c.tmk_thr.level[0] >= 0 || c.tmk_thr.level[1] >= 0) {
        hc_err("--tmk-level1 and --tmk-level2 apply to TMK+PDQF (--tmk, or a .tmk side)");
        return hc_usage_error("compare");
    }
    memset(s, 0, sizeof s);
    s[0].arg = argv[0];
    s[1].arg = argv[1];
    if (hash_sides(&c, s) != 0) goto done;
    const int nrows = compare_rows(&c, &s[0].m, &s[1].m, rows);
    if (nrows < 0) goto done;
    if (nrows == 0) {
        hc_err("nothing to compare: %s and %s have no hash type in common", s[0].arg,
               s[1].arg);
        goto done;
    }
    int alike = 0;
    for (int k = 0; k < nrows; k++) alike |= rows[k].alike;
    if (print_rows(&c, s, rows, nrows, alike) == 0) rc = alike ? 0 : 1;
done:
    hc_media_free(&s[0].m);
    hc_media_free(&s[1].m);
    return rc;
}
