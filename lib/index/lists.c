/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lists: the registry of names and ids, the defaults and ranges of their
 * settings, and the text rules of list names, entry ids and labels.
 *
 * A list gets its id when it is first named (hm_index_list, or a line of a
 * hash list) and keeps it; it appears, empty and with default settings,
 * in the next snapshot any commit publishes.  Its settings, entries and
 * name are changed through change sets (changes.c): a rename takes effect
 * when its commit publishes it, and no two lists ever share a name.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"
#include "../common/utf8.h"

/* ---- settings ----------------------------------------------------------------- */

int hm_ix_threshold_ok(int type, int threshold) {
    const int exact = type == HM_HASH_MD5 || type == HM_HASH_SHA256;
    return threshold >= -1 && threshold <= (exact ? 0 : (int)hm_hash_bits(type));
}

int hm_ix_tmk_threshold_ok(float threshold) {
    return threshold == -1.0f || (threshold >= 0.0f && threshold <= 1.0f);
}

void hm_ix_list_rec_settle(hm_list_rec *rec) {
    for (int l = 0; l < 2; l++)
        rec->tmk_thr[l] = rec->tmk_set[l] < 0 ? hm_tmk_default_threshold(l + 1) : rec->tmk_set[l];
    rec->thr[0] = rec->thr_set[0] = -1;
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
        rec->thr[t] = (int16_t)(rec->thr_set[t] < 0 ? hm_default_threshold(t)
                                                    : rec->thr_set[t]);
}

void hm_ix_list_rec_init(hm_list_rec *rec) {
    memset(rec, 0, sizeof *rec);
    rec->enabled = 1;
    for (int t = 0; t <= HM_HASH_TYPE_MAX; t++) rec->thr_set[t] = -1;
    rec->tmk_set[0] = rec->tmk_set[1] = -1.0f;
    hm_ix_list_rec_settle(rec);
}

/* ---- text rules ------------------------------------------------------------------ */

int hm_ix_valid_text(const char *s, size_t max, int allow_empty) {
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c < 0x20 || c == 0x7f || n >= max) return 0;
    }
    return allow_empty || n > 0;
}

int hm_ix_valid_utf8_text(const char *s, size_t max, int allow_empty) {
    return hm_ix_valid_text(s, max, allow_empty) &&
           hm_utf8_invalid_at(s, strlen(s)) == strlen(s);
}

int hm_ix_valid_list_name(const char *name) {
    return hm_ix_valid_utf8_text(name, HM_MAX_NAME, 0);
}

int hm_ix_check_list_name(const char *name) {
    if (!name || !hm_ix_valid_list_name(name))
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "list names are 1 to %d bytes of UTF-8 without control characters",
                       HM_MAX_NAME);
    return HM_OK;
}

/* ---- the registry ------------------------------------------------------------------ */

hm_names *hm_ix_names_new(void) {
    hm_names *nm = calloc(1, sizeof *nm);
    if (nm) atomic_init(&nm->refs, 1);
    return nm;
}

void hm_ix_names_unref(hm_names *nm) {
    if (!nm || atomic_fetch_sub_explicit(&nm->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t c = 0; c < sizeof nm->chunks / sizeof nm->chunks[0]; c++) {
        if (!nm->chunks[c]) continue;
        for (int i = 0; i < HM_LIST_CHUNK; i++) free(nm->chunks[c][i].created);
        free(nm->chunks[c]);
    }
    for (hm_name_node *n = nm->renamed, *next; n; n = next) {
        next = n->next;
        free(n);
    }
    free(nm);
}

int hm_ix_list_locked(hm_writer *w, const char *name, uint32_t *id) {
    hm_index *idx = w->idx;
    int st;
    if ((st = hm_ix_check_list_name(name)) != HM_OK) return st;
    for (uint32_t l = 0; l < idx->nlists; l++)
        if (strcmp(hm_list_core_of(idx->names, l)->name, name) == 0) {
            *id = l;
            return HM_OK;
        }
    if (idx->nlists >= HM_MAX_LISTS)
        return hm_fail(HM_E_LIMIT, "too many lists (at most %d)", HM_MAX_LISTS);
    const uint32_t l = idx->nlists;
    hm_list_core **chunk = &idx->names->chunks[l / HM_LIST_CHUNK];
    if (!*chunk && !(*chunk = calloc(HM_LIST_CHUNK, sizeof **chunk)))
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    hm_list_core *core = &(*chunk)[l % HM_LIST_CHUNK];
    char *copy = strdup(name);
    if (!copy) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    free(core->created); /* left by a rolled-back load */
    core->name = core->created = copy;
    atomic_store_explicit(&core->hits, 0, memory_order_relaxed);
    idx->nlists++;
    *id = l;
    return HM_OK;
}

hm_status hm_index_list(hm_index *idx, const char *name, uint32_t *list) {
    hm_writer w;
    int st;
    if ((st = hm_ix_write_index(idx, &w)) != HM_OK) return st;
    if (!list) return hm_ix_write_end(&w, hm_fail(HM_E_INVALID_ARGUMENT, "list is NULL"));
    return hm_ix_write_end(&w, hm_ix_list_locked(&w, name, list));
}

/* ---- renames ------------------------------------------------------------------------ */

static const char *staged_name(const hm_changes *cs, uint32_t l) {
    return l < cs->nlists && cs->lists[l].rename_off ? cs->arena + cs->lists[l].rename_off
                                                     : NULL;
}

const char *hm_ix_next_name(const hm_writer *w, uint32_t l) {
    const char *n = staged_name(w->cs, l);
    return n ? n : hm_list_core_of(w->idx->names, l)->name;
}

uint32_t hm_ix_name_owner(const hm_writer *w, const char *name, uint32_t except) {
    for (uint32_t l = 0; l < w->idx->nlists; l++)
        if (l != except && strcmp(hm_ix_next_name(w, l), name) == 0) return l;
    return UINT32_MAX;
}

static hm_name_node *node_of(const char *name) {
    return (hm_name_node *)(void *)(name - offsetof(hm_name_node, name));
}

/* Does v[l] carry a name hm_ix_renames_take allocated?  (Until it takes
 * one, v[l].name is the list's current name.) */
static int took(const hm_writer *w, const hm_list_rec *v, uint32_t l) {
    return staged_name(w->cs, l) && v[l].name != hm_list_core_of(w->idx->names, l)->name;
}

void hm_ix_renames_drop(const hm_writer *w, const hm_list_rec *v) {
    for (uint32_t l = 0; l < w->cs->nlists && l < w->idx->nlists; l++)
        if (took(w, v, l)) free(node_of(v[l].name));
}

int hm_ix_renames_take(const hm_writer *w, hm_list_rec *v) {
    for (uint32_t l = 0; l < w->cs->nlists && l < w->idx->nlists; l++) {
        const char *name = staged_name(w->cs, l);
        if (!name) continue;
        const uint32_t owner = hm_ix_name_owner(w, name, l);
        if (owner != UINT32_MAX) {
            hm_ix_renames_drop(w, v); /* the lists before l took theirs */
            return hm_fail(HM_E_INVALID_ARGUMENT,
                           "cannot rename list %u to \"%s\": list %u has that name now", l,
                           name, owner);
        }
        if (strcmp(name, hm_list_core_of(w->idx->names, l)->name) == 0) continue;
        const size_t n = strlen(name) + 1;
        hm_name_node *node = malloc(sizeof *node + n);
        if (!node) {
            hm_ix_renames_drop(w, v);
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        }
        memcpy(node->name, name, n);
        v[l].name = node->name;
    }
    return HM_OK;
}

void hm_ix_renames_publish(hm_writer *w, const hm_list_rec *v) {
    hm_names *nm = w->idx->names;
    for (uint32_t l = 0; l < w->cs->nlists && l < w->idx->nlists; l++) {
        if (!took(w, v, l)) continue;
        hm_name_node *node = node_of(v[l].name);
        node->next = nm->renamed;
        nm->renamed = node;
        hm_list_core_of(nm, l)->name = v[l].name;
    }
}
