/*
 * Host test of the handoff client library and the server-side send path
 * over real unix sockets: three real namespace fds (/proc/self/ns/{pid,net,
 * mnt}) travel in one SCM_RIGHTS with the frame's first byte and arrive in
 * order (same inodes, close-on-exec); pushed events are queued; errors,
 * wrong fd counts, split frames, timeouts, peer close, the outgoing queue
 * under a client that never reads, and connect() on a real path.
 *
 * Single process: the "server" end writes its answers into the socket
 * buffer before the client call that reads them, so nothing waits on
 * another process and nothing sleeps.
 */
#include "lib/frame.h"
#include "proto/handoff_io.h"
#include "proto/handoff_msg.h"
#include "pact/handoff.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static struct pact_handoff_conn conn; /* large: not on the stack */
static struct handoff_outq outq;

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static ino_t ino_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static void pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		printf("Bail out! socketpair: %s\n", strerror(errno));
		exit(1);
	}
	pact_handoff_attach(&conn, sv[0]);
}

static void response(struct pact_handoff_msg *m, const char *id, unsigned n)
{
	memset(m, 0, sizeof *m);
	m->type = PACT_MSG_NAMESPACE_RESPONSE;
	strcpy(m->allocation_id, id);
	m->n_ns = n;
	for (unsigned i = 0; i < n; i++)
		m->ns[i] = (enum pact_ns_type)i;
	m->has_uenv = 1;
	strcpy(m->uenv, "/run/pact/uenv/pytorch-2.5");
}

/* Server side: queue m with fds (dup'd: the queue owns its copies) and flush. */
static int serve(int sock, const struct pact_handoff_msg *m, const int *fds, unsigned nfds)
{
	int dups[3];
	for (unsigned i = 0; i < nfds; i++)
		dups[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
	int r = handoff_outq_push_msg(&outq, m, dups, nfds);
	if (r < 0)
		return r;
	return handoff_outq_flush(&outq, sock);
}

/* Read one frame from the server end (blocking; it is already there). */
static ssize_t read_frame(int sock, char *body, size_t cap)
{
	uint8_t hdr[4];
	if (recv(sock, hdr, 4, MSG_WAITALL) != 4)
		return -1;
	size_t len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (len >= cap || recv(sock, body, len, MSG_WAITALL) != (ssize_t)len)
		return -1;
	body[len] = '\0';
	return (ssize_t)len;
}

static void test_round_trip(void)
{
	static const char *const names[3] = {"/proc/self/ns/pid", "/proc/self/ns/net",
					     "/proc/self/ns/mnt"};
	int ns[3], sv[2], fds[3];
	struct pact_handoff_msg m, resp;
	int before = count_fds();

	for (int i = 0; i < 3; i++)
		ns[i] = open(names[i], O_RDONLY | O_CLOEXEC);
	ok(ns[0] >= 0 && ns[1] >= 0 && ns[2] >= 0, "opened /proc/self/ns/{pid,net,mnt}");
	pair(sv);
	handoff_outq_init(&outq);

	/* a push for another allocation arrives before our response */
	handoff_msg_ended(&m, "other-1");
	is_int(serve(sv[1], &m, NULL, 0), 0, "server pushes AllocationEnded(other-1)");
	response(&m, "alloc-42", 3);
	is_int(serve(sv[1], &m, ns, 3), 0, "server sends the response with 3 fds");

	static const enum pact_ns_type want[3] = {PACT_NS_PID, PACT_NS_NET, PACT_NS_MOUNT};
	int r = pact_handoff_request_ns(&conn, "alloc-42", want, 3, "pytorch-2.5.sqfs", &resp, fds,
					2000);
	is_int(r, PACT_HANDOFF_OK, "request answered with a NamespaceResponse");
	ok(resp.n_ns == 3 && resp.has_uenv && strcmp(resp.uenv, "/run/pact/uenv/pytorch-2.5") == 0,
	   "response fields");
	int same = 1, cloexec = 1;
	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0 || ino_of(fds[i]) != ino_of(ns[i]) || ino_of(ns[i]) == 0)
			same = 0;
		if (fds[i] < 0 || !(fcntl(fds[i], F_GETFD) & FD_CLOEXEC))
			cloexec = 0;
	}
	ok(same, "the 3 fds arrive in fd_types order with the namespaces' inodes");
	ok(cloexec, "received fds are close-on-exec");

	char body[1024];
	ssize_t n = read_frame(sv[1], body, sizeof body);
	is_str(n > 0 ? body : "",
	       "{\"NamespaceRequest\":{\"allocation_id\":\"alloc-42\",\"namespaces\":[\"Pid\","
	       "\"Net\",\"Mount\"],\"uenv_image\":\"pytorch-2.5.sqfs\"}}",
	       "server received the spec's example request");

	ok(conn.n_events == 1, "the pushed event was kept");
	is_int(pact_handoff_next_event(&conn, &m, 0), 0, "next_event returns it");
	is_str(m.allocation_id, "other-1", "pushed allocation_id");
	is_int(pact_handoff_next_event(&conn, &m, 30), -ETIMEDOUT,
	       "next_event times out when nothing comes");

	/* end: echo */
	handoff_msg_ended(&m, "alloc-42");
	serve(sv[1], &m, NULL, 0);
	is_int(pact_handoff_end(&conn, "alloc-42", &resp, 2000), PACT_HANDOFF_OK,
	       "end acknowledged by echo");
	n = read_frame(sv[1], body, sizeof body);
	is_str(n > 0 ? body : "", "{\"AllocationEnded\":{\"allocation_id\":\"alloc-42\"}}",
	       "server received AllocationEnded");

	/* end: not found */
	handoff_msg_error(&m, "alloc-43", PACT_ERR_ALLOCATION_NOT_FOUND, "no live allocation");
	serve(sv[1], &m, NULL, 0);
	r = pact_handoff_end(&conn, "alloc-43", &resp, 2000);
	ok(r == PACT_HANDOFF_GOT_ERROR && resp.kind == PACT_ERR_ALLOCATION_NOT_FOUND,
	   "end of an unknown allocation gets Error AllocationNotFound");
	read_frame(sv[1], body, sizeof body);

	/* request answered with an Error (null id) */
	handoff_msg_error(&m, NULL, PACT_ERR_NOT_READY, "booting");
	serve(sv[1], &m, NULL, 0);
	int efds[3] = {0, 0, 0};
	r = pact_handoff_request_ns(&conn, "alloc-44", want, 1, NULL, &resp, efds, 2000);
	ok(r == PACT_HANDOFF_GOT_ERROR && resp.kind == PACT_ERR_NOT_READY &&
	       strcmp(resp.reason, "booting") == 0 && efds[0] == -1,
	   "request answered with Error NotReady");
	read_frame(sv[1], body, sizeof body);

	/* a stray late AllocationNotFound for another id is skipped */
	handoff_msg_error(&m, "gone-1", PACT_ERR_ALLOCATION_NOT_FOUND, "late");
	serve(sv[1], &m, NULL, 0);
	handoff_msg_ended(&m, "alloc-45");
	serve(sv[1], &m, NULL, 0);
	is_int(pact_handoff_end(&conn, "alloc-45", NULL, 2000), PACT_HANDOFF_OK,
	       "a stray AllocationNotFound about another id is ignored");
	read_frame(sv[1], body, sizeof body);

	for (int i = 0; i < 3; i++) {
		close(fds[i]);
		close(ns[i]);
	}
	pact_handoff_close(&conn);
	close(sv[1]);
	is_int(count_fds(), before, "no fd leaked");
}

static void test_bad_replies(void)
{
	int sv[2], fds[3], ns;
	struct pact_handoff_msg m, resp;
	static const enum pact_ns_type want[3] = {PACT_NS_PID, PACT_NS_NET, PACT_NS_MOUNT};
	int before = count_fds();
	char body[1024];

	ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int three[3] = {ns, ns, ns};
	pair(sv);
	handoff_outq_init(&outq);

	/* 2 fds for 3 fd_types */
	response(&m, "a1", 3);
	serve(sv[1], &m, three, 2);
	int r = pact_handoff_request_ns(&conn, "a1", want, 3, NULL, &resp, fds, 2000);
	is_int(r, -EPROTO, "response with too few fds is a protocol error");
	ok(fds[0] == -1 && fds[1] == -1 && fds[2] == -1, "no fds handed out");
	read_frame(sv[1], body, sizeof body);

	/* fd_types differ from the request's order */
	response(&m, "a2", 2);
	m.ns[0] = PACT_NS_NET;
	m.ns[1] = PACT_NS_PID;
	serve(sv[1], &m, three, 2);
	r = pact_handoff_request_ns(&conn, "a2", want, 2, NULL, &resp, fds, 2000);
	is_int(r, -EPROTO, "response in another order than the request is a protocol error");
	read_frame(sv[1], body, sizeof body);

	/* an event that carries an fd */
	handoff_msg_ended(&m, "a3");
	serve(sv[1], &m, three, 1);
	is_int(pact_handoff_next_event(&conn, &m, 2000), -EPROTO,
	       "fds on an AllocationEnded are refused");
	ok(!conn.broken, "stream still usable after a bad message");

	/* malformed body in a good frame, then a good one */
	uint8_t frm[64];
	ssize_t fl = frame_encode("{\"Nope\":{}}", 11, frm, sizeof frm);
	handoff_send_frame_with_fds(sv[1], frm, (size_t)fl, NULL, 0);
	is_int(pact_handoff_next_event(&conn, &m, 2000), -EPROTO, "malformed message refused");
	handoff_msg_ended(&m, "a4");
	serve(sv[1], &m, NULL, 0);
	ok(pact_handoff_next_event(&conn, &m, 2000) == 0 && strcmp(m.allocation_id, "a4") == 0,
	   "next good message still read");

	/* a frame split after its first byte (fds on that byte), then a timeout mid-frame */
	response(&m, "a5", 1);
	m.ns[0] = PACT_NS_NET;
	static uint8_t big[8192];
	fl = handoff_msg_frame(&m, big, sizeof big);
	is_int(handoff_send_frame_with_fds(sv[1], big, 1, &ns, 1), 1,
	       "server sends 1 byte with the fd");
	static const enum pact_ns_type net[1] = {PACT_NS_NET};
	r = pact_handoff_request_ns(&conn, "a5", net, 1, NULL, &resp, fds, 30);
	is_int(r, -ETIMEDOUT, "partial frame: bounded wait times out");
	ok(!conn.broken && conn.rx_nfds == 1, "partial frame and its fd kept for later");
	handoff_send_frame_with_fds(sv[1], big + 1, (size_t)fl - 1, NULL, 0);
	unsigned nfds = 0;
	r = pact_handoff_recv(&conn, &resp, fds, 3, &nfds, 2000);
	ok(r == 0 && nfds == 1 && ino_of(fds[0]) == ino_of(ns) &&
	       resp.type == PACT_MSG_NAMESPACE_RESPONSE,
	   "the rest completes the frame, with its fd");
	if (r == 0 && nfds == 1)
		close(fds[0]);
	read_frame(sv[1], body, sizeof body);

	/* a bad header breaks the connection */
	handoff_send_frame_with_fds(sv[1], "\0\0\0\0", 4, NULL, 0);
	is_int(pact_handoff_next_event(&conn, &m, 2000), -EPROTO, "length 0 header refused");
	ok(conn.broken, "connection marked broken");
	is_int(pact_handoff_next_event(&conn, &m, 0), -EPIPE, "then every call fails with -EPIPE");
	pact_handoff_close(&conn);
	close(sv[1]);

	/* the peer closes mid-frame */
	pair(sv);
	handoff_send_frame_with_fds(sv[1], big, 10, &ns, 1);
	close(sv[1]);
	is_int(pact_handoff_next_event(&conn, &m, 2000), -EPIPE, "peer closed mid-frame: -EPIPE");
	pact_handoff_close(&conn);

	close(ns);
	is_int(count_fds(), before, "no fd leaked, including refused fds");
}

static void test_outq(void)
{
	int sv[2];
	struct pact_handoff_msg m;
	int before = count_fds();
	pair(sv);
	handoff_outq_init(&outq);
	int small = 4096;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);

	int ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	response(&m, "q1", 1);
	int r = 0, pushed = 0, flush = 0;
	while (pushed < 1000) {
		int d = fcntl(ns, F_DUPFD_CLOEXEC, 0);
		r = handoff_outq_push_msg(&outq, &m, &d, 1);
		if (r < 0) {
			close(d);
			break;
		}
		pushed++;
		flush = handoff_outq_flush(&outq, sv[1]);
		if (flush < 0)
			break;
	}
	is_int(r, -ENOBUFS, "a client that never reads fills the queue: -ENOBUFS (%d frames)",
	       pushed);
	is_int(flush, 1, "flush reports bytes pending");
	ok(handoff_outq_pending(&outq) > 0, "bytes pending in the queue");

	/* the client now reads everything; the server flushes as it drains */
	int got = 0, ok_all = 1;
	while (got < pushed) {
		int fds[3];
		unsigned nfds = 0;
		handoff_outq_flush(&outq, sv[1]);
		r = pact_handoff_recv(&conn, &m, fds, 3, &nfds, 2000);
		if (r < 0)
			break;
		if (nfds != 1 || ino_of(fds[0]) != ino_of(ns))
			ok_all = 0;
		for (unsigned i = 0; i < nfds; i++)
			close(fds[i]);
		got++;
	}
	ok(got == pushed && ok_all, "every queued frame arrives with its own fd (%d/%d)", got,
	   pushed);
	is_int(handoff_outq_flush(&outq, sv[1]), 0, "queue drained");

	/* clear closes owned fds */
	int d = fcntl(ns, F_DUPFD_CLOEXEC, 0);
	handoff_outq_push_msg(&outq, &m, &d, 1);
	handoff_outq_clear(&outq);
	ok(fcntl(d, F_GETFD) < 0, "clear closed the queued fd");

	close(ns);
	pact_handoff_close(&conn);
	close(sv[1]);
	is_int(count_fds(), before, "no fd leaked by the queue");
}

/* Big frames: the byte limit, FIFO order, compaction after partial sends. */
static void test_outq_compaction(void)
{
	int sv[2];
	struct pact_handoff_msg m;
	static char reason[1001];
	int before = count_fds();
	pair(sv);
	handoff_outq_init(&outq);
	int small = 4096;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);

	int sent = 0, got = 0, order_ok = 1, full = 0, rounds = 0;
	while (got < 60 && rounds++ < 100000) {
		/* push until the queue refuses, as a server whose client is slow */
		while (sent < 60) {
			memset(reason, 'a' + sent % 26, 1000);
			reason[0] = (char)('0' + sent / 10);
			reason[1] = (char)('0' + sent % 10);
			reason[2] = ':';
			handoff_msg_error(&m, "c1", PACT_ERR_CREATION_FAILED, reason);
			int r = handoff_outq_push_msg(&outq, &m, NULL, 0);
			if (r == -ENOBUFS) {
				full++;
				break;
			}
			if (r < 0)
				break;
			sent++;
		}
		if (handoff_outq_flush(&outq, sv[1]) < 0)
			break;
		int fds[3];
		unsigned nfds = 0;
		/* timeout 0: a frame still partly in the queue is resumed next round */
		int r = pact_handoff_recv(&conn, &m, fds, 3, &nfds, 0);
		if (r == -ETIMEDOUT)
			continue;
		if (r < 0)
			break;
		if (atoi(m.reason) != got || strlen(m.reason) != 1000 ||
		    m.reason[999] != 'a' + got % 26)
			order_ok = 0;
		got++;
	}
	ok(full > 0, "the 16 KiB byte limit was reached (%d times)", full);
	ok(got == 60 && order_ok, "60 frames of ~1 KiB arrive whole and in order (%d)", got);
	is_int(handoff_outq_flush(&outq, sv[1]), 0, "queue drained");
	pact_handoff_close(&conn);
	close(sv[1]);
	is_int(count_fds(), before, "no fd leaked");
}

static void test_connect(void)
{
	char path[108];
	struct pact_handoff_msg m;
	snprintf(path, sizeof path, "/tmp/pact-handoff-test-%d.sock", (int)getpid());
	unlink(path);
	is_int(pact_handoff_connect(&conn, path), -ENOENT, "connect to a missing socket: -ENOENT");

	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path);
	ok(l >= 0 && bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 4) == 0,
	   "test listener");
	is_int(pact_handoff_connect(&conn, path), 0, "connect to a listening socket");
	ok(fcntl(conn.fd, F_GETFD) & FD_CLOEXEC, "client socket is close-on-exec");
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	handoff_msg_ended(&m, "c1");
	handoff_outq_init(&outq);
	serve(s, &m, NULL, 0);
	is_int(pact_handoff_end(&conn, "c1", NULL, 2000), PACT_HANDOFF_OK,
	       "end over a real connected socket");
	close(s);
	is_int(pact_handoff_next_event(&conn, &m, 2000), -EPIPE, "server gone: -EPIPE");
	pact_handoff_close(&conn);
	close(l);
	unlink(path);
	char longp[200];
	memset(longp, 'x', sizeof longp - 1);
	longp[199] = '\0';
	is_int(pact_handoff_connect(&conn, longp), -ENAMETOOLONG, "too long path refused");
}

int main(void)
{
	test_round_trip();
	test_bad_replies();
	test_outq();
	test_outq_compaction();
	test_connect();
	return done_testing();
}
