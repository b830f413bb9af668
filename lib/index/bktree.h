/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BK-tree over unique codes (Burkhard & Keller 1973): every child of a node
 * is keyed by its exact distance to the node, so a query at radius r
 * descends only into children keyed d-r .. d+r, where d is its distance to
 * the node (triangle inequality).
 *
 * Built in bulk, breadth first: a node's remaining codes are bucketed by
 * their distance to it and each bucket's first code becomes the child.
 * Nodes are numbered in BFS order, so the children of a node are
 * contiguous (sorted by key) and the codes are copied in node order for
 * locality.  Queries walk the tree iteratively with an explicit stack, so
 * depth never overflows the C stack.
 */
#ifndef HM_INDEX_BKTREE_H
#define HM_INDEX_BKTREE_H

#include <stdint.h>

#include "mih.h"

typedef struct hm_bktree {
    unsigned words;
    uint32_t n;
    uint32_t *code_of;     /* node -> code index */
    uint64_t *ncodes;      /* codes in node order */
    uint32_t *child_start; /* n + 1: children of i are child_start[i] .. [i+1] */
    uint16_t *key;         /* distance of node i to its parent */
    uint32_t depth;
    size_t bytes;
} hm_bktree;

int hm_bktree_build(hm_bktree **out, const uint64_t *codes, uint32_t n,
                    unsigned words);
void hm_bktree_free(hm_bktree *t);

/* Estimated cost in nanoseconds of a query at radius r: the share of
 * nodes visited on uniform codes (measured, docs/index.md) times a cache
 * miss per node. */
double hm_bktree_cost(const hm_bktree *t, unsigned r);

/* Append every code within r of q to out (idx = code index).  Also counts
 * the nodes visited into *visited when non-NULL.  HM_OK or
 * HM_E_NO_MEMORY. */
int hm_bktree_query(const hm_bktree *t, const uint64_t *q, unsigned r,
                    unsigned needle, hm_hitbuf *out, uint64_t *visited);

#endif
