/*
 * The event loop: epoll over registered fds, a signalfd for every signal
 * we handle, and one timerfd set to the earliest armed struct timer.
 * Children are reaped in a waitpid(-1, WNOHANG) loop on every wakeup
 * (SIGCHLDs coalesce); a pid with a watcher gets its callback, any other
 * pid (an orphan re-parented to us) is reaped silently. A round reaps at
 * most LOOP_REAP_PER_ROUND; past that the next round does not wait, so an
 * orphan storm cannot keep the loop from its fds and timers (the watchdog).
 */
#include "lib/loop.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/table.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct fd_slot {
	int fd;
	loop_fd_cb cb; /* NULL when free (zeroed memory: slots never used stay untouched) */
	void *ctx;
};

struct child_slot {
	pid_t pid; /* 0 when free */
	loop_child_cb cb;
	void *ctx;
};

static int epfd = -1, sigfd = -1, tfd = -1;
static struct fd_slot fds[LOOP_MAX_FDS] PAGE_ALIGNED;
static struct child_slot children[LOOP_MAX_CHILDREN] PAGE_ALIGNED;
static struct timer *timers; /* sorted by deadline */
static loop_signal_cb on_signal;
static void (*reap_hook)(void);
static sigset_t handled;
static int stopping;
static int nfds;
static int reap_more; /* the last round stopped at its bound: children may be waiting */

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t boottime_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* the slot watching fd, or with free set the first free slot */
static struct fd_slot *slot_of(int fd, int free)
{
	for (int i = 0; i < LOOP_MAX_FDS; i++)
		if (free ? !fds[i].cb : fds[i].cb && fds[i].fd == fd)
			return &fds[i];
	return NULL;
}

int loop_add_fd(int fd, uint32_t events, loop_fd_cb cb, void *ctx)
{
	struct fd_slot *s = slot_of(-1, 1);
	if (!cb)
		return -EINVAL;
	if (!s)
		return -EMFILE;
	struct epoll_event ev = {.events = events, .data.ptr = s};
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	s->fd = fd;
	s->cb = cb;
	s->ctx = ctx;
	nfds++;
	return 0;
}

int loop_add_inotify(loop_fd_cb cb, void *ctx)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = loop_add_fd(fd, EPOLLIN, cb, ctx);
	if (r < 0) {
		close_fd(fd);
		return r;
	}
	return fd;
}

int loop_mod_fd(int fd, uint32_t events)
{
	struct fd_slot *s = slot_of(fd, 0);
	if (!s)
		return -ENOENT;
	struct epoll_event ev = {.events = events, .data.ptr = s};
	return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void loop_del_fd(int fd)
{
	struct fd_slot *s = slot_of(fd, 0);
	if (!s || fd < 0)
		return;
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	s->fd = -1;
	s->cb = NULL;
	nfds--;
}

int loop_fd_count(void)
{
	return nfds;
}

/*
 * The timerfd follows the earliest deadline, set once before each wait
 * rather than on every timer_arm and timer_cancel: a burst of requests
 * arms and cancels timers by the hundred, and each setting is a syscall.
 */
static int timers_changed;
static uint64_t tfd_deadline_ms = UINT64_MAX; /* what tfd holds; UINT64_MAX: disarmed */

static void timerfd_rearm(void)
{
	struct itimerspec its = {0};
	uint64_t d = timers ? timers->deadline_ms : UINT64_MAX;
	timers_changed = 0;
	if (d == tfd_deadline_ms)
		return;
	if (timers) {
		its.it_value.tv_sec = (time_t)(d / 1000);
		its.it_value.tv_nsec = (long)(d % 1000) * 1000000L;
		if (d == 0)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		tfd_deadline_ms = d;
	else
		timers_changed = 1; /* again before the next wait */
}

void timer_cancel(struct timer *t)
{
	for (struct timer **p = &timers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->deadline_ms = 0;
	t->next = NULL;
	timers_changed = 1;
}

void timer_arm(struct timer *t, uint64_t delay_ms, loop_timer_cb cb, void *ctx)
{
	timer_cancel(t);
	t->deadline_ms = now_ms() + delay_ms;
	if (t->deadline_ms == 0)
		t->deadline_ms = 1;
	t->cb = cb;
	t->ctx = ctx;
	struct timer **p = &timers;
	while (*p && (*p)->deadline_ms <= t->deadline_ms)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	timers_changed = 1;
}

static void run_timers(void)
{
	uint64_t now = now_ms();
	/* bounded: a callback that re-arms for "now" runs on the next round */
	for (int budget = 256; budget > 0 && timers && timers->deadline_ms <= now; budget--) {
		struct timer *t = timers;
		timers = t->next;
		t->next = NULL;
		t->deadline_ms = 0;
		t->cb(t->ctx);
	}
	timers_changed = 1;
}

int loop_watch_child(pid_t pid, loop_child_cb cb, void *ctx)
{
	for (int i = 0; i < LOOP_MAX_CHILDREN; i++) {
		if (children[i].pid == 0) {
			children[i] = (struct child_slot){pid, cb, ctx};
			return 0;
		}
	}
	return -ENOSPC;
}

void loop_unwatch_child(pid_t pid)
{
	for (int i = 0; i < LOOP_MAX_CHILDREN; i++)
		if (children[i].pid == pid)
			children[i].pid = 0;
}

void loop_on_reap(void (*cb)(void))
{
	reap_hook = cb;
}

static void reap_children(void)
{
	int reaped = 0;
	reap_more = 0;
	while (reaped < LOOP_REAP_PER_ROUND) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			break; /* 0: none exited; -1 ECHILD: no children at all */
		reaped++;
		int i = 0;
		while (i < LOOP_MAX_CHILDREN && children[i].pid != pid)
			i++;
		if (i == LOOP_MAX_CHILDREN) {
			log_debug("reaped orphan pid %d (status %d)", pid, status);
			continue;
		}
		struct child_slot c = children[i];
		children[i].pid = 0;
		c.cb(c.ctx, pid, status);
	}
	reap_more = reaped == LOOP_REAP_PER_ROUND;
	if (reaped && reap_hook)
		reap_hook();
}

static void drain_signals(void)
{
	struct signalfd_siginfo si;
	for (int budget = 64; budget > 0; budget--) {
		ssize_t n = read_retry(sigfd, &si, sizeof si);
		if (n != (ssize_t)sizeof si)
			return;
		if (si.ssi_signo == SIGCHLD)
			continue; /* reaping runs on every wakeup anyway */
		if (on_signal)
			on_signal((int)si.ssi_signo);
	}
}

void loop_set_signal_handler(loop_signal_cb cb)
{
	on_signal = cb;
}

void loop_child_sigreset(void)
{
	/* no signal blocked, whatever we inherited (after a live re-exec: our
	 * own blocked set, kept across the exec) */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int loop_init(void)
{
	for (int i = 0; i < LOOP_MAX_FDS; i++)
		if (fds[i].cb)
			fds[i] = (struct fd_slot){.fd = -1};
	sigemptyset(&handled);
	static const int sigs[] = {SIGCHLD, SIGTERM, SIGINT,  SIGHUP,  SIGUSR1,
				   SIGUSR2, SIGPWR,  SIGQUIT, SIGWINCH};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&handled, sigs[i]);
	for (int s = SIGRTMIN; s <= SIGRTMIN + 5; s++)
		sigaddset(&handled, s);
	if (sigprocmask(SIG_BLOCK, &handled, NULL) < 0)
		return -errno;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	sigfd = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	tfd_deadline_ms = UINT64_MAX;
	timers_changed = 1;
	if (epfd < 0 || sigfd < 0 || tfd < 0)
		return -errno;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev) < 0)
		return -errno;
	ev.data.ptr = &tfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev) < 0)
		return -errno;
	return 0;
}

void loop_run_once(int max_wait_ms)
{
	struct epoll_event evs[32];
	if (timers_changed)
		timerfd_rearm();
	int n = epoll_wait(epfd, evs, 32, reap_more ? 0 : max_wait_ms);
	if (n < 0 && errno != EINTR)
		log_err("epoll_wait: %s", strerror(errno));
	for (int i = 0; i < n; i++) {
		if (evs[i].data.ptr == NULL) {
			drain_signals();
		} else if (evs[i].data.ptr == &tfd) {
			uint64_t ticks;
			(void)read_retry(tfd, &ticks, sizeof ticks);
			tfd_deadline_ms = UINT64_MAX; /* expired: a one-shot disarms */
			timers_changed = 1;
		} else {
			struct fd_slot *s = evs[i].data.ptr;
			/* a callback earlier in this batch may have removed it */
			if (s->cb)
				s->cb(s->ctx, s->fd, evs[i].events);
		}
	}
	reap_children();
	run_timers();
}

void loop_run(void)
{
	stopping = 0;
	while (!stopping)
		loop_run_once(-1);
}

void loop_stop(void)
{
	stopping = 1;
}
