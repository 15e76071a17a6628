/*
 * Calendar events (units/calendar.c): the forms Debian's timers use, the
 * next time each matches, and what is refused.
 */
#include "tap.h"
#include "units/calendar.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "2026-11-25 20:00:00" UTC as a time_t */
static time_t at(const char *s)
{
	struct tm tm = {0};
	if (!strptime(s, "%Y-%m-%d %H:%M:%S", &tm))
		return -1;
	return timegm(&tm);
}

static void next_is(const char *expr, const char *from, const char *want)
{
	struct calendar_spec c;
	char err[160] = "";
	int r = calendar_parse(expr, &c, err, sizeof err);
	time_t next = r == 0 ? calendar_next(&c, at(from)) : -1;
	char got[32] = "none";
	struct tm tm;
	if (next > 0 && gmtime_r(&next, &tm))
		strftime(got, sizeof got, "%Y-%m-%d %H:%M:%S", &tm);
	is_str(got, want, "%s after %s", expr, from);
	if (r < 0)
		printf("# %s\n", err);
}

static void refused(const char *expr, const char *why)
{
	struct calendar_spec c;
	char err[160] = "";
	int r = calendar_parse(expr, &c, err, sizeof err);
	ok(r < 0 && strstr(err, why), "\"%s\" refused: %s", expr, err);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	/* 2026-11-25 is a Wednesday */
	next_is("daily", "2026-11-25 20:00:00", "2026-11-26 00:00:00");
	next_is("weekly", "2026-11-25 20:00:00", "2026-11-30 00:00:00");
	next_is("hourly", "2026-11-25 20:00:00", "2026-11-25 21:00:00");
	next_is("monthly", "2026-11-25 20:00:00", "2026-12-01 00:00:00");
	next_is("yearly", "2026-11-25 20:00:00", "2027-01-01 00:00:00");
	next_is("*-*-* 07..23:30", "2026-11-25 20:00:00", "2026-11-25 20:30:00");
	next_is("*-*-* 07..23:30", "2026-11-25 23:45:00", "2026-11-26 07:30:00");
	next_is("Sun *-*-* 03:10:00", "2026-11-25 20:00:00", "2026-11-29 03:10:00");
	next_is("Sun *-*-1..7 1:00:00", "2026-11-25 20:00:00", "2026-12-06 01:00:00");
	next_is(" 1:05:00", "2026-11-25 20:00:00", "2026-11-26 01:05:00");
	next_is("2:00:00", "2026-11-25 01:00:00", "2026-11-25 02:00:00");
	next_is("00:07:00", "2026-11-25 20:00:00", "2026-11-26 00:07:00");
	next_is("*-*-* 06:25:00", "2026-11-25 06:25:00", "2026-11-26 06:25:00");
	next_is("*:00/10", "2026-11-25 20:03:00", "2026-11-25 20:10:00");
	next_is("*:0/10", "2026-11-25 20:55:00", "2026-11-25 21:00:00");
	next_is("Mon..Fri *-*-* 09:00", "2026-11-27 10:00:00", "2026-11-30 09:00:00");
	next_is("Sat,Sun 12:00", "2026-11-25 20:00:00", "2026-11-28 12:00:00");
	next_is("*-02-29 00:00:00", "2026-11-25 20:00:00", "2028-02-29 00:00:00");
	next_is("2027-01-01", "2026-11-25 20:00:00", "2027-01-01 00:00:00");
	next_is("2025-01-01", "2026-11-25 20:00:00", "none");
	next_is("*-*-* *:*:30", "2026-11-25 20:00:00", "2026-11-25 20:00:30");
	next_is("minutely", "2026-11-25 20:00:00", "2026-11-25 20:01:00");
	next_is("quarterly", "2026-11-25 20:00:00", "2027-01-01 00:00:00");
	next_is("Wed 20:00:00 UTC", "2026-11-25 19:00:00", "2026-11-25 20:00:00");
	refused("*-*~01", "\"~\"");
	refused("Funday", "weekdays");
	refused("25:00", "time");
	refused("*-13-01", "date");
	refused("", "empty");
	refused("12:00 13:00", "not a weekday, date or time");
	return done_testing();
}
