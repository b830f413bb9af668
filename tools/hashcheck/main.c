/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hashcheck — command-line front end of libhashmatch.
 *
 *   hashcheck hash FILE|DIR...           hashes (CSV, canonical CSV, JSON, text)
 *   hashcheck video FILE|DIR...          video frames as vPDQ hashes them
 *   hashcheck index build -o OUT IN...   an index from hash lists and media
 *   hashcheck match --index F IN...      match media, in parallel (-j)
 *   hashcheck compare A B                distances per hash type
 *
 * Every command takes --help.  Manual: docs/hashcheck.md.
 */
#include <string.h>

#include "hc.h"

static void usage(FILE *f) {
    fprintf(f,
        "usage: hashcheck COMMAND [options] ...\n"
        "\n"
        "commands:\n"
        "  hash FILE|DIR...            hashes of images and videos (PDQ with quality\n"
        "                              by default): csv, canonical hash list, json, text\n"
        "  video FILE|DIR...           the frames of videos, as vPDQ hashes them\n"
        "  index build -o OUT.hmi LIST|MEDIA|DIR...\n"
        "                              an index file from hash lists and known media\n"
        "  match (--index F | --list L...) FILE|DIR|TYPE:HEX...\n"
        "                              hash and match media in parallel; exit 0 nothing\n"
        "                              matched, 1 something matched, 2 errors\n"
        "  compare A B                 distances between two files or hashes\n"
        "\n"
        "  hashcheck COMMAND --help    options of a command\n"
        "  hashcheck --version         the library version\n"
        "\n"
        "Directories are walked recursively; a file that fails is reported on\n"
        "stderr and the batch goes on. Manual: docs/hashcheck.md.\n");
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("hashcheck (libhashmatch %s)\n", hm_version_string());
        return 0;
    }
    if (argc >= 2 && (hc_is_help(argv[1]) || strcmp(argv[1], "help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2) {
        const char *c = argv[1];
        if (strcmp(c, "hash") == 0) return cmd_hash(argc - 2, argv + 2);
        if (strcmp(c, "video") == 0) return cmd_video(argc - 2, argv + 2);
        if (strcmp(c, "index") == 0) return cmd_index(argc - 2, argv + 2);
        if (strcmp(c, "match") == 0) return cmd_match(argc - 2, argv + 2);
        if (strcmp(c, "compare") == 0) return cmd_compare(argc - 2, argv + 2);
        hc_err("unknown command '%s'", c);
    }
    usage(stderr);
    return 2;
}
