/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hashcheck's option tables (the hc_cmd_* descriptors its one parser
 * reads) against its documentation, so that no option is parsed but
 * undocumented, or documented but not parsed:
 *   every option a command parses is named in the command's --help text
 *   and in the manual, docs/hashcheck.md;
 *   every option in the option column of a --help text (the lines that
 *   start with "  -") is parsed by that command, and one written with a
 *   value there (--radius R) takes one;
 *   no command has two rows of one spelling, and every row is complete
 *   (a setter, a long name, the choices of a choice, a range).
 */
#include <ctype.h>
#include <stdarg.h>

#include "hc.h"
#include "test_util.h"

static const hc_command *const commands[] = {&hc_cmd_hash, &hc_cmd_video, &hc_cmd_index,
                                             &hc_cmd_match, &hc_cmd_compare};

static void expect(int ok, const char *fmt, ...) {
    va_list ap;
    if (ok) {
        g_pass++;
        return;
    }
    g_fail++;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int word_char(char c) { return isalnum((unsigned char)c) || c == '-' || c == '_'; }

/* 1 when `name` (--types, -j) occurs in `text` as a whole word. */
static int mentions(const char *text, const char *name) {
    const size_t n = strlen(name);
    for (const char *p = strstr(text, name); p; p = strstr(p + 1, name))
        if ((p == text || !word_char(p[-1])) && !word_char(p[n])) return 1;
    return 0;
}

/* Table k of cmd: its own rows, then its groups'; NULL after the last. */
static const hc_option *table(const hc_command *cmd, int k) {
    if (k == 0) return cmd->own;
    for (const hc_optgroup *g = cmd->groups; g->set; g++)
        if (--k == 0) return g->set->rows;
    return NULL;
}

/* The row of cmd spelt `tok` (a long name, an alias or -x), or NULL. */
static const hc_option *row_of(const hc_command *cmd, const char *tok) {
    const hc_option *rows;
    for (int k = 0; (rows = table(cmd, k)) != NULL; k++)
        for (const hc_option *o = rows; o->name; o++)
            if (strcmp(tok, o->name) == 0 || (o->alias && strcmp(tok, o->alias) == 0) ||
                (o->short_name && tok[0] == '-' && tok[1] == o->short_name && !tok[2]))
                return o;
    return NULL;
}

/* Every spelling of every row: unique in the command, documented. */
static void check_rows(const hc_command *cmd, const char *manual) {
    const hc_option *rows;
    for (int t = 0; (rows = table(cmd, t)) != NULL; t++)
        for (const hc_option *o = rows; o->name; o++) {
            char sh[3] = {'-', o->short_name, '\0'};
            const char *names[3] = {o->name, o->alias, o->short_name ? sh : NULL};
            expect(strncmp(o->name, "--", 2) == 0 && o->set != NULL,
                   "%s %s: a long name and a setter", cmd->name, o->name);
            expect(o->arg != HC_ARG_CHOICE || (o->choices && o->choices->v[0].name),
                   "%s %s: a choice without choices", cmd->name, o->name);
            expect((o->arg != HC_ARG_LONG && o->arg != HC_ARG_DOUBLE) || o->min < o->max,
                   "%s %s: no range", cmd->name, o->name);
            expect(!o->allowed || o->what, "%s %s: types allowed, not said what takes them",
                   cmd->name, o->name);
            for (int k = 0; k < 3; k++) {
                if (!names[k]) continue;
                expect(row_of(cmd, names[k]) == o && !hc_is_help(names[k]),
                       "%s: two rows spelt %s", cmd->name, names[k]);
                if (k == 1) continue; /* an alias is another spelling, not documented */
                expect(mentions(cmd->usage, names[k]),
                       "hashcheck %s parses %s, its --help does not name it", cmd->name,
                       names[k]);
                expect(mentions(manual, names[k]),
                       "hashcheck %s parses %s, docs/hashcheck.md does not name it",
                       cmd->name, names[k]);
            }
        }
}

/* The option column of the --help text: "  -j, --jobs N   worker threads"
 * names -j and --jobs, the latter with a value. */
static int check_usage(const hc_command *cmd) {
    int seen = 0;
    for (const char *line = cmd->usage; *line;) {
        const char *end = strchr(line, '\n');
        if (!end) end = line + strlen(line);
        if (strncmp(line, "  -", 3) == 0) {
            char col[200];
            const char *gap = strstr(line + 2, "  ");
            size_t n = (size_t)((gap && gap < end ? gap : end) - (line + 2));
            if (n >= sizeof col) n = sizeof col - 1;
            memcpy(col, line + 2, n);
            col[n] = '\0';
            for (char *item = strtok(col, ","); item; item = strtok(NULL, ",")) {
                char tok[64], value[64] = "";
                if (sscanf(item, " %63s %63s", tok, value) < 1) continue;
                const hc_option *o = row_of(cmd, tok);
                seen++;
                expect(o != NULL || hc_is_help(tok),
                       "hashcheck %s --help lists %s, which it does not parse", cmd->name, tok);
                if (o && value[0])
                    expect(o->arg != HC_ARG_NONE,
                           "hashcheck %s --help gives %s a value (%s), it takes none",
                           cmd->name, tok, value);
            }
        }
        line = *end ? end + 1 : end;
    }
    return seen;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (s = malloc((size_t)n + 1)) != NULL) {
        if (fread(s, 1, (size_t)n, f) != (size_t)n) {
            free(s);
            s = NULL;
        } else {
            s[n] = '\0';
        }
    }
    fclose(f);
    return s;
}

int main(void) {
    char *manual = read_file(HM_TEST_DATA "/../../docs/hashcheck.md");
    CHECK(manual != NULL);
    if (!manual) return test_summary("test_hashcheck_options");
    for (size_t k = 0; k < sizeof commands / sizeof *commands; k++) {
        const hc_command *cmd = commands[k];
        check_rows(cmd, manual);
        /* the column was read: each --help lists options there */
        expect(check_usage(cmd) >= 5, "hashcheck %s --help: no option column found",
               cmd->name);
    }
    /* the checks can fail: a spelling no command parses, a flag given a value */
    CHECK(row_of(&hc_cmd_match, "--no-such-option") == NULL);
    CHECK(row_of(&hc_cmd_compare, "-j") == NULL); /* compare runs no batch */
    CHECK(!mentions("--list-format F", "--list"));
    CHECK(mentions("(--format F is the same)", "--format"));
    free(manual);
    return test_summary("test_hashcheck_options");
}
