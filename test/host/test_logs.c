/*
 * Host tier: logs a site can keep (node/logs.c, os/syslog_fwd.c,
 * supervise/svclog.c) through the real daemon. A service's log file has a
 * timestamp on every line and rotates at log.max_bytes into
 * log.rotations older files; pact-init's own lines and the service's are
 * forwarded as RFC 5424 messages to a listener on the loopback, over UDP
 * and over TCP (octet counting), where the connection is made again after
 * the listener drops it; with no server, the bounded queue overflows and
 * the drops are counted in the metrics while the node stays ready.
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 200 lines of about 60 bytes (12 KB: three rotations of 4 KiB), one line
 * of 9000 bytes (longer than a file), and one with an sd-daemon priority
 * prefix (<3>: error) */
static const char talk_unit[] =
    "[Service]\nType=oneshot\nRemainAfterExit=yes\n"
    "ExecStart=/bin/sh -c 'i=0; while [ $i -lt 200 ]; do i=$((i+1)); "
    "echo \"talk line $i, padded to fill the file sooner\"; done; "
    "head -c 9000 /dev/zero | tr -c x x; echo; echo \"<3>talk failed badly\"'\n";

static char got[1 << 20]; /* everything the listener received */
static size_t got_len;

/* A listening socket on 127.0.0.1 and an unused port; its port into *port. */
static int listener(int type, unsigned *port)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 4) < 0) ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static int matches(const char *pattern)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0)
		return 0;
	got[got_len] = '\0';
	int m = regexec(&re, got, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

/* Read from fd into got (a datagram or a stream's bytes, then a newline
 * for a datagram) until pattern matches, at most timeout_ms. */
static int receive_until(int fd, int dgram, const char *pattern, int timeout_ms)
{
	long long end = host_ms_now() + timeout_ms;
	while (!matches(pattern)) {
		long long left = end - host_ms_now();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		ssize_t n = recv(fd, got + got_len, sizeof got - 2 - got_len, MSG_DONTWAIT);
		if (n <= 0)
			return -EPIPE;
		got_len += (size_t)n;
		if (dgram)
			got[got_len++] = '\n';
	}
	return 0;
}

static int accept_within(int lfd, int timeout_ms)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	if (poll(&p, 1, timeout_ms) <= 0)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

static int start(struct daemon *d, const char *remote, const char *extra)
{
	char conf[600];
	snprintf(conf, sizeof conf,
		 "node_id = logs-node\nlog.remote = %s\nlog.max_bytes = 4K\nlog.rotations = 3\n%s",
		 remote, extra);
	if (daemon_prepare(d, conf, "") < 0)
		return -1;
	mkdir(pf("%s/etc/services", d->dir), 0755);
	FILE *f = fopen(pf("%s/etc/services/talk.service", d->dir), "w");
	if (!f)
		return -1;
	fputs(talk_unit, f);
	fclose(f);
	return daemon_launch(d);
}

static void test_files(struct daemon *d)
{
	const char *log = pf("%s/logs/talk.log", d->run_dir);
	struct stat st;
	for (int i = 1; i <= 3; i++)
		ok(stat(pf("%s.%d", log, i), &st) == 0 && st.st_size <= 4096,
		   "talk.log.%d is kept, within log.max_bytes (%lld bytes)", i,
		   (long long)st.st_size);
	ok(stat(log, &st) == 0 && st.st_size <= 4096, "talk.log too (%lld bytes)",
	   (long long)st.st_size);
	ok(stat(pf("%s.4", log), &st) < 0, "no fourth older file (log.rotations = 3)");
	FILE *f = fopen(log, "r");
	char line[512];
	int lines = 0, stamped = 0;
	regex_t re;
	regcomp(&re,
		"^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z "
		"\\[ *[0-9]+\\.[0-9]{6}\\] ",
		REG_EXTENDED | REG_NOSUB);
	int at_start = 1; /* a line longer than line[] comes in more than one fgets */
	while (f && fgets(line, sizeof line, f)) {
		if (at_start) {
			lines++;
			stamped += regexec(&re, line, 0, NULL, 0) == 0;
		}
		at_start = strchr(line, '\n') != NULL;
	}
	regfree(&re);
	if (f)
		fclose(f);
	ok(lines >= 2 && stamped == lines,
	   "every line of talk.log starts with its UTC and monotonic times, the long line's end "
	   "too (%d of %d)",
	   stamped, lines);
}

static void test_udp(void)
{
	unsigned port;
	int fd = listener(SOCK_DGRAM, &port);
	struct daemon d;
	got_len = 0;
	ok(fd >= 0 && start(&d, pf("udp://127.0.0.1:%u", port), "") == 0, "udp: pact-init started");
	is_int(daemon_wait_file(&d, "ready", 15000), 0, "udp: ready");
	is_int(receive_until(fd, 1,
			     "^<29>1 20[-0-9T:.]+Z logs-node pact-init 1 - - node logs-node ready",
			     10000),
	       0, "udp: pact-init's own line arrives as RFC 5424 (daemon.notice, host, pid 1)");
	is_int(
	    receive_until(fd, 1, "^<30>1 [^ ]+ logs-node talk - - - talk line 200, padded", 10000),
	    0, "udp: the service's lines arrive (daemon.info, APP-NAME talk), the last one too");
	is_int(receive_until(fd, 1, "^<27>1 [^ ]+ logs-node talk - - - talk failed badly$", 10000),
	       0, "udp: a line's <3> prefix is its severity (daemon.err)");
	ok(matches("talk line 1, padded") && matches("talk line 100, padded"),
	   "udp: earlier lines too (none lost on the loopback)");
	test_files(&d);
	char out[8192];
	daemon_pactctl(&d, "metrics", out, sizeof out);
	ok(strstr(out, "pact_log_forward_up 1") && strstr(out, "pact_log_forward_dropped_total 0"),
	   "udp: the metrics say up, nothing dropped");
	daemon_finish(&d, tap_failed);
	close(fd);
}

static void test_tcp(void)
{
	unsigned port;
	int lfd = listener(SOCK_STREAM, &port);
	struct daemon d;
	got_len = 0;
	ok(lfd >= 0 && start(&d, pf("tcp://127.0.0.1:%u", port), "") == 0,
	   "tcp: pact-init started");
	int c = accept_within(lfd, 10000);
	ok(c >= 0, "tcp: it connects");
	is_int(receive_until(c, 0,
			     "[0-9]+ <29>1 [^ ]+ logs-node pact-init 1 - - node logs-node ready",
			     15000),
	       0, "tcp: pact-init's lines arrive, octet-counted (LEN SP MSG)");
	is_int(receive_until(c, 0, "[0-9]+ <30>1 [^ ]+ logs-node talk - - - talk line 200,", 10000),
	       0, "tcp: the service's lines too");
	close(c); /* the server goes away: pact-init must connect again */
	got_len = 0;
	char out[8192];
	daemon_pactctl(&d, "restart talk", out, sizeof out);
	c = accept_within(lfd, 10000);
	ok(c >= 0, "tcp: after the server closed, it connects again (backoff about 1 s)");
	is_int(receive_until(c, 0, "talk line 200,", 10000), 0,
	       "tcp: the restarted service's lines arrive on the new connection");
	ok(matches("log.remote tcp://127.0.0.1:[0-9]+: forwarding again"),
	   "tcp: pact-init says forwarding resumed");
	daemon_pactctl(&d, "metrics", out, sizeof out);
	ok(strstr(out, "pact_log_forward_reconnects_total 1") != NULL,
	   "tcp: the metrics count the reconnection");
	daemon_finish(&d, tap_failed);
	if (c >= 0)
		close(c);
	close(lfd);
}

/* No server: the queue (4 KiB) overflows; the node does not care. */
static void test_no_server(void)
{
	unsigned port;
	int lfd = listener(SOCK_STREAM, &port);
	close(lfd); /* the port is now closed: connections are refused */
	struct daemon d;
	ok(start(&d, pf("tcp://127.0.0.1:%u", port), "log.remote_queue = 4K\n") == 0,
	   "no server: pact-init started");
	is_int(daemon_wait_file(&d, "ready", 15000), 0, "no server: the node is ready anyway");
	is_int(daemon_wait_log(
		   &d, "log.remote tcp://127.0.0.1:[0-9]+: Connection refused; queueing", 10000),
	       0, "no server: said once, with the reason");
	is_int(daemon_wait_log(&d, "talk.service: finished", 10000), 0,
	       "no server: the service ran");
	char out[8192];
	daemon_pactctl(&d, "metrics", out, sizeof out);
	char *p = strstr(out, "\npact_log_forward_dropped_total "); /* the sample, not its HELP */
	long dropped = p ? atol(p + strlen("\npact_log_forward_dropped_total ")) : -1;
	if (dropped <= 0)
		diag("%s", out);
	ok(dropped > 0 && strstr(out, "pact_log_forward_up 0"),
	   "no server: the metrics count %ld messages dropped, and say down", dropped);
	daemon_finish(&d, tap_failed);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	test_udp();
	test_tcp();
	test_no_server();
	return done_testing();
}
