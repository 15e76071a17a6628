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

void svc_admin_stop(struct svc *s)
{
	s->admin_stop = 1;
	s->restart_after_stop = 0;
	svc_stop(s);
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
			svc_set_state(s, SVC_STOPPED);
		}
		return;
	case SVC_EXITED:
	case SVC_FAILED:
	case SVC_INACTIVE:
		svc_set_state(s, SVC_STOPPED);
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
		svc_drop_scope(s);
	}
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
