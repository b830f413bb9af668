/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_sort: sorting with a context argument, the same on every C library.
 *
 * C11's qsort has no context argument, and qsort_r differs between C
 * libraries (glibc and POSIX.1-2024 pass the context last to the
 * comparator, the BSDs and macOS first, musl only from 1.2.3), so the
 * library sorts with its own: an introsort.  Quicksort with a
 * median-of-three pivot and Sedgewick's partition (equal keys stop both
 * scans, so runs of equal elements split evenly), insertion sort below
 * SMALL elements, and heapsort for a range that has been split more than
 * 2 log2 n times, which bounds the worst case at O(n log n).  In place:
 * no allocation, so it cannot fail.  Not stable: the library's
 * comparators are total orders, so the result does not depend on it.
 */
#include <string.h>

#include "common.h"

#define SMALL 16

static void swap(char *a, char *b, size_t size) {
    char t[64];
    while (size > sizeof t) {
        memcpy(t, a, sizeof t);
        memcpy(a, b, sizeof t);
        memcpy(b, t, sizeof t);
        a += sizeof t;
        b += sizeof t;
        size -= sizeof t;
    }
    memcpy(t, a, size);
    memcpy(a, b, size);
    memcpy(b, t, size);
}

static void insertion(char *a, size_t n, size_t size, hm_cmp_fn cmp, void *ctx) {
    for (size_t i = 1; i < n; i++)
        for (char *p = a + i * size; p > a && cmp(p - size, p, ctx) > 0; p -= size)
            swap(p - size, p, size);
}

/* Sift element i down the max-heap a[0..n). */
static void sift(char *a, size_t i, size_t n, size_t size, hm_cmp_fn cmp, void *ctx) {
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) return;
        if (c + 1 < n && cmp(a + c * size, a + (c + 1) * size, ctx) < 0) c++;
        if (cmp(a + i * size, a + c * size, ctx) >= 0) return;
        swap(a + i * size, a + c * size, size);
        i = c;
    }
}

static void heapsort(char *a, size_t n, size_t size, hm_cmp_fn cmp, void *ctx) {
    for (size_t i = n / 2; i-- > 0;) sift(a, i, n, size, cmp, ctx);
    for (size_t end = n - 1; end > 0; end--) {
        swap(a, a + end * size, size);
        sift(a, 0, end, size, cmp, ctx);
    }
}

static void introsort(char *a, size_t n, size_t size, hm_cmp_fn cmp, void *ctx,
                      unsigned depth) {
    while (n > SMALL) {
        if (depth-- == 0) {
            heapsort(a, n, size, cmp, ctx);
            return;
        }
        /* the median of the first, middle and last elements goes first,
         * as the pivot; the last is then not less than it (a sentinel) */
        char *mid = a + n / 2 * size, *last = a + (n - 1) * size;
        if (cmp(mid, a, ctx) < 0) swap(mid, a, size);
        if (cmp(last, mid, ctx) < 0) {
            swap(last, mid, size);
            if (cmp(mid, a, ctx) < 0) swap(mid, a, size);
        }
        swap(a, mid, size);
        /* a[1..j] <= pivot <= a[j+1..n) */
        size_t i = 0, j = n;
        for (;;) {
            do i++;
            while (cmp(a + i * size, a, ctx) < 0);
            do j--;
            while (cmp(a + j * size, a, ctx) > 0);
            if (i >= j) break;
            swap(a + i * size, a + j * size, size);
        }
        swap(a, a + j * size, size);
        /* recurse into the smaller side, loop on the larger: the stack
         * stays within log2 n frames */
        const size_t left = j, right = n - j - 1;
        if (left < right) {
            introsort(a, left, size, cmp, ctx, depth);
            a += (j + 1) * size;
            n = right;
        } else {
            introsort(a + (j + 1) * size, right, size, cmp, ctx, depth);
            n = left;
        }
    }
    insertion(a, n, size, cmp, ctx);
}

void hm_sort(void *base, size_t n, size_t size, hm_cmp_fn cmp, void *ctx) {
    unsigned depth = 0;
    if (n < 2 || size == 0) return;
    for (size_t m = n; m > 1; m >>= 1) depth += 2;
    introsort(base, n, size, cmp, ctx, depth);
}
