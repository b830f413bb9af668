/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hc.h — internal interfaces of the hashcheck tool (not installed).
 *
 *   util.c      strings, escaping (JSON, CSV, text), messages, hashers
 *   options.c   the command line: the one option parser and the option
 *               groups the commands share
 *   walk.c      expanding FILE|DIR arguments into an ordered input list
 *   media.c     hashing one input: image, video, or plain bytes
 *   tmk.c       TMK+PDQF: .tmk files and their base64 by content, videos
 *   pool.c      worker threads with in-order output, progress line, summary
 *   cmd_*.c     the commands
 */
#ifndef HASHCHECK_HC_H
#define HASHCHECK_HC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hashmatch.h"

/* ---- growable strings ---------------------------------------------------- */

typedef struct sbuf {
    char *p;     /* NUL-terminated when n > 0 */
    size_t n, cap;
    int oom;     /* an allocation failed: the content is truncated */
} sbuf;

void sb_reset(sbuf *b);
void sb_free(sbuf *b);
void sb_putc(sbuf *b, char c);
void sb_put(sbuf *b, const char *s, size_t n);
void sb_puts(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A JSON string literal, quotes included.  Control characters, quotes and
 * backslashes are escaped; bytes that are not valid UTF-8 become U+FFFD. */
void sb_json_str(sbuf *b, const char *s);
/* A JSON number with `decimals` digits after the point (0 when not finite). */
void sb_json_num(sbuf *b, double v, int decimals);
/* A CSV field, quoted when it holds a comma, quote or line break. */
void sb_csv(sbuf *b, const char *s);
/* Text for a terminal: control characters written as \n, \t, \xNN. */
void sb_text(sbuf *b, const char *s);
/* 1 when the string is valid UTF-8. */
int utf8_valid(const char *s);

/* ---- messages ---------------------------------------------------------------- */

/* "hashcheck: ..." on stderr. */
void hc_err(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
double hc_now(void); /* monotonic seconds */
/* `one` when n is 1, else `many`: "%zu %s" counts in messages. */
const char *hc_plural(size_t n, const char *one, const char *many);

/* Exit statuses (docs/hashcheck.md, "EXIT STATUS").  Every command: 0
 * success, HC_EXIT_USAGE for a bad command line (nothing done).  match:
 * the bits HC_EXIT_MATCHED (something matched) and HC_EXIT_INPUT_ERRORS
 * (some inputs failed), or HC_EXIT_MATCH_FATAL when the run could not be
 * completed.  hash, video, index build: 1 some inputs failed,
 * HC_EXIT_FATAL the run could not be completed.  compare: 1 different,
 * HC_EXIT_FATAL an error. */
enum {
    HC_EXIT_MATCHED = 1,
    HC_EXIT_INPUT_ERRORS = 2,
    HC_EXIT_MATCH_FATAL = 4,
    HC_EXIT_FATAL = 2,
    HC_EXIT_USAGE = 64 /* as sysexits.h's EX_USAGE */
};
/* "pdq:f8f8..." -> a hash; 0 when the argument is not of that form. */
int hc_parse_hash_arg(const char *a, hm_hash *h);
const char *hc_variant_name(int v);

#define HC_CRYPTO (HM_TYPE_BIT(HM_HASH_MD5) | HM_TYPE_BIT(HM_HASH_SHA256))
/* Types from an image's pixels; those of video frames; every type. */
#define HC_PERCEPTUAL (HM_TYPES_PERCEPTUAL | HM_TYPES_PHASHORG)
#define HC_VIDEO_TYPES HM_TYPES_PERCEPTUAL
#define HC_ALL_TYPES (HM_TYPES_ALL | HM_TYPES_PHASHORG)

/* ---- the command line (options.c) ------------------------------------------- */

/* Every command's options are tables of hc_option rows: the command's own,
 * into its settings, then the groups several commands share
 * (hc_hasher_options, hc_video_options, hc_batch_options,
 * hc_list_options, hc_match_options), each into its own kind of settings
 * inside the command's, whose defaults the group sets.  One parser,
 * hc_parse_options, reads them all the same way:
 *   --name VALUE, and for a row with a short name -x VALUE or -xVALUE;
 *   flags stand alone (--fast, -q; -qL is no option);
 *   options and operands may be mixed; `--` ends the options;
 *   -h or --help prints the command's usage;
 *   a later option overrides an earlier one (rows that collect, such as
 *   match --list, add to a list);
 *   the first error stops the parse: an unknown option, a missing value,
 *   a value that fails its row's check (the message names the option and
 *   what it takes).
 * The parser checks each value by its row's kind before the row's setter
 * stores it: the setters never see a bad value. */
typedef enum hc_arg {
    HC_ARG_NONE,     /* a flag */
    HC_ARG_STRING,   /* any text */
    HC_ARG_LONG,     /* an integer in min..max: v->num */
    HC_ARG_DOUBLE,   /* a number in min..max: v->real */
    HC_ARG_POSITIVE, /* a 64-bit integer > 0: v->num */
    HC_ARG_CHOICE,   /* one of the row's choices: v->num is its value */
    HC_ARG_TYPE,     /* one hash type name: v->num (an hm_hash_type) */
    HC_ARG_TYPES     /* comma-separated hash type names or "all": v->types */
} hc_arg;

/* The names an HC_ARG_CHOICE value may take. */
typedef struct hc_choice {
    const char *name;
    int value;
    int hidden; /* another spelling, not listed in the message */
} hc_choice;
typedef struct hc_choices {
    const char *noun;   /* "output format": unknown output format 'x' (csv, ...) */
    hc_choice v[8];     /* ends at the first NULL name */
} hc_choices;

typedef struct hc_optval {
    const char *str; /* the value as given; NULL for a flag */
    long long num;
    double real;
    unsigned types;
} hc_optval;

typedef struct hc_option {
    const char *name;  /* "--types"; a zero row ({0}) ends a table */
    const char *alias; /* another long spelling accepted, or NULL */
    char short_name;   /* 'j': -j VALUE, -jVALUE (a flag: -q alone); 0 none */
    hc_arg arg;
    double min, max;   /* HC_ARG_LONG, HC_ARG_DOUBLE */
    /* HC_ARG_LONG, HC_ARG_DOUBLE: what the value is, and a note, in the
     * message: "-j needs a thread count 0..256 (0: one per CPU)".
     * HC_ARG_TYPES with `allowed`: what takes only those types: "video
     * frames take pdq, phash, dhash, ahash". */
    const char *what, *note;
    const hc_choices *choices; /* HC_ARG_CHOICE */
    unsigned allowed;          /* HC_ARG_TYPES: 0 any, else the types taken */
    /* Stores the checked value into the group's settings. */
    void (*set)(void *dst, const hc_optval *v);
} hc_option;

/* Rows that several commands share, and the defaults of their settings. */
typedef struct hc_optset {
    const hc_option *rows;
    void (*init)(void *dst); /* sets the defaults before the parse, or NULL */
} hc_optset;

typedef struct hc_optgroup {
    const hc_optset *set; /* NULL ends a command's groups */
    size_t offset;        /* of the group's settings in the command's */
} hc_optgroup;

typedef struct hc_command {
    const char *name;          /* "hash", "index build" */
    const char *usage;         /* the --help text */
    const hc_option *own;      /* the command's own rows, into its settings */
    const hc_optgroup *groups; /* the shared groups it takes */
} hc_command;

extern const hc_command hc_cmd_hash, hc_cmd_video, hc_cmd_index, hc_cmd_match,
    hc_cmd_compare;

enum { HC_PARSED = 0, HC_HELP = 1, HC_USAGE_ERROR = -1 };
/* Parse argv by cmd's tables into the settings at `cfg`: the shared
 * groups' defaults are set first, the command's own are the caller's.
 * HC_PARSED: the operands are moved, in order, to argv[0..*npos).
 * HC_HELP: the usage was printed on stdout.  HC_USAGE_ERROR: the error
 * was printed (hc_usage_error adds the pointer to --help). */
int hc_parse_options(const hc_command *cmd, void *cfg, int argc, char **argv, int *npos);
/* The exit status after a command line that did not parse (HC_HELP: 0;
 * HC_USAGE_ERROR: the pointer to --help is printed, HC_EXIT_USAGE). */
int hc_parse_exit(const hc_command *cmd, int parsed);
int hc_is_help(const char *a);
/* After the message of a usage error: a pointer to `hashcheck CMD --help`
 * on stderr; returns HC_EXIT_USAGE. */
int hc_usage_error(const char *cmd);
int hc_default_jobs(void);

/* Hasher settings shared by the commands that decode media:
 * hc_hasher_options (--pdq-flavour, --exif-orientation, --fast,
 * --max-pixels, --max-bytes). */
typedef struct hc_hasher_cfg {
    int64_t flavour, exif, fast, max_pixels, max_bytes; /* -1: default */
} hc_hasher_cfg;
extern const hc_optset hc_hasher_options;
hm_status hc_hasher_new(const hc_hasher_cfg *c, hm_hasher **out);
/* 0 when a hasher can be made with these settings, else -1 (message
 * printed): checked before a batch starts. */
int hc_hasher_cfg_check(const hc_hasher_cfg *c);
/* Pool worker state that is a hasher made from `c` (NULL on failure), and
 * its fini callback. */
void *hc_worker_hasher(const hc_hasher_cfg *c);
void hc_worker_hasher_free(void *state);

/* Video sampling, into an hm_video_opts: hc_video_options (--mode,
 * --interval, --size, --apply-rotation). */
extern const hc_optset hc_video_options;

/* Options every batch command takes: hc_batch_options (-j, -L, --progress,
 * --no-progress, -q). */
typedef struct hc_batch_cfg {
    int jobs;      /* worker threads */
    int follow;    /* follow symbolic links met inside directories */
    int progress;  /* -1 auto (stderr is a terminal), 0 off, 1 on */
    int quiet;     /* no summary, no progress */
} hc_batch_cfg;
extern const hc_optset hc_batch_options;

/* Matching settings shared by match and compare: hc_match_options
 * (--radius, --dihedral, --query-percent, --target-percent). */
typedef struct hc_match_cfg {
    hm_query_opts qo;        /* radius (-1: the thresholds of the lists, or
                                compare's defaults), HM_QUERY_DIHEDRAL */
    hm_video_match_opts vmo; /* the same as distance and flags; the vPDQ
                                shares */
} hc_match_cfg;
extern const hc_optset hc_match_options;

/* TMK+PDQF thresholds, shared by compare and match: hc_tmk_options
 * (--tmk-level1, --tmk-level2: scores 0..1, the range an index's lists
 * take).  -1: not given (compare: the default; match: each list's own). */
typedef struct hc_tmk_cfg {
    float level[2]; /* levels 1 and 2 */
} hc_tmk_cfg;
extern const hc_optset hc_tmk_options;

/* How hash lists are loaded (index build, match --list): hc_list_options
 * (--list-format, --type, --list-name, --labels, --lenient, --bktree). */
typedef struct hc_list_args {
    hm_list_load_opts opts;
    int bktree;
    int quiet; /* -q: no load report (rejected lines are still shown) */
} hc_list_args;
extern const hc_optset hc_list_options;
/* --format, index build's older name of --list-format */
extern const hc_optset hc_list_format_alias;
/* --id path|name of hash and index build: 1 for name */
extern const hc_choices hc_id_choices;

/* ---- inputs ---------------------------------------------------------------- */

typedef struct hc_input {
    char *path;
    char *err;     /* set when the walk could not read it: reported, counted */
    int is_hash;   /* a TYPE:HEX argument (match, compare) */
} hc_input;

typedef struct hc_inputs {
    hc_input *v;
    size_t n, cap;
    size_t skipped_links;   /* symbolic links inside directories, not followed */
    size_t skipped_special; /* FIFOs, sockets, devices inside directories */
    size_t skipped_loops;   /* directories already visited (links, bind mounts) */
} hc_inputs;

/* Expand arguments in order: a directory becomes its regular files,
 * recursively, sorted by name (byte order), depth first; any other
 * argument is kept as given.  Symbolic links named on the command line
 * are followed; links met inside directories are followed only with
 * `follow`, and a directory is never entered twice, so link loops end.
 * `hash_args`: arguments of the form TYPE:HEX are hashes, not paths.
 * Returns 0, or -1 when out of memory. */
int hc_walk(hc_inputs *in, char **args, int n, int follow, int hash_args);
void hc_inputs_free(hc_inputs *in);
/* Append one input (path copied); -1 when out of memory. */
int hc_inputs_add(hc_inputs *in, const char *path, const char *err, int is_hash);

/* ---- hashing one input ----------------------------------------------------- */

enum { HC_KIND_NONE = 0, HC_KIND_IMAGE, HC_KIND_VIDEO, HC_KIND_FILE, HC_KIND_HASH, HC_KIND_TMK };
const char *hc_kind_name(int kind);

typedef struct hc_media_opts {
    unsigned types;        /* HM_TYPE_BIT mask and HM_WANT_* flags */
    hm_video_opts video;   /* for videos */
    unsigned video_types;  /* frame hashes; 0: the perceptual part of `types` */
    int videos;            /* 1: inputs that are not images are tried as videos */
    int crypto_fallback;   /* 1: an input that is neither image nor video, or
                              does not decode, still gets its md5/sha256
                              when those are asked for (it is still failed:
                              kind HC_KIND_FILE, status HM_E_UNKNOWN_FORMAT,
                              or the decoding error) */
    int tmk_files;         /* 1: a .tmk file or its base64 (by content) is
                              read as a TMK+PDQF hash: kind HC_KIND_TMK,
                              `tmk` set (its digests when asked for) */
    int tmk;               /* 1: a video is also hashed whole to TMK+PDQF
                              (`tmk`), before its frames when `types` has
                              perceptual types; with none, a video gets
                              only its TMK hash (and digests) */
    int skip_non_media;    /* 1: an input that is neither image nor video
                              (an empty file included) is not a failure:
                              kind HC_KIND_FILE, not_media set, its
                              md5/sha256 taken when asked for (not of an
                              empty file: the library hashes no empty
                              input) */
} hc_media_opts;

typedef struct hc_media {
    int kind;              /* HC_KIND_* */
    int failed;            /* 1: `err` says what went wrong (what was
                              computed before the failure is kept) */
    int not_media;         /* 1: skipped as not media (skip_non_media) */
    hm_status status;
    char err[768];
    hm_image_info info;    /* images */
    hm_hash h[HM_HASH_RESULTS_MAX]; /* image hashes (dihedral variants,
                              trimmed and crop hashes included), or the
                              file digests of a video or other file */
    size_t nh;
    hm_video_info vinfo;   /* videos */
    hm_video_frame *frames;
    size_t nframes;
    hm_tmk *tmk;           /* the TMK+PDQF hash (tmk_files, tmk), or NULL */
} hc_media;

/* Hash `path` into `m` (zeroed first).  Never prints. */
void hc_media_hash(hm_hasher *h, const char *path, const hc_media_opts *o, hc_media *m);
void hc_media_free(hc_media *m);
/* The TMK+PDQF hash of the video at `path`, read as hc_media_hash reads
 * an input ("-": standard input; pipes and devices are read into memory
 * first, up to the hasher's --max-bytes).  On failure *out is NULL and err
 * says why (about `path`). */
hm_status hc_media_tmk(hm_hasher *h, const char *path, const hm_video_opts *o, hm_tmk **out,
                       hm_video_info *info, char *err, size_t errcap);

/* ---- TMK+PDQF (tmk.c) ------------------------------------------------------- */

/* 1 when o's vPDQ frame choice (hc_video_options: --mode, --interval,
 * --size, --apply-rotation) is not the default: TMK takes every frame,
 * upright, at 64x64, and the commands refuse such options with it. */
int hc_tmk_sampling_given(const hm_video_opts *o);
/* What a file holds, from its first bytes (never its name): a .tmk file
 * (it starts with the magics TMK1 FVEC PDQF), the base64 of one (TCAP's
 * form: the base64 of those magics), or neither. */
typedef enum hc_tmk_form { HC_TMK_NONE, HC_TMK_BINARY, HC_TMK_BASE64 } hc_tmk_form;
hc_tmk_form hc_tmk_form_of(const unsigned char *head, size_t n);
/* Read `path` as a .tmk file or its base64 (white space around the text
 * ignored), checked field by field by the library.  Returns HC_TMK_NONE
 * when the content is neither, or `path` is not a regular file (a pipe is
 * not read: it can be read only once, by hc_media_hash or hc_media_tmk;
 * no message), else its form,
 * with *out the hash, or NULL and the reason in err. */
hc_tmk_form hc_tmk_read(const char *path, hm_tmk **out, hm_status *st, char *err,
                        size_t errcap);
/* As hc_tmk_read, from the `n` bytes of a file (named `path` in err)
 * already in memory. */
hc_tmk_form hc_tmk_parse(const char *path, const void *data, size_t n, hm_tmk **out,
                         hm_status *st, char *err, size_t errcap);
/* The frame features in a hash (its .tmk header), 0 when t is NULL. */
int hc_tmk_frames(const hm_tmk *t);

/* Version of the JSON records hashcheck prints (hash, match, compare),
 * the "schema_version" field; docs/hashcheck.schema.json describes them and
 * docs/hashcheck.md says when the version changes. */
#define HC_JSON_SCHEMA_VERSION 1
/* The opening of a JSON record, its other fields to follow:
 * {"schema_version":N, */
void hc_json_begin(sbuf *b);
/* JSON pieces: one hash object; "file":... (with "file_hex" when the path
 * is not UTF-8); the fields of a hashed input (no braces). */
void hc_json_hash(sbuf *b, const hm_hash *h);
/* The angle in degrees of a HM_VARIANT_ROTATED hash (HM_WANT_ROTATIONS). */
int hc_rotation(const hm_hash *h);
void hc_json_file(sbuf *b, const char *path);
void hc_json_media(sbuf *b, const char *path, const hc_media *m, int with_frames);
/* The vPDQ figures of a video match, query_percent to frame_threshold (the
 * distance within which two frames match), as JSON fields after a comma. */
void hc_json_vpdq(sbuf *b, const hm_video_match *v, int frame_threshold);
/* The TMK+PDQF figures of a comparison or a match, level1 to
 * level2_threshold (six decimals), as JSON fields after a comma. */
void hc_json_tmk(sbuf *b, float level1, float level2, float threshold1, float threshold2);
/* The line on a damaged or truncated video whose frames were partly read. */
void hc_partial_note(sbuf *b, const char *path, size_t nframes);

/* ---- parallel batches with ordered output ---------------------------------- */

typedef struct hc_slot {
    sbuf out;       /* written to stdout, in input order */
    sbuf err;       /* written to stderr, in input order */
    int failed;
    int matched;
    int skipped;    /* not media, skipped (--skip-non-media) */
    size_t hits;
    hc_media media; /* for commands that keep the hashes to the emit step */
    void *data;     /* another result kept to the emit step, or NULL */
    void (*release)(void *data); /* frees `data` with the slot, or NULL */
} hc_slot;

typedef struct hc_pool_fns {
    /* per worker thread state (a hasher, results); NULL is a failure */
    void *(*init)(void *ctx);
    void (*fini)(void *state);
    /* runs on a worker: process input i into the slot */
    void (*work)(void *ctx, void *state, size_t i, hc_slot *s);
    /* runs on the calling thread, in input order, before the slot's text is
     * written; may be NULL */
    void (*emit)(void *ctx, size_t i, hc_slot *s);
} hc_pool_fns;

typedef struct hc_stats {
    size_t done, failed, matched, hits, skipped;
    double seconds;
} hc_stats;

/* Process n inputs on `jobs` threads; slots are emitted (callback, then
 * stderr text, then stdout text) in input order whatever the thread count.
 * `progress`: -1 auto, 0 off, 1 on.  Returns 0, or -1 when threads or
 * memory could not be had (message printed). */
int hc_pool_run(size_t n, int jobs, int progress, const hc_pool_fns *fns, void *ctx,
                hc_stats *st);

/* The closing summary on stderr: files, matched/hits when `matching`,
 * failures (called `what`), files skipped as not media, what the walk
 * skipped, time, and the rate of runs that took 0.1 s or more. */
void hc_summary(const char *what, const hc_stats *st, const hc_inputs *in, int matching);

/* The common run of hash, video and match: walk the operands into `in`
 * (hc_walk), process them on the pool, print the summary (unless -q) and
 * flush stdout.  Returns 0, or -1 after printing why (memory, threads, a
 * write error).  The caller frees `in`. */
int hc_batch_run(hc_inputs *in, char **args, int n, int hash_args, const hc_batch_cfg *bc,
                 const hc_pool_fns *fns, void *ctx, int matching, hc_stats *st);

/* ---- commands --------------------------------------------------------------- */

int cmd_hash(int argc, char **argv);
int cmd_video(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_compare(int argc, char **argv);

/* Load one list into idx (staged), printing its counts; 0 on success. */
int hc_load_list(hm_index *idx, hc_list_args *la, const char *path);
/* The list of known media (index build's media, .tmk files among them,
 * and match --list's .tmk files): --list-name, else "media"; 0, or 1
 * after printing why. */
int hc_media_list(hm_index *idx, const hc_list_args *la, uint32_t *list);
/* A known-hash file (match --list): a .tmk file or its base64 (told by
 * content in a regular file) is a known video's TMK+PDQF hash, staged as
 * index build stages one among its media (the list of hc_media_list, the
 * path as entry id, --labels), else a hash list (hc_load_list).  0, or 1
 * after printing why. */
int hc_load_known(hm_index *idx, hc_list_args *la, const char *path);

/* Frames of a vPDQ hash file; 0 on success, else a message in err. */
int hc_read_vpdq(const char *path, hm_video_frame **frames, size_t *n, char *err,
                 size_t errcap);
/* 1 when the file's first data line is a vPDQ line. */
int hc_is_vpdq_file(const char *path);
/* What a file argument of index build is, from its first 4 KB (never its
 * name), by rules a stray byte cannot flip: an image signature; a .tmk
 * file or its base64; text
 * whose first data line is a vPDQ line; binary (more than 1 byte in 32
 * NUL or a control character that text does not use, and more than one
 * such byte): a video or a file known by its digests; anything else,
 * UTF-16 text included, is a hash list. */
typedef enum hc_file_kind {
    HC_FILE_LIST,
    HC_FILE_VPDQ,
    HC_FILE_TMK,   /* a .tmk file or its base64 (hc_tmk_form_of) */
    HC_FILE_IMAGE,
    HC_FILE_BINARY
} hc_file_kind;
hc_file_kind hc_file_kind_of(const char *path);
/* 1 when the video reader opens the file (an allowed container and codec). */
int hc_is_video_file(const hc_hasher_cfg *cfg, const hm_video_opts *opts, const char *path);

#endif
