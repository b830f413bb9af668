/*
 * hashcheck — command-line front end of libhashmatch.
 *
 *   hashcheck hash [--types pdq,phash,dhash,ahash,md5,sha256] FILE...
 *
 * prints one CSV line per file and hash type: file,type,hash,quality
 * (quality empty for types without one).  Failures are reported per file
 * on stderr; the exit status is 1 if any file failed, 2 on usage errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmatch.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: hashcheck hash [options] FILE...\n"
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
    usage(stderr);
    return 2;
}
