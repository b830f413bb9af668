/* SPDX-License-Identifier: BSD-3-Clause */
/* Segments: build from entries, lookups, tombstones. */
#include "segment.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* ---- sorting helpers -------------------------------------------------- */

typedef struct kv {
    uint64_t key;
    uint32_t val;
} kv;

/* Stable LSD radix sort of kv by key, 16 bits per pass; passes where every
 * key has the same digit are skipped.  `tmp` holds n elements. */
static int radix_sort(kv *a, kv *tmp, size_t n) {
    uint32_t *cnt = malloc(65536 * sizeof *cnt);
    kv *src = a, *dst = tmp;
    if (!cnt) return HM_E_NO_MEMORY;
    for (int pass = 0; pass < 4; pass++) {
        const int sh = 16 * pass;
        memset(cnt, 0, 65536 * sizeof *cnt);
        for (size_t i = 0; i < n; i++) cnt[(src[i].key >> sh) & 0xffff]++;
        if (n && cnt[(src[0].key >> sh) & 0xffff] == n) continue;
        uint32_t acc = 0;
        for (size_t d = 0; d < 65536; d++) {
            uint32_t c = cnt[d];
            cnt[d] = acc;
            acc += c;
        }
        for (size_t i = 0; i < n; i++) dst[cnt[(src[i].key >> sh) & 0xffff]++] = src[i];
        kv *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
    free(cnt);
    return HM_OK;
}

/* What the comparators of a segment build compare: the inputs that the
 * kv values index, and the code length of the type being sorted. */
typedef struct sort_ctx {
    const hm_seg_input *in;
    unsigned nbytes;
} sort_ctx;

static int cmp_entry(const void *pa, const void *pb, void *ctx) {
    const hm_seg_input *in = ((const sort_ctx *)ctx)->in;
    const hm_seg_input *a = &in[((const kv *)pa)->val];
    const hm_seg_input *b = &in[((const kv *)pb)->val];
    int c;
    if (a->list != b->list) return a->list < b->list ? -1 : 1;
    if ((c = strcmp(a->id, b->id))) return c;
    if (a->type != b->type) return a->type < b->type ? -1 : 1;
    if ((c = memcmp(a->bytes, b->bytes, hm_hash_bits(a->type) / 8))) return c;
    return 0;
}

static int cmp_code(const void *pa, const void *pb, void *ctx) {
    const sort_ctx *x = ctx;
    const kv *a = pa, *b = pb;
    int c = memcmp(x->in[a->val].bytes, x->in[b->val].bytes, x->nbytes);
    if (c) return c;
    return a->val < b->val ? -1 : a->val > b->val;
}

/* Sort runs of equal keys with `cmp`. */
static void sort_runs(kv *a, size_t n, hm_cmp_fn cmp, sort_ctx *ctx) {
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && a[j].key == a[i].key) j++;
        hm_sort(a + i, j - i, sizeof *a, cmp, ctx);
        i = j;
    }
}

uint64_t hm_seg_id_key(uint32_t list, const char *id) {
    return XXH3_64bits_withSeed(id, strlen(id), list);
}

/* ---- string pool -------------------------------------------------------- */

typedef struct pool {
    char *p;
    size_t len, cap;
    uint32_t *slots; /* labels dedup: open addressing over offsets */
    size_t nslots, used;
} pool;

static int pool_put(pool *pl, const char *s, uint32_t *off) {
    size_t n = strlen(s) + 1;
    if (pl->len + n > UINT32_MAX) return HM_E_LIMIT;
    if (HM_RESERVE(pl->p, pl->cap, pl->len + n, 4096) != HM_OK) return HM_E_NO_MEMORY;
    memcpy(pl->p + pl->len, s, n);
    *off = (uint32_t)pl->len;
    pl->len += n;
    return HM_OK;
}

static int pool_put_dedup(pool *pl, const char *s, uint32_t *off) {
    if (!s || !*s) {
        *off = 0;
        return HM_OK;
    }
    if (2 * (pl->used + 1) > pl->nslots) {
        size_t ns = pl->nslots ? 2 * pl->nslots : 256;
        uint32_t *slots = calloc(ns, sizeof *slots);
        if (!slots) return HM_E_NO_MEMORY;
        for (size_t i = 0; i < pl->nslots; i++) {
            uint32_t o = pl->slots[i];
            if (!o) continue;
            size_t h = (size_t)XXH3_64bits(pl->p + o, strlen(pl->p + o));
            while (slots[h & (ns - 1)]) h++;
            slots[h & (ns - 1)] = o;
        }
        free(pl->slots);
        pl->slots = slots;
        pl->nslots = ns;
    }
    size_t h = (size_t)XXH3_64bits(s, strlen(s));
    for (;; h++) {
        uint32_t o = pl->slots[h & (pl->nslots - 1)];
        if (!o) break;
        if (strcmp(pl->p + o, s) == 0) {
            *off = o;
            return HM_OK;
        }
    }
    int st = pool_put(pl, s, off);
    if (st != HM_OK) return st;
    pl->slots[h & (pl->nslots - 1)] = *off;
    pl->used++;
    return HM_OK;
}

/* ---- segment ------------------------------------------------------------ */

hm_segment *hm_segment_ref(hm_segment *s) {
    if (s) atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

static void segment_free(hm_segment *s) {
    free(s->entries);
    free(s->strings);
    for (int t = 0; t <= HM_HASH_TYPE_MAX; t++) {
        hm_code_table *tab = &s->tab[t];
        free(tab->codes);
        free(tab->code_start);
        free(tab->code_entries);
        hm_mih_free(tab->mih);
        hm_bktree_free(tab->bk);
    }
    free(s);
}

void hm_segment_unref(hm_segment *s) {
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        segment_free(s);
}

const uint8_t *hm_seg_entry_bytes(const hm_segment *s, const hm_seg_entry *e) {
    const hm_code_table *tab = &s->tab[HM_TC_TYPE(e->tc)];
    return (const uint8_t *)(tab->codes + (size_t)HM_TC_CODE(e->tc) * tab->words);
}

/* Does sel[i] start a new code?  The keys (first 8 bytes) decide unless
 * they are equal. */
static int new_code(const hm_seg_input *in, const kv *sel, size_t i,
                    unsigned nbytes) {
    return i == 0 || sel[i].key != sel[i - 1].key ||
           memcmp(in[sel[i].val].bytes, in[sel[i - 1].val].bytes, nbytes) != 0;
}

/* Allocate the code table of one type and sort `sel` (key = the first 8
 * bytes big-endian, val = input index) by the codes' full bytes. */
static int build_table(hm_segment *s, int type, const hm_seg_input *in,
                       kv *sel, kv *tmp, size_t n) {
    hm_code_table *tab = &s->tab[type];
    const unsigned nbytes = hm_hash_bits(type) / 8;
    int st;
    tab->words = (nbytes + 7) / 8;
    if (!n) return HM_OK;
    sort_ctx ctx = {in, nbytes};
    if ((st = radix_sort(sel, tmp, n)) != HM_OK) return st;
    sort_runs(sel, n, cmp_code, &ctx);
    uint32_t ncodes = 0;
    for (size_t i = 0; i < n; i++)
        if (new_code(in, sel, i, nbytes)) ncodes++;
    tab->ncodes = ncodes;
    tab->codes = aligned_alloc(64, ((size_t)ncodes * tab->words * 8 + 63) / 64 * 64);
    tab->code_start = malloc(((size_t)ncodes + 1) * sizeof *tab->code_start);
    tab->code_entries = malloc(n * sizeof *tab->code_entries);
    if (!tab->codes || !tab->code_start || !tab->code_entries)
        return HM_E_NO_MEMORY;
    memset(tab->codes, 0, (size_t)ncodes * tab->words * 8);
    return HM_OK;
}

int hm_segment_build(const hm_seg_input *in, size_t n, const hm_seg_opts *o,
                     hm_segment **out) {
    hm_segment *s = NULL;
    kv *order = NULL, *sel = NULL, *tmp = NULL;
    uint32_t *pos_of = NULL; /* input index -> entry position */
    pool pl = {0};
    int st = HM_E_NO_MEMORY;
    *out = NULL;
    if (n > HM_SEG_MAX_ENTRIES)
        return hm_fail(HM_E_LIMIT, "too many entries in one segment "
                                        "(%zu; the limit is %u)",
                       n, HM_SEG_MAX_ENTRIES);
    s = calloc(1, sizeof *s);
    order = malloc(n * sizeof *order + 1);
    sel = malloc(n * sizeof *sel + 1);
    tmp = malloc(n * sizeof *tmp + 1);
    pos_of = malloc(n * sizeof *pos_of + 1);
    if (!s || !order || !sel || !tmp || !pos_of) goto fail;
    atomic_init(&s->refs, 1);
    s->nentries = (uint32_t)n;
    s->entries = malloc(n * sizeof *s->entries + 1);
    if (!s->entries) goto fail;

    /* 1. entry order: (key of list+id, then list, id, type, bytes) */
    for (size_t i = 0; i < n; i++) {
        order[i].key = hm_seg_id_key(in[i].list, in[i].id);
        order[i].val = (uint32_t)i;
    }
    if ((st = radix_sort(order, tmp, n)) != HM_OK) goto fail;
    sort_ctx ctx = {in, 0};
    sort_runs(order, n, cmp_entry, &ctx);

    /* equal entries are now adjacent: keep the first of each */
    size_t nu = 0;
    for (size_t i = 0; i < n; i++) {
        pos_of[order[i].val] = UINT32_MAX;
        if (nu && order[nu - 1].key == order[i].key &&
            cmp_entry(&order[nu - 1], &order[i], &ctx) == 0)
            continue;
        order[nu++] = order[i];
    }
    s->nentries = (uint32_t)nu;

    /* 2. strings: offset 0 is the empty string; labels are shared */
    uint32_t zero;
    if ((st = pool_put(&pl, "", &zero)) != HM_OK) goto fail;
    for (size_t e = 0; e < nu; e++) {
        const hm_seg_input *x = &in[order[e].val];
        hm_seg_entry *en = &s->entries[e];
        pos_of[order[e].val] = (uint32_t)e;
        en->list = x->list;
        en->aux = x->aux;
        if ((st = pool_put(&pl, x->id, &en->id_off)) != HM_OK ||
            (st = pool_put_dedup(&pl, x->labels, &en->labels_off)) != HM_OK)
            goto fail;
    }

    /* 3. one code table per type */
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        size_t k = 0;
        const unsigned nbytes = hm_hash_bits(t) / 8;
        for (size_t i = 0; i < n; i++)
            if (in[i].type == t && pos_of[i] != UINT32_MAX) {
                sel[k].key = hm_load_be64(in[i].bytes);
                sel[k].val = (uint32_t)i;
                k++;
            }
        if ((st = build_table(s, t, in, sel, tmp, k)) != HM_OK) goto fail;
        hm_code_table *tab = &s->tab[t];
        uint32_t code = 0;
        for (size_t i = 0; i < k; i++) {
            const hm_seg_input *x = &in[sel[i].val];
            if (new_code(in, sel, i, nbytes)) {
                if (i) code++;
                memcpy(tab->codes + (size_t)code * tab->words, x->bytes, nbytes);
                tab->code_start[code] = (uint32_t)i;
            }
            uint32_t e = pos_of[sel[i].val];
            tab->code_entries[i] = e;
            s->entries[e].tc = (uint32_t)t << 28 | code;
        }
        if (k) tab->code_start[tab->ncodes] = (uint32_t)k;
    }

    /* 4. search structures for the Hamming types */
    s->bytes = sizeof *s + nu * (sizeof *s->entries) + pl.len;
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        hm_code_table *tab = &s->tab[t];
        if (!tab->ncodes) continue;
        size_t cb = (size_t)tab->ncodes * tab->words * 8;
        s->bytes += cb + ((size_t)tab->ncodes + 1) * 4 +
                    (size_t)tab->code_start[tab->ncodes] * 4;
        s->bytes_structures += cb;
        if (t == HM_HASH_MD5 || t == HM_HASH_SHA256) continue;
        if (o->structures & (1u << HM_STRUCT_MIH)) {
            unsigned m = hm_mih_choose_m(tab->ncodes, 64 * tab->words,
                                         (unsigned)o->radius[t]);
            if (m && (st = hm_mih_build(&tab->mih, tab->codes, tab->ncodes,
                                        tab->words, m)) != HM_OK)
                goto fail;
            if (tab->mih) {
                s->bytes += tab->mih->bytes;
                s->bytes_structures += tab->mih->bytes;
            }
        }
        if (o->structures & (1u << HM_STRUCT_BKTREE)) {
            if ((st = hm_bktree_build(&tab->bk, tab->codes, tab->ncodes,
                                      tab->words)) != HM_OK)
                goto fail;
            s->bytes += tab->bk->bytes;
            s->bytes_structures += tab->bk->bytes;
        }
    }
    /* give back the pool's slack and the dedup table */
    free(pl.slots);
    pl.slots = NULL;
    s->strings = realloc(pl.p, pl.len);
    if (!s->strings) s->strings = pl.p;
    pl.p = NULL;
    s->strings_len = pl.len;
    free(order);
    free(sel);
    free(tmp);
    free(pos_of);
    *out = s;
    return HM_OK;
fail:
    free(pl.p);
    free(pl.slots);
    free(order);
    free(sel);
    free(tmp);
    free(pos_of);
    if (s) segment_free(s);
    if (st == HM_E_LIMIT)
        return hm_fail(st, "segment strings exceed 4 GiB");
    return hm_fail(HM_E_NO_MEMORY, "out of memory building an index "
                                        "segment of %zu entries", n);
}

void hm_seg_find_id(const hm_segment *s, uint32_t list, const char *id,
                    uint32_t *first, uint32_t *count) {
    const uint64_t key = hm_seg_id_key(list, id);
    uint32_t lo = 0, hi = s->nentries;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const hm_seg_entry *e = &s->entries[mid];
        if (hm_seg_id_key(e->list, hm_seg_str(s, e->id_off)) < key) lo = mid + 1;
        else hi = mid;
    }
    *first = lo;
    *count = 0;
    /* within a run of equal keys, (list, id) groups are contiguous */
    for (uint32_t i = lo; i < s->nentries; i++) {
        const hm_seg_entry *e = &s->entries[i];
        const char *eid = hm_seg_str(s, e->id_off);
        if (hm_seg_id_key(e->list, eid) != key) break;
        if (e->list == list && strcmp(eid, id) == 0) {
            if (!*count) *first = i;
            ++*count;
        } else if (*count) {
            break;
        }
    }
}

int64_t hm_seg_find_code(const hm_segment *s, int type, const uint8_t *bytes) {
    const hm_code_table *tab = &s->tab[type];
    const unsigned nbytes = hm_hash_bits(type) / 8;
    uint32_t lo = 0, hi = tab->ncodes;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = memcmp(tab->codes + (size_t)mid * tab->words, bytes, nbytes);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

/* ---- tombstones ---------------------------------------------------------- */

hm_tomb *hm_tomb_new(uint32_t nbits) {
    hm_tomb *t = calloc(1, sizeof *t + ((size_t)nbits + 63) / 64 * 8);
    if (t) {
        atomic_init(&t->refs, 1);
        t->nbits = nbits;
    }
    return t;
}

hm_tomb *hm_tomb_copy(const hm_tomb *src, uint32_t nbits) {
    hm_tomb *t = hm_tomb_new(nbits);
    if (t && src) {
        memcpy(t->bits, src->bits, ((size_t)nbits + 63) / 64 * 8);
        t->ndead = src->ndead;
    }
    return t;
}

hm_tomb *hm_tomb_ref(hm_tomb *t) {
    if (t) atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void hm_tomb_unref(hm_tomb *t) {
    if (t && atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
        free(t);
}
