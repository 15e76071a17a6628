/* RFC 3339 timestamps (timefmt.h): UTC needs no time zone file. */
#include "lib/timefmt.h"

#include <stdio.h>

size_t timefmt_rfc3339(char *buf, size_t cap, const struct timespec *t)
{
	struct tm tm;
	time_t sec = t->tv_sec;
	if (cap < TIMEFMT_RFC3339_LEN + 1 || !gmtime_r(&sec, &tm))
		return 0;
	int n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 t->tv_nsec / 1000);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
