/* SPDX-License-Identifier: BSD-3-Clause */
/* hashcheck video: the frames of videos (and animated GIF/WebP) as vPDQ
 * hashes them, as CSV or as vPDQ's own lines; or each video's TMK+PDQF
 * hash, as a .tmk file and/or its base64. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hc.h"

static const char usage[] =
        "usage: hashcheck video [options] FILE|DIR...\n"
        "\n"
        "Hash the frames of videos (and animated GIF/WebP) as vPDQ does.\n"
        "Prints a CSV header, then file,frame,timestamp,type,hash,quality per\n"
        "frame and type, or vPDQ's own lines (frame,quality,pdqhex,timestamp)\n"
        "with --vpdq-out.  With --tmk or --tmk-base64, hash each video whole to\n"
        "TMK+PDQF instead, as tmk-hash-video does: a CSV header, then\n"
        "file,frames,tmk_file,tmk per video.\n"
        "Directories are walked recursively, as by 'hashcheck hash'.\n"
        "\n"
        "options:\n"
        "  --mode M            interval (vPDQ's rule, default), keyframes, all\n"
        "  --interval S        seconds between hashed frames (default 1; in\n"
        "                      keyframe mode the least gap between keyframes)\n"
        "  --size N            hash frames scaled to N x N (vpdq's -s)\n"
        "  --types LIST        pdq (default), phash, dhash, ahash\n"
        "  --apply-rotation    turn frames upright by the rotation metadata\n"
        "  --vpdq-out          vPDQ's line format (PDQ only)\n"
        "  --tmk DIR           write each video's TMK+PDQF hash to DIR/NAME.tmk\n"
        "                      (NAME: the file name without its extension)\n"
        "  --tmk-base64        print each video's TMK+PDQF hash in base64 (TCAP's\n"
        "                      form) in the tmk column\n"
        "  --no-header         no CSV header line (to append)\n"
        "  --max-pixels N, --max-bytes N   limits per frame and per file\n"
        "  --pdq-flavour F     fullres (default) or cpp512, as for 'hashcheck hash'\n"
        "  --exif-orientation, --fast   taken as by 'hashcheck hash'; no effect\n"
        "                      on video frames\n"
        "  -j, --jobs N, -L, --follow-symlinks, -q, --quiet, --progress, --no-progress\n"
        "                      as for 'hashcheck hash'\n"
        "\n"
        "--mode, --interval, --size, --apply-rotation, --types and --vpdq-out\n"
        "choose vPDQ's frames; TMK takes every frame, upright, at 64x64: they do\n"
        "not go with --tmk or --tmk-base64.\n"
        "\n"
        "Exit status: 0 every file hashed, 1 some failed, 2 the run could not be\n"
        "completed (output error, out of memory), 64 usage error.\n";

typedef struct video_ctx {
    hc_inputs in;
    hc_hasher_cfg hcfg;
    hm_video_opts o;
    hc_batch_cfg batch;
    int vpdq_out, header, types_given;
    const char *tmk_dir; /* --tmk DIR */
    int tmk_base64;      /* --tmk-base64 */
    char **tmk_written;  /* the .tmk files written in this run, in order */
    size_t n_written, cap_written;
} video_ctx;

static int tmk_mode(const video_ctx *c) { return c->tmk_dir || c->tmk_base64; }

/* ---- command line ------------------------------------------------------------ */

static void set_types(void *d, const hc_optval *v) {
    ((video_ctx *)d)->o.types = v->types;
    ((video_ctx *)d)->types_given = 1;
}
static void set_vpdq_out(void *d, const hc_optval *v) { ((video_ctx *)d)->vpdq_out = 1; }
static void set_no_header(void *d, const hc_optval *v) { ((video_ctx *)d)->header = 0; }
static void set_tmk(void *d, const hc_optval *v) { ((video_ctx *)d)->tmk_dir = v->str; }
static void set_tmk_base64(void *d, const hc_optval *v) { ((video_ctx *)d)->tmk_base64 = 1; }

static const hc_option options[] = {
    {"--types", .arg = HC_ARG_TYPES, .allowed = HC_VIDEO_TYPES, .what = "video frames",
     .set = set_types},
    {"--vpdq-out", .set = set_vpdq_out},
    {"--no-header", .set = set_no_header},
    {"--tmk", .arg = HC_ARG_STRING, .set = set_tmk},
    {"--tmk-base64", .set = set_tmk_base64},
    {0}};

static const hc_optgroup groups[] = {
    {&hc_video_options, offsetof(video_ctx, o)},
    {&hc_hasher_options, offsetof(video_ctx, hcfg)},
    {&hc_batch_options, offsetof(video_ctx, batch)},
    {NULL, 0}};

const hc_command hc_cmd_video = {"video", usage, options, groups};

/* The command line into c, the operands moved to argv[0..*npos);
 * HC_PARSED, HC_HELP or HC_USAGE_ERROR (message printed). */
static int parse_args(int argc, char **argv, video_ctx *c, int *npos) {
    memset(c, 0, sizeof *c);
    c->header = 1;
    const int pr = hc_parse_options(&hc_cmd_video, c, argc, argv, npos);
    if (pr != HC_PARSED) return pr;
    if (*npos == 0) {
        hc_err("no files given");
        return HC_USAGE_ERROR;
    }
    if (tmk_mode(c)) {
        struct stat sb;
        if (c->vpdq_out || c->types_given || hc_tmk_sampling_given(&c->o)) {
            hc_err("--mode, --interval, --size, --apply-rotation, --types and --vpdq-out "
                   "choose vPDQ's frames: TMK takes every frame (--tmk, --tmk-base64)");
            return HC_USAGE_ERROR;
        }
        const int r = c->tmk_dir ? stat(c->tmk_dir, &sb) : 0;
        if (c->tmk_dir && (r != 0 || !S_ISDIR(sb.st_mode))) {
            hc_err("--tmk needs a directory: %s: %s", c->tmk_dir,
                   r != 0 ? strerror(errno) : "not a directory");
            return HC_USAGE_ERROR;
        }
    }
    return hc_hasher_cfg_check(&c->hcfg) == 0 ? HC_PARSED : HC_USAGE_ERROR;
}

/* ---- hashing and output --------------------------------------------------------- */

static void *w_init(void *ctx) { return hc_worker_hasher(&((video_ctx *)ctx)->hcfg); }

static void w_work(void *ctx, void *state, size_t i, hc_slot *s) {
    video_ctx *c = ctx;
    hm_hasher *h = state;
    const char *path = c->in.v[i].path;
    hm_video *v;
    hm_video_frame fr;
    hm_status st;
    int got;
    size_t n = 0;
    if (c->in.v[i].err) {
        s->failed = 1;
        sb_printf(&s->err, "hashcheck: %s: %s\n", path, c->in.v[i].err);
        return;
    }
    if ((st = hm_video_open_file(h, path, &c->o, &v)) != HM_OK) {
        s->failed = 1;
        sb_printf(&s->err, "hashcheck: %s (%s)\n", hm_last_error(), hm_strerror(st));
        return;
    }
    while ((st = hm_video_next(v, &fr, &got)) == HM_OK && got) {
        char line[200], hex[HM_HASH_STRING_MAX];
        n++;
        if (c->vpdq_out) {
            if (hm_vpdq_format_line(&fr, line, sizeof line) == HM_OK) {
                sb_puts(&s->out, line);
                sb_putc(&s->out, '\n');
            }
            continue;
        }
        for (int t = 0; t < fr.nhashes; t++) {
            const hm_hash *x = &fr.hashes[t];
            hm_hash_to_string(x, hex, sizeof hex);
            sb_csv(&s->out, path);
            sb_printf(&s->out, ",%llu,%.3f,%s,%s,", (unsigned long long)fr.frame_number,
                      fr.timestamp, hm_hash_type_name(x->type), hex);
            if (x->quality >= 0) sb_printf(&s->out, "%d", x->quality);
            sb_putc(&s->out, '\n');
        }
    }
    hm_video_info info;
    if (st != HM_OK) { /* its message first: the next call replaces it */
        s->failed = 1;
        sb_printf(&s->err, "hashcheck: %s: %s (%s)\n", path, hm_last_error(),
                  hm_strerror(st));
    } else if (hm_video_get_info(v, &info) == HM_OK && info.partial) {
        hc_partial_note(&s->err, path, n);
    }
    hm_video_close(v);
}

/* ---- TMK+PDQF ---------------------------------------------------------------------- */

static void release_tmk(void *t) { hm_tmk_free(t); }

/* Hashes the video whole; the hash goes to the emit step. */
static void w_work_tmk(void *ctx, void *state, size_t i, hc_slot *s) {
    video_ctx *c = ctx;
    const char *path = c->in.v[i].path;
    hm_tmk *t;
    hm_video_info info;
    hm_tmk_info ti;
    char err[768];
    if (c->in.v[i].err) {
        s->failed = 1;
        sb_printf(&s->err, "hashcheck: %s: %s\n", path, c->in.v[i].err);
        return;
    }
    const hm_status st = hc_media_tmk(state, path, &c->o, &t, &info, err, sizeof err);
    if (st != HM_OK) {
        s->failed = 1;
        sb_printf(&s->err, "hashcheck: %s (%s)\n", err, hm_strerror(st));
        return;
    }
    if (info.partial && hm_tmk_get_info(t, &ti) == HM_OK)
        hc_partial_note(&s->err, path, (size_t)ti.frames);
    s->data = t;
    s->release = release_tmk;
}

/* DIR/NAME.tmk for `path` (NAME: its last component without the
 * extension, as tmk-hash-video -d names it; "stdin" for "-"). */
static void tmk_file_name(sbuf *b, const char *dir, const char *path) {
    const char *base = strcmp(path, "-") == 0 ? "stdin" : path;
    const char *slash = strrchr(base, '/');
    if (slash) base = slash + 1;
    const char *dot = strrchr(base, '.');
    const size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    sb_puts(b, dir);
    if (b->n && b->p[b->n - 1] != '/') sb_putc(b, '/');
    sb_put(b, base, n);
    sb_puts(b, ".tmk");
}

/* Writes the .tmk file of input i (in input order, so that the first of
 * two inputs of one NAME wins whatever the thread count); 0, or -1 after
 * the reason went to s->err. */
static int write_tmk(video_ctx *c, const char *path, const hm_tmk *t, const char *name,
                     hc_slot *s) {
    for (size_t k = 0; k < c->n_written; k++)
        if (strcmp(c->tmk_written[k], name) == 0) {
            sb_printf(&s->err, "hashcheck: %s: its .tmk file %s was written for an earlier "
                               "input in this run; not overwritten\n", path, name);
            return -1;
        }
    uint8_t *bytes = malloc(HM_TMK_FILE_SIZE);
    char *keep = strdup(name);
    FILE *f = NULL;
    int rc = -1;
    if (c->n_written == c->cap_written) {
        const size_t cap = c->cap_written ? 2 * c->cap_written : 16;
        char **v = realloc(c->tmk_written, cap * sizeof *v);
        if (v) c->tmk_written = v, c->cap_written = cap;
    }
    if (!bytes || !keep || c->n_written == c->cap_written ||
        hm_tmk_to_bytes(t, bytes, HM_TMK_FILE_SIZE, NULL) != HM_OK) {
        sb_printf(&s->err, "hashcheck: %s: out of memory\n", path);
    } else if (!(f = fopen(name, "wb"))) {
        sb_printf(&s->err, "hashcheck: %s: cannot write %s: %s\n", path, name, strerror(errno));
    } else {
        const int ok = fwrite(bytes, 1, HM_TMK_FILE_SIZE, f) == HM_TMK_FILE_SIZE;
        const int e = errno;
        if (fclose(f) != 0 || !ok) {
            sb_printf(&s->err, "hashcheck: %s: cannot write %s: %s\n", path, name,
                      strerror(ok ? errno : e));
            remove(name); /* no truncated .tmk left behind */
        } else {
            c->tmk_written[c->n_written++] = keep;
            keep = NULL;
            rc = 0;
        }
    }
    free(keep);
    free(bytes);
    return rc;
}

/* file,frames,tmk_file,tmk of a hashed video, after writing its file. */
static void w_emit_tmk(void *ctx, size_t i, hc_slot *s) {
    video_ctx *c = ctx;
    const char *path = c->in.v[i].path;
    const hm_tmk *t = s->data;
    hm_tmk_info ti;
    sbuf name = {0};
    if (!t) return; /* failed: reported */
    if (c->tmk_dir) {
        tmk_file_name(&name, c->tmk_dir, path);
        if (name.oom || write_tmk(c, path, t, name.p, s) != 0) {
            if (name.oom) sb_printf(&s->err, "hashcheck: %s: out of memory\n", path);
            s->failed = 1;
            sb_free(&name);
            return;
        }
    }
    hm_tmk_get_info(t, &ti);
    sb_csv(&s->out, path);
    sb_printf(&s->out, ",%d,", (int)ti.frames);
    if (name.p) sb_csv(&s->out, name.p);
    sb_putc(&s->out, ',');
    if (c->tmk_base64) {
        char *b64 = malloc(HM_TMK_BASE64_LEN + 1);
        if (b64 && hm_tmk_to_base64(t, b64, HM_TMK_BASE64_LEN + 1, NULL) == HM_OK)
            sb_puts(&s->out, b64);
        else
            s->out.oom = 1; /* the pool reports it and counts the input failed */
        free(b64);
    }
    sb_putc(&s->out, '\n');
    sb_free(&name);
}

int cmd_video(int argc, char **argv) {
    video_ctx c;
    int npos;
    const int pr = parse_args(argc, argv, &c, &npos);
    if (pr != HC_PARSED) return hc_parse_exit(&hc_cmd_video, pr);
    if (c.header && tmk_mode(&c)) puts("file,frames,tmk_file,tmk");
    else if (c.header && !c.vpdq_out) puts("file,frame,timestamp,type,hash,quality");
    hc_pool_fns fns = {w_init, hc_worker_hasher_free, w_work, NULL};
    if (tmk_mode(&c)) fns = (hc_pool_fns){w_init, hc_worker_hasher_free, w_work_tmk, w_emit_tmk};
    hc_stats st;
    const int rc = hc_batch_run(&c.in, argv, npos, 0, &c.batch, &fns, &c, 0, &st);
    hc_inputs_free(&c.in);
    for (size_t k = 0; k < c.n_written; k++) free(c.tmk_written[k]);
    free(c.tmk_written);
    return rc != 0 ? HC_EXIT_FATAL : st.failed ? 1 : 0;
}
