/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Batch hashing (hm_hash_batch): many items hashed in one call on the
 * library's own threads.  Each thread hashes with its own copy of the
 * caller's hasher (a hasher serves one thread at a time) and takes the
 * next item from a shared atomic counter; each item goes through the
 * single calls, hm_hash_memory or hm_hash_file, so its hashes, status and
 * message are theirs whatever the thread count.  Results go into places
 * fixed per item (hashes at i * stride, stride the most the request can
 * give; element i of each column), so threads never write the same memory
 * and nothing is locked.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/common.h"
#include "../hash/pipeline.h"
#include "../hasher.h"

/* Column by column (hm_batch_columns_get hands the arrays out as they are). */
struct hm_batch {
    size_t n, stride;
    hm_hash *hashes;      /* n * stride: item i's at i * stride */
    uint32_t *counts;     /* n */
    int32_t *status;      /* n */
    hm_image_info *info;  /* n */
    char **errors;        /* n: NULL when the item's status is HM_OK */
};

/* What the threads share: the request, and the next item to take. */
typedef struct batch_run {
    const hm_hasher *h;
    const hm_batch_item *items;
    unsigned types;
    hm_batch *b;
    atomic_size_t next;
} batch_run;

/* Stands in for a message that could not be copied (out of memory). */
static const char kNoMessageMemory[] = "out of memory copying the item's error message";

void hm_batch_opts_init(hm_batch_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
}

static int item_ok(const hm_batch_item *it) {
    if (!HM_ZERO_WORDS(it->reserved)) return hm_fail(HM_E_INVALID_ARGUMENT, "item has reserved fields set");
    if (it->path && (it->data || it->size))
        return hm_fail(HM_E_INVALID_ARGUMENT, "item has both a path and data");
    return HM_OK;
}

/* Hash item i with hasher h into its slot; the item's message is the
 * calling thread's after the single call. */
static void hash_item(batch_run *r, hm_hasher *h, size_t i) {
    const hm_batch_item *it = &r->items[i];
    hm_batch *b = r->b;
    hm_hash *out = b->hashes + i * b->stride;
    size_t n = 0;
    int st = HM_CALL(item_ok(it));
    if (st == HM_OK)
        st = it->path ? hm_hash_file(h, it->path, r->types, out, b->stride, &n, &b->info[i])
                      : hm_hash_memory(h, it->data, it->size, r->types, out, b->stride, &n,
                                       &b->info[i]);
    b->status[i] = st;
    b->counts[i] = st == HM_OK ? (uint32_t)n : 0;
    if (st != HM_OK) b->errors[i] = strdup(hm_last_error());
}

static void take_items(batch_run *r, hm_hasher *h) {
    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= r->b->n) return;
        hash_item(r, h, i);
    }
}

static void *worker(void *arg) {
    batch_run *r = arg;
    hm_hasher *h = hm_hasher_copy(r->h);
    /* a thread without a hasher takes nothing: the others hash its share */
    if (h) take_items(r, h);
    hm_hasher_free(h);
    return NULL;
}

static size_t thread_count(const hm_batch_opts *o, size_t n) {
    size_t t = o->threads;
    if (t == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        t = cpus > 0 ? (size_t)cpus : 1;
    }
    return t < n ? t : (n ? n : 1);
}

static int opts_ok(const hm_batch_opts *o) {
    return o->reserved0 == 0 && HM_ZERO_WORDS(o->reserved);
}

static hm_batch *batch_alloc(size_t n, size_t stride) {
    hm_batch *b = calloc(1, sizeof *b);
    size_t nh;
    if (!b) return NULL;
    b->n = n;
    b->stride = stride;
    if (n == 0) return b;
    if (!hm_mul_ok(n, stride, &nh) || !(b->hashes = calloc(nh, sizeof *b->hashes)) ||
        !(b->counts = calloc(n, sizeof *b->counts)) ||
        !(b->status = calloc(n, sizeof *b->status)) || !(b->info = calloc(n, sizeof *b->info)) ||
        !(b->errors = calloc(n, sizeof *b->errors))) {
        hm_batch_free(b);
        return NULL;
    }
    return b;
}

static int hash_batch(hm_hasher *h, const hm_batch_item *items, size_t n, unsigned types,
                      const hm_batch_opts *opts, hm_batch **out) {
    hm_batch_opts defaults;
    batch_run r;
    pthread_t *th;
    size_t nt, started = 0;
    hm_hasher *own;
    int st;
    if (!out) return hm_fail(HM_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!h) return hm_fail(HM_E_INVALID_ARGUMENT, "hasher is NULL");
    if (!items && n > 0) return hm_fail(HM_E_INVALID_ARGUMENT, "items is NULL");
    if (!opts) {
        hm_batch_opts_init(&defaults);
        opts = &defaults;
    }
    if (!opts_ok(opts))
        return hm_fail(HM_E_INVALID_ARGUMENT, "batch options have reserved fields set");
    if ((st = hm_hashpipe_request(&types, HM_HASH_RESULTS_MAX)) != HM_OK) return st;
    r.h = h;
    r.items = items;
    r.types = types;
    atomic_init(&r.next, 0);
    if (!(r.b = batch_alloc(n, hm_hashpipe_outputs(types))))
        return hm_fail(HM_E_NO_MEMORY, "out of memory for the results of %zu items", n);
    nt = thread_count(opts, n);
    own = hm_hasher_copy(h);
    th = nt > 1 ? malloc((nt - 1) * sizeof *th) : NULL;
    if (!own) {
        free(th);
        hm_batch_free(r.b);
        return hm_fail(HM_E_NO_MEMORY, "out of memory copying the hasher");
    }
    /* the threads that cannot start leave their share to the others */
    for (size_t k = 0; th && k < nt - 1; k++, started++)
        if (pthread_create(&th[k], NULL, worker, &r) != 0) break;
    take_items(&r, own);
    for (size_t k = 0; k < started; k++) pthread_join(th[k], NULL);
    free(th);
    hm_hasher_free(own);
    *out = r.b;
    return HM_OK;
}

hm_status hm_hash_batch(hm_hasher *h, const hm_batch_item *items, size_t n, unsigned types,
                        const hm_batch_opts *opts, hm_batch **out) {
    return HM_CALL(hash_batch(h, items, n, types, opts, out));
}

size_t hm_batch_count(const hm_batch *b) { return b ? b->n : 0; }

static int batch_get(const hm_batch *b, size_t i, hm_batch_result *r) {
    if (!b || !r) return hm_fail(HM_E_INVALID_ARGUMENT, "batch or result is NULL");
    if (i >= b->n)
        return hm_fail(HM_E_INVALID_ARGUMENT, "item %zu of a batch of %zu", i, b->n);
    memset(r, 0, sizeof *r);
    r->hashes = b->hashes + i * b->stride;
    r->count = b->counts[i];
    r->status = b->status[i];
    r->error = b->status[i] == HM_OK ? "" : b->errors[i] ? b->errors[i] : kNoMessageMemory;
    r->info = b->info[i];
    return HM_OK;
}

hm_status hm_batch_get(const hm_batch *b, size_t i, hm_batch_result *r) {
    return HM_CALL(batch_get(b, i, r));
}

static int batch_columns(const hm_batch *b, hm_batch_columns *c) {
    if (!b || !c) return hm_fail(HM_E_INVALID_ARGUMENT, "batch or columns is NULL");
    memset(c, 0, sizeof *c);
    c->hashes = b->hashes;
    c->stride = b->stride;
    c->counts = b->counts;
    c->status = b->status;
    c->info = b->info;
    return HM_OK;
}

hm_status hm_batch_columns_get(const hm_batch *b, hm_batch_columns *c) {
    return HM_CALL(batch_columns(b, c));
}

void hm_batch_free(hm_batch *b) {
    if (!b) return;
    for (size_t i = 0; b->errors && i < b->n; i++) free(b->errors[i]);
    free(b->errors);
    free(b->info);
    free(b->status);
    free(b->counts);
    free(b->hashes);
    free(b);
}
