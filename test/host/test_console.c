/*
 * Host tier: a console that stops taking output (a pty nobody reads, as a
 * serial console held by flow control) does not stop pact-init. It keeps
 * answering its control socket while it logs far more than the console
 * holds, drops the lines the console does not take, and says how many
 * once the console takes lines again.
 */
#include "daemon.h"
#include "lib/frame.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REQUESTS 3000 /* each logs a line of about 250 bytes: far more than a pty holds */

static int ctl_connect(const struct daemon *d)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%.90s/control.sock", d->run_dir);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request, its whole reply within timeout_ms: 0, or -1. */
static int ctl_call(int fd, const char *body, int timeout_ms)
{
	uint8_t frame[1024];
	ssize_t n = frame_encode(body, strlen(body), frame, sizeof frame);
	if (n < 0 || write(fd, frame, (size_t)n) != n)
		return -1;
	static uint8_t reply[FRAME_MAX_LEN];
	size_t got = 0, want = FRAME_HDR_LEN;
	while (got < want) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, timeout_ms) != 1)
			return -1;
		ssize_t r = read(fd, reply + got, want - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
		if (got == FRAME_HDR_LEN)
			want += ((size_t)reply[0] << 24 | (size_t)reply[1] << 16 |
				 (size_t)reply[2] << 8 | reply[3]);
	}
	return 0;
}

/* Read what the console shows within timeout_ms until it holds needle. */
static int console_shows(int master, const char *needle, char *buf, size_t cap, int timeout_ms)
{
	size_t used = 0;
	buf[0] = '\0';
	while (!strstr(buf, needle)) {
		struct pollfd p = {.fd = master, .events = POLLIN};
		if (poll(&p, 1, timeout_ms) != 1)
			return 0;
		if (used == cap - 1) { /* keep the end: the line comes last */
			memmove(buf, buf + cap / 2, cap / 2);
			used = cap / 2 - 1;
		}
		ssize_t n = read(master, buf + used, cap - 1 - used);
		if (n <= 0)
			return 0;
		used += (size_t)n;
		buf[used] = '\0';
	}
	return 1;
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	int slave = -1;
	if (master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0)
		slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave < 0) {
		printf("1..0 # SKIP no pty: %s\n", strerror(errno));
		return 0;
	}
	struct daemon d;
	is_int(daemon_prepare(&d, "node_id = console-node\n", ""), 0, "prepared");
	d.console = slave;
	is_int(daemon_launch(&d), 0, "pact-init started with a pty as its console");
	close(slave);
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready (nobody reads the pty)");

	int fd = ctl_connect(&d);
	ok(fd >= 0, "control socket");
	char on[400];
	snprintf(on, sizeof on,
		 "{\"command\":\"emergency\",\"args\":[\"on\",\"--reason\",\"%0200d\"]}", 0);
	const char *off = "{\"command\":\"emergency\",\"args\":[\"off\"]}";
	int answered = 0;
	for (int i = 0; i < REQUESTS && fd >= 0; i++) {
		if (ctl_call(fd, i % 2 ? off : on, 5000) < 0)
			break;
		answered++;
	}
	is_int(answered, REQUESTS, "every request answered while the console takes nothing");

	/* the console drains: what was dropped is said with the next line */
	fcntl(master, F_SETFL, O_NONBLOCK);
	static char buf[65536];
	while (read(master, buf, sizeof buf) > 0)
		;
	fcntl(master, F_SETFL, 0);
	ok(fd >= 0 && ctl_call(fd, on, 5000) == 0, "one more line to log");
	int shown = console_shows(master, "log lines dropped", buf, sizeof buf, 5000);
	ok(shown, "the console then says how many lines were dropped");
	char *p = strstr(buf, "pact-init: ");
	while (p && !strstr(p, "log lines dropped"))
		p = strstr(p + 1, "pact-init: ");
	if (p)
		printf("# %.*s\n", (int)strcspn(p, "\r\n"), p);
	ok(shown && (strstr(p ? p : buf, "emergency declared") ||
		     console_shows(master, "emergency declared", buf, sizeof buf, 5000)),
	   "and then the line itself");
	if (fd >= 0)
		close(fd);
	kill(d.pid, SIGUSR2);
	/* keep reading: the shutdown logs too (and must end even if we did not) */
	fcntl(master, F_SETFL, O_NONBLOCK);
	int st = -ETIMEDOUT;
	for (int i = 0; i < 150 && st == -ETIMEDOUT; i++) {
		while (read(master, buf, sizeof buf) > 0)
			;
		st = daemon_wait_exit(&d, 100);
	}
	ok(st >= 0, "it shuts down");
	daemon_cleanup(&d);
	close(master);
	return done_testing();
}
