/*
 * hashcheck — command-line front end of libhashmatch.
 *
 *   hashcheck hash [--types pdq,phash,dhash,ahash,md5,sha256] FILE...
 *     one CSV line per file and hash type: file,type,hash,quality
 *     (quality empty for types without one).  Failures are reported per
 *     file on stderr; exit 1 if any file failed, 2 on usage errors.
 *   hashcheck index build -o OUT LIST...
 *     load hash lists, save an index file.
 *   hashcheck match (--index FILE | --list LIST...) INPUT...
 *     match files or TYPE:HEX hashes; one CSV line per hit; exit 0 when
 *     nothing matched, 1 when something did, 2 on errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmatch.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: hashcheck hash [options] FILE...\n"
            "       hashcheck video [options] FILE...\n"
            "       hashcheck index build -o OUT.hmi [options] LIST...\n"
            "       hashcheck match (--index FILE | --list LIST...) [options] INPUT...\n"
            "       hashcheck COMMAND --help\n"
            "\n"
            "\n"
            "Decode each image (format detected from content) and print one CSV\n"
            "line per file and hash type: file,type,hash,quality\n"
            "\n"
            "options:\n"
            "  --types LIST        comma-separated: pdq,phash,dhash,ahash,md5,sha256\n"
            "                      (default: pdq)\n"
            "  --pdq-flavour F     fullres (default; pdqhash-python, HMA, GIFCT lists)\n"
            "                      or cpp512 (the C++ reference CLI's 512x512 prescale)\n"
            "  --exif-orientation  apply JPEG EXIF orientation before hashing\n"
            "  --fast              decode large JPEGs at reduced scale (approximate)\n"
            "  --max-pixels N      refuse images over N pixels (default 100000000)\n"
            "  --max-bytes N       refuse inputs over N bytes (default 268435456)\n"
            "  -h, --help          this help\n"
            "  --version           print the library version\n");
}

static unsigned parse_types(const char *list) {
    unsigned mask = 0;
    char *copy = strdup(list), *save = NULL;
    if (!copy) return 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int type = hm_hash_type_from_name(t);
        if (!type) {
            fprintf(stderr, "hashcheck: unknown hash type '%s'\n", t);
            free(copy);
            return 0;
        }
        mask |= HM_TYPE_BIT(type);
    }
    free(copy);
    return mask;
}

/* CSV field: quoted when it holds a comma, quote or line break. */
static void put_csv(const char *s) {
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"') putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static int parse_limit(const char *arg, int64_t *out) {
    char *end;
    long long v = strtoll(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || v <= 0) return 0;
    *out = v;
    return 1;
}

static int cmd_hash(int argc, char **argv) {
    unsigned types = HM_TYPE_BIT(HM_HASH_PDQ);
    hm_hasher *h = NULL;
    int failures = 0, i;
    if (hm_hasher_create(&h) != HM_OK) {
        fprintf(stderr, "hashcheck: out of memory\n");
        return 2;
    }
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        int64_t v;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            hm_hasher_free(h);
            return 0;
        } else if (strcmp(a, "--types") == 0 && i + 1 < argc) {
            if (!(types = parse_types(argv[++i]))) goto usage_error;
        } else if (strcmp(a, "--pdq-flavour") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "fullres") == 0) v = HM_PDQ_FULLRES;
            else if (strcmp(f, "cpp512") == 0) v = HM_PDQ_CPP_512;
            else {
                fprintf(stderr, "hashcheck: unknown PDQ flavour '%s'\n", f);
                goto usage_error;
            }
            hm_hasher_set(h, HM_PARAM_PDQ_FLAVOUR, v);
        } else if (strcmp(a, "--exif-orientation") == 0) {
            hm_hasher_set(h, HM_PARAM_APPLY_EXIF_ORIENTATION, 1);
        } else if (strcmp(a, "--fast") == 0) {
            hm_hasher_set(h, HM_PARAM_FAST, 1);
        } else if ((strcmp(a, "--max-pixels") == 0 ||
                    strcmp(a, "--max-bytes") == 0) && i + 1 < argc) {
            if (!parse_limit(argv[++i], &v)) {
                fprintf(stderr, "hashcheck: %s needs a positive integer\n", a);
                goto usage_error;
            }
            hm_hasher_set(h, a[6] == 'p' ? HM_PARAM_MAX_PIXELS
                                         : HM_PARAM_MAX_INPUT_BYTES, v);
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "hashcheck: unknown option '%s'\n", a);
            goto usage_error;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "hashcheck: no files given\n");
        goto usage_error;
    }
    for (; i < argc; i++) {
        hm_hash out[16];
        size_t n = 0;
        hm_status st = hm_hash_file(h, argv[i], types, out, 16, &n, NULL);
        if (st != HM_OK) {
            fprintf(stderr, "hashcheck: %s (%s)\n", hm_hasher_errmsg(h),
                    hm_strerror(st));
            failures++;
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            char hex[HM_HASH_STRING_MAX];
            hm_hash_to_string(&out[k], hex, sizeof hex);
            put_csv(argv[i]);
            printf(",%s,%s,", hm_hash_type_name(out[k].type), hex);
            if (out[k].quality >= 0) printf("%d", out[k].quality);
            putchar('\n');
        }
    }
    hm_hasher_free(h);
    if (failures) fprintf(stderr, "hashcheck: %d file(s) failed\n", failures);
    return failures ? 1 : 0;
usage_error:
    hm_hasher_free(h);
    usage(stderr);
    return 2;
}

/* ---- video ---------------------------------------------------------------- */

typedef struct video_args {
    hm_video_opts o;
    int vpdq_out;
} video_args;

/* Options shared by the commands that read videos; 1 when argv[*i] was
 * one of them, -1 on a bad value. */
static int video_option(int argc, char **argv, int *i, video_args *va) {
    const char *a = argv[*i];
    if (strcmp(a, "--vpdq-out") == 0) {
        va->vpdq_out = 1;
        return 1;
    }
    if (strcmp(a, "--apply-rotation") == 0) {
        va->o.apply_rotation = 1;
        return 1;
    }
    if (*i + 1 >= argc) return 0;
    const char *v = argv[*i + 1];
    char *end;
    if (strcmp(a, "--mode") == 0) {
        if (strcmp(v, "interval") == 0) va->o.mode = HM_FRAMES_INTERVAL;
        else if (strcmp(v, "keyframes") == 0) va->o.mode = HM_FRAMES_KEYFRAMES;
        else if (strcmp(v, "all") == 0) va->o.mode = HM_FRAMES_ALL;
        else return -1;
    } else if (strcmp(a, "--interval") == 0) {
        va->o.interval = strtod(v, &end);
        if (*end || !(va->o.interval >= 0)) return -1;
    } else if (strcmp(a, "--size") == 0) {
        long n = strtol(v, &end, 10);
        if (*end || n < 0 || n > 4096) return -1;
        va->o.downscale = (int32_t)n;
    } else {
        return 0;
    }
    ++*i;
    return 1;
}

/* All hashed frames of a video; 0 on success (errors printed). */
static int read_video(hm_hasher *h, const char *path, const hm_video_opts *o,
                      hm_video_frame **frames, size_t *n) {
    hm_video *v;
    size_t cap = 0;
    int got;
    hm_status st = hm_video_open_file(h, path, o, &v);
    *frames = NULL;
    *n = 0;
    if (st != HM_OK) {
        fprintf(stderr, "hashcheck: %s (%s)\n", hm_hasher_errmsg(h), hm_strerror(st));
        return 1;
    }
    for (;;) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            hm_video_frame *f = realloc(*frames, cap * sizeof *f);
            if (!f) {
                st = HM_E_NO_MEMORY;
                break;
            }
            *frames = f;
        }
        if ((st = hm_video_next(v, &(*frames)[*n], &got)) != HM_OK || !got) break;
        ++*n;
    }
    hm_video_info info;
    hm_video_get_info(v, &info);
    if (st != HM_OK)
        fprintf(stderr, "hashcheck: %s: %s (%s)\n", path, hm_hasher_errmsg(h), hm_strerror(st));
    else if (info.partial)
        fprintf(stderr, "hashcheck: %s: damaged or truncated; %zu frames hashed (partial)\n",
                path, *n);
    hm_video_close(v);
    return st != HM_OK;
}

/* Frames from a vPDQ hash file ("frame,quality,pdqhex,timestamp" lines). */
static int read_vpdq(const char *path, hm_video_frame **frames, size_t *n) {
    FILE *f = fopen(path, "r");
    char line[512];
    size_t cap = 0, lineno = 0;
    *frames = NULL;
    *n = 0;
    if (!f) {
        fprintf(stderr, "hashcheck: %s: cannot open\n", path);
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            hm_video_frame *v = realloc(*frames, cap * sizeof *v);
            if (!v) break;
            *frames = v;
        }
        if (hm_vpdq_parse_line(line, &(*frames)[*n]) != HM_OK) {
            fprintf(stderr, "hashcheck: %s:%zu: not a vPDQ line\n", path, lineno);
            fclose(f);
            return 1;
        }
        ++*n;
    }
    fclose(f);
    return 0;
}

static void usage_video(FILE *f) {
    fprintf(f,
            "usage: hashcheck video [options] FILE...\n"
            "\n"
            "Hash the frames of videos (and animated GIF/WebP) as vPDQ does.\n"
            "Prints file,frame,timestamp,type,hash,quality per frame and type,\n"
            "or vPDQ's own lines (frame,quality,pdqhex,timestamp) with --vpdq-out.\n"
            "\n"
            "options:\n"
            "  --mode M            interval (vPDQ's rule, default), keyframes, all\n"
            "  --interval S        seconds between hashed frames (default 1; in\n"
            "                      keyframe mode the least gap between keyframes)\n"
            "  --size N            hash frames scaled to N x N (vpdq's -s)\n"
            "  --types LIST        pdq (default), phash, dhash, ahash\n"
            "  --apply-rotation    turn frames upright by the rotation metadata\n"
            "  --vpdq-out          vPDQ's line format (PDQ only)\n");
}

static int cmd_video(int argc, char **argv) {
    video_args va;
    hm_hasher *h;
    int i, failures = 0;
    memset(&va, 0, sizeof va);
    hm_video_opts_init(&va.o);
    for (i = 0; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage_video(stdout);
            return 0;
        } else if (strcmp(argv[i], "--types") == 0 && i + 1 < argc) {
            if (!(va.o.types = parse_types(argv[++i]))) goto usage_error;
        } else if ((r = video_option(argc, argv, &i, &va)) != 0) {
            if (r < 0) {
                fprintf(stderr, "hashcheck: bad value for %s\n", argv[i]);
                goto usage_error;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "hashcheck: unknown option '%s'\n", argv[i]);
            goto usage_error;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "hashcheck: no files given\n");
        goto usage_error;
    }
    if (hm_hasher_create(&h) != HM_OK) return 2;
    for (; i < argc; i++) {
        hm_video_frame *fr;
        size_t n;
        failures += read_video(h, argv[i], &va.o, &fr, &n);
        for (size_t k = 0; k < n; k++) {
            char line[200], hex[HM_HASH_STRING_MAX];
            if (va.vpdq_out) {
                if (hm_vpdq_format_line(&fr[k], line, sizeof line) == HM_OK) puts(line);
                continue;
            }
            for (int t = 0; t < fr[k].nhashes; t++) {
                const hm_hash *x = &fr[k].hashes[t];
                hm_hash_to_string(x, hex, sizeof hex);
                put_csv(argv[i]);
                printf(",%llu,%.3f,%s,%s,", (unsigned long long)fr[k].frame_number,
                       fr[k].timestamp, hm_hash_type_name(x->type), hex);
                if (x->quality >= 0) printf("%d", x->quality);
                putchar('\n');
            }
        }
        free(fr);
    }
    hm_hasher_free(h);
    if (failures) fprintf(stderr, "hashcheck: %d file(s) failed\n", failures);
    return failures ? 1 : 0;
usage_error:
    usage_video(stderr);
    return 2;
}

/* File base name without extension: the id of a known video. */
static void base_id(const char *path, char *out, size_t cap) {
    const char *b = strrchr(path, '/');
    snprintf(out, cap, "%s", b ? b + 1 : path);
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = '\0';
}

/* ---- index build / match ----------------------------------------------- */

static void usage_index(FILE *f) {
    fprintf(f,
            "usage: hashcheck index build -o OUT.hmi [options] LIST...\n"
            "\n"
            "Load hash lists and save them as an index file.  Formats\n"
            "(detected per file unless --format is given): one hash per line;\n"
            "\"<type> <hash>\" lines; python-threatexchange dataset CSV;\n"
            "hash_type,hash,entry_id,list,labels CSV.  See docs/hashlist-formats.md.\n"
            "\n"
            "options:\n"
            "  -o, --output FILE   index file to write (atomically)\n"
            "  --format F          auto, plain, typed, pytx-csv, canonical\n"
            "  --type T            hash type of plain lines (pdq, phash, ...)\n"
            "  --list-name NAME    list for lines that name none (default: the\n"
            "                      file's base name)\n"
            "  --labels TEXT       labels for lines that carry none\n"
            "  --lenient           skip malformed lines (reported) instead of failing\n"
            "  --bktree            also build the BK-tree (for benchmarks)\n"
            "  --video FILE        add a known video (repeatable): its frames, with the\n"
            "                      file's base name as id (see 'hashcheck video' options)\n"
            "  --vpdq FILE         add a known video from a vPDQ hash file (repeatable)\n"
            "  --video-list NAME   list of the known videos (default \"videos\")\n");
}

static void usage_match(FILE *f) {
    fprintf(f,
            "usage: hashcheck match (--index FILE | --list LIST...) [options] INPUT...\n"
            "\n"
            "Each INPUT is a media file (hashed with the types the index holds)\n"
            "or a hash written TYPE:HEX (e.g. pdq:f8f8...).  Prints one CSV line\n"
            "per hit: input,type,distance,threshold,list,entry_id,labels\n"
            "A video is matched frame by frame against the known videos with the\n"
            "vPDQ rule; each match prints\n"
            "input,vpdq,query_percent,target_percent,list,video_id,labels\n"
            "Exit status: 0 nothing matched, 1 something matched, 2 errors.\n"
            "\n"
            "options:\n"
            "  --index FILE        an index file from 'hashcheck index build'\n"
            "  --list LIST         a hash list (repeatable), loaded as 'index build' does\n"
            "  --radius R          match within R bits whatever the lists' thresholds\n"
            "  --dihedral          PDQ: also match rotations and mirrors\n"
            "  --structure S       auto, scan, mih, bktree (results are identical)\n"
            "  --mode, --interval, --size   how videos are sampled ('hashcheck video')\n");
}

static int list_format(const char *s) {
    static const char *names[] = {"auto", "plain", "typed", "pytx-csv", "canonical"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

typedef struct list_args {
    hm_list_load_opts opts;
    int bktree;
} list_args;

/* Options shared by 'index build' and 'match --list'; returns 1 when
 * argv[*i] was one of them, -1 on a bad value. */
static int list_option(int argc, char **argv, int *i, list_args *la) {
    const char *a = argv[*i];
    if (strcmp(a, "--lenient") == 0) {
        la->opts.strict = 0;
        return 1;
    }
    if (strcmp(a, "--bktree") == 0) {
        la->bktree = 1;
        return 1;
    }
    if (*i + 1 >= argc) return 0;
    if (strcmp(a, "--format") == 0) {
        if ((la->opts.format = list_format(argv[++*i])) < 0) return -1;
        return 1;
    }
    if (strcmp(a, "--type") == 0) {
        if (!(la->opts.hash_type = hm_hash_type_from_name(argv[++*i]))) return -1;
        return 1;
    }
    if (strcmp(a, "--labels") == 0) {
        la->opts.labels = argv[++*i];
        return 1;
    }
    return 0;
}

static void print_line_error(void *user, const char *source, uint64_t line,
                             const char *msg) {
    (void)user;
    fprintf(stderr, "hashcheck: %s:%llu: %s (skipped)\n", source,
            (unsigned long long)line, msg);
}

/* Load lists into idx and commit; 0 on success. */
static int load_lists(hm_index *idx, list_args *la, char **paths, int n) {
    la->opts.on_error = la->opts.strict ? NULL : print_line_error;
    for (int k = 0; k < n; k++) {
        hm_list_load_report r;
        hm_status st = hm_index_load_list(idx, paths[k], &la->opts, &r);
        if (st != HM_OK) {
            fprintf(stderr, "hashcheck: %s (%s)\n", hm_index_errmsg(idx), hm_strerror(st));
            return 1;
        }
        fprintf(stderr,
                "hashcheck: %s: %llu added, %llu duplicates, %llu rejected, "
                "%llu unsupported, %llu negative\n",
                paths[k], (unsigned long long)r.added, (unsigned long long)r.duplicates,
                (unsigned long long)r.rejected, (unsigned long long)r.unsupported,
                (unsigned long long)r.negative);
    }
    if (hm_index_commit(idx) != HM_OK) {
        fprintf(stderr, "hashcheck: %s\n", hm_index_errmsg(idx));
        return 1;
    }
    return 0;
}

/* Add known videos (files or vPDQ hash files) to `list`; 0 on success. */
static int add_videos(hm_index *idx, const char *list_name, char **videos, int nv,
                      char **vpdqs, int nq, const hm_video_opts *o) {
    hm_hasher *h;
    uint32_t list;
    int rc = 0;
    if (!nv && !nq) return 0;
    if (hm_index_list(idx, list_name, &list) != HM_OK || hm_hasher_create(&h) != HM_OK) {
        fprintf(stderr, "hashcheck: %s\n", hm_index_errmsg(idx));
        return 1;
    }
    for (int k = 0; k < nv + nq && !rc; k++) {
        const char *path = k < nv ? videos[k] : vpdqs[k - nv];
        hm_video_frame *fr;
        size_t n, added;
        char id[256];
        rc = k < nv ? read_video(h, path, o, &fr, &n) : read_vpdq(path, &fr, &n);
        base_id(path, id, sizeof id);
        if (!rc && hm_index_add_video(idx, list, fr, n, id, NULL, &added) != HM_OK) {
            fprintf(stderr, "hashcheck: %s\n", hm_index_errmsg(idx));
            rc = 1;
        }
        if (!rc)
            fprintf(stderr, "hashcheck: %s: video %s, %zu frames kept of %zu\n", path, id,
                    added, n);
        free(fr);
    }
    hm_hasher_free(h);
    return rc;
}

static int cmd_index_build(int argc, char **argv) {
    list_args la;
    video_args va;
    const char *out = NULL, *video_list = "videos";
    char **videos = calloc((size_t)argc + 1, sizeof *videos);
    char **vpdqs = calloc((size_t)argc + 1, sizeof *vpdqs);
    int nv = 0, nq = 0;
    hm_index *idx = NULL;
    int i, rc = 2;
    memset(&la, 0, sizeof la);
    memset(&va, 0, sizeof va);
    hm_list_load_opts_init(&la.opts);
    hm_video_opts_init(&va.o);
    if (!videos || !vpdqs) goto usage_error;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        int r;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage_index(stdout);
            free(videos);
            free(vpdqs);
            return 0;
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(a, "--video") == 0 && i + 1 < argc) {
            videos[nv++] = argv[++i];
        } else if (strcmp(a, "--vpdq") == 0 && i + 1 < argc) {
            vpdqs[nq++] = argv[++i];
        } else if (strcmp(a, "--video-list") == 0 && i + 1 < argc) {
            video_list = argv[++i];
        } else if ((r = video_option(argc, argv, &i, &va)) != 0) {
            if (r < 0) {
                fprintf(stderr, "hashcheck: bad value for %s\n", a);
                goto usage_error;
            }
        } else if (strcmp(a, "--list-name") == 0 && i + 1 < argc) {
            la.opts.list = argv[++i];
        } else if ((r = list_option(argc, argv, &i, &la)) != 0) {
            if (r < 0) {
                fprintf(stderr, "hashcheck: bad value for %s\n", a);
                goto usage_error;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "hashcheck: unknown option '%s'\n", a);
            goto usage_error;
        } else {
            break;
        }
    }
    if (!out || (i >= argc && !nv && !nq)) {
        fprintf(stderr, "hashcheck: index build needs -o OUT and at least one list or video\n");
        goto usage_error;
    }
    if (hm_index_create(&idx) != HM_OK) goto usage_error;
    if (la.bktree)
        hm_index_set(idx, HM_INDEX_STRUCTURES, (1 << HM_STRUCT_MIH) | (1 << HM_STRUCT_BKTREE));
    rc = 1;
    if (add_videos(idx, video_list, videos, nv, vpdqs, nq, &va.o) == 0 &&
        load_lists(idx, &la, argv + i, argc - i) == 0) {
        if (hm_index_save(idx, out) != HM_OK) {
            fprintf(stderr, "hashcheck: %s\n", hm_index_errmsg(idx));
        } else {
            hm_index_stats st;
            hm_index_stats_get(idx, &st);
            fprintf(stderr, "hashcheck: wrote %s: %llu entries in %u lists\n", out,
                    (unsigned long long)st.entries, st.lists);
            rc = 0;
        }
    }
    hm_index_free(idx);
    free(videos);
    free(vpdqs);
    return rc;
usage_error:
    free(videos);
    free(vpdqs);
    usage_index(stderr);
    return 2;
}

/* "pdq:f8f8..." -> a hash; 0 when the argument is not of that form. */
static int parse_hash_arg(const char *a, hm_hash *h) {
    const char *colon = strchr(a, ':');
    char name[16];
    if (!colon || colon - a >= (ptrdiff_t)sizeof name) return 0;
    memcpy(name, a, (size_t)(colon - a));
    name[colon - a] = '\0';
    int type = hm_hash_type_from_name(name);
    return type && hm_hash_from_string(type, colon + 1, h) == HM_OK;
}

/* Match a video input with the vPDQ rule; prints matches; returns -1 on
 * errors, else whether something matched. */
static int match_video(hm_index *idx, hm_hasher *h, const char *path,
                       const hm_video_opts *o, hm_results *res) {
    hm_video_frame *fr;
    size_t n;
    if (read_video(h, path, o, &fr, &n)) return -1;
    int st = hm_index_match_video(idx, fr, n, NULL, res);
    free(fr);
    if (st != HM_OK) {
        fprintf(stderr, "hashcheck: %s\n", hm_results_errmsg(res));
        return -1;
    }
    for (size_t k = 0; k < hm_results_video_count(res); k++) {
        const hm_video_match *m = hm_results_video_get(res, k);
        put_csv(path);
        printf(",vpdq,%.1f,%.1f,", m->query_percent, m->target_percent);
        put_csv(m->list_name);
        putchar(',');
        put_csv(m->video_id);
        putchar(',');
        put_csv(m->labels);
        putchar('\n');
    }
    return hm_results_video_count(res) > 0;
}

static int cmd_match(int argc, char **argv) {
    video_args va;
    list_args la;
    const char *index_path = NULL;
    char **lists = calloc((size_t)argc + 1, sizeof *lists);
    int nlists = 0, i, errors = 0, matched = 0;
    hm_query_opts qo;
    hm_index *idx = NULL;
    hm_hasher *h = NULL;
    hm_results *res = NULL;
    memset(&la, 0, sizeof la);
    memset(&va, 0, sizeof va);
    hm_list_load_opts_init(&la.opts);
    hm_video_opts_init(&va.o);
    hm_query_opts_init(&qo);
    if (!lists) return 2;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        int r;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage_match(stdout);
            free(lists);
            return 0;
        } else if (strcmp(a, "--index") == 0 && i + 1 < argc) {
            index_path = argv[++i];
        } else if (strcmp(a, "--list") == 0 && i + 1 < argc) {
            lists[nlists++] = argv[++i];
        } else if (strcmp(a, "--radius") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 0 || v > 256) {
                fprintf(stderr, "hashcheck: --radius needs 0..256\n");
                goto usage_error;
            }
            qo.radius = (int)v;
        } else if (strcmp(a, "--dihedral") == 0) {
            qo.flags |= HM_QUERY_DIHEDRAL;
        } else if (strcmp(a, "--structure") == 0 && i + 1 < argc) {
            static const char *names[] = {"auto", "scan", "mih", "bktree"};
            const char *v = argv[++i];
            qo.structure = -1;
            for (int k = 0; k < 4; k++)
                if (strcmp(v, names[k]) == 0) qo.structure = k;
            if (qo.structure < 0) {
                fprintf(stderr, "hashcheck: unknown structure '%s'\n", v);
                goto usage_error;
            }
        } else if ((r = list_option(argc, argv, &i, &la)) != 0 ||
                   (r = video_option(argc, argv, &i, &va)) != 0) {
            if (r < 0) {
                fprintf(stderr, "hashcheck: bad value for %s\n", a);
                goto usage_error;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "hashcheck: unknown option '%s'\n", a);
            goto usage_error;
        } else {
            break;
        }
    }
    if ((!index_path) == (nlists == 0) || i >= argc) {
        fprintf(stderr, "hashcheck: match needs either --index or --list, and inputs\n");
        goto usage_error;
    }
    if (hm_index_create(&idx) != HM_OK || hm_hasher_create(&h) != HM_OK ||
        hm_results_create(&res) != HM_OK) {
        errors++;
        goto done;
    }
    if (qo.structure == HM_STRUCT_BKTREE) la.bktree = 1;
    if (la.bktree)
        hm_index_set(idx, HM_INDEX_STRUCTURES, (1 << HM_STRUCT_MIH) | (1 << HM_STRUCT_BKTREE));
    if (index_path) {
        if (hm_index_load(idx, index_path) != HM_OK) {
            fprintf(stderr, "hashcheck: %s\n", hm_index_errmsg(idx));
            errors++;
            goto done;
        }
    } else if (load_lists(idx, &la, lists, nlists) != 0) {
        errors++;
        goto done;
    }
    /* hash files with the types the index holds */
    hm_index_stats st;
    unsigned types = 0;
    hm_index_stats_get(idx, &st);
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
        if (st.entries_by_type[t]) types |= HM_TYPE_BIT(t);
    if (types & HM_TYPE_BIT(HM_HASH_PDQ) && (qo.flags & HM_QUERY_DIHEDRAL))
        types |= HM_WANT_PDQ_DIHEDRAL;
    for (; i < argc; i++) {
        hm_hash q[16];
        size_t n = 0;
        if (parse_hash_arg(argv[i], &q[0])) {
            n = 1;
        } else if (!types) {
            continue; /* an empty index matches nothing */
        } else {
            hm_status hs = hm_hash_file(h, argv[i], types, q, 16, &n, NULL);
            if (hs == HM_E_UNKNOWN_FORMAT) { /* not an image: a video? */
                int mv = match_video(idx, h, argv[i], &va.o, res);
                if (mv < 0) errors++;
                else matched |= mv;
                continue;
            }
            if (hs != HM_OK) {
                fprintf(stderr, "hashcheck: %s\n", hm_hasher_errmsg(h));
                errors++;
                continue;
            }
        }
        if (hm_index_query(idx, q, n, &qo, res) != HM_OK) {
            fprintf(stderr, "hashcheck: %s\n", hm_results_errmsg(res));
            errors++;
            continue;
        }
        for (size_t k = 0; k < hm_results_count(res); k++) {
            const hm_match *m = hm_results_get(res, k);
            put_csv(argv[i]);
            printf(",%s,%d,%d,", hm_hash_type_name(m->type), m->distance, m->threshold);
            put_csv(m->list_name);
            putchar(',');
            put_csv(m->entry_id);
            putchar(',');
            put_csv(m->labels);
            putchar('\n');
            matched = 1;
        }
    }
done:
    hm_results_free(res);
    hm_hasher_free(h);
    hm_index_free(idx);
    free(lists);
    return errors ? 2 : matched;
usage_error:
    free(lists);
    usage_match(stderr);
    return 2;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("hashcheck (libhashmatch %s)\n", hm_version_string());
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "hash") == 0) return cmd_hash(argc - 2, argv + 2);
    if (argc >= 3 && strcmp(argv[1], "index") == 0 && strcmp(argv[2], "build") == 0)
        return cmd_index_build(argc - 3, argv + 3);
    if (argc >= 2 && strcmp(argv[1], "match") == 0) return cmd_match(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "video") == 0) return cmd_video(argc - 2, argv + 2);
    usage(stderr);
    return 2;
}
