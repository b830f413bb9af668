/* SPDX-License-Identifier: BSD-3-Clause */
/* hashcheck match: hash media (in parallel) and match them against an index
 * or hash lists; one JSON line per input, a text report, or CSV hits.
 * parse_args reads the command line, load_known the index and lists; on
 * the workers match_input hashes and matches each input and
 * render_json / render_text / render_csv write its record. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hc.h"

enum { OUT_JSON, OUT_TEXT, OUT_CSV };

static const char usage[] =
        "usage: hashcheck match (--index FILE | --list LIST...) [options] INPUT...\n"
        "\n"
        "Hash each input and match it against known hashes. An INPUT is an\n"
        "image, a video, a directory (walked recursively: regular files, sorted\n"
        "by name), a hash written TYPE:HEX (e.g. pdq:f8f8...), or a .tmk file or\n"
        "its base64 (a video's TMK+PDQF hash). Images are hashed with the types\n"
        "the index holds; videos are matched frame by frame against the known\n"
        "videos with the vPDQ rule, and when the index holds TMK+PDQF hashes,\n"
        "hashed whole to TMK+PDQF and matched against them too; md5/sha256\n"
        "entries are matched by the file bytes, whatever the file is.\n"
        "\n"
        "output:\n"
        "  --format F          json (default): one JSON object per input with its\n"
        "                      hashes, quality, matches (type, distance, threshold,\n"
        "                      list, entry_id, labels) and for videos the vPDQ\n"
        "                      shares and the TMK+PDQF scores\n"
        "                      (docs/hashcheck.schema.json);\n"
        "                      text (or table): a report for reading;\n"
        "                      csv: a header, then one line per hit,\n"
        "                      file,type,distance,threshold,list,entry_id,labels,\n"
        "                      query_percent,target_percent,level1,level2 (a video\n"
        "                      hit: type vpdq and the shares, or type tmk and the\n"
        "                      scores, with the known video's id)\n"
        "  --frames            json: also list a video's frame hashes\n"
        "  --no-header         csv: no header line (to append)\n"
        "\n"
        "known hashes:\n"
        "  --index FILE        an index file from 'hashcheck index build'\n"
        "  --list LIST         a hash list, or a .tmk file or its base64 (a known\n"
        "                      video, in list --list-name, else \"media\", the path\n"
        "                      as entry id), loaded as 'index build' does (repeatable)\n"
        "  --list-format F, --type T, --list-name NAME, --labels TEXT, --lenient\n"
        "                      how --list files are read ('hashcheck index build --help')\n"
        "\n"
        "matching:\n"
        "  --radius R          match within R bits whatever the lists' thresholds\n"
        "  --dihedral          also match rotations and mirrors (images: every\n"
        "                      perceptual type; videos: the whole clip turned)\n"
        "  --trim              also match the image with uniform borders trimmed\n"
        "                      (frames, letterbox bars)\n"
        "  --rotations         also match the image turned by -8, -4, +4 and +8\n"
        "                      degrees (copies turned by a few degrees)\n"
        "  --min-quality Q     PDQ queries below quality Q match nothing (default 50)\n"
        "  --decide            one decision per known item from every hash type both\n"
        "                      sides have (docs/matching.md), instead of a hit per\n"
        "                      hash: PDQ's rule, or a fused score of the types\n"
        "  --max-score S       --decide's fused-score threshold, < 0 (default -5.52:\n"
        "                      a false-match rate of 1e-4; -6.94: 1e-6)\n"
        "  --types LIST        hash these types (default: the types the index holds)\n"
        "  --query-percent P   vPDQ: share of the video's unique frames that must\n"
        "                      match (default 80)\n"
        "  --target-percent P  vPDQ: share of the known video's frames (default 0)\n"
        "  --tmk-level1 T, --tmk-level2 T   TMK+PDQF: scores 0..1 both must reach,\n"
        "                      for every list (default: each list's, 0.7 and 0.7)\n"
        "  --structure S       auto, scan, mih, bktree (results are identical)\n"
        "  --bktree            build the BK-tree even without --structure bktree\n"
        "  --mode, --interval, --size, --apply-rotation   how videos are sampled\n"
        "  --pdq-flavour, --exif-orientation, --fast, --max-pixels, --max-bytes\n"
        "\n"
        "inputs:\n"
        "  --skip-non-media    a file that is neither image nor video (a README) is\n"
        "                      skipped (counted), not an error; md5/sha256 entries\n"
        "                      still match it by its bytes\n"
        "\n"
        "batch:\n"
        "  -j, --jobs N        worker threads (default: one per CPU); the output is\n"
        "                      the same, in the same order, for any N\n"
        "  -L, --follow-symlinks  follow symbolic links found inside directories\n"
        "  --progress, --no-progress  progress line on stderr (default: only\n"
        "                      when stderr is a terminal)\n"
        "  -q, --quiet         no summary line\n"
        "\n"
        "Exit status (a file that cannot be read or decoded is reported and the\n"
        "batch goes on):\n"
        "  0  nothing matched, no error\n"
        "  1  something matched, no error\n"
        "  2  some inputs failed, nothing matched in the others\n"
        "  3  something matched, and some inputs failed\n"
        "  4  the run could not be completed: the index or a list could not be\n"
        "     loaded, out of memory, an output error\n"
        "  64 usage error\n";

typedef struct match_ctx {
    hc_inputs in;
    hc_hasher_cfg hcfg;
    hc_media_opts mo;
    hc_match_cfg m; /* query and vPDQ options */
    hc_tmk_cfg tmk; /* --tmk-level1, --tmk-level2 */
    hm_tmk_match_opts tmo;
    hm_index *idx;
    int format, with_frames, header;
    /* the rest of the command line */
    hc_list_args la;
    hc_batch_cfg batch;
    const char *index_path;
    const char **lists; /* --list, in order (argc slots) */
    int nlists;
    unsigned types; /* --types; 0: the types the index holds */
    int trim;
    int decide;          /* --decide */
    hm_decide_opts dopt; /* --max-score; flags and min_quality from m.qo */
    int rotations;
} match_ctx;

/* ---- command line ------------------------------------------------------------ */

static void set_index(void *d, const hc_optval *v) { ((match_ctx *)d)->index_path = v->str; }
static void add_list(void *d, const hc_optval *v) {
    match_ctx *c = d;
    c->lists[c->nlists++] = v->str;
}
static void set_format(void *d, const hc_optval *v) { ((match_ctx *)d)->format = (int)v->num; }
static void set_frames(void *d, const hc_optval *v) { ((match_ctx *)d)->with_frames = 1; }
static void set_no_header(void *d, const hc_optval *v) { ((match_ctx *)d)->header = 0; }
static void set_skip(void *d, const hc_optval *v) { ((match_ctx *)d)->mo.skip_non_media = 1; }
static void set_min_quality(void *d, const hc_optval *v) {
    match_ctx *c = d;
    c->m.qo.min_quality = c->m.vmo.min_quality = (int32_t)v->num;
}
static void set_types(void *d, const hc_optval *v) { ((match_ctx *)d)->types = v->types; }
static void set_trim(void *d, const hc_optval *v) { ((match_ctx *)d)->trim = 1; }
static void set_decide(void *d, const hc_optval *v) { ((match_ctx *)d)->decide = 1; }
static void set_max_score(void *d, const hc_optval *v) {
    ((match_ctx *)d)->dopt.max_score = v->real;
}
static void set_rotations(void *d, const hc_optval *v) { ((match_ctx *)d)->rotations = 1; }
static void set_structure(void *d, const hc_optval *v) {
    ((match_ctx *)d)->m.qo.structure = (int32_t)v->num;
}

static const hc_choices formats = {"output format",
                                   {{"json", OUT_JSON, 0},
                                    {"jsonl", OUT_JSON, 1},
                                    {"text", OUT_TEXT, 0},
                                    {"table", OUT_TEXT, 1},
                                    {"csv", OUT_CSV, 0}}};
static const hc_choices structures = {"structure",
                                      {{"auto", HM_STRUCT_AUTO, 0},
                                       {"scan", HM_STRUCT_SCAN, 0},
                                       {"mih", HM_STRUCT_MIH, 0},
                                       {"bktree", HM_STRUCT_BKTREE, 0}}};

static const hc_option options[] = {
    {"--format", .arg = HC_ARG_CHOICE, .choices = &formats, .set = set_format},
    {"--frames", .set = set_frames},
    {"--no-header", .set = set_no_header},
    {"--index", .arg = HC_ARG_STRING, .set = set_index},
    {"--list", .arg = HC_ARG_STRING, .set = add_list},
    {"--trim", .set = set_trim},
    {"--decide", .set = set_decide},
    {"--max-score", .arg = HC_ARG_DOUBLE, .min = -1000, .max = -1e-9, .what = "a score",
     .set = set_max_score},
    {"--rotations", .set = set_rotations},
    {"--min-quality", .arg = HC_ARG_LONG, .min = 0, .max = 100, .set = set_min_quality},
    {"--types", .arg = HC_ARG_TYPES, .set = set_types},
    {"--structure", .arg = HC_ARG_CHOICE, .choices = &structures, .set = set_structure},
    {"--skip-non-media", .set = set_skip},
    {0}};

static const hc_optgroup groups[] = {
    {&hc_match_options, offsetof(match_ctx, m)},
    {&hc_tmk_options, offsetof(match_ctx, tmk)},
    {&hc_list_options, offsetof(match_ctx, la)},
    {&hc_video_options, offsetof(match_ctx, mo.video)},
    {&hc_hasher_options, offsetof(match_ctx, hcfg)},
    {&hc_batch_options, offsetof(match_ctx, batch)},
    {NULL, 0}};

const hc_command hc_cmd_match = {"match", usage, options, groups};

/* The command line into c, the operands moved to argv[0..*npos), the
 * --list values to `lists` (argc slots); HC_PARSED, HC_HELP or
 * HC_USAGE_ERROR (message printed). */
static int parse_args(int argc, char **argv, const char **lists, match_ctx *c, int *npos) {
    memset(c, 0, sizeof *c);
    c->lists = lists;
    c->mo.videos = 1;
    c->mo.crypto_fallback = 1;
    c->mo.tmk_files = 1;
    c->format = OUT_JSON;
    c->header = 1;
    hm_decide_opts_init(&c->dopt);
    const int pr = hc_parse_options(&hc_cmd_match, c, argc, argv, npos);
    if (pr != HC_PARSED) return pr;
    if ((!c->index_path && c->nlists == 0) || *npos == 0) {
        hc_err("match needs --index or --list, and inputs");
        return HC_USAGE_ERROR;
    }
    hm_tmk_match_opts_init(&c->tmo);
    c->tmo.level1 = c->tmk.level[0];
    c->tmo.level2 = c->tmk.level[1];
    return hc_hasher_cfg_check(&c->hcfg) == 0 ? HC_PARSED : HC_USAGE_ERROR;
}

/* ---- output: the record of one input -------------------------------------------- */

static int low_quality(const hc_media *m, int min_quality) {
    for (size_t k = 0; k < m->nh; k++)
        if (m->h[k].type == HM_HASH_PDQ && m->h[k].variant == 0 && m->h[k].quality >= 0 &&
            m->h[k].quality < min_quality)
            return m->h[k].quality;
    return -1;
}

/* What an input matched: hash hits, vPDQ video matches, TMK+PDQF matches. */
typedef struct found {
    const hm_results *res, *vres, *tres;
    size_t nhit, nv, ntmk, ndec; /* ndec: --decide's decisions, in res */
} found;

static size_t found_count(const found *f) { return f->nhit + f->nv + f->ntmk + f->ndec; }

static const char *rule_name(int rule) {
    switch (rule) {
    case HM_RULE_EXACT: return "exact";
    case HM_RULE_PDQ: return "pdq";
    case HM_RULE_SINGLE: return "single";
    default: return "fused";
    }
}

/* "pdq 12*, phash 20" of a decision: every type compared with its
 * distance, '*' where it is within the list's threshold. */
static void text_distances(sbuf *b, const hm_decision *d) {
    int first = 1;
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        if (!(d->types & HM_TYPE_BIT(t))) continue;
        sb_printf(b, "%s%s %d%s", first ? "" : ", ", hm_hash_type_name(t), d->distance[t],
                  (d->agreed & HM_TYPE_BIT(t)) ? "*" : "");
        first = 0;
    }
}

static void json_types(sbuf *b, uint32_t mask) {
    int first = 1;
    sb_putc(b, '[');
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
        if (mask & HM_TYPE_BIT(t)) {
            sb_printf(b, "%s\"%s\"", first ? "" : ",", hm_hash_type_name(t));
            first = 0;
        }
    sb_putc(b, ']');
}

/* ,"decisions":[...] of --decide */
static void json_decisions(sbuf *b, const found *f) {
    sb_puts(b, ",\"decisions\":[");
    for (size_t k = 0; k < f->ndec; k++) {
        const hm_decision *d = hm_results_decision_get(f->res, k);
        if (k) sb_putc(b, ',');
        sb_printf(b, "{\"rule\":\"%s\",\"list\":", rule_name(d->rule));
        sb_json_str(b, d->list_name);
        sb_puts(b, ",\"entry_id\":");
        sb_json_str(b, d->entry_id);
        sb_puts(b, ",\"labels\":");
        sb_json_str(b, d->labels);
        sb_puts(b, ",\"types\":");
        json_types(b, d->types);
        sb_puts(b, ",\"agreed\":");
        json_types(b, d->agreed);
        sb_puts(b, ",\"distances\":{");
        int first = 1;
        for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
            if (d->types & HM_TYPE_BIT(t)) {
                sb_printf(b, "%s\"%s\":%d", first ? "" : ",", hm_hash_type_name(t), d->distance[t]);
                first = 0;
            }
        sb_puts(b, "},\"score\":");
        if (isnan(d->score)) sb_puts(b, "null");
        else sb_json_num(b, d->score, 3);
        sb_puts(b, ",\"threshold\":");
        sb_json_num(b, d->threshold, 3);
        sb_printf(b, ",\"comparisons\":%u}", d->comparisons);
    }
    sb_putc(b, ']');
}

static void json_ranges(sbuf *b, const hm_time_range *r, size_t n) {
    sb_putc(b, '[');
    for (size_t k = 0; k < n; k++) {
        if (k) sb_putc(b, ',');
        sb_putc(b, '[');
        sb_json_num(b, r[k].start, 3);
        sb_putc(b, ',');
        sb_json_num(b, r[k].end, 3);
        sb_putc(b, ']');
    }
    sb_putc(b, ']');
}

/* {"type":TYPE,"list":...,"video_id":...,"labels":... of a known video
 * that matched (the object left open) */
static void json_video_known(sbuf *b, const char *type, const char *list, const char *id,
                             const char *labels) {
    sb_printf(b, "{\"type\":\"%s\",\"list\":", type);
    sb_json_str(b, list);
    sb_puts(b, ",\"video_id\":");
    sb_json_str(b, id);
    sb_puts(b, ",\"labels\":");
    sb_json_str(b, labels);
}

/* "list / id  [labels]" of a hit, in text */
static void text_known(sbuf *b, const char *list, const char *id, const char *labels) {
    sb_text(b, list);
    sb_puts(b, " / ");
    sb_text(b, id);
    if (labels && *labels) {
        sb_puts(b, "  [");
        sb_text(b, labels);
        sb_putc(b, ']');
    }
}

static void render_json(const match_ctx *c, const char *path, const hc_media *m,
                        const found *f, sbuf *b) {
    const hm_results *res = f->res, *vres = f->vres;
    const size_t nhit = f->nhit, nv = f->nv;
    hc_json_begin(b);
    hc_json_media(b, path, m, c->with_frames);
    int lq = low_quality(m, c->m.qo.min_quality);
    if (lq >= 0) sb_printf(b, ",\"low_quality\":true");
    if (m->tmk) sb_printf(b, ",\"tmk_frames\":%d", hc_tmk_frames(m->tmk));
    sb_printf(b, ",\"matched\":%s,\"matches\":[", found_count(f) ? "true" : "false");
    for (size_t k = 0; k < nhit; k++) {
        const hm_match *x = hm_results_get(res, k);
        char hex[HM_HASH_STRING_MAX];
        hm_hash_to_string(&x->hash, hex, sizeof hex);
        if (k) sb_putc(b, ',');
        sb_printf(b, "{\"type\":\"%s\",\"distance\":%d,\"threshold\":%d,\"list\":",
                  hm_hash_type_name(x->type), x->distance, x->threshold);
        sb_json_str(b, x->list_name);
        sb_puts(b, ",\"entry_id\":");
        sb_json_str(b, x->entry_id);
        sb_puts(b, ",\"labels\":");
        sb_json_str(b, x->labels);
        sb_printf(b, ",\"known_hash\":\"%s\"", hex);
        if (c->m.qo.flags & HM_QUERY_DIHEDRAL)
            sb_printf(b, ",\"variant\":\"%s\"", hc_variant_name(x->variant));
        if (x->query < m->nh && (m->h[x->query].variant & HM_VARIANT_TRIMMED))
            sb_puts(b, ",\"trimmed\":true");
        if (x->query < m->nh && (m->h[x->query].variant & HM_VARIANT_ROTATED))
            sb_printf(b, ",\"rotation\":%d", hc_rotation(&m->h[x->query]));
        if (x->frame_time >= 0) {
            sb_puts(b, ",\"frame_time\":");
            sb_json_num(b, x->frame_time, 3);
        }
        sb_putc(b, '}');
    }
    sb_putc(b, ']');
    if (c->decide) json_decisions(b, f);
    if (m->kind == HC_KIND_VIDEO) {
        sb_puts(b, ",\"video_matches\":[");
        for (size_t k = 0; k < nv; k++) {
            const hm_video_match *v = hm_results_video_get(vres, k);
            if (k) sb_putc(b, ',');
            json_video_known(b, "vpdq", v->list_name, v->video_id, v->labels);
            hc_json_vpdq(b, v, c->m.vmo.distance);
            sb_puts(b, ",\"query_ranges\":");
            json_ranges(b, v->query_ranges, v->n_query_ranges);
            sb_puts(b, ",\"target_ranges\":");
            json_ranges(b, v->target_ranges, v->n_target_ranges);
            if (c->m.vmo.flags & HM_QUERY_DIHEDRAL)
                sb_printf(b, ",\"variant\":\"%s\"", hc_variant_name((int)v->variant));
            sb_putc(b, '}');
        }
        sb_putc(b, ']');
    }
    if (m->kind == HC_KIND_TMK || (m->kind == HC_KIND_VIDEO && c->mo.tmk)) {
        sb_puts(b, ",\"tmk_matches\":[");
        for (size_t k = 0; k < f->ntmk; k++) {
            const hm_tmk_match *t = hm_results_tmk_get(f->tres, k);
            if (k) sb_putc(b, ',');
            json_video_known(b, "tmk", t->list_name, t->video_id, t->labels);
            hc_json_tmk(b, t->level1, t->level2, t->threshold1, t->threshold2);
            sb_putc(b, '}');
        }
        sb_putc(b, ']');
    }
    sb_puts(b, "}\n");
}

static void render_text(const match_ctx *c, const char *path, const hc_media *m,
                        const found *f, sbuf *b) {
    const hm_results *res = f->res, *vres = f->vres;
    const size_t nhit = f->nhit, nv = f->nv;
    if (found_count(f)) sb_puts(b, "match     ");
    else if (m->failed) sb_puts(b, "error     ");
    else sb_puts(b, "no match  ");
    sb_text(b, path);
    if (m->not_media) sb_puts(b, "  (not media)");
    if (m->failed) {
        sb_puts(b, "\n          error: ");
        sb_text(b, m->err);
    }
    int lq = low_quality(m, c->m.qo.min_quality);
    if (lq >= 0 && !nhit)
        sb_printf(b, "  (PDQ quality %d < %d: not matched by PDQ)", lq, c->m.qo.min_quality);
    if (m->kind == HC_KIND_VIDEO && !m->failed && m->nframes == 0 && (c->mo.types & HC_PERCEPTUAL))
        sb_puts(b, "  (no frame hashed)");
    sb_putc(b, '\n');
    for (size_t k = 0; k < nhit; k++) {
        const hm_match *x = hm_results_get(res, k);
        char dt[32];
        snprintf(dt, sizeof dt, "%d/%d", x->distance, x->threshold);
        sb_printf(b, "          %-6s distance %-7s ", hm_hash_type_name(x->type), dt);
        text_known(b, x->list_name, x->entry_id, x->labels);
        if ((c->m.qo.flags & HM_QUERY_DIHEDRAL) && x->variant)
            sb_printf(b, "  (as %s)", hc_variant_name(x->variant));
        if (x->query < m->nh && (m->h[x->query].variant & HM_VARIANT_TRIMMED))
            sb_puts(b, "  (borders trimmed)");
        if (x->query < m->nh && (m->h[x->query].variant & HM_VARIANT_ROTATED))
            sb_printf(b, "  (turned %+d degrees)", hc_rotation(&m->h[x->query]));
        if (x->frame_time >= 0) sb_printf(b, "  (frame at %.3f s)", x->frame_time);
        sb_putc(b, '\n');
    }
    for (size_t k = 0; k < f->ndec; k++) {
        const hm_decision *d = hm_results_decision_get(res, k);
        sb_printf(b, "          %-6s ", rule_name(d->rule));
        if (isnan(d->score)) sb_puts(b, "score -             ");
        else sb_printf(b, "score %6.2f/%-6.2f  ", d->score, d->threshold);
        text_known(b, d->list_name, d->entry_id, d->labels);
        sb_puts(b, "  (");
        text_distances(b, d);
        sb_puts(b, ")\n");
    }
    for (size_t k = 0; k < nv; k++) {
        const hm_video_match *v = hm_results_video_get(vres, k);
        sb_printf(b, "          vpdq   %.1f%% of the video's frames, %.1f%% of the known "
                     "video's  ", v->query_percent, v->target_percent);
        text_known(b, v->list_name, v->video_id, v->labels);
        if (v->n_query_ranges)
            sb_printf(b, "  (at %.1f-%.1f s)", v->query_ranges[0].start,
                      v->query_ranges[v->n_query_ranges - 1].end);
        if (v->variant) sb_printf(b, "  (as %s)", hc_variant_name((int)v->variant));
        sb_putc(b, '\n');
    }
    for (size_t k = 0; k < f->ntmk; k++) {
        const hm_tmk_match *t = hm_results_tmk_get(f->tres, k);
        sb_printf(b, "          tmk    level 1 %.6f/%g, level 2 %.6f/%g  ", t->level1,
                  t->threshold1, t->level2, t->threshold2);
        text_known(b, t->list_name, t->video_id, t->labels);
        sb_putc(b, '\n');
    }
}

#define CSV_HEADER                                                                         \
    "file,type,distance,threshold,list,entry_id,labels,query_percent,target_percent,level1," \
    "level2"

/* The line of a hit: path, `lead` (",type,distance,threshold,"), then
 * list,entry_id,labels, then `tail` (the last columns and the newline). */
static void csv_hit(sbuf *b, const char *path, const char *lead, const char *list,
                    const char *id, const char *labels, const char *tail) {
    sb_csv(b, path);
    sb_puts(b, lead);
    sb_csv(b, list);
    sb_putc(b, ',');
    sb_csv(b, id);
    sb_putc(b, ',');
    sb_csv(b, labels);
    sb_puts(b, tail);
}

static void render_csv(const char *path, const found *f, sbuf *b) {
    char x[96];
    for (size_t k = 0; k < f->ndec; k++) { /* type: decide:RULE, distance: the score */
        const hm_decision *d = hm_results_decision_get(f->res, k);
        if (isnan(d->score)) snprintf(x, sizeof x, ",decide:%s,,%.3f,", rule_name(d->rule), d->threshold);
        else snprintf(x, sizeof x, ",decide:%s,%.3f,%.3f,", rule_name(d->rule), d->score, d->threshold);
        csv_hit(b, path, x, d->list_name, d->entry_id, d->labels, ",,,,\n");
    }
    for (size_t k = 0; k < f->nhit; k++) {
        const hm_match *m = hm_results_get(f->res, k);
        snprintf(x, sizeof x, ",%s,%d,%d,", hm_hash_type_name(m->type), m->distance,
                 m->threshold);
        csv_hit(b, path, x, m->list_name, m->entry_id, m->labels, ",,,,\n");
    }
    for (size_t k = 0; k < f->nv; k++) {
        const hm_video_match *m = hm_results_video_get(f->vres, k);
        snprintf(x, sizeof x, ",%.1f,%.1f,,\n", m->query_percent, m->target_percent);
        csv_hit(b, path, ",vpdq,,,", m->list_name, m->video_id, m->labels, x);
    }
    for (size_t k = 0; k < f->ntmk; k++) {
        const hm_tmk_match *m = hm_results_tmk_get(f->tres, k);
        snprintf(x, sizeof x, ",,,%.6f,%.6f\n", m->level1, m->level2);
        csv_hit(b, path, ",tmk,,,", m->list_name, m->video_id, m->labels, x);
    }
}

/* ---- matching, on the workers ---------------------------------------------------- */

typedef struct wstate {
    hm_hasher *h;
    hm_results *res, *vres, *tres;
} wstate;

static void w_fini(void *state) {
    wstate *w = state;
    if (!w) return;
    hm_hasher_free(w->h);
    hm_results_free(w->res);
    hm_results_free(w->vres);
    hm_results_free(w->tres);
    free(w);
}

static void *w_init(void *ctx) {
    match_ctx *c = ctx;
    wstate *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    if (hc_hasher_new(&c->hcfg, &w->h) != HM_OK || hm_results_create(&w->res) != HM_OK ||
        hm_results_create(&w->vres) != HM_OK || hm_results_create(&w->tres) != HM_OK) {
        w_fini(w);
        return NULL;
    }
    return w;
}

/* The failure of the library call just made, unless m has one already. */
static void match_failed(hc_media *m, const char *path) {
    if (m->failed) return;
    m->failed = 1;
    snprintf(m->err, sizeof m->err, "%s: %s", path, hm_last_error());
}

/* Input `in` hashed into m (a TYPE:HEX input is its hash) and matched:
 * hash hits in w->res, vPDQ matches in w->vres, TMK+PDQF matches in
 * w->tres, counted in f.  A failure is told in m (failed, err). */
static void match_input(const match_ctx *c, wstate *w, const hc_input *in, hc_media *m,
                        found *f) {
    *f = (found){w->res, w->vres, w->tres, 0, 0, 0, 0};
    memset(m, 0, sizeof *m);
    if (in->is_hash) {
        m->kind = HC_KIND_HASH;
        hc_parse_hash_arg(in->path, &m->h[0]);
        m->nh = 1;
    } else if (in->err) {
        m->failed = 1;
        snprintf(m->err, sizeof m->err, "%s: %s", in->path, in->err);
    } else {
        hc_media_hash(w->h, in->path, &c->mo, m);
    }
    if (m->nh && c->decide) {
        hm_decide_opts o = c->dopt;
        o.flags = c->m.qo.flags;
        o.min_quality = c->m.qo.min_quality;
        if (hm_index_decide(c->idx, m->h, m->nh, &o, w->res) == HM_OK)
            f->ndec = hm_results_decision_count(w->res);
        else match_failed(m, in->path);
    } else if (m->nh) {
        if (hm_index_query(c->idx, m->h, m->nh, &c->m.qo, w->res) == HM_OK)
            f->nhit = hm_results_count(w->res);
        else match_failed(m, in->path);
    }
    if (m->nframes) {
        if (hm_index_match_video(c->idx, m->frames, m->nframes, &c->m.vmo, w->vres) == HM_OK)
            f->nv = hm_results_video_count(w->vres);
        else match_failed(m, in->path);
    }
    if (m->tmk) {
        if (hm_index_match_tmk(c->idx, m->tmk, &c->tmo, w->tres) == HM_OK)
            f->ntmk = hm_results_tmk_count(w->tres);
        else match_failed(m, in->path);
    }
}

/* On a worker: input i matched, its record (by --format) and messages
 * into the slot. */
static void w_work(void *ctx, void *state, size_t i, hc_slot *s) {
    const match_ctx *c = ctx;
    wstate *w = state;
    const hc_input *in = &c->in.v[i];
    hc_media *m = &s->media;
    found f;
    match_input(c, w, in, m, &f);
    s->failed = m->failed;
    s->skipped = m->not_media;
    s->matched = found_count(&f) > 0;
    s->hits = found_count(&f);
    if (m->failed)
        sb_printf(&s->err, "hashcheck: %s (%s)\n", m->err,
                  m->status ? hm_strerror(m->status) : "input error");
    else if (m->kind == HC_KIND_VIDEO && m->vinfo.partial)
        hc_partial_note(&s->err, in->path,
                        m->nframes ? m->nframes : (size_t)hc_tmk_frames(m->tmk));
    switch (c->format) {
    case OUT_JSON: render_json(c, in->path, m, &f, &s->out); break;
    case OUT_TEXT: render_text(c, in->path, m, &f, &s->out); break;
    default: render_csv(in->path, &f, &s->out); break;
    }
    /* the frames and the TMK hash are not needed any more; free them on
     * the worker */
    hc_media_free(m);
}

/* ---- the command --------------------------------------------------------------- */

/* The known hashes: the index file and the lists, committed; the types
 * to hash the inputs with.  0, or -1 after printing why. */
static int load_known(match_ctx *c) {
    if (hm_index_create(&c->idx) != HM_OK) {
        hc_err("out of memory");
        return -1;
    }
    if (c->m.qo.structure == HM_STRUCT_BKTREE) c->la.bktree = 1;
    if (c->la.bktree)
        hm_index_set(c->idx, HM_INDEX_STRUCTURES, (1 << HM_STRUCT_MIH) | (1 << HM_STRUCT_BKTREE));
    if (c->index_path && hm_index_load(c->idx, c->index_path) != HM_OK) {
        hc_err("%s", hm_last_error());
        return -1;
    }
    c->la.quiet = c->batch.quiet;
    for (int k = 0; k < c->nlists; k++)
        if (hc_load_known(c->idx, &c->la, c->lists[k]) != 0) return -1;
    if (hm_index_commit(c->idx) != HM_OK) {
        hc_err("%s", hm_last_error());
        return -1;
    }
    return 0;
}

/* What the inputs are hashed with: --types, else the types the index
 * holds (none when it holds only TMK+PDQF hashes: videos are then hashed
 * to TMK+PDQF alone); dihedral, trimmed and turned variants as the options
 * ask. */
static unsigned query_types(const match_ctx *c, const hm_index_stats *st) {
    unsigned types = c->types;
    if (!types) {
        for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
            if (st->entries_by_type[t]) types |= HM_TYPE_BIT(t);
        if (!types && !c->mo.tmk) {
            hc_err("warning: the index is empty; nothing can match");
            types = HM_TYPE_BIT(HM_HASH_PDQ);
        }
    }
    if (c->m.qo.flags & HM_QUERY_DIHEDRAL) types |= HM_WANT_DIHEDRAL;
    if (c->trim) types |= HM_WANT_TRIMMED;
    if (c->rotations) types |= HM_WANT_ROTATIONS;
    return types;
}

/* --radius may not exceed the bits of a type the inputs are hashed with
 * (the library refuses such a query): said once, before any input. */
static int radius_too_wide(const match_ctx *c) {
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        if (!(c->mo.types & HM_TYPE_BIT(t)) || c->m.qo.radius <= (int32_t)hm_hash_bits(t))
            continue;
        hc_err("--radius %d is more than the %u bits of %s, which the inputs are "
               "hashed with (--types)", (int)c->m.qo.radius, hm_hash_bits(t), hm_hash_type_name(t));
        return 1;
    }
    return 0;
}

int cmd_match(int argc, char **argv) {
    match_ctx c;
    int npos, rc = HC_EXIT_MATCH_FATAL;
    const char **lists = calloc((size_t)argc + 1, sizeof *lists);
    if (!lists) {
        hc_err("out of memory");
        return rc;
    }
    const int pr = parse_args(argc, argv, lists, &c, &npos);
    if (pr != HC_PARSED) rc = hc_parse_exit(&hc_cmd_match, pr);
    if (pr != HC_PARSED || load_known(&c) != 0) goto done;
    hm_index_stats is;
    hm_index_stats_get(c.idx, &is);
    c.mo.tmk = is.tmk_entries > 0; /* videos are hashed to TMK+PDQF too */
    c.mo.types = query_types(&c, &is);
    if (radius_too_wide(&c)) {
        rc = hc_usage_error(hc_cmd_match.name);
        goto done;
    }
    c.mo.video_types = HM_TYPE_BIT(HM_HASH_PDQ); /* the vPDQ rule reads PDQ frames */
    if (c.header && c.format == OUT_CSV) puts(CSV_HEADER);
    hc_pool_fns fns = {w_init, w_fini, w_work, NULL};
    hc_stats st;
    if (hc_batch_run(&c.in, argv, npos, 1, &c.batch, &fns, &c, 1, &st) != 0) goto done;
    rc = (st.matched ? HC_EXIT_MATCHED : 0) | (st.failed ? HC_EXIT_INPUT_ERRORS : 0);
done:
    hc_inputs_free(&c.in);
    hm_index_free(c.idx);
    free(lists);
    return rc;
}
