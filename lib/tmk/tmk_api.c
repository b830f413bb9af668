/* SPDX-License-Identifier: BSD-3-Clause */
/* The public TMK+PDQF API (hashmatch.h): an hm_tmk is the internal hash
 * itself, on the heap; every entry validates its arguments and goes
 * through HM_CALL. */
#include <stdlib.h>
#include <string.h>

#include "tmk.h"

float hm_tmk_default_threshold(int level) {
    return level == 1   ? HM_TMK_DEFAULT_LEVEL1_THRESHOLD
           : level == 2 ? HM_TMK_DEFAULT_LEVEL2_THRESHOLD
                        : -1.0f;
}

static int new_tmk(hm_tmk **out) {
    if (!(*out = malloc(sizeof **out))) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    return HM_OK;
}

/* *out = t when st is HM_OK; else t freed and *out NULL */
static int make(hm_tmk **out, int st, hm_tmk *t) {
    if (st != HM_OK) {
        free(t);
        t = NULL;
    }
    *out = t;
    return st;
}

/* A file when from_file, else `size` bytes at data. */
static int hash_video(hm_hasher *h, int from_file, const char *path, const void *data,
                      size_t size, const hm_video_opts *opts, hm_tmk **out, hm_video_info *info) {
    if (info) memset(info, 0, sizeof *info);
    if (!out) return hm_fail(HM_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!h) return hm_fail(HM_E_INVALID_ARGUMENT, "hasher is NULL");
    if (from_file ? !path : !data)
        return hm_fail(HM_E_INVALID_ARGUMENT, "%s is NULL", from_file ? "path" : "data");
    hm_tmk *t;
    int st = new_tmk(&t);
    if (st != HM_OK) return st;
    return make(out, hm_tmk_hash_video(h, path, data, size, opts, t, info), t);
}

hm_status hm_tmk_hash_file(hm_hasher *h, const char *path, const hm_video_opts *opts,
                           hm_tmk **out, hm_video_info *info) {
    return HM_CALL(hash_video(h, 1, path, NULL, 0, opts, out, info));
}

hm_status hm_tmk_hash_memory(hm_hasher *h, const void *data, size_t size,
                             const hm_video_opts *opts, hm_tmk **out, hm_video_info *info) {
    return HM_CALL(hash_video(h, 0, NULL, data, size, opts, out, info));
}

hm_status hm_video_take_tmk(hm_video *v, hm_tmk **out) {
    return HM_CALL(hm_tmk_video_take(v, out));
}

void hm_tmk_free(hm_tmk *t) { free(t); }

/* A new hash read from `n` bytes of a .tmk file, or of its base64. */
static int from_input(const void *in, size_t n, int base64, hm_tmk **out) {
    if (!out) return hm_fail(HM_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!in) return hm_fail(HM_E_INVALID_ARGUMENT, "%s is NULL", base64 ? "text" : "data");
    hm_tmk *t;
    int st = new_tmk(&t);
    if (st != HM_OK) return st;
    return make(out, base64 ? hm_tmk_read_base64(in, n, t) : hm_tmk_read(in, n, t), t);
}

hm_status hm_tmk_from_bytes(const void *data, size_t size, hm_tmk **out) {
    return HM_CALL(from_input(data, size, 0, out));
}

hm_status hm_tmk_from_base64(const char *text, size_t len, hm_tmk **out) {
    return HM_CALL(from_input(text, len, 1, out));
}

/* The output-buffer rule (hashmatch.h): HM_E_LIMIT when cap is short of
 * `need` bytes. */
static int room(const hm_tmk *t, const void *buf, size_t cap, size_t need, const char *what) {
    if (!t || !buf) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL hash or buffer");
    if (cap < need)
        return hm_fail(HM_E_LIMIT, "TMK: %s takes %zu bytes, the buffer holds %zu", what, need,
                       cap);
    return HM_OK;
}

static int to_bytes(const hm_tmk *t, void *buf, size_t cap, size_t *len) {
    if (len) *len = HM_TMK_FILE_SIZE;
    int st = room(t, buf, cap, HM_TMK_FILE_SIZE, "a .tmk file");
    if (st == HM_OK) hm_tmk_write(t, buf);
    return st;
}

hm_status hm_tmk_to_bytes(const hm_tmk *t, void *buf, size_t cap, size_t *len) {
    return HM_CALL(to_bytes(t, buf, cap, len));
}

static int to_base64(const hm_tmk *t, char *buf, size_t cap, size_t *len) {
    if (len) *len = HM_TMK_BASE64_LEN; /* without the NUL */
    int st = room(t, buf, cap, HM_TMK_BASE64_LEN + 1, "its base64 with a NUL");
    return st == HM_OK ? hm_tmk_write_base64(t, buf) : st;
}

hm_status hm_tmk_to_base64(const hm_tmk *t, char *buf, size_t cap, size_t *len) {
    return HM_CALL(to_base64(t, buf, cap, len));
}

static int get_info(const hm_tmk *t, hm_tmk_info *info) {
    if (!t || !info) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL hash or info");
    memset(info, 0, sizeof *info);
    info->frames = t->frames;
    info->fps = HM_TMK_FPS;
    info->periods = HM_TMK_PERIODS;
    info->coefficients = HM_TMK_COEFFS;
    info->dimension = HM_TMK_DIM;
    return HM_OK;
}

hm_status hm_tmk_get_info(const hm_tmk *t, hm_tmk_info *info) {
    return HM_CALL(get_info(t, info));
}

static int get_average(const hm_tmk *t, float *out, size_t n) {
    if (!t || !out) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL hash or out");
    if (n < HM_TMK_DIM)
        return hm_fail(HM_E_LIMIT, "TMK: the average has %d floats, out holds %zu", HM_TMK_DIM,
                       n);
    memcpy(out, t->avg, sizeof t->avg);
    return HM_OK;
}

hm_status hm_tmk_get_average(const hm_tmk *t, float *out, size_t n) {
    return HM_CALL(get_average(t, out, n));
}

static int scores(const hm_tmk *a, const hm_tmk *b, float *level1, float *level2) {
    if (!a || !b) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL hash");
    if (!level1 && !level2) return hm_fail(HM_E_INVALID_ARGUMENT, "level1 and level2 both NULL");
    if (level1) *level1 = hm_tmk_level1(a->avg, b->avg);
    if (level2) *level2 = hm_tmk_level2(a, b);
    return HM_OK;
}

hm_status hm_tmk_scores(const hm_tmk *a, const hm_tmk *b, float *level1, float *level2) {
    return HM_CALL(scores(a, b, level1, level2));
}
