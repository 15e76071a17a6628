/*
 * Token buckets (see ratelimit.h), in thousandths of an event so that a
 * rate of a few a second refills by the millisecond.
 */
#include "lib/ratelimit.h"
#include "lib/log.h"
#include "lib/loop.h"

#include <stdarg.h>
#include <stdio.h>

static void refill(struct ratelimit *r, uint64_t now, unsigned rate, unsigned burst)
{
	uint64_t full = (uint64_t)burst * 1000;
	if (!r->last_ms)
		r->tokens_m = full; /* a fresh bucket starts full */
	else if (now > r->last_ms)
		r->tokens_m += (now - r->last_ms) * rate; /* rate a second: rate/1000 a ms */
	if (r->tokens_m > full)
		r->tokens_m = full;
	r->last_ms = now ? now : 1;
}

int ratelimit_take(struct ratelimit *r, uint64_t now_ms, unsigned rate, unsigned burst)
{
	refill(r, now_ms, rate, burst);
	if (r->tokens_m < 1000) {
		r->held++;
		return 0;
	}
	r->tokens_m -= 1000;
	return 1;
}

int ratelimit_full(const struct ratelimit *r, uint64_t now_ms, unsigned rate, unsigned burst)
{
	struct ratelimit probe = *r;
	refill(&probe, now_ms, rate, burst);
	return probe.tokens_m >= (uint64_t)burst * 1000;
}

void log_limited(struct ratelimit *r, unsigned rate, unsigned burst, int prio, const char *fmt, ...)
{
	if (!ratelimit_take(r, now_ms(), rate, burst))
		return;
	char line[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (r->held)
		log_msg(prio, "%s (%lu more like it not logged)", line, r->held);
	else
		log_msg(prio, "%s", line);
	r->held = 0;
}
