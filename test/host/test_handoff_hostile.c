/*
 * Host tier: hostile inputs to the handoff server of the real pact-init
 * (sanitized build, PID 1 of fresh namespaces): 40 malformed, oversized,
 * truncated or slow frames, each answered with its Error (or the
 * connection closed) and each followed by a good request, with the
 * daemon's fd count back where it was; a client that never reads is
 * dropped; 64 clients with frames of the largest size leave none of their
 * memory in pact-init once they are gone. The round trip and the rest are
 * test_handoff.c.
 */
#include "daemon.h"
#include "lib/fileio.h"
#include "lib/frame.h"
#include "proto/handoff_msg.h"
#include "os/netconf.h"
#include "pact/handoff.h"
#include "hostutil.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct daemon d;
static struct pact_handoff_conn conn2;

/* The daemon closes a client's fds when it sees the close: that has no event
 * we can wait on from here, so look again, briefly, for a bounded time. */
static int fds_back_to(int want)
{
	long end = host_ms_now() + 3000;
	int n;
	while ((n = fd_count(d.pid)) != want && host_ms_now() < end)
		poll(NULL, 0, 5);
	return n;
}

static char *sock_path(void)
{
	static char p[256];
	snprintf(p, sizeof p, "%s/handoff.sock", d.run_dir);
	return p;
}

static int raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path());
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static const enum pact_ns_type all3[] = {PACT_NS_PID, PACT_NS_NET, PACT_NS_MOUNT};

static int good_cycle(const char *id)
{
	struct pact_handoff_conn *c = &conn2;
	struct pact_handoff_msg resp;
	int fds[3];
	/* a full backlog is -EAGAIN: a client retries later (bounded here) */
	long end = host_ms_now() + 5000;
	int r;
	while ((r = pact_handoff_connect(c, sock_path())) == -EAGAIN && host_ms_now() < end)
		poll(NULL, 0, 10);
	if (r < 0)
		return r;
	r = pact_handoff_request_ns(c, id, all3, 2, NULL, &resp, fds, 10000);
	if (r == 0)
		close_fds(fds, resp.n_ns);
	if (r == 0)
		r = pact_handoff_end(c, id, NULL, 10000);
	pact_handoff_close(c);
	return r;
}

/* ---- hostile inputs ---- */

struct hostile {
	const char *name;
	const char *body; /* sent as one frame (NULL: raw below) */
	const char *raw;  /* raw bytes, rawlen of them */
	size_t rawlen;
	int expect; /* error kind expected, -1: none (closed), -2: a response */
};

static int read_reply(int fd, struct pact_handoff_msg *m, int timeout_ms)
{
	struct frame_decoder *dec = malloc(sizeof *dec);
	frame_dec_init(dec);
	long end = host_ms_now() + timeout_ms;
	int r = -ETIMEDOUT;
	while (host_ms_now() < end) {
		uint8_t *dst;
		size_t want = frame_dec_want(dec, &dst);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)(end - host_ms_now())) <= 0)
			break;
		ssize_t n = recv(fd, dst, want, 0);
		if (n <= 0) {
			r = -EPIPE;
			break;
		}
		int c = frame_dec_commit(dec, (size_t)n);
		if (c < 0) {
			r = -EPROTO;
			break;
		}
		if (c == 1) {
			size_t len;
			const uint8_t *b = frame_dec_body(dec, &len);
			char why[256];
			r = handoff_msg_parse(b, len, m, why, sizeof why) == 0 ? 0 : -EPROTO;
			break;
		}
	}
	free(dec);
	return r;
}

static int send_frame(int fd, const void *body, size_t len)
{
	uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			  (uint8_t)len};
	if (write_all(fd, hdr, 4) < 0 || write_all(fd, body, len) < 0)
		return -1;
	return 0;
}

#define REQ(id, ns, extra)                                                                         \
	"{\"NamespaceRequest\":{\"allocation_id\":" id ",\"namespaces\":" ns extra "}}"

static char *big_id_body(void)
{
	static char b[11000];
	int n = snprintf(b, sizeof b, "{\"NamespaceRequest\":{\"allocation_id\":\"");
	memset(b + n, 'a', 10000);
	snprintf(b + n + 10000, sizeof b - (size_t)n - 10000, "\",\"namespaces\":[\"Pid\"]}}");
	return b;
}

static char *deep_body(void)
{
	static char b[20100];
	int n = snprintf(b, sizeof b, "{\"NamespaceRequest\":{\"x\":");
	for (int i = 0; i < 10000; i++)
		b[n++] = '[';
	for (int i = 0; i < 10000; i++)
		b[n++] = ']';
	snprintf(b + n, sizeof b - (size_t)n,
		 ",\"allocation_id\":\"a\",\"namespaces\":[\"Pid\"]}}");
	return b;
}

static char *ws_body(void)
{
	static char b[65537];
	memset(b, ' ', 65536);
	b[65536] = '\0';
	b[0] = '{';
	return b;
}

static void run_hostile(const struct hostile *h, int base)
{
	int fd = raw_connect();
	if (fd < 0) {
		ok(0, "%s: connect: %s", h->name, strerror(-fd));
		return;
	}
	if (h->body)
		send_frame(fd, h->body, strlen(h->body));
	else
		(void)!write_all(fd, h->raw, h->rawlen);
	struct pact_handoff_msg m;
	int r;
	if (h->expect == -1) {
		shutdown(fd, SHUT_WR); /* a truncated frame: the server sees the close */
		r = read_reply(fd, &m, 3000);
		ok(r == -EPIPE, "%s: closed without a reply", h->name);
	} else {
		r = read_reply(fd, &m, 5000);
		if (h->expect == -2)
			ok(r == 0 && m.type == PACT_MSG_NAMESPACE_RESPONSE, "%s: answered",
			   h->name);
		else
			ok(r == 0 && m.type == PACT_MSG_ERROR && (int)m.kind == h->expect,
			   "%s: Error %s", h->name,
			   pact_handoff_err_name((enum pact_handoff_err)h->expect));
	}
	close(fd);
	char id[64];
	snprintf(id, sizeof id, "after-%d", getpid());
	int g = good_cycle(id);
	int n = fds_back_to(base);
	if (g != 0 || n != base)
		ok(0, "%s: then a good request works (%d) and fds are back (%d, want %d)", h->name,
		   g, n, base);
}

static void test_hostile(void)
{
	enum { IR = PACT_ERR_INVALID_REQUEST };
	static const char nul_in_id[] = REQ("\"a\\u0000b\"", "[\"Pid\"]", "");
	const struct hostile list[] = {
	    {"length 0", NULL, "\0\0\0\0", 4, IR},
	    {"length 2^32-1", NULL, "\xff\xff\xff\xff", 4, IR},
	    {"length 65537", NULL, "\0\1\0\1", 4, IR},
	    {"truncated header", NULL, "\0\0", 2, -1},
	    {"truncated body", NULL, "\0\0\0\x64{\"Namesp", 12, -1},
	    {"invalid UTF-8", REQ("\"a\xff\xfe\"", "[\"Pid\"]", ""), NULL, 0, IR},
	    {"overlong UTF-8", REQ("\"a\xc0\xaf\"", "[\"Pid\"]", ""), NULL, 0, IR},
	    {"invalid JSON", "{\"NamespaceRequest\":", NULL, 0, IR},
	    {"not an object", "[1,2,3]", NULL, 0, IR},
	    {"trailing garbage", REQ("\"a\"", "[\"Pid\"]", "") "x", NULL, 0, IR},
	    {"byte order mark", "\xef\xbb\xbf" REQ("\"a\"", "[\"Pid\"]", ""), NULL, 0, IR},
	    {"allocation_id a number", REQ("42", "[\"Pid\"]", ""), NULL, 0, IR},
	    {"allocation_id null", REQ("null", "[\"Pid\"]", ""), NULL, 0, IR},
	    {"namespaces a string", REQ("\"a\"", "\"Pid\"", ""), NULL, 0, IR},
	    {"namespaces empty", REQ("\"a\"", "[]", ""), NULL, 0, IR},
	    {"four namespaces", REQ("\"a\"", "[\"Pid\",\"Net\",\"Mount\",\"Pid\"]", ""), NULL, 0,
	     IR},
	    {"unknown tag", "{\"Foo\":{\"allocation_id\":\"a\"}}", NULL, 0, IR},
	    {"lowercase tag", "{\"namespaceRequest\":{\"allocation_id\":\"a\"}}", NULL, 0, IR},
	    {"two tags", "{\"AllocationEnded\":{\"allocation_id\":\"a\"},\"Error\":{}}", NULL, 0,
	     IR},
	    {"unknown namespace User", REQ("\"a\"", "[\"User\"]", ""), NULL, 0, IR},
	    {"lowercase pid", REQ("\"a\"", "[\"pid\"]", ""), NULL, 0, IR},
	    {"duplicate types", REQ("\"a\"", "[\"Pid\",\"Pid\"]", ""), NULL, 0, IR},
	    {"duplicate key", REQ("\"a\"", "[\"Pid\"]", ",\"allocation_id\":\"b\""), NULL, 0, IR},
	    {"huge allocation_id", big_id_body(), NULL, 0, IR},
	    {"../ in allocation_id", REQ("\"../etc\"", "[\"Pid\"]", ""), NULL, 0, IR},
	    {"/ in allocation_id", REQ("\"a/b\"", "[\"Pid\"]", ""), NULL, 0, IR},
	    {"NUL in allocation_id", nul_in_id, NULL, 0, IR},
	    {"../ in uenv_image", REQ("\"u1\"", "[\"Mount\"]", ",\"uenv_image\":\"../x.sqfs\""),
	     NULL, 0, IR},
	    {"uenv_image outside the roots",
	     REQ("\"u2\"", "[\"Mount\"]", ",\"uenv_image\":\"/etc/passwd\""), NULL, 0, IR},
	    {"uenv_image missing", REQ("\"u3\"", "[\"Mount\"]", ",\"uenv_image\":\"nope.sqfs\""),
	     NULL, 0, IR},
	    {"uenv_image not squashfs",
	     REQ("\"u4\"", "[\"Mount\"]", ",\"uenv_image\":\"text.sqfs\""), NULL, 0, IR},
	    {"uenv_image empty", REQ("\"u5\"", "[\"Mount\"]", ",\"uenv_image\":\"\""), NULL, 0, IR},
	    {"nesting 10000 deep", deep_body(), NULL, 0, IR},
	    {"65536 bytes of whitespace", ws_body(), NULL, 0, IR},
	    {"a NamespaceResponse from a client",
	     "{\"NamespaceResponse\":{\"allocation_id\":\"a\",\"fd_types\":[\"Pid\"]}}", NULL, 0,
	     IR},
	    {"an Error from a client",
	     "{\"Error\":{\"allocation_id\":null,\"kind\":\"FdPassing\",\"reason\":\"x\"}}", NULL,
	     0, IR},
	    {"AllocationEnded of an unknown id",
	     "{\"AllocationEnded\":{\"allocation_id\":\"nobody\"}}", NULL, 0,
	     PACT_ERR_ALLOCATION_NOT_FOUND},
	};
	char id[64];
	snprintf(id, sizeof id, "warm-%d", getpid());
	is_int(good_cycle(id), 0, "a good request and end before the hostile inputs");
	/* earlier clients may still be closing: wait until the count is steady */
	int base = fd_count_settled(d.pid);
	ok(base > 0, "pact-init's fd count: %d", base);
	int before = tap_failed;
	for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
		run_hostile(&list[i], base);
	ok(tap_failed == before, "after each of %zu inputs a good request worked and fds were back",
	   sizeof list / sizeof list[0]);

	/* fds sent to the server are discarded by the kernel */
	int fd = raw_connect();
	int passed = open("/dev/null", O_RDONLY | O_CLOEXEC);
	const char *body = "{\"AllocationEnded\":{\"allocation_id\":\"fdtest\"}}";
	uint8_t frame[128];
	ssize_t flen = frame_encode(body, strlen(body), frame, sizeof frame);
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {frame, (size_t)flen};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &passed, sizeof passed);
	ok(sendmsg(fd, &mh, 0) == flen, "a client sends an fd along with a message");
	struct pact_handoff_msg m;
	ok(read_reply(fd, &m, 5000) == 0 && m.kind == PACT_ERR_ALLOCATION_NOT_FOUND,
	   "the message is answered");
	is_int(fd_count(d.pid), base + 1,
	       "the server holds no fd of the client's (only the socket)");
	close(fd);
	close(passed);
	is_int(fds_back_to(base), base, "fds back after it closes");

	/* byte by byte */
	fd = raw_connect();
	snprintf(id, sizeof id, "slow-%d", getpid());
	char req[256];
	snprintf(req, sizeof req, REQ("\"%s\"", "[\"Pid\"]", ""), id);
	flen = frame_encode(req, strlen(req), frame, sizeof frame);
	for (ssize_t i = 0; i < flen; i++)
		(void)!write(fd, frame + i, 1);
	ok(read_reply(fd, &m, 10000) == 0 && m.type == PACT_MSG_NAMESPACE_RESPONSE,
	   "a request delivered one byte at a time is answered");
	close(fd); /* its fds were never received: the kernel drops them with the socket */
	{
		struct pact_handoff_conn *c = &conn2;
		pact_handoff_connect(c, sock_path());
		is_int(pact_handoff_end(c, id, NULL, 5000), 0, "and it can be ended");
		pact_handoff_close(c);
	}

	/* silent connections are closed after handoff.frame_timeout_ms (500 here) */
	fd = raw_connect();
	ok(read_reply(fd, &m, 5000) == -EPIPE, "a silent connection is closed by the server");
	close(fd);
	fd = raw_connect();
	(void)!write(fd, "\0\0\0\x10{", 5);
	ok(read_reply(fd, &m, 5000) == -EPIPE, "a connection stalled mid-frame is closed");
	close(fd);

	/* 1000 idle connections of another uid (an allowed one): they make
	 * room among their own (handoff.max_clients_per_uid), never push out
	 * the other uids' clients */
	int go[2], done[2];
	(void)!pipe2(go, O_CLOEXEC);
	(void)!pipe2(done, O_CLOEXEC);
	fflush(stdout);
	pid_t idler = fork();
	if (idler == 0) {
		static int idle[1000];
		int nidle = 0;
		close(go[1]);
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(1);
		for (int i = 0; i < 1000; i++)
			nidle += (idle[i] = raw_connect()) >= 0;
		(void)!write(done[1], &nidle, sizeof nidle);
		char b;
		(void)!read(go[0], &b, 1); /* held until the parent is done */
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	int nidle = 0;
	(void)!read(done[0], &nidle, sizeof nidle);
	ok(nidle == 1000 || nidle > 64, "uid 65534 opened %d idle connections", nidle);
	snprintf(id, sizeof id, "idle-%d", getpid());
	is_int(good_cycle(id), 0, "with 1000 idle connections a good request is still answered");
	close(go[1]);
	waitpid(idler, NULL, 0);
	close(done[0]);
	is_int(fds_back_to(base), base, "fds back after the idle connections close");

	/* a client that never reads */
	fd = raw_connect();
	fcntl(fd, F_SETFL, O_NONBLOCK);
	const char *e = "{\"AllocationEnded\":{\"allocation_id\":\"never-reads\"}}";
	flen = frame_encode(e, strlen(e), frame, sizeof frame);
	int dropped = 0;
	long end = host_ms_now() + 10000;
	while (!dropped && host_ms_now() < end) {
		ssize_t n = send(fd, frame, (size_t)flen, MSG_NOSIGNAL);
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			dropped = 1;
		else if (n < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			poll(&p, 1, 100);
		}
	}
	ok(dropped, "a client that never reads is dropped, not waited for");
	snprintf(id, sizeof id, "nr-%d", getpid());
	is_int(good_cycle(id), 0, "others are still served");
	close(fd);
	is_int(fds_back_to(base), base, "fds back after it");
}

/*
 * 64 clients at once, each with a frame of the largest size (64 KiB of
 * blanks, answered InvalidRequest): 4 MiB written into pact-init's
 * connection table. Once they are gone, those pages are given back: what
 * a client sent does not stay in PID 1's memory after it.
 */
static void test_big_frames_released(void)
{
	enum { N = 64 };
	int fds[N], answered = 0;
	long before = anon_kb(d.pid);
	for (int i = 0; i < N; i++) {
		struct pact_handoff_msg m;
		fds[i] = raw_connect();
		answered += fds[i] >= 0 && send_frame(fds[i], ws_body(), 65536) == 0 &&
			    read_reply(fds[i], &m, 5000) == 0 && m.type == PACT_MSG_ERROR &&
			    m.kind == PACT_ERR_INVALID_REQUEST;
	}
	long during = anon_kb(d.pid);
	for (int i = 0; i < N; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	is_int(answered, N, "%d clients at once each sent a 65536-byte frame: InvalidRequest", N);
	char id[64];
	snprintf(id, sizeof id, "big-%d", getpid());
	is_int(good_cycle(id), 0, "then a good request works (after their closes were seen)");
	long after = anon_kb(d.pid);
	ok(before >= 0 && during - before >= N * 64 * 3 / 4,
	   "while connected, their frames are resident (%+ld kB)", during - before);
	ok(after >= 0 && after - before < 256,
	   "once they are gone, those pages are given back (%+ld kB from before)", after - before);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	/* an image root holding a file that is not a squashfs image (u4) */
	char imgdir[64], conf[512];
	snprintf(imgdir, sizeof imgdir, "/tmp/pact-hostile-%d", getpid());
	mkdir(imgdir, 0755);
	FILE *tf = fopen(pf("%s/text.sqfs", imgdir), "w");
	if (tf) {
		fputs("not a squashfs image\n", tf);
		fclose(tf);
	}
	snprintf(conf, sizeof conf,
		 "node_id = hostile-node\nuenv.image_roots = %s\nhandoff.group = 65534\n"
		 "handoff.uids = 65534\nhandoff.frame_timeout_ms = 500\n",
		 imgdir);
	is_int(daemon_start(&d, conf, ""), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	chmod(d.dir, 0755); /* for the unprivileged clients */
	test_hostile();
	test_big_frames_released();
	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	kill(d.pid, SIGUSR2);
	daemon_wait_exit(&d, 15000);
	daemon_cleanup(&d);
	unlink(pf("%s/text.sqfs", imgdir));
	rmdir(imgdir);
	return done_testing();
}
