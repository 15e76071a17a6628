/*
 * Readiness, published three ways: the ready file, the ready socket, and
 * sd_notify READY=1 when a supervisor above us set NOTIFY_SOCKET. Waiting
 * socket clients are held in a fixed table; when it is full the newest
 * client is told `BUSY` and closed rather than left hanging. Once shutdown
 * has begun (readiness_withdraw) the node is not ready any more: the file
 * goes, and every client, waiting or new, is told `FAILED the node is
 * shutting down`. Both the file and the socket are kept in place: deleted,
 * they are made again (lib/dirwatch.h, lib/listener.h).
 */
#include "node/readiness.h"
#include "node/boot.h"
#include "lib/config.h"
#include "lib/dirwatch.h"
#include "lib/fileio.h"
#include "lib/listener.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "node/reexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void on_client(void *ctx, int fd);
static void on_refused(void *ctx, int fd);

/* anyone may ask whether the node is ready */
static struct listener lst = {.name = "ready",
			      .mode = 0666,
			      .gid = (gid_t)-1,
			      .on_client = on_client,
			      .on_refused = on_refused};
static int waiters[READINESS_MAX_WAITERS];
static int n_waiters;
static int notified, withdrawn;

/* The answer for a client now, or 0 when it must wait. */
static int answer(char *buf, size_t cap)
{
	/* once shutdown began the node is not ready, whatever boot achieved */
	if (withdrawn)
		return snprintf(buf, cap, "FAILED the node is shutting down\n");
	if (boot_is_ready())
		return snprintf(buf, cap, "READY %s\n", boot_node_id());
	if (boot_has_failed())
		return snprintf(buf, cap, "FAILED %s\n", boot_failure());
	return 0;
}

static void reply_and_close(int fd, const char *msg, int len)
{
	/* a client socket buffer always takes one short line: no blocking */
	if (len > 0)
		(void)!send(fd, msg, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
	loop_del_fd(fd);
	close_fd(fd);
}

static void waiter_hup(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	/* a waiting client went away (or sent something, which we ignore) */
	char junk[64];
	ssize_t n = recv(fd, junk, sizeof junk, MSG_DONTWAIT);
	if (n > 0 || (n < 0 && errno == EAGAIN))
		return;
	if (n == 0 && !(events & (EPOLLHUP | EPOLLERR))) {
		/* only its sending side closed (shutdown(SHUT_WR), as socat or
		 * nc do at the end of their input): it still reads, so it still
		 * waits. Stop watching for input; a full close is EPOLLHUP,
		 * which epoll reports anyway. */
		if (loop_mod_fd(fd, 0) == 0)
			return;
	}
	for (int i = 0; i < n_waiters; i++) {
		if (waiters[i] == fd) {
			waiters[i] = waiters[--n_waiters];
			break;
		}
	}
	loop_del_fd(fd);
	close_fd(fd);
}

static void on_client(void *ctx, int fd)
{
	(void)ctx;
	char msg[320];
	int len = answer(msg, sizeof msg);
	if (len > 0)
		reply_and_close(fd, msg, len);
	else if (n_waiters == READINESS_MAX_WAITERS ||
		 loop_add_fd(fd, EPOLLIN | EPOLLRDHUP, waiter_hup, NULL) < 0)
		reply_and_close(fd, "BUSY\n", 5);
	else
		waiters[n_waiters++] = fd;
}

/* out of fds: the listener closes it after this */
static void on_refused(void *ctx, int fd)
{
	(void)ctx;
	(void)!send(fd, "BUSY\n", 5, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void write_ready_file(void);

/* The ready file was deleted: while the node is ready, it is made again. */
static void ready_file_gone(void *ctx)
{
	(void)ctx;
	if (boot_is_ready() && !withdrawn) {
		log_warn("readiness: the ready file was deleted; writing it again");
		write_ready_file();
	}
}

int readiness_init(void)
{
	if (run_path(lst.path, sizeof lst.path, "ready.sock") < 0)
		return -ENAMETOOLONG;
	char file[4096];
	if (run_path(file, sizeof file, "ready") < 0)
		return -ENAMETOOLONG;
	reexec_carry_fd("ready", &lst.fd);
	int carried = reexec_take_fd("ready");
	if (carried < 0)
		unlink(file); /* a stale file from a crash */
	if (dirwatch_add(file, ready_file_gone, NULL) < 0)
		log_warn("readiness: %s is not watched: deleted, it stays deleted", file);
	/* carried across a re-exec: still listening */
	return listener_open(&lst, carried);
}

/*
 * sd_notify READY=1 to a supervisor above us: a service manager running us
 * as a service, or a container manager running us as the container's PID 1
 * (systemd-nspawn --notify-ready=yes waits for exactly that), so being
 * PID 1 does not rule it out. A machine's kernel sets no NOTIFY_SOCKET.
 * The send never blocks (a supervisor that does not read its socket must
 * not stop us): a full queue is tried again every second, a minute long.
 */
#define NOTIFY_SUPERVISOR_TRIES 60
static struct timer notify_retry;
static int notify_tries;

static void notify_supervisor(void);

static void notify_again(void *ctx)
{
	(void)ctx;
	notify_supervisor();
}

static void notify_supervisor(void)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	if (notified || !sock || !*sock || withdrawn)
		return;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(sock);
	if (n >= sizeof sa.sun_path)
		return;
	memcpy(sa.sun_path, sock, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	static const char msg[] = "READY=1";
	ssize_t r =
	    sendto(fd, msg, sizeof msg - 1, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	int e = errno;
	close_fd(fd);
	if (r == (ssize_t)sizeof msg - 1) {
		notified = 1;
		return;
	}
	if ((e == EAGAIN || e == EWOULDBLOCK) && ++notify_tries < NOTIFY_SUPERVISOR_TRIES) {
		if (notify_tries == 1)
			log_warn("NOTIFY_SOCKET %s does not take READY=1 now (its queue is full); "
				 "trying again every second",
				 sock);
		timer_arm(&notify_retry, 1000, notify_again, NULL);
		return;
	}
	log_warn("NOTIFY_SOCKET %s: READY=1 not sent: %s", sock, strerror(e));
}

static void write_ready_file(void)
{
	char path[4096], body[CONF_STR_MAX + 2];
	if (run_path(path, sizeof path, "ready") < 0)
		return;
	int n = snprintf(body, sizeof body, "%s\n", boot_node_id());
	int r = write_file_atomic(path, body, (size_t)n, 0644);
	if (r < 0)
		log_err("%s: %s", path, strerror(-r));
}

void readiness_update(void)
{
	char msg[320];
	int len = answer(msg, sizeof msg);
	if (boot_is_ready() && !withdrawn) {
		write_ready_file();
		notify_supervisor();
	}
	if (len > 0) {
		while (n_waiters > 0)
			reply_and_close(waiters[--n_waiters], msg, len);
	}
}

void readiness_withdraw(void)
{
	char path[4096];
	withdrawn = 1;
	if (run_path(path, sizeof path, "ready") == 0 && unlink(path) == 0)
		log_info("readiness withdrawn: %s removed", path);
	/* clients still waiting for a boot that will not finish now */
	char msg[64];
	int len = answer(msg, sizeof msg);
	while (n_waiters > 0)
		reply_and_close(waiters[--n_waiters], msg, len);
}
