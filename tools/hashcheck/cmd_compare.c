/* SPDX-License-Identifier: BSD-3-Clause */
/* hashcheck compare: distances between two files or two hashes, per hash
 * type, with the default thresholds' verdict. */
#include <stdlib.h>
#include <string.h>

#include "hc.h"

static void usage(FILE *f) {
    fprintf(f,
        "usage: hashcheck compare [options] A B\n"
        "\n"
        "Distances between two inputs, per hash type. A and B are each a file\n"
        "(image, video, or any file for md5/sha256) or a hash written TYPE:HEX.\n"
        "  image/hash vs image/hash: Hamming distance of each type both have;\n"
        "  image/hash vs video: the closest frame of the video, and its time;\n"
        "  video vs video: the vPDQ rule, with B as the query and A as the known\n"
        "    video (shares of B's and of A's frames that match).\n"
        "Verdicts use the default thresholds: PDQ distance <= 31 with both\n"
        "qualities >= 50; pHash/dHash/aHash <= 10; md5/sha256 equal; vPDQ\n"
        "query share >= 80%%.\n"
        "\n"
        "options:\n"
        "  --format F          text (default) or json (one JSON object)\n"
        "  --types LIST        types to compare (default: all: pdq,phash,dhash,\n"
        "                      ahash,md5,sha256)\n"
        "  --dihedral          PDQ: the best of the 8 rotations and mirrors\n"
        "  --radius R          one threshold for every type instead of the defaults\n"
        "  --query-percent P, --target-percent P   vPDQ shares needed (80, 0)\n"
        "  --mode, --interval, --size, --apply-rotation   video sampling\n"
        "  --pdq-flavour, --exif-orientation, --fast, --max-pixels, --max-bytes\n"
        "\n"
        "Exit status (as cmp): 0 alike by some type, 1 different, 2 errors.\n");
}

typedef struct cmp_row {
    int type;      /* hash type, or 0 for vpdq */
    int distance;  /* -1: not comparable */
    int threshold;
    int alike;
    int qa, qb;    /* PDQ qualities (-1 unknown) */
    int variant;   /* dihedral variant of the best match */
    double time;   /* frame time in the video side, -1 none */
    const char *note;
    /* vpdq */
    double qp, tp;
    uint32_t qf, qm, tf, tm;
} cmp_row;

typedef struct side {
    const char *arg;
    hc_media m;
} side;

static int threshold_of(int type, int radius) {
    if (radius >= 0) return radius;
    if (type == HM_HASH_PDQ) return HM_DEFAULT_PDQ_THRESHOLD;
    if (type == HM_HASH_MD5 || type == HM_HASH_SHA256) return 0;
    return HM_DEFAULT_64BIT_THRESHOLD;
}

static const hm_hash *find_type(const hc_media *m, int type) {
    for (size_t k = 0; k < m->nh; k++)
        if (m->h[k].type == type && m->h[k].variant == 0) return &m->h[k];
    return NULL;
}

static int quality_ok(int q) { return q < 0 || q >= HM_DEFAULT_PDQ_MIN_QUALITY; }

/* PDQ over the 8 dihedral variants: a one-entry index queried with
 * HM_QUERY_DIHEDRAL (exact variants when B came from a file). */
static int dihedral_distance(const hc_media *a, const hm_hash *ha, const hc_media *b,
                             int *variant) {
    hm_index *idx = NULL;
    hm_results *res = NULL;
    uint32_t list;
    int d = -1;
    (void)a;
    if (hm_index_create(&idx) != HM_OK || hm_results_create(&res) != HM_OK) goto out;
    if (hm_index_list(idx, "a", &list) != HM_OK || hm_index_add(idx, list, ha, "a", NULL) ||
        hm_index_commit(idx) != HM_OK)
        goto out;
    hm_query_opts qo;
    hm_query_opts_init(&qo);
    qo.radius = 256;
    qo.min_quality = 0;
    qo.flags = HM_QUERY_DIHEDRAL;
    const hm_hash *hb = NULL;
    size_t nb = 0;
    for (size_t k = 0; k < b->nh; k++)
        if (b->h[k].type == HM_HASH_PDQ) {
            if (!hb) hb = &b->h[k];
            nb++;
        }
    if (hb && hm_index_query(idx, hb, nb, &qo, res) == HM_OK && hm_results_count(res)) {
        const hm_match *m = hm_results_get(res, 0);
        d = m->distance;
        *variant = m->variant;
    }
out:
    hm_results_free(res);
    hm_index_free(idx);
    return d;
}

/* The frame of video v closest to hash h; -1 when none has the type. */
static int closest_frame(const hc_media *v, const hm_hash *h, double *time, int *quality) {
    int best = -1;
    for (size_t k = 0; k < v->nframes; k++)
        for (int t = 0; t < v->frames[k].nhashes; t++) {
            const hm_hash *f = &v->frames[k].hashes[t];
            if (f->type != h->type) continue;
            if (f->type == HM_HASH_PDQ && !quality_ok(f->quality)) continue;
            int d = hm_hash_distance(h, f);
            if (d >= 0 && (best < 0 || d < best)) {
                best = d;
                *time = v->frames[k].timestamp;
                *quality = f->quality;
            }
        }
    return best;
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
    if (hm_results_video_count(res)) {
        const hm_video_match *m = hm_results_video_get(res, 0);
        r->qp = m->query_percent;
        r->tp = m->target_percent;
        r->qf = m->query_frames;
        r->qm = m->query_matched;
        r->tf = m->target_frames;
        r->tm = m->target_matched;
    }
    r->alike = r->qf && r->tf && r->qp + 1e-9 >= vo->query_percent &&
               r->tp + 1e-9 >= vo->target_percent;
    if (!r->tf || !r->qf) r->note = "no frame of quality >= 50 on one side";
out:
    hm_results_free(res);
    hm_index_free(idx);
    return ok;
}

static void json_side(sbuf *b, const char *key, const side *s) {
    sb_printf(b, "\"%s\":{", key);
    hc_json_media(b, s->arg, &s->m, 0);
    sb_putc(b, '}');
}

int cmd_compare(int argc, char **argv) {
    hc_hasher_cfg hcfg;
    hc_media_opts mo;
    hm_video_match_opts vmo;
    unsigned types = HM_TYPES_ALL;
    int json = 0, dihedral = 0, radius = -1, i, npos = 0, rc = 2;
    side s[2];
    cmp_row rows[HM_HASH_TYPE_MAX + 1];
    int nrows = 0;
    hm_hasher *h = NULL;
    memset(s, 0, sizeof s);
    hc_hasher_cfg_init(&hcfg);
    memset(&mo, 0, sizeof mo);
    hm_video_opts_init(&mo.video);
    hm_video_match_opts_init(&vmo);
    mo.videos = 1;
    mo.crypto_fallback = 1;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        int r;
        if (strcmp(a, "--") == 0) {
            while (++i < argc) argv[npos++] = argv[i];
            break;
        } else if (hc_is_help(a)) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--format") == 0 && v) {
            i++;
            if (strcmp(v, "json") == 0) json = 1;
            else if (strcmp(v, "text") == 0) json = 0;
            else {
                hc_err("unknown output format '%s' (text, json)", v);
                goto usage_error;
            }
        } else if (strcmp(a, "--types") == 0 && v) {
            i++;
            if (!(types = hc_parse_types(v))) goto usage_error;
        } else if (strcmp(a, "--dihedral") == 0) {
            dihedral = 1;
        } else if (strcmp(a, "--radius") == 0 && v) {
            i++;
            if (!hc_parse_long(v, 0, 256, &n)) {
                hc_err("--radius needs 0..256");
                goto usage_error;
            }
            radius = (int)n;
            vmo.distance = (int32_t)n;
        } else if (strcmp(a, "--query-percent") == 0 && v) {
            i++;
            if (!hc_parse_double(v, 0, 100, &vmo.query_percent)) {
                hc_err("--query-percent needs 0..100");
                goto usage_error;
            }
        } else if (strcmp(a, "--target-percent") == 0 && v) {
            i++;
            if (!hc_parse_double(v, 0, 100, &vmo.target_percent)) {
                hc_err("--target-percent needs 0..100");
                goto usage_error;
            }
        } else if ((r = hc_video_option(argc, argv, &i, &mo.video)) != 0 ||
                   (r = hc_hasher_option(argc, argv, &i, &hcfg)) != 0) {
            if (r < 0) goto usage_error;
        } else if (a[0] == '-' && a[1] != '\0') {
            hc_err("unknown option '%s' (hashcheck compare --help)", a);
            goto usage_error;
        } else {
            argv[npos++] = argv[i]; /* operands and options may be mixed */
        }
    }
    if (npos != 2) {
        hc_err("compare needs exactly two inputs");
        goto usage_error;
    }
    s[0].arg = argv[0];
    s[1].arg = argv[1];
    if (hc_hasher_new(&hcfg, &h) != HM_OK) {
        hc_err("bad hasher settings");
        return 2;
    }
    /* a hash on either side restricts the types to its own */
    for (int k = 0; k < 2; k++) {
        hm_hash x;
        if (hc_parse_hash_arg(s[k].arg, &x)) {
            types &= HM_TYPE_BIT(x.type);
            if (!types) {
                hc_err("%s: its type is not among the types compared", s[k].arg);
                goto done;
            }
        }
    }
    mo.types = types | (dihedral && (types & HM_TYPE_BIT(HM_HASH_PDQ)) ? HM_WANT_PDQ_DIHEDRAL : 0);
    int failed = 0;
    for (int k = 0; k < 2; k++) {
        hc_media *m = &s[k].m;
        if (hc_parse_hash_arg(s[k].arg, &m->h[0])) {
            memset(m, 0, sizeof *m);
            hc_parse_hash_arg(s[k].arg, &m->h[0]);
            m->kind = HC_KIND_HASH;
            m->nh = 1;
        } else {
            hc_media_hash(h, s[k].arg, &mo, m);
        }
        if (m->failed) {
            hc_err("%s (%s)", m->err, hm_strerror(m->status));
            failed = 1;
        }
    }
    if (failed) goto done;
    /* the comparisons */
    const hc_media *A = &s[0].m, *B = &s[1].m;
    if (A->kind == HC_KIND_VIDEO && B->kind == HC_KIND_VIDEO &&
        (types & HM_TYPE_BIT(HM_HASH_PDQ))) { /* the vPDQ rule reads PDQ frames */
        memset(&rows[nrows], 0, sizeof rows[nrows]);
        if (!vpdq_compare(A, B, &vmo, &rows[nrows])) {
            hc_err("out of memory comparing videos");
            goto done;
        }
        nrows++;
    }
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        if (!(types & HM_TYPE_BIT(t))) continue;
        const hm_hash *ha = find_type(A, t), *hb = find_type(B, t);
        cmp_row *r = &rows[nrows];
        memset(r, 0, sizeof *r);
        r->type = t;
        r->threshold = threshold_of(t, radius);
        r->qa = r->qb = -1;
        r->time = -1;
        r->distance = -1;
        if (ha && hb) {
            r->qa = ha->quality;
            r->qb = hb->quality;
            if (t == HM_HASH_PDQ && dihedral) {
                r->distance = dihedral_distance(A, ha, B, &r->variant);
                if (r->distance < 0) r->distance = hm_hash_distance(ha, hb);
            } else {
                r->distance = hm_hash_distance(ha, hb);
            }
        } else if ((t == HM_HASH_MD5 || t == HM_HASH_SHA256)) {
            continue; /* digests of one side only (a hash on the other) */
        } else if (ha && B->kind == HC_KIND_VIDEO) {
            r->qa = ha->quality;
            r->distance = closest_frame(B, ha, &r->time, &r->qb);
            r->note = "closest frame of B";
        } else if (hb && A->kind == HC_KIND_VIDEO) {
            r->qb = hb->quality;
            r->distance = closest_frame(A, hb, &r->time, &r->qa);
            r->note = "closest frame of A";
        } else {
            continue;
        }
        if (r->distance > 0 && (t == HM_HASH_MD5 || t == HM_HASH_SHA256)) {
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
    if (nrows == 0) {
        hc_err("nothing to compare: %s and %s have no hash type in common", s[0].arg,
               s[1].arg);
        goto done;
    }
    int alike = 0;
    for (int k = 0; k < nrows; k++) alike |= rows[k].alike;
    sbuf b = {0};
    if (json) {
        sb_putc(&b, '{');
        json_side(&b, "a", &s[0]);
        sb_putc(&b, ',');
        json_side(&b, "b", &s[1]);
        sb_puts(&b, ",\"comparisons\":[");
        for (int k = 0; k < nrows; k++) {
            const cmp_row *r = &rows[k];
            if (k) sb_putc(&b, ',');
            if (r->type == 0) {
                sb_puts(&b, "{\"type\":\"vpdq\",\"query_percent\":");
                sb_json_num(&b, r->qp, 2);
                sb_puts(&b, ",\"target_percent\":");
                sb_json_num(&b, r->tp, 2);
                sb_printf(&b, ",\"query_frames\":%u,\"query_matched\":%u,\"target_frames\":%u,"
                              "\"target_matched\":%u,\"distance_threshold\":%d,\"alike\":%s}",
                          r->qf, r->qm, r->tf, r->tm, r->threshold, r->alike ? "true" : "false");
                continue;
            }
            sb_printf(&b, "{\"type\":\"%s\",\"bits\":%u,", hm_hash_type_name(r->type),
                      hm_hash_bits(r->type));
            if (r->distance >= 0) sb_printf(&b, "\"distance\":%d,", r->distance);
            else sb_puts(&b, "\"distance\":null,");
            sb_printf(&b, "\"threshold\":%d,\"alike\":%s", r->threshold,
                      r->alike ? "true" : "false");
            if (r->qa >= 0) sb_printf(&b, ",\"quality_a\":%d", r->qa);
            if (r->qb >= 0) sb_printf(&b, ",\"quality_b\":%d", r->qb);
            if (r->type == HM_HASH_PDQ && dihedral)
                sb_printf(&b, ",\"variant\":\"%s\"", hc_variant_name(r->variant));
            if (r->time >= 0) {
                sb_puts(&b, ",\"frame_time\":");
                sb_json_num(&b, r->time, 3);
            }
            if (r->note) {
                sb_puts(&b, ",\"note\":");
                sb_json_str(&b, r->note);
            }
            sb_putc(&b, '}');
        }
        sb_printf(&b, "],\"alike\":%s}\n", alike ? "true" : "false");
    } else {
        for (int k = 0; k < 2; k++) {
            const hc_media *m = &s[k].m;
            sb_printf(&b, "%c: ", 'A' + k);
            sb_text(&b, s[k].arg);
            sb_printf(&b, " (%s", hc_kind_name(m->kind));
            if (m->kind == HC_KIND_IMAGE && m->info.width)
                sb_printf(&b, ", %s %ux%u", hm_format_name(m->info.format), m->info.width,
                          m->info.height);
            if (m->kind == HC_KIND_VIDEO)
                sb_printf(&b, ", %s %ux%u, %zu frames hashed", m->vinfo.codec, m->vinfo.width,
                          m->vinfo.height, m->nframes);
            sb_puts(&b, ")\n");
        }
        sb_printf(&b, "%-7s %9s %9s  %s\n", "type", "distance", "threshold", "result");
        for (int k = 0; k < nrows; k++) {
            const cmp_row *r = &rows[k];
            if (r->type == 0) {
                sb_printf(&b, "%-7s %9s %9d  %s: %.1f%% of B's frames (%u/%u) and %.1f%% of "
                              "A's (%u/%u) match",
                          "vpdq", "-", r->threshold, r->alike ? "alike" : "different", r->qp,
                          r->qm, r->qf, r->tp, r->tm, r->tf);
            } else {
                char dist[32];
                if (r->distance >= 0) snprintf(dist, sizeof dist, "%d", r->distance);
                else snprintf(dist, sizeof dist, "-");
                sb_printf(&b, "%-7s %9s %9d  %s", hm_hash_type_name(r->type), dist,
                          r->threshold, r->alike ? "alike" : "different");
                if (r->qa >= 0 || r->qb >= 0) {
                    sb_puts(&b, " (quality ");
                    if (r->qa >= 0) sb_printf(&b, "%d", r->qa);
                    else sb_putc(&b, '-');
                    sb_puts(&b, " / ");
                    if (r->qb >= 0) sb_printf(&b, "%d", r->qb);
                    else sb_putc(&b, '-');
                    sb_putc(&b, ')');
                }
                if (r->type == HM_HASH_PDQ && dihedral && r->variant)
                    sb_printf(&b, " as %s", hc_variant_name(r->variant));
                if (r->time >= 0) sb_printf(&b, " at %.3f s", r->time);
            }
            if (r->note && (r->distance < 0 || r->type == 0 || !r->alike || r->time >= 0))
                sb_printf(&b, "; %s", r->note);
            sb_putc(&b, '\n');
        }
        sb_printf(&b, "%s\n", alike ? "alike" : "different");
    }
    if (b.oom) {
        hc_err("out of memory");
        sb_free(&b);
        goto done;
    }
    fwrite(b.p, 1, b.n, stdout);
    sb_free(&b);
    if (fflush(stdout) != 0) {
        hc_err("error writing the output");
        goto done;
    }
    rc = alike ? 0 : 1;
done:
    hc_media_free(&s[0].m);
    hc_media_free(&s[1].m);
    hm_hasher_free(h);
    return rc;
usage_error:
    usage(stderr);
    return 2;
}
