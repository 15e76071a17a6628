/*
 * One line of a service's log file, as supervise/svclog.c writes it and
 * pactctl logs reads it (docs/logs.md):
 *
 *   2026-11-25T20:01:02.123456Z [   12.345678] chronyd version 4.3 starting
 *
 * the wall clock (UTC, microseconds), the monotonic clock in brackets
 * (CLOCK_MONOTONIC: seconds since boot, as dmesg shows them), a space,
 * then the service's text. Lines written before the monotonic stamp
 * existed (a file carried across a re-exec from an older pact-init) have
 * the wall clock alone; both are read.
 */
#ifndef PACT_LOGLINE_H
#define PACT_LOGLINE_H

#include "lib/timefmt.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "2026-...Z [99999999.123456] ": the stamp of the first 3 years of uptime */
#define LOGLINE_STAMP_MAX (TIMEFMT_RFC3339_LEN + 22)
#define LOGLINE_NOTE	  "-- pact-init: " /* a line of pact-init's own about the service */

struct json_writer;

struct logline {
	int64_t real_us;  /* wall clock, µs since the epoch; -1: the line has no stamp */
	int64_t mono_us;  /* monotonic, µs since boot; -1: the line has none */
	int priority;	  /* its "<N>" prefix (sd-daemon(3)), else -1 */
	int note;	  /* pact-init's own line (start, exit, OOM kill) */
	const char *text; /* the message: after the stamps and the "<N>", no newline */
	size_t text_len;
};

/* The stamp for a line read at real and mono, and its space, into buf
 * (NUL-terminated): its length, or 0 when cap is less than LOGLINE_STAMP_MAX. */
size_t logline_stamp(char *buf, size_t cap, const struct timespec *real,
		     const struct timespec *mono);

/* Split line[0..len) (its newline, if any, is left out) into its parts. A
 * line without a stamp is all text. */
void logline_parse(const char *line, size_t len, struct logline *out);

/* The n digits at s: their value, or -1 when one is not a digit (or s ends). */
int64_t logline_digits(const char *s, size_t n);

/* The line as one JSON object: unit, time (RFC 3339), realtime_usec,
 * monotonic_usec (null when unknown), priority (the "<N>", else 6: info, the
 * severity the line is forwarded with), source ("service" or "pact-init")
 * and message. */
void logline_json(struct json_writer *w, const char *unit, const struct logline *l);

#endif
