/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIMD level and PDQ's DCT matrix are set up lazily, at first use
 * (lib/common/simd.h), not by load-time constructors: threads that all
 * make their first call at once must get the same scan kernels and the
 * same PDQ DCT, bit for bit, as the portable set computes afterwards.
 * Under ThreadSanitizer (scripts/test-all.sh tsan) a race in that set-up
 * is reported.  Links the static library (internal functions).
 */
#include <pthread.h>
#include <stdint.h>

#include "hash/pdq_stream.h"
#include "index/hamming.h"
#include "test_util.h"

#define THREADS 8
#define SIDE 40

static pthread_barrier_t g_start;
static uint8_t g_img[SIDE * SIDE * 3];

typedef struct first_use {
    const hm_scan_kernels *k;
    hm_pdq_dct dct;
    int st;
} first_use;

static int pdq(hm_simd_level isa, int best, hm_pdq_dct *out) {
    hm_pdq_stream *s;
    int st = best ? hm_pdq_stream_create(SIDE, SIDE, HM_PDQ_FULLRES, &s)
                  : hm_pdq_stream_create_isa(SIDE, SIDE, HM_PDQ_FULLRES, isa, &s);
    if (st != HM_OK) return st;
    for (int y = 0; y < SIDE; y++) hm_pdq_stream_push(s, g_img + (size_t)y * SIDE * 3, 3, 3);
    st = hm_pdq_stream_finish(s, out);
    hm_pdq_stream_free(s);
    return st;
}

static void *run(void *arg) {
    first_use *u = arg;
    pthread_barrier_wait(&g_start);
    u->k = hm_scan_kernels_best();
    u->st = pdq(HM_SIMD_PORTABLE, 1, &u->dct);
    return NULL;
}

int main(void) {
    pthread_t t[THREADS];
    first_use u[THREADS];
    hm_pdq_dct ref;
    for (size_t i = 0; i < sizeof g_img; i++) g_img[i] = (uint8_t)test_rand();
    CHECK_INT(pthread_barrier_init(&g_start, NULL, THREADS), 0);
    for (int i = 0; i < THREADS; i++) CHECK_INT(pthread_create(&t[i], NULL, run, &u[i]), 0);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&g_start);
    CHECK_INT(pdq(HM_SIMD_PORTABLE, 0, &ref), HM_OK);
    for (int i = 0; i < THREADS; i++) {
        CHECK(u[i].k != NULL && u[i].k == hm_scan_kernels_best());
        CHECK_INT(u[i].st, HM_OK);
        CHECK(memcmp(u[i].dct.c, ref.c, sizeof ref.c) == 0);
        CHECK_INT(u[i].dct.quality, ref.quality);
    }
    CHECK(ref.c[0][0] != 0.0f); /* a real DCT, not an empty table's zeros */
    printf("kernels: %s\n", hm_simd_name(hm_scan_kernels_best()->level));
    return test_summary("test_simd_init");
}
