/* SPDX-License-Identifier: BSD-3-Clause */
/* hashcheck video: the frames of videos (and animated GIF/WebP) as vPDQ
 * hashes them, as CSV or as vPDQ's own lines. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hc.h"

static const char usage[] =
        "usage: hashcheck video [options] FILE|DIR...\n"
        "\n"
        "Hash the frames of videos (and animated GIF/WebP) as vPDQ does.\n"
        "Prints a CSV header, then file,frame,timestamp,type,hash,quality per\n"
        "frame and type, or vPDQ's own lines (frame,quality,pdqhex,timestamp)\n"
        "with --vpdq-out.\n"
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
        "  --no-header         no CSV header line (to append)\n"
        "  --max-pixels N, --max-bytes N   limits per frame and per file\n"
        "  --pdq-flavour F     fullres (default) or cpp512, as for 'hashcheck hash'\n"
        "  --exif-orientation, --fast   taken as by 'hashcheck hash'; no effect\n"
        "                      on video frames\n"
        "  -j, --jobs N, -L, --follow-symlinks, -q, --quiet, --progress, --no-progress\n"
        "                      as for 'hashcheck hash'\n"
        "\n"
        "Exit status: 0 every file hashed, 1 some failed, 2 the run could not be\n"
        "completed (output error, out of memory), 64 usage error.\n";

typedef struct video_ctx {
    hc_inputs in;
    hc_hasher_cfg hcfg;
    hm_video_opts o;
    hc_batch_cfg batch;
    int vpdq_out, header;
} video_ctx;

/* ---- command line ------------------------------------------------------------ */

static void set_types(void *d, const hc_optval *v) { ((video_ctx *)d)->o.types = v->types; }
static void set_vpdq_out(void *d, const hc_optval *v) { ((video_ctx *)d)->vpdq_out = 1; }
static void set_no_header(void *d, const hc_optval *v) { ((video_ctx *)d)->header = 0; }

static const hc_option options[] = {
    {"--types", .arg = HC_ARG_TYPES, .allowed = HC_PERCEPTUAL, .what = "video frames",
     .set = set_types},
    {"--vpdq-out", .set = set_vpdq_out},
    {"--no-header", .set = set_no_header},
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

int cmd_video(int argc, char **argv) {
    video_ctx c;
    int npos;
    const int pr = parse_args(argc, argv, &c, &npos);
    if (pr != HC_PARSED) return hc_parse_exit(&hc_cmd_video, pr);
    if (c.header && !c.vpdq_out) puts("file,frame,timestamp,type,hash,quality");
    hc_pool_fns fns = {w_init, hc_worker_hasher_free, w_work, NULL};
    hc_stats st;
    const int rc = hc_batch_run(&c.in, argv, npos, 0, &c.batch, &fns, &c, 0, &st);
    hc_inputs_free(&c.in);
    return rc != 0 ? HC_EXIT_FATAL : st.failed ? 1 : 0;
}
