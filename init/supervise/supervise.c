/*
 * Service supervision. Each service is a small state machine driven from
 * the event loop:
 *
 *   INACTIVE -> STARTING (ExecStartPre..., ExecStart) -> RUNNING (ready)
 *        RUNNING/STARTING -- exit --> scope destroyed --> RESTART_WAIT
 *        (backoff) -> STARTING in a fresh scope, or FAILED / EXITED
 *   any -> STOPPING (KillSignal, TimeoutStopSec, cgroup.kill) -> STOPPED
 *
 * Scopes are one-shot: a scope that was killed is removed and the next
 * start gets a new one (docs/cgroups.md: clone3 into a killed cgroup dies).
 * The dependency graph (depgraph.c) decides what may start and stop when.
 * This file owns the table, the start and the exit handling; whether and
 * when an ended service runs again (Restart=, backoff, start limit) is
 * svc_restart.c; the stop and the operator's requests are svc_stop.c;
 * the boot's verdict, sd_notify and the loading are svc_boot.c. How a
 * command is spawned into its scope is svc_exec.c; the control commands
 * that drive and show it are ctl/services.c; the carrying across a live
 * re-exec is supervise_reexec.c.
 */
#include "supervise/supervise_int.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "node/boot.h"
#include "node/hardware.h"
#include "node/power.h"
#include "supervise/notify.h"
#include "supervise/svc_dirs.h"
#include "supervise/svc_exec.h"
#include "supervise/svc_kinds.h"
#include "supervise/svc_tasks.h"
#include "supervise/svc_units.h"
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

/* The loaded units and their services, same index; svc_n of them. */
struct unit svc_units[UNITS_MAX] PAGE_ALIGNED;
struct svc svc_table[UNITS_MAX] PAGE_ALIGNED;
int svc_n;
struct depgraph svc_graph PAGE_ALIGNED;

/* ---- the table ---- */

/* svc_count and svc_at: svc_reload.c, which empties slots */
struct svc *svc_find(const char *name)
{
	int i = name[0] ? unit_find(svc_units, svc_n, name) : -1;
	return i >= 0 ? &svc_table[i] : NULL;
}

static const char *const state_names[] = {
    "inactive",	  "starting", "running", "exited",  "stopping",
    "restarting", "failed",   "stopped", "skipped",
};

const char *svc_state_name(enum svc_state st)
{
	return st <= SVC_SKIPPED ? state_names[st] : "?";
}

/* ---- small helpers ---- */

static enum dg_state dg_of(const struct svc *s)
{
	switch (s->state) {
	case SVC_INACTIVE: /* one the boot does not start waits for no one */
		return s->u->boot ? DG_PENDING : DG_STOPPED;
	case SVC_STARTING:
	case SVC_RESTART_WAIT:
	case SVC_STOPPING:
		return DG_STARTING;
	case SVC_RUNNING:
	case SVC_EXITED:
	case SVC_SKIPPED: /* as in systemd: what is ordered after it may start */
		return DG_READY;
	case SVC_FAILED:
		return DG_FAILED;
	case SVC_STOPPED:
		return DG_STOPPED;
	}
	return DG_PENDING;
}

void svc_dg_states(enum dg_state *st)
{
	for (int i = 0; i < svc_n; i++)
		st[i] = dg_of(&svc_table[i]);
}

/* "chronyd.service" -> "chronyd": the scope and log name */
void svc_base_name(const struct svc *s, char *out, size_t cap)
{
	snprintf(out, cap, "%s", s->u->name);
	char *dot = strrchr(out, '.');
	if (dot && strcmp(dot, ".service") == 0)
		*dot = '\0';
}

void svc_set_state(struct svc *s, enum svc_state st)
{
	s->state = st;
	if (s->u->kind == UNIT_KIND_SERVICE &&
	    (st == SVC_RUNNING || st == SVC_EXITED || st == SVC_FAILED || st == SVC_STOPPED ||
	     st == SVC_SKIPPED))
		svc_kinds_service_state(s->u, st == SVC_RUNNING,
					s->started_ms); /* its sockets, timers */
	if (st == SVC_RUNNING || st == SVC_EXITED || st == SVC_FAILED || st == SVC_SKIPPED)
		s->settled = 1;
	svc_check_boot();
	svc_check_stop_all();
	if (st == SVC_RUNNING || st == SVC_EXITED || st == SVC_FAILED || st == SVC_STOPPED ||
	    st == SVC_SKIPPED)
		svc_start_ready();
	svc_on_end(s, st); /* OnFailure=, FailureAction=... (svc_outcome.c) */
	svc_reload_at_rest(s);
}

/* ---- exit, restart, failure ---- */

void svc_describe_status(int status, char *buf, size_t cap)
{
	if (WIFEXITED(status))
		snprintf(buf, cap, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, cap, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, cap, "ended (wait status %d)", status);
}

static void restart_now(void *ctx)
{
	struct svc *s = ctx;
	if (s->state != SVC_RESTART_WAIT)
		return;
	s->restarts++;
	log_notice("service %s: restart %u", s->u->name, s->restarts);
	svc_start(s);
}

/* After the scope is gone: restart with backoff, or settle. */
static void after_scope_gone(struct svc *s)
{
	svc_dirs_remove_runtime(s->u, s->restart_after_stop || s->state == SVC_RESTART_WAIT);
	if (s->restart_after_stop && !power_pending()) {
		s->restart_after_stop = 0;
		s->admin_stop = 0;
		s->state = SVC_INACTIVE;
		svc_start(s);
		return;
	}
	s->restart_after_stop = 0;
	if (s->state == SVC_STOPPING) {
		/* only now is everything of it gone: the line tests and admins wait for */
		log_info("service %s: stopped (scope %s %s)", s->u->name, s->scope.rel,
			 s->scope.zombie ? "left as a zombie" : "removed");
		svc_set_state(s, SVC_STOPPED);
		return;
	}
	if (s->state == SVC_RESTART_WAIT) {
		svc_backoff_step(s);
		log_info("service %s: restarting in %llu ms", s->u->name,
			 (unsigned long long)s->backoff_ms);
		timer_arm(&s->restart_timer, s->backoff_ms, restart_now, s);
		svc_check_boot();
	}
}

/*
 * A destroy in flight: whose scope, and which generation of it. Its
 * completion acts only when the service still waits on that very scope: a
 * start or restart meanwhile gave the service a new scope, which the late
 * completion of the old one must not touch (its processes would escape
 * supervision, even stop).
 */
struct destroy_ticket {
	struct svc *s;
	unsigned gen;
	int used;
};

static struct destroy_ticket tickets[CG_ASYNC_MAX];

static void scope_destroyed(void *ctx, int result)
{
	struct destroy_ticket *t = ctx;
	struct svc *s = t->s;
	unsigned gen = t->gen;
	t->used = 0;
	if (!s->have_scope || !s->scope_dying || s->scope_gen != gen) {
		log_info("service %s: scope of an earlier run (generation %u) %s", s->u->name, gen,
			 result < 0 ? "left as a zombie" : "removed");
		return;
	}
	if (result < 0) {
		log_err("service %s: scope %s could not be emptied (%s); left as a zombie scope",
			s->u->name, s->scope.rel, strerror(-result));
		s->scope.zombie = 1; /* F30: never reused; the next start takes a new name */
	}
	s->scope_dying = 0;
	s->have_scope = 0;
	after_scope_gone(s);
}

/* KillMode=process or none: what is left of the run stays where it is
 * (sessions of sshd, jobs of cron); the next run gets a new scope. */
static int abandon_scope(struct svc *s)
{
	if (s->u->kill_mode != UNIT_KILL_PROCESS && s->u->kill_mode != UNIT_KILL_NONE)
		return 0;
	if (cg_is_empty(&node_cg, s->scope.rel) == 1)
		return 0; /* nothing left: removed as usual */
	log_info("service %s: processes left in %s (KillMode=%s)", s->u->name, s->scope.rel,
		 s->u->kill_mode == UNIT_KILL_PROCESS ? "process" : "none");
	cg_scope_close(&s->scope);
	s->have_scope = 0;
	after_scope_gone(s);
	return 1;
}

static int run_ctl(struct svc *s, enum unit_cmd kind, int from);

/* Kill whatever is left in the scope (PS3) and remove it, asynchronously;
 * ExecStopPost= first. */
void svc_drop_scope(struct svc *s)
{
	if (!s->have_scope) {
		after_scope_gone(s);
		return;
	}
	if (s->scope_dying)
		return; /* its completion is on the way */
	if (s->ctl_pid > 0 && s->ctl_kind != UNIT_CMD_STOP_POST) {
		loop_unwatch_child(s->ctl_pid); /* a control command of the run ends with it */
		kill(s->ctl_pid, SIGKILL);
		s->ctl_pid = 0;
	}
	if (!s->in_stop_post && s->u->n_exec[UNIT_CMD_STOP_POST] && !s->scope.killed) {
		s->in_stop_post = 1;
		if (run_ctl(s, UNIT_CMD_STOP_POST, 0) == 0)
			return; /* its end comes back here */
	}
	if (s->ctl_pid > 0)
		return;
	if (!s->have_scope) { /* a failed spawn of ExecStopPost= took the scope (RI5) */
		after_scope_gone(s);
		return;
	}
	if (abandon_scope(s))
		return;
	struct destroy_ticket *t = NULL;
	for (int i = 0; i < CG_ASYNC_MAX && !t; i++)
		if (!tickets[i].used)
			t = &tickets[i];
	int r = -EAGAIN;
	if (t) {
		*t = (struct destroy_ticket){s, s->scope_gen, 1};
		r = cg_destroy_async(&node_cg, &s->scope, scope_destroyed, t);
		t->used = r == 0;
	}
	if (r == 0) {
		s->scope_dying = 1;
		return;
	}
	/* too many in flight: do it now, bounded by its own timeout */
	cg_destroy_scope(&node_cg, &s->scope);
	s->have_scope = 0;
	after_scope_gone(s);
}

void svc_failed(struct svc *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->why, sizeof s->why, fmt, ap);
	va_end(ap);
	log_err("service %s: %s", s->u->name, s->why);
	svclog_note(&s->log, s->why);
	timer_cancel(&s->start_timer);
	s->settled = 1;
	if (s->pid > 0)
		return; /* the exit handler finishes the job */
	if (s->have_scope) {
		s->state = SVC_FAILED;
		svc_drop_scope(s);
	}
	svc_set_state(s, SVC_FAILED);
}

static void on_exit_status(void *ctx, pid_t pid, int status);

/* The run ended (its main process, or a command of its start, with
 * status): restart it, or settle as failed or stopped. */
static void run_ended(struct svc *s, int status, const char *what, int was_starting, int oom)
{
	timer_cancel(&s->watchdog_timer);
	if (svc_restart_wanted(s, status)) {
		s->state = SVC_RESTART_WAIT;
		s->settled |= was_starting;
		svc_drop_scope(s);
		return;
	}
	/* a reason given while starting (TimeoutStartSec) says more than "killed" */
	if (!s->why[0] || !was_starting)
		snprintf(s->why, sizeof s->why, "%s%s%s", oom ? "OOM-killed: " : "", what,
			 was_starting ? " before it was ready" : "");
	int good = !was_starting && svc_clean_exit(s->u, status);
	s->state = good ? SVC_STOPPED : SVC_FAILED;
	svc_drop_scope(s);
	svc_set_state(s, s->state);
}

static void main_exited(struct svc *s, int status)
{
	char what[96];
	svc_describe_status(status, what, sizeof what);
	s->last_status = status;
	timer_cancel(&s->stop_timer);
	svclog_note(&s->log, what);
	int oom = svc_note_oom_kills(s, status);
	if (s->state == SVC_STOPPING) {
		log_info("service %s: main process %s", s->u->name, what);
		if (s->ctl_pid <= 0)
			svc_drop_scope(s);
		return;
	}
	const struct unit *u = s->u;
	int starting = s->state == SVC_STARTING && s->ctl_kind == UNIT_CMD_START;
	int good = WIFEXITED(status) &&
		   (WEXITSTATUS(status) == 0 || unit_exit_set_has(&u->success_status, status) ||
		    (starting &&
		     (u->exec[UNIT_CMD_START][s->cmd_next - 1].flags & UNIT_EXEC_IGNORE_FAILURE)));
	if (starting && good && u->type == UNIT_TYPE_ONESHOT) {
		svc_start_next(s); /* the next ExecStart=, or ExecStartPost= */
		return;
	}
	if (starting && good && u->type == UNIT_TYPE_FORKING) {
		svc_forking_exited(s);
		return;
	}
	timer_cancel(&s->start_timer);
	int was_starting = s->state == SVC_STARTING;
	if (was_starting)
		s->settled = 1; /* boot does not wait for a service that ended before ready */
	log_notice("service %s: %s%s", u->name, what, was_starting ? " before it was ready" : "");
	run_ended(s, status, what, was_starting, oom);
}

static void ctl_exited(struct svc *s, int status)
{
	const struct unit_exec *e = &s->u->exec[s->ctl_kind][s->cmd_next - 1];
	const char *key = unit_cmd_key((enum unit_cmd)s->ctl_kind);
	if (s->ctl_kind == UNIT_CMD_CONDITION && svc_condition_skips(s, status))
		return;
	int good = WIFEXITED(status) &&
		   (WEXITSTATUS(status) == 0 || (e->flags & UNIT_EXEC_IGNORE_FAILURE));
	char what[96];
	svc_describe_status(status, what, sizeof what);
	if (!good)
		log_notice("service %s: %s %s %s", s->u->name, key, e->path, what);
	switch (s->ctl_kind) {
	case UNIT_CMD_STOP_POST:
		if (run_ctl(s, UNIT_CMD_STOP_POST, s->cmd_next) < 0 && s->ctl_pid <= 0)
			svc_drop_scope(s);
		return;
	case UNIT_CMD_STOP:
		svc_stop_continue(s);
		return;
	case UNIT_CMD_RELOAD:
		if (!good || run_ctl(s, UNIT_CMD_RELOAD, s->cmd_next) < 0)
			log_info("service %s: reload %s", s->u->name, good ? "done" : "failed");
		return;
	default:
		break;
	}
	if (s->state != SVC_STARTING) {
		if (s->pid <= 0)
			svc_drop_scope(s);
		return;
	}
	if (good) {
		svc_start_next(s); /* continues with the next command */
		return;
	}
	s->last_status = status;
	if (!s->why[0]) /* else TimeoutStartSec said why it was killed */
		snprintf(s->why, sizeof s->why, "%s %s %s", key, e->path, what);
	timer_cancel(&s->start_timer);
	s->settled = 1;
	if (s->pid > 0) { /* ExecStartPost= failed: the main process goes */
		s->state = svc_restart_wanted(s, status) ? SVC_RESTART_WAIT : SVC_FAILED;
		kill(s->pid, SIGKILL);
		return;
	}
	run_ended(s, status, what, 1, 0);
}

static void on_exit_status(void *ctx, pid_t pid, int status)
{
	struct svc *s = ctx;
	if (pid == s->ctl_pid) {
		s->ctl_pid = 0;
		ctl_exited(s, status);
		return;
	}
	s->pid = 0;
	svc_follow_drop(s);
	if (s->state == SVC_RESTART_WAIT || s->state == SVC_FAILED) { /* ExecStartPost failed */
		svc_drop_scope(s);
		svc_set_state(s, s->state);
		return;
	}
	main_exited(s, status);
}

void svc_watch(struct svc *s)
{
	svc_follow_main(s);
	if (s->pid > 0)
		loop_watch_child(s->pid, on_exit_status, s);
	if (s->ctl_pid > 0)
		loop_watch_child(s->ctl_pid, on_exit_status, s);
}

/* ---- start ---- */

static void start_timeout(void *ctx)
{
	struct svc *s = ctx;
	if (s->state != SVC_STARTING)
		return;
	snprintf(s->why, sizeof s->why, "not ready within %llu ms (TimeoutStartSec)",
		 (unsigned long long)s->u->timeout_start_ms);
	log_err("service %s: %s", s->u->name, s->why);
	s->settled = 1;
	s->timed_out = 1;
	pid_t victim = s->ctl_pid > 0 ? s->ctl_pid : s->pid;
	if (victim > 0)
		kill(victim, SIGKILL); /* the exit handler decides on restart */
	else
		run_ended(s, -1, "timed out", 1, 0);
}

void svc_became_ready(struct svc *s, const char *how)
{
	if (s->ctl_kind == UNIT_CMD_START) {
		/* ExecStartPost= first: ready once they are done */
		s->ctl_kind = UNIT_CMD_POST;
		s->cmd_next = 0;
		if (s->u->n_exec[UNIT_CMD_POST]) {
			log_info("service %s: started (%s); ExecStartPost= next", s->u->name, how);
			svc_start_next(s);
			return;
		}
	}
	timer_cancel(&s->start_timer);
	s->reached_ready = 1;
	if (s->u->type == UNIT_TYPE_ONESHOT) {
		log_info("service %s: finished", s->u->name);
		s->state = SVC_EXITED;
		if (!s->u->remain_after_exit || !s->u->n_exec[UNIT_CMD_STOP])
			svc_drop_scope(s); /* else its ExecStop= runs in it at stop */
		svc_set_state(s, SVC_EXITED);
		return;
	}
	log_info("service %s: ready (%s)", s->u->name, how);
	svc_set_state(s, SVC_RUNNING);
	svc_watchdog_ping(s, 0);
}

static int spawn_cmd(struct svc *s, enum unit_cmd kind, int i, int as_main)
{
	pid_t pid;
	struct svc_run run = {s->u, s->invocation_id, as_main ? 0 : s->pid, s->pid > 0};
	int r = svc_exec_spawn(&run, &s->u->exec[kind][i], &s->scope, s->log.wfd, &pid);
	if (r < 0) {
		if (!run.keep_scope)
			s->have_scope = 0; /* spawn_in_scope destroyed it (RI5) */
		return r;
	}
	*(as_main ? &s->pid : &s->ctl_pid) = pid;
	if (as_main)
		svc_follow_main(s);
	s->ctl_kind = kind;
	s->cmd_next = i + 1;
	loop_watch_child(pid, on_exit_status, s);
	return 0;
}

/* The control command number from of kind: 0 when spawned, -ENOENT when
 * the list is done, else -errno (why set). */
static int run_ctl(struct svc *s, enum unit_cmd kind, int from)
{
	if (from >= s->u->n_exec[kind])
		return -ENOENT;
	int r = spawn_cmd(s, kind, from, 0);
	if (r < 0)
		snprintf(s->why, sizeof s->why, "cannot start %s %s: %s", unit_cmd_key(kind),
			 s->u->exec[kind][from].path, strerror(-r));
	return r;
}

int svc_run_ctl(struct svc *s, enum unit_cmd kind, int from)
{
	return run_ctl(s, kind, from);
}

static int make_scope(struct svc *s)
{
	char base[UNIT_NAME_MAX];
	svc_base_name(s, base, sizeof base);
	if (s->have_scope && s->scope_dying)
		s->have_scope = 0; /* an earlier run's, still dying: its end is its own */
	unsigned gen = s->gen;
	int r = svc_exec_scope(s->u, base, &s->scope, &gen);
	if (r < 0)
		return r;
	s->gen = gen + 1; /* the next start never reuses this scope */
	s->scope_gen = gen;
	s->scope_dying = 0; /* an earlier run's scope may still be dying: not this one */
	s->have_scope = 1;
	s->in_stop_post = 0;
	return 0;
}

int svc_make_scope(struct svc *s)
{
	return make_scope(s);
}

/*
 * Its scope or its spawn failed: a passing shortage (EAGAIN from a full
 * pids.max elsewhere, EMFILE) must not fail a service for good. Under its
 * restart policy it is a failed run like any other: restarted with
 * backoff (and within the start limit), its reason kept in why.
 */
static void start_failed(struct svc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void start_failed(struct svc *s, const char *fmt, ...)
{
	char why[sizeof s->why];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (s->pid > 0) { /* ExecStartPost= could not run: the main process goes */
		memcpy(s->why, why, sizeof why);
		log_err("service %s: %s", s->u->name, s->why);
		timer_cancel(&s->start_timer);
		s->settled = 1;
		s->state = svc_restart_wanted(s, -1) ? SVC_RESTART_WAIT : SVC_FAILED;
		kill(s->pid, SIGKILL); /* its exit drops the scope */
		return;
	}
	if (!svc_restart_wanted(s, -1)) {
		svc_failed(s, "%s", why);
		return;
	}
	memcpy(s->why, why, sizeof why);
	log_err("service %s: %s; restarting it", s->u->name, s->why);
	svclog_note(&s->log, s->why);
	timer_cancel(&s->start_timer);
	s->settled = 1;
	s->state = SVC_RESTART_WAIT;
	svc_drop_scope(s); /* then after_scope_gone() arms the restart */
}

/* The next command of the start: ExecCondition=..., ExecStartPre=..., ExecStart=...,
 * then (once started) ExecStartPost=..., then ready. */
void svc_start_next(struct svc *s)
{
	const struct unit *u = s->u;
	enum unit_cmd k = (enum unit_cmd)s->ctl_kind;
	int i = s->cmd_next;
	if (k == UNIT_CMD_CONDITION && i >= u->n_exec[UNIT_CMD_CONDITION])
		k = UNIT_CMD_PRE, i = 0;
	if (k == UNIT_CMD_PRE && i >= u->n_exec[UNIT_CMD_PRE])
		k = UNIT_CMD_START, i = 0;
	if (k == UNIT_CMD_START && i >= u->n_exec[UNIT_CMD_START]) {
		svc_start_cmds_done(s); /* a oneshot's last ExecStart=; a socket binds */
		return;
	}
	if (k == UNIT_CMD_POST && i >= u->n_exec[UNIT_CMD_POST]) {
		svc_became_ready(s, "ExecStartPost= done");
		return;
	}
	int as_main = k == UNIT_CMD_START;
	int r = spawn_cmd(s, k, i, as_main);
	if (r < 0) {
		start_failed(s, "cannot start %s: %s", u->exec[k][i].path, strerror(-r));
		return;
	}
	if (i == 0 && k == svc_first_start_cmd(u))
		svc_start_limit_count(s); /* the run's first process */
	if (!as_main)
		return;
	log_info("service %s: started (pid %d, scope %s)", u->name, s->pid, s->scope.rel);
	if (u->type == UNIT_TYPE_SIMPLE || u->type == UNIT_TYPE_EXEC)
		svc_became_ready(s, u->type == UNIT_TYPE_SIMPLE ? "spawned" : "exec'd");
}

/* Start (or continue starting: the next command). */
int svc_start(struct svc *s)
{
	if (s->state != SVC_STARTING)
		svc_reload_before_start(s);
	if (s->u->kind != UNIT_KIND_SERVICE && !svc_kind_runs_cmds(s->u))
		return svc_kind_start(s, s->u); /* targets, sockets, timers: svc_kinds.c */
	if (s->state == SVC_STARTING) {
		svc_start_next(s);
		return 0;
	}
	if (svc_start_limit_reached(s)) {
		svc_failed(s,
			   "start limit hit: %u starts within %llu ms (StartLimitBurst=, "
			   "StartLimitIntervalSec=); pactctl start begins anew",
			   s->u->start_limit_burst, (unsigned long long)s->u->start_limit_ms);
		return -EAGAIN;
	}
	char why[sizeof s->why];
	int c = svc_cond_check(s->u, why, sizeof why - 16);
	if (c == 0) {
		snprintf(s->why, sizeof s->why, "skipped: %.*s", (int)sizeof why - 16, why);
		log_info("service %s: %s", s->u->name, s->why);
		svc_set_state(s, SVC_SKIPPED);
		return 0;
	}
	s->state = SVC_STARTING;
	s->ctl_kind = UNIT_CMD_CONDITION; /* then ExecStartPre=, ExecStart= */
	s->cmd_next = 0;
	s->reached_ready = 0;
	s->timed_out = 0;
	s->pidfile_tries = 0;
	s->started_ms = now_ms();
	s->why[0] = '\0';
	s->status_text[0] = '\0';
	svc_new_invocation_id(s);
	if (c < 0) {
		svc_failed(s, "%s", why);
		return -EPERM;
	}
	int r = svc_dirs_make(s->u, why, sizeof why);
	if (r < 0) {
		start_failed(s, "%s", why);
		return r;
	}
	r = make_scope(s);
	if (r < 0) {
		start_failed(s, "cannot create its scope under %s: %s",
			     unit_slice_path(s->u->slice), strerror(-r));
		return r;
	}
	svclog_note(&s->log, "starting");
	if (s->u->timeout_start_ms != UNIT_TIMEOUT_NONE)
		timer_arm(&s->start_timer, s->u->timeout_start_ms, start_timeout, s);
	svc_start_next(s);
	return 0;
}

void svc_start_ready(void)
{
	static int busy;
	if (busy || power_pending())
		return;
	busy = 1; /* starting one may settle others: loop here, not recursively */
	enum dg_state st[UNITS_MAX];
	int go[UNITS_MAX];
	for (int round = 0; round < UNITS_MAX; round++) {
		svc_dg_states(st);
		int n = depgraph_startable(&svc_graph, st, go, UNITS_MAX);
		int started = 0;
		for (int k = 0; k < n; k++) {
			struct svc *s = &svc_table[go[k]];
			if (s->state == SVC_INACTIVE && !s->admin_stop) {
				svc_start(s);
				started++;
			}
		}
		/* svc_units that can never start (cycle, missing Requires) fail now */
		for (int i = 0; i < svc_n; i++) {
			char why[DG_TEXT_MAX];
			if (svc_table[i].state == SVC_INACTIVE && !svc_table[i].admin_stop &&
			    depgraph_may_start(&svc_graph, i, st, why, sizeof why) == DG_NEVER) {
				snprintf(svc_table[i].why, sizeof svc_table[i].why, "%s", why);
				log_err("service %s: cannot start: %s", svc_table[i].u->name, why);
				svc_table[i].state = SVC_FAILED;
				svc_table[i].settled = 1;
				started++;
			}
		}
		if (!started)
			break;
	}
	busy = 0;
	svc_check_boot();
}
