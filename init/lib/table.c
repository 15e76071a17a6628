/* Registration tables that refuse loudly, and the memory of large static
 * tables: pages given back (a buffer done with, the unused tail), tables
 * children never see, sparse clears and copies (see table.h). */
#include "lib/table.h"
#include "lib/log.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int refusals;

int table_slot(int *n, int max, const char *table, const char *entry)
{
	if (*n < max)
		return (*n)++;
	refusals++;
	if (entry)
		log_err("BUG: %s: table full (%d entries); '%s' not registered", table, max, entry);
	else
		log_err("BUG: %s: table full (%d entries); an entry was not registered", table,
			max);
	return -ENOSPC;
}

int table_refusals(void)
{
	return refusals;
}

/* madvise(advice) on the whole pages inside [p, p + len); 0 when there
 * are none */
static int advise_pages(void *p, size_t len, int advice)
{
	uintptr_t page = (uintptr_t)getpagesize(); /* not sysconf: 1 KiB of code */
	uintptr_t from = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t to = ((uintptr_t)p + len) & ~(page - 1);
	return from < to ? madvise((void *)from, to - from, advice) : 0;
}

void table_release(void *p, size_t len)
{
	/* advice: a failure costs memory only */
	(void)advise_pages(p, len, MADV_DONTNEED);
}

void table_release_tail(void *table, size_t used, size_t total)
{
	if (used < total)
		table_release((char *)table + used, total - used);
}

void table_not_inherited(void *table, size_t size)
{
	if (advise_pages(table, size, MADV_WIPEONFORK) < 0)
		log_warn("madvise(MADV_WIPEONFORK): %s; every fork copies the table",
			 strerror(errno));
}

#define SPARSE_BLOCK 512

void table_clear_sparse(void *p, size_t n)
{
	unsigned char *b = p;
	for (size_t off = 0; off < n; off += SPARSE_BLOCK) {
		size_t len = n - off < SPARSE_BLOCK ? n - off : SPARSE_BLOCK;
		/* all zero: the first byte is, and each byte equals the next
		 * (one memcmp, not a compare per byte the fuzzers trace) */
		if (b[off] != 0 || memcmp(b + off, b + off + 1, len - 1) != 0)
			memset(b + off, 0, len);
	}
}

void table_copy_sparse(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	for (size_t off = 0; off < n; off += SPARSE_BLOCK) {
		size_t len = n - off < SPARSE_BLOCK ? n - off : SPARSE_BLOCK;
		if (memcmp(d + off, s + off, len) != 0)
			memcpy(d + off, s + off, len);
	}
}
