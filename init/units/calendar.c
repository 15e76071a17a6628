/*
 * systemd calendar events (calendar.h): the normalised form
 * "[WEEKDAYS] [YEAR-]MONTH-DAY HOUR:MINUTE[:SECOND]" with *, lists (a,b),
 * ranges (a..b) and repetitions (a/step, *\/step) in every field, and the
 * shorthands (minutely, hourly, daily, weekly, monthly, yearly, ...).
 * Not supported (an error naming it): "~" (last days of the month) and
 * time zones other than UTC.
 */
#include "units/calendar.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALL_WEEKDAYS 0x7f

static const char *const day_names[7][2] = {
    {"mon", "monday"}, {"tue", "tuesday"},  {"wed", "wednesday"}, {"thu", "thursday"},
    {"fri", "friday"}, {"sat", "saturday"}, {"sun", "sunday"}};

static const struct {
	const char *name, *expr;
} shorthands[] = {
    {"minutely", "*-*-* *:*:00"},
    {"hourly", "*-*-* *:00:00"},
    {"daily", "*-*-* 00:00:00"},
    {"monthly", "*-*-01 00:00:00"},
    {"weekly", "Mon *-*-* 00:00:00"},
    {"yearly", "*-01-01 00:00:00"},
    {"annually", "*-01-01 00:00:00"},
    {"quarterly", "*-01,04,07,10-01 00:00:00"},
    {"semiannually", "*-01,07-01 00:00:00"},
};

/* err: "what: \"token\"" */
static int fail(char *err, size_t cap, const char *what, const char *token)
{
	snprintf(err, cap, "%s: \"%s\"", what, token);
	return -EINVAL;
}

static int parse_num(const char **s, unsigned *out)
{
	if (!isdigit((unsigned char)**s))
		return -1;
	unsigned v = 0;
	while (isdigit((unsigned char)**s)) {
		v = v * 10 + (unsigned)(**s - '0');
		if (v > 9999)
			return -1;
		(*s)++;
	}
	if (**s == '.' && isdigit((unsigned char)(*s)[1])) /* fractional seconds: dropped */
		for ((*s)++; isdigit((unsigned char)**s); (*s)++)
			;
	*out = v;
	return 0;
}

/* "*", "5", "1,15", "1..7", "0/10", "*\/2", "07..23" into bits lo..hi */
static int parse_field(const char *s, unsigned lo, unsigned hi, uint64_t *bits)
{
	*bits = 0;
	while (*s) {
		unsigned a = lo, b = hi, step = 0;
		if (*s == '*')
			s++;
		else {
			if (parse_num(&s, &a) < 0)
				return -1;
			b = a;
			if (s[0] == '.' && s[1] == '.') {
				s += 2;
				if (parse_num(&s, &b) < 0)
					return -1;
			}
		}
		if (*s == '/') {
			s++;
			if (parse_num(&s, &step) < 0 || step == 0)
				return -1;
			if (a == b)
				b = hi;
		}
		if (a < lo || b > hi || a > b)
			return -1;
		for (unsigned v = a; v <= b; v += step ? step : 1)
			*bits |= 1ull << v;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return *bits ? 0 : -1;
}

static int weekday_index(const char *s, size_t len)
{
	for (int d = 0; d < 7; d++)
		for (int k = 0; k < 2; k++)
			if (strlen(day_names[d][k]) == len &&
			    strncasecmp(s, day_names[d][k], len) == 0)
				return d;
	return -1;
}

static int parse_weekdays(const char *s, uint8_t *out)
{
	*out = 0;
	while (*s) {
		size_t l = strcspn(s, ",.-");
		int a = weekday_index(s, l), b = a;
		s += l;
		if (s[0] == '.' && s[1] == '.') {
			s += 2;
			l = strcspn(s, ",");
			b = weekday_index(s, l);
			s += l;
		}
		if (a < 0 || b < 0)
			return -1;
		for (int d = a;; d = (d + 1) % 7) { /* Sat..Mon wraps */
			*out |= (uint8_t)(1u << d);
			if (d == b)
				break;
		}
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return 0;
}

/* Split s at sep into at most 3 parts; the count, or -1 (too many, too long). */
static int split3(const char *s, char sep, char part[3][64])
{
	int n = 0;
	for (const char *p = s;;) {
		size_t l = strcspn(p, (char[]){sep, '\0'});
		if (n == 3 || l >= 64)
			return -1;
		memcpy(part[n], p, l);
		part[n++][l] = '\0';
		p += l;
		if (!*p)
			return n;
		p++;
	}
}

/* "Y-M-D" or "M-D" */
static int parse_date(const char *s, struct calendar_spec *c)
{
	char part[3][64];
	int n = split3(s, '-', part);
	if (n < 2)
		return -1;
	int m = n == 3 ? 1 : 0;
	uint64_t bits;
	if (n == 3 && strcmp(part[0], "*") != 0) {
		const char *p = part[0];
		unsigned a, b;
		if (parse_num(&p, &a) < 0)
			return -1;
		b = a;
		if (p[0] == '.' && p[1] == '.') {
			p += 2;
			if (parse_num(&p, &b) < 0)
				return -1;
		}
		if (*p || a > b)
			return -1;
		c->year_lo = (uint16_t)a;
		c->year_hi = (uint16_t)b;
	}
	if (parse_field(part[m], 1, 12, &bits) < 0)
		return -1;
	c->months = (uint16_t)bits;
	if (parse_field(part[m + 1], 1, 31, &bits) < 0)
		return -1;
	c->days = (uint32_t)bits;
	return 0;
}

/* "H:M" or "H:M:S" */
static int parse_time(const char *s, struct calendar_spec *c)
{
	char part[3][64];
	int n = split3(s, ':', part);
	uint64_t bits;
	if (n < 2 || parse_field(part[0], 0, 23, &bits) < 0)
		return -1;
	c->hours = (uint32_t)bits;
	if (parse_field(part[1], 0, 59, &c->minutes) < 0)
		return -1;
	c->seconds = 1;
	return n == 3 ? parse_field(part[2], 0, 59, &c->seconds) : 0;
}

int calendar_parse(const char *s, struct calendar_spec *c, char *err, size_t errcap)
{
	*c = (struct calendar_spec){ALL_WEEKDAYS, 0, 9999, 0x1ffe, 0xfffffffe, 1, 1, 1};
	char buf[256];
	snprintf(buf, sizeof buf, "%s", s + strspn(s, " \t"));
	for (size_t i = 0; i < sizeof shorthands / sizeof shorthands[0]; i++)
		if (strcasecmp(buf, shorthands[i].name) == 0)
			snprintf(buf, sizeof buf, "%s", shorthands[i].expr);
	if (strchr(buf, '~'))
		return fail(err, errcap, "\"~\" (days from the end of a month) is not supported",
			    s);
	int have_date = 0, have_time = 0, have_wd = 0;
	for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (strcmp(w, "UTC") == 0)
			continue; /* the node runs on UTC unless TZ says otherwise */
		if (strchr(w, ':') && !have_time) {
			if (parse_time(w, c) < 0)
				return fail(err, errcap, "bad time (HH:MM[:SS])", w);
			have_time = 1;
		} else if (isalpha((unsigned char)w[0]) && !have_wd && !have_date && !have_time) {
			if (parse_weekdays(w, &c->weekdays) < 0)
				return fail(err, errcap, "bad weekdays (Mon, Mon..Fri)", w);
			have_wd = 1;
		} else if (strchr(w, '-') && !have_date && !have_time) {
			if (parse_date(w, c) < 0)
				return fail(err, errcap, "bad date ([YYYY-]MM-DD)", w);
			have_date = 1;
		} else {
			return fail(err, errcap, "not a weekday, date or time", w);
		}
	}
	if (!have_time && !have_date && !have_wd)
		return fail(err, errcap, "empty calendar expression", s);
	if (!have_time) { /* 00:00:00 */
		c->hours = 1;
		c->minutes = c->seconds = 1;
	}
	return 0;
}

static int matches_date(const struct calendar_spec *c, const struct tm *tm)
{
	int wd = (tm->tm_wday + 6) % 7; /* Monday = 0 */
	return (c->months >> (tm->tm_mon + 1) & 1) && (c->days >> tm->tm_mday & 1) &&
	       (c->weekdays >> wd & 1);
}

time_t calendar_next(const struct calendar_spec *c, time_t after)
{
	time_t t = after + 1;
	struct tm tm;
	for (int i = 0; i < 200000; i++) {
		if (!localtime_r(&t, &tm))
			return -1;
		int year = tm.tm_year + 1900;
		if (year > c->year_hi || year > 9999)
			return -1;
		if (year < c->year_lo) {
			tm =
			    (struct tm){.tm_year = c->year_lo - 1900, .tm_mday = 1, .tm_isdst = -1};
		} else if (!matches_date(c, &tm)) {
			tm.tm_mday++;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		} else if (!(c->hours >> tm.tm_hour & 1)) {
			tm.tm_hour++;
			tm.tm_min = tm.tm_sec = 0;
		} else if (!(c->minutes >> tm.tm_min & 1)) {
			tm.tm_min++;
			tm.tm_sec = 0;
		} else if (tm.tm_sec > 59 || !(c->seconds >> tm.tm_sec & 1)) {
			tm.tm_sec++;
		} else {
			return t;
		}
		tm.tm_isdst = -1;
		time_t next = mktime(&tm);
		if (next <= t) /* a DST fold: step past it */
			next = t + 1;
		t = next;
	}
	return -1;
}
