/*
 * sd_notify server (see notify.h). The sender is judged by the kernel's
 * credentials, never by anything it writes, so a process can only speak
 * for the service whose cgroup it is in.
 *
 * The socket is open to every user (services run as many), so nothing a
 * datagram carries may reach PID 1 but its bytes and the kernel's
 * credentials. Each datagram is first peeked with room for the
 * credentials only: its passed fds (if any) stay in the socket's queue,
 * referenced by the datagram, and only the flag MSG_CTRUNC says they are
 * there. A datagram without fds is then dropped from the queue with a
 * zero-length read. One with fds is dequeued by a forked child that
 * receives them into its own table and closes them: a close that blocks
 * (a FUSE file whose server never answers FLUSH, a file on a dead NFS
 * server) blocks that child, never PID 1. BARRIER=1 still works: the
 * sender's fd is closed once every earlier message was handled.
 *
 * Anyone may send, so every sender has a budget (per uid, a token bucket,
 * notify.h): a message over it is dropped before anything reads it, and
 * what a flood causes is said in one summary line per interval, not one
 * line per message (PID 1 turns off /dev/kmsg's own rate limit).
 */
#include "supervise/notify.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/ratelimit.h"
#include "lib/utf8.h"
#include "node/reexec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define DROPPERS_MAX	   16	/* children closing passed fds at once; more wait */
#define DROPPER_KILL_MS	   5000 /* a child still closing after this is killed */
#define DROPPER_DEQUEUE_MS 1000 /* bound on waiting for its dequeue (never takes long) */

static int sock = -1;
static notify_fn handler;

/* A sender's budget and what it caused, not yet said. */
struct source {
	int used;
	uid_t uid;		 /* (uid_t)-1: the shared budget of uids past the table */
	struct ratelimit bucket; /* its budget; held: dropped since the last summary */
	unsigned warned;	 /* warnings said since it was last quiet */
	unsigned long ignored;	 /* in no service's scope, not warned about */
	uint64_t period_ms;	 /* its summary interval: doubles while it floods */
	uint64_t due_ms;	 /* its next summary */
};
static struct source sources[NOTIFY_SOURCES + 1];
static struct timer summary_timer;
static unsigned long long dropped_total, ignored_total;
static char env[sizeof(((struct sockaddr_un *)0)->sun_path) + 16];

/* The dequeuing child: PID 1 reads on once it says the head datagram is gone. */
static struct {
	pid_t pid[DROPPERS_MAX];
	uint64_t started_ms[DROPPERS_MAX];
	int n;
	int pipe_fd;	     /* its "dequeued" byte, or -1 */
	struct timer wait;   /* bounds the wait for that byte, and retries a failed fork */
	struct timer reaper; /* kills children still closing fds after DROPPER_KILL_MS */
	int paused;	     /* the socket is not read meanwhile */
	int head_handled;    /* the head datagram (with fds) was handled, not yet dequeued */
	pid_t waiting;	     /* the child whose dequeue is awaited */
	int said_full;
} drop = {.pipe_fd = -1};

static void on_message(void *ctx, int fd, uint32_t events);

const char *notify_env(void)
{
	return env;
}

int notify_get(const char *msg, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	for (const char *p = msg; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t vl = len - kl - 1;
			if (vl >= cap) /* a long STATUS= is cut, never inside a character */
				vl = utf8_cut(p + kl + 1, cap - 1);
			memcpy(out, p + kl + 1, vl);
			out[vl] = '\0';
			return 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

unsigned long long notify_dropped_total(void)
{
	return dropped_total;
}

unsigned long long notify_ignored_total(void)
{
	return ignored_total;
}

/* ---- budgets per sending uid ---- */

/* Full budget and nothing to say: its slot may go to another uid. */
static int quiet(const struct source *s, uint64_t now)
{
	return !s->bucket.held && !s->ignored && !s->due_ms &&
	       ratelimit_full(&s->bucket, now, NOTIFY_RATE, NOTIFY_BURST);
}

static struct source *source_of(uid_t uid, uint64_t now)
{
	struct source *spare = NULL;
	for (int i = 0; i < NOTIFY_SOURCES; i++) {
		if (sources[i].used && sources[i].uid == uid)
			return &sources[i];
		if (!spare && !sources[i].used)
			spare = &sources[i];
	}
	for (int i = 0; i < NOTIFY_SOURCES && !spare; i++)
		if (quiet(&sources[i], now))
			spare = &sources[i];
	if (!spare) { /* every slot busy: the uids past the table share the last budget */
		spare = &sources[NOTIFY_SOURCES];
		uid = (uid_t)-1;
		if (spare->used)
			return spare;
	}
	memset(spare, 0, sizeof *spare);
	spare->used = 1;
	spare->uid = uid;
	spare->period_ms = NOTIFY_INTERVAL_MS;
	return spare;
}

static void summarise(void *ctx);

static void summary_soon(struct source *s, uint64_t now)
{
	if (!s->due_ms)
		s->due_ms = now + s->period_ms;
	if (!timer_armed(&summary_timer))
		timer_arm(&summary_timer, s->due_ms > now ? s->due_ms - now : 0, summarise, NULL);
}

static const char *who(const struct source *s, char *buf, size_t cap)
{
	if (s->uid == (uid_t)-1)
		snprintf(buf, cap, "other uids (more than %d sent)", NOTIFY_SOURCES);
	else
		snprintf(buf, cap, "uid %u", (unsigned)s->uid);
	return buf;
}

/* One line per source with something to say, at most one per its period;
 * the period doubles while it goes on (an hour at most) and starts again
 * at the first once the source was quiet for a whole period. */
static void summarise(void *ctx)
{
	(void)ctx;
	uint64_t now = now_ms(), next = 0;
	for (int i = 0; i <= NOTIFY_SOURCES; i++) {
		struct source *s = &sources[i];
		if (!s->used || !s->due_ms)
			continue;
		if (s->due_ms > now) {
			next = next && next < s->due_ms ? next : s->due_ms;
			continue;
		}
		if (!s->bucket.held && !s->ignored) {
			s->due_ms = 0; /* quiet for a whole period: back to the start */
			s->warned = 0;
			s->period_ms = NOTIFY_INTERVAL_MS;
			continue;
		}
		char name[64];
		log_warn("notify: %s: %lu message(s) over the limit (%d a second) dropped and %lu "
			 "more ignored in the last %llu s",
			 who(s, name, sizeof name), s->bucket.held, NOTIFY_RATE, s->ignored,
			 (unsigned long long)(s->period_ms / 1000));
		s->bucket.held = s->ignored = 0;
		if (s->period_ms < 3600000)
			s->period_ms *= 2;
		s->due_ms = now + s->period_ms;
		next = next && next < s->due_ms ? next : s->due_ms;
	}
	if (next)
		timer_arm(&summary_timer, next - now, summarise, NULL);
}

/* A message ignored (why: its sender is in no service's scope, or it is
 * too long): said a few times per sending uid, then summarised. */
static void note_ignored(struct source *s, pid_t sender, const char *why, uint64_t now)
{
	ignored_total++;
	if (s->warned < NOTIFY_WARN_BURST) {
		s->warned++;
		log_warn("notify: message from pid %d, %s: ignored%s", sender, why,
			 s->warned == NOTIFY_WARN_BURST ? " (more from this uid are summarised)"
							: "");
	} else {
		s->ignored++;
	}
	summary_soon(s, now);
}

/* ---- datagrams that carry fds: dequeued by a child ---- */

static void pause_reading(void)
{
	if (!drop.paused && loop_mod_fd(sock, 0) == 0)
		drop.paused = 1;
}

static void resume_reading(void)
{
	timer_cancel(&drop.wait);
	if (drop.pipe_fd >= 0) {
		loop_del_fd(drop.pipe_fd);
		close_fd(drop.pipe_fd);
		drop.pipe_fd = -1;
	}
	if (drop.paused && loop_mod_fd(sock, EPOLLIN) == 0) {
		drop.paused = 0;
		/* what arrived meanwhile (epoll is level-triggered: it would come anyway) */
		on_message(NULL, sock, EPOLLIN);
	}
}

/* In the child: take the head datagram with its fds, say so, close them. */
static __attribute__((noreturn)) void dropper_main(int s, int wfd)
{
	int keep[] = {s, wfd};
	close_fds_except(keep, 2);
	char byte;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 253)]; /* SCM_MAX_FD */
	} cm;
	struct iovec iov = {&byte, 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cm, .msg_controllen = sizeof cm};
	ssize_t n = recvmsg(s, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	(void)!write(wfd, "x", 1);
	close(wfd);
	close(s);
	for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int pfd;
			memcpy(&pfd, CMSG_DATA(c) + i * sizeof(int), sizeof pfd);
			close(pfd); /* may block for good: only this child */
		}
	}
	_exit(0); /* child: the dropper */
}

/* Its byte: the head is gone. End of file: it died before, the head is still there. */
static void dropper_dequeued(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	(void)events;
	char b;
	if (read(fd, &b, 1) == 1)
		drop.head_handled = 0;
	drop.waiting = 0;
	resume_reading();
}

static void dropper_late(void *ctx)
{
	(void)ctx;
	if (drop.pipe_fd < 0) {
		resume_reading(); /* the retry after a failed fork */
		return;
	}
	/* it cannot block before its byte; if it has not said it, end it: the
	 * end of file on its pipe then resumes reading */
	log_warn("notify: the child dequeuing a message with fds did not report; killed");
	kill(drop.waiting, SIGKILL);
}

/* Children closing fds for longer than DROPPER_KILL_MS are killed (a wait
 * that SIGKILL cannot end, a FUSE FLUSH, ends only with its server). */
static void reap_stuck(void *ctx)
{
	(void)ctx;
	uint64_t now = now_ms();
	for (int i = 0; i < drop.n; i++)
		if (now - drop.started_ms[i] >= DROPPER_KILL_MS)
			kill(drop.pid[i], SIGKILL);
	if (drop.n)
		timer_arm(&drop.reaper, DROPPER_KILL_MS, reap_stuck, NULL);
}

static void dropper_reaped(void *ctx, pid_t pid, int status)
{
	(void)ctx;
	(void)status;
	for (int i = 0; i < drop.n; i++) {
		if (drop.pid[i] == pid) {
			drop.n--;
			drop.pid[i] = drop.pid[drop.n];
			drop.started_ms[i] = drop.started_ms[drop.n];
		}
	}
	if (drop.n == 0)
		timer_cancel(&drop.reaper);
	if (drop.paused && drop.pipe_fd < 0 && !timer_armed(&drop.wait)) {
		drop.said_full = 0;
		resume_reading(); /* it was paused because every slot was busy */
	}
}

/* The head datagram carries fds and was handled: pause, and let a child
 * dequeue it (until it has, the next peek sees it again: not handled twice). */
static void start_dropper(void)
{
	drop.head_handled = 1;
	pause_reading();
	if (drop.n == DROPPERS_MAX) {
		if (!drop.said_full)
			log_err("notify: %d children are still closing fds passed to the notify "
				"socket (a file whose server does not answer?); messages wait",
				DROPPERS_MAX);
		drop.said_full = 1;
		return; /* dropper_reaped resumes */
	}
	int p[2] = {-1, -1};
	pid_t pid = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
		pid = fork();
		if (pid == 0)
			dropper_main(sock, p[1]);
		close_fd(p[1]);
	}
	if (pid < 0 || loop_watch_child(pid, dropper_reaped, NULL) < 0 ||
	    loop_add_fd(p[0], EPOLLIN, dropper_dequeued, NULL) < 0) {
		log_err("notify: starting a child to drop passed fds: %s; retrying in 1 s",
			strerror(errno));
		if (pid > 0)
			kill(pid, SIGKILL); /* reaped by the loop as an orphan */
		close_fd(p[0]);
		timer_arm(&drop.wait, 1000, dropper_late, NULL);
		return;
	}
	drop.pid[drop.n] = pid;
	drop.started_ms[drop.n++] = now_ms();
	drop.pipe_fd = p[0];
	drop.waiting = pid;
	timer_arm(&drop.wait, DROPPER_DEQUEUE_MS, dropper_late, NULL);
	if (!timer_armed(&drop.reaper))
		timer_arm(&drop.reaper, DROPPER_KILL_MS, reap_stuck, NULL);
}

/* ---- reading ---- */

static void on_message(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	(void)events;
	for (int budget = 32; budget > 0 && !drop.paused; budget--) {
		char buf[NOTIFY_MSG_MAX + 1];
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct ucred))]; /* no room for fds, by design */
		} cm;
		struct iovec iov = {buf, NOTIFY_MSG_MAX};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = &cm,
				    .msg_controllen = sizeof cm};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_PEEK);
		if (n < 0)
			return;
		buf[n] = '\0';
		struct ucred uc = {.pid = 0, .uid = (uid_t)-1};
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			memcpy(&uc, CMSG_DATA(c), sizeof uc);
		/* MSG_CTRUNC: it carries fds (the credentials always fit) */
		int has_fds = (mh.msg_flags & MSG_CTRUNC) != 0;
		if (!has_fds)
			(void)!recv(fd, buf, 0, MSG_DONTWAIT | MSG_TRUNC); /* dequeue it */
		uint64_t now = now_ms();
		struct source *src = source_of(uc.uid, now);
		if (has_fds && drop.head_handled) {
			/* handled before its dequeue had to wait */
		} else if (!ratelimit_take(&src->bucket, now, NOTIFY_RATE, NOTIFY_BURST)) {
			dropped_total++;
			summary_soon(src, now);
		} else if (mh.msg_flags & MSG_TRUNC) {
			note_ignored(src, uc.pid, "which is too long", now);
		} else if (uc.pid > 0 && handler && handler(uc.pid, buf, (size_t)n) == -ESRCH) {
			note_ignored(src, uc.pid, "which is in no service's scope", now);
		}
		/* after the handler: the sender waits for its fd's close (a barrier)
		 * and may be gone at once, its credentials with it */
		if (has_fds)
			start_dropper();
	}
}

int notify_init(notify_fn fn)
{
	handler = fn;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (run_path(sa.sun_path, sizeof sa.sun_path, "notify.sock") < 0)
		return -ENAMETOOLONG;
	snprintf(env, sizeof env, "NOTIFY_SOCKET=%s", sa.sun_path);
	reexec_carry_fd("notify", &sock);
	sock = reexec_take_fd("notify");
	if (sock >= 0) /* carried across a re-exec */
		return loop_add_fd(sock, EPOLLIN, on_message, NULL);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return -errno;
	int one = 1;
	unlink(sa.sun_path);
	if (setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0 ||
	    bind(sock, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		log_err("notify socket %s: %s", sa.sun_path, strerror(e));
		close_fd(sock);
		sock = -1;
		return -e;
	}
	/* services may run as other users: anyone may send, credentials decide */
	chmod(sa.sun_path, 0666);
	return loop_add_fd(sock, EPOLLIN, on_message, NULL);
}
