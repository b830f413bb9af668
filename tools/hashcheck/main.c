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

static void usage(void) {
    printf(
        "usage: hashcheck COMMAND [options] ...\n"
        "\n"
        "commands:\n"
        "  hash FILE|DIR...            hashes of images and videos (PDQ with quality\n"
        "                              by default): csv, canonical hash list, json, text\n"
        "  video FILE|DIR...           the frames of videos, as vPDQ hashes them\n"
        "  index build -o OUT.hmi LIST|MEDIA|DIR...\n"
        "                              an index file from hash lists and known media\n"
        "  match (--index F | --list L...) FILE|DIR|TYPE:HEX...\n"
        "                              hash and match media in parallel\n"
        "  compare A B                 distances between two files or hashes\n"
        "\n"
        "  hashcheck COMMAND --help    options of a command\n"
        "  hashcheck --version         the library version\n"
        "\n"
        "Directories are walked recursively; a file that fails is reported on\n"
        "stderr and the batch goes on.\n"
        "\n"
        "Exit status of match: 0 nothing matched, 1 something matched, 2 some\n"
        "inputs failed and nothing matched, 3 something matched and some inputs\n"
        "failed, 4 the run could not be completed (index or list unreadable).\n"
        "Every command: 64 usage error; the others' statuses: their --help.\n"
        "Manual: man hashcheck, docs/hashcheck.md.\n");
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("hashcheck (libhashmatch %s)\n", hm_version_string());
        return 0;
    }
    if (argc >= 2 && (hc_is_help(argv[1]) || strcmp(argv[1], "help") == 0)) {
        usage();
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
    } else {
        hc_err("no command given (hash, video, index build, match, compare)");
    }
    return hc_usage_error(NULL);
}
