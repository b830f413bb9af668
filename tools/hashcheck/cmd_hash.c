/* SPDX-License-Identifier: BSD-3-Clause */
/* hashcheck hash: hashes of images and videos, as CSV, canonical CSV, JSON
 * lines or text. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hc.h"

enum { OUT_CSV, OUT_CANONICAL, OUT_JSON, OUT_TEXT };

static const char usage[] =
        "usage: hashcheck hash [options] FILE|DIR...\n"
        "\n"
        "Hash images and videos; the kind is detected from content. Directories\n"
        "are walked recursively (regular files, sorted by name). A file that\n"
        "fails is reported on stderr and the batch goes on.\n"
        "\n"
        "output:\n"
        "  --format F          csv (default): a header, then\n"
        "                      file,type,hash,quality,frame,timestamp per hash\n"
        "                      (quality empty for types without one; frame and\n"
        "                      timestamp only for a video's frame hashes)\n"
        "                      canonical: hash_type,hash,entry_id,list,labels with\n"
        "                      a header: a hash list that 'index build' loads\n"
        "                      json: one JSON object per file (JSON lines;\n"
        "                      docs/hashcheck.schema.json)\n"
        "                      text: type, hash, quality, file for reading\n"
        "  --no-header         csv, canonical: no header line (to append)\n"
        "  --id path|name      canonical entry id: the path as walked (default)\n"
        "                      or the file name\n"
        "  --list-name NAME    canonical list column (default empty: the list\n"
        "                      file's name when it is loaded)\n"
        "  --labels TEXT       canonical labels column\n"
        "\n"
        "hashing:\n"
        "  --types LIST        comma-separated: pdq (default), phash, dhash, ahash,\n"
        "                      md5, sha256, phashorg_v09, phashorg_2014,\n"
        "                      phashorg_2026 (pHash.org's hash in each packing;\n"
        "                      images only), or all\n"
        "  --pdq-flavour F     fullres (default; pdqhash-python, HMA, GIFCT lists)\n"
        "                      or cpp512 (the C++ reference CLI's 512x512 prescale)\n"
        "  --exif-orientation  apply JPEG EXIF orientation before hashing\n"
        "  --fast              decode large JPEGs at reduced scale (approximate)\n"
        "  --max-pixels N      refuse images over N pixels (default 100000000)\n"
        "  --max-bytes N       refuse inputs over N bytes (default 268435456)\n"
        "  --no-video          do not read inputs that are not images as videos\n"
        "  --skip-non-media    a file that is neither image nor video is skipped\n"
        "                      (counted), not a failure; md5/sha256 still hash it\n"
        "  --rotations         images: also hash the image turned by -8, -4, +4\n"
        "                      and +8 degrees (shrunk to 512 pixels a side first),\n"
        "                      as 'match --rotations' queries; csv gets a last\n"
        "                      column, rotation (the angle, empty for the plain\n"
        "                      hashes), json a \"rotation\" member, text rot+N;\n"
        "                      canonical leaves them out\n"
        "\n"
        "videos (frames hashed as vPDQ does; see 'hashcheck video'):\n"
        "  --mode M            interval (default), keyframes, all\n"
        "  --interval S        seconds between hashed frames (default 1)\n"
        "  --size N            hash frames scaled to N x N\n"
        "  --apply-rotation    turn frames upright by the rotation metadata\n"
        "\n"
        "batch:\n"
        "  -j, --jobs N        worker threads (default: one per CPU); the output\n"
        "                      is the same, in the same order, for any N\n"
        "  -L, --follow-symlinks  follow symbolic links found inside directories\n"
        "                      (links named on the command line are always followed;\n"
        "                      no directory is entered twice)\n"
        "  --progress, --no-progress  progress line on stderr (default: only\n"
        "                      when stderr is a terminal)\n"
        "  -q, --quiet         no summary line\n"
        "\n"
        "Exit status: 0 every file hashed (or skipped), 1 some failed, 2 the run\n"
        "could not be completed (output error, out of memory), 64 usage error.\n";

typedef struct hash_ctx {
    hc_inputs in;
    hc_hasher_cfg hcfg;
    hc_media_opts mo;
    hc_batch_cfg batch;
    int format;
    int id_name, header;
    int rotations; /* --rotations: HM_WANT_ROTATIONS, and the csv column */
    const char *list_name, *labels;
} hash_ctx;

/* ---- command line ------------------------------------------------------------ */

static void set_format(void *d, const hc_optval *v) { ((hash_ctx *)d)->format = (int)v->num; }
static void set_no_header(void *d, const hc_optval *v) { ((hash_ctx *)d)->header = 0; }
static void set_id(void *d, const hc_optval *v) { ((hash_ctx *)d)->id_name = (int)v->num; }
static void set_list_name(void *d, const hc_optval *v) { ((hash_ctx *)d)->list_name = v->str; }
static void set_labels(void *d, const hc_optval *v) { ((hash_ctx *)d)->labels = v->str; }
static void set_types(void *d, const hc_optval *v) { ((hash_ctx *)d)->mo.types = v->types; }
static void set_no_video(void *d, const hc_optval *v) { ((hash_ctx *)d)->mo.videos = 0; }
static void set_skip(void *d, const hc_optval *v) { ((hash_ctx *)d)->mo.skip_non_media = 1; }
static void set_rotations(void *d, const hc_optval *v) { ((hash_ctx *)d)->rotations = 1; }

static const hc_choices formats = {"output format",
                                   {{"csv", OUT_CSV, 0},
                                    {"canonical", OUT_CANONICAL, 0},
                                    {"json", OUT_JSON, 0},
                                    {"jsonl", OUT_JSON, 1},
                                    {"text", OUT_TEXT, 0}}};

static const hc_option options[] = {
    {"--format", .arg = HC_ARG_CHOICE, .choices = &formats, .set = set_format},
    {"--no-header", .set = set_no_header},
    {"--id", .arg = HC_ARG_CHOICE, .choices = &hc_id_choices, .set = set_id},
    {"--list-name", .arg = HC_ARG_STRING, .set = set_list_name},
    {"--labels", .arg = HC_ARG_STRING, .set = set_labels},
    {"--types", .arg = HC_ARG_TYPES, .set = set_types},
    {"--no-video", .set = set_no_video},
    {"--skip-non-media", .set = set_skip},
    {"--rotations", .set = set_rotations},
    {0}};

static const hc_optgroup groups[] = {
    {&hc_hasher_options, offsetof(hash_ctx, hcfg)},
    {&hc_video_options, offsetof(hash_ctx, mo.video)},
    {&hc_batch_options, offsetof(hash_ctx, batch)},
    {NULL, 0}};

const hc_command hc_cmd_hash = {"hash", usage, options, groups};

/* The command line into c, the operands moved to argv[0..*npos);
 * HC_PARSED, HC_HELP or HC_USAGE_ERROR (message printed). */
static int parse_args(int argc, char **argv, hash_ctx *c, int *npos) {
    memset(c, 0, sizeof *c);
    c->mo.types = HM_TYPE_BIT(HM_HASH_PDQ);
    c->mo.videos = 1;
    c->format = OUT_CSV;
    c->list_name = c->labels = "";
    c->header = 1;
    const int pr = hc_parse_options(&hc_cmd_hash, c, argc, argv, npos);
    if (pr != HC_PARSED) return pr;
    if (c->rotations) c->mo.types |= HM_WANT_ROTATIONS;
    if (*npos == 0) {
        hc_err("no files given");
        return HC_USAGE_ERROR;
    }
    /* the options must be valid before the batch starts */
    return hc_hasher_cfg_check(&c->hcfg) == 0 ? HC_PARSED : HC_USAGE_ERROR;
}

/* ---- hashing and output --------------------------------------------------------- */

static void *w_init(void *ctx) { return hc_worker_hasher(&((hash_ctx *)ctx)->hcfg); }

/* file,type,hash,quality,frame,timestamp (the last two for frames), and
 * with --rotations the angle of a turned image's hash */
static void csv_row(sbuf *b, const hash_ctx *c, const char *path, const hm_hash *h,
                    const hm_video_frame *f) {
    char hex[HM_HASH_STRING_MAX];
    hm_hash_to_string(h, hex, sizeof hex);
    sb_csv(b, path);
    sb_printf(b, ",%s,%s,", hm_hash_type_name(h->type), hex);
    if (h->quality >= 0) sb_printf(b, "%d", h->quality);
    if (f) sb_printf(b, ",%llu,%.3f", (unsigned long long)f->frame_number, f->timestamp);
    else sb_puts(b, ",,");
    if (c->rotations) {
        sb_putc(b, ',');
        if (h->variant & HM_VARIANT_ROTATED) sb_printf(b, "%d", hc_rotation(h));
    }
    sb_putc(b, '\n');
}

static void text_row(sbuf *b, const char *path, const hm_hash *h, const hm_video_frame *f) {
    char hex[HM_HASH_STRING_MAX];
    hm_hash_to_string(h, hex, sizeof hex);
    sb_printf(b, "%-6s %-64s ", hm_hash_type_name(h->type), hex);
    if (h->quality >= 0) sb_printf(b, "q%-3d ", h->quality);
    else sb_puts(b, "-    ");
    if (h->variant & HM_VARIANT_ROTATED) sb_printf(b, "rot%+d ", hc_rotation(h));
    sb_text(b, path);
    if (f) sb_printf(b, " @%.3fs", f->timestamp);
    sb_putc(b, '\n');
}

/* canonical entry ids: no control characters (the loader refuses them) */
static void canonical_id(sbuf *b, const char *path, int id_name) {
    const char *id = path;
    if (id_name) {
        const char *s = strrchr(path, '/');
        if (s && s[1]) id = s + 1;
    }
    sbuf t = {0};
    for (const char *p = id; *p; p++) sb_putc(&t, (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
    sb_csv(b, t.p ? t.p : "");
    sb_free(&t);
}

static void canonical_row(sbuf *b, const hash_ctx *c, const char *path, const hm_hash *h) {
    char hex[HM_HASH_STRING_MAX];
    hm_hash_to_string(h, hex, sizeof hex);
    sb_printf(b, "%s,%s,", hm_hash_type_name(h->type), hex);
    canonical_id(b, path, c->id_name);
    sb_putc(b, ',');
    sb_csv(b, c->list_name);
    sb_putc(b, ',');
    sb_csv(b, c->labels);
    sb_putc(b, '\n');
}

/* A video's frame hashes fit for a hash list: PDQ of quality >= 50 (as
 * hm_index_add_video keeps them), 64-bit types all; each distinct hash
 * once, at its first frame.  keep[k * HM_FRAME_HASHES + t] says which. */
typedef struct fh_ref {
    const hm_hash *h;
    size_t pos;
} fh_ref;

static int cmp_fh(const void *a, const void *b) {
    const fh_ref *x = a, *y = b;
    if (x->h->type != y->h->type) return x->h->type < y->h->type ? -1 : 1;
    int c = memcmp(x->h->bytes, y->h->bytes, 32);
    if (c) return c;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

static char *frame_hashes_kept(const hc_media *m) {
    char *keep = calloc(m->nframes * HM_FRAME_HASHES + 1, 1);
    fh_ref *v = malloc((m->nframes * HM_FRAME_HASHES + 1) * sizeof *v);
    size_t n = 0;
    if (!keep || !v) {
        free(keep);
        free(v);
        return NULL;
    }
    for (size_t k = 0; k < m->nframes; k++)
        for (int t = 0; t < m->frames[k].nhashes && t < HM_FRAME_HASHES; t++) {
            const hm_hash *h = &m->frames[k].hashes[t];
            if (h->type == HM_HASH_PDQ && h->quality >= 0 &&
                h->quality < HM_DEFAULT_PDQ_MIN_QUALITY)
                continue;
            v[n++] = (fh_ref){h, k * HM_FRAME_HASHES + (size_t)t};
        }
    if (n > 1) qsort(v, n, sizeof *v, cmp_fh);
    for (size_t j = 0; j < n; j++)
        if (j == 0 || v[j].h->type != v[j - 1].h->type ||
            memcmp(v[j].h->bytes, v[j - 1].h->bytes, 32) != 0)
            keep[v[j].pos] = 1;
    free(v);
    return keep;
}

static void w_work(void *ctx, void *state, size_t i, hc_slot *s) {
    hash_ctx *c = ctx;
    const hc_input *in = &c->in.v[i];
    hc_media *m = &s->media;
    if (in->err) {
        memset(m, 0, sizeof *m);
        m->failed = 1;
        snprintf(m->err, sizeof m->err, "%s: %s", in->path, in->err);
    } else {
        hc_media_hash(state, in->path, &c->mo, m);
    }
    s->failed = m->failed;
    s->skipped = m->not_media;
    if (m->failed) sb_printf(&s->err, "hashcheck: %s (%s)\n", m->err, hm_strerror(m->status));
    else if (m->kind == HC_KIND_VIDEO && m->vinfo.partial)
        hc_partial_note(&s->err, in->path, m->nframes);
    sbuf *b = &s->out;
    switch (c->format) {
    case OUT_JSON:
        hc_json_begin(b);
        hc_json_media(b, in->path, m, 1);
        sb_puts(b, "}\n");
        return;
    case OUT_CSV:
        if (m->failed && m->kind != HC_KIND_VIDEO) return; /* as before: nothing */
        for (size_t k = 0; k < m->nh; k++) csv_row(b, c, in->path, &m->h[k], NULL);
        for (size_t k = 0; k < m->nframes; k++)
            for (int t = 0; t < m->frames[k].nhashes; t++)
                csv_row(b, c, in->path, &m->frames[k].hashes[t], &m->frames[k]);
        return;
    case OUT_TEXT:
        if (m->failed && m->kind != HC_KIND_VIDEO) return;
        for (size_t k = 0; k < m->nh; k++) text_row(b, in->path, &m->h[k], NULL);
        for (size_t k = 0; k < m->nframes; k++)
            for (int t = 0; t < m->frames[k].nhashes; t++)
                text_row(b, in->path, &m->frames[k].hashes[t], &m->frames[k]);
        return;
    case OUT_CANONICAL:
        if (m->failed && m->kind != HC_KIND_VIDEO) return;
        for (size_t k = 0; k < m->nh; k++)
            if (m->h[k].variant == 0) canonical_row(b, c, in->path, &m->h[k]);
        if (m->nframes) {
            char *keep = frame_hashes_kept(m);
            if (!keep) {
                s->failed = 1;
                sb_printf(&s->err, "hashcheck: %s: out of memory\n", in->path);
                return;
            }
            for (size_t k = 0; k < m->nframes; k++)
                for (int t = 0; t < m->frames[k].nhashes && t < HM_FRAME_HASHES; t++)
                    if (keep[k * HM_FRAME_HASHES + (size_t)t])
                        canonical_row(b, c, in->path, &m->frames[k].hashes[t]);
            free(keep);
        }
        return;
    }
}

int cmd_hash(int argc, char **argv) {
    hash_ctx c;
    int npos;
    const int pr = parse_args(argc, argv, &c, &npos);
    if (pr != HC_PARSED) return hc_parse_exit(&hc_cmd_hash, pr);
    if (c.header && c.format == OUT_CANONICAL) puts("hash_type,hash,entry_id,list,labels");
    if (c.header && c.format == OUT_CSV)
        puts(c.rotations ? "file,type,hash,quality,frame,timestamp,rotation"
                         : "file,type,hash,quality,frame,timestamp");
    hc_pool_fns fns = {w_init, hc_worker_hasher_free, w_work, NULL};
    hc_stats st;
    const int rc = hc_batch_run(&c.in, argv, npos, 0, &c.batch, &fns, &c, 0, &st);
    hc_inputs_free(&c.in);
    return rc != 0 ? HC_EXIT_FATAL : st.failed ? 1 : 0;
}
