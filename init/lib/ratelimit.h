/*
 * Token buckets, for what anyone may cause at will: a log line about a
 * client's bad request, a message on a socket open to every user. A bucket
 * lets `burst` events through at once and `rate` a second after that; what
 * it holds back is counted, and said with the next line it lets through.
 */
#ifndef PACT_RATELIMIT_H
#define PACT_RATELIMIT_H

#include <stdint.h>

struct ratelimit {
	uint64_t tokens_m;  /* thousandths of an event */
	uint64_t last_ms;   /* when tokens_m was last topped up; 0: never used (full) */
	unsigned long held; /* events held back since the last one let through */
};

/* 1 when an event may pass at now_ms (rate a second, burst at once), else
 * 0 (counted in r->held). */
int ratelimit_take(struct ratelimit *r, uint64_t now_ms, unsigned rate, unsigned burst);
/* A bucket that would let burst events through at once (idle long enough). */
int ratelimit_full(const struct ratelimit *r, uint64_t now_ms, unsigned rate, unsigned burst);
/* log_msg through r (at most rate lines a second after burst), with
 * "(N more like it not logged)" added once lines were held back. */
__attribute__((format(printf, 5, 6))) void
log_limited(struct ratelimit *r, unsigned rate, unsigned burst, int prio, const char *fmt, ...);

#endif
