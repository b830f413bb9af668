/* SPDX-License-Identifier: BSD-3-Clause */
/* hashcheck index build: an index file from hash lists and from media.
 * parse_args reads the command line; load_arguments loads the hash lists
 * and vPDQ files named, add_named_videos the --video and --vpdq ones,
 * add_media hashes the media on the workers and stages their entries
 * (w_emit), write_index saves.  Also hc_load_list and hc_load_known,
 * which match --list shares. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hc.h"

static const char usage[] =
        "usage: hashcheck index build -o OUT.hmi [options] LIST|MEDIA|DIR...\n"
        "\n"
        "Build an index file from hash lists and from known media.\n"
        "\n"
        "Each argument is, by its content (never its name):\n"
        "  a hash list (text, stray bytes included): one hash per line, \"<type> <hash>\" lines,\n"
        "    python-threatexchange dataset CSV, or hash_type,hash,entry_id,list,labels\n"
        "    CSV (docs/hashlist-formats.md); rejected lines are reported;\n"
        "  a vPDQ hash file (frame,quality,pdqhex,timestamp lines): a known video;\n"
        "  an image: its hashes (--types), with the path as entry id;\n"
        "  a video: its frames (PDQ, quality >= 50, each distinct hash once, with\n"
        "    its time) as a known video for the vPDQ rule, and its digests;\n"
        "  a .tmk file or its base64 (TCAP's form): a known video's TMK+PDQF hash;\n"
        "  a directory: every regular file in it, recursively, as media.\n"
        "\n"
        "options:\n"
        "  -o, --output FILE   index file to write (atomically)\n"
        "  --list-name NAME    list of media, and of list lines that name none\n"
        "                      (default: \"media\" for media; a list file's base name)\n"
        "  --labels TEXT       labels of media, and of list lines that carry none\n"
        "  --id path|name      entry id of media: the path as walked (default) or\n"
        "                      the file name\n"
        "  --types LIST        hashes of media images (default pdq,md5; md5/sha256\n"
        "                      are also taken of videos and of other files)\n"
        "  --keep-low-quality  keep PDQ hashes of quality < 50 (skipped by default:\n"
        "                      queries of such quality match nothing)\n"
        "  --trim              media images: also add the hashes of the image with\n"
        "                      uniform borders trimmed (frames, letterbox bars)\n"
        "  --crops             media images: also add the hashes of 9 crops of 90%\n"
        "                      of each side, so that copies cropped up to ~10% match\n"
        "  --crops-fine        media images: also add the hashes of 25 crops of 80%\n"
        "                      of each side (a 5 x 5 grid; with --crops, copies\n"
        "                      cropped up to ~20% match)\n"
        "  --tmk               media videos (and --video): also add their TMK+PDQF\n"
        "                      hash (each video is decoded a second time)\n"
        "  --list-format F     auto (default), plain, typed, pytx-csv, canonical\n"
        "                      (--format F is the same); given, every file that is not\n"
        "                      an image or a video is read as a hash list\n"
        "  --type T            hash type of plain lines (pdq, phash, ...)\n"
        "  --lenient           skip malformed list lines (reported) instead of failing\n"
        "  --bktree            also build the BK-tree (for benchmarks)\n"
        "  --video FILE        add a known video with its base name as id (repeatable)\n"
        "  --vpdq FILE         add a known video from a vPDQ hash file (repeatable)\n"
        "  --video-list NAME   list of --video/--vpdq videos (default \"videos\")\n"
        "  --mode, --interval, --size, --apply-rotation   video sampling\n"
        "                      ('hashcheck video --help')\n"
        "  --pdq-flavour, --exif-orientation, --fast, --max-pixels, --max-bytes\n"
        "                      image decoding ('hashcheck hash --help')\n"
        "  -j, --jobs N, -L, --follow-symlinks, -q, --quiet, --progress, --no-progress\n"
        "                      as for 'hashcheck hash'\n"
        "                      (-q: no per-list counts either)\n"
        "\n"
        "Exit status: 0 success; 1 an input failed (a hash list: a bad line in\n"
        "strict mode, or nothing loaded from it: nothing is written; a media file:\n"
        "reported, skipped, the index is written); 2 the index could not be\n"
        "written (or out of memory); 64 usage error.\n";

/* ---- hash lists (shared with match --list) --------------------------------- */

/* Rejected lines shown per list; the rest are counted in the report. */
#define SHOWN_REJECTS 10

typedef struct rejects {
    uint64_t seen;
} rejects;

static void print_line_error(void *user, const char *source, uint64_t line,
                             const char *msg) {
    rejects *rj = user;
    if (rj->seen++ < SHOWN_REJECTS)
        fprintf(stderr, "hashcheck: %s:%llu: %s (skipped)\n", source, (unsigned long long)line,
                msg);
}

/* ", N thing(s)" when N is not 0 (always for `always`). */
static void count(sbuf *b, uint64_t n, const char *one, const char *many, int always) {
    if (n || always)
        sb_printf(b, "%s%llu %s", b->n ? ", " : "", (unsigned long long)n, hc_plural(n, one, many));
}

int hc_load_list(hm_index *idx, hc_list_args *la, const char *path) {
    hm_list_load_report r;
    rejects rj = {0};
    la->opts.on_error = la->opts.strict ? NULL : print_line_error;
    la->opts.user = &rj;
    hm_status st = hm_index_load_list(idx, path, &la->opts, &r);
    if (rj.seen > SHOWN_REJECTS)
        hc_err("%s: %llu more rejected lines not shown", path,
               (unsigned long long)(rj.seen - SHOWN_REJECTS));
    if (st != HM_OK) {
        hc_err("%s", hm_last_error());
        if (st == HM_E_INVALID_ARGUMENT && r.format == HM_LIST_PLAIN && !la->opts.hash_type)
            hc_err("give the hash type of a list of bare hashes with --type (pdq, phash, "
                   "dhash, ahash, md5, sha256, phashorg_v09, phashorg_2014, phashorg_2026)");
        return 1;
    }
    if (!la->quiet) {
        sbuf b = {0};
        count(&b, r.added, "entry added", "entries added", 1);
        count(&b, r.duplicates, "duplicate", "duplicates", 0);
        count(&b, r.rejected, "line rejected", "lines rejected", 0);
        if (r.unknown_type)
            sb_printf(&b, " (%llu with an unknown hash type)", (unsigned long long)r.unknown_type);
        count(&b, r.unsupported, "line of a signal type not indexed",
              "lines of signal types not indexed", 0);
        count(&b, r.negative, "negative row skipped", "negative rows skipped", 0);
        if (!b.oom) hc_err("%s: %s", path, b.p);
        sb_free(&b);
    }
    return 0;
}

/* ---- known media (shared with match --list) -------------------------------- */

int hc_media_list(hm_index *idx, const hc_list_args *la, uint32_t *list) {
    if (hm_index_list(idx, la->opts.list ? la->opts.list : "media", list) == HM_OK) return 0;
    hc_err("%s", hm_last_error());
    return 1;
}

/* Stage the TMK+PDQF hash of the known video `path` as `id`; 0, or 1
 * with why in err. */
static int stage_tmk(hm_index *idx, uint32_t list, const hm_tmk *t, const char *path,
                     const char *id, const char *labels, sbuf *err) {
    if (hm_index_add_tmk(idx, list, t, id, labels) == HM_OK) return 0;
    sb_printf(err, "hashcheck: %s: %s\n", path, hm_last_error());
    return 1;
}

int hc_load_known(hm_index *idx, hc_list_args *la, const char *path) {
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || hc_file_kind_of(path) != HC_FILE_TMK)
        return hc_load_list(idx, la, path);
    /* a .tmk file or its base64: read as index build reads it among its
     * media (media.c's tmk_file), staged as w_emit stages it */
    hm_tmk *t;
    hm_status st;
    uint32_t list;
    char err[768];
    sbuf msg = {0};
    hc_tmk_read(path, &t, &st, err, sizeof err);
    if (!t) {
        if (st == HM_OK) hc_err("%s: cannot be read (%s)", path, hm_strerror(HM_E_IO)); /* gone */
        else hc_err("%s (%s)", err, hm_strerror(st));
        return 1;
    }
    int rc = hc_media_list(idx, la, &list) ||
             stage_tmk(idx, list, t, path, path, la->opts.labels, &msg);
    if (msg.n) fputs(msg.p, stderr);
    if (!rc && !la->quiet)
        hc_err("%s: a TMK+PDQF hash of %d frames", path, hc_tmk_frames(t));
    sb_free(&msg);
    hm_tmk_free(t);
    return rc;
}

/* ---- index build ----------------------------------------------------------- */

typedef struct build_ctx {
    hc_inputs media;
    hc_hasher_cfg hcfg;
    hc_media_opts mo;
    hm_index *idx;
    uint32_t list;
    const char *labels;
    int id_name, keep_low;
    /* counts */
    size_t images, videos, files, hashes, frames, low, tmks, add_errors;
    /* the rest of the command line */
    hc_list_args la;
    hc_batch_cfg batch;
    const char *out, *video_list;
    const char **named_videos, **vpdqs; /* --video, --vpdq, in order */
    int nv, nq;
    unsigned extra; /* --trim, --crops, --crops-fine: HM_WANT_TRIMMED, HM_WANT_CROPS,
                       HM_WANT_CROPS_FINE */
} build_ctx;

/* ---- command line ------------------------------------------------------------ */

static void set_output(void *d, const hc_optval *v) { ((build_ctx *)d)->out = v->str; }
static void add_video(void *d, const hc_optval *v) {
    build_ctx *c = d;
    c->named_videos[c->nv++] = v->str;
}
static void add_vpdq(void *d, const hc_optval *v) {
    build_ctx *c = d;
    c->vpdqs[c->nq++] = v->str;
}
static void set_video_list(void *d, const hc_optval *v) { ((build_ctx *)d)->video_list = v->str; }
static void set_types(void *d, const hc_optval *v) { ((build_ctx *)d)->mo.types = v->types; }
static void set_id(void *d, const hc_optval *v) { ((build_ctx *)d)->id_name = (int)v->num; }
static void set_keep_low(void *d, const hc_optval *v) { ((build_ctx *)d)->keep_low = 1; }
static void set_trim(void *d, const hc_optval *v) { ((build_ctx *)d)->extra |= HM_WANT_TRIMMED; }
static void set_crops(void *d, const hc_optval *v) { ((build_ctx *)d)->extra |= HM_WANT_CROPS; }
static void set_crops_fine(void *d, const hc_optval *v) {
    ((build_ctx *)d)->extra |= HM_WANT_CROPS_FINE;
}
static void set_tmk(void *d, const hc_optval *v) { ((build_ctx *)d)->mo.tmk = 1; }

static const hc_option options[] = {
    {"--output", .short_name = 'o', .arg = HC_ARG_STRING, .set = set_output},
    {"--id", .arg = HC_ARG_CHOICE, .choices = &hc_id_choices, .set = set_id},
    {"--types", .arg = HC_ARG_TYPES, .set = set_types},
    {"--keep-low-quality", .set = set_keep_low},
    {"--trim", .set = set_trim},
    {"--crops", .set = set_crops},
    {"--crops-fine", .set = set_crops_fine},
    {"--tmk", .set = set_tmk},
    {"--video", .arg = HC_ARG_STRING, .set = add_video},
    {"--vpdq", .arg = HC_ARG_STRING, .set = add_vpdq},
    {"--video-list", .arg = HC_ARG_STRING, .set = set_video_list},
    {0}};

static const hc_optgroup groups[] = {
    {&hc_list_options, offsetof(build_ctx, la)},
    {&hc_list_format_alias, offsetof(build_ctx, la)},
    {&hc_video_options, offsetof(build_ctx, mo.video)},
    {&hc_hasher_options, offsetof(build_ctx, hcfg)},
    {&hc_batch_options, offsetof(build_ctx, batch)},
    {NULL, 0}};

const hc_command hc_cmd_index = {"index build", usage, options, groups};

/* The command line after "build" into c, the operands moved to
 * argv[0..*npos), the --video and --vpdq values to `named` and `vpdqs`
 * (argc slots each); HC_PARSED, HC_HELP or HC_USAGE_ERROR (message
 * printed). */
static int parse_args(int argc, char **argv, const char **named, const char **vpdqs,
                      build_ctx *c, int *npos) {
    memset(c, 0, sizeof *c);
    c->named_videos = named;
    c->vpdqs = vpdqs;
    c->video_list = "videos";
    c->mo.types = HM_TYPE_BIT(HM_HASH_PDQ) | HM_TYPE_BIT(HM_HASH_MD5);
    c->mo.videos = 1;
    c->mo.crypto_fallback = 1;
    c->mo.tmk_files = 1;
    const int pr = hc_parse_options(&hc_cmd_index, c, argc, argv, npos);
    if (pr != HC_PARSED) return pr;
    if (!c->out || (*npos == 0 && !c->nv && !c->nq)) {
        hc_err("index build needs -o OUT and at least one list, media file or video");
        return HC_USAGE_ERROR;
    }
    c->mo.types |= c->extra;
    c->labels = c->la.opts.labels;
    c->la.quiet = c->batch.quiet;
    return HC_PARSED;
}

/* ---- media ------------------------------------------------------------------- */

static void *w_init(void *ctx) { return hc_worker_hasher(&((build_ctx *)ctx)->hcfg); }

static void w_work(void *ctx, void *state, size_t i, hc_slot *s) {
    build_ctx *c = ctx;
    const hc_input *in = &c->media.v[i];
    if (in->err) {
        s->failed = 1;
        s->media.failed = 1;
        snprintf(s->media.err, sizeof s->media.err, "%s: %s", in->path, in->err);
        return;
    }
    hc_media_hash(state, in->path, &c->mo, &s->media);
}

static const char *media_id(const build_ctx *c, const char *path) {
    if (c->id_name) {
        const char *s = strrchr(path, '/');
        if (s && s[1]) return s + 1;
    }
    return path;
}

/* on the main thread, in input order: stage the entries */
static void w_emit(void *ctx, size_t i, hc_slot *s) {
    build_ctx *c = ctx;
    const char *path = c->media.v[i].path;
    hc_media *m = &s->media;
    const char *id = media_id(c, path);
    /* a known file that is not media is still known by its digests */
    int digests_only = m->kind == HC_KIND_FILE && m->status == HM_E_UNKNOWN_FORMAT && m->nh;
    s->failed = m->failed && !digests_only;
    if (s->failed)
        sb_printf(&s->err, "hashcheck: %s (%s)\n", m->err,
                  m->status ? hm_strerror(m->status) : "input error");
    if (m->tmk) {
        if (stage_tmk(c->idx, c->list, m->tmk, path, id, c->labels, &s->err) != 0) {
            s->failed = 1;
            c->add_errors++;
            return;
        }
        c->tmks++;
        if (m->vinfo.partial && !m->nframes)
            hc_partial_note(&s->err, path, (size_t)hc_tmk_frames(m->tmk));
    }
    if (m->kind == HC_KIND_VIDEO && m->nframes) {
        size_t added = 0;
        hm_status st = hm_index_add_video(c->idx, c->list, m->frames, m->nframes, id,
                                          c->labels, &added);
        if (st != HM_OK) {
            sb_printf(&s->err, "hashcheck: %s: %s\n", path, hm_last_error());
            s->failed = 1;
            c->add_errors++;
            return;
        }
        c->videos++;
        c->frames += added;
        if (m->vinfo.partial) hc_partial_note(&s->err, path, m->nframes);
        if (added == 0)
            sb_printf(&s->err, "hashcheck: %s: no frame of quality >= 50: the video cannot "
                               "match by the vPDQ rule\n", path);
    }
    for (size_t k = 0; k < m->nh; k++) {
        const hm_hash *h = &m->h[k];
        if (h->variant & 7) continue; /* dihedral variants are for queries */
        if (h->type == HM_HASH_PDQ && h->quality >= 0 &&
            h->quality < HM_DEFAULT_PDQ_MIN_QUALITY && !c->keep_low) {
            c->low++;
            sb_printf(&s->err, "hashcheck: %s: PDQ quality %d < 50: not added "
                               "(--keep-low-quality keeps it)\n", path, h->quality);
            continue;
        }
        if (hm_index_add(c->idx, c->list, h, id, c->labels) != HM_OK) {
            sb_printf(&s->err, "hashcheck: %s: %s\n", path, hm_last_error());
            s->failed = 1;
            c->add_errors++;
            return;
        }
        c->hashes++;
    }
    if (m->kind == HC_KIND_IMAGE && !m->failed) c->images++;
    if (digests_only) {
        c->files++;
        sb_printf(&s->err, "hashcheck: %s: not an image or video: digests only\n", path);
    }
}

/* The PDQ frames of the video at `path` into *fr (*n of them, freed by the
 * caller), and with `tmk` its TMK+PDQF hash into *tmk from the same
 * decoding; 0, or 1 after printing why. */
static int read_video(hm_hasher *h, const hm_video_opts *opts, const char *path, int tmk,
                      hm_video_frame **fr, size_t *n, hm_tmk **t) {
    hm_video_opts vo = *opts;
    hm_video *v;
    size_t cap = 0;
    int got;
    vo.types = HM_TYPE_BIT(HM_HASH_PDQ);
    vo.tmk = tmk;
    *fr = NULL;
    *n = 0;
    *t = NULL;
    hm_status st = hm_video_open_file(h, path, &vo, &v);
    if (st != HM_OK) {
        hc_err("%s (%s)", hm_last_error(), hm_strerror(st));
        return 1;
    }
    for (;;) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            hm_video_frame *x = realloc(*fr, cap * sizeof *x);
            if (!x) {
                st = HM_E_NO_MEMORY;
                break;
            }
            *fr = x;
        }
        if ((st = hm_video_next(v, &(*fr)[*n], &got)) != HM_OK || !got) break;
        ++*n;
    }
    if (st == HM_OK && vo.tmk) st = hm_video_take_tmk(v, t);
    hm_video_close(v);
    if (st == HM_OK) return 0;
    hc_err("%s: %s (%s)", path, hm_last_error(), hm_strerror(st));
    return 1;
}

/* With --tmk, the TMK+PDQF hash t of the --video `path` (read_video's) as
 * `id`; 0, or 1 after printing why.  Frees t. */
static int add_named_tmk(build_ctx *c, uint32_t list, const char *path, const char *id,
                         hm_tmk *t) {
    const int rc = hm_index_add_tmk(c->idx, list, t, id, NULL) != HM_OK;
    if (rc) hc_err("%s", hm_last_error());
    else fprintf(stderr, "hashcheck: %s: video %s, TMK+PDQF of %d frames at 15 fps\n", path,
                 id, hc_tmk_frames(t));
    hm_tmk_free(t);
    return rc;
}

/* Known videos given with --video / --vpdq, with their base names (no
 * extension) as ids, in the list --video-list (with --tmk, the --video
 * ones' TMK+PDQF hashes too); 0, or 1 after printing why. */
static int add_named_videos(build_ctx *c) {
    const int nv = c->nv, nq = c->nq;
    hm_hasher *h = NULL;
    uint32_t list;
    int rc = 0;
    if (!nv && !nq) return 0;
    if (hm_index_list(c->idx, c->video_list, &list) != HM_OK) {
        hc_err("%s", hm_last_error());
        return 1;
    }
    if (hc_hasher_new(&c->hcfg, &h) != HM_OK) {
        hc_err("out of memory");
        return 1;
    }
    for (int k = 0; k < nv + nq && !rc; k++) {
        const char *path = k < nv ? c->named_videos[k] : c->vpdqs[k - nv];
        hm_video_frame *fr = NULL;
        hm_tmk *t = NULL;
        size_t n = 0, added = 0;
        char id[256], err[600];
        const char *b = strrchr(path, '/');
        snprintf(id, sizeof id, "%s", b ? b + 1 : path); /* base name, no extension */
        char *dot = strrchr(id, '.');
        if (dot && dot != id) *dot = '\0';
        if (k < nv) {
            rc = read_video(h, &c->mo.video, path, c->mo.tmk, &fr, &n, &t);
        } else if (hc_read_vpdq(path, &fr, &n, err, sizeof err) != 0) {
            hc_err("%s", err);
            rc = 1;
        }
        if (!rc && hm_index_add_video(c->idx, list, fr, n, id, NULL, &added) != HM_OK) {
            hc_err("%s", hm_last_error());
            rc = 1;
        }
        if (!rc)
            fprintf(stderr, "hashcheck: %s: video %s, %zu of %zu %s kept\n", path, id, added,
                    n, hc_plural(n, "frame", "frames"));
        if (!rc && k < nv && c->mo.tmk) {
            rc = add_named_tmk(c, list, path, id, t);
            t = NULL;
        }
        hm_tmk_free(t);
        free(fr);
    }
    hm_hasher_free(h);
    return rc;
}

/* A known video from a vPDQ hash file named as an argument. */
static int add_vpdq_arg(build_ctx *c, const char *path) {
    hm_video_frame *fr;
    size_t n, added = 0;
    char err[600];
    if (hc_read_vpdq(path, &fr, &n, err, sizeof err) != 0) {
        hc_err("%s", err);
        return 1;
    }
    const char *id = media_id(c, path);
    int rc = 0;
    if (hm_index_add_video(c->idx, c->list, fr, n, id, c->labels, &added) != HM_OK) {
        hc_err("%s: %s", path, hm_last_error());
        rc = 1;
    } else {
        fprintf(stderr, "hashcheck: %s: vPDQ hashes of a video, %zu of %zu %s kept\n", path,
                added, n, hc_plural(n, "frame", "frames"));
    }
    free(fr);
    return rc;
}

/* The file arguments, in order: hash lists and vPDQ files are loaded,
 * media (files and directories) collected in c->media.  With an explicit
 * --list-format, a file that is neither an image nor a video is a list,
 * however binary it looks.  0, or 1 after printing why. */
static int load_arguments(build_ctx *c, char **args, int n) {
    int media_list_made = 0;
    for (int k = 0; k < n; k++) {
        struct stat sb;
        const char *p = args[k];
        const int is_file = stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
        const hc_file_kind kind = is_file ? hc_file_kind_of(p) : HC_FILE_BINARY;
        if (kind == HC_FILE_LIST ||
            (is_file && kind == HC_FILE_BINARY && c->la.opts.format != HM_LIST_AUTO &&
             !hc_is_video_file(&c->hcfg, &c->mo.video, p))) {
            if (hc_load_list(c->idx, &c->la, p) != 0) return 1;
            continue;
        }
        if (!media_list_made) { /* media and vPDQ files share one list */
            if (hc_media_list(c->idx, &c->la, &c->list) != 0) return 1;
            media_list_made = 1;
        }
        if (kind == HC_FILE_VPDQ) {
            if (add_vpdq_arg(c, p) != 0) return 1;
        } else if (hc_walk(&c->media, &args[k], 1, c->batch.follow, 0) != 0) {
            hc_err("out of memory");
            return 1;
        }
    }
    return 0;
}

/* The media, hashed in parallel and staged in input order; then their
 * summary (unless -q).  0, or -1 after printing why. */
static int add_media(build_ctx *c, hc_stats *st) {
    hc_pool_fns fns = {w_init, hc_worker_hasher_free, w_work, w_emit};
    if (!c->media.n) return 0;
    if (hc_pool_run(c->media.n, c->batch.jobs, c->batch.quiet ? 0 : c->batch.progress, &fns, c,
                    st) != 0)
        return -1;
    if (c->batch.quiet) return 0;
    hc_summary("failed", st, &c->media, 0);
    fprintf(stderr, "hashcheck: media: %zu %s and %zu other %s (%zu %s), %zu %s (%zu %s)",
            c->images, hc_plural(c->images, "image", "images"), c->files,
            hc_plural(c->files, "file", "files"), c->hashes,
            hc_plural(c->hashes, "hash", "hashes"), c->videos,
            hc_plural(c->videos, "video", "videos"), c->frames,
            hc_plural(c->frames, "frame", "frames"));
    if (c->tmks)
        fprintf(stderr, ", %zu TMK+PDQF %s", c->tmks, hc_plural(c->tmks, "hash", "hashes"));
    if (c->low)
        fprintf(stderr, ", %zu low-quality PDQ %s skipped", c->low,
                hc_plural(c->low, "hash", "hashes"));
    fputc('\n', stderr);
    return 0;
}

/* The staged entries, committed and saved to --output; 0, or -1 after
 * printing why. */
static int write_index(build_ctx *c) {
    if (hm_index_commit(c->idx) != HM_OK || hm_index_save(c->idx, c->out) != HM_OK) {
        hc_err("%s", hm_last_error());
        return -1;
    }
    hm_index_stats is;
    hm_index_stats_get(c->idx, &is);
    fprintf(stderr, "hashcheck: wrote %s: %llu %s in %u %s\n", c->out,
            (unsigned long long)is.entries, hc_plural(is.entries, "entry", "entries"), is.lists,
            hc_plural(is.lists, "list", "lists"));
    return 0;
}

/* ---- the command --------------------------------------------------------------- */

int cmd_index(int argc, char **argv) {
    if (argc < 1 || strcmp(argv[0], "build") != 0) {
        if (argc >= 1 && hc_is_help(argv[0])) {
            fputs(hc_cmd_index.usage, stdout);
            return 0;
        }
        hc_err("the index command is 'hashcheck index build'");
        return hc_usage_error(hc_cmd_index.name);
    }
    build_ctx c;
    int npos, rc = HC_EXIT_FATAL;
    const char **named = calloc((size_t)argc, sizeof *named);
    const char **vpdqs = calloc((size_t)argc, sizeof *vpdqs);
    if (!named || !vpdqs) {
        hc_err("out of memory");
        free(named);
        free(vpdqs);
        return rc;
    }
    const int pr = parse_args(argc - 1, argv + 1, named, vpdqs, &c, &npos);
    if (pr != HC_PARSED) {
        rc = hc_parse_exit(&hc_cmd_index, pr);
        goto done;
    }
    if (hm_index_create(&c.idx) != HM_OK) {
        hc_err("out of memory");
        goto done;
    }
    if (c.la.bktree)
        hm_index_set(c.idx, HM_INDEX_STRUCTURES, (1 << HM_STRUCT_MIH) | (1 << HM_STRUCT_BKTREE));
    /* hash lists and vPDQ files first: a bad list writes nothing */
    if (load_arguments(&c, argv + 1, npos) != 0 || add_named_videos(&c) != 0) {
        hc_err("nothing written");
        rc = 1;
        goto done;
    }
    hc_stats st = {0};
    if (add_media(&c, &st) != 0 || write_index(&c) != 0) goto done;
    rc = st.failed ? 1 : 0;
done:
    hm_index_free(c.idx);
    hc_inputs_free(&c.media);
    free(named);
    free(vpdqs);
    return rc;
}
