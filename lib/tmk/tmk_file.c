/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The .tmk file (reference: tmk/cpp/io/tmkiotypes.h, layout in
 * docs/tmk.md): little-endian throughout, whatever the host.
 *   0  "TMK1" "FVEC" "PDQF"
 *  12  int32 frames per second, periods P, coefficients m, dimension d,
 *      frame-feature count
 *  32  int32 periods[P], float coefficients[m], float average[d],
 *      float cosine[P][m][d], float sine[P][m][d]
 * Only TMK+PDQF with the reference's parameters is accepted: files with
 * other parameters cannot be compared with ours (the reference refuses
 * such pairs too).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/base64.h"
#include "tmk.h"

static const char kMagic[12] = {'T', 'M', 'K', '1', 'F', 'V', 'E', 'C', 'P', 'D', 'Q', 'F'};

/* The largest pure-average value 8-bit frames can give: a PDQF
 * coefficient is at most 255 * (sum_k |D_ik|)^2 < 255 * 128 = 32,640 with
 * PDQ's DCT matrix D; twice that leaves room for rounding and for other
 * writers' luma. */
#define AVG_MAX 65536.0f
/* Relative tolerance on the norms of the cosine and sine features. */
#define NORM_TOL 1e-3f

/* Where the fields start. */
#define AT_PARAMS 12 /* fps, P, m, d */
#define AT_COUNT 28
#define AT_PERIODS 32
#define AT_COEFFS (AT_PERIODS + 4 * HM_TMK_PERIODS)
#define AT_AVG (AT_COEFFS + 4 * HM_TMK_COEFFS)

static void put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_floats(uint8_t *p, const float *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        put_u32(p + 4 * i, u);
    }
}

static void get_floats(const uint8_t *p, float *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const uint32_t u = get_u32(p + 4 * i);
        memcpy(&v[i], &u, 4);
    }
}

void hm_tmk_write(const hm_tmk *t, uint8_t *out) {
    const int32_t head[5] = {HM_TMK_FPS, HM_TMK_PERIODS, HM_TMK_COEFFS, HM_TMK_DIM, t->frames};
    uint8_t *p = out;
    memcpy(p, kMagic, sizeof kMagic);
    p += sizeof kMagic;
    for (int i = 0; i < 5; i++, p += 4) put_u32(p, (uint32_t)head[i]);
    for (int i = 0; i < HM_TMK_PERIODS; i++, p += 4) put_u32(p, (uint32_t)hm_tmk_periods[i]);
    put_floats(p, hm_tmk_coeffs, HM_TMK_COEFFS);
    p += 4 * HM_TMK_COEFFS;
    put_floats(p, t->avg, HM_TMK_DIM);
    p += 4 * HM_TMK_DIM;
    put_floats(p, &t->cos[0][0][0], sizeof t->cos / 4);
    p += sizeof t->cos;
    put_floats(p, &t->sin[0][0][0], sizeof t->sin / 4);
}

/* The header, parameters and average (the first HM_TMK_LEVEL1_SIZE
 * bytes, present). */
static int read_head(const uint8_t *b, int32_t *frames, float *avg) {
    static const char *const kField[4] = {"frames per second", "period count",
                                          "Fourier coefficient count",
                                          "frame feature dimension"};
    const int32_t want[4] = {HM_TMK_FPS, HM_TMK_PERIODS, HM_TMK_COEFFS, HM_TMK_DIM};
    if (memcmp(b, kMagic, 8) != 0)
        return hm_fail(HM_E_PARSE, "TMK: not a .tmk feature-vector file (no TMK1FVEC magic)");
    if (memcmp(b + 8, kMagic + 8, 4) != 0)
        return hm_fail(HM_E_PARSE, "TMK: frame features of another algorithm than PDQF");
    for (int i = 0; i < 4; i++) {
        const int32_t v = (int32_t)get_u32(b + AT_PARAMS + 4 * i);
        if (v != want[i])
            return hm_fail(HM_E_PARSE, "TMK: %s %d, not %d: incompatible with TMK+PDQF",
                           kField[i], (int)v, (int)want[i]);
    }
    *frames = (int32_t)get_u32(b + AT_COUNT);
    if (*frames < 0)
        return hm_fail(HM_E_PARSE, "TMK: negative frame count %d", (int)*frames);
    for (int i = 0; i < HM_TMK_PERIODS; i++)
        if ((int32_t)get_u32(b + AT_PERIODS + 4 * i) != hm_tmk_periods[i])
            return hm_fail(HM_E_PARSE, "TMK: period %d is %d, not %d: incompatible", i,
                           (int)(int32_t)get_u32(b + AT_PERIODS + 4 * i),
                           (int)hm_tmk_periods[i]);
    float c[HM_TMK_COEFFS];
    get_floats(b + AT_COEFFS, c, HM_TMK_COEFFS);
    if (memcmp(c, hm_tmk_coeffs, sizeof c) != 0)
        return hm_fail(HM_E_PARSE,
                       "TMK: Fourier coefficients other than the reference's: incompatible");
    get_floats(b + AT_AVG, avg, HM_TMK_DIM);
    for (int k = 0; k < HM_TMK_DIM; k++)
        if (!(fabsf(avg[k]) <= AVG_MAX))
            return hm_fail(HM_E_PARSE,
                           "TMK: pure-average value %d is %g (not finite, or beyond what "
                           "frames give)", k, (double)avg[k]);
    return HM_OK;
}

/* A cosine or sine feature: finite, of norm 0 or sqrt(a_j). */
static int check_feature(const float *v, int p, int j, const char *kind) {
    double s = 0;
    for (int k = 0; k < HM_TMK_DIM; k++) {
        if (!isfinite(v[k]))
            return hm_fail(HM_E_PARSE, "TMK: %s feature (period %d, j %d) has a "
                           "non-finite value", kind, p, j);
        s += (double)v[k] * v[k];
    }
    const double want = sqrt((double)hm_tmk_coeffs[j]), got = sqrt(s);
    if (got != 0 && fabs(got - want) > NORM_TOL * want)
        return hm_fail(HM_E_PARSE, "TMK: %s feature (period %d, j %d) has norm %g, "
                       "not 0 or %g: damaged", kind, p, j, got, want);
    return HM_OK;
}

int hm_tmk_read_level1(const void *buf, size_t size, int32_t *frames, float avg[HM_TMK_DIM]) {
    if (size < HM_TMK_LEVEL1_SIZE)
        return hm_fail(HM_E_PARSE, "TMK: %zu bytes, truncated (the header and average "
                       "take %d)", size, HM_TMK_LEVEL1_SIZE);
    return read_head(buf, frames, avg);
}

int hm_tmk_read(const void *buf, size_t size, hm_tmk *t) {
    const uint8_t *b = buf;
    if (size != HM_TMK_FILE_SIZE)
        return hm_fail(HM_E_PARSE, "TMK: %zu bytes, %s (a .tmk file has %d)", size,
                       size < HM_TMK_FILE_SIZE ? "truncated" : "too long", HM_TMK_FILE_SIZE);
    int st = read_head(b, &t->frames, t->avg);
    if (st != HM_OK) return st;
    get_floats(b + HM_TMK_LEVEL1_SIZE, &t->cos[0][0][0], sizeof t->cos / 4);
    get_floats(b + HM_TMK_LEVEL1_SIZE + sizeof t->cos, &t->sin[0][0][0], sizeof t->sin / 4);
    for (int p = 0; p < HM_TMK_PERIODS; p++)
        for (int j = 0; j < HM_TMK_COEFFS; j++)
            if ((st = check_feature(t->cos[p][j], p, j, "cosine")) != HM_OK ||
                (st = check_feature(t->sin[p][j], p, j, "sine")) != HM_OK)
                return st;
    return HM_OK;
}

int hm_tmk_write_base64(const hm_tmk *t, char *out) {
    uint8_t *bytes = malloc(HM_TMK_FILE_SIZE);
    if (!bytes) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    hm_tmk_write(t, bytes);
    hm_base64_encode(bytes, HM_TMK_FILE_SIZE, out);
    free(bytes);
    return HM_OK;
}

int hm_tmk_read_base64(const char *text, size_t len, hm_tmk *t) {
    uint8_t *bytes = malloc(HM_TMK_FILE_SIZE);
    if (!bytes) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    const long long n = hm_base64_decode(text, len, bytes, HM_TMK_FILE_SIZE);
    int st = n < 0 ? hm_fail(HM_E_PARSE, "TMK: not the base64 of a .tmk file (%s)",
                             HM_TMK_BASE64_LEN < len ? "too long"
                                                                   : "bad characters or length")
                   : hm_tmk_read(bytes, (size_t)n, t);
    free(bytes);
    return st;
}
