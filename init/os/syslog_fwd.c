/*
 * The forwarding half of the syslog client (syslog_fwd.h): one socket to
 * the server, driven by the event loop. States: down (a retry timer is
 * armed), connecting (TCP: waiting for EPOLLOUT), up (the queue drains
 * whenever the socket takes bytes). Its own trouble is logged once per
 * outage; those lines come back through the log hook into the queue, and
 * the busy flag keeps that from re-entering the drain.
 */
#include "os/syslog_fwd.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS	 60000

enum fwd_state { FWD_OFF, FWD_DOWN, FWD_CONNECTING, FWD_UP };

static struct {
	enum fwd_state state;
	struct syslog_dest dest;
	struct syslog_queue q;
	int fd;		  /* the server's socket; -1 when down */
	size_t off;	  /* bytes of the oldest message sent so far (TCP) */
	int want_out;	  /* EPOLLOUT asked for */
	int pair[2];	  /* children send to [1]; the owner reads [0] */
	pid_t owner;	  /* the process that owns the socket and the queue */
	dev_t pair_dev;	  /* pair[1]'s identity: a child that closed PID 1's fds */
	ino_t pair_ino;	  /* may hold that number for another file */
	int busy;	  /* draining: a log line said meanwhile only queues */
	int said_down;	  /* the outage was logged */
	int ever_up;	  /* a socket was usable once (before: the node is booting) */
	unsigned backoff; /* the next retry's delay, ms */
	uint64_t sent, reconnects, dropped_at_down;
	struct timer retry;
} fwd = {.fd = -1, .pair = {-1, -1}};

static void on_socket(void *ctx, int fd, uint32_t events);
static void drain(void);

static unsigned jittered(unsigned ms)
{
	uint32_t r = 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)now_ms();
	return ms / 2 + r % (ms / 2 + 1); /* between half and all of it */
}

static void watch(uint32_t out)
{
	uint32_t ev = (fwd.dest.type == SOCK_STREAM ? EPOLLIN | EPOLLRDHUP : 0) | out;
	fwd.want_out = out != 0;
	loop_mod_fd(fwd.fd, ev);
}

static void on_retry(void *ctx);

/* The socket failed (err): close it, retry after the backoff. */
static void lost(int err)
{
	if (fwd.fd >= 0) {
		loop_del_fd(fwd.fd);
		close_fd(fwd.fd);
	}
	fwd.fd = -1;
	fwd.off = 0; /* a message cut short is sent whole on the next connection */
	fwd.state = FWD_DOWN;
	unsigned delay = jittered(fwd.backoff);
	if (!fwd.said_down) {
		fwd.said_down = 1;
		fwd.dropped_at_down = fwd.q.dropped;
		/* no route before ConfigureNetwork is how every boot starts */
		int booting = !fwd.ever_up &&
			      (err == ENETUNREACH || err == EHOSTUNREACH || err == EADDRNOTAVAIL);
		log_msg(booting ? LOG_INFO : LOG_WARNING,
			"log.remote %s: %s%s; queueing (%zu bytes at most), retrying in %u ms",
			fwd.dest.text, strerror(err), booting ? " (no network yet)" : "", fwd.q.cap,
			delay);
	}
	fwd.backoff = fwd.backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : fwd.backoff * 2;
	timer_arm(&fwd.retry, delay, on_retry, NULL);
}

static void up(void)
{
	fwd.state = FWD_UP;
	fwd.backoff = BACKOFF_FIRST_MS;
	if (fwd.said_down) {
		fwd.said_down = 0;
		fwd.reconnects += fwd.ever_up;
		log_notice("log.remote %s: %s (%llu messages dropped meanwhile)", fwd.dest.text,
			   fwd.ever_up ? "forwarding again" : "connected, sending what was queued",
			   (unsigned long long)(fwd.q.dropped - fwd.dropped_at_down));
	}
	fwd.ever_up = 1;
	watch(EPOLLOUT);
}

static void connect_now(void)
{
	fwd.fd = socket(fwd.dest.addr.ss_family, fwd.dest.type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fwd.fd < 0) {
		lost(errno);
		return;
	}
	int r = connect(fwd.fd, (struct sockaddr *)&fwd.dest.addr, fwd.dest.addrlen);
	int err = errno;
	if (loop_add_fd(fwd.fd, 0, on_socket, NULL) < 0) {
		close_fd(fwd.fd);
		fwd.fd = -1;
		lost(EMFILE);
		return;
	}
	if (r == 0) {
		up();
	} else if (err == EINPROGRESS) {
		fwd.state = FWD_CONNECTING;
		watch(EPOLLOUT);
	} else {
		lost(err);
	}
}

static void on_retry(void *ctx)
{
	(void)ctx;
	if (fwd.state == FWD_DOWN)
		connect_now();
	drain();
}

static void on_socket(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	int err = 0;
	socklen_t len = sizeof err;
	if (fwd.state == FWD_CONNECTING) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err)
			lost(err);
		else
			up();
	} else if (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP | EPOLLIN)) {
		char buf[256]; /* a server has nothing to say: data or EOF means it is going */
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
			lost(err);
		else if (n == 0 || events & (EPOLLHUP | EPOLLRDHUP))
			lost(ECONNRESET);
	}
	drain();
}

/* Send what the socket takes, oldest first. */
static void drain(void)
{
	if (fwd.busy || fwd.state != FWD_UP)
		return;
	fwd.busy = 1;
	size_t len;
	const char *m;
	while (fwd.state == FWD_UP && (m = syslog_queue_peek(&fwd.q, &len))) {
		ssize_t n = send(fwd.fd, m + fwd.off, len - fwd.off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!fwd.want_out)
				watch(EPOLLOUT);
			break;
		}
		if (n < 0) {
			lost(errno);
			break;
		}
		fwd.off += (size_t)n;
		if (fwd.off == len) {
			syslog_queue_pop(&fwd.q);
			fwd.off = 0;
			fwd.sent++;
		}
	}
	if (fwd.state == FWD_UP && fwd.q.count == 0 && fwd.want_out)
		watch(0);
	fwd.busy = 0;
}

/* Into the queue, framed for TCP (RFC 6587: "LEN SP MSG"). */
static void enqueue(const char *msg, size_t len)
{
	if (fwd.dest.type == SOCK_STREAM) {
		char framed[SYSLOG_MSG_MAX + 8];
		int h = snprintf(framed, sizeof framed, "%zu ", len);
		memcpy(framed + h, msg, len);
		syslog_queue_put(&fwd.q, framed, (size_t)h + len);
	} else {
		syslog_queue_put(&fwd.q, msg, len);
	}
	drain();
}

static void on_pair(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	(void)events;
	char msg[SYSLOG_MSG_MAX];
	for (int i = 0; i < 64; i++) { /* bounded per wakeup; the rest on the next */
		ssize_t n = recv(fd, msg, sizeof msg, MSG_DONTWAIT);
		if (n <= 0)
			return;
		enqueue(msg, (size_t)n);
	}
}

void syslog_fwd_submit(const char *msg, size_t len)
{
	if (fwd.state == FWD_OFF)
		return;
	if (len > SYSLOG_MSG_MAX)
		len = SYSLOG_MSG_MAX;
	struct stat st;
	if (getpid() == fwd.owner)
		enqueue(msg, len);
	else if (fstat(fwd.pair[1], &st) == 0 && st.st_dev == fwd.pair_dev &&
		 st.st_ino == fwd.pair_ino) /* a forked child: the owner queues it */
		(void)!send(fwd.pair[1], msg, len, MSG_DONTWAIT | MSG_NOSIGNAL); /* full: dropped */
}

int syslog_fwd_start(const struct syslog_dest *d, size_t queue_bytes)
{
	if (fwd.state != FWD_OFF)
		return -EALREADY;
	fwd.q.buf = malloc(queue_bytes);
	if (!fwd.q.buf)
		return -ENOMEM;
	fwd.q.cap = queue_bytes;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fwd.pair) < 0 ||
	    loop_add_fd(fwd.pair[0], EPOLLIN, on_pair, NULL) < 0) {
		int r = -errno;
		close_fd(fwd.pair[0]);
		close_fd(fwd.pair[1]);
		fwd.pair[0] = fwd.pair[1] = -1;
		free(fwd.q.buf);
		fwd.q.buf = NULL;
		return r;
	}
	struct stat st;
	if (fstat(fwd.pair[1], &st) == 0) {
		fwd.pair_dev = st.st_dev;
		fwd.pair_ino = st.st_ino;
	}
	fwd.dest = *d;
	fwd.owner = getpid();
	fwd.backoff = BACKOFF_FIRST_MS;
	fwd.state = FWD_DOWN;
	timer_arm(&fwd.retry, 0, on_retry, NULL); /* from the loop: the hook is in place by then */
	return 0;
}

void syslog_fwd_get_stats(struct syslog_fwd_stats *s)
{
	memset(s, 0, sizeof *s);
	s->active = fwd.state != FWD_OFF;
	s->up = fwd.state == FWD_UP;
	s->sent = fwd.sent;
	s->dropped = fwd.q.dropped;
	s->reconnects = fwd.reconnects;
	s->queued = fwd.q.count;
	s->queued_bytes = fwd.q.tail - fwd.q.head;
}
