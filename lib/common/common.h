/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal helpers shared by every stage: the error message, numbers in
 * text, image buffers, growable arrays, sorting. */
#ifndef HM_COMMON_H
#define HM_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "hashmatch.h"

/* ---- hash types --------------------------------------------------------- */

/* The types computed from an image's pixels: the public perceptual set
 * (which keeps the first release's members) and pHash.org's packings;
 * and every type there is. */
#define HM_TYPES_PIXEL (HM_TYPES_PERCEPTUAL | HM_TYPES_PHASHORG)
#define HM_TYPES_EVERY (HM_TYPES_ALL | HM_TYPES_PHASHORG)

/* The 64-bit integer of 8 bytes, most significant first (the order of a
 * hash's canonical bytes), and back. */
static inline uint64_t hm_load_be64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}
static inline void hm_store_be64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* ---- the calling thread's error message (hm_last_error) ---------------- */

/* Longest detail message, NUL included (longer ones are cut). */
#define HM_ERRMSG_MAX 1024

/* The library's one piece of per-thread state: the detail message of the
 * last public call the thread made.  Every public function that returns
 * an hm_status clears it at entry (hm_err_clear) and ends through
 * hm_err_done, directly or as HM_CALL does:
 *
 *     hm_status hm_x(...) { return HM_CALL(x(...)); }
 *
 * Internal code reports a failure with `return hm_fail(st, "...", ...)`,
 * which sets the message; a failure that sets none gets hm_strerror's
 * text from hm_err_done, so the message is never empty after a failure
 * and always empty after success. */
#if defined(__GNUC__) || defined(__clang__)
#define HM_HIDDEN __attribute__((visibility("hidden")))
#else
#define HM_HIDDEN
#endif
/* The message itself (common.c); inline access, so that a public call
 * costs one look-up of the thread's storage, not two calls. */
extern HM_HIDDEN _Thread_local char hm_t_msg[HM_ERRMSG_MAX];
void hm_err_default(int status); /* hm_strerror's text */
static inline void hm_err_clear(void) { hm_t_msg[0] = '\0'; }
static inline int hm_err_done(int status) {
    if (status >= 0) hm_t_msg[0] = '\0'; /* HM_OK, or a count (hm_hash_distance) */
    else if (!hm_t_msg[0]) hm_err_default(status);
    return status;
}
#define HM_CALL(expr) (hm_err_clear(), hm_err_done(expr))

/* Set the calling thread's message.  hm_fail(status, fmt, ...) sets it
 * and is `status` (a macro, so that the compiler sees which). */
void hm_err_set(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
#define hm_fail(status, ...) (hm_err_set(__VA_ARGS__), (status))

/* Put context before the message set so far (e.g. a file name:
 * hm_fail_prefix(st, "%s: ", path)); hm_strerror's text stands in for a
 * message not set.  Returns `status`. */
int hm_fail_prefix(int status, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The message as it stands (what hm_last_error returns). */
const char *hm_err_msg(void);

/* Why GIF, BMP, TIFF and videos other than animated WebP are
 * HM_E_UNSUPPORTED in a library built without FFmpeg. */
#define HM_NO_FFMPEG "this libhashmatch was built without FFmpeg (HM_WITH_FFMPEG=OFF)"

/* Numbers in text, whatever the process's locale (LC_NUMERIC may make
 * printf write "1,5" and strtod stop at "1.5"'s point): every number the
 * library prints or parses goes through these, which work in the "C"
 * locale for the calling thread only (uselocale), for the one call. */
int hm_snprintf_c(char *buf, size_t cap, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
double hm_strtod_c(const char *s, char **end);

/* An 8-bit image: `channels` colour channels (1 grey, 3 RGB) stored with
 * `bpp` bytes per pixel (4 = RGBA/RGBX, the 4th byte ignored). */
typedef struct hm_image {
    const uint8_t *px;
    uint32_t w, h;
    size_t stride;
    int bpp;
    int channels;
    uint8_t *owned; /* non-NULL when px is ours to free */
} hm_image;

/* Allocate an owned w x h image (stride = w * bpp).  Returns HM_OK or
 * HM_E_NO_MEMORY.  The caller has already checked the pixel limit. */
int hm_image_alloc(hm_image *img, uint32_t w, uint32_t h, int channels,
                   int bpp);
void hm_image_release(hm_image *img);

/* Turning an image by a dihedral variant (an hm_dihedral): EXIF
 * orientation, video rotation metadata and the hashes' variants share it.
 * Pixel (y, x) of the turned image comes from (*sy, *sx) of the w x h
 * source; the turned image is h x w (wide x tall) when v transposes. */
int hm_dihedral_transposes(int v);
void hm_dihedral_src(int v, int w, int h, int y, int x, int *sy, int *sx);
/* The w x h source (`bpp` bytes per pixel, rows `stride` apart) turned by
 * v into dst, rows packed (turned width x bpp bytes apart). */
void hm_turn_image(const uint8_t *src, uint32_t w, uint32_t h, size_t stride,
                   int bpp, int v, uint8_t *dst);

/* Hot loops written to vectorise get an AVX2 clone chosen at load time
 * (GCC's target_clones, resolved by the dynamic loader from the CPU; the
 * HM_SIMD cap of simd.h does not apply); the portable version is the
 * default.  Loops that count bits get a POPCNT clone the same way.  The
 * hand-vectorised kernels use simd.h instead. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HM_CLONES __attribute__((target_clones("avx2", "default")))
#define HM_CLONES_POPCNT __attribute__((target_clones("popcnt", "default")))
#else
#define HM_CLONES
#define HM_CLONES_POPCNT
#endif

/* Overflow-checked size_t multiplication: returns 0 on overflow. */
static inline int hm_mul_ok(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}

/* Whether the n words at v are all zero: the check of an options struct's
 * reserved fields (callers must leave them 0, so later versions can give
 * them a meaning).  HM_ZERO_WORDS takes the array itself. */
static inline int hm_zero_words(const uint64_t *v, size_t n) {
    uint64_t any = 0;
    for (size_t i = 0; i < n; i++) any |= v[i];
    return any == 0;
}
#define HM_ZERO_WORDS(arr) hm_zero_words((arr), sizeof(arr) / sizeof((arr)[0]))

/* Growable arrays: make room for `need` elements of `elem` bytes in the
 * array whose address is `parr` (a T **) and whose capacity is *cap,
 * growing the capacity from `first` by doubling.  HM_OK, or
 * HM_E_NO_MEMORY with the array and *cap unchanged.  HM_RESERVE takes
 * the array itself: HM_RESERVE(v, cap, n + 1, 64). */
int hm_reserve(void *parr, size_t *cap, size_t need, size_t elem, size_t first);
#define HM_RESERVE(arr, cap, need, first) \
    hm_reserve(&(arr), &(cap), (need), sizeof *(arr), (first))

/* Sorting with a context: hm_sort orders base[0..n) (elements of `size`
 * bytes) by cmp, which gets `ctx` as its third argument (sort.c: an
 * introsort, O(n log n) at worst, in place, not stable, the same on every
 * C library).  Comparators that need state take it from ctx, never from
 * a global. */
typedef int (*hm_cmp_fn)(const void *a, const void *b, void *ctx);
void hm_sort(void *base, size_t n, size_t size, hm_cmp_fn cmp, void *ctx);

#endif
