/*
 * Stopping services: one (KillSignal, TimeoutStopSec, then cgroup.kill of
 * its scope), all of them in reverse dependency order at shutdown, and
 * the operator's start, stop and restart, which decide whether a restart
 * policy still applies.
 */
#include "supervise/supervise_int.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "node/boot.h"
#include "node/hardware.h"
#include "node/power.h"
#include "supervise/notify.h"
#include "supervise/svc_exec.h"
#include "supervise/svc_tasks.h"
#include "supervise/svclog.h"
#include "units/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void (*stop_all_done)(void);

/* ---- the operator's requests ---- */

int svc_admin_start(struct svc *s)
{
	s->admin_stop = 0;
	s->limit_since = 0; /* the operator's start begins the start limit anew */
	if (s->state == SVC_STOPPING) {
		s->restart_after_stop = 1;
	} else if (s->state != SVC_STARTING && s->state != SVC_RUNNING &&
		   s->state != SVC_RESTART_WAIT) {
		s->state = SVC_INACTIVE;
		return svc_start(s);
	}
	return 0;
}

/* PartOf=/BindsTo= units follow an operator's stop or restart, and the
 * units bound to those: one walk, each unit once (the action's own call
 * back here finds the walk busy) */
static void take_bound_along(struct svc *s, void (*action)(struct svc *))
{
	static int busy;
	if (busy)
		return;
	busy = 1;
	int queue[UNITS_MAX], bound[UNITS_MAX], head = 0, tail = 0;
	unsigned char seen[UNITS_MAX] = {0};
	queue[tail++] = (int)(s - svc_table);
	seen[queue[0]] = 1;
	while (head < tail) {
		int i = queue[head++];
		int n = depgraph_bound_to(&svc_graph, i, bound, UNITS_MAX);
		for (int k = 0; k < n; k++) {
			if (seen[bound[k]])
				continue;
			seen[bound[k]] = 1;
			queue[tail++] = bound[k];
			log_info("service %s: follows %s (PartOf=/BindsTo=)",
				 svc_table[bound[k]].u->name, svc_table[i].u->name);
			action(&svc_table[bound[k]]);
		}
	}
	busy = 0;
}

void svc_admin_stop(struct svc *s)
{
	s->admin_stop = 1;
	s->restart_after_stop = 0;
	svc_stop(s);
	take_bound_along(s, svc_admin_stop);
}

void svc_admin_restart(struct svc *s)
{
	s->limit_since = 0;
	if (s->state == SVC_RUNNING || s->state == SVC_STARTING || s->state == SVC_STOPPING) {
		s->admin_stop = 1;
		s->restart_after_stop = 1;
		svc_stop(s);
	} else {
		/* a pending backoff must not fire into the run started here */
		timer_cancel(&s->restart_timer);
		s->admin_stop = 0;
		s->state = SVC_INACTIVE;
		svc_start(s);
	}
	take_bound_along(s, svc_admin_restart);
}

/* ---- stop ---- */

static void signal_run(struct svc *s, int sig, int whole);

static void stop_timeout(void *ctx)
{
	struct svc *s = ctx;
	if (s->state != SVC_STOPPING)
		return;
	if (s->ctl_pid > 0 && s->ctl_kind == UNIT_CMD_STOP) {
		log_warn("service %s: ExecStop= still running after %llu ms: killing it",
			 s->u->name, (unsigned long long)s->u->timeout_stop_ms);
		kill(s->ctl_pid, SIGKILL); /* its end goes on with the stop */
		return;
	}
	if (!s->u->send_sigkill) {
		log_warn("service %s: still running %llu ms after signal %d; SendSIGKILL=no: left "
			 "running",
			 s->u->name, (unsigned long long)s->u->timeout_stop_ms, s->u->kill_signal);
		if (s->pid > 0)
			loop_unwatch_child(s->pid);
		s->pid = 0;
		svc_follow_drop(s);
		svc_drop_scope(s); /* KillMode=process/none leave it; others kill it */
		return;
	}
	int whole =
	    s->u->kill_mode == UNIT_KILL_CONTROL_GROUP || s->u->kill_mode == UNIT_KILL_MIXED;
	if (s->u->final_kill_signal != SIGKILL && !s->final_sent && s->pid > 0) {
		/* FinalKillSignal= first (SIGQUIT, SIGABRT: a core to see why it
		 * hung), the same wait again, then SIGKILL all the same */
		log_warn("service %s: still running %llu ms after signal %d: FinalKillSignal=%d",
			 s->u->name, (unsigned long long)s->u->timeout_stop_ms, s->u->kill_signal,
			 s->u->final_kill_signal);
		s->final_sent = 1;
		signal_run(s, s->u->final_kill_signal, whole);
		timer_arm(&s->stop_timer, s->u->timeout_stop_ms, stop_timeout, s);
		return;
	}
	log_warn("service %s: still running %llu ms after signal %d: killing its scope", s->u->name,
		 (unsigned long long)s->u->timeout_stop_ms,
		 s->final_sent ? s->u->final_kill_signal : s->u->kill_signal);
	if (s->pid > 0 && s->have_scope) {
		if (whole)
			cg_kill(s->scope.path); /* the main pid's exit then removes the scope */
		else
			kill(s->pid, SIGKILL);
	}
	if (s->pid > 0 && (!s->have_scope || svc_follow_left_scope(s)))
		svc_follow_signal(s, SIGKILL); /* it left its scope: cgroup.kill misses it */
}

static int signal_pid(void *ctx, pid_t pid)
{
	const struct svc *s = ctx;
	kill(pid, s->u->kill_signal);
	if (s->u->send_sighup)
		kill(pid, SIGHUP);
	kill(pid, SIGCONT);
	return 0;
}

static int final_pid(void *ctx, pid_t pid)
{
	kill(pid, *(const int *)ctx);
	return 0;
}

/* sig to every process of the scope (whole) or to the main process only;
 * the main process through its pidfd when it left the scope */
static void signal_run(struct svc *s, int sig, int whole)
{
	if (whole && s->have_scope)
		cg_for_each_pid(s->scope.path, final_pid, &sig);
	if ((!whole || svc_follow_left_scope(s)) && svc_follow_signal(s, sig) < 0 && s->pid > 0)
		kill(s->pid, sig);
}

/* KillSignal= as KillMode= says: the whole scope, or the main process only
 * (mixed, process), or nothing (none). */
static void send_kill_signal(struct svc *s)
{
	const struct unit *u = s->u;
	if (u->kill_mode == UNIT_KILL_NONE) {
		if (s->pid > 0) { /* it keeps running: no longer ours to wait for */
			log_info("service %s: KillMode=none: pid %d left running", u->name, s->pid);
			loop_unwatch_child(s->pid);
			s->pid = 0;
			svc_follow_drop(s);
		}
		svc_drop_scope(s);
		return;
	}
	if (s->pid <= 0 && u->kill_mode != UNIT_KILL_CONTROL_GROUP) {
		svc_drop_scope(s);
		return;
	}
	log_info("service %s: stopping (signal %d to %s %d)", u->name, u->kill_signal,
		 u->kill_mode == UNIT_KILL_CONTROL_GROUP ? "the scope of pid" : "pid", s->pid);
	if (u->kill_mode == UNIT_KILL_CONTROL_GROUP && s->have_scope)
		cg_for_each_pid(s->scope.path, signal_pid, s);
	/* the main process by itself, or when it left the scope (slurmd) */
	if (u->kill_mode != UNIT_KILL_CONTROL_GROUP || svc_follow_left_scope(s))
		signal_pid(s, s->pid);
	if (s->pid <= 0) { /* no main process to wait for: the scope goes now */
		svc_drop_scope(s);
		return;
	}
	timer_arm(&s->stop_timer, s->u->timeout_stop_ms, stop_timeout, s);
}

void svc_stop_continue(struct svc *s)
{
	if (svc_run_ctl(s, UNIT_CMD_STOP, s->cmd_next) == 0)
		return; /* the next ExecStop= */
	timer_cancel(&s->stop_timer);
	if (s->pid > 0 || s->u->kill_mode == UNIT_KILL_CONTROL_GROUP)
		send_kill_signal(s);
	else
		svc_drop_scope(s);
}

/* ExecStop= of a oneshot that stayed (RemainAfterExit=) needs a scope again. */
static int stop_exited(struct svc *s)
{
	if (!s->u->remain_after_exit || !s->u->n_exec[UNIT_CMD_STOP])
		return 0;
	if (!s->have_scope && svc_make_scope(s) < 0)
		return 0;
	s->state = SVC_STOPPING;
	s->in_stop_post = 0;
	if (svc_run_ctl(s, UNIT_CMD_STOP, 0) < 0) {
		svc_drop_scope(s);
		return 1;
	}
	timer_arm(&s->stop_timer, s->u->timeout_stop_ms, stop_timeout, s);
	return 1;
}

void svc_stop(struct svc *s)
{
	timer_cancel(&s->restart_timer);
	timer_cancel(&s->start_timer);
	timer_cancel(&s->watchdog_timer);
	timer_cancel(&s->pidfile_timer);
	switch (s->state) {
	case SVC_STARTING:
	case SVC_RUNNING:
		break;
	case SVC_RESTART_WAIT:
		s->state = SVC_STOPPING;
		if (!s->have_scope) { /* else after_scope_gone finishes the stop */
			log_info("service %s: stopped (was waiting to restart)", s->u->name);
			svc_set_state(s, SVC_STOPPED);
		}
		return;
	case SVC_EXITED:
		if (stop_exited(s))
			return;
		svc_set_state(s, SVC_STOPPED);
		return;
	case SVC_FAILED:
	case SVC_INACTIVE:
	case SVC_SKIPPED:
		svc_set_state(s, SVC_STOPPED);
		return;
	case SVC_STOPPING:
	case SVC_STOPPED:
		return;
	}
	s->state = SVC_STOPPING;
	s->final_sent = 0;
	if (s->ctl_pid > 0 && s->ctl_kind != UNIT_CMD_STOP_POST) {
		/* a command of the start or a reload: it ends with the run */
		loop_unwatch_child(s->ctl_pid);
		kill(s->ctl_pid, SIGKILL);
		s->ctl_pid = 0;
	}
	/* ExecStop= for a service that got ready, with its main process or
	 * (forking without one) its scope */
	if (s->reached_ready && svc_run_ctl(s, UNIT_CMD_STOP, 0) == 0) {
		log_info("service %s: stopping (ExecStop=)", s->u->name);
		timer_arm(&s->stop_timer, s->u->timeout_stop_ms, stop_timeout, s);
		return;
	}
	if (s->pid > 0 || (s->have_scope && s->u->kill_mode == UNIT_KILL_CONTROL_GROUP &&
			   s->ctl_kind != UNIT_CMD_STOP_POST))
		send_kill_signal(s);
	else if (s->ctl_pid <= 0)
		svc_drop_scope(s);
}

int svc_reload(struct svc *s, char *err, size_t cap)
{
	if (s->state != SVC_RUNNING && s->state != SVC_EXITED) {
		snprintf(err, cap, "%s is %s: only a running service reloads", s->u->name,
			 svc_state_name(s->state));
		return -EBUSY;
	}
	if (!s->u->n_exec[UNIT_CMD_RELOAD]) {
		snprintf(err, cap, "%s has no ExecReload=", s->u->name);
		return -EOPNOTSUPP;
	}
	if (s->ctl_pid > 0) {
		snprintf(err, cap, "%s is running its %s= already", s->u->name,
			 unit_cmd_key((enum unit_cmd)s->ctl_kind));
		return -EBUSY;
	}
	if (!s->have_scope) {
		snprintf(err, cap, "%s has no scope to run ExecReload= in", s->u->name);
		return -ESRCH;
	}
	int r = svc_run_ctl(s, UNIT_CMD_RELOAD, 0);
	if (r < 0) {
		snprintf(err, cap, "%s", s->why);
		return r;
	}
	log_info("service %s: reloading (ExecReload=)", s->u->name);
	return 0;
}

static void stop_next(void)
{
	enum dg_state st[UNITS_MAX];
	svc_dg_states(st);
	for (int i = 0; i < svc_n; i++) {
		struct svc *s = &svc_table[i];
		if (s->state == SVC_STOPPING || s->state == SVC_STOPPED)
			continue;
		if (depgraph_may_stop(&svc_graph, i, st) == DG_GO || svc_graph.dead[i])
			svc_stop(s);
	}
}

void svc_check_stop_all(void)
{
	if (!stop_all_done)
		return;
	for (int i = 0; i < svc_n; i++) {
		if (svc_table[i].state != SVC_STOPPED) {
			stop_next();
			return;
		}
	}
	void (*done)(void) = stop_all_done;
	stop_all_done = NULL;
	log_info("all services stopped");
	done();
}

void svc_stop_all(void (*done)(void))
{
	stop_all_done = done;
	for (int i = 0; i < svc_n; i++)
		svc_table[i].admin_stop = 1;
	svc_check_stop_all();
}
