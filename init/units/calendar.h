/*
 * systemd calendar events (OnCalendar=): "daily", "weekly",
 * "Mon..Fri *-*-* 06:00", "*-*-1..7 1:00:00", "*:00/10", "07..23:30" ...
 * parsed into sets of allowed values per field, and the next time that
 * matches after a given time, in local time (the node's TZ, UTC when none).
 */
#ifndef PACT_CALENDAR_H
#define PACT_CALENDAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct calendar_spec {
	uint8_t weekdays;	   /* bit 0 Monday .. bit 6 Sunday; 0x7f: any */
	uint16_t year_lo, year_hi; /* a range of years (0..9999: any) */
	uint16_t months;	   /* bit 1..12 */
	uint32_t days;		   /* bit 1..31 */
	uint32_t hours;		   /* bit 0..23 */
	uint64_t minutes;	   /* bit 0..59 */
	uint64_t seconds;	   /* bit 0..59 */
};

/* Parse s; 0, or -EINVAL with err saying which part is wrong. */
int calendar_parse(const char *s, struct calendar_spec *c, char *err, size_t errcap);

/* The first time strictly after `after` that c matches (seconds since the
 * epoch), or -1 when there is none within the next ~10 years. */
time_t calendar_next(const struct calendar_spec *c, time_t after);

#endif
