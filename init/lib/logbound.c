/*
 * --since and --until for pactctl logs (logbound.h): each form is read by
 * a function of its own; the first that takes the whole value wins.
 */
#include "lib/logbound.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define US_PER_S 1000000LL
#define US_PER_D (86400LL * US_PER_S)
#define SPAN_MAX (100LL * 366 * US_PER_D) /* a century: no uptime or log is older */
#define SPEC_HELP                                                                                  \
	"use YYYY-MM-DD [HH:MM[:SS]], HH:MM[:SS], now, today, yesterday, -5m, "                    \
	"\"5 min ago\", @EPOCH or boot+90s (times are UTC)"

static const struct {
	const char *names; /* space-separated, each surrounded by spaces */
	int64_t us;
} units[] = {
    {" us usec ", 1},
    {" ms msec ", 1000},
    {" s sec secs second seconds ", US_PER_S},
    {" m min mins minute minutes ", 60 * US_PER_S},
    {" h hr hour hours ", 3600 * US_PER_S},
    {" d day days ", US_PER_D},
    {" w week weeks ", 7 * US_PER_D},
};

/* the unit word s[0..n): µs per unit, or -1 */
static int64_t unit_us(const char *s, size_t n)
{
	char word[16];
	if (n == 0 || n > sizeof word - 3)
		return -1;
	snprintf(word, sizeof word, " %.*s ", (int)n, s);
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strstr(units[i].names, word))
			return units[i].us;
	return -1;
}

/* "1h30min", "5 min", "90": a span in µs (a number alone is seconds), or -1 */
static int64_t parse_span(const char *s)
{
	int64_t total = 0;
	int items = 0;
	for (;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			return items ? total : -1;
		int64_t v = 0;
		const char *d = s;
		while (*s >= '0' && *s <= '9' && v <= SPAN_MAX)
			v = v * 10 + (*s++ - '0');
		if (s == d || v > SPAN_MAX)
			return -1;
		while (*s == ' ')
			s++;
		const char *w = s;
		while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
			s++;
		int64_t per = s == w ? (*s ? -1 : US_PER_S) : unit_us(w, (size_t)(s - w));
		if (per < 0 || v > SPAN_MAX / per || (total += v * per) > SPAN_MAX)
			return -1;
		items++;
	}
}

/* n digits at s (at most 4: an int), or -1 */
static int num(const char *s, int n)
{
	return (int)logline_digits(s, (size_t)n);
}

/* "HH:MM[:SS[.ffffff]]" at s: µs into the day, and the rest in *end; -1 */
static int64_t parse_clock(const char *s, const char **end)
{
	int h = num(s, 2), m = -1, sec = 0;
	if (h >= 0 && s[2] == ':')
		m = num(s + 3, 2);
	if (h > 23 || m < 0 || m > 59)
		return -1;
	s += 5;
	int64_t frac = 0;
	if (s[0] == ':') {
		if ((sec = num(s + 1, 2)) < 0 || sec > 60)
			return -1;
		s += 3;
		if (s[0] == '.' && s[1] >= '0' && s[1] <= '9')
			for (int64_t scale = US_PER_S / 10; *++s >= '0' && *s <= '9'; scale /= 10)
				frac += (*s - '0') * scale;
	}
	*end = s;
	return ((h * 60LL + m) * 60 + sec) * US_PER_S + frac;
}

/* what may follow a time: nothing, "Z" or " UTC" */
static int utc_end(const char *s)
{
	return !*s || strcmp(s, "Z") == 0 || strcasecmp(s, " UTC") == 0;
}

/* "YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][Z| UTC]": µs since the epoch, or -1 */
static int64_t parse_date(const char *s)
{
	int y = num(s, 4), mo = -1, d = -1;
	if (y >= 1970 && s[4] == '-' && (mo = num(s + 5, 2)) >= 1 && s[7] == '-')
		d = num(s + 8, 2);
	if (d < 1)
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d};
	time_t day = timegm(&tm);
	if (day < 0 || tm.tm_mday != d || tm.tm_mon != mo - 1) /* no 30 February */
		return -1;
	s += 10;
	int64_t into = 0;
	if ((s[0] == ' ' || s[0] == 'T') && s[1] >= '0' && s[1] <= '9' &&
	    (into = parse_clock(s + 1, &s)) < 0)
		return -1;
	return utc_end(s) ? (int64_t)day * US_PER_S + into : -1;
}

static int64_t midnight(int64_t real_us)
{
	return real_us - real_us % US_PER_D;
}

/* The wall-clock forms: µs since the epoch, or -1. */
static int64_t parse_real(const char *spec, int64_t now)
{
	if (strcmp(spec, "now") == 0)
		return now;
	if (strcmp(spec, "today") == 0)
		return midnight(now);
	if (strcmp(spec, "yesterday") == 0)
		return midnight(now) - US_PER_D;
	if (strcmp(spec, "tomorrow") == 0)
		return midnight(now) + US_PER_D;
	size_t n = strlen(spec);
	if (spec[0] == '-') {
		int64_t span = parse_span(spec + 1);
		return span < 0 ? -1 : now - span;
	}
	if (n > 4 && strcmp(spec + n - 4, " ago") == 0) {
		char head[128];
		snprintf(head, sizeof head, "%.*s", (int)(n - 4), spec);
		int64_t span = n - 4 < sizeof head ? parse_span(head) : -1;
		return span < 0 ? -1 : now - span;
	}
	if (spec[0] == '@') {
		int64_t v = parse_span(spec + 1);
		return spec[1] >= '0' && spec[1] <= '9' && strspn(spec + 1, "0123456789") == n - 1
			   ? v
			   : -1;
	}
	const char *end;
	int64_t into = parse_clock(spec, &end);
	if (into >= 0 && utc_end(end))
		return midnight(now) + into;
	return parse_date(spec);
}

int log_bound_parse(const char *spec, int64_t now_real_us, struct log_bound *b, char *err,
		    size_t errlen)
{
	memset(b, 0, sizeof *b);
	if (strncmp(spec, "boot", 4) == 0 && (!spec[4] || spec[4] == '+')) {
		int64_t span = spec[4] ? parse_span(spec + 5) : 0;
		if (span >= 0) {
			*b = (struct log_bound){.set = 1, .mono = 1, .us = span};
			return 0;
		}
	} else {
		int64_t t = parse_real(spec, now_real_us);
		if (t >= 0) {
			*b = (struct log_bound){.set = 1, .us = t};
			return 0;
		}
	}
	snprintf(err, errlen, "'%s': not a time pactctl knows; " SPEC_HELP, spec);
	return -1;
}

/* the line's time on b's clock: -1 when it has none */
static int64_t line_time(const struct log_bound *b, const struct logline *l)
{
	return b->mono ? l->mono_us : l->real_us;
}

int log_bound_within(const struct log_bound *since, const struct log_bound *until,
		     const struct logline *l)
{
	int64_t s = since->set ? line_time(since, l) : 0;
	int64_t u = until->set ? line_time(until, l) : 0;
	if (s < 0 || u < 0)
		return -1;
	return (!since->set || s >= since->us) && (!until->set || u <= until->us);
}
