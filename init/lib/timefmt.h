/* Times as logs write them: RFC 3339 in UTC with microseconds. */
#ifndef PACT_TIMEFMT_H
#define PACT_TIMEFMT_H

#include <stddef.h>
#include <time.h>

#define TIMEFMT_RFC3339_LEN 27 /* "2026-11-25T20:01:02.123456Z" */

/* t (CLOCK_REALTIME) into buf, NUL-terminated: its length, or 0 when cap
 * is less than TIMEFMT_RFC3339_LEN + 1. */
size_t timefmt_rfc3339(char *buf, size_t cap, const struct timespec *t);

#endif
