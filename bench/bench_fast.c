/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_fast: how far fast-mode hashes are from the exact ones.
 *
 *   bench_fast [-s SIDE,SIDE,...] FILE...
 *
 * For every file, the Hamming distances between the exact hashes and
 *  - the library's fast mode (HM_HASHER_FAST, short side kept >=
 *    HM_FAST_MIN_SIDE), mode "lib";
 *  - for each SIDE given with -s (default 256,384,512,768,1024,1536), the same
 *    reduced-scale decode done here with libjpeg-turbo at the scale fast
 *    mode would pick for HM_FAST_MIN_SIDE = SIDE, hashed with
 *    hm_hash_pixels, mode "emu".  This shows which HM_FAST_MIN_SIDE would
 *    meet an accuracy target without rebuilding the library.  The emulation
 *    at SIDE = HM_FAST_MIN_SIDE must equal the library's fast mode bit for
 *    bit; a mismatch is reported and makes the exit status 1.
 *
 * Prints TSV:  path  mode  side  denom  pdq  phash  dhash  ahash
 * (denom: the DCT scale 1/denom used, 1 = full size, hashes equal).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "hashmatch.h"

#define MAX_SIDES 16

/* The scale fast mode picks: the largest 1/denom keeping short >= side. */
static unsigned pick_denom(unsigned w, unsigned h, unsigned side) {
    const unsigned short_side = w < h ? w : h;
    unsigned denom = 8;
    while (denom > 1 && short_side / denom < side) denom /= 2;
    return denom;
}

static void die(hm_hasher *h, const char *what, const char *path) {
    fprintf(stderr, "bench_fast: %s %s: %s\n", what, path, h ? hm_last_error() : "");
    exit(1);
}

static void print_row(const char *path, const char *mode, unsigned side,
                      unsigned denom, const hm_hash *exact, const hm_hash *got) {
    printf("%s\t%s\t%u\t%u", path, mode, side, denom);
    for (int k = 0; k < 4; k++) printf("\t%d", hm_hash_distance(&exact[k], &got[k]));
    printf("\n");
}

int main(int argc, char **argv) {
    unsigned sides[MAX_SIDES] = {256, 384, 512, 768, 1024, 1536};
    int nsides = 6, opt, mismatches = 0, compared = 0;
    hm_hasher *h = NULL;

    while ((opt = getopt(argc, argv, "s:")) != -1) {
        if (opt != 's') goto usage;
        nsides = 0;
        for (char *tok = strtok(optarg, ","); tok && nsides < MAX_SIDES;
             tok = strtok(NULL, ","))
            if ((sides[nsides++] = (unsigned)atoi(tok)) == 0) goto usage;
    }
    if (optind >= argc || nsides == 0) goto usage;
    if (hm_hasher_create(&h) != HM_OK) return 1;
    printf("path\tmode\tside\tdenom\tpdq\tphash\tdhash\tahash\n");

    for (int a = optind; a < argc; a++) {
        bench_file f;
        hm_hash exact[16], fast[16];
        hm_image_info ie, ifast;
        size_t n;
        bench_load(&f, argv[a]);
        hm_hasher_set(h, HM_HASHER_FAST, 0);
        if (hm_hash_memory(h, f.data, f.size, HM_TYPES_PERCEPTUAL, exact, 16, &n, &ie) != HM_OK)
            die(h, "hash", f.path);
        hm_hasher_set(h, HM_HASHER_FAST, 1);
        if (hm_hash_memory(h, f.data, f.size, HM_TYPES_PERCEPTUAL, fast, 16, &n, &ifast) != HM_OK)
            die(h, "hash", f.path);
        print_row(f.path, "lib", HM_FAST_MIN_SIDE,
                  ifast.width ? (ie.width + ifast.width / 2) / ifast.width : 0, exact, fast);

        for (int s = 0; s < nsides && bench_is_jpeg(&f); s++) {
            const unsigned denom = pick_denom(ie.width, ie.height, sides[s]);
            hm_hash emu[16];
            unsigned char *img;
            unsigned w, hh;
            int comps;
            if (denom == 1) { /* full-size decode: the exact hashes */
                print_row(f.path, "emu", sides[s], 1, exact, exact);
                continue;
            }
            if (bench_jpeg_decode(&f, denom, &img, &w, &hh, &comps) != 0)
                die(NULL, "decode", f.path);
            if (hm_hash_pixels(h, img, w, hh, (size_t)w * (size_t)comps,
                               comps == 1 ? HM_PIXEL_GRAY8 : HM_PIXEL_RGB24,
                               HM_TYPES_PERCEPTUAL, emu, 16, &n) != HM_OK)
                die(h, "hash pixels", f.path);
            free(img);
            print_row(f.path, "emu", sides[s], denom, exact, emu);
            if (sides[s] == HM_FAST_MIN_SIDE) {
                compared++;
                for (int k = 0; k < 4; k++)
                    if (hm_hash_distance(&emu[k], &fast[k]) != 0 ||
                        (k == 0 && emu[0].quality != fast[0].quality)) {
                        mismatches++;
                        fprintf(stderr, "bench_fast: emulation differs from fast mode "
                                "(%s, hash %d)\n", f.path, k);
                    }
            }
        }
        free(f.data);
    }
    fprintf(stderr, "bench_fast: emulation at side %d checked against fast mode on %d "
            "JPEGs: %d mismatching hashes\n", HM_FAST_MIN_SIDE, compared, mismatches);
    hm_hasher_free(h);
    return mismatches ? 1 : 0;

usage:
    fprintf(stderr, "usage: bench_fast [-s SIDE,SIDE,...] FILE...\n");
    return 2;
}
