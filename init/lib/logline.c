/*
 * A service's log line (logline.h): its stamp written, and read back into
 * wall clock, monotonic clock, severity and message. Parsing is strict
 * about the stamp's shape: what does not look like one is text.
 */
#include "lib/logline.h"
#include "lib/json.h"

#include <stdio.h>
#include <string.h>

size_t logline_stamp(char *buf, size_t cap, const struct timespec *real,
		     const struct timespec *mono)
{
	if (cap < LOGLINE_STAMP_MAX)
		return 0;
	size_t n = timefmt_rfc3339(buf, cap, real);
	if (n == 0)
		return 0;
	/* dmesg's width; past 99999 s it grows, up to the cap's 8 digits */
	int m = snprintf(buf + n, cap - n, " [%5lld.%06ld] ", (long long)mono->tv_sec % 100000000,
			 mono->tv_nsec / 1000);
	return m > 0 && (size_t)m < cap - n ? n + (size_t)m : 0;
}

int64_t logline_digits(const char *s, size_t n)
{
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" at s (TIMEFMT_RFC3339_LEN bytes): µs, or -1 */
static int64_t parse_rfc3339(const char *s)
{
	static const char shape[] = "0000-00-00T00:00:00.000000Z";
	for (size_t i = 0; i < TIMEFMT_RFC3339_LEN; i++)
		if ((shape[i] == '0') != (s[i] >= '0' && s[i] <= '9') ||
		    (shape[i] != '0' && shape[i] != s[i]))
			return -1;
	int64_t y = logline_digits(s, 4), mo = logline_digits(s + 5, 2),
		d = logline_digits(s + 8, 2);
	int64_t h = logline_digits(s + 11, 2), mi = logline_digits(s + 14, 2),
		sec = logline_digits(s + 17, 2);
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	struct tm tm = {.tm_year = (int)y - 1900,
			.tm_mon = (int)mo - 1,
			.tm_mday = (int)d,
			.tm_hour = (int)h,
			.tm_min = (int)mi,
			.tm_sec = (int)sec};
	time_t t = timegm(&tm);
	return t < 0 ? -1 : (int64_t)t * 1000000 + logline_digits(s + 20, 6);
}

/* "[  12.345678] " at s[0..n): µs, and its length in *used; -1 when not one */
static int64_t parse_mono(const char *s, size_t n, size_t *used)
{
	if (n < 4 || s[0] != '[')
		return -1;
	size_t i = 1;
	while (i < n && s[i] == ' ')
		i++;
	size_t start = i;
	while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 12)
		i++;
	if (i == start || i + 9 > n || s[i] != '.' || s[i + 7] != ']' || s[i + 8] != ' ')
		return -1;
	int64_t sec = logline_digits(s + start, i - start), us = logline_digits(s + i + 1, 6);
	if (us < 0)
		return -1;
	*used = i + 9;
	return sec * 1000000 + us;
}

void logline_parse(const char *line, size_t len, struct logline *out)
{
	if (len && line[len - 1] == '\n')
		len--;
	memset(out, 0, sizeof *out);
	out->real_us = out->mono_us = -1;
	out->priority = -1;
	size_t at = 0;
	if (len > TIMEFMT_RFC3339_LEN && line[TIMEFMT_RFC3339_LEN] == ' ')
		out->real_us = parse_rfc3339(line);
	if (out->real_us >= 0) {
		at = TIMEFMT_RFC3339_LEN + 1;
		size_t used;
		out->mono_us = parse_mono(line + at, len - at, &used);
		if (out->mono_us >= 0)
			at += used;
	}
	const char *t = line + at;
	size_t n = len - at;
	if (n >= 3 && t[0] == '<' && t[1] >= '0' && t[1] <= '7' && t[2] == '>') {
		out->priority = t[1] - '0';
		t += 3, n -= 3;
	}
	out->note = out->priority < 0 && n >= strlen(LOGLINE_NOTE) &&
		    memcmp(t, LOGLINE_NOTE, strlen(LOGLINE_NOTE)) == 0;
	out->text = t;
	out->text_len = n;
}

void logline_json(struct json_writer *w, const char *unit, const struct logline *l)
{
	json_w_obj_begin(w);
	json_w_key(w, "unit");
	json_w_string(w, unit);
	json_w_key(w, "time");
	char ts[TIMEFMT_RFC3339_LEN + 1];
	struct timespec t = {(time_t)(l->real_us / 1000000), (long)(l->real_us % 1000000) * 1000};
	json_w_string_or_null(w, l->real_us >= 0 && timefmt_rfc3339(ts, sizeof ts, &t) ? ts : NULL);
	json_w_key(w, "realtime_usec");
	l->real_us >= 0 ? json_w_i64(w, l->real_us) : json_w_null(w);
	json_w_key(w, "monotonic_usec");
	l->mono_us >= 0 ? json_w_i64(w, l->mono_us) : json_w_null(w);
	json_w_key(w, "priority");
	json_w_i64(w, l->priority >= 0 ? l->priority : 6);
	json_w_key(w, "source");
	json_w_string(w, l->note ? "pact-init" : "service");
	json_w_key(w, "message");
	json_w_string_n(w, l->text, l->text_len);
	json_w_obj_end(w);
}
