/*
 * Unit tests of the event loop's reaping (lib/loop.c): one round reaps at
 * most LOOP_REAP_PER_ROUND children, so that an orphan storm cannot keep
 * the loop from its timers (the watchdog is petted by one) and fds, and
 * the next round goes on without waiting.
 */
#include "tap.h"
#include "lib/loop.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN (LOOP_REAP_PER_ROUND + 44)

static int reaped, timer_ran, guard_fired;

static void on_reap(void *ctx, pid_t pid, int status)
{
	(void)ctx;
	(void)pid;
	(void)status;
	reaped++;
}

static void on_timer(void *ctx)
{
	*(int *)ctx = 1;
}

int main(void)
{
	ok(loop_init() == 0, "loop_init");
	pid_t pids[CHILDREN];
	int made = 0;
	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(0);
		if (pids[i] > 0 && loop_watch_child(pids[i], on_reap, NULL) == 0)
			made++;
	}
	is_int(made, CHILDREN, "%d children, watched", CHILDREN);
	/* every one has exited (a zombie, not reaped) before the first round */
	for (int i = 0; i < CHILDREN; i++) {
		siginfo_t si;
		waitid(P_PID, (id_t)pids[i], &si, WEXITED | WNOWAIT);
	}
	struct timer due, guard;
	timer_arm(&due, 0, on_timer, &timer_ran);
	loop_run_once(0);
	is_int(reaped, LOOP_REAP_PER_ROUND, "one round reaps %d, no more", LOOP_REAP_PER_ROUND);
	ok(timer_ran, "and its due timer ran in that round");
	/* the next round must not wait: were it to, only the guard would end it */
	timer_arm(&guard, 3000, on_timer, &guard_fired);
	loop_run_once(-1);
	is_int(reaped, CHILDREN, "the next round reaps the rest");
	ok(!guard_fired, "without waiting for anything");
	timer_cancel(&guard);
	return done_testing();
}
