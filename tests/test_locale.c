/* SPDX-License-Identifier: BSD-3-Clause */
/* Every number the library prints or parses is locale-independent: under a
 * comma-decimal LC_NUMERIC (de_DE), vPDQ lines and the compact form are
 * written and read with a decimal point, messages too, and the caller's
 * locale is left as it was.  Skipped (77) when no comma-decimal locale is
 * installed (scripts/install-deps.sh test generates de_DE.UTF-8). */
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hashmatch.h>

#include "test_util.h"

static const char *HEX = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

static int comma_decimal(void) { return strcmp(localeconv()->decimal_point, ",") == 0; }

static void frame(hm_video_frame *f, unsigned long long n, int q, double ts) {
    memset(f, 0, sizeof *f);
    CHECK(hm_hash_from_string(HM_HASH_PDQ, HEX, &f->hashes[0]) == HM_OK);
    f->hashes[0].quality = (int16_t)q;
    f->nhashes = 1;
    f->frame_number = n;
    f->timestamp = ts;
}

static void checks(void) {
    char buf[256], want[256];
    hm_video_frame f, g[2];
    size_t n = 0;
    frame(&f, 7, 90, 1.5);
    CHECK(hm_vpdq_format_line(&f, buf, sizeof buf) == HM_OK);
    snprintf(want, sizeof want, "7,90,%s,1", HEX);
    strcat(want, ".500");
    CHECK_STR(buf, want, "formatted");
    CHECK(comma_decimal()); /* the caller's locale is untouched */

    CHECK(hm_vpdq_parse_line(want, &f) == HM_OK);
    CHECK(f.timestamp == 1.5 && f.frame_number == 7 && f.hashes[0].quality == 90);
    /* the comma form is not a vPDQ line (it has five fields) */
    snprintf(buf, sizeof buf, "7,90,%s,1,500", HEX);
    CHECK(hm_vpdq_parse_line(buf, &f) == HM_E_PARSE);

    frame(&g[0], 0, 100, 1.5);
    frame(&g[1], 1, 100, 123.0);
    CHECK(hm_vpdq_format_compact(g, 2, buf, sizeof buf, &n) == HM_OK);
    snprintf(want, sizeof want, "[\"%s,100,1.5\", \"%s,100,1.23e+02\"]", HEX, HEX);
    CHECK_STR(buf, want, "formatted");
    CHECK(hm_vpdq_parse_compact(buf, g, 2, &n) == HM_OK && n == 2);
    CHECK(g[0].timestamp == 1.5 && g[1].timestamp == 123.0);
    CHECK(comma_decimal());
}

static void *in_thread(void *arg) {
    /* a per-thread locale (uselocale), as a host application may set */
    locale_t de = newlocale(LC_ALL_MASK, (const char *)arg, (locale_t)0);
    CHECK(de != (locale_t)0);
    uselocale(de);
    CHECK(comma_decimal());
    checks();
    uselocale(LC_GLOBAL_LOCALE);
    freelocale(de);
    return NULL;
}

int main(void) {
    static const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "nl_NL.UTF-8",
                                  "es_ES.UTF-8", "it_IT.UTF-8", "ru_RU.UTF-8"};
    const char *name = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !name; i++) {
        if (setlocale(LC_ALL, names[i]) && comma_decimal()) name = names[i];
    }
    if (!name) {
        printf("test_locale: SKIPPED: no comma-decimal locale installed "
               "(localedef -i de_DE -f UTF-8 de_DE.UTF-8)\n");
        return 77;
    }
    checks();
    setlocale(LC_ALL, "C");
    pthread_t t;
    CHECK(pthread_create(&t, NULL, in_thread, (void *)name) == 0);
    pthread_join(t, NULL);
    CHECK(!comma_decimal());
    return test_summary("test_locale");
}
