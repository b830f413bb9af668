/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker threads with in-order output, the progress line, the closing
 * summary, and the common run of the batch commands (hc_batch_run).
 *
 * Workers take inputs in order from a shared counter and write each
 * result into a slot of a ring of `window` slots; the calling thread
 * emits slot after slot in input order.  A worker never takes input i
 * before input i - window has been emitted, so memory stays bounded and a
 * slot is never written while it is being emitted.  Everything shared is
 * under one mutex; the work itself runs outside it.
 *
 * The output is therefore the same, byte for byte, for any thread count.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hc.h"

typedef struct progress {
    int on;
    int forced;      /* --progress: from the start, even when not a terminal */
    int shown;       /* a line is on the terminal now */
    double t0, last;
    size_t total;
} progress;

static void fmt_eta(char *buf, size_t cap, double s) {
    if (!(s >= 0) || s > 360000) {
        snprintf(buf, cap, "?");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60) snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, cap, "%lds", t);
}

static void progress_draw(progress *p, size_t done, int force) {
    double now = hc_now();
    if (!p->on) return;
    /* on a terminal, quiet for the first half second (short runs stay
     * silent); then at most 5 updates a second */
    if (!force && ((!p->forced && now - p->t0 < 0.5) || now - p->last < 0.2)) return;
    p->last = now;
    double el = now - p->t0, rate = el > 0 ? done / el : 0;
    char eta[32];
    fmt_eta(eta, sizeof eta, rate > 0 ? (p->total - done) / rate : -1);
    fprintf(stderr, "\r\033[Khashcheck: %zu/%zu %s (%.0f%%), %.1f files/s, ETA %s", done,
            p->total, hc_plural(p->total, "file", "files"),
            p->total ? 100.0 * done / p->total : 100.0, rate, eta);
    fflush(stderr);
    p->shown = 1;
}

static void progress_clear(progress *p) {
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->shown = 0;
    }
}

typedef struct pool {
    const hc_pool_fns *fns;
    void *ctx;
    size_t n, window;
    hc_slot *slots;
    char *ready;          /* per slot: finished by a worker */
    size_t next_take;     /* next input a worker takes */
    size_t next_emit;     /* next input the caller emits */
    size_t completed;     /* inputs finished by workers */
    int abort;            /* a worker could not start: stop taking */
    pthread_mutex_t mu;
    pthread_cond_t can_take, can_emit;
} pool;

static void *worker(void *arg) {
    pool *p = arg;
    void *state = p->fns->init ? p->fns->init(p->ctx) : NULL;
    pthread_mutex_lock(&p->mu);
    if (p->fns->init && !state) {
        p->abort = 1;
        pthread_cond_broadcast(&p->can_emit);
        pthread_cond_broadcast(&p->can_take);
        pthread_mutex_unlock(&p->mu);
        return NULL;
    }
    for (;;) {
        while (!p->abort && p->next_take < p->n && p->next_take >= p->next_emit + p->window)
            pthread_cond_wait(&p->can_take, &p->mu);
        if (p->abort || p->next_take >= p->n) break;
        size_t i = p->next_take++;
        hc_slot *s = &p->slots[i % p->window];
        pthread_mutex_unlock(&p->mu);
        p->fns->work(p->ctx, state, i, s);
        pthread_mutex_lock(&p->mu);
        p->ready[i % p->window] = 1;
        p->completed++;
        pthread_cond_broadcast(&p->can_emit);
    }
    pthread_mutex_unlock(&p->mu);
    if (p->fns->fini) p->fns->fini(state);
    return NULL;
}

static void slot_clear(hc_slot *s) {
    if (s->data && s->release) s->release(s->data);
    s->data = NULL;
    s->release = NULL;
    sb_reset(&s->out);
    sb_reset(&s->err);
    hc_media_free(&s->media);
    memset(&s->media, 0, sizeof s->media);
    s->failed = s->matched = s->skipped = 0;
    s->hits = 0;
}

int hc_pool_run(size_t n, int jobs, int progress_mode, const hc_pool_fns *fns, void *ctx,
                hc_stats *st) {
    pool p;
    progress pg;
    pthread_t *tids;
    int started = 0, rc = 0;
    memset(&p, 0, sizeof p);
    memset(st, 0, sizeof *st);
    memset(&pg, 0, sizeof pg);
    if (jobs < 1) jobs = 1;
    if ((size_t)jobs > n && n > 0) jobs = (int)n;
    p.fns = fns;
    p.ctx = ctx;
    p.n = n;
    p.window = 4 * (size_t)jobs + 4;
    p.slots = calloc(p.window, sizeof *p.slots);
    p.ready = calloc(p.window, 1);
    tids = calloc((size_t)jobs, sizeof *tids);
    pg.forced = progress_mode > 0;
    pg.on = pg.forced || (progress_mode < 0 && isatty(STDERR_FILENO));
    pg.t0 = hc_now();
    pg.total = n;
    if (!p.slots || !p.ready || !tids) {
        hc_err("out of memory");
        free(p.slots);
        free(p.ready);
        free(tids);
        return -1;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.can_take, NULL);
    pthread_cond_init(&p.can_emit, NULL);
    if (n > 0)
        for (; started < jobs; started++)
            if (pthread_create(&tids[started], NULL, worker, &p) != 0) break;
    if (n > 0 && started == 0) {
        hc_err("cannot start a worker thread");
        rc = -1;
    }
    pthread_mutex_lock(&p.mu);
    while (rc == 0 && p.next_emit < n) {
        size_t k = p.next_emit % p.window;
        while (!p.ready[k] && !p.abort) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&p.can_emit, &p.mu, &ts);
            if (pg.on) {
                size_t done = p.completed;
                pthread_mutex_unlock(&p.mu);
                progress_draw(&pg, done, 0);
                pthread_mutex_lock(&p.mu);
            }
        }
        if (!p.ready[k]) { /* aborted */
            hc_err("a worker thread could not be set up (out of memory?)");
            rc = -1;
            break;
        }
        size_t done = p.completed;
        pthread_mutex_unlock(&p.mu);

        hc_slot *s = &p.slots[k];
        if (fns->emit) fns->emit(ctx, p.next_emit, s);
        st->done++;
        st->failed += s->failed != 0;
        st->matched += s->matched != 0;
        st->skipped += s->skipped != 0;
        st->hits += s->hits;
        if (s->err.n || s->out.n) {
            progress_clear(&pg);
            if (s->err.n) fwrite(s->err.p, 1, s->err.n, stderr);
            if (s->out.n) fwrite(s->out.p, 1, s->out.n, stdout);
            if (s->out.oom || s->err.oom) {
                hc_err("out of memory formatting the result of input %zu", p.next_emit + 1);
                st->failed += !s->failed;
            }
            if (pg.on) fflush(stdout);
        }
        slot_clear(s);
        progress_draw(&pg, done, 0);

        pthread_mutex_lock(&p.mu);
        p.ready[k] = 0;
        p.next_emit++;
        pthread_cond_broadcast(&p.can_take);
    }
    if (rc) p.abort = 1;
    pthread_cond_broadcast(&p.can_take);
    pthread_mutex_unlock(&p.mu);
    for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    if (pg.forced && rc == 0 && n > 0) progress_draw(&pg, n, 1); /* the final count */
    progress_clear(&pg);
    st->seconds = hc_now() - pg.t0;
    for (size_t k = 0; k < p.window; k++) {
        slot_clear(&p.slots[k]);
        sb_free(&p.slots[k].out);
        sb_free(&p.slots[k].err);
    }
    pthread_cond_destroy(&p.can_take);
    pthread_cond_destroy(&p.can_emit);
    pthread_mutex_destroy(&p.mu);
    free(p.slots);
    free(p.ready);
    free(tids);
    return rc;
}

void hc_summary(const char *what, const hc_stats *st, const hc_inputs *in, int matching) {
    sbuf b = {0};
    fflush(stdout); /* the results first, when both go to one place */
    sb_printf(&b, "hashcheck: %zu %s", st->done, hc_plural(st->done, "file", "files"));
    if (matching)
        sb_printf(&b, ", %zu matched (%zu %s)", st->matched, st->hits,
                  hc_plural(st->hits, "hit", "hits"));
    sb_printf(&b, ", %zu %s", st->failed, what);
    if (st->skipped) sb_printf(&b, ", %zu skipped as not media", st->skipped);
    if (in->skipped_links || in->skipped_special || in->skipped_loops) {
        const char *sep = "; skipped inside directories: ";
        if (in->skipped_links) {
            sb_printf(&b, "%s%zu %s (-L follows them)", sep, in->skipped_links,
                      hc_plural(in->skipped_links, "symbolic link", "symbolic links"));
            sep = ", ";
        }
        if (in->skipped_special) {
            sb_printf(&b, "%s%zu %s", sep, in->skipped_special,
                      hc_plural(in->skipped_special, "special file", "special files"));
            sep = ", ";
        }
        if (in->skipped_loops)
            sb_printf(&b, "%s%zu %s already visited", sep, in->skipped_loops,
                      hc_plural(in->skipped_loops, "directory", "directories"));
    }
    sb_printf(&b, "; %.2f s", st->seconds);
    /* a rate measured over less than 0.1 s says nothing */
    if (st->seconds >= 0.1 && st->done) sb_printf(&b, ", %.1f files/s", st->done / st->seconds);
    fprintf(stderr, "%s\n", b.p ? b.p : "hashcheck: out of memory");
    sb_free(&b);
}

int hc_batch_run(hc_inputs *in, char **args, int n, int hash_args, const hc_batch_cfg *bc,
                 const hc_pool_fns *fns, void *ctx, int matching, hc_stats *st) {
    if (hc_walk(in, args, n, bc->follow, hash_args) != 0) {
        hc_err("out of memory");
        return -1;
    }
    if (hc_pool_run(in->n, bc->jobs, bc->quiet ? 0 : bc->progress, fns, ctx, st) != 0)
        return -1;
    if (!bc->quiet) hc_summary("failed", st, in, matching);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        hc_err("error writing the output");
        return -1;
    }
    return 0;
}
