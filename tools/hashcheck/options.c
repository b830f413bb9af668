/* SPDX-License-Identifier: BSD-3-Clause */
/* hashcheck's command line: the one option parser every command uses
 * (hc_parse_options), the checks of option values, and the option groups
 * several commands share (hasher, video sampling, batch, hash lists).  A
 * command's own options are in its cmd_*.c; hc.h says how the tables are
 * read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hc.h"

/* ---- values ---------------------------------------------------------------- */

int hc_default_jobs(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > 64) n = 64;
    return (int)n;
}

/* "pdq, phash, ..." of the types in `mask`, in type order. */
static void type_names(sbuf *b, unsigned mask) {
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
        if (mask & HM_TYPE_BIT(t)) sb_printf(b, "%s%s", b->n ? ", " : "", hm_hash_type_name(t));
}

static void unknown_type(const char *name, int all) {
    sbuf b = {0};
    type_names(&b, HC_ALL_TYPES);
    if (all) sb_puts(&b, ", all");
    hc_err("unknown hash type '%s' (%s)", name, b.p ? b.p : "");
    sb_free(&b);
}

/* Comma-separated type names (or "all") to a mask; 0 (message printed) on
 * error. */
static unsigned parse_types(const char *list) {
    unsigned mask = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char name[32];
        if (len == 0 || len >= sizeof name) {
            hc_err("bad hash type list '%s'", list);
            return 0;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        int type = hm_hash_type_from_name(name);
        if (strcmp(name, "all") == 0) {
            mask |= HC_ALL_TYPES;
        } else if (!type) {
            unknown_type(name, 1);
            return 0;
        } else {
            mask |= HM_TYPE_BIT(type);
        }
        p += len;
        if (*p == ',') p++;
    }
    if (!mask) hc_err("empty hash type list");
    return mask;
}

static int parse_long(const char *s, long long min, long long max, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno || v < min || v > max) return 0;
    *out = v;
    return 1;
}

static int parse_double(const char *s, double min, double max, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno || !(v >= min && v <= max)) return 0;
    *out = v;
    return 1;
}

static void unknown_choice(const hc_choices *c, const char *s) {
    sbuf b = {0};
    for (const hc_choice *x = c->v; x->name; x++)
        if (!x->hidden) sb_printf(&b, "%s%s", b.n ? ", " : "", x->name);
    hc_err("unknown %s '%s' (%s)", c->noun, s, b.p ? b.p : "");
    sb_free(&b);
}

/* Check the value `s` of option `o` (written `shown`) into v; 0, or -1
 * after printing what the option takes. */
static int check_value(const hc_option *o, const char *shown, const char *s, hc_optval *v) {
    switch (o->arg) {
    case HC_ARG_NONE:
    case HC_ARG_STRING:
        return 0;
    case HC_ARG_LONG:
        if (parse_long(s, (long long)o->min, (long long)o->max, &v->num)) return 0;
        break;
    case HC_ARG_DOUBLE:
        if (parse_double(s, o->min, o->max, &v->real)) return 0;
        break;
    case HC_ARG_POSITIVE:
        if (parse_long(s, 1, INT64_MAX, &v->num)) return 0;
        hc_err("%s needs a positive integer", shown);
        return -1;
    case HC_ARG_CHOICE:
        for (const hc_choice *x = o->choices->v; x->name; x++)
            if (strcmp(s, x->name) == 0) {
                v->num = x->value;
                return 0;
            }
        unknown_choice(o->choices, s);
        return -1;
    case HC_ARG_TYPE:
        if ((v->num = hm_hash_type_from_name(s)) != 0) return 0;
        unknown_type(s, 0);
        return -1;
    case HC_ARG_TYPES:
        if (!(v->types = parse_types(s))) return -1;
        if (o->allowed && (v->types & ~o->allowed)) {
            sbuf b = {0};
            type_names(&b, o->allowed);
            hc_err("%s take %s", o->what, b.p ? b.p : "");
            sb_free(&b);
            return -1;
        }
        return 0;
    }
    /* a number out of its range */
    hc_err("%s needs %s%s%g..%g%s%s%s", shown, o->what ? o->what : "", o->what ? " " : "",
           o->min, o->max, o->note ? " (" : "", o->note ? o->note : "", o->note ? ")" : "");
    return -1;
}

/* ---- the parser --------------------------------------------------------------- */

int hc_is_help(const char *a) { return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0; }

int hc_usage_error(const char *cmd) {
    fprintf(stderr, "Try 'hashcheck %s%s--help' for the options.\n", cmd ? cmd : "",
            cmd ? " " : "");
    return HC_EXIT_USAGE;
}

int hc_parse_exit(const hc_command *cmd, int parsed) {
    return parsed == HC_HELP ? 0 : hc_usage_error(cmd->name);
}

/* The row of `rows` that argument `a` names, or NULL; *attached: the
 * value written in the same argument (-j8), else NULL. */
static const hc_option *find_row(const hc_option *rows, const char *a, const char **attached) {
    const int is_short = a[0] == '-' && a[1] != '-' && a[1] != '\0';
    for (const hc_option *o = rows; o->name; o++) {
        if (is_short ? o->short_name != a[1] || (a[2] && o->arg == HC_ARG_NONE)
                     : strcmp(a, o->name) != 0 && !(o->alias && strcmp(a, o->alias) == 0))
            continue;
        *attached = is_short && a[2] ? a + 2 : NULL;
        return o;
    }
    return NULL;
}

/* The row of cmd that argument `a` names, and the settings it sets. */
static const hc_option *find_option(const hc_command *cmd, void *cfg, const char *a,
                                    void **dst, const char **attached) {
    const hc_option *o = find_row(cmd->own, a, attached);
    *dst = cfg;
    for (const hc_optgroup *g = cmd->groups; !o && g->set; g++)
        if ((o = find_row(g->set->rows, a, attached)) != NULL) *dst = (char *)cfg + g->offset;
    return o;
}

static void unknown_option(const hc_command *cmd, void *cfg, const char *a) {
    const char *eq = strchr(a, '=');
    char name[64];
    void *dst;
    const char *attached;
    const hc_option *o = NULL;
    /* --name=VALUE is not a form hashcheck reads: say how to write it */
    if (a[0] == '-' && a[1] == '-' && eq && (size_t)(eq - a) < sizeof name) {
        memcpy(name, a, (size_t)(eq - a));
        name[eq - a] = '\0';
        o = find_option(cmd, cfg, name, &dst, &attached);
    }
    if (!o) hc_err("unknown option '%s'", a);
    else if (o->arg == HC_ARG_NONE) hc_err("unknown option '%s' (%s takes no value)", a, name);
    else hc_err("unknown option '%s' (write '%s %s')", a, name, eq + 1);
}

int hc_parse_options(const hc_command *cmd, void *cfg, int argc, char **argv, int *npos) {
    *npos = 0;
    for (const hc_optgroup *g = cmd->groups; g->set; g++)
        if (g->set->init) g->set->init((char *)cfg + g->offset);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (++i < argc) argv[(*npos)++] = argv[i];
            break;
        }
        if (hc_is_help(a)) {
            fputs(cmd->usage, stdout);
            return HC_HELP;
        }
        if (a[0] != '-' || a[1] == '\0') {
            argv[(*npos)++] = argv[i]; /* an operand ("-": standard input) */
            continue;
        }
        void *dst;
        const char *attached;
        const hc_option *o = find_option(cmd, cfg, a, &dst, &attached);
        if (!o) {
            unknown_option(cmd, cfg, a);
            return HC_USAGE_ERROR;
        }
        /* the option as written, for messages: -j for -j8 */
        const char shown_short[3] = {'-', a[1], '\0'};
        const char *shown = a[1] == '-' ? a : shown_short;
        hc_optval v = {0};
        if (o->arg != HC_ARG_NONE) {
            if (attached) {
                v.str = attached;
            } else if (i + 1 < argc) {
                v.str = argv[++i];
            } else {
                hc_err("%s needs a value", shown);
                return HC_USAGE_ERROR;
            }
            if (check_value(o, shown, v.str, &v) != 0) return HC_USAGE_ERROR;
        }
        o->set(dst, &v);
    }
    return HC_PARSED;
}

/* ---- hasher settings: hash, video, index build, match, compare ---------------- */

static void hasher_init(void *d) {
    hc_hasher_cfg *c = d;
    c->flavour = c->exif = c->fast = c->max_pixels = c->max_bytes = -1;
}

static void set_flavour(void *d, const hc_optval *v) { ((hc_hasher_cfg *)d)->flavour = v->num; }
static void set_exif(void *d, const hc_optval *v) { ((hc_hasher_cfg *)d)->exif = 1; }
static void set_fast(void *d, const hc_optval *v) { ((hc_hasher_cfg *)d)->fast = 1; }
static void set_max_pixels(void *d, const hc_optval *v) {
    ((hc_hasher_cfg *)d)->max_pixels = v->num;
}
static void set_max_bytes(void *d, const hc_optval *v) { ((hc_hasher_cfg *)d)->max_bytes = v->num; }

static const hc_choices pdq_flavours = {
    "PDQ flavour", {{"fullres", HM_PDQ_FULLRES, 0}, {"cpp512", HM_PDQ_CPP_512, 0}}};

static const hc_option hasher_rows[] = {
    {"--pdq-flavour", "--pdq-flavor", .arg = HC_ARG_CHOICE, .choices = &pdq_flavours,
     .set = set_flavour},
    {"--exif-orientation", .set = set_exif},
    {"--fast", .set = set_fast},
    {"--max-pixels", .arg = HC_ARG_POSITIVE, .set = set_max_pixels},
    {"--max-bytes", .arg = HC_ARG_POSITIVE, .set = set_max_bytes},
    {0}};
const hc_optset hc_hasher_options = {hasher_rows, hasher_init};

/* ---- video sampling: hash, video, index build, match, compare ------------------- */

static void set_mode(void *d, const hc_optval *v) { ((hm_video_opts *)d)->mode = (int32_t)v->num; }
static void set_interval(void *d, const hc_optval *v) { ((hm_video_opts *)d)->interval = v->real; }
static void set_size(void *d, const hc_optval *v) {
    ((hm_video_opts *)d)->downscale = (int32_t)v->num;
}
static void set_rotation(void *d, const hc_optval *v) { ((hm_video_opts *)d)->apply_rotation = 1; }

static const hc_choices frame_modes = {"frame mode",
                                       {{"interval", HM_FRAMES_INTERVAL, 0},
                                        {"keyframes", HM_FRAMES_KEYFRAMES, 0},
                                        {"all", HM_FRAMES_ALL, 0}}};

static void video_init(void *d) { hm_video_opts_init(d); }

static const hc_option video_rows[] = {
    {"--mode", .arg = HC_ARG_CHOICE, .choices = &frame_modes, .set = set_mode},
    {"--interval", .arg = HC_ARG_DOUBLE, .min = 0, .max = 86400, .what = "seconds",
     .set = set_interval},
    {"--size", .arg = HC_ARG_LONG, .min = 0, .max = 4096, .set = set_size},
    {"--apply-rotation", .set = set_rotation},
    {0}};
const hc_optset hc_video_options = {video_rows, video_init};

/* ---- batches: hash, video, index build, match --------------------------------- */

static void batch_init(void *d) {
    hc_batch_cfg *c = d;
    c->jobs = hc_default_jobs();
    c->follow = 0;
    c->progress = -1;
    c->quiet = 0;
}

static void set_jobs(void *d, const hc_optval *v) {
    ((hc_batch_cfg *)d)->jobs = v->num ? (int)v->num : hc_default_jobs();
}
static void set_follow(void *d, const hc_optval *v) { ((hc_batch_cfg *)d)->follow = 1; }
static void set_progress(void *d, const hc_optval *v) { ((hc_batch_cfg *)d)->progress = 1; }
static void set_no_progress(void *d, const hc_optval *v) { ((hc_batch_cfg *)d)->progress = 0; }
static void set_quiet(void *d, const hc_optval *v) { ((hc_batch_cfg *)d)->quiet = 1; }

static const hc_option batch_rows[] = {
    {"--jobs", .short_name = 'j', .arg = HC_ARG_LONG, .min = 0, .max = 256,
     .what = "a thread count", .note = "0: one per CPU", .set = set_jobs},
    {"--follow-symlinks", .short_name = 'L', .set = set_follow},
    {"--progress", .set = set_progress},
    {"--no-progress", .set = set_no_progress},
    {"--quiet", .short_name = 'q', .set = set_quiet},
    {0}};
const hc_optset hc_batch_options = {batch_rows, batch_init};

/* ---- matching: match, compare -------------------------------------------------- */

static void match_init(void *d) {
    hc_match_cfg *c = d;
    hm_query_opts_init(&c->qo);
    hm_video_match_opts_init(&c->vmo);
}

static void set_radius(void *d, const hc_optval *v) {
    hc_match_cfg *c = d;
    c->qo.radius = c->vmo.distance = (int32_t)v->num;
}
static void set_dihedral(void *d, const hc_optval *v) {
    hc_match_cfg *c = d;
    c->qo.flags |= HM_QUERY_DIHEDRAL;
    c->vmo.flags |= HM_QUERY_DIHEDRAL;
}
static void set_query_percent(void *d, const hc_optval *v) {
    ((hc_match_cfg *)d)->vmo.query_percent = v->real;
}
static void set_target_percent(void *d, const hc_optval *v) {
    ((hc_match_cfg *)d)->vmo.target_percent = v->real;
}

static const hc_option match_rows[] = {
    {"--radius", .arg = HC_ARG_LONG, .min = 0, .max = 256, .set = set_radius},
    {"--dihedral", .set = set_dihedral},
    {"--query-percent", .arg = HC_ARG_DOUBLE, .min = 0, .max = 100, .set = set_query_percent},
    {"--target-percent", .arg = HC_ARG_DOUBLE, .min = 0, .max = 100,
     .set = set_target_percent},
    {0}};
const hc_optset hc_match_options = {match_rows, match_init};

/* ---- TMK+PDQF thresholds: compare, match ---------------------------------------- */

static void tmk_init(void *d) {
    hc_tmk_cfg *c = d;
    c->level[0] = c->level[1] = -1;
}

static void set_level1(void *d, const hc_optval *v) { ((hc_tmk_cfg *)d)->level[0] = (float)v->real; }
static void set_level2(void *d, const hc_optval *v) { ((hc_tmk_cfg *)d)->level[1] = (float)v->real; }

static const hc_option tmk_rows[] = {
    {"--tmk-level1", .arg = HC_ARG_DOUBLE, .min = 0, .max = 1, .what = "a score",
     .set = set_level1},
    {"--tmk-level2", .arg = HC_ARG_DOUBLE, .min = 0, .max = 1, .what = "a score",
     .set = set_level2},
    {0}};
const hc_optset hc_tmk_options = {tmk_rows, tmk_init};

/* ---- hash lists: index build, match --list ------------------------------------ */

static void list_init(void *d) {
    hc_list_args *la = d;
    memset(la, 0, sizeof *la);
    hm_list_load_opts_init(&la->opts);
}

static void set_list_format(void *d, const hc_optval *v) {
    ((hc_list_args *)d)->opts.format = (int32_t)v->num;
}
static void set_list_type(void *d, const hc_optval *v) {
    ((hc_list_args *)d)->opts.hash_type = (int32_t)v->num;
}
static void set_list_name(void *d, const hc_optval *v) { ((hc_list_args *)d)->opts.list = v->str; }
static void set_list_labels(void *d, const hc_optval *v) {
    ((hc_list_args *)d)->opts.labels = v->str;
}
static void set_lenient(void *d, const hc_optval *v) { ((hc_list_args *)d)->opts.strict = 0; }
static void set_bktree(void *d, const hc_optval *v) { ((hc_list_args *)d)->bktree = 1; }

static const hc_choices list_formats = {"list format",
                                        {{"auto", HM_LIST_AUTO, 0},
                                         {"plain", HM_LIST_PLAIN, 0},
                                         {"typed", HM_LIST_TYPED, 0},
                                         {"pytx-csv", HM_LIST_PYTX_CSV, 0},
                                         {"canonical", HM_LIST_CANONICAL, 0}}};

static const hc_option list_rows[] = {
    {"--list-format", .arg = HC_ARG_CHOICE, .choices = &list_formats, .set = set_list_format},
    {"--type", .arg = HC_ARG_TYPE, .set = set_list_type},
    {"--list-name", .arg = HC_ARG_STRING, .set = set_list_name},
    {"--labels", .arg = HC_ARG_STRING, .set = set_list_labels},
    {"--lenient", .set = set_lenient},
    {"--bktree", .set = set_bktree},
    {0}};
const hc_optset hc_list_options = {list_rows, list_init};

static const hc_option list_format_alias_rows[] = {
    {"--format", .arg = HC_ARG_CHOICE, .choices = &list_formats, .set = set_list_format},
    {0}};
/* (its settings are hc_list_options', which sets their defaults) */
const hc_optset hc_list_format_alias = {list_format_alias_rows, NULL};

const hc_choices hc_id_choices = {"--id value", {{"path", 0, 0}, {"name", 1, 0}}};
