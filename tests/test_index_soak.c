/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault programs for index files (docs/security.md, "Reliability checks").
 * Without arguments (ctest): kill 20, then flips 2000.
 *
 *   test_index_soak kill [N] [DIR]  N saves killed (SIGKILL) at random
 *       moments: the file is always the complete old or new one, and no
 *       temporary survives the next save.  Short form (ctest) 20, long
 *       form 200.
 *   test_index_soak full DIR        save onto a full file system mounted at
 *       DIR (tests/test_save_full.sh makes a small tmpfs): a clear error,
 *       the old file intact, no temporary.
 *   test_index_soak flips [N]       N random single-bit flips and N/10
 *       random truncations of an index file: every one rejected with
 *       HM_E_CORRUPT, the loaded index untouched.  2,000 by default.
 *
 * The 1,000-commit soak with checked answers is test_index_threads 1000.
 */
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hashmatch.h"
#include "test_util.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* n entries of random PDQ hashes in two lists, under a seed. */
static hm_index *make_index(size_t n, uint64_t seed) {
    hm_index *idx;
    uint32_t l[2];
    const uint64_t keep = g_rng_state;
    g_rng_state = seed;
    hm_index_create(&idx);
    hm_index_list(idx, "one", &l[0]);
    hm_index_list(idx, "two", &l[1]);
    for (size_t i = 0; i < n; i++) {
        hm_hash h;
        char id[32];
        test_random_hash(&h, i % 7 ? HM_HASH_PDQ : HM_HASH_PHASH);
        snprintf(id, sizeof id, "e%zu-%llu", i, (unsigned long long)seed);
        hm_index_add(idx, l[i % 2], &h, id, i % 3 ? "label" : NULL);
    }
    hm_index_commit(idx);
    g_rng_state = keep;
    return idx;
}

static unsigned char *bytes_of(hm_index *idx, size_t *n) {
    void *p = NULL;
    if (hm_index_save_memory(idx, &p, n) != HM_OK) return NULL;
    return p;
}

static int count_temporaries(const char *dir) { return test_count_files(dir, ".tmp."); }

/* Does the file hold exactly one of the two byte strings? */
static int is_one_of(const char *path, const unsigned char *a, size_t na,
                     const unsigned char *b, size_t nb) {
    size_t n = 0;
    unsigned char *f = read_all(path, &n);
    const int ok = f && ((n == na && memcmp(f, a, n) == 0) || (n == nb && memcmp(f, b, n) == 0));
    free(f);
    return ok;
}

/* ---- kill -9 during saves ------------------------------------------------------------ */

static int kill_saves(int kills, const char *dir) {
    char path[512];
    size_t na, nb;
    snprintf(path, sizeof path, "%s/killed.hmi", dir);
    hm_index *a = make_index(60000, 11), *b = make_index(70000, 22);
    unsigned char *ba = bytes_of(a, &na), *bb = bytes_of(b, &nb);
    CHECK(ba && bb);
    CHECK_INT(hm_index_save(a, path), HM_OK);
    double t0 = now();
    CHECK_INT(hm_index_save(b, path), HM_OK);
    const double save_s = now() - t0;
    int wrong = 0, left_max = 0, left_total = 0, saved_some = 0;
    for (int k = 0; k < kills; k++) {
        fflush(NULL);
        const pid_t pid = fork();
        if (pid == 0) { /* saves, one after the other, until killed */
            for (unsigned i = 0;; i++) hm_index_save(i % 2 ? a : b, path);
        }
        /* anywhere in the first few saves, open, write, sync or rename */
        usleep((useconds_t)(test_rand() % (uint64_t)(3e6 * save_s + 1000)));
        kill(pid, SIGKILL);
        int ws;
        waitpid(pid, &ws, 0);
        saved_some += WIFSIGNALED(ws);
        if (!is_one_of(path, ba, na, bb, nb)) wrong++;
        const int left = count_temporaries(dir);
        left_total += left;
        if (left > left_max) left_max = left;
    }
    /* the next save removes whatever a killed writer left */
    CHECK_INT(hm_index_save(a, path), HM_OK);
    const int after = count_temporaries(dir);
    printf("kill -9 during saves: %d kills (a save takes %.1f ms), file neither old nor "
           "new: %d, temporaries found after a kill: %d in all (at most %d at once), "
           "after the next save: %d\n",
           kills, save_s * 1e3, wrong, left_total, left_max, after);
    CHECK_INT(saved_some, kills);
    CHECK_INT(wrong, 0);
    CHECK_INT(after, 0);
    CHECK(is_one_of(path, ba, na, ba, na));
    unlink(path);
    free(ba);
    free(bb);
    hm_index_free(a);
    hm_index_free(b);
    return 0;
}

/* ---- a full file system ------------------------------------------------------------------ */

static int full_fs(const char *dir) {
    char path[512];
    size_t na;
    snprintf(path, sizeof path, "%s/full.hmi", dir);
    hm_index *small = make_index(200, 33), *big = make_index(300000, 44);
    unsigned char *ba = bytes_of(small, &na);
    CHECK_INT(hm_index_save(small, path), HM_OK);
    const int st = hm_index_save(big, path);
    printf("save onto a full file system: status %d, \"%s\"\n", st, hm_last_error());
    CHECK_INT(st, HM_E_IO);
    CHECK(strstr(hm_last_error(), strerror(ENOSPC)) != NULL);
    CHECK(strstr(hm_last_error(), "full.hmi") != NULL);
    CHECK(is_one_of(path, ba, na, ba, na)); /* the old file, intact */
    CHECK_INT(count_temporaries(dir), 0);
    /* and the space is back: a small save still fits */
    CHECK_INT(hm_index_save(small, path), HM_OK);
    unlink(path);
    free(ba);
    hm_index_free(small);
    hm_index_free(big);
    return 0;
}

/* ---- bit flips and truncations --------------------------------------------------------------- */

static int flips(int n) {
    size_t size;
    hm_index *src = make_index(3000, 55), *idx;
    unsigned char *file = bytes_of(src, &size);
    hm_index_create(&idx);
    CHECK(file != NULL);
    CHECK_INT(hm_index_load_memory(idx, file, size), HM_OK);
    hm_index_stats before, after;
    hm_index_stats_get(idx, &before);
    int accepted = 0, wrong_code = 0;
    for (int i = 0; file && i < n; i++) {
        const size_t off = (size_t)(test_rand() % size);
        const unsigned char bit = (unsigned char)(1u << (test_rand() % 8));
        file[off] ^= bit;
        const int st = hm_index_load_memory(idx, file, size);
        file[off] ^= bit;
        if (st == HM_OK) accepted++;
        else if (st != HM_E_CORRUPT) wrong_code++;
    }
    for (int i = 0; file && i < n / 10; i++) {
        const int st = hm_index_load_memory(idx, file, (size_t)(test_rand() % size));
        if (st == HM_OK) accepted++;
        else if (st != HM_E_CORRUPT) wrong_code++;
    }
    hm_index_stats_get(idx, &after);
    printf("%d bit flips and %d truncations of a %zu-byte index file: %d accepted, "
           "%d with another status than HM_E_CORRUPT\n",
           n, n / 10, size, accepted, wrong_code);
    CHECK_INT(accepted, 0);
    CHECK_INT(wrong_code, 0);
    CHECK(after.generation == before.generation && after.entries == before.entries);
    free(file);
    hm_index_free(src);
    hm_index_free(idx);
    return 0;
}

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "";
    g_rng_state ^= (uint64_t)time(NULL); /* random moments, random flips */
    if (strcmp(what, "kill") == 0) {
        char tmp[] = "/tmp/hm_kill_XXXXXX";
        const char *dir = argc > 3 ? argv[3] : mkdtemp(tmp);
        kill_saves(argc > 2 ? atoi(argv[2]) : 20, dir);
        if (argc <= 3) rmdir(dir);
    } else if (strcmp(what, "full") == 0 && argc > 2) {
        full_fs(argv[2]);
    } else if (strcmp(what, "flips") == 0) {
        flips(argc > 2 ? atoi(argv[2]) : 2000);
    } else if (argc == 1) {
        char tmp[] = "/tmp/hm_kill_XXXXXX";
        const char *dir = mkdtemp(tmp);
        kill_saves(20, dir);
        rmdir(dir);
        flips(2000);
    } else {
        fprintf(stderr, "usage: test_index_soak [kill [N] [DIR] | full DIR | flips [N]]\n");
        return 2;
    }
    return test_summary("test_index_soak");
}
