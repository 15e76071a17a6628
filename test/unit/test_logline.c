/*
 * A service's log line (lib/logline.c): the stamp written and read back
 * (wall clock and monotonic), older lines with the wall clock alone, the
 * "<N>" severity, pact-init's notes; one JSON object per line with control
 * characters and UTF-8 (bad bytes replaced); and pactctl logs --since and
 * --until (lib/logbound.c): every documented form, and refusals that name
 * the value.
 */
#include "lib/json.h"
#include "lib/logbound.h"
#include "lib/logline.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

#define DAY_US	   (86400LL * 1000000)
#define MIDNIGHT   (1795564800LL * 1000000) /* 2026-11-25T00:00:00Z */
#define NOW_US	   (1795645800LL * 1000000) /* 2026-11-25T22:30:00Z */
#define AT_2200_US (1795644000LL * 1000000) /* 2026-11-25T22:00:00Z */

static struct logline parse(const char *line)
{
	struct logline l;
	logline_parse(line, strlen(line), &l);
	return l;
}

static int text_is(const struct logline *l, const char *want)
{
	return l->text_len == strlen(want) && memcmp(l->text, want, l->text_len) == 0;
}

static void test_stamp(void)
{
	struct timespec real = {1795645800, 123456789}, mono = {12, 345678901};
	char buf[LOGLINE_STAMP_MAX];
	size_t n = logline_stamp(buf, sizeof buf, &real, &mono);
	is_str(buf, "2026-11-25T22:30:00.123456Z [   12.345678] ",
	       "the stamp: UTC, then monotonic");
	is_int((int)n, (int)strlen(buf), "... its length");
	is_int((int)logline_stamp(buf, LOGLINE_STAMP_MAX - 1, &real, &mono), 0,
	       "a buffer too small: nothing");
	mono.tv_sec = 99999999; /* three years up: the field grows, within the max */
	n = logline_stamp(buf, sizeof buf, &real, &mono);
	ok(n > 0 && strstr(buf, "[99999999.345678] "), "a long uptime fits (%s)", buf);

	char line[200];
	mono.tv_sec = 7;
	n = logline_stamp(line, sizeof line, &real, &mono);
	strcpy(line + n, "hello\n");
	struct logline l = parse(line);
	ok(l.real_us == 1795645800LL * 1000000 + 123456 && l.mono_us == 7345678,
	   "read back: both clocks, to the µs");
	ok(text_is(&l, "hello") && l.priority < 0 && !l.note, "... the text, without its newline");
}

static void test_parse(void)
{
	struct logline l = parse("2026-11-25T20:01:02.123456Z chronyd version 4.3");
	ok(l.real_us == (1795564800LL + 20 * 3600 + 62) * 1000000 + 123456 && l.mono_us < 0 &&
	       text_is(&l, "chronyd version 4.3"),
	   "a line of an older pact-init: the wall clock alone");
	l = parse("2026-11-25T20:01:02.123456Z [123456.000001] <3>disk gone");
	ok(l.mono_us == 123456000001LL && l.priority == 3 && text_is(&l, "disk gone"),
	   "a wide monotonic stamp; <3> is the severity, taken off the text");
	l = parse("2026-11-25T20:01:02.123456Z [    1.000000] -- pact-init: exited with status 1");
	ok(l.note && text_is(&l, "-- pact-init: exited with status 1"), "pact-init's note");
	l = parse("no stamp at all");
	ok(l.real_us < 0 && l.mono_us < 0 && text_is(&l, "no stamp at all"), "no stamp: all text");
	l = parse("2026-13-25T20:01:02.123456Z x");
	ok(l.real_us < 0, "month 13 is no stamp");
	l = parse("2026-11-25T20:01:02.123456Z [  1.5] x");
	ok(l.real_us > 0 && l.mono_us < 0 && text_is(&l, "[  1.5] x"),
	   "a bracket that is not a stamp stays text");
	l = parse("2026-11-25T20:01:02.123456Z [    1.000000]");
	ok(l.real_us > 0 && l.mono_us < 0, "a stamp cut short is text");
	l = parse("");
	ok(l.text_len == 0 && l.real_us < 0, "an empty line");
}

static const char *json_of(const char *line)
{
	static char buf[4096];
	struct json_writer w;
	json_w_init(&w, buf, sizeof buf);
	struct logline l;
	logline_parse(line, strlen(line), &l);
	logline_json(&w, "chronyd.service", &l);
	return json_w_finish(&w) > 0 ? buf : "(error)";
}

static void test_json(void)
{
	is_str(json_of("2026-11-25T22:30:00.123456Z [   12.345678] <4>clock \"off\"\tby 3 s\n"),
	       "{\"unit\":\"chronyd.service\",\"time\":\"2026-11-25T22:30:00.123456Z\","
	       "\"realtime_usec\":1795645800123456,\"monotonic_usec\":12345678,\"priority\":4,"
	       "\"source\":\"service\",\"message\":\"clock \\\"off\\\"\\tby 3 s\"}",
	       "one object: unit, times, priority, source, message (quotes and tab escaped)");
	const char *j = json_of("2026-11-25T22:30:00.000000Z [    0.000001] \x1b[31mred\x01 "
				"\xc3\xa9t\xc3\xa9 \xe2\x80\xa6 \xff\xfe end");
	ok(strstr(j, "\"message\":\"\\u001b[31mred\\u0001 \xc3\xa9t\xc3\xa9 \xe2\x80\xa6 "
		     "\xef\xbf\xbd\xef\xbf\xbd end\""),
	   "control characters as \\u00XX, UTF-8 kept, bad bytes as U+FFFD (%s)", j);
	ok(strstr(j, "\"priority\":6") != NULL, "no <N>: info (6), as it is forwarded");
	is_str(json_of("just text"),
	       "{\"unit\":\"chronyd.service\",\"time\":null,\"realtime_usec\":null,"
	       "\"monotonic_usec\":null,\"priority\":6,\"source\":\"service\",\"message\":"
	       "\"just text\"}",
	       "a line without a stamp: null times");
	j = json_of("2026-11-25T22:30:00.000000Z -- pact-init: started (pid 42)");
	ok(strstr(j, "\"monotonic_usec\":null") && strstr(j, "\"source\":\"pact-init\""),
	   "an older note: no monotonic time, source pact-init");
	struct json_node nodes[64];
	struct json_doc d;
	j = json_of("2026-11-25T22:30:00.000000Z [    0.000001] \x1b\x7f\xc0\xaf");
	is_int(json_parse(&d, j, strlen(j), nodes, 64), 0, "what is written parses as strict JSON");
}

static int64_t bound(const char *spec, int *mono)
{
	struct log_bound b;
	char err[400];
	if (log_bound_parse(spec, NOW_US, &b, err, sizeof err) < 0) {
		printf("# %s\n", err);
		return -1;
	}
	*mono = b.mono;
	return b.us;
}

static void test_since(void)
{
	int mono = 0;
	const struct {
		const char *spec;
		int64_t us;
		int mono;
	} good[] = {
	    {"2026-11-25 22:00", AT_2200_US, 0},
	    {"2026-11-25 22:00:05", AT_2200_US + 5000000, 0},
	    {"2026-11-25T22:00:05.25Z", AT_2200_US + 5250000, 0},
	    {"2026-11-25 22:00 UTC", AT_2200_US, 0},
	    {"2026-11-25", MIDNIGHT, 0},
	    {"22:00", AT_2200_US, 0},
	    {"22:00:30", AT_2200_US + 30000000, 0},
	    {"now", NOW_US, 0},
	    {"today", MIDNIGHT, 0},
	    {"yesterday", MIDNIGHT - DAY_US, 0},
	    {"tomorrow", MIDNIGHT + DAY_US, 0},
	    {"-5m", NOW_US - 300000000, 0},
	    {"-30min", AT_2200_US, 0},
	    {"-1h30min", NOW_US - 5400000000LL, 0},
	    {"-90", NOW_US - 90000000, 0},
	    {"5 min ago", NOW_US - 300000000, 0},
	    {"1h 30min ago", NOW_US - 5400000000LL, 0},
	    {"2 days ago", NOW_US - 2 * DAY_US, 0},
	    {"@1795644000", AT_2200_US, 0},
	    {"boot", 0, 1},
	    {"boot+90s", 90000000, 1},
	    {"boot+2min", 120000000, 1},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int64_t got = bound(good[i].spec, &mono);
		ok(got == good[i].us && mono == good[i].mono, "--since '%s' (%lld µs%s)",
		   good[i].spec, (long long)got, mono ? ", monotonic" : "");
	}
	const char *bad[] = {"",
			     "5 minutes",
			     "-5 parsecs",
			     "2026-02-30",
			     "2026-11-25 25:00",
			     "2026-11-25 22:00 CET",
			     "2026-11-25 22:00+01:00",
			     "22:61",
			     "9:05",
			     "last tuesday",
			     "@12min",
			     "boot-5s",
			     "-",
			     "99999999999999999999 s ago",
			     "2026-1-5",
			     "+5m"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct log_bound b;
		char err[400] = "";
		ok(log_bound_parse(bad[i], NOW_US, &b, err, sizeof err) < 0 &&
		       strstr(err, bad[i]) && strstr(err, "YYYY-MM-DD"),
		   "'%s' is refused, named, with the forms taken", bad[i]);
	}
	struct log_bound b;
	char err[400];
	log_bound_parse("5 minutes", NOW_US, &b, err, sizeof err);
	printf("# the refusal reads: %s\n", err);
}

static void test_within(void)
{
	struct log_bound since, until, none = {0};
	char err[200];
	log_bound_parse("22:00", NOW_US, &since, err, sizeof err);
	log_bound_parse("22:10", NOW_US, &until, err, sizeof err);
	struct logline in = parse("2026-11-25T22:05:00.000000Z [  100.000000] in");
	struct logline before = parse("2026-11-25T21:59:59.999999Z [   99.000000] before");
	struct logline at_until = parse("2026-11-25T22:10:00.000000Z [  101.000000] at until");
	struct logline after = parse("2026-11-25T22:10:00.000001Z [  102.000000] after");
	struct logline bare = parse("no stamp");
	is_int(log_bound_within(&since, &until, &in), 1, "a line between the bounds is in");
	is_int(log_bound_within(&since, &until, &before), 0, "one µs before --since is out");
	is_int(log_bound_within(&since, &until, &at_until), 1, "--until's own time is in");
	is_int(log_bound_within(&since, &until, &after), 0, "one µs after it is out");
	is_int(log_bound_within(&none, &none, &bare), 1, "no bounds: every line");
	is_int(log_bound_within(&since, &none, &bare), -1, "a line without the clock: unknown");
	struct log_bound boot;
	log_bound_parse("boot+100s", NOW_US, &boot, err, sizeof err);
	is_int(log_bound_within(&boot, &none, &in), 1, "boot+100s: the line at 100 s is in");
	is_int(log_bound_within(&boot, &none, &before), 0, "... the one at 99 s is not");
	struct logline old = parse("2026-11-25T22:05:00.000000Z no monotonic stamp");
	is_int(log_bound_within(&boot, &none, &old), -1, "... an older line has no monotonic time");
	is_int(log_bound_within(&since, &none, &old), 1, "... but its wall clock serves --since");
}

int main(void)
{
	test_stamp();
	test_parse();
	test_json();
	test_since();
	test_within();
	return done_testing();
}
