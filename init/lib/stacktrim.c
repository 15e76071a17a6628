/*
 * stack_trim (see stacktrim.h): finds the [stack] mapping in
 * /proc/self/maps and madvises away what lies below the caller's frame.
 */
#include "lib/stacktrim.h"
#include "lib/linebuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE   4096ul
#define MARGIN (2 * PAGE) /* kept below the frame: the red zone, madvise's own frames */

long stack_trim_range(unsigned long lo, unsigned long hi, unsigned long sp)
{
	if (sp < lo || sp >= hi)
		return -EINVAL;
	unsigned long end = (sp & ~(PAGE - 1)) - MARGIN;
	if (sp < lo + MARGIN || end <= lo)
		return 0;
	if (madvise((void *)lo, end - lo, MADV_DONTNEED) < 0)
		return -errno;
	return (long)(end - lo);
}

/* In its own frame: its line buffer must not lie where the trim runs. */
static __attribute__((noinline)) int find_stack(unsigned long *lo, unsigned long *hi)
{
	struct linebuf lb;
	char *line, *end;
	int r = linebuf_open(&lb, "/proc/self/maps");
	if (r < 0)
		return r;
	for (;;) {
		r = linebuf_next(&lb, &line);
		if (r == -E2BIG)
			continue; /* not the stack's line: those are short */
		if (r < 0)
			break;
		if (!strstr(line, "[stack]"))
			continue;
		*lo = strtoul(line, &end, 16);
		*hi = *end == '-' ? strtoul(end + 1, NULL, 16) : 0;
		r = *hi > *lo ? 0 : -EINVAL;
		break;
	}
	linebuf_close(&lb);
	return r == -ENODATA ? -ENOENT : r;
}

long stack_trim(void)
{
	unsigned long lo = 0, hi = 0;
	int r = find_stack(&lo, &hi);
	if (r < 0)
		return r;
	return stack_trim_range(lo, hi, (unsigned long)__builtin_frame_address(0));
}
