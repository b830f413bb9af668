/* SPDX-License-Identifier: BSD-3-Clause */
/* Hash values: names, canonical strings, parsing and Hamming distance. */
#include <string.h>

#include "hash.h"

_Static_assert(HM_HASH_TYPE_MAX < HM_HASH_TYPE_SLOTS, "hash types fit HM_HASH_TYPE_SLOTS");
_Static_assert(sizeof(hm_hash) == 40, "hm_hash's layout is fixed");

static const char *const kNames[HM_HASH_TYPE_MAX + 1] = {
    NULL,     "pdq",          "phash",         "dhash",        "ahash",
    "md5",    "sha256",       "phashorg_v09",  "phashorg_2014", "phashorg_2026"};
static const unsigned kBits[HM_HASH_TYPE_MAX + 1] = {0,   256, 64, 64, 64,
                                                     128, 256, 64, 64, 64};

unsigned hm_hash_bits(int type) {
    return (type >= 1 && type <= HM_HASH_TYPE_MAX) ? kBits[type] : 0;
}

int hm_default_threshold(int type) {
    switch (type) {
    case HM_HASH_PDQ: return HM_DEFAULT_PDQ_THRESHOLD;
    case HM_HASH_PHASH:
    case HM_HASH_DHASH:
    case HM_HASH_AHASH: return HM_DEFAULT_64BIT_THRESHOLD;
    case HM_HASH_PHASHORG_V09:
    case HM_HASH_PHASHORG_2014:
    case HM_HASH_PHASHORG_2026: return HM_DEFAULT_PHASHORG_THRESHOLD;
    case HM_HASH_MD5:
    case HM_HASH_SHA256: return 0; /* digests match exactly */
    default: return -1;
    }
}

const char *hm_hash_type_name(int type) {
    return (type >= 1 && type <= HM_HASH_TYPE_MAX) ? kNames[type] : NULL;
}

int hm_hash_type_from_name(const char *name) {
    if (!name) return 0;
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
        if (strcmp(name, kNames[t]) == 0) return t;
    return 0;
}

int hm_hash_value_check(int type, const uint8_t *bytes) {
    /* master's final shift leaves bit 0 of every value it packs 0 */
    if (type == HM_HASH_PHASHORG_2014 && (bytes[7] & 1))
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "a %s hash always has bit 0 clear (that version shifts it out): "
                       "an odd value is in another packing (phashorg_v09 or phashorg_2026)",
                       hm_hash_type_name(type));
    return HM_OK;
}

void hm_hash_init(hm_hash *h, int type) {
    memset(h, 0, sizeof *h);
    h->type = type;
    h->quality = -1;
}

static int to_string(const hm_hash *h, char *buf, size_t cap) {
    static const char kHex[] = "0123456789abcdef";
    unsigned bits;
    if (!h || !buf) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL hash or buffer");
    bits = hm_hash_bits(h->type);
    if (bits == 0) return hm_fail(HM_E_INVALID_ARGUMENT, "unknown hash type %d", (int)h->type);
    if (cap < bits / 4 + 1)
        return hm_fail(HM_E_LIMIT, "a %s string needs %u bytes, the buffer has %zu",
                       hm_hash_type_name(h->type), bits / 4 + 1, cap);
    /* bytes are stored in string order, most significant first */
    for (unsigned i = 0; i < bits / 8; i++) {
        buf[2 * i] = kHex[h->bytes[i] >> 4];
        buf[2 * i + 1] = kHex[h->bytes[i] & 15];
    }
    buf[bits / 4] = '\0';
    return HM_OK;
}

hm_status hm_hash_to_string(const hm_hash *h, char *buf, size_t cap) {
    return HM_CALL(to_string(h, buf, cap));
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int bad_string(int type) {
    return hm_fail(HM_E_PARSE, "a %s hash is %u hex digits", hm_hash_type_name(type),
                   hm_hash_bits(type) / 4);
}

static int from_string(int type, const char *str, hm_hash *out) {
    unsigned bits;
    hm_hash h;
    if (!str || !out) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL string or out");
    bits = hm_hash_bits(type);
    if (bits == 0) return hm_fail(HM_E_INVALID_ARGUMENT, "unknown hash type %d", type);
    hm_hash_init(&h, type);
    for (unsigned i = 0; i < bits / 4; i++) {
        int v = hexval(str[i]); /* stops at the NUL of a short string */
        if (v < 0) return bad_string(type);
        h.bytes[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
    }
    if (str[bits / 4] != '\0') return bad_string(type);
    if (hm_hash_value_check(type, h.bytes) != HM_OK) return HM_E_PARSE;
    *out = h;
    return HM_OK;
}

hm_status hm_hash_from_string(int type, const char *str, hm_hash *out) {
    return HM_CALL(from_string(type, str, out));
}

static int distance(const hm_hash *a, const hm_hash *b) {
    unsigned bits;
    int d = 0;
    if (!a || !b) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL hash");
    bits = hm_hash_bits(a->type);
    if (bits == 0) return hm_fail(HM_E_INVALID_ARGUMENT, "unknown hash type %d", (int)a->type);
    if (a->type != b->type)
        return hm_fail(HM_E_TYPE_MISMATCH, "a %s hash and a %s hash have no distance",
                       hm_hash_type_name(a->type),
                       hm_hash_type_name(b->type) ? hm_hash_type_name(b->type) : "unknown");
    for (unsigned i = 0; i < bits / 64; i++) {
        uint64_t x, y;
        memcpy(&x, a->bytes + 8 * i, 8);
        memcpy(&y, b->bytes + 8 * i, 8);
        d += __builtin_popcountll(x ^ y);
    }
    return d;
}

int hm_hash_distance(const hm_hash *a, const hm_hash *b) { return HM_CALL(distance(a, b)); }
