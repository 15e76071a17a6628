/*
 * Sorting in place with qsort's contract (not stable), without musl's
 * qsort: a heapsort is a fraction of its code, needs no memory, and is
 * O(n log n) in the worst case too. The tables sorted here are short.
 */
#ifndef PACT_SORT_H
#define PACT_SORT_H

#include <stddef.h>

void sort_items(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
