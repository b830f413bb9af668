/* SPDX-License-Identifier: BSD-3-Clause */
/* A minimal program using an installed libhashmatch: prints the PDQ hash
 * of the file given as argument. */
#include <stdio.h>

#include <hashmatch.h>

int main(int argc, char **argv) {
    hm_hasher *h = NULL;
    hm_hash out;
    size_t n = 0;
    char hex[HM_HASH_STRING_MAX];
    if (argc != 2 || hm_hasher_create(&h) != HM_OK) return 2;
    if (hm_hash_file(h, argv[1], HM_TYPE_BIT(HM_HASH_PDQ), &out, 1, &n, NULL) != HM_OK) {
        fprintf(stderr, "%s\n", hm_last_error());
        hm_hasher_free(h);
        return 1;
    }
    hm_hash_to_string(&out, hex, sizeof hex);
    printf("%s %d\n", hex, out.quality);
    hm_hasher_free(h);
    return hm_version_number() == HM_VERSION_NUMBER ? 0 : 3;
}
