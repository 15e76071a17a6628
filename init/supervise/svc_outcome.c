/*
 * What the outcome of a start decides beyond the service itself:
 * ExecCondition= (exit 0 goes on, 1-254 skips the unit like a false
 * Condition*=, 255 or a signal fails it).
 */
#include "lib/log.h"
#include "supervise/supervise_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

enum unit_cmd svc_first_start_cmd(const struct unit *u)
{
	if (u->n_exec[UNIT_CMD_CONDITION])
		return UNIT_CMD_CONDITION;
	return u->n_exec[UNIT_CMD_PRE] ? UNIT_CMD_PRE : UNIT_CMD_START;
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
