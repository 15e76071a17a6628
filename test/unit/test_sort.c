/*
 * Unit tests for sort_items: the same order as qsort for ints (with
 * duplicates, sorted and reversed runs) and for wide rows, and the
 * trivial lengths.
 */
#include "lib/sort.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int by_row(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* n ints from a seed: random in a small range (duplicates), or runs */
static void fill(int *v, int n, unsigned seed, int shape)
{
	for (int i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		v[i] = shape == 0 ? (int)(seed >> 16) % 50 : shape == 1 ? i : n - i;
	}
}

static void test_ints(void)
{
	static int a[1000], b[1000];
	int same = 1;
	for (int shape = 0; shape < 3; shape++)
		for (int n = 0; n <= 1000; n += n < 20 ? 1 : 97) {
			fill(a, n, (unsigned)(n + shape), shape);
			memcpy(b, a, sizeof a[0] * (size_t)n);
			sort_items(a, (size_t)n, sizeof a[0], by_int);
			qsort(b, (size_t)n, sizeof b[0], by_int);
			if (n && memcmp(a, b, sizeof a[0] * (size_t)n) != 0) {
				same = 0;
				printf("# shape %d, %d items: not qsort's order\n", shape, n);
			}
		}
	ok(same, "ints of every length up to 1000, random, sorted and reversed: qsort's order");
	int one = 7;
	sort_items(&one, 1, sizeof one, by_int);
	is_int(one, 7, "one item stays");
	int two[2] = {9, 3};
	sort_items(two, 0, sizeof two[0], by_int);
	ok(two[0] == 9 && two[1] == 3, "no items: nothing moved");
}

static void test_rows(void)
{
	static char rows[64][300];
	for (int i = 0; i < 64; i++)
		snprintf(rows[i], sizeof rows[i], "unit-%02d.service", (i * 37) % 64);
	sort_items(rows, 64, sizeof rows[0], by_row);
	int in_order = 1;
	for (int i = 0; i < 64; i++) {
		char want[32];
		snprintf(want, sizeof want, "unit-%02d.service", i);
		in_order &= strcmp(rows[i], want) == 0;
	}
	ok(in_order, "rows of 300 bytes are sorted whole");
}

int main(void)
{
	test_ints();
	test_rows();
	return done_testing();
}
