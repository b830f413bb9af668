/* SPDX-License-Identifier: BSD-3-Clause */
/* Hash values: canonical strings, parsing, distance, and bit orientation. */
#include "hashmatch.h"
#include "test_util.h"

static void roundtrip(int type, const char *hex) {
    hm_hash h;
    char out[HM_HASH_STRING_MAX];
    CHECK_INT(hm_hash_from_string(type, hex, &h), HM_OK);
    CHECK_INT(h.type, type);
    CHECK_INT(h.quality, -1);
    CHECK_INT(hm_hash_to_string(&h, out, sizeof out), HM_OK);
    CHECK_STR(out, hex, hm_hash_type_name(type));
}

static void parsing(void) {
    hm_hash h;
    char buf[80];
    roundtrip(HM_HASH_PDQ,
              "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22");
    roundtrip(HM_HASH_PHASH, "ba8c84536bd3c366");
    roundtrip(HM_HASH_DHASH, "0026273b2b19550e");
    roundtrip(HM_HASH_AHASH, "ffd7918181c9ffff");
    roundtrip(HM_HASH_MD5, "900150983cd24fb0d6963f7d28e17f72");
    roundtrip(HM_HASH_SHA256,
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* upper case parses, prints lower case */
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASH, "BA8C84536BD3C366", &h), HM_OK);
    hm_hash_to_string(&h, buf, sizeof buf);
    CHECK_STR(buf, "ba8c84536bd3c366", "upper case input");
    /* malformed strings */
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASH, "", &h), HM_E_PARSE);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASH, "ba8c84536bd3c36", &h), HM_E_PARSE);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASH, "ba8c84536bd3c3661", &h), HM_E_PARSE);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASH, "ba8c84536bd3c36g", &h), HM_E_PARSE);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASH, " ba8c84536bd3c36", &h), HM_E_PARSE);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASH, "0xba8c84536bd3c3", &h), HM_E_PARSE);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASH, "ba8c84536bd3c366\n", &h), HM_E_PARSE);
    CHECK_INT(hm_hash_from_string(HM_HASH_PDQ, "ba8c84536bd3c366", &h), HM_E_PARSE);
    CHECK_INT(hm_hash_from_string(0, "ba8c84536bd3c366", &h), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_from_string(99, "ba8c84536bd3c366", &h), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASH, NULL, &h), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_hash_from_string(HM_HASH_PHASH, "ba8c84536bd3c366", NULL),
              HM_E_INVALID_ARGUMENT);
    /* output buffer too small */
    hm_hash_from_string(HM_HASH_PHASH, "ba8c84536bd3c366", &h);
    CHECK_INT(hm_hash_to_string(&h, buf, 16), HM_E_LIMIT);
    CHECK_INT(hm_hash_to_string(&h, buf, 17), HM_OK);
    CHECK_INT(hm_hash_to_string(NULL, buf, 17), HM_E_INVALID_ARGUMENT);
}

static void distance(void) {
    hm_hash a, b, c;
    hm_hash_from_string(HM_HASH_PDQ,
                        "0000000000000000000000000000000000000000000000000000000000000000", &a);
    hm_hash_from_string(HM_HASH_PDQ,
                        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", &b);
    CHECK_INT(hm_hash_distance(&a, &a), 0);
    CHECK_INT(hm_hash_distance(&a, &b), 256);
    hm_hash_from_string(HM_HASH_PDQ,
                        "0000000000000000000000000000000000000000000000000000000000000107", &b);
    CHECK_INT(hm_hash_distance(&a, &b), 4);
    hm_hash_from_string(HM_HASH_DHASH, "0000000000000001", &c);
    CHECK_INT(hm_hash_distance(&a, &c), HM_E_TYPE_MISMATCH);
    CHECK_INT(hm_hash_distance(NULL, &c), HM_E_INVALID_ARGUMENT);
    c.type = 77;
    CHECK_INT(hm_hash_distance(&c, &c), HM_E_INVALID_ARGUMENT);
}

/* PDQ prints its 16 words from w[15] down to w[0].  A port that prints
 * them in the other order lands ~128 bits away from the reference: the
 * reference-equal hash of bridge-1 must be far from its word-reversed
 * string, so that bug cannot pass the reference tests unnoticed. */
static void pdq_word_order(void) {
    const char *ref =
        "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    char rev[65], path[1024], hex[HM_HASH_STRING_MAX];
    hm_hash computed, reversed;
    hm_hasher *h = NULL;
    size_t n = 0;
    for (int w = 0; w < 16; w++) memcpy(rev + 4 * w, ref + 4 * (15 - w), 4);
    rev[64] = '\0';
    snprintf(path, sizeof path,
             "%s/pdq-reference/threatexchange/pdq/data/reg-test-input/dih/"
             "bridge-1-original.jpg",
             HM_TEST_DATA);
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    CHECK_INT(hm_hash_file(h, path, HM_TYPE_BIT(HM_HASH_PDQ), &computed, 1, &n, NULL),
              HM_OK);
    hm_hash_to_string(&computed, hex, sizeof hex);
    CHECK_STR(hex, ref, "bridge-1 PDQ");
    CHECK_INT(hm_hash_from_string(HM_HASH_PDQ, rev, &reversed), HM_OK);
    CHECK(hm_hash_distance(&computed, &reversed) > 96);
    hm_hasher_free(h);
}

/* imagehash 4.x: row 0 is the first byte, column 0 its top bit.  An 8x8
 * grey image is hashed without resampling, so aHash of a two-level image
 * is exactly its bright/dark pattern ("9e3cc1f0f0c3e7c0" is the vector
 * of imagehash's tests/test_hex_conversions.py). */
static void imagehash_orientation(void) {
    const char *pattern = "9e3cc1f0f0c3e7c0";
    hm_hash want, got;
    uint8_t px8[64], px9[72];
    hm_hasher *h = NULL;
    size_t n = 0;
    char hex[HM_HASH_STRING_MAX];
    hm_hash_from_string(HM_HASH_AHASH, pattern, &want);
    for (int r = 0; r < 8; r++)
        for (int c = 0; c < 8; c++)
            px8[r * 8 + c] = (want.bytes[r] & (0x80 >> c)) ? 200 : 40;
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    CHECK_INT(hm_hash_pixels(h, px8, 8, 8, 8, HM_PIXEL_GRAY8,
                             HM_TYPE_BIT(HM_HASH_AHASH), &got, 1, &n),
              HM_OK);
    hm_hash_to_string(&got, hex, sizeof hex);
    CHECK_STR(hex, pattern, "aHash bit orientation");
    /* dHash: bit (r, c) set when pixel (r, c+1) is brighter than (r, c) */
    for (int r = 0; r < 8; r++) {
        px9[r * 9] = 128;
        for (int c = 0; c < 8; c++)
            px9[r * 9 + c + 1] = (uint8_t)(px9[r * 9 + c] +
                                           ((want.bytes[r] & (0x80 >> c)) ? 9 : -9));
    }
    CHECK_INT(hm_hash_pixels(h, px9, 9, 8, 9, HM_PIXEL_GRAY8,
                             HM_TYPE_BIT(HM_HASH_DHASH), &got, 1, &n),
              HM_OK);
    hm_hash_to_string(&got, hex, sizeof hex);
    CHECK_STR(hex, pattern, "dHash bit orientation");
    hm_hasher_free(h);
}

static void names(void) {
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        CHECK(hm_hash_type_name(t) != NULL);
        CHECK_INT(hm_hash_type_from_name(hm_hash_type_name(t)), t);
    }
    CHECK(hm_hash_type_name(0) == NULL);
    CHECK(hm_hash_type_name(HM_HASH_TYPE_MAX + 1) == NULL);
    CHECK_INT(hm_hash_type_from_name("PDQ"), 0);
    CHECK_INT(hm_hash_type_from_name(NULL), 0);
    CHECK_INT(hm_hash_bits(HM_HASH_PDQ), 256);
    CHECK_INT(hm_hash_bits(HM_HASH_PHASH), 64);
    CHECK_INT(hm_hash_bits(HM_HASH_MD5), 128);
    CHECK_INT(hm_hash_bits(HM_HASH_SHA256), 256);
    CHECK_INT(hm_hash_bits(0), 0);
}

/* MD5 and SHA-256 of the input bytes (RFC 1321 / FIPS 180-2 vectors);
 * digests alone need no decodable image. */
static void digests(void) {
    hm_hasher *h = NULL;
    hm_hash out[2];
    size_t n = 0;
    char hex[HM_HASH_STRING_MAX];
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    CHECK_INT(hm_hash_memory(h, "abc", 3,
                             HM_TYPE_BIT(HM_HASH_MD5) | HM_TYPE_BIT(HM_HASH_SHA256),
                             out, 2, &n, NULL),
              HM_OK);
    CHECK_INT(n, 2);
    hm_hash_to_string(&out[0], hex, sizeof hex);
    CHECK_STR(hex, "900150983cd24fb0d6963f7d28e17f72", "md5(abc)");
    hm_hash_to_string(&out[1], hex, sizeof hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
              "sha256(abc)");
    /* the rest of the RFC 1321 suite (but "": empty input is refused as
     * undecodable before any digest), FIPS 180-2's two-block message, a
     * million 'a', and the lengths around the padding's block boundary
     * (bytes i * 7 mod 256); expected values from Python's hashlib */
    static const struct { const char *msg; int pattern; const char *md5, *sha256; } v[] = {
        {"a", 0, "0cc175b9c0f1b6a831c399e269772661",
         "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"},
        {"message digest", 0, "f96b697d7cb7938d525a2f31aaf161d0",
         "f7846f55cf23e14eebeab5b4e1550cad5b509e3348fbc4efa3a1413d393cb650"},
        {"abcdefghijklmnopqrstuvwxyz", 0, "c3fcd3d76192e4007dfb496cca67e13b",
         "71c480df93d6ae2f1efad1447c66c9525e316218cf51fc8d9ed832f2daf18b73"},
        {"1234567890123456789012345678901234567890123456789012345678901234567890123456"
         "7890", 0, "57edf4a22be3c955ac49da2e2107b67a",
         "f371bc4a311f2b009eef952dd83ca80e2b60026c8e935592d0f9c308453c813e"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0,
         "8215ef0796a20bcaaae116d3876c664a",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {NULL, 55, "8d24280288a696559fd8d5aa1b6d8c6e",
         "576a1bf8d4478657e6dc4af9398544765c2a92cde28478b019235cfed315fc09"},
        {NULL, 56, "ef2c72b7254c92459e498eddd4ace573",
         "9b20501dfd1d99161c257950f3444f3e49230c351c5c8e0943ef369f85f5205d"},
        {NULL, 63, "c4c8c6d513f4e1604eb18508a1769364",
         "30b345906b493f06f69444b6521113511c242f30e29840462950035043682f1e"},
        {NULL, 64, "a2fcb39a253b9b785b1f97518fa37683",
         "d8bc63b4fc1156e5e7d95a418b9bf54cd3174bedbc2db40f74895349b229b3c0"},
        {NULL, 119, "1640deea49ebb258ec6ede18d4b2d2d7",
         "7a6589821178918ca8d9edaba5abfc1e9b2669564f4469b66885379c1530b2c8"},
        {NULL, 120, "05f879f7b542a7ebf0605adff67d4423",
         "655250427d56b1b0eeb8497d21428704273458a01772d6881b65c0abac0f8a98"},
        {NULL, -1, "7707d6ae4e027c70eea2a935c2296f21",
         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    };
    unsigned char *buf = malloc(1000000);
    for (size_t i = 0; buf && i < sizeof v / sizeof v[0]; i++) {
        size_t len;
        if (v[i].msg) {
            len = strlen(v[i].msg);
            memcpy(buf, v[i].msg, len);
        } else if (v[i].pattern > 0) {
            len = (size_t)v[i].pattern;
            for (size_t k = 0; k < len; k++) buf[k] = (unsigned char)(k * 7);
        } else {
            len = 1000000;
            memset(buf, 'a', len);
        }
        CHECK_INT(hm_hash_memory(h, buf, len,
                                 HM_TYPE_BIT(HM_HASH_MD5) | HM_TYPE_BIT(HM_HASH_SHA256), out, 2,
                                 &n, NULL),
                  HM_OK);
        hm_hash_to_string(&out[0], hex, sizeof hex);
        CHECK_STR(hex, v[i].md5, "md5");
        hm_hash_to_string(&out[1], hex, sizeof hex);
        CHECK_STR(hex, v[i].sha256, "sha256");
    }
    CHECK(buf != NULL);
    free(buf);
    hm_hasher_free(h);
}

/* hm_default_threshold is what a new list of the index starts with, for
 * every type, and -1 for a value that is no type. */
static void default_thresholds(void) {
    hm_index *idx = NULL;
    hm_snapshot *s = NULL;
    hm_list_info info;
    uint32_t list;
    CHECK_INT(hm_default_threshold(HM_HASH_PDQ), HM_DEFAULT_PDQ_THRESHOLD);
    CHECK_INT(hm_default_threshold(HM_HASH_PHASH), HM_DEFAULT_64BIT_THRESHOLD);
    /* pHash.org's packings hold one value: one threshold, its own */
    CHECK_INT(hm_default_threshold(HM_HASH_PHASHORG_V09), HM_DEFAULT_PHASHORG_THRESHOLD);
    CHECK_INT(hm_default_threshold(HM_HASH_PHASHORG_2014), HM_DEFAULT_PHASHORG_THRESHOLD);
    CHECK_INT(hm_default_threshold(HM_HASH_PHASHORG_2026), HM_DEFAULT_PHASHORG_THRESHOLD);
    CHECK_INT(hm_default_threshold(HM_HASH_SHA256), 0);
    CHECK_INT(hm_default_threshold(0), -1);
    CHECK_INT(hm_default_threshold(HM_HASH_TYPE_MAX + 1), -1);
    CHECK(hm_index_create(&idx) == HM_OK);
    CHECK(hm_index_list(idx, "fresh", &list) == HM_OK);
    CHECK(hm_index_commit(idx) == HM_OK);
    CHECK(hm_index_acquire(idx, &s) == HM_OK);
    CHECK(hm_snapshot_list_info(s, list, &info) == HM_OK);
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        CHECK(hm_default_threshold(t) >= 0);
        CHECK_INT(info.threshold[t], hm_default_threshold(t));
    }
    hm_snapshot_release(s);
    hm_index_free(idx);
}

int main(void) {
    parsing();
    default_thresholds();
    distance();
    pdq_word_order();
    imagehash_orientation();
    names();
    digests();
    return test_summary("test_hashval");
}
