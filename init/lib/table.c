/* Registration tables that refuse loudly (see table.h). */
#include "lib/table.h"
#include "lib/log.h"

#include <errno.h>

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
