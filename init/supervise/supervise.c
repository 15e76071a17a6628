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
 * start gets a new one (FACTS.md: clone3 into a killed cgroup dies).
 * The dependency graph (depgraph.c) decides what may start and stop when.
 * How a command is spawned into its scope is svc_exec.c; the control
 * commands that drive and show it are ctl/services.c; the carrying across
 * a live re-exec is supervise_reexec.c.
 *
 * Longer than most files here, on purpose: it is one concern, the state
 * machine above. Its walks (start in dependency order, stop in reverse,
 * the boot's verdict) all move services between those states, and are
 * read best next to each other.
 */
#include "supervise/supervise.h"
#include "node/boot.h"
#include "lib/config.h"
#include "units/depgraph.h"
#include "lib/fileio.h"
#include "node/hardware.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "supervise/notify.h"
#include "node/power.h"
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

#define BACKOFF_CAP_MS 60000u
#define STABLE_RUN_MS  10000u /* a run this long resets the restart backoff */
/* no restart comes sooner than this after the end of a run (RestartSec=0
 * too): a service that dies at once cannot keep the loop busy */
#define RESTART_MIN_MS 100u
#define MAX_INSTANCES  32

/* The loaded units and their services, same index; n_svcs of them. */
static struct unit unit_table[UNITS_MAX];
static struct svc svcs[UNITS_MAX];
static int n_svcs;
static struct depgraph graph;
static char instances[MAX_INSTANCES][UNIT_NAME_MAX];
static int n_instances;
static char required[512] = "all";
static char services_dir[256]; /* "" = <config_dir>/services */
static int boot_waiting;
/* Inside step_services: a verdict reached there is its return value, not a
 * boot_step_finished() call (boot.c would count the step done twice). */
static int in_step, step_result;
static char step_reason[300];
static void (*stop_all_done)(void);

static void start_ready_ones(void);
static void check_boot(void);
static void check_stop_all(void);

/* ---- the table ---- */

int svc_count(void)
{
	return n_svcs;
}

struct svc *svc_at(int i)
{
	return i >= 0 && i < n_svcs ? &svcs[i] : NULL;
}

struct svc *svc_find(const char *name)
{
	return svc_at(unit_find(unit_table, n_svcs, name));
}

static const char *const state_names[] = {
    "inactive", "starting", "running", "exited", "stopping", "restarting", "failed", "stopped",
};

const char *svc_state_name(enum svc_state st)
{
	return st <= SVC_STOPPED ? state_names[st] : "?";
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
		return DG_READY;
	case SVC_FAILED:
		return DG_FAILED;
	case SVC_STOPPED:
		return DG_STOPPED;
	}
	return DG_PENDING;
}

static void dg_states(enum dg_state *st)
{
	for (int i = 0; i < n_svcs; i++)
		st[i] = dg_of(&svcs[i]);
}

/* "chronyd.service" -> "chronyd": the scope and log name */
void svc_base_name(const struct svc *s, char *out, size_t cap)
{
	snprintf(out, cap, "%s", s->u->name);
	char *dot = strrchr(out, '.');
	if (dot && strcmp(dot, ".service") == 0)
		*dot = '\0';
}

static void set_state(struct svc *s, enum svc_state st)
{
	s->state = st;
	if (s->u->kind == UNIT_KIND_SERVICE &&
	    (st == SVC_RUNNING || st == SVC_EXITED || st == SVC_FAILED || st == SVC_STOPPED))
		svc_kinds_service_state(s->u, st == SVC_RUNNING,
					s->started_ms); /* its sockets, timers */
	if (st == SVC_RUNNING || st == SVC_EXITED || st == SVC_FAILED)
		s->settled = 1;
	check_boot();
	check_stop_all();
	if (st == SVC_RUNNING || st == SVC_EXITED || st == SVC_FAILED || st == SVC_STOPPED)
		start_ready_ones();
}

static void svc_failed(struct svc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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

/* Does the restart policy apply to a run that ended (failed or not)? */
static int restart_wanted(const struct svc *s, int failed)
{
	if (s->admin_stop || power_pending())
		return 0;
	switch (s->u->restart) {
	case UNIT_RESTART_ALWAYS:
		return 1;
	case UNIT_RESTART_ON_FAILURE:
		return failed;
	case UNIT_RESTART_NO:
		break;
	}
	return 0;
}

static int wants_restart(const struct svc *s, int status)
{
	return restart_wanted(s, !(WIFEXITED(status) && WEXITSTATUS(status) == 0));
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
		set_state(s, SVC_STOPPED);
		return;
	}
	if (s->state == SVC_RESTART_WAIT) {
		uint64_t ran = elapsed(s->started_ms, now_ms());
		if (ran >= STABLE_RUN_MS || s->backoff_ms == 0)
			s->backoff_ms =
			    s->u->restart_ms > RESTART_MIN_MS ? s->u->restart_ms : RESTART_MIN_MS;
		else
			s->backoff_ms =
			    s->backoff_ms * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : s->backoff_ms * 2;
		log_info("service %s: restarting in %llu ms", s->u->name,
			 (unsigned long long)s->backoff_ms);
		timer_arm(&s->restart_timer, s->backoff_ms, restart_now, s);
		check_boot();
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

/* Kill whatever is left in the scope (PS3) and remove it, asynchronously. */
static void drop_scope(struct svc *s)
{
	if (!s->have_scope) {
		after_scope_gone(s);
		return;
	}
	if (s->scope_dying)
		return; /* its completion is on the way */
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

static void svc_failed(struct svc *s, const char *fmt, ...)
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
		drop_scope(s);
	}
	set_state(s, SVC_FAILED);
}

static void on_exit_status(void *ctx, pid_t pid, int status);

/*
 * OOM kills in the scope, read before it is destroyed (its memory.events
 * goes with it). The count is kept per service across scopes; a main
 * process that died of SIGKILL while the count grew was the OOM killer's.
 */
static int note_oom_kills(struct svc *s, int status)
{
	struct cg_metrics m = {0};
	if (!s->have_scope || cg_read_metrics(&node_cg, s->scope.rel, &m) < 0 || !m.oom_kills)
		return 0;
	s->oom_kills += m.oom_kills;
	char max[32] = "max";
	if (m.memory_max_set)
		snprintf(max, sizeof max, "%llu", (unsigned long long)m.memory_max);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		log_err("service %s: OOM-killed (memory.max %s)", s->u->name, max);
		svclog_note(&s->log, "OOM-killed");
		return 1;
	}
	log_warn("service %s: %llu processes of its scope OOM-killed (memory.max %s)", s->u->name,
		 (unsigned long long)m.oom_kills, max);
	return 0;
}

static void main_exited(struct svc *s, int status)
{
	char what[96];
	svc_describe_status(status, what, sizeof what);
	s->last_status = status;
	timer_cancel(&s->start_timer);
	timer_cancel(&s->stop_timer);
	svclog_note(&s->log, what);
	int oom = note_oom_kills(s, status);
	if (s->state == SVC_STOPPING) {
		log_info("service %s: main process %s", s->u->name, what);
		drop_scope(s);
		return;
	}
	int good = WIFEXITED(status) &&
		   (WEXITSTATUS(status) == 0 || (s->u->start.flags & UNIT_EXEC_IGNORE_FAILURE));
	if (s->u->type == UNIT_TYPE_ONESHOT && s->state == SVC_STARTING && good) {
		log_info("service %s: finished", s->u->name);
		s->state = SVC_EXITED;
		drop_scope(s);
		set_state(s, SVC_EXITED);
		return;
	}
	int was_starting = s->state == SVC_STARTING;
	if (was_starting) {
		/* boot does not wait for a service that ended before it was ready,
		 * whatever its status (a notify service exiting 0 never got ready) */
		s->settled = 1;
		good = 0;
	}
	log_notice("service %s: %s%s", s->u->name, what,
		   was_starting ? " before it was ready" : "");
	if (wants_restart(s, status)) {
		s->state = SVC_RESTART_WAIT;
		drop_scope(s);
		return;
	}
	/* a reason given while starting (TimeoutStartSec) says more than "killed" */
	if (!s->why[0] || !was_starting)
		snprintf(s->why, sizeof s->why, "%s%s%s", oom ? "OOM-killed: " : "", what,
			 was_starting ? " before it was ready" : "");
	s->state = good ? SVC_STOPPED : SVC_FAILED;
	drop_scope(s);
	set_state(s, s->state);
}

static void pre_exited(struct svc *s, int status)
{
	const struct unit_exec *e = &s->u->pre[s->pre_next - 1];
	int good = WIFEXITED(status) &&
		   (WEXITSTATUS(status) == 0 || (e->flags & UNIT_EXEC_IGNORE_FAILURE));
	if (s->state != SVC_STARTING)
		return drop_scope(s);
	if (!good) {
		char what[96];
		svc_describe_status(status, what, sizeof what);
		s->last_status = status;
		if (wants_restart(s, status)) {
			log_notice("service %s: ExecStartPre %s %s", s->u->name, e->path, what);
			s->state = SVC_RESTART_WAIT;
			s->settled = 1;
			drop_scope(s);
			return;
		}
		if (!s->why[0]) /* else TimeoutStartSec said why it was killed */
			snprintf(s->why, sizeof s->why, "ExecStartPre %s %s", e->path, what);
		log_err("service %s: %s", s->u->name, s->why);
		s->state = SVC_FAILED;
		drop_scope(s);
		set_state(s, SVC_FAILED);
		return;
	}
	svc_start(s); /* continues with the next command */
}

static void on_exit_status(void *ctx, pid_t pid, int status)
{
	struct svc *s = ctx;
	(void)pid;
	s->pid = 0;
	if (s->running_pre)
		pre_exited(s, status);
	else
		main_exited(s, status);
}

void svc_watch(struct svc *s)
{
	loop_watch_child(s->pid, on_exit_status, s);
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
	if (s->pid > 0)
		kill(s->pid, SIGKILL); /* the exit handler decides on restart */
}

static void became_ready(struct svc *s, const char *how)
{
	timer_cancel(&s->start_timer);
	log_info("service %s: ready (%s)", s->u->name, how);
	set_state(s, SVC_RUNNING);
}

static int spawn_exec(struct svc *s, const struct unit_exec *e)
{
	pid_t pid;
	int r = svc_exec_spawn(s->u, e, &s->scope, s->log.wfd, &pid);
	if (r < 0) {
		s->have_scope = 0; /* spawn_in_scope destroyed it (RI5) */
		return r;
	}
	s->pid = pid;
	loop_watch_child(pid, on_exit_status, s);
	return 0;
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
	return 0;
}

/*
 * systemd's start limit: after StartLimitBurst= starts within
 * StartLimitIntervalSec=, the next one is refused (the service fails for
 * good; pactctl start or restart, or a boot retry, begins anew). A start
 * counts once its first process was spawned: one that could not get a
 * scope or a process (a passing shortage) is not a crash loop.
 */
static int start_limit_reached(const struct svc *s)
{
	const struct unit *u = s->u;
	return u->start_limit_ms && u->start_limit_burst && s->limit_since &&
	       elapsed(s->limit_since, now_ms()) < u->start_limit_ms &&
	       s->limit_starts >= u->start_limit_burst;
}

static void count_start(struct svc *s)
{
	uint64_t now = now_ms();
	if (!s->limit_since || elapsed(s->limit_since, now) >= s->u->start_limit_ms) {
		s->limit_since = now;
		s->limit_starts = 0;
	}
	s->limit_starts++;
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
	if (!restart_wanted(s, 1) || s->pid > 0) {
		svc_failed(s, "%s", why);
		return;
	}
	memcpy(s->why, why, sizeof why);
	log_err("service %s: %s; restarting it", s->u->name, s->why);
	svclog_note(&s->log, s->why);
	timer_cancel(&s->start_timer);
	s->settled = 1;
	s->state = SVC_RESTART_WAIT;
	drop_scope(s); /* then after_scope_gone() arms the restart */
}

/* Start (or continue starting: the next ExecStartPre, then ExecStart). */
int svc_start(struct svc *s)
{
	if (s->u->kind != UNIT_KIND_SERVICE)
		return svc_kind_start(s, s->u); /* targets, sockets, timers: svc_kinds.c */
	if (s->state != SVC_STARTING) {
		if (start_limit_reached(s)) {
			svc_failed(s,
				   "start limit hit: %u starts within %llu ms (StartLimitBurst=, "
				   "StartLimitIntervalSec=); pactctl start begins anew",
				   s->u->start_limit_burst,
				   (unsigned long long)s->u->start_limit_ms);
			return -EAGAIN;
		}
		s->state = SVC_STARTING;
		s->pre_next = 0;
		s->started_ms = now_ms();
		s->why[0] = '\0';
		s->status_text[0] = '\0';
		int r = make_scope(s);
		if (r < 0) {
			start_failed(s, "cannot create its scope under %s: %s",
				     unit_slice_path(s->u->slice), strerror(-r));
			return r;
		}
		svclog_note(&s->log, "starting");
		if (s->u->timeout_start_ms != UNIT_TIMEOUT_NONE)
			timer_arm(&s->start_timer, s->u->timeout_start_ms, start_timeout, s);
	}
	const struct unit_exec *e =
	    s->pre_next < s->u->n_pre ? &s->u->pre[s->pre_next] : &s->u->start;
	s->running_pre = s->pre_next < s->u->n_pre;
	s->pre_next++;
	int r = spawn_exec(s, e);
	if (r < 0) {
		start_failed(s, "cannot start %s: %s", e->path, strerror(-r));
		return r;
	}
	if (s->pre_next == 1) /* the run's first process */
		count_start(s);
	if (s->running_pre)
		return 0;
	log_info("service %s: started (pid %d, scope %s)", s->u->name, s->pid, s->scope.rel);
	if (s->u->type == UNIT_TYPE_SIMPLE || s->u->type == UNIT_TYPE_EXEC)
		became_ready(s, s->u->type == UNIT_TYPE_SIMPLE ? "spawned" : "exec'd");
	return 0;
}

static void start_ready_ones(void)
{
	static int busy;
	if (busy || power_pending())
		return;
	busy = 1; /* starting one may settle others: loop here, not recursively */
	enum dg_state st[UNITS_MAX];
	int go[UNITS_MAX];
	for (int round = 0; round < UNITS_MAX; round++) {
		dg_states(st);
		int n = depgraph_startable(&graph, st, go, UNITS_MAX);
		int started = 0;
		for (int k = 0; k < n; k++) {
			struct svc *s = &svcs[go[k]];
			if (s->state == SVC_INACTIVE && !s->admin_stop) {
				svc_start(s);
				started++;
			}
		}
		/* unit_table that can never start (cycle, missing Requires) fail now */
		for (int i = 0; i < n_svcs; i++) {
			char why[DG_TEXT_MAX];
			if (svcs[i].state == SVC_INACTIVE && !svcs[i].admin_stop &&
			    depgraph_may_start(&graph, i, st, why, sizeof why) == DG_NEVER) {
				snprintf(svcs[i].why, sizeof svcs[i].why, "%s", why);
				log_err("service %s: cannot start: %s", svcs[i].u->name, why);
				svcs[i].state = SVC_FAILED;
				svcs[i].settled = 1;
				started++;
			}
		}
		if (!started)
			break;
	}
	busy = 0;
	check_boot();
}

/* ---- sd_notify ---- */

static struct svc *svc_of_pid(pid_t pid)
{
	char path[64], text[512];
	snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
	if (read_file(path, text, sizeof text) <= 0)
		return NULL;
	char *p = strstr(text, "0::/");
	if (!p)
		return NULL;
	p += 4;
	p[strcspn(p, "\n")] = '\0';
	for (int i = 0; i < n_svcs; i++) {
		const struct svc *s = &svcs[i];
		size_t l = strlen(s->scope.rel);
		/* the scope itself or a cgroup below it */
		if (s->have_scope && strncmp(p, s->scope.rel, l) == 0 &&
		    (p[l] == '\0' || p[l] == '/'))
			return &svcs[i];
	}
	return NULL;
}

static int on_notify(pid_t sender, char *msg, size_t len)
{
	(void)len;
	struct svc *s = svc_of_pid(sender);
	if (!s)
		return -ESRCH; /* said by the notify server, rate-limited */
	char v[128];
	if (notify_get(msg, "STATUS", v, sizeof v))
		snprintf(s->status_text, sizeof s->status_text, "%s", v);
	if (notify_get(msg, "MAINPID", v, sizeof v))
		log_info("service %s: MAINPID=%s noted (the supervised pid stays %d)", s->u->name,
			 v, s->pid);
	if (notify_get(msg, "READY", v, sizeof v) && strcmp(v, "1") == 0 &&
	    s->state == SVC_STARTING && !s->running_pre)
		became_ready(s, "READY=1");
	return 0;
}

/* ---- units without a process (svc_kinds.c) ---- */

static void kind_ready(struct svc *s, const char *how)
{
	s->state = SVC_STARTING;
	became_ready(s, how);
}

static void kind_failed(struct svc *s, const char *why)
{
	svc_failed(s, "%s", why);
}

/* A socket or a timer starts its service, unless it runs or was stopped
 * by the operator. */
static void kind_activate(const char *service, const char *by)
{
	struct svc *s = svc_find(service), *trigger = svc_find(by);
	if (power_pending() || (trigger && trigger->state != SVC_RUNNING))
		return; /* shutting down, or the socket or timer was stopped */
	if (!s || s->u->load_state != UNIT_LOADED) {
		log_warn("%s: its service %s is not loaded", by, service);
		return;
	}
	if (s->admin_stop || s->state == SVC_STARTING || s->state == SVC_RUNNING ||
	    s->state == SVC_STOPPING || s->state == SVC_RESTART_WAIT)
		return;
	s->state = SVC_INACTIVE;
	svc_start(s);
}

static const struct svc_kind_ops kind_ops = {kind_ready, kind_failed, kind_activate};

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
	queue[tail++] = (int)(s - svcs);
	seen[queue[0]] = 1;
	while (head < tail) {
		int i = queue[head++];
		int n = depgraph_bound_to(&graph, i, bound, UNITS_MAX);
		for (int k = 0; k < n; k++) {
			if (seen[bound[k]])
				continue;
			seen[bound[k]] = 1;
			queue[tail++] = bound[k];
			log_info("service %s: follows %s (PartOf=/BindsTo=)",
				 svcs[bound[k]].u->name, svcs[i].u->name);
			action(&svcs[bound[k]]);
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

static void stop_timeout(void *ctx)
{
	struct svc *s = ctx;
	if (s->state != SVC_STOPPING)
		return;
	log_warn("service %s: still running %llu ms after signal %d: killing its scope", s->u->name,
		 (unsigned long long)s->u->timeout_stop_ms, s->u->kill_signal);
	if (s->pid > 0 && s->have_scope)
		cg_kill(s->scope.path); /* the main pid's exit then removes the scope */
}

void svc_stop(struct svc *s)
{
	timer_cancel(&s->restart_timer);
	timer_cancel(&s->start_timer);
	switch (s->state) {
	case SVC_STARTING:
	case SVC_RUNNING:
		break;
	case SVC_RESTART_WAIT:
		s->state = SVC_STOPPING;
		if (!s->have_scope) { /* else after_scope_gone finishes the stop */
			log_info("service %s: stopped (was waiting to restart)", s->u->name);
			set_state(s, SVC_STOPPED);
		}
		return;
	case SVC_EXITED:
	case SVC_FAILED:
	case SVC_INACTIVE:
		set_state(s, SVC_STOPPED);
		return;
	case SVC_STOPPING:
	case SVC_STOPPED:
		return;
	}
	s->state = SVC_STOPPING;
	if (s->pid > 0) {
		log_info("service %s: stopping (signal %d to pid %d)", s->u->name,
			 s->u->kill_signal, s->pid);
		kill(s->pid, s->u->kill_signal);
		kill(s->pid, SIGCONT);
		timer_arm(&s->stop_timer, s->u->timeout_stop_ms, stop_timeout, s);
	} else {
		drop_scope(s);
	}
}

static void stop_next(void)
{
	enum dg_state st[UNITS_MAX];
	dg_states(st);
	for (int i = 0; i < n_svcs; i++) {
		struct svc *s = &svcs[i];
		if (s->state == SVC_STOPPING || s->state == SVC_STOPPED)
			continue;
		if (depgraph_may_stop(&graph, i, st) == DG_GO || graph.dead[i])
			svc_stop(s);
	}
}

static void check_stop_all(void)
{
	if (!stop_all_done)
		return;
	for (int i = 0; i < n_svcs; i++) {
		if (svcs[i].state != SVC_STOPPED) {
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
	for (int i = 0; i < n_svcs; i++)
		svcs[i].admin_stop = 1;
	check_stop_all();
}

/* ---- boot ---- */

static int is_required(const struct svc *s)
{
	if (strcmp(required, "all") == 0)
		return 1;
	if (strcmp(required, "none") == 0)
		return 0;
	char base[UNIT_NAME_MAX];
	svc_base_name(s, base, sizeof base);
	for (const char *p = required; *p;) {
		size_t n = strcspn(p, " ,");
		if ((n == strlen(base) && strncmp(p, base, n) == 0) ||
		    (n == strlen(s->u->name) && strncmp(p, s->u->name, n) == 0))
			return 1;
		p += n;
		p += strspn(p, " ,");
	}
	return 0;
}

static void check_boot(void)
{
	if (!boot_waiting)
		return;
	char failed[256] = "";
	size_t used = 0;
	for (int i = 0; i < n_svcs; i++) {
		const struct svc *s = &svcs[i];
		int ok = s->state == SVC_RUNNING || s->state == SVC_EXITED;
		if (!s->u->boot)
			continue; /* started by a socket, a timer or a request */
		if (!ok && !s->settled)
			return; /* still starting */
		if (!ok && is_required(s) && used < sizeof failed - 1)
			used += (size_t)snprintf(failed + used, sizeof failed - used, "%s%s (%s)",
						 used ? ", " : "", s->u->name, s->why);
	}
	boot_waiting = 0;
	step_result = used ? -EIO : 0;
	snprintf(step_reason, sizeof step_reason, "services failed: %.250s", failed);
	if (!in_step)
		boot_step_finished(step_result, used ? step_reason : NULL);
}

int svc_step_start(char *err, size_t errlen)
{
	/* a retry of the phase gives failed services another try */
	for (int i = 0; i < n_svcs; i++) {
		if (svcs[i].state == SVC_FAILED && !svcs[i].admin_stop) {
			svcs[i].state = SVC_INACTIVE;
			svcs[i].settled = 0;
			svcs[i].limit_since = 0;
		}
	}
	svc_tasks_apply(); /* the slices exist by now (InitHardware) */
	boot_waiting = 1;
	step_result = 0;
	in_step = 1;
	start_ready_ones();
	in_step = 0;
	if (boot_waiting)
		return 1; /* check_boot() finishes the step later */
	if (step_result < 0)
		snprintf(err, errlen, "%s", step_reason);
	return step_result;
}

/* ---- configuration and init ---- */

static int conf_key(const char *key, const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "instances") == 0) {
		char buf[1024];
		snprintf(buf, sizeof buf, "%s", value);
		n_instances = 0;
		for (char *save, *w = strtok_r(buf, " \t,", &save); w;
		     w = strtok_r(NULL, " \t,", &save)) {
			if (n_instances == MAX_INSTANCES || strlen(w) >= UNIT_NAME_MAX)
				return snprintf(err, errlen, "too many or too long"), -E2BIG;
			snprintf(instances[n_instances++], UNIT_NAME_MAX, "%s", w);
		}
		return 0;
	}
	if (strcmp(key, "services_tasks_max") == 0)
		return svc_tasks_conf(value, err, errlen);
	if (strcmp(key, "services_required") == 0) {
		snprintf(required, sizeof required, "%s", value);
		return 0;
	}
	if (strcmp(key, "services_dir") == 0) {
		if ((size_t)snprintf(services_dir, sizeof services_dir, "%s", value) >=
		    sizeof services_dir) {
			services_dir[0] = '\0';
			return snprintf(err, errlen, "path too long"), -ENAMETOOLONG;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -ENOENT;
}

void svc_register_config(void)
{
	config_register_keys("instances", conf_key);
	config_register_keys("services_", conf_key);
	svc_units_register_config();
}

void svc_init(void)
{
	char dir[512], logs[512];
	if (services_dir[0] == '/')
		path_fmt(dir, sizeof dir, "%s", services_dir);
	else /* relative to the configuration directory, like the default */
		path_fmt(dir, sizeof dir, "%s/%s", cfg.config_dir,
			 services_dir[0] ? services_dir : "services");
	run_path(logs, sizeof logs, "logs");
	mkdir_p(logs, 0755);
	const char *inst[MAX_INSTANCES];
	for (int i = 0; i < n_instances; i++)
		inst[i] = instances[i];
	struct unit_diag diag = {0};
	int n = svc_units_load(dir, inst, n_instances, unit_table, UNITS_MAX, &diag);
	n_svcs = n;
	svc_kinds_init(&kind_ops);
	depgraph_build(&graph, unit_table, n);
	for (int i = 0; i < n; i++) {
		struct svc *s = &svcs[i];
		s->u = &unit_table[i];
		s->last_status = -1;
		char base[UNIT_NAME_MAX];
		svc_base_name(s, base, sizeof base);
		/* its pipe may have come across a re-exec; else a new one */
		if (svclog_restore(&s->log, logs, base, s->u->name) < 0 &&
		    svclog_open(&s->log, logs, base) < 0)
			log_warn("service %s: no log capture", s->u->name);
		if (s->u->load_state != UNIT_LOADED) {
			snprintf(s->why, sizeof s->why, "%s", s->u->load_error);
			s->state = SVC_FAILED;
			s->settled = 1;
		}
	}
	log_info("services: %d loaded from %s (%d errors, %d warnings)", n, dir, diag.nerr,
		 diag.nwarn);
	svc_tasks_apply(); /* after a re-exec: for the services it restarts */
	if (notify_init(on_notify) < 0)
		log_err("notify socket unavailable: Type=notify services cannot signal readiness");
}
