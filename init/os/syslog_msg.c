/*
 * The pure half of the syslog client (syslog_fwd.h): the server's URL,
 * RFC 5424 messages, and the bounded queue they wait in. No sockets.
 */
#include "os/syslog_fwd.h"
#include "lib/netaddr.h"
#include "lib/timefmt.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYSLOG_PORT 514

/* "ADDRESS" or "ADDRESS:PORT" or "[V6]" or "[V6]:PORT" */
static int split_host_port(char *s, char **host, unsigned *port)
{
	char *colon;
	*port = SYSLOG_PORT;
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		*end = '\0';
		*host = s + 1;
		colon = end[1] ? end + 1 : NULL;
	} else {
		*host = s;
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			return -EINVAL; /* a bare IPv6 address: its port would be ambiguous */
		if (colon)
			*colon = '\0';
	}
	if (colon) {
		char *end;
		unsigned long p = strtoul(colon + 1, &end, 10);
		if (colon[1] < '0' || colon[1] > '9' || *end || p == 0 || p > 65535)
			return -EINVAL;
		*port = (unsigned)p;
	}
	return 0;
}

int syslog_dest_parse(const char *url, struct syslog_dest *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	char copy[sizeof d->text];
	if (snprintf(copy, sizeof copy, "%s", url) >= (int)sizeof copy) {
		snprintf(err, errlen, "'%.40s...' is too long", url);
		return -EINVAL;
	}
	if (!strncmp(copy, "udp://", 6))
		d->type = SOCK_DGRAM;
	else if (!strncmp(copy, "tcp://", 6))
		d->type = SOCK_STREAM;
	else {
		snprintf(err, errlen, "'%s': want udp://ADDRESS[:PORT] or tcp://ADDRESS[:PORT]",
			 url);
		return -EINVAL;
	}
	char *host;
	unsigned port;
	struct net_ip ip;
	if (split_host_port(copy + 6, &host, &port) < 0 || net_ip_parse(host, 0, &ip) < 0) {
		snprintf(err, errlen, "'%s': want a numeric address and a port from 1 to 65535",
			 url);
		return -EINVAL;
	}
	if (ip.family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&d->addr;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		memcpy(&a->sin_addr, ip.a, 4);
		d->addrlen = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&d->addr;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		memcpy(&a->sin6_addr, ip.a, 16);
		d->addrlen = sizeof *a;
	}
	snprintf(d->text, sizeof d->text, "%s", url);
	return 0;
}

/* A header field: printable ASCII without spaces, at most max bytes; "-" when empty. */
static size_t put_field(char *out, const char *s, size_t max)
{
	size_t n = 0;
	for (; s && s[n] && n < max; n++)
		out[n] = s[n] > 32 && s[n] < 127 ? s[n] : '_';
	if (n == 0)
		out[n++] = '-';
	out[n++] = ' ';
	return n;
}

size_t syslog_format(char *buf, size_t cap, int pri, const struct timespec *t, const char *host,
		     const char *app, const char *procid, const char *msg, size_t msglen)
{
	char head[600];
	size_t n = (size_t)snprintf(head, sizeof head, "<%d>1 ", pri);
	n += timefmt_rfc3339(head + n, sizeof head - n, t);
	head[n++] = ' ';
	n += put_field(head + n, host, 255); /* RFC 5424's bounds for each field */
	n += put_field(head + n, app, 48);
	n += put_field(head + n, procid, 128);
	memcpy(head + n, "- - ", 4); /* no MSGID, no structured data */
	n += 4;
	if (cap == 0)
		return 0;
	size_t hn = n < cap - 1 ? n : cap - 1;
	memcpy(buf, head, hn);
	size_t mn = msglen < cap - 1 - hn ? msglen : cap - 1 - hn;
	memcpy(buf + hn, msg, mn);
	buf[hn + mn] = '\0';
	return hn + mn;
}

/* ---- the queue: each message is a 2-byte length and its bytes ---- */

int syslog_queue_put(struct syslog_queue *q, const char *msg, size_t len)
{
	size_t need = 2 + len;
	if (len > 0xffff || q->tail - q->head + need > q->cap) {
		q->dropped++;
		return -ENOSPC;
	}
	if (q->tail + need > q->cap) { /* room only at the front: move what waits there */
		memmove(q->buf, q->buf + q->head, q->tail - q->head);
		q->tail -= q->head;
		q->head = 0;
	}
	q->buf[q->tail] = (char)(len >> 8);
	q->buf[q->tail + 1] = (char)(len & 0xff);
	memcpy(q->buf + q->tail + 2, msg, len);
	q->tail += need;
	q->count++;
	return 0;
}

const char *syslog_queue_peek(const struct syslog_queue *q, size_t *len)
{
	if (q->head == q->tail)
		return NULL;
	const unsigned char *p = (const unsigned char *)q->buf + q->head;
	*len = (size_t)p[0] << 8 | p[1];
	return q->buf + q->head + 2;
}

void syslog_queue_pop(struct syslog_queue *q)
{
	size_t len;
	if (!syslog_queue_peek(q, &len))
		return;
	q->head += 2 + len;
	q->count--;
	if (q->head == q->tail)
		q->head = q->tail = 0;
}
