/*
 * Unit tests for stack_trim: the pages below the frame are given back
 * (read as zero again), the frame's page and the two below it are kept,
 * and the real stack of this process can be trimmed.
 */
#include "lib/stacktrim.h"
#include "tap.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE  4096ul
#define PAGES 16

static void test_range(void)
{
	unsigned char *m =
	    mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(m != MAP_FAILED, "a scratch mapping");
	if (m == MAP_FAILED)
		return;
	memset(m, 0xab, PAGES * PAGE);
	unsigned long lo = (unsigned long)m, hi = lo + PAGES * PAGE;
	unsigned long sp = lo + 10 * PAGE + 100; /* a frame inside page 10 */
	is_int(stack_trim_range(lo, hi, sp), (int)(8 * PAGE),
	       "eight pages below the two-page margin given back");
	int zero = 1, kept = 1;
	for (unsigned long i = 0; i < 8 * PAGE; i++)
		zero &= m[i] == 0;
	for (unsigned long i = 8 * PAGE; i < PAGES * PAGE; i++)
		kept &= m[i] == 0xab;
	ok(zero, "the pages given back read as zero");
	ok(kept, "the margin pages, the frame's page and those above are untouched");
	is_int(stack_trim_range(lo, hi, lo + 100), 0,
	       "a frame in the lowest page: nothing to give");
	is_int(stack_trim_range(lo, hi, hi + 1), -EINVAL, "a frame outside the mapping is refused");
	munmap(m, PAGES * PAGE);
}

/* Deep enough to leave dirty pages below main's frame. */
static __attribute__((noinline)) int deep(int n)
{
	volatile char buf[8192];
	memset((char *)buf, n, sizeof buf);
	return n ? deep(n - 1) + buf[100] : buf[0];
}

static void test_real_stack(void)
{
	deep(8);
	long r = stack_trim();
	ok(r > 0, "this process's stack gave back %ld bytes after deep frames", r);
	ok(deep(2) >= 0, "deep frames work again after the trim");
}

int main(void)
{
	test_range();
	test_real_stack();
	return done_testing();
}
