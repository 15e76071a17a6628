/*
 * pactctl logs --since/--until: the times a journalctl user types, read
 * into a bound on a log line's wall clock or monotonic clock (logline.h).
 * A documented subset (docs/logs.md, pactctl(8)); anything else is refused
 * with the value named. Times are UTC, like the stamps in the files.
 *
 *   2026-11-25 22:00[:05[.123456]]   also with T, and Z or " UTC" after it
 *   2026-11-25                       its midnight
 *   22:00[:05]                       today at that time
 *   now, today, yesterday, tomorrow  (days start at midnight UTC)
 *   -5m, -1h30min, "5 min ago"       before now (units: us ms s m h d w,
 *                                    and their words: sec, min, hour, day...)
 *   @1795644000                      seconds since the epoch
 *   boot, boot+90s, boot+2min        monotonic: since boot, as dmesg counts
 */
#ifndef PACT_LOGBOUND_H
#define PACT_LOGBOUND_H

#include "lib/logline.h"

#include <stddef.h>
#include <stdint.h>

struct log_bound {
	int set;    /* a bound was given */
	int mono;   /* us is on the monotonic clock (boot+...), else the wall clock */
	int64_t us; /* µs since the epoch, or since boot */
};

/* spec into b, relative to now (the wall clock, µs): 0, or -1 with err
 * naming spec and the forms taken. */
int log_bound_parse(const char *spec, int64_t now_real_us, struct log_bound *b, char *err,
		    size_t errlen);

/* Is the line at or after since and at or before until (1), outside them
 * (0), or without the clock one of them is on (-1)? An unset bound takes
 * every line. */
int log_bound_within(const struct log_bound *since, const struct log_bound *until,
		     const struct logline *l);

#endif
