/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_index: the matching-index benchmark of issue #3 (run it through
 * bench/run_index.sh, which also runs the Python peers on the same data).
 *
 * For each data set (hash type x kind x size) it
 *   1. generates the codes deterministically (uniform random bits;
 *      "clustered": families of near-duplicates around random centres;
 *      "real": hashes read from a file, optionally replicated with small
 *      perturbations) and writes them, with the query sets, to OUT/data/
 *      so that the peers use exactly the same bytes;
 *   2. builds an hm_index (MIH, the default) and records the add and
 *      commit times, hm_index_stats bytes and RSS growth;
 *   3. times single-thread queries with each structure forced (SCAN, MIH)
 *      and AUTO, per radius, on queries that hit (members with 0..r bits
 *      flipped) and that miss (fresh random codes, or held-out real ones),
 *      and checks that every structure returns the same hit counts;
 *   4. saves and loads the index (times, file size, RSS of the loaded one);
 *   5. rebuilds with the BK-tree as well and times BKTREE (a few queries
 *      where it is slow) and AUTO with the BK-tree present;
 *   6. recomputes, outside the library, what MIH does per query (tables,
 *      probes, candidates, bucket skew) to calibrate the cost model.
 * It also measures the machine's single-thread streaming-read bandwidth.
 *
 * Output: tab-separated files in OUT (see write_header calls below).
 * Everything runs on the calling thread; pin it with taskset.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <immintrin.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hashmatch.h>

#include "bench_common.h"

/* ---- small helpers ------------------------------------------------------- */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_index: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void logmsg(const char *fmt, ...) {
    va_list ap;
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    fprintf(stderr, "[bench_index %02d:%02d:%02d] ", tm.tm_hour, tm.tm_min, tm.tm_sec);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory (%zu bytes)", n);
    return p;
}

static void *xcalloc(size_t n, size_t s) {
    void *p = calloc(n ? n : 1, s);
    if (!p) die("out of memory");
    return p;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Quantile of a sorted array (nearest rank). */
static double quantile(const double *v, size_t n, double q) {
    if (!n) return NAN;
    size_t i = (size_t)ceil(q * (double)n);
    if (i < 1) i = 1;
    if (i > n) i = n;
    return v[i - 1];
}

/* splitmix64: deterministic, seeded per data set. */
typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnext(rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rbelow(rng *r, uint64_t n) { return n ? rnext(r) % n : 0; }

static uint64_t seed_of(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* Flip exactly k distinct bits of a code of nb bytes. */
static void flip_bits(uint8_t *c, unsigned nb, unsigned k, rng *r) {
    const unsigned bits = 8 * nb;
    uint8_t used[256 / 8] = {0};
    for (unsigned i = 0; i < k && i < bits; i++) {
        unsigned b;
        do b = (unsigned)rbelow(r, bits);
        while (used[b >> 3] >> (b & 7) & 1);
        used[b >> 3] |= (uint8_t)(1u << (b & 7));
        c[b >> 3] ^= (uint8_t)(1u << (b & 7));
    }
}

static void write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
        die("cannot write %s: %s", path, strerror(errno));
}

/* ---- options ----------------------------------------------------------------- */

static struct {
    const char *out;
    size_t sizes[8];
    unsigned nsizes;
    int do_uniform, do_clustered, do_pdq, do_phash;
    const char *real_pdq, *real_phash;
    size_t real_replicate;
    size_t real_mix[4];
    int real_natural;
    unsigned nreal_mix;
    unsigned queries;
    double budget;       /* seconds per (config, structure) */
    unsigned min_queries;
    unsigned bk_min_queries;
    double bk_budget;
    int bk;
    size_t bk_max_n;
    int saveload;
    size_t bw_mb;
} opt;

/* ---- data sets ----------------------------------------------------------------- */

typedef struct dataset {
    char name[96];
    const char *kind; /* uniform, clustered, real, realx */
    int type;         /* HM_HASH_PDQ or HM_HASH_PHASH */
    unsigned nb;      /* bytes per code */
    size_t n;
    uint8_t *codes;
    /* queries: hit sets per radius, and one "miss" set */
    unsigned nq;
    uint8_t *qhit[8];
    uint8_t *qmiss;
    unsigned nqmiss;
    const char *miss_label; /* "miss" or "other" (held-out real hashes) */
} dataset;

static const unsigned R_PDQ[] = {15, 31, 47};
static const unsigned R_64[] = {2, 4, 8, 10, 12};

static unsigned nradii(const dataset *d) { return d->nb == 32 ? 3 : 5; }
static unsigned radius_at(const dataset *d, unsigned i) {
    return d->nb == 32 ? R_PDQ[i] : R_64[i];
}

static void size_label(size_t n, char *buf, size_t cap) {
    if (n >= 1000000 && n % 1000000 == 0) snprintf(buf, cap, "%zuM", n / 1000000);
    else if (n >= 1000 && n % 1000 == 0) snprintf(buf, cap, "%zuk", n / 1000);
    else snprintf(buf, cap, "%zu", n);
}

/* Family sizes 1..19 (mean 10); variants at 1..15 (PDQ) or 1..4 (64-bit)
 * bit flips from the centre. */
static void gen_clustered(dataset *d, rng *r) {
    const unsigned maxflip = d->nb == 32 ? 15 : 4;
    size_t i = 0;
    while (i < d->n) {
        uint8_t *centre = d->codes + i * d->nb;
        for (unsigned b = 0; b < d->nb; b += 8) {
            uint64_t x = rnext(r);
            memcpy(centre + b, &x, 8);
        }
        size_t fam = 1 + rbelow(r, 19);
        i++;
        for (size_t k = 1; k < fam && i < d->n; k++, i++) {
            uint8_t *v = d->codes + i * d->nb;
            memcpy(v, centre, d->nb);
            flip_bits(v, d->nb, 1 + (unsigned)rbelow(r, maxflip), r);
        }
    }
    /* shuffle so that families are not contiguous (as in a real list) */
    uint8_t tmp[32];
    for (size_t k = d->n; k > 1; k--) {
        size_t j = rbelow(r, k);
        memcpy(tmp, d->codes + (k - 1) * d->nb, d->nb);
        memcpy(d->codes + (k - 1) * d->nb, d->codes + j * d->nb, d->nb);
        memcpy(d->codes + j * d->nb, tmp, d->nb);
    }
}

/* Real hashes: one hex string per line (other columns ignored). */
static uint8_t *read_hex(const char *path, unsigned nb, size_t *n_out) {
    FILE *f = fopen(path, "r");
    if (!f) die("cannot open %s", path);
    size_t cap = 1024, n = 0;
    uint8_t *v = xmalloc(cap * nb);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        size_t len = strspn(p, "0123456789abcdefABCDEF");
        if (len != 2 * nb) continue;
        if (n == cap) {
            cap *= 2;
            v = realloc(v, cap * nb);
            if (!v) die("out of memory");
        }
        for (unsigned i = 0; i < nb; i++) {
            unsigned x;
            sscanf(p + 2 * i, "%2x", &x);
            v[n * nb + i] = (uint8_t)x;
        }
        n++;
    }
    fclose(f);
    *n_out = n;
    return v;
}

static void make_queries(dataset *d, rng *r) {
    for (unsigned ri = 0; ri < nradii(d); ri++) {
        const unsigned rad = radius_at(d, ri);
        d->qhit[ri] = xmalloc((size_t)d->nq * d->nb);
        for (unsigned q = 0; q < d->nq; q++) {
            uint8_t *c = d->qhit[ri] + (size_t)q * d->nb;
            memcpy(c, d->codes + rbelow(r, d->n) * d->nb, d->nb);
            flip_bits(c, d->nb, (unsigned)rbelow(r, rad + 1), r);
        }
    }
    if (!d->qmiss) {
        d->nqmiss = d->nq;
        d->miss_label = "miss";
        d->qmiss = xmalloc((size_t)d->nq * d->nb);
        for (unsigned q = 0; q < d->nq; q++)
            for (unsigned b = 0; b < d->nb; b += 8) {
                uint64_t x = rnext(r);
                memcpy(d->qmiss + (size_t)q * d->nb + b, &x, 8);
            }
    }
}

static void write_dataset(const dataset *d) {
    char path[1024];
    snprintf(path, sizeof path, "%s/data/%s.codes", opt.out, d->name);
    write_file(path, d->codes, d->n * d->nb);
    for (unsigned ri = 0; ri < nradii(d); ri++) {
        snprintf(path, sizeof path, "%s/data/%s.q-hit-r%u", opt.out, d->name,
                 radius_at(d, ri));
        write_file(path, d->qhit[ri], (size_t)d->nq * d->nb);
    }
    snprintf(path, sizeof path, "%s/data/%s.q-%s", opt.out, d->name, d->miss_label);
    write_file(path, d->qmiss, (size_t)d->nqmiss * d->nb);
    FILE *f;
    snprintf(path, sizeof path, "%s/data/%s.meta", opt.out, d->name);
    if (!(f = fopen(path, "w"))) die("cannot write %s", path);
    fprintf(f, "name\t%s\nkind\t%s\ntype\t%s\nbits\t%u\nn\t%zu\nnq\t%u\nnqmiss\t%u\nmiss_label\t%s\nradii\t",
            d->name, d->kind, hm_hash_type_name(d->type), 8 * d->nb, d->n, d->nq,
            d->nqmiss, d->miss_label);
    for (unsigned ri = 0; ri < nradii(d); ri++)
        fprintf(f, "%s%u", ri ? "," : "", radius_at(d, ri));
    fprintf(f, "\n");
    fclose(f);
}

static void free_dataset(dataset *d) {
    free(d->codes);
    for (unsigned i = 0; i < 8; i++) free(d->qhit[i]);
    free(d->qmiss);
    memset(d, 0, sizeof *d);
}

/* ---- MIH model (mirrors lib/index/mih.c, for calibration only) ------------- */
/*
 * The library does not expose its MIH geometry, so this recomputes it with
 * the same rules (contiguous substrings, the first bits % m one bit longer,
 * refined pigeonhole radii, m chosen by the cost model for the radius the
 * index is tuned for) and checks the result against hm_index_stats'
 * bytes_structures.  Constants are the library's at the time of writing.
 */
#define M_C_PROBE 50.0
#define M_C_CAND_256 40.0
#define M_C_CAND_64 3.5
#define M_C_SCAN_256 1.6
#define M_C_SCAN_64 0.4
#define MAXM 32

static int table_radius(unsigned r, unsigned m, unsigned t) {
    unsigned s = r / m, a = r % m;
    return t <= a ? (int)s : (int)s - 1;
}

static double binom_sum(unsigned n, int s) {
    double sum = 0, c = 1;
    for (int k = 0; k <= s && k <= (int)n; k++) {
        sum += c;
        c = c * (double)(n - (unsigned)k) / (double)(k + 1);
    }
    return sum;
}

static void split(unsigned bits, unsigned m, unsigned *start, unsigned *len) {
    unsigned pos = 0;
    for (unsigned t = 0; t < m; t++) {
        len[t] = bits / m + (t < bits % m);
        start[t] = pos;
        pos += len[t];
    }
}

static double model_cost(size_t n, unsigned words, unsigned m, const unsigned *len,
                         const double *skew, unsigned r, double *probes_out,
                         double *cands_out) {
    double probes = 0, cands = 0;
    for (unsigned t = 0; t < m; t++) {
        int s = table_radius(r, m, t);
        if (s < 0) continue;
        double p = binom_sum(len[t], s);
        probes += p;
        cands += p * (double)n / ldexp(1.0, (int)len[t]) * (skew ? skew[t] : 1.0);
    }
    if (probes_out) *probes_out = probes;
    if (cands_out) *cands_out = cands;
    return probes * M_C_PROBE + cands * (words == 1 ? M_C_CAND_64 : M_C_CAND_256);
}

static unsigned model_choose_m(size_t n, unsigned bits, unsigned r) {
    unsigned best = 0;
    double best_cost = 0;
    if (n < 1024) return 0;
    for (unsigned m = 2; m <= MAXM && m <= bits / 4; m++) {
        unsigned start[MAXM], len[MAXM];
        double slots = 0;
        split(bits, m, start, len);
        if (len[0] > 24) continue;
        for (unsigned t = 0; t < m; t++) slots += ldexp(1.0, (int)len[t]);
        if (slots > 4.0 * (double)n + 65536.0 * m) continue;
        double c = model_cost(n, bits / 64, m, len, NULL, r, NULL, NULL);
        if (!best || c < best_cost) {
            best = m;
            best_cost = c;
        }
    }
    return best;
}

/* The library keeps codes as 64-bit words read from the canonical bytes
 * in memory order (little-endian load); keys are bit fields of them. */
static uint32_t key_of(const uint8_t *c, unsigned nb, unsigned start, unsigned len) {
    uint64_t w[5] = {0};
    memcpy(w, c, nb);
    unsigned wi = start >> 6, o = start & 63;
    uint64_t v = w[wi] >> o;
    if (o + len > 64) v |= w[wi + 1] << (64 - o);
    return (uint32_t)(v & ((1ull << len) - 1));
}

typedef struct model {
    unsigned m, bits;
    unsigned start[MAXM], len[MAXM];
    uint32_t *cnt[MAXM];
    double skew[MAXM];
    size_t n; /* unique codes */
} model;

static int cmp_code_nb;
static int cmp_codes(const void *a, const void *b) {
    return memcmp(a, b, (size_t)cmp_code_nb);
}

/* Unique codes of the data set (sorted copy). */
static uint8_t *unique_codes(const dataset *d, size_t *nu) {
    uint8_t *u = xmalloc(d->n * d->nb);
    memcpy(u, d->codes, d->n * d->nb);
    cmp_code_nb = (int)d->nb;
    qsort(u, d->n, d->nb, cmp_codes);
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++)
        if (!k || memcmp(u + (k - 1) * d->nb, u + i * d->nb, d->nb))
            memmove(u + k++ * d->nb, u + i * d->nb, d->nb);
    *nu = k;
    return u;
}

static void model_build(model *md, const dataset *d, unsigned tuned_r) {
    size_t nu;
    uint8_t *u = unique_codes(d, &nu);
    memset(md, 0, sizeof *md);
    md->bits = 8 * d->nb;
    md->n = nu;
    md->m = model_choose_m(nu, md->bits, tuned_r);
    if (!md->m) {
        free(u);
        return;
    }
    split(md->bits, md->m, md->start, md->len);
    for (unsigned t = 0; t < md->m; t++) {
        const size_t nk = (size_t)1 << md->len[t];
        uint32_t *c = xcalloc(nk, sizeof *c);
        for (size_t i = 0; i < nu; i++) c[key_of(u + i * d->nb, d->nb, md->start[t], md->len[t])]++;
        double sq = 0;
        for (size_t k = 0; k < nk; k++) sq += (double)c[k] * c[k];
        md->skew[t] = sq / ((double)nu * nu / (double)nk);
        if (md->skew[t] < 1) md->skew[t] = 1;
        md->cnt[t] = c;
    }
    free(u);
}

static void model_free(model *md) {
    for (unsigned t = 0; t < md->m; t++) free(md->cnt[t]);
    memset(md, 0, sizeof *md);
}

/* Predicted MIH bytes (codes + structure) for a check against the stats. */
static double model_bytes(const model *md) {
    double b = (double)md->n * md->bits / 8;
    for (unsigned t = 0; t < md->m; t++) {
        b += (ldexp(1.0, (int)md->len[t]) + 1) * 4 + (double)md->n * 4;
        if (md->bits == 64) b += (double)md->n * 8;
    }
    return b;
}

/* Exact probes and candidates (bucket entries read, before verification)
 * of one MIH query. */
static void model_query(const model *md, const uint8_t *q, unsigned r, double *probes,
                        double *cands) {
    double p = 0, c = 0;
    for (unsigned t = 0; t < md->m; t++) {
        int s = table_radius(r, md->m, t);
        if (s < 0) continue;
        const unsigned len = md->len[t];
        const uint32_t key = key_of(q, md->bits / 8, md->start[t], len), limit = 1u << len;
        p += 1;
        c += md->cnt[t][key];
        for (int bf = 1; bf <= s && bf <= (int)len; bf++) {
            uint32_t mask = (1u << bf) - 1;
            while (mask < limit) {
                p += 1;
                c += md->cnt[t][key ^ mask];
                uint32_t lo = mask & -mask, rr = mask + lo;
                mask = (((rr ^ mask) >> 2) / lo) | rr;
            }
        }
    }
    *probes = p;
    *cands = c;
}

/* ---- index build and queries ------------------------------------------------- */

static FILE *f_res, *f_build, *f_model, *f_bw, *f_auto;


static hm_index *build_index(const dataset *d, int with_bk, double *t_add,
                             double *t_commit, uint64_t *rss_growth) {
    hm_index *idx;
    uint32_t list;
    char id[32];
    hm_hash h;
    if (hm_index_create(&idx) != HM_OK) die("hm_index_create");
    if (with_bk &&
        hm_index_set(idx, HM_INDEX_STRUCTURES, (1 << HM_STRUCT_MIH) | (1 << HM_STRUCT_BKTREE)) != HM_OK)
        die("hm_index_set: %s", hm_last_error());
    if (hm_index_list(idx, "bench", &list) != HM_OK) die("hm_index_list");
    uint64_t rss0 = bench_rss_trimmed();
    double t0 = now();
    memset(&h, 0, sizeof h);
    h.type = d->type;
    h.quality = -1;
    for (size_t i = 0; i < d->n; i++) {
        memcpy(h.bytes, d->codes + i * d->nb, d->nb);
        snprintf(id, sizeof id, "%zu", i);
        int st = hm_index_add(idx, list, &h, id, NULL);
        if (st != HM_OK) die("hm_index_add: %s", hm_last_error());
    }
    double t1 = now();
    int st = hm_index_commit(idx);
    if (st != HM_OK) die("hm_index_commit: %s", hm_last_error());
    double t2 = now();
    *t_add = t1 - t0;
    *t_commit = t2 - t1;
    uint64_t rss1 = bench_rss_trimmed();
    *rss_growth = rss1 > rss0 ? rss1 - rss0 : 0;
    return idx;
}

static const char *sname(int s) {
    switch (s) {
    case HM_STRUCT_AUTO: return "auto";
    case HM_STRUCT_SCAN: return "scan";
    case HM_STRUCT_MIH: return "mih";
    case HM_STRUCT_BKTREE: return "bktree";
    default: return "?";
    }
}

typedef struct runres {
    unsigned nq;
    double med, p90, mean;
    double mean_hits;
    unsigned used[4]; /* AUTO: queries per structure used */
    uint32_t *hits;   /* per query */
    double *ms;       /* per query, in query order */
} runres;

static void runres_free(runres *x) {
    free(x->hits);
    free(x->ms);
    x->hits = NULL;
    x->ms = NULL;
}

/* Median over the first n queries (the queries every compared run did). */
static double prefix_median(const runres *x, unsigned n) {
    if (!x || !x->ms || !n) return NAN;
    double *v = xmalloc(n * sizeof *v);
    memcpy(v, x->ms, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_double);
    double m = quantile(v, n, 0.5);
    free(v);
    return m;
}

/* Structures run one after the other on the same queries: without this,
 * the second would find the buckets and codes the first touched still in
 * the caches.  Writing a buffer of 4x the L3 size evicts them. */
static uint8_t *g_evict;
static size_t g_evict_n = (size_t)128 << 20;

static void evict_caches(void) {
    if (!g_evict) {
        g_evict = xmalloc(g_evict_n);
        memset(g_evict, 0, g_evict_n);
    }
    for (size_t i = 0; i < g_evict_n; i += 64) g_evict[i]++;
}

/* Time queries one by one until all ran, or the budget is spent and at
 * least min_q ran. */
static void run_queries(hm_snapshot *snap, hm_results *res, const dataset *d,
                        const uint8_t *qs, unsigned nq, unsigned r, int structure,
                        unsigned min_q, double budget, runres *out) {
    hm_query_opts o;
    hm_hash h;
    double *ms = xmalloc(nq * sizeof *ms);
    hm_query_opts_init(&o);
    o.radius = (int)r;
    o.structure = structure;
    o.min_quality = 0;
    memset(&h, 0, sizeof h);
    h.type = d->type;
    h.quality = -1;
    memset(out, 0, sizeof *out);
    out->hits = xcalloc(nq, sizeof *out->hits);
    /* warm-up (allocations): one query that is not in the set, untimed */
    for (unsigned b = 0; b < d->nb; b++) h.bytes[b] = (uint8_t)~qs[b];
    if (hm_snapshot_query(snap, &h, 1, &o, res) != HM_OK)
        die("query: %s", hm_last_error());
    evict_caches();
    double start = now(), sum = 0, hsum = 0;
    unsigned q = 0;
    for (; q < nq; q++) {
        if (q >= min_q && now() - start > budget) break;
        memcpy(h.bytes, qs + (size_t)q * d->nb, d->nb);
        double t0 = now();
        int st = hm_snapshot_query(snap, &h, 1, &o, res);
        double t1 = now();
        if (st != HM_OK) die("query: %s", hm_last_error());
        ms[q] = 1e3 * (t1 - t0);
        sum += ms[q];
        out->hits[q] = (uint32_t)hm_results_count(res);
        hsum += out->hits[q];
        int u = hm_results_structure(res);
        if (u >= 0 && u < 4) out->used[u]++;
    }
    out->nq = q;
    out->mean = q ? sum / q : NAN;
    out->mean_hits = q ? hsum / q : NAN;
    out->ms = xmalloc((q ? q : 1) * sizeof *out->ms);
    memcpy(out->ms, ms, q * sizeof *ms);
    qsort(ms, q, sizeof *ms, cmp_double);
    out->med = quantile(ms, q, 0.5);
    out->p90 = quantile(ms, q, 0.9);
    free(ms);
}

/* AUTO against the scan and the forced structures, on the same queries. */
static void emit_auto(const dataset *d, unsigned r, const char *qkind, const char *variant,
                      const runres *scan, const runres *mih, const runres *bk,
                      const runres *autor) {
    unsigned n = autor->nq;
    if (scan->nq < n) n = scan->nq;
    if (mih && mih->nq < n) n = mih->nq;
    if (bk && bk->nq < n) n = bk->nq;
    fprintf(f_auto, "%s\t%s\t%s\t%u\t%zu\t%u\t%s\t%s\t%u\t%.5f\t%.5f\t%.5f\t%.5f\t%u\t%u\t%u\n",
            d->name, d->kind, hm_hash_type_name(d->type), 8 * d->nb, d->n, r, qkind, variant, n,
            prefix_median(scan, n), mih ? prefix_median(mih, n) : NAN,
            bk ? prefix_median(bk, n) : NAN, prefix_median(autor, n),
            autor->used[HM_STRUCT_SCAN], autor->used[HM_STRUCT_MIH], autor->used[HM_STRUCT_BKTREE]);
    fflush(f_auto);
}

static void emit(const dataset *d, unsigned r, const char *qkind, const char *variant,
                 int structure, const runres *x, const char *check) {
    fprintf(f_res, "%s\t%s\t%s\t%u\t%zu\t%u\t%s\t%s\t%s\t%u\t%.5f\t%.5f\t%.5f\t%.2f\t%u\t%u\t%u\t%s\n",
            d->name, d->kind, hm_hash_type_name(d->type), 8 * d->nb, d->n, r, qkind,
            sname(structure), variant, x->nq, x->med, x->p90, x->mean, x->mean_hits,
            x->used[HM_STRUCT_SCAN], x->used[HM_STRUCT_MIH], x->used[HM_STRUCT_BKTREE],
            check);
    fflush(f_res);
}

/* Compare hit counts over the queries both runs did; "ok" or a message. */
static void compare_hits(const runres *a, const runres *b, char *buf, size_t cap,
                         const dataset *d, unsigned r, const char *qkind,
                         const char *sa, const char *sb) {
    unsigned n = a->nq < b->nq ? a->nq : b->nq, bad = 0, first = 0;
    for (unsigned q = 0; q < n; q++)
        if (a->hits[q] != b->hits[q]) {
            if (!bad) first = q;
            bad++;
        }
    if (!bad) {
        if (strcmp(buf, "") == 0) snprintf(buf, cap, "ok");
        return;
    }
    snprintf(buf, cap, "MISMATCH %s vs %s: %u of %u queries (first q%u: %u vs %u)", sa, sb,
             bad, n, first, a->hits[first], b->hits[first]);
    logmsg("WRONG RESULT: %s r=%u %s: %s", d->name, r, qkind, buf);
}

static void save_hits(const dataset *d, unsigned r, const char *qkind, const runres *x) {
    char path[1024];
    snprintf(path, sizeof path, "%s/hits/%s.%s-r%u", opt.out, d->name, qkind, r);
    FILE *f = fopen(path, "w");
    if (!f) die("cannot write %s", path);
    for (unsigned q = 0; q < x->nq; q++) fprintf(f, "%u\n", x->hits[q]);
    fclose(f);
}

static void bench_dataset(dataset *d) {
    double t_add, t_commit;
    uint64_t rss_growth;
    hm_index_stats st;
    model md;
    const unsigned tuned_r = d->nb == 32 ? HM_DEFAULT_PDQ_THRESHOLD : HM_DEFAULT_64BIT_THRESHOLD;

    logmsg("%s: writing data files", d->name);
    write_dataset(d);

    logmsg("%s: building (MIH)", d->name);
    hm_index *idx = build_index(d, 0, &t_add, &t_commit, &rss_growth);
    if (hm_index_stats_get(idx, &st) != HM_OK) die("stats");

    logmsg("%s: MIH model (for calibration)", d->name);
    model_build(&md, d, tuned_r);
    double pred_bytes = model_bytes(&md);
    int model_ok = md.n == st.unique_hashes &&
                   fabs(pred_bytes - (double)st.bytes_structures) < 8192;
    double skew_max = 0, skew_mean = 0;
    for (unsigned t = 0; t < md.m; t++) {
        skew_mean += md.skew[t] / md.m;
        if (md.skew[t] > skew_max) skew_max = md.skew[t];
    }
    if (!model_ok)
        logmsg("%s: note: the MIH model does not reproduce the library's geometry "
               "(unique %zu vs %" PRIu64 ", bytes %.0f vs %" PRIu64 ")",
               d->name, md.n, st.unique_hashes, pred_bytes, st.bytes_structures);

    /* save / load */
    double t_save = NAN, t_load = NAN;
    uint64_t file_bytes = 0, rss_loaded = 0;
    char lcheck[64] = "n/a";
    if (opt.saveload) {
        char path[1024];
        struct stat sb;
        snprintf(path, sizeof path, "%s/index.hmi", opt.out);
        double t0 = now();
        if (hm_index_save(idx, path) != HM_OK) die("save: %s", hm_last_error());
        t_save = now() - t0;
        if (stat(path, &sb) == 0) file_bytes = (uint64_t)sb.st_size;
        /* drop the file from the page cache? No: a load right after a save
         * reads from the cache, as a restart of a service usually would. */
        hm_index *idx2;
        if (hm_index_create(&idx2) != HM_OK) die("create");
        uint64_t r0 = bench_rss_trimmed();
        t0 = now();
        if (hm_index_load(idx2, path) != HM_OK) die("load: %s", hm_last_error());
        t_load = now() - t0;
        uint64_t r1 = bench_rss_trimmed();
        rss_loaded = r1 > r0 ? r1 - r0 : 0;
        /* the loaded index answers as the original */
        hm_snapshot *s1, *s2;
        hm_results *ra, *rb;
        hm_index_acquire(idx, &s1);
        hm_index_acquire(idx2, &s2);
        hm_results_create(&ra);
        hm_results_create(&rb);
        runres x1, x2;
        unsigned rr = radius_at(d, 1), nqc = d->nq < 20 ? d->nq : 20;
        run_queries(s1, ra, d, d->qhit[1], nqc, rr, HM_STRUCT_AUTO, nqc, 1e9, &x1);
        run_queries(s2, rb, d, d->qhit[1], nqc, rr, HM_STRUCT_AUTO, nqc, 1e9, &x2);
        lcheck[0] = 0;
        compare_hits(&x1, &x2, lcheck, sizeof lcheck, d, rr, "hit(load)", "orig", "loaded");
        runres_free(&x1);
        runres_free(&x2);
        hm_results_free(ra);
        hm_results_free(rb);
        hm_snapshot_release(s1);
        hm_snapshot_release(s2);
        hm_index_free(idx2);
        unlink(path);
    }

    /* queries */
    hm_snapshot *snap;
    hm_results *res;
    if (hm_index_acquire(idx, &snap) != HM_OK || hm_results_create(&res) != HM_OK)
        die("acquire");
    runres keep_scan[8][2], keep_mih[8][2];
    for (unsigned ri = 0; ri < nradii(d); ri++) {
        const unsigned r = radius_at(d, ri);
        for (int k = 0; k < 2; k++) {
            const char *qkind = k ? d->miss_label : "hit";
            const uint8_t *qs = k ? d->qmiss : d->qhit[ri];
            const unsigned nq = k ? d->nqmiss : d->nq;
            runres xs, xm, xa;
            char check[160] = "";
            logmsg("%s: r=%u %s queries", d->name, r, qkind);
            run_queries(snap, res, d, qs, nq, r, HM_STRUCT_SCAN, opt.min_queries, opt.budget, &xs);
            run_queries(snap, res, d, qs, nq, r, HM_STRUCT_MIH, opt.min_queries, opt.budget, &xm);
            run_queries(snap, res, d, qs, nq, r, HM_STRUCT_AUTO, opt.min_queries, opt.budget, &xa);
            compare_hits(&xs, &xm, check, sizeof check, d, r, qkind, "scan", "mih");
            compare_hits(&xs, &xa, check, sizeof check, d, r, qkind, "scan", "auto");
            emit(d, r, qkind, "mih-only", HM_STRUCT_SCAN, &xs, check);
            emit(d, r, qkind, "mih-only", HM_STRUCT_MIH, &xm, check);
            emit(d, r, qkind, "mih-only", HM_STRUCT_AUTO, &xa, check);
            /* the longest run carries the reference hit counts */
            const runres *best = xs.nq >= xm.nq ? (xs.nq >= xa.nq ? &xs : &xa)
                                                : (xm.nq >= xa.nq ? &xm : &xa);
            save_hits(d, r, qkind, best);
            /* model: probes and candidates of the queries MIH ran */
            if (md.m) {
                double sp = 0, sc = 0;
                double *cv = xmalloc((xm.nq ? xm.nq : 1) * sizeof *cv);
                for (unsigned q = 0; q < xm.nq; q++) {
                    double p, c;
                    model_query(&md, qs + (size_t)q * d->nb, r, &p, &c);
                    sp += p;
                    sc += c;
                    cv[q] = c;
                }
                qsort(cv, xm.nq, sizeof *cv, cmp_double);
                double pp, pc;
                double pred = model_cost(md.n, d->nb / 8, md.m, md.len, md.skew, r, &pp, &pc);
                fprintf(f_model, "%s\t%s\t%u\t%zu\t%u\t%s\t%u\t%u\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.5f\t%.5f\t%.5f\t%.5f\t%.3f\t%.3f\t%d\n",
                        d->name, hm_hash_type_name(d->type), 8 * d->nb, md.n, r, qkind,
                        md.m, xm.nq, xm.nq ? sp / xm.nq : NAN, xm.nq ? sc / xm.nq : NAN,
                        quantile(cv, xm.nq, 0.5), pp, pc, pred / 1e6,
                        xm.med, xs.med, (double)md.n * (d->nb == 32 ? M_C_SCAN_256 : M_C_SCAN_64) / 1e6,
                        skew_max, skew_mean, model_ok);
                fflush(f_model);
                free(cv);
            }
            emit_auto(d, r, qkind, "mih-only", &xs, &xm, NULL, &xa);
            keep_mih[ri][k] = xm;
            runres_free(&xa);
            keep_scan[ri][k] = xs;
        }
    }
    hm_results_free(res);
    hm_snapshot_release(snap);
    hm_index_free(idx);
    const unsigned mih_m = md.m;
    model_free(&md);

    fprintf(f_build, "%s\t%s\t%s\t%u\t%zu\t%" PRIu64 "\tmih\t%.3f\t%.3f\t%" PRIu64 "\t%" PRIu64
                     "\t%" PRIu64 "\t%.3f\t%.3f\t%" PRIu64 "\t%" PRIu64 "\t%s\t%u\t%.3f\t%.3f\n",
            d->name, d->kind, hm_hash_type_name(d->type), 8 * d->nb, d->n, st.unique_hashes,
            t_add, t_commit, st.bytes, st.bytes_structures, rss_growth, t_save, t_load,
            file_bytes, rss_loaded, lcheck, mih_m, skew_max, skew_mean);
    fflush(f_build);

    /* BK-tree */
    if (opt.bk && d->n <= opt.bk_max_n) {
        logmsg("%s: building (MIH + BK-tree)", d->name);
        idx = build_index(d, 1, &t_add, &t_commit, &rss_growth);
        hm_index_stats st2;
        hm_index_stats_get(idx, &st2);
        fprintf(f_build, "%s\t%s\t%s\t%u\t%zu\t%" PRIu64 "\tmih+bktree\t%.3f\t%.3f\t%" PRIu64 "\t%" PRIu64
                         "\t%" PRIu64 "\t\t\t\t\t\t\t\t\n",
                d->name, d->kind, hm_hash_type_name(d->type), 8 * d->nb, d->n,
                st2.unique_hashes, t_add, t_commit, st2.bytes, st2.bytes_structures, rss_growth);
        fflush(f_build);
        hm_index_acquire(idx, &snap);
        hm_results_create(&res);
        for (unsigned ri = 0; ri < nradii(d); ri++) {
            const unsigned r = radius_at(d, ri);
            for (int k = 0; k < 2; k++) {
                const char *qkind = k ? d->miss_label : "hit";
                const uint8_t *qs = k ? d->qmiss : d->qhit[ri];
                const unsigned nq = k ? d->nqmiss : d->nq;
                runres xb, xa;
                char check[160] = "";
                logmsg("%s: r=%u %s queries (BK-tree)", d->name, r, qkind);
                run_queries(snap, res, d, qs, nq, r, HM_STRUCT_BKTREE, opt.bk_min_queries,
                            opt.bk_budget, &xb);
                run_queries(snap, res, d, qs, nq, r, HM_STRUCT_AUTO, opt.min_queries,
                            opt.budget, &xa);
                compare_hits(&keep_scan[ri][k], &xb, check, sizeof check, d, r, qkind, "scan", "bktree");
                compare_hits(&keep_scan[ri][k], &xa, check, sizeof check, d, r, qkind, "scan", "auto+bk");
                emit(d, r, qkind, "with-bktree", HM_STRUCT_BKTREE, &xb, check);
                emit(d, r, qkind, "with-bktree", HM_STRUCT_AUTO, &xa, check);
                emit_auto(d, r, qkind, "with-bktree", &keep_scan[ri][k], &keep_mih[ri][k], &xb, &xa);
                runres_free(&xb);
                runres_free(&xa);
            }
        }
        hm_results_free(res);
        hm_snapshot_release(snap);
        hm_index_free(idx);
    }
    for (unsigned ri = 0; ri < nradii(d); ri++)
        for (int k = 0; k < 2; k++) {
            runres_free(&keep_scan[ri][k]);
            runres_free(&keep_mih[ri][k]);
        }
}

/* ---- streaming-read bandwidth ------------------------------------------------- */

__attribute__((target("avx2"))) static uint64_t read_avx2(const uint8_t *p, size_t n) {
    __m256i a = _mm256_setzero_si256(), b = a, c = a, e = a;
    for (size_t i = 0; i + 128 <= n; i += 128) {
        a = _mm256_xor_si256(a, _mm256_load_si256((const __m256i *)(p + i)));
        b = _mm256_xor_si256(b, _mm256_load_si256((const __m256i *)(p + i + 32)));
        c = _mm256_xor_si256(c, _mm256_load_si256((const __m256i *)(p + i + 64)));
        e = _mm256_xor_si256(e, _mm256_load_si256((const __m256i *)(p + i + 96)));
    }
    a = _mm256_xor_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(c, e));
    return (uint64_t)_mm256_extract_epi64(a, 0) ^ (uint64_t)_mm256_extract_epi64(a, 3);
}

__attribute__((target("avx512f"))) static uint64_t read_avx512(const uint8_t *p, size_t n) {
    __m512i a = _mm512_setzero_si512(), b = a, c = a, e = a;
    for (size_t i = 0; i + 256 <= n; i += 256) {
        a = _mm512_xor_si512(a, _mm512_load_si512((const void *)(p + i)));
        b = _mm512_xor_si512(b, _mm512_load_si512((const void *)(p + i + 64)));
        c = _mm512_xor_si512(c, _mm512_load_si512((const void *)(p + i + 128)));
        e = _mm512_xor_si512(e, _mm512_load_si512((const void *)(p + i + 192)));
    }
    a = _mm512_xor_si512(_mm512_xor_si512(a, b), _mm512_xor_si512(c, e));
    return (uint64_t)_mm512_reduce_add_epi64(a);
}

static void bandwidth(const char *phase) {
    const size_t n = opt.bw_mb << 20;
    uint8_t *p = aligned_alloc(64, n);
    volatile uint64_t sink = 0;
    if (!p) die("out of memory for the bandwidth buffer");
    memset(p, 1, n); /* fault every page in */
    for (int isa = 0; isa < 2; isa++) {
        if (isa == 0 && !__builtin_cpu_supports("avx2")) continue;
        if (isa == 1 && !__builtin_cpu_supports("avx512f")) continue;
        double best = 0, v[11];
        for (int rep = 0; rep < 11; rep++) {
            double t0 = now();
            sink ^= isa ? read_avx512(p, n) : read_avx2(p, n);
            v[rep] = (double)n / (now() - t0) / 1e9;
            if (v[rep] > best) best = v[rep];
        }
        qsort(v, 11, sizeof *v, cmp_double);
        fprintf(f_bw, "%s\t%s\t%zu\t%.2f\t%.2f\n", phase, isa ? "avx512" : "avx2", n, v[5], best);
        logmsg("streaming read (%s, %s, %zu MB, 1 thread): median %.2f GB/s, best %.2f GB/s",
               phase, isa ? "avx512" : "avx2", opt.bw_mb, v[5], best);
    }
    (void)sink;
    free(p);
    fflush(f_bw);
}

/* ---- main ---------------------------------------------------------------------- */

static void usage(void) {
    fprintf(stderr,
            "usage: bench_index -o OUTDIR [options]\n"
            "  --sizes N,N...      sizes of the synthetic sets (default 1000000,10000000)\n"
            "  --sets LIST         uniform,clustered (default both; 'none' for neither)\n"
            "  --types LIST        pdq,phash (default both)\n"
            "  --real-pdq FILE     real PDQ hashes, one hex string per line\n"
            "  --real-phash FILE   real pHash hashes, one hex string per line\n"
            "  --real-replicate N  also replicate the real sets to N with small perturbations\n"
            "  --real-mix N,N      also byte mosaics of the real hashes of these sizes\n"
            "  --no-real-natural   skip the real sets at their natural size\n"
            "  --queries Q         queries per set (default 300)\n"
            "  --budget S          seconds per (set, radius, kind, structure) (default 1.5)\n"
            "  --min-queries Q     queries run whatever the budget (default 15)\n"
            "  --no-bktree         skip the BK-tree builds\n"
            "  --bk-max-n N        largest set with a BK-tree build (default 10000000)\n"
            "  --bk-budget S       seconds per BK-tree run (default 4; at least 3 queries)\n"
            "  --no-saveload       skip save/load\n"
            "  --bw-mb MB          bandwidth buffer (default 1024)\n");
    exit(2);
}

static void add_real(const char *path, int type, unsigned nb, int replicate,
                     size_t mix_n) {
    dataset d;
    size_t n;
    memset(&d, 0, sizeof d);
    uint8_t *all = read_hex(path, nb, &n);
    if (n < 2000) {
        logmsg("%s: only %zu hashes; real set skipped", path, n);
        free(all);
        return;
    }
    /* hold out every 10th hash as "other" queries: real hashes that are not
     * in the index (neighbouring video frames usually are, so many of them
     * still match something) */
    rng r = {seed_of(path) ^ (uint64_t)replicate};
    size_t nidx = 0, nother = 0;
    uint8_t *idxc = xmalloc(n * nb), *oth = xmalloc(n * nb);
    for (size_t i = 0; i < n; i++) {
        if (i % 10 == 5) memcpy(oth + nother++ * nb, all + i * nb, nb);
        else memcpy(idxc + nidx++ * nb, all + i * nb, nb);
    }
    free(all);
    d.type = type;
    d.nb = nb;
    d.nq = opt.queries;
    d.miss_label = "other";
    d.nqmiss = (unsigned)(nother < opt.queries ? nother : opt.queries);
    d.qmiss = xmalloc((size_t)d.nqmiss * nb);
    for (unsigned q = 0; q < d.nqmiss; q++)
        memcpy(d.qmiss + (size_t)q * nb, oth + rbelow(&r, nother) * nb, nb);
    free(oth);
    char sl[32];
    if (replicate == 2) {
        /* mosaic: byte j of each code comes from byte j of a random real
         * hash, so every byte keeps the real distribution (bias and the
         * correlations within it) while codes are distinct and unrelated:
         * real bucket skew at any size, without near-duplicate families */
        d.kind = "realmix";
        d.n = mix_n;
        d.codes = xmalloc(d.n * nb);
        for (size_t i = 0; i < d.n; i++)
            for (unsigned b = 0; b < nb; b++)
                d.codes[i * nb + b] = idxc[rbelow(&r, nidx) * nb + b];
        free(idxc);
    } else if (!replicate) {
        d.kind = "real";
        d.n = nidx;
        d.codes = idxc;
    } else {
        /* replicate: each copy of a real hash with 0..3 (64-bit: 0..1)
         * random bits flipped keeps the real bit statistics */
        d.kind = "realx";
        d.n = opt.real_replicate;
        d.codes = xmalloc(d.n * nb);
        const unsigned maxf = nb == 32 ? 3 : 1;
        for (size_t i = 0; i < d.n; i++) {
            uint8_t *c = d.codes + i * nb;
            memcpy(c, idxc + (i % nidx) * nb, nb);
            if (i >= nidx) flip_bits(c, nb, (unsigned)rbelow(&r, maxf + 1), &r);
        }
        free(idxc);
    }
    size_label(d.n, sl, sizeof sl);
    snprintf(d.name, sizeof d.name, "%s-%s-%s", hm_hash_type_name(type), d.kind, sl);
    make_queries(&d, &r);
    bench_dataset(&d);
    free_dataset(&d);
}

int main(int argc, char **argv) {
    opt.nsizes = 2;
    opt.sizes[0] = 1000000;
    opt.sizes[1] = 10000000;
    opt.do_uniform = opt.do_clustered = opt.do_pdq = opt.do_phash = 1;
    opt.queries = 300;
    opt.budget = 1.5;
    opt.min_queries = 15;
    opt.bk = 1;
    opt.bk_max_n = 10000000;
    opt.bk_budget = 4;
    opt.bk_min_queries = 3;
    opt.saveload = 1;
    opt.bw_mb = 1024;
    opt.real_natural = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV() do { if (!v) usage(); i++; } while (0)
        if (!strcmp(a, "-o")) { NEEDV(); opt.out = v; }
        else if (!strcmp(a, "--sizes")) {
            NEEDV();
            opt.nsizes = 0;
            for (char *s = (char *)v; *s && opt.nsizes < 8;) {
                opt.sizes[opt.nsizes++] = strtoull(s, &s, 10);
                if (*s == ',') s++;
            }
        } else if (!strcmp(a, "--sets")) {
            NEEDV();
            opt.do_uniform = strstr(v, "uniform") != NULL;
            opt.do_clustered = strstr(v, "clustered") != NULL;
        } else if (!strcmp(a, "--types")) {
            NEEDV();
            opt.do_pdq = strstr(v, "pdq") != NULL;
            opt.do_phash = strstr(v, "phash") != NULL;
        } else if (!strcmp(a, "--real-pdq")) { NEEDV(); opt.real_pdq = v; }
        else if (!strcmp(a, "--real-phash")) { NEEDV(); opt.real_phash = v; }
        else if (!strcmp(a, "--real-replicate")) { NEEDV(); opt.real_replicate = strtoull(v, NULL, 10); }
        else if (!strcmp(a, "--real-mix")) {
            NEEDV();
            opt.nreal_mix = 0;
            for (char *s2 = (char *)v; *s2 && opt.nreal_mix < 4;) {
                opt.real_mix[opt.nreal_mix++] = strtoull(s2, &s2, 10);
                if (*s2 == ',') s2++;
            }
        } else if (!strcmp(a, "--no-real-natural")) opt.real_natural = 0;
        else if (!strcmp(a, "--queries")) { NEEDV(); opt.queries = (unsigned)atoi(v); }
        else if (!strcmp(a, "--budget")) { NEEDV(); opt.budget = atof(v); }
        else if (!strcmp(a, "--min-queries")) { NEEDV(); opt.min_queries = (unsigned)atoi(v); }
        else if (!strcmp(a, "--no-bktree")) opt.bk = 0;
        else if (!strcmp(a, "--bk-max-n")) { NEEDV(); opt.bk_max_n = strtoull(v, NULL, 10); }
        else if (!strcmp(a, "--bk-budget")) { NEEDV(); opt.bk_budget = atof(v); }
        else if (!strcmp(a, "--no-saveload")) opt.saveload = 0;
        else if (!strcmp(a, "--bw-mb")) { NEEDV(); opt.bw_mb = strtoull(v, NULL, 10); }
        else usage();
#undef NEEDV
    }
    if (!opt.out || opt.queries < 1) usage();
    char path[1024];
    mkdir(opt.out, 0777);
    snprintf(path, sizeof path, "%s/data", opt.out);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/hits", opt.out);
    mkdir(path, 0777);
#define OPENTSV(f, name, header)                                   \
    do {                                                           \
        snprintf(path, sizeof path, "%s/%s", opt.out, name);       \
        if (!(f = fopen(path, "w"))) die("cannot write %s", path); \
        fputs(header "\n", f);                                     \
    } while (0)
    OPENTSV(f_res, "c-queries.tsv",
            "set\tkind\ttype\tbits\tn\tr\tqkind\tstructure\tvariant\tnq\tmed_ms\tp90_ms\tmean_ms\tmean_hits\tused_scan\tused_mih\tused_bk\tcheck");
    OPENTSV(f_build, "c-build.tsv",
            "set\tkind\ttype\tbits\tn\tunique\tstructures\tadd_s\tcommit_s\tbytes\tbytes_structures\trss_growth\tsave_s\tload_s\tfile_bytes\trss_loaded\tload_check\tmih_m\tskew_max\tskew_mean");
    OPENTSV(f_model, "c-model.tsv",
            "set\ttype\tbits\tunique\tr\tqkind\tm\tnq\tprobes\tcands_mean\tcands_med\tpred_probes\tpred_cands\tpred_mih_ms\tmih_med_ms\tscan_med_ms\tpred_scan_ms\tskew_max\tskew_mean\tgeometry_ok");
    OPENTSV(f_auto, "c-auto.tsv",
            "set\tkind\ttype\tbits\tn\tr\tqkind\tvariant\tnq\tscan_ms\tmih_ms\tbk_ms\tauto_ms\tused_scan\tused_mih\tused_bk");
    OPENTSV(f_bw, "c-bandwidth.tsv", "phase\tisa\tbytes\tmed_gbs\tbest_gbs");

    if (opt.bw_mb) bandwidth("start");

    for (unsigned si = 0; si < opt.nsizes; si++)
        for (int kind = 0; kind < 2; kind++)
            for (int ty = 0; ty < 2; ty++) {
                if ((kind == 0 && !opt.do_uniform) || (kind == 1 && !opt.do_clustered)) continue;
                if ((ty == 0 && !opt.do_pdq) || (ty == 1 && !opt.do_phash)) continue;
                dataset d;
                char sl[32];
                memset(&d, 0, sizeof d);
                d.kind = kind ? "clustered" : "uniform";
                d.type = ty ? HM_HASH_PHASH : HM_HASH_PDQ;
                d.nb = ty ? 8 : 32;
                d.n = opt.sizes[si];
                d.nq = opt.queries;
                size_label(d.n, sl, sizeof sl);
                snprintf(d.name, sizeof d.name, "%s-%s-%s", hm_hash_type_name(d.type), d.kind, sl);
                rng r = {seed_of(d.name)};
                logmsg("%s: generating", d.name);
                d.codes = xmalloc(d.n * d.nb);
                if (kind == 0) {
                    for (size_t i = 0; i < d.n * d.nb; i += 8) {
                        uint64_t x = rnext(&r);
                        memcpy(d.codes + i, &x, 8);
                    }
                } else {
                    gen_clustered(&d, &r);
                }
                make_queries(&d, &r);
                bench_dataset(&d);
                free_dataset(&d);
            }
    for (int t = 0; t < 2; t++) {
        const char *f = t ? opt.real_phash : opt.real_pdq;
        const int type = t ? HM_HASH_PHASH : HM_HASH_PDQ;
        const unsigned nb = t ? 8 : 32;
        if (!f) continue;
        if (opt.real_natural) add_real(f, type, nb, 0, 0);
        if (opt.real_replicate) add_real(f, type, nb, 1, 0);
        for (unsigned k = 0; k < opt.nreal_mix; k++) add_real(f, type, nb, 2, opt.real_mix[k]);
    }
    if (opt.bw_mb) bandwidth("end");
    fclose(f_res);
    fclose(f_build);
    fclose(f_model);
    fclose(f_bw);
    fclose(f_auto);
    logmsg("done");
    return 0;
}
