/*
 * Whether a service that ended runs again, and how soon: Restart= and the
 * exit statuses that decide it (SuccessExitStatus=,
 * RestartPreventExitStatus=, RestartForceExitStatus=), the backoff
 * between restarts, and the start limit (StartLimitBurst=,
 * StartLimitIntervalSec=). Pure decisions on a service's record and the
 * clock; the state machine that acts on them is supervise.c.
 */
#include "lib/loop.h"
#include "node/power.h"
#include "supervise/supervise_int.h"
#include "units/unit.h"

#include <signal.h>
#include <sys/wait.h>

#define BACKOFF_CAP_MS 60000u
#define STABLE_RUN_MS  10000u /* a run this long resets the restart backoff */
/* no restart comes sooner than this after the end of a run (RestartSec=0
 * too): a service that dies at once cannot keep the loop busy */
#define RESTART_MIN_MS 100u

/* systemd's clean end: exit 0 (any code with "-" on ExecStart=) or a
 * SuccessExitStatus=, or SIGHUP, SIGINT, SIGTERM, SIGPIPE. */
int svc_clean_exit(const struct unit *u, int status)
{
	if (unit_exit_set_has(&u->success_status, status))
		return 1;
	if (WIFEXITED(status)) /* "-" on ExecStart=: its exit code does not count */
		return WEXITSTATUS(status) == 0 ||
		       (u->n_exec[UNIT_CMD_START] &&
			(u->exec[UNIT_CMD_START][0].flags & UNIT_EXEC_IGNORE_FAILURE));
	if (WIFSIGNALED(status)) {
		int g = WTERMSIG(status);
		return g == SIGHUP || g == SIGINT || g == SIGTERM || g == SIGPIPE;
	}
	return 0;
}

/* RestartPreventExitStatus= wins over everything, then
 * RestartForceExitStatus=; a timeout (s->timed_out) is abnormal. */
int svc_restart_wanted(const struct svc *s, int status)
{
	const struct unit *u = s->u;
	if (s->admin_stop || power_pending())
		return 0;
	if (status != -1 && unit_exit_set_has(&u->restart_prevent, status))
		return 0;
	if (status != -1 && unit_exit_set_has(&u->restart_force, status))
		return 1;
	int clean = status != -1 && !s->timed_out && svc_clean_exit(u, status);
	int sig = status != -1 && WIFSIGNALED(status) && !clean;
	switch (u->restart) {
	case UNIT_RESTART_ALWAYS:
		return 1;
	case UNIT_RESTART_ON_SUCCESS:
		return clean;
	case UNIT_RESTART_ON_FAILURE:
		return !clean;
	case UNIT_RESTART_ON_ABNORMAL:
		return sig || s->timed_out;
	case UNIT_RESTART_ON_ABORT:
		return sig;
	case UNIT_RESTART_ON_WATCHDOG:
		return s->timed_out == 2;
	case UNIT_RESTART_NO:
		break;
	}
	return 0;
}

/* RestartSec= (at least RESTART_MIN_MS) after a run that lasted, else
 * twice the last wait, up to BACKOFF_CAP_MS: a crash loop slows down. */
void svc_backoff_step(struct svc *s)
{
	uint64_t ran = elapsed(s->started_ms, now_ms());
	if (ran >= STABLE_RUN_MS || s->backoff_ms == 0)
		s->backoff_ms =
		    s->u->restart_ms > RESTART_MIN_MS ? s->u->restart_ms : RESTART_MIN_MS;
	else
		s->backoff_ms =
		    s->backoff_ms * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : s->backoff_ms * 2;
}

/*
 * systemd's start limit: after StartLimitBurst= starts within
 * StartLimitIntervalSec=, the next one is refused (the service fails for
 * good; pactctl start or restart, or a boot retry, begins anew). A start
 * counts once its first process was spawned: one that could not get a
 * scope or a process (a passing shortage) is not a crash loop.
 */
int svc_start_limit_reached(const struct svc *s)
{
	const struct unit *u = s->u;
	return u->start_limit_ms && u->start_limit_burst && s->limit_since &&
	       elapsed(s->limit_since, now_ms()) < u->start_limit_ms &&
	       s->limit_starts >= u->start_limit_burst;
}

void svc_start_limit_count(struct svc *s)
{
	uint64_t now = now_ms();
	if (!s->limit_since || elapsed(s->limit_since, now) >= s->u->start_limit_ms) {
		s->limit_since = now;
		s->limit_starts = 0;
	}
	s->limit_starts++;
}
