/* SPDX-License-Identifier: BSD-3-Clause */
/* hashcheck index build: an index file from hash lists and from media. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hc.h"

static void usage(void) {
    printf(
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
        "  --crops             media images: also add the hashes of 9 crops of 90%%\n"
        "                      of each side, so that copies cropped up to ~10%% match\n"
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
        "  -j N, -L, --progress, --no-progress, -q   as for 'hashcheck hash'\n"
        "                      (-q: no per-list counts either)\n"
        "\n"
        "Exit status: 0 success; 1 an input failed (a hash list: a bad line in\n"
        "strict mode, or nothing loaded from it: nothing is written; a media file:\n"
        "reported, skipped, the index is written); 2 the index could not be\n"
        "written (or out of memory); 64 usage error.\n");
}

/* ---- hash lists (shared with match --list) --------------------------------- */

static int list_format(const char *s) {
    static const char *names[] = {"auto", "plain", "typed", "pytx-csv", "canonical"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

void hc_list_args_init(hc_list_args *la) {
    memset(la, 0, sizeof *la);
    hm_list_load_opts_init(&la->opts);
}

int hc_list_option(int argc, char **argv, int *i, hc_list_args *la) {
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
    const char *v = argv[*i + 1];
    if (strcmp(a, "--list-format") == 0) {
        if ((la->opts.format = list_format(v)) < 0) {
            hc_err("unknown list format '%s' (auto, plain, typed, pytx-csv, canonical)", v);
            return -1;
        }
    } else if (strcmp(a, "--type") == 0) {
        if (!(la->opts.hash_type = hm_hash_type_from_name(v))) {
            hc_err("unknown hash type '%s'", v);
            return -1;
        }
    } else if (strcmp(a, "--labels") == 0) {
        la->opts.labels = v;
    } else if (strcmp(a, "--list-name") == 0) {
        la->opts.list = v;
    } else {
        return 0;
    }
    ++*i;
    return 1;
}

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
        hc_err("%s", hm_index_errmsg(idx));
        if (st == HM_E_INVALID_ARGUMENT && r.format == HM_LIST_PLAIN && !la->opts.hash_type)
            hc_err("give the hash type of a list of bare hashes with --type (pdq, phash, "
                   "dhash, ahash, md5, sha256)");
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
    size_t images, videos, files, hashes, frames, low, add_errors;
} build_ctx;

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
    if (m->kind == HC_KIND_VIDEO && m->nframes) {
        size_t added = 0;
        hm_status st = hm_index_add_video(c->idx, c->list, m->frames, m->nframes, id,
                                          c->labels, &added);
        if (st != HM_OK) {
            sb_printf(&s->err, "hashcheck: %s: %s\n", path, hm_index_errmsg(c->idx));
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
            sb_printf(&s->err, "hashcheck: %s: %s\n", path, hm_index_errmsg(c->idx));
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

/* Known videos given with --video / --vpdq; 0 on success. */
static int add_named_videos(build_ctx *c, const char *list_name, char **videos, int nv,
                            char **vpdqs, int nq) {
    hm_hasher *h = NULL;
    uint32_t list;
    int rc = 0;
    if (!nv && !nq) return 0;
    if (hm_index_list(c->idx, list_name, &list) != HM_OK) {
        hc_err("%s", hm_index_errmsg(c->idx));
        return 1;
    }
    if (hc_hasher_new(&c->hcfg, &h) != HM_OK) {
        hc_err("out of memory");
        return 1;
    }
    for (int k = 0; k < nv + nq && !rc; k++) {
        const char *path = k < nv ? videos[k] : vpdqs[k - nv];
        hm_video_frame *fr = NULL;
        size_t n = 0, added = 0;
        char id[256], err[600];
        const char *b = strrchr(path, '/');
        snprintf(id, sizeof id, "%s", b ? b + 1 : path); /* base name, no extension */
        char *dot = strrchr(id, '.');
        if (dot && dot != id) *dot = '\0';
        if (k < nv) {
            hm_video_opts vo = c->mo.video;
            hm_video *v;
            vo.types = HM_TYPE_BIT(HM_HASH_PDQ);
            hm_status st = hm_video_open_file(h, path, &vo, &v);
            if (st != HM_OK) {
                hc_err("%s (%s)", hm_hasher_errmsg(h), hm_strerror(st));
                rc = 1;
                break;
            }
            size_t cap = 0;
            int got;
            for (;;) {
                if (n == cap) {
                    cap = cap ? 2 * cap : 64;
                    hm_video_frame *x = realloc(fr, cap * sizeof *x);
                    if (!x) {
                        st = HM_E_NO_MEMORY;
                        break;
                    }
                    fr = x;
                }
                if ((st = hm_video_next(v, &fr[n], &got)) != HM_OK || !got) break;
                n++;
            }
            hm_video_close(v);
            if (st != HM_OK) {
                hc_err("%s: %s (%s)", path, hm_hasher_errmsg(h), hm_strerror(st));
                rc = 1;
            }
        } else if (hc_read_vpdq(path, &fr, &n, err, sizeof err) != 0) {
            hc_err("%s", err);
            rc = 1;
        }
        if (!rc && hm_index_add_video(c->idx, list, fr, n, id, NULL, &added) != HM_OK) {
            hc_err("%s", hm_index_errmsg(c->idx));
            rc = 1;
        }
        if (!rc)
            fprintf(stderr, "hashcheck: %s: video %s, %zu of %zu %s kept\n", path, id, added,
                    n, hc_plural(n, "frame", "frames"));
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
        hc_err("%s: %s", path, hm_index_errmsg(c->idx));
        rc = 1;
    } else {
        fprintf(stderr, "hashcheck: %s: vPDQ hashes of a video, %zu of %zu %s kept\n", path,
                added, n, hc_plural(n, "frame", "frames"));
    }
    free(fr);
    return rc;
}

int cmd_index(int argc, char **argv) {
    build_ctx c;
    hc_list_args la;
    hc_batch_cfg bc;
    const char *out = NULL, *video_list = "videos";
    char **videos = calloc((size_t)argc + 1, sizeof *videos);
    char **vpdqs = calloc((size_t)argc + 1, sizeof *vpdqs);
    int nv = 0, nq = 0, i, npos = 0, rc = HC_EXIT_FATAL;
    unsigned extra = 0; /* HM_WANT_TRIMMED, HM_WANT_CROPS */
    memset(&c, 0, sizeof c);
    hc_list_args_init(&la);
    hc_batch_cfg_init(&bc);
    hc_hasher_cfg_init(&c.hcfg);
    hm_video_opts_init(&c.mo.video);
    c.mo.types = HM_TYPE_BIT(HM_HASH_PDQ) | HM_TYPE_BIT(HM_HASH_MD5);
    c.mo.videos = 1;
    c.mo.crypto_fallback = 1;
    if (!videos || !vpdqs) {
        hc_err("out of memory");
        goto done;
    }
    if (argc < 1 || strcmp(argv[0], "build") != 0) {
        if (argc >= 1 && hc_is_help(argv[0])) {
            usage();
            rc = 0;
            goto done;
        }
        hc_err("the index command is 'hashcheck index build'");
        goto usage_error;
    }
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r;
        if (strcmp(a, "--") == 0) {
            while (++i < argc) argv[npos++] = argv[i];
            break;
        } else if (hc_is_help(a)) {
            usage();
            rc = 0;
            goto done;
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(a, "--video") == 0 && i + 1 < argc) {
            videos[nv++] = argv[++i];
        } else if (strcmp(a, "--vpdq") == 0 && i + 1 < argc) {
            vpdqs[nq++] = argv[++i];
        } else if (strcmp(a, "--video-list") == 0 && i + 1 < argc) {
            video_list = argv[++i];
        } else if (strcmp(a, "--format") == 0 && i + 1 < argc) {
            /* the older name of --list-format */
            if ((la.opts.format = list_format(argv[++i])) < 0) {
                hc_err("unknown list format '%s' (auto, plain, typed, pytx-csv, canonical)",
                       argv[i]);
                goto usage_error;
            }
        } else if (strcmp(a, "--types") == 0 && i + 1 < argc) {
            if (!(c.mo.types = hc_parse_types(argv[++i]))) goto usage_error;
        } else if (strcmp(a, "--id") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(v, "path") == 0) c.id_name = 0;
            else if (strcmp(v, "name") == 0) c.id_name = 1;
            else {
                hc_err("--id takes path or name");
                goto usage_error;
            }
        } else if (strcmp(a, "--keep-low-quality") == 0) {
            c.keep_low = 1;
        } else if (strcmp(a, "--trim") == 0) {
            extra |= HM_WANT_TRIMMED;
        } else if (strcmp(a, "--crops") == 0) {
            extra |= HM_WANT_CROPS;
        } else if ((r = hc_list_option(argc, argv, &i, &la)) != 0 ||
                   (r = hc_video_option(argc, argv, &i, &c.mo.video)) != 0 ||
                   (r = hc_hasher_option(argc, argv, &i, &c.hcfg)) != 0 ||
                   (r = hc_batch_option(argc, argv, &i, &bc)) != 0) {
            if (r < 0) goto usage_error;
        } else if (a[0] == '-' && a[1] != '\0') {
            hc_err("unknown option '%s'", a);
            goto usage_error;
        } else {
            argv[npos++] = argv[i]; /* operands and options may be mixed */
        }
    }
    if (!out || (npos == 0 && !nv && !nq)) {
        hc_err("index build needs -o OUT and at least one list, media file or video");
        goto usage_error;
    }
    c.mo.types |= extra;
    if (hm_index_create(&c.idx) != HM_OK) {
        hc_err("out of memory");
        goto done;
    }
    if (la.bktree)
        hm_index_set(c.idx, HM_INDEX_STRUCTURES, (1 << HM_STRUCT_MIH) | (1 << HM_STRUCT_BKTREE));
    c.labels = la.opts.labels;
    /* 1. hash lists and vPDQ files, in argument order; media are collected.
     * With an explicit --list-format, a file that is neither an image nor
     * a video is a list, however binary it looks. */
    int list_failed = 0, media_list_made = 0;
    la.quiet = bc.quiet;
    for (int k = 0; k < npos && !list_failed; k++) {
        struct stat sb;
        const char *p = argv[k];
        const int is_file = stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
        const hc_file_kind kind = is_file ? hc_file_kind_of(p) : HC_FILE_BINARY;
        if (kind == HC_FILE_LIST ||
            (is_file && kind == HC_FILE_BINARY && la.opts.format != HM_LIST_AUTO &&
             !hc_is_video_file(&c.hcfg, &c.mo.video, p))) {
            list_failed = hc_load_list(c.idx, &la, p);
            continue;
        }
        if (!media_list_made) { /* media and vPDQ files share one list */
            const char *ln = la.opts.list ? la.opts.list : "media";
            if (hm_index_list(c.idx, ln, &c.list) != HM_OK) {
                hc_err("%s", hm_index_errmsg(c.idx));
                list_failed = 1;
                break;
            }
            media_list_made = 1;
        }
        if (kind == HC_FILE_VPDQ) {
            list_failed = add_vpdq_arg(&c, p);
        } else if (hc_walk(&c.media, &argv[k], 1, bc.follow, 0) != 0) {
            hc_err("out of memory");
            list_failed = 1;
        }
    }
    if (!list_failed) list_failed = add_named_videos(&c, video_list, videos, nv, vpdqs, nq);
    if (list_failed) {
        hc_err("nothing written");
        rc = 1;
        goto done;
    }
    /* 2. media, hashed in parallel and staged in input order */
    hc_stats st = {0};
    if (c.media.n) {
        hc_pool_fns fns = {w_init, hc_worker_hasher_free, w_work, w_emit};
        if (hc_pool_run(c.media.n, bc.jobs, bc.quiet ? 0 : bc.progress, &fns, &c, &st) != 0)
            goto done;
        if (!bc.quiet) {
            hc_summary("failed", &st, &c.media, 0);
            fprintf(stderr, "hashcheck: media: %zu %s and %zu other %s (%zu %s), %zu %s (%zu %s)",
                    c.images, hc_plural(c.images, "image", "images"), c.files,
                    hc_plural(c.files, "file", "files"), c.hashes,
                    hc_plural(c.hashes, "hash", "hashes"), c.videos,
                    hc_plural(c.videos, "video", "videos"), c.frames,
                    hc_plural(c.frames, "frame", "frames"));
            if (c.low)
                fprintf(stderr, ", %zu low-quality PDQ %s skipped", c.low,
                        hc_plural(c.low, "hash", "hashes"));
            fputc('\n', stderr);
        }
    }
    if (hm_index_commit(c.idx) != HM_OK) {
        hc_err("%s", hm_index_errmsg(c.idx));
        goto done;
    }
    if (hm_index_save(c.idx, out) != HM_OK) {
        hc_err("%s", hm_index_errmsg(c.idx));
        goto done;
    }
    hm_index_stats is;
    hm_index_stats_get(c.idx, &is);
    fprintf(stderr, "hashcheck: wrote %s: %llu %s in %u %s\n", out,
            (unsigned long long)is.entries, hc_plural(is.entries, "entry", "entries"), is.lists,
            hc_plural(is.lists, "list", "lists"));
    rc = st.failed ? 1 : 0;
done:
    hm_index_free(c.idx);
    hc_inputs_free(&c.media);
    free(videos);
    free(vpdqs);
    return rc;
usage_error:
    rc = hc_usage_error("index build");
    goto done;
}
