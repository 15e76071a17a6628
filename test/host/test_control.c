/*
 * Host tier: the control socket under load and faults, and pactctl's side
 * of it.
 *
 * - 8 silent clients hold every slot: pactctl waits in the backlog and is
 *   served once their request deadline (control.request_timeout_ms, 1 s
 *   here) cuts them; a client sending a byte now and then is cut at that
 *   deadline too (it is total, not an idle timer).
 * - 100 pactctl status at once all succeed (served 8 at a time, the rest
 *   wait in the backlog).
 * - 8 clients at once each send a request of the largest size (64 KiB):
 *   once they are gone, the pages those requests took in pact-init are
 *   given back (its anonymous memory returns to where it was).
 * - Out of file descriptors (RLIMIT_NOFILE lowered on the daemon with
 *   prlimit), clients of control.sock and ready.sock are refused at once
 *   (the reserve fd) and the event loop does not spin: the daemon's CPU
 *   ticks stay near zero while they are refused.
 * - pactctl: a connection refused (nobody listening yet) or closed before
 *   its request was sent is tried again, and never kills it with SIGPIPE
 *   (a fake server and ptrace put each fault at the exact point); a request
 *   of exactly 65536 bytes is encoded without writing past its buffer.
 */
#include "ctl/control.h"
#include "daemon.h"
#include "hostutil.h"
#include "lib/frame.h"
#include "tap.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEADLINE_MS 1000

static struct daemon d;

static int connect_to(const char *dir, const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%.90s/%.16s", dir, name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Wait until the peer closes fd (EOF or reset), at most timeout_ms;
 * whatever it sent before goes into buf. The bytes received (closed), or
 * -ETIMEDOUT. */
static int wait_closed(int fd, char *buf, size_t cap, int timeout_ms)
{
	long deadline = host_ms_now() + timeout_ms;
	size_t used = 0;
	for (;;) {
		long left = deadline - host_ms_now();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		char tmp[512];
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n <= 0)
			break;
		if (buf && used + (size_t)n < cap) {
			memcpy(buf + used, tmp, (size_t)n);
			used += (size_t)n;
		}
	}
	if (buf)
		buf[used] = '\0';
	return (int)used;
}

static void test_silent_clients(void)
{
	int silent[CTL_MAX_CONNS];
	int n = 0;
	for (int i = 0; i < CTL_MAX_CONNS; i++)
		if ((silent[i] = connect_to(d.run_dir, "control.sock")) >= 0)
			n++;
	is_int(n, CTL_MAX_CONNS, "%d clients connect to control.sock and say nothing",
	       CTL_MAX_CONNS);
	char out[8192];
	long t0 = host_ms_now();
	int rc = daemon_pactctl(&d, "status", out, sizeof out);
	long took = host_ms_now() - t0;
	is_int(rc, 0, "pactctl status still succeeds (%ld ms)", took);
	ok(took < 5 * DEADLINE_MS,
	   "it waited for the silent ones' deadline, not longer (%ld ms, deadline %d ms)", took,
	   DEADLINE_MS);
	int cut = 0;
	for (int i = 0; i < CTL_MAX_CONNS; i++)
		if (silent[i] >= 0) {
			cut += wait_closed(silent[i], NULL, 0, 2 * DEADLINE_MS) >= 0;
			close(silent[i]);
		}
	is_int(cut, CTL_MAX_CONNS, "the silent clients were closed at their deadline");
}

/* One byte of a request every 300 ms: the deadline is total, not idle. */
static void test_trickle(void)
{
	int fd = connect_to(d.run_dir, "control.sock");
	ok(fd >= 0, "a client that sends a byte every 300 ms");
	if (fd < 0)
		return;
	static const char body[] = "{\"command\":\"status\",\"args\":[]}";
	uint8_t req[64];
	ssize_t rlen = frame_encode(body, sizeof body - 1, req, sizeof req);
	long t0 = host_ms_now();
	int closed = 0;
	for (ssize_t i = 0; i < rlen && !closed && host_ms_now() - t0 < 4 * DEADLINE_MS; i++) {
		if (send(fd, req + i, 1, MSG_NOSIGNAL) != 1)
			closed = 1;
		/* 300 ms between bytes, or the close if it comes first */
		else if (wait_closed(fd, NULL, 0, 300) >= 0)
			closed = 1;
	}
	long took = host_ms_now() - t0;
	ok(closed && took < 3 * DEADLINE_MS,
	   "it is cut at the request deadline (%s after %ld ms; deadline %d ms)",
	   closed ? "closed" : "still open", took, DEADLINE_MS);
	close(fd);
}

/* 100 clients at once, each as pactctl is: connect, send status, read
 * the reply, close. All connect before any is served. */
static void test_many(void)
{
	enum { N = 100 };
	static const char body[] = "{\"command\":\"status\",\"args\":[]}";
	uint8_t req[64];
	ssize_t rlen = frame_encode(body, sizeof body - 1, req, sizeof req);
	struct pollfd p[N];
	int sent = 0;
	for (int i = 0; i < N; i++) {
		p[i].fd = connect_to(d.run_dir, "control.sock");
		p[i].events = POLLIN;
		sent += p[i].fd >= 0 && send(p[i].fd, req, (size_t)rlen, MSG_NOSIGNAL) == rlen;
	}
	is_int(sent, N, "%d clients connected and sent status", N);
	static char buf[N][16384];
	size_t got[N] = {0};
	int answered = 0, closed = 0;
	long deadline = host_ms_now() + 30000;
	while (answered + closed < N && host_ms_now() < deadline) {
		if (poll(p, N, (int)(deadline - host_ms_now())) <= 0)
			break;
		for (int i = 0; i < N; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(p[i].fd, buf[i] + got[i], sizeof buf[i] - got[i]);
			if (n > 0)
				got[i] += (size_t)n;
			size_t want =
			    got[i] >= 4 ? 4 + ((size_t)(uint8_t)buf[i][2] << 8 | (uint8_t)buf[i][3])
					: (size_t)-1;
			if (n > 0 && got[i] < want)
				continue;
			if (n > 0 && memmem(buf[i], got[i], "\"ok\":true", 9))
				answered++; /* a whole reply: done, as pactctl is */
			else
				closed++;
			close(p[i].fd);
			p[i].fd = -1;
		}
	}
	is_int(answered, N, "all %d were answered (%d closed unanswered)", N, closed);
	for (int i = 0; i < N; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
}

/* The reply to the request on fd, whole, within timeout_ms: 1 when it is
 * {"ok":true,...}, 0 otherwise. */
static int read_reply_ok(int fd, int timeout_ms)
{
	static struct frame_decoder dec;
	long deadline = host_ms_now() + timeout_ms;
	frame_dec_init(&dec);
	for (;;) {
		uint8_t *dst;
		size_t want = frame_dec_want(&dec, &dst);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long left = deadline - host_ms_now();
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return 0;
		ssize_t n = read(fd, dst, want);
		int r = n > 0 ? frame_dec_commit(&dec, (size_t)n) : -1;
		if (r < 0)
			return 0;
		if (r == 1) {
			size_t len;
			const uint8_t *body = frame_dec_body(&dec, &len);
			return memmem(body, len, "\"ok\":true", 9) != NULL;
		}
	}
}

/*
 * Every slot gets a request of the largest size (a help, padded with
 * blanks): 8 x 64 KiB written into pact-init's connection table. Once the
 * clients are gone, those pages are given back: an idle PID 1 does not
 * keep the memory of its largest requests.
 */
static void test_big_requests_released(void)
{
	static char body[FRAME_MAX_BODY];
	static uint8_t frame[FRAME_MAX_LEN];
	memset(body, ' ', sizeof body);
	memcpy(body, "{\"command\":\"help\"", 17);
	body[sizeof body - 1] = '}';
	ssize_t flen = frame_encode(body, sizeof body, frame, sizeof frame);
	long before = anon_kb(d.pid);
	int fds[CTL_MAX_CONNS], answered = 0;
	for (int i = 0; i < CTL_MAX_CONNS; i++) {
		struct timeval tv = {.tv_sec = 10}; /* the send's bound */
		fds[i] = connect_to(d.run_dir, "control.sock");
		answered += fds[i] >= 0 && flen > 0 &&
			    setsockopt(fds[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0 &&
			    send(fds[i], frame, (size_t)flen, MSG_NOSIGNAL) == flen &&
			    read_reply_ok(fds[i], 10000);
	}
	long during = anon_kb(d.pid);
	for (int i = 0; i < CTL_MAX_CONNS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	is_int(answered, CTL_MAX_CONNS, "%d clients at once each sent a %d-byte request, answered",
	       CTL_MAX_CONNS, FRAME_MAX_BODY);
	/* a request after the closes: the loop has seen them when it is answered */
	char out[8192];
	is_int(daemon_pactctl(&d, "status", out, sizeof out), 0, "pactctl status after they left");
	long after = anon_kb(d.pid);
	ok(before >= 0 && during - before >= CTL_MAX_CONNS * 64 * 3 / 4,
	   "while connected, their requests are resident (%+ld kB)", during - before);
	ok(after >= 0 && after - before < 64,
	   "once they are gone, those pages are given back (%+ld kB from before)", after - before);
}

/* utime + stime of pid, in clock ticks */
static long cpu_ticks(pid_t pid)
{
	char buf[1024];
	FILE *f = fopen(pf("/proc/%d/stat", (int)pid), "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	long ut = 0, st = 0;
	/* ") S ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime" */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &ut, &st) != 2)
		return -1;
	return ut + st;
}

/* The lowest fd number pid does not use: with RLIMIT_NOFILE there, its next open fails. */
static int lowest_free_fd(pid_t pid)
{
	for (int fd = 0; fd < 65536; fd++)
		if (access(pf("/proc/%d/fd/%d", (int)pid, fd), F_OK) != 0)
			return fd;
	return -1;
}

static void test_out_of_fds(void)
{
	enum { ROUNDS = 20 };
	int low = lowest_free_fd(d.pid);
	struct rlimit old, lim;
	ok(low > 3 && prlimit(d.pid, RLIMIT_NOFILE, NULL, &old) == 0,
	   "the daemon's fds counted (%d)", low);
	lim = old;
	lim.rlim_cur = (rlim_t)low;
	is_int(prlimit(d.pid, RLIMIT_NOFILE, &lim, NULL), 0,
	       "RLIMIT_NOFILE of the daemon lowered to %d: it has no fd left", low);
	long t0 = cpu_ticks(d.pid);
	int ctl_refused = 0, ready_refused = 0;
	char buf[512];
	for (int i = 0; i < ROUNDS; i++) {
		int fd = connect_to(d.run_dir, "control.sock");
		int n = fd < 0 ? -1 : wait_closed(fd, buf, sizeof buf, 2000);
		if (fd >= 0)
			close(fd);
		if (n < 0)
			break; /* not refused: the loop is stuck (spinning) on it */
		ctl_refused += memmem(buf, (size_t)n, "\"Unavailable\"", 13) != NULL;
		fd = connect_to(d.run_dir, "ready.sock");
		n = fd < 0 ? -1 : wait_closed(fd, buf, sizeof buf, 2000);
		if (fd >= 0)
			close(fd);
		if (n < 0)
			break;
		ready_refused += strcmp(buf, "BUSY\n") == 0;
	}
	long ticks = cpu_ticks(d.pid) - t0;
	is_int(ctl_refused, ROUNDS, "control.sock clients are refused at once, told Unavailable");
	is_int(ready_refused, ROUNDS, "ready.sock clients are refused at once, told BUSY");
	ok(t0 >= 0 && ticks <= 20,
	   "the event loop does not spin: %ld CPU ticks for %d refused clients", ticks,
	   ctl_refused + ready_refused);
	is_int(prlimit(d.pid, RLIMIT_NOFILE, &old, NULL), 0, "the limit restored");
	char out[8192];
	is_int(daemon_pactctl(&d, "status", out, sizeof out), 0, "pactctl status works again");
	ok(strstr(daemon_log(&d), "control: out of file descriptors: refused a client") != NULL,
	   "the refusals are in its log (counted, not a line each)");
}

/* ---- pactctl against a fake server ---- */

struct fake {
	char dir[128];
	int lfd;
};

static int fake_bind(struct fake *f)
{
	snprintf(f->dir, sizeof f->dir, "/tmp/pact-fake-%d", getpid());
	mkdir(f->dir, 0700);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%.80s/control.sock", f->dir);
	unlink(sa.sun_path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return bind(f->lfd, (struct sockaddr *)&sa, sizeof sa);
}

/* Answer one client's request with a fixed reply. */
static int fake_answer(struct fake *f, int timeout_ms)
{
	struct pollfd p = {.fd = f->lfd, .events = POLLIN};
	if (poll(&p, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	int c = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return -errno;
	uint8_t hdr[4], body[FRAME_MAX_BODY];
	int r = -EIO;
	if (read(c, hdr, 4) == 4) {
		size_t len =
		    (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
		size_t got = 0;
		while (got < len && len <= sizeof body) {
			ssize_t n = read(c, body + got, len - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		static const char reply[] = "{\"ok\":true,\"data\":\"from the fake\\n\"}";
		uint8_t frame[64];
		frame_encode(reply, sizeof reply - 1, frame, sizeof frame);
		r = send(c, frame, FRAME_HDR_LEN + sizeof reply - 1, MSG_NOSIGNAL) > 0 ? 0 : -errno;
	}
	close(c);
	return r;
}

static void fake_end(struct fake *f)
{
	close(f->lfd);
	(void)!system(pf("rm -rf %s", f->dir));
}

static int finish(pid_t pid, int outfd, char *out, size_t cap)
{
	int st = 0;
	waitpid(pid, &st, 0);
	ssize_t n = pread(outfd, out, cap - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(outfd);
	return st;
}

static int scratch(void)
{
	char path[] = "/tmp/pact-pactctl-out-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	return fd;
}

static void test_pactctl_retries(void)
{
	struct fake f;
	char out[4096];
	is_int(fake_bind(&f), 0, "a fake control socket, bound but not listening yet");
	/* metrics: a verb whose text answer pactctl prints as it is */
	char *const argv[] = {(char *)build_path("san/pactctl"), "--run-dir", f.dir, "metrics",
			      NULL};
	int o = scratch();
	pid_t p = trace_spawn(argv, o);
	int st = 0;
	/* its second connect: the first was refused (nobody listens) */
	int r = trace_to_syscall(p, SYS_connect, 2, &st);
	is_int(r, 0, "pactctl was refused and connects again");
	ok(listen(f.lfd, 16) == 0, "now the fake listens");
	trace_detach(p);
	is_int(fake_answer(&f, 10000), 0, "and answers it");
	st = finish(p, o, out, sizeof out);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "from the fake"),
	   "pactctl got the answer after the refusal (status %d: %s)", st, out);

	/* closed by the server between its connect and its send: EPIPE */
	o = scratch();
	p = trace_spawn(argv, o);
	r = trace_to_syscall(p, SYS_connect, 1, &st);
	/* the connect done, stopped before its next syscall: the send */
	if (r == 0)
		r = trace_to_syscall(p, -1, 1, &st);
	is_int(r, 0, "pactctl connected and stopped before sending its request");
	struct pollfd pf = {.fd = f.lfd, .events = POLLIN};
	int c = r == 0 && poll(&pf, 1, 5000) == 1 ? accept4(f.lfd, NULL, NULL, SOCK_CLOEXEC) : -1;
	ok(c >= 0 && shutdown(c, SHUT_RDWR) == 0 && close(c) == 0,
	   "the server accepts it and closes before the request is sent");
	trace_detach(p);
	is_int(fake_answer(&f, 10000), 0, "pactctl tries again; the fake answers");
	st = finish(p, o, out, sizeof out);
	ok(!(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE), "pactctl did not die of SIGPIPE");
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "from the fake"),
	   "it got the answer on its second try (status %d: %s)", st, out);
	fake_end(&f);
}

/* A request body of exactly FRAME_MAX_BODY bytes: its encoder writes a NUL after it. */
static void test_largest_request(void)
{
	static char arg[FRAME_MAX_BODY];
	/* {"command":"status","args":["<arg>"]} */
	size_t over = strlen("{\"command\":\"status\",\"args\":[\"\"]}");
	memset(arg, 'x', FRAME_MAX_BODY - over);
	arg[FRAME_MAX_BODY - over] = '\0';
	char *const argv[] = {(char *)build_path("san/pactctl"),
			      "--run-dir",
			      "/nonexistent-pact",
			      "status",
			      arg,
			      NULL};
	int o = scratch();
	pid_t p = fork();
	if (p == 0) {
		dup2(o, 1);
		dup2(o, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	char out[8192];
	int st = finish(p, o, out, sizeof out);
	ok(!strstr(out, "AddressSanitizer"), "a 65536-byte request is encoded within its buffer");
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 1 && strstr(out, "control.sock"),
	   "and pactctl goes on to its connect (status %d: %.200s)", st, out);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	test_largest_request();
	test_pactctl_retries();
	char conf[256];
	snprintf(conf, sizeof conf, "node_id = ctl-node\ncontrol.request_timeout_ms = %d\n",
		 DEADLINE_MS);
	is_int(daemon_start(&d, conf, "quiet"), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	test_out_of_fds(); /* first: while it is idle, its fds do not change */
	test_silent_clients();
	test_trickle();
	test_many();
	test_big_requests_released();
	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	daemon_cleanup(&d);
	return done_testing();
}
