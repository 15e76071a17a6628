/*
 * Host tier: what one uid may hold on the handoff socket, and who makes
 * room when its table is full. Here the table has 8 slots
 * (handoff.max_clients), a uid 4 connections (handoff.max_clients_per_uid)
 * and 2 live allocations (handoff.max_allocations_per_uid).
 *
 * - a uid at its bound of connections makes room among its own: its
 *   connection idle longest that made no live allocation is closed;
 * - a full table makes room the same way among all connections;
 * - a connection that made a live allocation is never the one closed;
 * - a uid's third allocation is refused (CreationFailed, naming the bound)
 *   until one of its two ends;
 * - a burst of 70 connects while the server is stopped all get into the
 *   backlog (SOMAXCONN): none gets EAGAIN.
 * Clients of other uids connect in a child that drops to that uid and
 * hands the connected socket back (its peer credentials stay the child's).
 */
#include "daemon.h"
#include "hostutil.h"
#include "pact/handoff.h"
#include "tap.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static struct daemon d;

static const char *sock_path(void)
{
	return pf("%s/handoff.sock", d.run_dir);
}

/* A connection whose peer credentials are uid's (gid 65534: the socket's group). */
static int connect_as(struct pact_handoff_conn *c, uid_t uid)
{
	if (uid == 0)
		return pact_handoff_connect(c, sock_path());
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		static struct pact_handoff_conn cc;
		gid_t g = 65534;
		if (setgroups(1, &g) < 0 || setgid(g) < 0 || setuid(uid) < 0 ||
		    pact_handoff_connect(&cc, sock_path()) < 0)
			_exit(1);
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} cm;
		char x = 'x';
		struct iovec iov = {&x, 1};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = &cm,
				    .msg_controllen = sizeof cm};
		struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &cc.fd, sizeof(int));
		_exit(sendmsg(sp[1], &mh, 0) == 1 ? 0 : 2);
	}
	close(sp[1]);
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	char x;
	struct iovec iov = {&x, 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cm, .msg_controllen = sizeof cm};
	int fd = -1;
	if (recvmsg(sp[0], &mh, MSG_CMSG_CLOEXEC) == 1 && CMSG_FIRSTHDR(&mh))
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	close(sp[0]);
	waitpid(p, NULL, 0);
	if (fd < 0)
		return -EIO;
	pact_handoff_attach(c, fd);
	return 0;
}

/* Say something valid: AllocationEnded of an id nobody has. 1 answered. */
static int speak(struct pact_handoff_conn *c)
{
	struct pact_handoff_msg m;
	return pact_handoff_end(c, "no-such-allocation", &m, 5000) == PACT_HANDOFF_GOT_ERROR &&
	       m.kind == PACT_ERR_ALLOCATION_NOT_FOUND;
}

/* The server closed c (within timeout_ms). */
static int closed(struct pact_handoff_conn *c, int timeout_ms)
{
	struct pact_handoff_msg m;
	return pact_handoff_next_event(c, &m, timeout_ms) == -EPIPE;
}

static int request(struct pact_handoff_conn *c, const char *id, struct pact_handoff_msg *m)
{
	static const enum pact_ns_type net[] = {PACT_NS_NET};
	int fds[PACT_NS_COUNT];
	int r = pact_handoff_request_ns(c, id, net, 1, NULL, m, fds, 15000);
	if (r == PACT_HANDOFF_OK)
		close(fds[0]);
	return r;
}

static void test_room(void)
{
	static struct pact_handoff_conn a, b, cc, dd, e, f, g, h, i, j, k;
	struct pact_handoff_msg m;
	is_int(connect_as(&a, 0), 0, "A (root) connects");
	is_int(request(&a, "lim-a", &m), PACT_HANDOFF_OK, "A makes a live allocation");
	struct pact_handoff_conn *root[] = {&b, &cc, &dd}, *nobody[] = {&e, &f, &g, &h};
	int n = 0;
	for (int x = 0; x < 3; x++)
		n += connect_as(root[x], 0) == 0 && speak(root[x]);
	is_int(n, 3, "B, C, D (root) connect and speak, in this order");
	n = 0;
	for (int x = 0; x < 4; x++)
		n += connect_as(nobody[x], 65534) == 0 && speak(nobody[x]);
	is_int(n, 4, "E, F, G, H (uid 65534) connect and speak: the 8 slots are taken");

	is_int(connect_as(&i, 0), 0, "I (root, its 5th connection) connects");
	ok(speak(&i), "I is served");
	ok(closed(&b, 3000), "B, root's connection idle longest, was closed for it");
	ok(speak(&a), "A, older but with a live allocation, stays");

	is_int(connect_as(&j, 65533), 0, "J (uid 65533) connects to the full table");
	ok(speak(&j), "J is served");
	ok(closed(&cc, 3000), "C, the connection idle longest, was closed for it");
	ok(speak(&dd), "D, idle for less long, stays");

	is_int(request(&e, "lim-e1", &m), PACT_HANDOFF_OK, "E (65534): a first allocation");
	is_int(request(&e, "lim-e2", &m), PACT_HANDOFF_OK, "a second");
	int r = request(&e, "lim-e3", &m);
	ok(r == PACT_HANDOFF_GOT_ERROR && m.kind == PACT_ERR_CREATION_FAILED &&
	       strstr(m.reason, "handoff.max_allocations_per_uid"),
	   "a third is refused: %s", r == PACT_HANDOFF_GOT_ERROR ? m.reason : "(not refused)");
	r = request(&f, "lim-e3", &m);
	ok(r == PACT_HANDOFF_GOT_ERROR && m.kind == PACT_ERR_CREATION_FAILED,
	   "on another connection of the same uid too");
	is_int(pact_handoff_end(&e, "lim-e1", NULL, 10000), PACT_HANDOFF_OK, "one of them ends");
	is_int(request(&e, "lim-e3", &m), PACT_HANDOFF_OK, "now the third is made");

	is_int(connect_as(&k, 65534), 0, "K (65534, its 5th connection) connects");
	ok(speak(&k), "K is served");
	ok(closed(&g, 3000), "G, 65534's connection idle longest without allocations, was closed");
	ok(speak(&e), "E, with live allocations, stays (it spoke first of 65534's)");
	pact_handoff_end(&e, "lim-e2", NULL, 10000);
	pact_handoff_end(&e, "lim-e3", NULL, 10000);
	pact_handoff_end(&a, "lim-a", NULL, 10000);
	struct pact_handoff_conn *all[] = {&a, &b, &cc, &dd, &e, &f, &g, &h, &i, &j, &k};
	for (size_t x = 0; x < sizeof all / sizeof all[0]; x++)
		pact_handoff_close(all[x]);
}

static void test_burst(void)
{
	enum { N = 70 };
	static struct pact_handoff_conn c[N];
	is_int(kill(d.pid, SIGSTOP), 0, "the server stopped: nothing is accepted");
	int again = 0, good = 0, r[N];
	for (int x = 0; x < N; x++) {
		r[x] = pact_handoff_connect(&c[x], sock_path());
		good += r[x] == 0;
		again += r[x] == -EAGAIN;
	}
	kill(d.pid, SIGCONT);
	is_int(good, N, "a burst of %d connects all get into the backlog (%d EAGAIN)", N, again);
	for (int x = 0; x < N; x++)
		if (r[x] == 0)
			pact_handoff_close(&c[x]);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	is_int(daemon_start(&d,
			    "node_id = limits-node\nhandoff.group = 65534\n"
			    "handoff.uids = 65534 65533\nhandoff.max_clients = 8\n"
			    "handoff.max_clients_per_uid = 4\n"
			    "handoff.max_allocations_per_uid = 2\n",
			    "quiet"),
	       0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	chmod(d.dir, 0755); /* for the clients of other uids */
	test_room();
	test_burst();
	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	daemon_cleanup(&d);
	return done_testing();
}
