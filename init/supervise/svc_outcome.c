/*
 * What the outcome of a start decides beyond the service itself:
 * ExecCondition= (exit 0 goes on, 1-254 skips the unit like a false
 * Condition*=, 255 or a signal fails it); OnFailure= and OnSuccess=
 * (the units started when a unit fails for good or ends well),
 * FailureAction= and SuccessAction= (the node shuts down then); a
 * socket's ExecStartPre= and ExecStartPost= around its bind.
 */
#include "lib/log.h"
#include "node/power.h"
#include "supervise/supervise_int.h"
#include "supervise/svc_kinds_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

enum unit_cmd svc_first_start_cmd(const struct unit *u)
{
	if (u->n_exec[UNIT_CMD_CONDITION])
		return UNIT_CMD_CONDITION;
	return u->n_exec[UNIT_CMD_PRE] ? UNIT_CMD_PRE : UNIT_CMD_START;
}

int svc_kind_runs_cmds(const struct unit *u)
{
	return u->kind == UNIT_KIND_SOCKET && (u->n_exec[UNIT_CMD_PRE] || u->n_exec[UNIT_CMD_POST]);
}

void svc_start_cmds_done(struct svc *s)
{
	int sock = s->u->kind == UNIT_KIND_SOCKET;
	char why[256] = "";
	if (sock && svc_socket_open(s->u, why, sizeof why) < 0) {
		svc_failed(s, "%s", why);
		return;
	}
	s->ctl_kind = UNIT_CMD_START; /* ExecStartPost= next */
	svc_became_ready(s, sock ? "listening" : "finished");
}

int svc_condition_skips(struct svc *s, int status)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 255)
		return 0; /* 0 goes on; 255 and signals fail as any command does */
	const struct unit_exec *e = &s->u->exec[UNIT_CMD_CONDITION][s->cmd_next - 1];
	snprintf(s->why, sizeof s->why, "skipped: ExecCondition= %.200s exited with status %d",
		 e->path, WEXITSTATUS(status));
	log_info("service %s: %s", s->u->name, s->why);
	svclog_note(&s->log, s->why);
	timer_cancel(&s->start_timer);
	s->settled = 1;
	s->state = SVC_SKIPPED; /* not a failure, as a false Condition*= */
	svc_drop_scope(s);
	svc_set_state(s, SVC_SKIPPED);
	return 1;
}

/* A unit started by an end that ends the same way starts others, and so on:
 * a chain this long stops there (a handler that fails, OnFailure= of each
 * other), so that no pair of units starts each other forever. */
#define END_CHAIN_MAX 4

static int is_active(const struct svc *t)
{
	return t->state == SVC_STARTING || t->state == SVC_RUNNING ||
	       t->state == SVC_RESTART_WAIT || t->state == SVC_STOPPING;
}

/* FailureAction=/SuccessAction=: said loudly, then the node's own
 * shutdown (stops every service, bounded; --no-reboot ends pact-init). */
static void end_action(const struct svc *s, int failed)
{
	static const enum power_action to_power[] = {
	    [UNIT_ACTION_NONE] = POWER_NONE,
	    [UNIT_ACTION_REBOOT] = POWER_REBOOT,
	    [UNIT_ACTION_POWEROFF] = POWER_OFF,
	    [UNIT_ACTION_HALT] = POWER_HALT,
	};
	enum unit_end_action a = failed ? s->u->failure_action : s->u->success_action;
	if (a == UNIT_ACTION_NONE)
		return;
	char why[UNIT_NAME_MAX + 64];
	snprintf(why, sizeof why, "%s %s (%s=)", s->u->name, failed ? "failed" : "succeeded",
		 failed ? "FailureAction" : "SuccessAction");
	log_err("service %s: %s=: the node goes down: %s", s->u->name,
		failed ? "FailureAction" : "SuccessAction", power_action_name(to_power[a]));
	power_request(to_power[a], why);
}

void svc_on_end(struct svc *s, enum svc_state st)
{
	int failed = st == SVC_FAILED;
	/* ended well: a oneshot's commands done, or a run that exited cleanly */
	int good = st == SVC_EXITED || (st == SVC_STOPPED && !s->admin_stop);
	const struct unit_names *l = failed ? &s->u->on_failure : &s->u->on_success;
	const char *key = failed ? "OnFailure" : "OnSuccess";
	int depth = s->end_depth;
	if (st == SVC_RUNNING && s->u->kind == UNIT_KIND_SOCKET && s->have_scope)
		svc_drop_scope(s); /* its ExecStartPre=/Post= ran there; listening needs none */
	if ((!failed && !good) || power_pending())
		return;
	end_action(s, failed);
	if (!l->n || power_pending())
		return;
	s->end_depth = 0; /* one end spends it: a start by hand begins anew */
	if (depth >= END_CHAIN_MAX) {
		log_warn("service %s: %s= not followed: %d units in a row started by each other's "
			 "end",
			 s->u->name, key, depth);
		return;
	}
	for (int i = 0; i < l->n; i++) {
		struct svc *t = svc_find(l->name[i]);
		if (!t || t == s) {
			log_warn("service %s: %s=%s: %s", s->u->name, key, l->name[i],
				 t ? "itself, not started again" : "no such unit loaded");
			continue;
		}
		if (is_active(t))
			continue; /* as systemd's start job on an active unit: nothing */
		log_notice("service %s: %s: starting %s", s->u->name,
			   failed ? "failed (OnFailure=)" : "succeeded (OnSuccess=)", t->u->name);
		t->end_depth = depth + 1;
		svc_admin_start(t);
	}
}
