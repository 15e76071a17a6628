/*
 * The event loop: one epoll, one signalfd, one timerfd multiplexing every
 * deadline, and the table of children we wait for. Everything PID 1 does
 * after boot runs from here, one callback at a time.
 */
#ifndef PACT_LOOP_H
#define PACT_LOOP_H

#include <stdint.h>
#include <sys/types.h>

typedef void (*loop_fd_cb)(void *ctx, int fd, uint32_t events);
typedef void (*loop_timer_cb)(void *ctx);
/* status is the raw wait status from waitpid. */
typedef void (*loop_child_cb)(void *ctx, pid_t pid, int status);
typedef void (*loop_signal_cb)(int signo);

/* A one-shot deadline. Embed it in the owner; arm and cancel freely. */
struct timer {
	uint64_t deadline_ms; /* CLOCK_MONOTONIC ms; 0 = not armed */
	loop_timer_cb cb;
	void *ctx;
	struct timer *next;
};

#define LOOP_MAX_FDS	    512
#define LOOP_MAX_CHILDREN   1024
#define LOOP_REAP_PER_ROUND 256 /* children reaped in one round; the next goes on at once */

int loop_init(void);
/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t now_ms(void);
/* Milliseconds on CLOCK_BOOTTIME (since the kernel started). */
uint64_t boottime_ms(void);
/* to - from (two readings of one clock, in one unit), or 0 when to is
 * earlier: a duration from a reading carried across a re-exec, or from 0
 * for "never", saturates instead of wrapping. */
static inline uint64_t elapsed(uint64_t from, uint64_t to)
{
	return to > from ? to - from : 0;
}

int loop_add_fd(int fd, uint32_t events, loop_fd_cb cb, void *ctx);
/* A new inotify instance (non-blocking, close-on-exec) whose events call
 * cb: its fd, or -errno. */
int loop_add_inotify(loop_fd_cb cb, void *ctx);
int loop_mod_fd(int fd, uint32_t events);
void loop_del_fd(int fd);

void timer_arm(struct timer *t, uint64_t delay_ms, loop_timer_cb cb, void *ctx);
void timer_cancel(struct timer *t);
static inline int timer_armed(const struct timer *t)
{
	return t->deadline_ms != 0;
}

/* Call cb when pid is reaped. Unwatched pids (orphans) are reaped silently. */
int loop_watch_child(pid_t pid, loop_child_cb cb, void *ctx);
void loop_unwatch_child(pid_t pid);

/* Called after a wakeup that reaped at least one child. */
void loop_on_reap(void (*cb)(void));

/* Signals are blocked at loop_init and delivered here. */
void loop_set_signal_handler(loop_signal_cb cb);

/* Run one wait+dispatch round; returns after at most max_wait_ms. */
void loop_run_once(int max_wait_ms);
/* Run until loop_stop(). */
void loop_run(void);
void loop_stop(void);
/* In a child before exec: no signal blocked. */
void loop_child_sigreset(void);
/* Number of fds registered, for tests and metrics. */
int loop_fd_count(void);

#endif
