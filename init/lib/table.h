/*
 * The fixed registration tables of pact-init (boot steps, observers,
 * control verbs, status keys, re-exec savers, init.conf key handlers,
 * metrics families): one way to take a slot in one, which refuses loudly
 * when the table is full instead of dropping the entry. A full table is a
 * bug of this program that shows at every start: main() counts the
 * refusals and will not run with one. And the large static tables'
 * memory: on pages of their own, and a buffer done with, or what a load
 * wrote past its last entry, given back.
 */
#ifndef PACT_TABLE_H
#define PACT_TABLE_H

#include <stddef.h>

/*
 * Every static variable of 4 KiB or more (a table, a buffer) is declared
 * PAGE_ALIGNED. The link sorts variables by alignment
 * (--sort-section=alignment), so these come first, each on pages of its
 * own, and every smaller variable after them, packed together: the pages
 * PID 1 writes to while it runs are few, and hold its small state, not a
 * timer or a counter beside each table. A table's own pages hold nothing
 * else: the ones never written (or given back) cost nothing. Checked at
 * the link (test/unit/test_page_aligned.sh reads its map).
 */
#define PAGE_ALIGNED __attribute__((aligned(4096)))

/* The next free index of a table holding *n of max entries (and *n + 1
 * after), or -ENOSPC, logged with the table's name and the entry's (entry
 * may be NULL) and counted. */
int table_slot(int *n, int max, const char *table, const char *entry);
/* Registrations refused since the start. */
int table_refusals(void);
/* Give back the memory of the whole pages inside [p, p + len) (a static
 * buffer done with, e.g. a closed connection's): they read as zero again
 * and stop counting in PID 1's RSS until written again. The bytes in the
 * partial pages at either end are kept. */
void table_release(void *p, size_t len);
/* The same for a static table past its first used bytes (of total): the
 * pages a load wrote and that no longer hold anything read. */
void table_release_tail(void *table, size_t used, size_t total);
/*
 * A static table that no child of the caller ever reads (one that grows
 * with the clients served): not copied into children at all
 * (MADV_WIPEONFORK: a child sees zeroes there). A fork copies the page
 * table entries of every page the parent has touched and write-protects
 * them, so that the parent then faults on its next write to each; without
 * this, every child forked costs more with every client connected. Only
 * the whole pages inside the table are covered (align it to a page);
 * advice: a failure costs time only.
 */
void table_not_inherited(void *table, size_t size);
/* Zero n bytes at p, writing only the blocks that are not zero yet, and
 * copy n bytes, writing only the blocks that differ: the untouched pages
 * of a static table (zero since the start) stay untouched, so not
 * resident, where nothing is set. */
void table_clear_sparse(void *p, size_t n);
void table_copy_sparse(void *dst, const void *src, size_t n);

#endif
