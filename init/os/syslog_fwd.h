/*
 * A syslog client that forwards logs to a site's central log store:
 * RFC 5424 messages over UDP (RFC 5426: one datagram each) or TCP
 * (RFC 6587 octet counting: "LEN SP MSG"), from a bounded queue that the
 * event loop drains through a non-blocking socket. What does not fit in
 * the queue is dropped and counted, never waited for. A socket that fails
 * (a server that closed, a network not up yet) is made again after a
 * backoff: 1 s, doubling to 60 s, with random jitter. Messages from forked
 * children of the owner (workers) reach it through a datagram socket pair,
 * so that one process alone writes to the server.
 */
#ifndef PACT_SYSLOG_FWD_H
#define PACT_SYSLOG_FWD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

/* One message at most (RFC 5424 6.1: receivers should take 2048 octets);
 * a longer one is cut. */
#define SYSLOG_MSG_MAX 2048

struct syslog_dest {
	int type; /* SOCK_DGRAM (udp://) or SOCK_STREAM (tcp://) */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char text[96]; /* as configured, for log lines */
};

/* "udp://ADDRESS[:PORT]" or "tcp://ADDRESS[:PORT]" (port 514 when left
 * out; an IPv6 address in brackets: tcp://[fd77::1]:514). Addresses are
 * numeric: PID 1 does not wait on a name server. 0, or -EINVAL with err. */
int syslog_dest_parse(const char *url, struct syslog_dest *d, char *err, size_t errlen);

/* "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID - - MSG" (UTC, microseconds;
 * a field that is empty or not printable ASCII becomes "-" or has '_' for
 * the bad bytes) into buf, cut to cap - 1 bytes and NUL-terminated; its
 * length. */
size_t syslog_format(char *buf, size_t cap, int pri, const struct timespec *t, const char *host,
		     const char *app, const char *procid, const char *msg, size_t msglen);

/* The queue: messages in arrival order in one buffer of cap bytes. */
struct syslog_queue {
	char *buf;
	size_t cap, head, tail; /* the messages are buf[head..tail) */
	size_t count;
	uint64_t dropped;
};
/* Add a message: 0, or -ENOSPC when it does not fit (dropped, counted). */
int syslog_queue_put(struct syslog_queue *q, const char *msg, size_t len);
/* The oldest message and its length; NULL when the queue is empty. */
const char *syslog_queue_peek(const struct syslog_queue *q, size_t *len);
void syslog_queue_pop(struct syslog_queue *q);

struct syslog_fwd_stats {
	uint64_t sent, dropped, reconnects;
	size_t queued, queued_bytes;
	int active, up;
};

/* Start forwarding to d with a queue of queue_bytes (from the loop's
 * process, after loop_init). 0 or -errno. */
int syslog_fwd_start(const struct syslog_dest *d, size_t queue_bytes);
/* Queue one message (syslog_format's output); from any process: a
 * forked child hands it to the owner. Never blocks. */
void syslog_fwd_submit(const char *msg, size_t len);
void syslog_fwd_get_stats(struct syslog_fwd_stats *s);

#endif
