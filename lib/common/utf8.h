/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UTF-8 validation: the one rule, shared by the library (hash-list text,
 * list names) and by hashcheck (JSON escaping).  hashcheck sees only the
 * library's public symbols, so the rule is header-only.
 *
 * Well-formed means RFC 3629: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF.  NUL is a character here;
 * callers that refuse it check for it themselves.
 */
#ifndef HM_UTF8_H
#define HM_UTF8_H

#include <stddef.h>

/* Length (1 to 4) of the well-formed UTF-8 sequence at s, which has n >= 1
 * bytes, or 0 when s does not start one. */
static inline size_t hm_utf8_seq(const unsigned char *s, size_t n) {
    const unsigned c = s[0];
    unsigned lo = 0x80, hi = 0xbf; /* range of the second byte */
    size_t len;
    if (c < 0x80) return 1;
    if (c < 0xc2) return 0; /* a continuation byte, or an overlong 2-byte lead */
    if (c < 0xe0) {
        len = 2;
    } else if (c < 0xf0) {
        len = 3;
        if (c == 0xe0) lo = 0xa0;      /* overlong */
        else if (c == 0xed) hi = 0x9f; /* surrogates */
    } else if (c < 0xf5) {
        len = 4;
        if (c == 0xf0) lo = 0x90;      /* overlong */
        else if (c == 0xf4) hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return len;
}

/* Offset of the first byte of s[0..n) that is not part of well-formed
 * UTF-8, or n when all of it is. */
static inline size_t hm_utf8_invalid_at(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, k;
    while (i < n && (k = hm_utf8_seq(u + i, n - i)) != 0) i += k;
    return i;
}

#endif
