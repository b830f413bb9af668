/* SPDX-License-Identifier: BSD-3-Clause */
/* Base64 (RFC 4648, standard alphabet, '=' padding), as hash-sharing APIs
 * carry binary hashes (TMK's .tmk files in TCAP's hash verification API). */
#ifndef HM_BASE64_H
#define HM_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters the encoding of n bytes takes (padded), without a NUL. */
static inline size_t hm_base64_len(size_t n) { return (n + 2) / 3 * 4; }

/* Encode n bytes into out (hm_base64_len(n) characters, then a NUL). */
void hm_base64_encode(const uint8_t *in, size_t n, char *out);

/* Decode `len` characters (padding optional; nothing else, not even
 * white space, is allowed, and the bits after the last whole byte must be
 * zero, so every byte string has exactly one accepted text) into out,
 * which holds `cap` bytes.  Returns the byte count, or -1 when the text is
 * not base64 or decodes to more than `cap` bytes. */
long long hm_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif
