/* SPDX-License-Identifier: BSD-3-Clause */
/* Hash values: names, canonical strings, parsing and Hamming distance. */
#include <string.h>

#include "hash.h"

static const char *const kNames[HM_HASH_TYPE_MAX + 1] = {
    NULL, "pdq", "phash", "dhash", "ahash", "md5", "sha256"};
static const unsigned kBits[HM_HASH_TYPE_MAX + 1] = {0,  256, 64, 64,
                                                     64, 128, 256};

unsigned hm_hash_bits(int type) {
    return (type >= 1 && type <= HM_HASH_TYPE_MAX) ? kBits[type] : 0;
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

void hm_hash_init(hm_hash *h, int type) {
    memset(h, 0, sizeof *h);
    h->type = type;
    h->quality = -1;
}

hm_status hm_hash_to_string(const hm_hash *h, char *buf, size_t cap) {
    static const char kHex[] = "0123456789abcdef";
    unsigned bits;
    if (!h || !buf) return HM_E_INVALID_ARGUMENT;
    bits = hm_hash_bits(h->type);
    if (bits == 0 || cap < bits / 4 + 1) return HM_E_INVALID_ARGUMENT;
    /* bytes are stored in string order, most significant first */
    for (unsigned i = 0; i < bits / 8; i++) {
        buf[2 * i] = kHex[h->bytes[i] >> 4];
        buf[2 * i + 1] = kHex[h->bytes[i] & 15];
    }
    buf[bits / 4] = '\0';
    return HM_OK;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

hm_status hm_hash_from_string(int type, const char *str, hm_hash *out) {
    unsigned bits;
    hm_hash h;
    if (!str || !out) return HM_E_INVALID_ARGUMENT;
    bits = hm_hash_bits(type);
    if (bits == 0) return HM_E_INVALID_ARGUMENT;
    hm_hash_init(&h, type);
    for (unsigned i = 0; i < bits / 4; i++) {
        int v = hexval(str[i]); /* stops at the NUL of a short string */
        if (v < 0) return HM_E_PARSE;
        h.bytes[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
    }
    if (str[bits / 4] != '\0') return HM_E_PARSE;
    *out = h;
    return HM_OK;
}

int hm_hash_distance(const hm_hash *a, const hm_hash *b) {
    unsigned bits;
    int d = 0;
    if (!a || !b) return HM_E_INVALID_ARGUMENT;
    bits = hm_hash_bits(a->type);
    if (bits == 0) return HM_E_INVALID_ARGUMENT;
    if (a->type != b->type) return HM_E_TYPE_MISMATCH;
    for (unsigned i = 0; i < bits / 64; i++) {
        uint64_t x, y;
        memcpy(&x, a->bytes + 8 * i, 8);
        memcpy(&y, b->bytes + 8 * i, 8);
        d += __builtin_popcountll(x ^ y);
    }
    return d;
}
