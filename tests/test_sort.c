/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_sort (lib/common/sort.c), the library's one sort with a context:
 * against qsort on the same total order, for many sizes, element sizes
 * (below, at and above its 64-byte swap chunk) and input shapes (random,
 * sorted, reversed, equal, few distinct keys, organ pipe, median-of-three
 * killers); the context reaches the comparator; the comparisons stay
 * within O(n log n) on the inputs that make a plain quicksort quadratic.
 */
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "test_util.h"

/* An element: a key, its original position (so that the order is total
 * and the result unique), and padding up to the element size. */
typedef struct elem {
    uint32_t key, pos;
} elem;

static size_t g_size;           /* element size under test (>= sizeof(elem)) */
static unsigned long g_compares; /* comparisons made by hm_sort */

static int cmp_qsort(const void *a, const void *b) {
    const elem *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* ctx: the direction (+1 ascending, -1 descending) */
static int cmp_ctx(const void *a, const void *b, void *ctx) {
    g_compares++;
    return *(const int *)ctx * cmp_qsort(a, b);
}

enum { RANDOM, SORTED, REVERSED, EQUAL, FEW, PIPE, KILLER, SHAPES };
static const char *const kShape[SHAPES] = {"random", "sorted",   "reversed", "equal",
                                           "few",    "organ pipe", "killer"};

static uint32_t key_for(int shape, size_t i, size_t n) {
    switch (shape) {
    case SORTED: return (uint32_t)i;
    case REVERSED: return (uint32_t)(n - i);
    case EQUAL: return 7;
    case FEW: return (uint32_t)(test_rand() % 3);
    case PIPE: return (uint32_t)(i < n / 2 ? i : n - i);
    case KILLER: /* Musser's median-of-3 killer sequence */
        if (n % 2 == 0 && i < n / 2) return (uint32_t)(i % 2 ? n / 2 + i : i + 1);
        return (uint32_t)(2 * (i - n / 2) + 2);
    default: return (uint32_t)test_rand();
    }
}

/* One case: fill, sort both ways, compare element by element (padding
 * included: elements move whole). */
static int one(size_t n, int shape, int dir) {
    char *a = malloc(n * g_size + 1), *b = malloc(n * g_size + 1);
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        elem e = {key_for(shape, i, n), (uint32_t)i};
        memcpy(a + i * g_size, &e, sizeof e);
        for (size_t k = sizeof e; k < g_size; k++) a[i * g_size + k] = (char)(i * 31 + k);
    }
    memcpy(b, a, n * g_size);
    qsort(b, n, g_size, cmp_qsort);
    if (dir < 0) /* descending: the reverse of the ascending order */
        for (size_t i = 0; i < n / 2; i++) {
            char t[256];
            memcpy(t, b + i * g_size, g_size);
            memcpy(b + i * g_size, b + (n - 1 - i) * g_size, g_size);
            memcpy(b + (n - 1 - i) * g_size, t, g_size);
        }
    hm_sort(a, n, g_size, cmp_ctx, &dir);
    if (n && memcmp(a, b, n * g_size) != 0) {
        fprintf(stderr, "n %zu, size %zu, %s, %s: wrong order\n", n, g_size, kShape[shape],
                dir > 0 ? "ascending" : "descending");
        ok = 0;
    }
    free(a);
    free(b);
    return ok;
}

static void orders(void) {
    static const size_t sizes[] = {sizeof(elem), 12, 16, 24, 64, 100, 200};
    static const size_t counts[] = {0, 1, 2, 3, 15, 16, 17, 33, 100, 1000, 4099};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        g_size = sizes[s];
        int bad = 0;
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
            for (int shape = 0; shape < SHAPES; shape++)
                for (int dir = -1; dir <= 1; dir += 2) bad += !one(counts[c], shape, dir);
        CHECK_INT(bad, 0);
    }
    g_size = sizeof(elem);
    for (int shape = 0; shape < SHAPES; shape++) CHECK(one(200000, shape, 1));
}

/* Inputs that make a quicksort quadratic stay near n log2 n comparisons
 * (the heapsort fallback bounds them). */
static void worst_case(void) {
    const size_t n = 100000;
    g_size = sizeof(elem);
    for (int shape = 0; shape < SHAPES; shape++) {
        g_compares = 0;
        CHECK(one(n, shape, 1));
        /* n log2 n is 1.7 million; a quadratic sort would make billions */
        if (g_compares > 8 * 1700000ul) {
            fprintf(stderr, "%s: %lu comparisons for %zu elements\n", kShape[shape],
                    g_compares, n);
            CHECK(0);
        }
    }
}

/* McIlroy's adversary ("A killer adversary for quicksort", 1999): the
 * comparator decides the values as the sort asks, keeping every element
 * it has not had to order "gas" (above all others) and freezing one of
 * two gas elements when they meet, which drives any quicksort to n^2
 * comparisons.  Its state is the sort's context. */
typedef struct adversary {
    int *val;
    int gas, nsolid, candidate;
    unsigned long compares;
} adversary;

static int cmp_adversary(const void *px, const void *py, void *ctx) {
    adversary *ad = ctx;
    const int x = *(const int *)px, y = *(const int *)py;
    ad->compares++;
    if (ad->val[x] == ad->gas && ad->val[y] == ad->gas)
        ad->val[x == ad->candidate ? x : y] = ad->nsolid++;
    if (ad->val[x] == ad->gas) ad->candidate = x;
    else if (ad->val[y] == ad->gas) ad->candidate = y;
    return (ad->val[x] > ad->val[y]) - (ad->val[x] < ad->val[y]);
}

static void killer_adversary(void) {
    const int n = 50000;
    adversary ad = {malloc(n * sizeof(int)), n - 1, 0, 0, 0};
    int *ptr = malloc(n * sizeof(int));
    int sorted = 1;
    for (int i = 0; i < n; i++) {
        ad.val[i] = ad.gas;
        ptr[i] = i;
    }
    hm_sort(ptr, (size_t)n, sizeof *ptr, cmp_adversary, &ad);
    for (int i = 1; i < n; i++)
        if (ad.val[ptr[i - 1]] > ad.val[ptr[i]]) sorted = 0;
    CHECK(sorted);
    /* n log2 n is 780,000; a quicksort without its heapsort fallback makes
     * over a billion here */
    printf("adversary: %lu comparisons for %d elements\n", ad.compares, n);
    CHECK(ad.compares < 10 * 780000ul);
    free(ad.val);
    free(ptr);
}

int main(void) {
    orders();
    worst_case();
    killer_adversary();
    return test_summary("test_sort");
}
