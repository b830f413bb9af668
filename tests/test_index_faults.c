/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Faults inside the index, injected where they hurt: the library is linked
 * statically with malloc, calloc, realloc, fsync, fstat and open wrapped
 * (-Wl,--wrap=...), so this program decides when they fail or wait.
 *
 *  - Allocation failures: every allocation of a strict hash-list load
 *    that fails on its last line, of a video add, of a commit, of a
 *    change set's commit and of a load is made to fail in turn; whatever
 *    fails, the index must afterwards hold exactly what it should (a
 *    failed load or add leaves nothing staged, a failed commit leaves
 *    its changes staged).  Before the fix, a failed allocation while a
 *    strict load rolled back left the staging map pointing at dropped
 *    entries, and re-adding them was silently taken as a duplicate.
 *  - A save waiting in fsync must not stall other writers (issue #15:
 *    hm_index_save held the writer lock through write and fsync).
 *  - A file truncated while it is being loaded gives an error, never a
 *    signal (issue #15: the mapped file raised SIGBUS).
 *  - Where there are no unnamed files (open with O_TMPFILE fails), saves
 *    use named temporaries: those of writers killed with SIGKILL go at
 *    the next save, and concurrent saves to one path never take each
 *    other's.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hashmatch.h"
#include "test_util.h"

/* ---- the wrapped calls ------------------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
int __real_fsync(int fd);
int __real_fstat(int fd, struct stat *st);
int __real_open(const char *path, int flags, ...);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
int __wrap_fsync(int fd);
int __wrap_fstat(int fd, struct stat *st);
int __wrap_open(const char *path, int flags, ...);

/* Allocation n (counted from arming) fails; 0: none does.  Only the
 * thread that armed it counts. */
static _Thread_local long g_fail_at, g_allocs;
static _Thread_local int g_failed;

static int alloc_fails(void) {
    if (!g_fail_at) return 0;
    if (++g_allocs != g_fail_at) return 0;
    g_failed = 1;
    return 1;
}

void *__wrap_malloc(size_t n) { return alloc_fails() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return alloc_fails() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) {
    return alloc_fails() ? NULL : __real_realloc(p, n);
}

static void arm(long n) {
    g_fail_at = n;
    g_allocs = 0;
    g_failed = 0;
}

/* fsync waits while g_hold_fsync is set, saying so in g_in_fsync. */
static atomic_int g_hold_fsync, g_in_fsync;

int __wrap_fsync(int fd) {
    if (atomic_load(&g_hold_fsync)) {
        atomic_store(&g_in_fsync, 1);
        while (atomic_load(&g_hold_fsync)) usleep(1000);
    }
    return __real_fsync(fd);
}

/* fstat cuts the file g_truncate names to a third, as if someone did
 * right after the loader looked at its size. */
static const char *g_truncate;

int __wrap_fstat(int fd, struct stat *st) {
    int r = __real_fstat(fd, st);
    if (r == 0 && g_truncate && S_ISREG(st->st_mode) && truncate(g_truncate, st->st_size / 3) != 0)
        perror("truncate");
    return r;
}

/* open fails for unnamed files (O_TMPFILE) while g_no_tmpfile is set, as
 * on a file system without them. */
static atomic_int g_no_tmpfile;

int __wrap_open(const char *path, int flags, ...) {
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if ((flags & O_TMPFILE) == O_TMPFILE && atomic_load(&g_no_tmpfile)) {
        errno = EOPNOTSUPP;
        return -1;
    }
    return __real_open(path, flags, mode);
}

/* ---- helpers ----------------------------------------------------------------- */

#define NLINES 1500

static hm_hash g_hashes[NLINES];
static char g_list_text[NLINES * 120];

static void make_data(void) {
    size_t len = 0;
    for (int i = 0; i < NLINES; i++) {
        char hex[HM_HASH_STRING_MAX];
        test_random_hash(&g_hashes[i], i % 2 ? HM_HASH_PDQ : HM_HASH_PHASH);
        hm_hash_to_string(&g_hashes[i], hex, sizeof hex);
        len += (size_t)snprintf(g_list_text + len, sizeof g_list_text - len,
                                "%s,%s,id%d,%s,lab%d\n", hm_hash_type_name(g_hashes[i].type),
                                hex, i, i % 3 ? "fresh" : "other", i % 4);
    }
}

/* An index with committed entries in list "old" (two segments, removals). */
static hm_index *base_index(void) {
    hm_index *idx;
    uint32_t l;
    if (hm_index_create(&idx) != HM_OK) return NULL;
    hm_index_list(idx, "old", &l);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 40; i++) {
            hm_hash h;
            char id[16];
            test_random_hash(&h, HM_HASH_PDQ);
            snprintf(id, sizeof id, "o%d-%d", round, i);
            hm_index_add(idx, l, &h, id, NULL);
        }
        hm_index_remove(idx, l, "o0-3", NULL);
        hm_index_commit(idx);
    }
    return idx;
}

/* How many of the first n test hashes the index finds (radius 0). */
static int found(hm_index *idx, int n) {
    hm_results *res;
    hm_query_opts o;
    int k = 0;
    hm_results_create(&res);
    hm_query_opts_init(&o);
    o.radius = 0;
    for (int i = 0; i < n; i++)
        if (hm_index_query(idx, &g_hashes[i], 1, &o, res) == HM_OK && hm_results_count(res) == 1)
            k++;
    hm_results_free(res);
    return k;
}

static uint64_t entries(hm_index *idx) { return test_stats(idx).entries; }

/* ---- allocation failures ---------------------------------------------------- */

/* A strict load whose last line is bad fails and must stage nothing,
 * whichever allocation fails on the way (the rollback included); the
 * same lines then load and commit in full. */
static void faults_strict_load(void) {
    char text[sizeof g_list_text + 64];
    int bad = 0, runs = 0;
    snprintf(text, sizeof text, "%spdq,not-a-hash,x,fresh\n", g_list_text);
    for (long n = 1;; n++) {
        hm_index *idx = base_index();
        const uint64_t before = entries(idx);
        hm_list_load_opts o;
        hm_list_load_report rep;
        hm_list_load_opts_init(&o);
        arm(n);
        int st = hm_index_load_list_memory(idx, text, strlen(text), "t", &o, &rep);
        const int injected = g_failed;
        arm(0);
        runs++;
        if (st == HM_OK) bad++;
        /* nothing stayed staged: the same lines load in full */
        st = hm_index_load_list_memory(idx, g_list_text, strlen(g_list_text), "t", &o, &rep);
        if (st != HM_OK || rep.added != NLINES) {
            fprintf(stderr, "allocation %ld failed: reload added %llu of %d (%s)\n", n,
                    (unsigned long long)rep.added, NLINES, hm_last_error());
            bad++;
        }
        hm_index_commit(idx);
        if (found(idx, NLINES) != NLINES || entries(idx) != before + NLINES) bad++;
        hm_index_free(idx);
        if (!injected) break; /* every allocation of the load has failed once */
    }
    printf("strict load: %d allocation failures injected\n", runs - 1);
    CHECK(runs > 2);
    CHECK_INT(bad, 0);
}

/* A video add fails whole or not at all. */
static void faults_video_add(void) {
    enum { NF = 1400, DISTINCT = NLINES / 2 }; /* every other test hash is a PDQ */
    hm_video_frame *fr = calloc(NF, sizeof *fr);
    int bad = 0, runs = 0;
    for (int i = 0; fr && i < NF; i++) {
        fr[i].nhashes = 1;
        fr[i].timestamp = i;
        fr[i].hashes[0] = g_hashes[2 * (i % DISTINCT) + 1];
        fr[i].hashes[0].quality = 90;
    }
    for (long n = 1;; n++) {
        hm_index *idx = base_index();
        const uint64_t before = entries(idx);
        uint32_t l;
        size_t added = 99;
        hm_index_list(idx, "videos", &l);
        arm(n);
        int st = hm_index_add_video(idx, l, fr, NF, "clip", NULL, &added);
        const int injected = g_failed;
        arm(0);
        runs++;
        hm_index_commit(idx);
        const uint64_t got = entries(idx) - before, want = st == HM_OK ? DISTINCT : 0;
        if (added != want || got != want) bad++;
        hm_index_free(idx);
        if (!injected) break;
    }
    printf("video add: %d allocation failures injected\n", runs - 1);
    CHECK(runs > 2);
    CHECK_INT(bad, 0);
    free(fr);
}

/* A failed commit publishes nothing and keeps the changes staged; the
 * next commit publishes them.  The same for a change set, and for a load
 * of an index file (the index keeps its content). */
static void faults_commit_and_load(void) {
    int bad = 0, runs = 0;
    void *file = NULL;
    size_t fsize = 0;
    {
        hm_index *src = base_index();
        hm_list_load_opts o;
        hm_list_load_opts_init(&o);
        hm_index_load_list_memory(src, g_list_text, strlen(g_list_text), "t", &o, NULL);
        hm_index_commit(src);
        hm_index_save_memory(src, &file, &fsize);
        hm_index_free(src);
    }
    for (long n = 1;; n++) {
        hm_index *idx = base_index();
        const uint64_t before = entries(idx);
        hm_list_load_opts o;
        uint64_t removed = 0;
        hm_list_load_opts_init(&o);
        hm_index_load_list_memory(idx, g_list_text, strlen(g_list_text), "t", &o, NULL);
        uint32_t old;
        hm_index_list(idx, "old", &old);
        hm_index_remove(idx, old, "o1-5", &removed);
        arm(n);
        int st = hm_index_commit(idx);
        int injected = g_failed;
        arm(0);
        if (st != HM_OK && (entries(idx) != before || found(idx, NLINES) != 0)) bad++;
        if (hm_index_commit(idx) != HM_OK || found(idx, NLINES) != NLINES ||
            entries(idx) != before + NLINES - removed)
            bad++;
        /* loading a file: all or nothing */
        const uint64_t now = entries(idx);
        arm(n);
        st = hm_index_load_memory(idx, file, fsize);
        injected |= g_failed;
        arm(0);
        if (entries(idx) != (st == HM_OK ? before + NLINES : now)) bad++;
        runs++;
        hm_index_free(idx);
        if (!injected) break;
    }
    printf("commit and load: %d allocation failures injected\n", runs - 1);
    CHECK_INT(bad, 0);
    hm_free(file);
}

/* ---- a save does not stall writers -------------------------------------------- */

typedef struct saver {
    hm_index *idx;
    const char *path;
    int st;
} saver;

static void *save_thread(void *arg) {
    saver *s = arg;
    s->st = hm_index_save(s->idx, s->path);
    return NULL;
}

static atomic_int g_writer_done;

static void *writer_thread(void *arg) {
    hm_index *idx = arg;
    uint32_t l;
    hm_index_list(idx, "during-save", &l);
    hm_index_add(idx, l, &g_hashes[0], "w", NULL);
    hm_index_commit(idx);
    atomic_store(&g_writer_done, 1);
    return NULL;
}

static void save_without_stall(const char *dir) {
    char path[256];
    pthread_t ts, tw;
    saver s;
    snprintf(path, sizeof path, "%s/stall.hmi", dir);
    s.idx = base_index();
    s.path = path;
    atomic_store(&g_hold_fsync, 1);
    atomic_store(&g_in_fsync, 0);
    pthread_create(&ts, NULL, save_thread, &s);
    while (!atomic_load(&g_in_fsync)) usleep(1000);
    /* the save waits in fsync: a writer must get through meanwhile */
    pthread_create(&tw, NULL, writer_thread, s.idx);
    for (int i = 0; i < 5000 && !atomic_load(&g_writer_done); i++) usleep(1000);
    CHECK(atomic_load(&g_writer_done)); /* before the fix: blocked on the lock */
    atomic_store(&g_hold_fsync, 0);
    pthread_join(ts, NULL);
    pthread_join(tw, NULL);
    CHECK_INT(s.st, HM_OK);
    if (s.st) fprintf(stderr, "save: %s\n", hm_last_error());
    CHECK_INT(found(s.idx, 1), 1); /* the writer's commit is there */
    /* the file holds the snapshot the save started from: without it */
    hm_index *back;
    hm_index_create(&back);
    CHECK_INT(hm_index_load(back, path), HM_OK);
    CHECK_INT(entries(back), entries(s.idx) - 1);
    hm_index_free(back);
    hm_index_free(s.idx);
    unlink(path);
}

/* ---- a file cut while it loads -------------------------------------------------- */

static void truncated_while_loading(const char *dir) {
    char path[256];
    snprintf(path, sizeof path, "%s/cut.hmi", dir);
    hm_index *idx = base_index();
    CHECK_INT(hm_index_save(idx, path), HM_OK);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) { /* the load may kill this process: it runs alone */
        g_truncate = path;
        int st = hm_index_load(idx, path);
        g_truncate = NULL;
        _exit(st == HM_E_CORRUPT || st == HM_E_IO ? 0 : 10 + (st < 0 ? -st : st));
    }
    int ws = 0;
    CHECK(pid > 0 && waitpid(pid, &ws, 0) == pid);
    if (WIFSIGNALED(ws)) fprintf(stderr, "the load died of signal %d\n", WTERMSIG(ws));
    CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    hm_index_free(idx);
    unlink(path);
}

/* ---- named temporaries ---------------------------------------------------------------- */

static int temporaries(const char *dir) { return test_count_files(dir, ".tmp."); }

typedef struct looper {
    hm_index *idx;
    const char *path;
    int failed;
} looper;

static void *save_loop(void *arg) {
    looper *l = arg;
    for (int i = 0; i < 30; i++)
        if (hm_index_save(l->idx, l->path) != HM_OK) {
            fprintf(stderr, "concurrent save: %s\n", hm_last_error());
            l->failed++;
        }
    return NULL;
}

static void named_temporaries(const char *dir) {
    char path[256];
    snprintf(path, sizeof path, "%s/named.hmi", dir);
    atomic_store(&g_no_tmpfile, 1);
    hm_index *a = base_index(), *b = base_index();
    hm_list_load_opts o;
    hm_list_load_opts_init(&o);
    hm_index_load_list_memory(b, g_list_text, strlen(g_list_text), "t", &o, NULL);
    hm_index_commit(b); /* a much larger file than a's */
    CHECK_INT(hm_index_save(a, path), HM_OK);
    CHECK_INT(temporaries(dir), 0);
    /* writers killed at random moments leave named temporaries... */
    int left = 0;
    for (int k = 0; k < 12; k++) {
        fflush(NULL);
        const pid_t pid = fork();
        if (pid == 0)
            for (;;) hm_index_save(b, path);
        usleep((useconds_t)(test_rand() % 20000));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        left += temporaries(dir);
    }
    /* ...which the next save removes */
    CHECK_INT(hm_index_save(a, path), HM_OK);
    printf("named temporaries: %d seen after 12 kills, %d after the next save\n", left,
           temporaries(dir));
    CHECK_INT(temporaries(dir), 0);
    /* two writers of one path: neither takes the other's temporary */
    pthread_t t1, t2;
    looper la = {a, path, 0}, lb = {b, path, 0};
    pthread_create(&t1, NULL, save_loop, &la);
    pthread_create(&t2, NULL, save_loop, &lb);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECK_INT(la.failed + lb.failed, 0);
    CHECK_INT(temporaries(dir), 0);
    atomic_store(&g_no_tmpfile, 0);
    hm_index_free(a);
    hm_index_free(b);
    unlink(path);
}

int main(void) {
    char dir[] = "/tmp/hm_faults_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    make_data();
    faults_strict_load();
    faults_video_add();
    faults_commit_and_load();
    save_without_stall(dir);
    truncated_while_loading(dir);
    named_temporaries(dir);
    rmdir(dir);
    return test_summary("test_index_faults");
}
