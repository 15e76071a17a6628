/*
 * modules.alias matching (see modalias.h). Nothing is kept of the file:
 * a generic distribution kernel's is over a megabyte, and only the lines
 * that match matter.
 */
#include "os/modalias.h"
#include "lib/linebuf.h"
#include "lib/pathmatch.h"
#include "lib/sort.h"
#include "lib/table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int by_alias(const void *a, const void *b)
{
	return strcmp(((const struct modalias_dev *)a)->alias,
		      ((const struct modalias_dev *)b)->alias);
}

int modalias_sort(struct modalias_dev *d, int n)
{
	sort_items(d, (size_t)n, sizeof *d, by_alias);
	int k = 0;
	for (int i = 0; i < n; i++)
		if (k == 0 || strcmp(d[k - 1].alias, d[i].alias) != 0)
			d[k++] = d[i];
	return k;
}

/* The first device whose alias is >= head[0..len) */
static int lower_bound(const struct modalias_dev *d, int n, const char *head, size_t len)
{
	int lo = 0, hi = n;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (strncmp(d[mid].alias, head, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int modalias_match(const char *path, const struct modalias_dev *d, int n,
		   void (*fn)(void *ctx, int i, const char *module), void *ctx)
{
	static struct linebuf lb PAGE_ALIGNED;
	int r = linebuf_open(&lb, path), found = 0, len;
	char *line;
	if (r < 0)
		return r;
	while ((len = linebuf_next(&lb, &line)) != -ENODATA) {
		if (len < 0 && len != -E2BIG) {
			found = len;
			break;
		}
		if (len < 7 || memcmp(line, "alias ", 6) != 0)
			continue;
		/* one pass, by hand: strcspn's set costs more than the rest of a line */
		char *pat = line + 6, *p = pat, *mod;
		size_t head = 0;
		while (*p && *p != ' ' && *p != '*' && *p != '?' && *p != '[' && *p != '\\')
			p++;
		head = (size_t)(p - pat);
		while (*p && *p != ' ')
			p++;
		if (!*p)
			continue;
		*p++ = '\0';
		for (mod = p; *p && *p != ' ' && *p != '\t';)
			p++;
		*p = '\0';
		for (int i = lower_bound(d, n, pat, head);
		     i < n && strncmp(d[i].alias, pat, head) == 0; i++) {
			if (pathmatch(pat, d[i].alias)) {
				fn(ctx, i, mod);
				found++;
			}
		}
	}
	linebuf_close(&lb);
	return found;
}
