/* SPDX-License-Identifier: BSD-3-Clause */
/* MD5 and SHA-256 of a buffer longer than INT_MAX bytes are the digests of
 * all of it (no length may be truncated to an int or an unsigned on the
 * way: the message length in bits needs 64).  The buffer is 2 GiB + 7 zero bytes of
 * anonymous memory that is never written, so it costs no RAM; the expected
 * digests come from coreutils:
 *   head -c 2147483655 /dev/zero | md5sum     (and sha256sum)
 * A separate program from test_hashval because it reads 4 GiB (about 4 s),
 * too slow for valgrind. */
#include <sys/mman.h>

#include "test_util.h"

int main(void) {
    const size_t size = ((size_t)1 << 31) + 7;
    void *zeros = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (zeros == MAP_FAILED) {
        printf("test_digest_large: SKIPPED: cannot map 2 GiB of address space\n");
        return 77;
    }
    hm_hasher *h = NULL;
    hm_hash out[2];
    size_t n = 0;
    char hex[HM_HASH_STRING_MAX];
    CHECK(hm_hasher_create(&h) == HM_OK);
    CHECK(hm_hasher_set(h, HM_HASHER_MAX_INPUT_BYTES, (int64_t)size) == HM_OK);
    CHECK(hm_hash_memory(h, zeros, size, HM_TYPE_BIT(HM_HASH_MD5) | HM_TYPE_BIT(HM_HASH_SHA256),
                         out, 2, &n, NULL) == HM_OK);
    CHECK_INT(n, 2);
    CHECK(hm_hash_to_string(&out[0], hex, sizeof hex) == HM_OK);
    CHECK_STR(hex, "856d0c95c9bda2bcce418771d4cde40f", "md5 of 2 GiB + 7 zero bytes");
    CHECK(hm_hash_to_string(&out[1], hex, sizeof hex) == HM_OK);
    CHECK_STR(hex, "4faf054bcce4f3f1718586ceb36106e28a780ea261ba3c7fc1c8519d048f9b2f",
              "sha256 of 2 GiB + 7 zero bytes");
    hm_hasher_free(h);
    munmap(zeros, size);
    return test_summary("test_digest_large");
}
