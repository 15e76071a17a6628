/*
 * sort_items (see sort.h): a heapsort over items of any size, swapped
 * byte by byte (they are names and small structs; rows of PATH_MAX bytes
 * at most, a few hundred of them).
 */
#include "lib/sort.h"

static void swap_items(unsigned char *a, unsigned char *b, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		unsigned char t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

/* Move the item at root down the heap of the first n items. */
static void sift_down(unsigned char *base, size_t root, size_t n, size_t size,
		      int (*cmp)(const void *, const void *))
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + root * size, base + child * size) >= 0)
			return;
		swap_items(base + root * size, base + child * size, size);
	}
}

void sort_items(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	unsigned char *b = base;
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(b, i, n, size, cmp);
	for (size_t end = n - 1; end > 0; end--) {
		swap_items(b, b + end * size, size);
		sift_down(b, 0, end, size, cmp);
	}
}
