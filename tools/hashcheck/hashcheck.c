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
            "  --bktree            also build the BK-tree (for benchmarks)\n");
}

static void usage_match(FILE *f) {
    fprintf(f,
            "usage: hashcheck match (--index FILE | --list LIST...) [options] INPUT...\n"
            "\n"
            "Each INPUT is a media file (hashed with the types the index holds)\n"
            "or a hash written TYPE:HEX (e.g. pdq:f8f8...).  Prints one CSV line\n"
            "per hit: input,type,distance,threshold,list,entry_id,labels\n"
            "Exit status: 0 nothing matched, 1 something matched, 2 errors.\n"
            "\n"
            "options:\n"
            "  --index FILE        an index file from 'hashcheck index build'\n"
            "  --list LIST         a hash list (repeatable), loaded as 'index build' does\n"
            "  --radius R          match within R bits whatever the lists' thresholds\n"
            "  --dihedral          PDQ: also match rotations and mirrors\n"
            "  --structure S       auto, scan, mih, bktree (results are identical)\n");
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

static int cmd_index_build(int argc, char **argv) {
    list_args la;
    const char *out = NULL;
    hm_index *idx = NULL;
    int i, rc = 2;
    memset(&la, 0, sizeof la);
    hm_list_load_opts_init(&la.opts);
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        int r;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage_index(stdout);
            return 0;
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc) {
            out = argv[++i];
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
    if (!out || i >= argc) {
        fprintf(stderr, "hashcheck: index build needs -o OUT and at least one list\n");
        goto usage_error;
    }
    if (hm_index_create(&idx) != HM_OK) return 2;
    if (la.bktree)
        hm_index_set(idx, HM_INDEX_STRUCTURES, (1 << HM_STRUCT_MIH) | (1 << HM_STRUCT_BKTREE));
    rc = 1;
    if (load_lists(idx, &la, argv + i, argc - i) == 0) {
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
    return rc;
usage_error:
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

static int cmd_match(int argc, char **argv) {
    list_args la;
    const char *index_path = NULL;
    char **lists = calloc((size_t)argc + 1, sizeof *lists);
    int nlists = 0, i, errors = 0, matched = 0;
    hm_query_opts qo;
    hm_index *idx = NULL;
    hm_hasher *h = NULL;
    hm_results *res = NULL;
    memset(&la, 0, sizeof la);
    hm_list_load_opts_init(&la.opts);
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
        } else if (hm_hash_file(h, argv[i], types, q, 16, &n, NULL) != HM_OK) {
            fprintf(stderr, "hashcheck: %s\n", hm_hasher_errmsg(h));
            errors++;
            continue;
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
    usage(stderr);
    return 2;
}
