/*
 * The syslog client's pure half (os/syslog_msg.c): log.remote's URL, the
 * RFC 5424 message, and the bounded queue with its drop counter.
 */
#include "os/syslog_fwd.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

static void test_dest(void)
{
	struct syslog_dest d;
	char err[200];
	is_int(syslog_dest_parse("udp://192.168.77.1:514", &d, err, sizeof err), 0,
	       "udp:// parses");
	const struct sockaddr_in *a = (const struct sockaddr_in *)&d.addr;
	ok(d.type == SOCK_DGRAM && a->sin_family == AF_INET && ntohs(a->sin_port) == 514 &&
	       ntohl(a->sin_addr.s_addr) == 0xc0a84d01,
	   "... as a datagram socket to 192.168.77.1 port 514");
	is_int(syslog_dest_parse("tcp://10.0.0.5", &d, err, sizeof err), 0, "tcp:// with no port");
	a = (const struct sockaddr_in *)&d.addr;
	ok(d.type == SOCK_STREAM && ntohs(a->sin_port) == 514, "... a stream to port 514");
	is_int(syslog_dest_parse("tcp://[fd77::1]:6514", &d, err, sizeof err), 0,
	       "IPv6 in brackets");
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&d.addr;
	ok(a6->sin6_family == AF_INET6 && ntohs(a6->sin6_port) == 6514 &&
	       a6->sin6_addr.s6_addr[0] == 0xfd && a6->sin6_addr.s6_addr[15] == 1,
	   "... fd77::1 port 6514");
	const char *bad[] = {"192.168.77.1:514",    "udp://loghost:514", "udp://1.2.3.4:0",
			     "udp://1.2.3.4:65536", "tcp://fd77::1:514", "tcp://[fd77::1",
			     "udp://1.2.3.4:",	    "tls://1.2.3.4"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ok(syslog_dest_parse(bad[i], &d, err, sizeof err) < 0 && strstr(err, bad[i]),
		   "'%s' is refused, named (%s)", bad[i], err);
	}
}

static void test_format(void)
{
	char buf[SYSLOG_MSG_MAX];
	struct timespec t = {.tv_sec = 1795550462,
			     .tv_nsec = 123456789}; /* 2026-11-24 20:01:02 UTC */
	size_t n = syslog_format(buf, sizeof buf, 3 << 3 | 6, &t, "node7", "pact-init", "1",
				 "node node7 ready", 16);
	is_str(buf, "<30>1 2026-11-24T20:01:02.123456Z node7 pact-init 1 - - node node7 ready",
	       "RFC 5424: PRI, version, UTC time in microseconds, host, app, pid, no MSGID nor SD");
	is_int(n, strlen(buf), "its length");
	syslog_format(buf, sizeof buf, 30, &t, "", "my app\x01", NULL, "x", 1);
	is_str(buf, "<30>1 2026-11-24T20:01:02.123456Z - my_app_ - - - x",
	       "an empty field is '-', a space or a control byte '_'");
	char big[3000];
	memset(big, 'a', sizeof big);
	n = syslog_format(buf, sizeof buf, 30, &t, "h", "a", "1", big, sizeof big);
	ok(n == sizeof buf - 1 && buf[n] == '\0', "a message longer than %d bytes is cut",
	   SYSLOG_MSG_MAX);
}

static void test_queue(void)
{
	char store[64];
	struct syslog_queue q = {.buf = store, .cap = sizeof store};
	size_t len;
	ok(syslog_queue_peek(&q, &len) == NULL, "an empty queue has nothing");
	is_int(syslog_queue_put(&q, "first message", 13), 0, "one in");
	is_int(syslog_queue_put(&q, "second message", 14), 0, "two in");
	const char *third = "the third message, longer than the room left";
	is_int(syslog_queue_put(&q, third, strlen(third)), -ENOSPC,
	       "a third does not fit in 64 bytes (2 + 13, 2 + 14 used)");
	is_int((int)q.dropped, 1, "... it is dropped and counted");
	const char *m = syslog_queue_peek(&q, &len);
	ok(m && len == 13 && !memcmp(m, "first message", 13), "the oldest comes first");
	syslog_queue_pop(&q);
	is_int(syslog_queue_put(&q, third, strlen(third)), 0,
	       "room made by a send is used (the rest moves to the front)");
	m = syslog_queue_peek(&q, &len);
	ok(m && len == 14 && !memcmp(m, "second message", 14), "the order holds");
	syslog_queue_pop(&q);
	m = syslog_queue_peek(&q, &len);
	ok(m && len == strlen(third) && !memcmp(m, third, len), "and the third");
	syslog_queue_pop(&q);
	ok(syslog_queue_peek(&q, &len) == NULL && q.count == 0, "empty again");
}

int main(void)
{
	test_dest();
	test_format();
	test_queue();
	return done_testing();
}
