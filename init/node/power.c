/*
 * Shutdown, as a small state machine on the event loop:
 *   STOPPING   subsystems stop what they started, in main.c's stop order
 *   TERM       SIGTERM (+SIGCONT) to every process left, wait for them
 *   KILL       SIGKILL to every process left, wait again
 *   SYNC       a child unmounts in reverse and syncs; wait for it
 *   FINAL      (after SYNC's deadline: detach what is left) reboot(2)
 * Each wait ends when we have no children left (all orphans come to us),
 * when the sync child is done, or at its deadline. kill(-1, ...), the
 * unmounts and sync() run in forked children because they can block for
 * good (a task in D state, a dead NFS or Lustre server); the loop must not.
 */
#include "node/power.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "os/initns.h"
#include "os/mounts.h"
#include "os/watchdog.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

enum stage { ST_RUNNING, ST_STOPPING, ST_TERM, ST_KILL, ST_SYNC, ST_FINAL };

static enum power_action action;
static enum stage stage = ST_RUNNING;
static struct timer deadline;
static const power_stop_fn *hooks;
static void (*observers[POWER_MAX_OBSERVERS])(void);
static int n_observers;
static int n_hooks, next_hook;
static uint64_t started_ms;
static int machine_init; /* PID 1 of the first pid namespace: its exit panics the kernel */

const char *power_action_name(enum power_action a)
{
	switch (a) {
	case POWER_OFF:
		return "poweroff";
	case POWER_REBOOT:
		return "reboot";
	case POWER_HALT:
		return "halt";
	case POWER_NONE:
		break;
	}
	return "none";
}

enum power_action power_pending(void)
{
	return action;
}

void power_set_stop_order(const power_stop_fn *fns, int n)
{
	hooks = fns;
	n_hooks = n;
}

int power_subscribe(void (*fn)(void))
{
	int i = table_slot(&n_observers, POWER_MAX_OBSERVERS, "shutdown observers", NULL);
	if (i >= 0)
		observers[i] = fn;
	return i < 0 ? i : 0;
}

static int have_children(void)
{
	siginfo_t si;
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0 || errno != ECHILD;
}

/* The end: reboot(2), or for --no-reboot the exit of this process. */
static void final_stage(int late)
{
	stage = ST_FINAL;
	timer_cancel(&deadline);
	/* the child may still hang in an unmount: nothing here waits for a filesystem */
	if (late && cfg.do_mounts)
		unmount_all(1);
	if (!cfg.do_reboot && !machine_init) {
		/* running under test or another supervisor: our job ends here */
		exit(0); /* not the machine's PID 1: --no-reboot (tests, a container) */
	}
	if (!cfg.do_reboot)
		log_warn("shutdown: --no-reboot is ignored: as the machine's PID 1, exiting would "
			 "panic the kernel; %s instead",
			 power_action_name(action));
	/* orderly to the end: the magic close, so the reset is ours, not its */
	watchdog_disarm();
	int cmd = action == POWER_REBOOT ? RB_AUTOBOOT
		  : action == POWER_HALT ? RB_HALT_SYSTEM
					 : RB_POWER_OFF;
	reboot(cmd);
	/* still here: not permitted. Never exit as PID 1: stay and say so */
	log_err("reboot(2) failed: %s; the node stays up, halted", strerror(errno));
}

static void sync_done(void *ctx, pid_t pid, int status)
{
	(void)ctx;
	(void)pid;
	(void)status;
	if (stage == ST_SYNC)
		final_stage(0);
}

static void stage_timeout(void *ctx);

/* Unmount and sync in a child, bounded by shutdown_sync_ms. */
static void enter_sync(void)
{
	stage = ST_SYNC;
	timer_cancel(&deadline);
	log_notice("shutdown: %s after %llu ms", power_action_name(action),
		   (unsigned long long)(now_ms() - started_ms));
	pid_t pid = fork();
	if (pid == 0) {
		int keep = log_kmsg_fd();
		close_fds_except(&keep, 1);
		if (cfg.do_mounts)
			unmount_all(0);
		sync();
		_exit(0); /* child: the final unmount and sync */
	}
	if (pid < 0 || loop_watch_child(pid, sync_done, NULL) < 0) {
		log_err("shutdown: no child for the unmounts and sync (%s); detaching without a "
			"sync",
			pid < 0 ? strerror(errno) : "child table full");
		if (pid > 0)
			kill(pid, SIGKILL);
		final_stage(1);
		return;
	}
	timer_arm(&deadline, cfg.shutdown_sync_ms, stage_timeout, NULL);
}

static void kill_all(int sig)
{
	pid_t pid = fork();
	if (pid == 0) {
		kill(-1, sig);
		if (sig == SIGTERM)
			kill(-1, SIGCONT);
		_exit(0); /* child */
	}
	if (pid < 0)
		log_err("shutdown: fork for kill(-1, %d): %s", sig, strerror(errno));
}

static void enter_kill(void)
{
	stage = ST_KILL;
	log_notice("shutdown: sending SIGKILL to remaining processes");
	kill_all(SIGKILL);
	timer_arm(&deadline, cfg.shutdown_kill_wait_ms, stage_timeout, NULL);
}

static void enter_term(void)
{
	stage = ST_TERM;
	log_info("shutdown: sending SIGTERM to remaining processes");
	kill_all(SIGTERM);
	timer_arm(&deadline, cfg.shutdown_grace_ms, stage_timeout, NULL);
}

static void stage_timeout(void *ctx)
{
	(void)ctx;
	if (stage == ST_STOPPING) {
		log_warn("shutdown: services did not stop within %u ms", cfg.shutdown_grace_ms);
		enter_term();
	} else if (stage == ST_TERM) {
		enter_kill();
	} else if (stage == ST_KILL) {
		log_err("shutdown: processes survived SIGKILL for %u ms (D state?); going on",
			cfg.shutdown_kill_wait_ms);
		enter_sync();
	} else if (stage == ST_SYNC) {
		log_err("shutdown: unmounting and syncing did not finish within %u ms (a dead "
			"network filesystem?); detaching what is left and going on",
			cfg.shutdown_sync_ms);
		final_stage(1);
	}
}

/* After every reap: has the stage's wait been met? */
static void on_reaped(void)
{
	if ((stage == ST_TERM || stage == ST_KILL) && !have_children())
		enter_sync();
}

static void run_next_hook(void)
{
	if (stage != ST_STOPPING)
		return;
	if (next_hook < n_hooks) {
		power_stop_fn fn = hooks[next_hook++];
		fn(run_next_hook);
		return;
	}
	timer_cancel(&deadline);
	enter_term();
}

void power_request(enum power_action a, const char *why)
{
	if (stage != ST_RUNNING) {
		log_info("shutdown already in progress (%s requested: %s)", power_action_name(a),
			 why);
		return;
	}
	action = a;
	started_ms = now_ms();
	machine_init = initns_machine_init(); /* now: the final unmounts take /proc away */
	stage = ST_STOPPING;
	log_notice("shutdown: %s (%s)", power_action_name(a), why);
	for (int i = 0; i < n_observers; i++)
		observers[i]();
	loop_on_reap(on_reaped);
	timer_arm(&deadline, cfg.shutdown_grace_ms, stage_timeout, NULL);
	next_hook = 0;
	run_next_hook();
}
