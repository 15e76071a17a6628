/* Registration tables that refuse loudly, and giving back a static
 * table's unused tail (see table.h). */
#include "lib/table.h"
#include "lib/log.h"

#include <errno.h>
#include <stdint.h>
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

void table_release_tail(void *table, size_t used, size_t total)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = ((uintptr_t)table + used + page - 1) & ~(page - 1);
	uintptr_t to = ((uintptr_t)table + total) & ~(page - 1);
	/* advice: a failure costs memory only */
	if (used < total && from < to)
		(void)madvise((void *)from, to - from, MADV_DONTNEED);
}
