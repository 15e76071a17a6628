/*
 * How a service's command runs: a fresh one-shot scope under the unit's
 * slice with its limits (RI2), and the command spawned into it (clone3
 * CLONE_INTO_CGROUP) with the unit's environment, credentials, limits and
 * sandboxing.
 */
#ifndef PACT_SVC_EXEC_H
#define PACT_SVC_EXEC_H

#include "os/cgroup.h"
#include "units/unit.h"

#include <sys/types.h>

/* What a spawn needs to know of the run besides the unit. */
struct svc_run {
	const struct unit *u;
	const char *invocation_id; /* 32 hex digits, new for each start */
	pid_t main_pid;		   /* for MAINPID= of control commands; 0: none */
	int keep_scope;		   /* a failed spawn leaves the scope (others run in it) */
};

/* A new scope named base (or base-N from *gen on, the next free one;
 * *gen is the generation taken). 0 or -errno. */
int svc_exec_scope(const struct unit *u, const char *base, struct cg_scope *scope, unsigned *gen);
/* Spawn e of the run's unit into scope, stdout and stderr on log_fd
 * (unless the unit says otherwise): 0 with *pid, or -errno (the scope is
 * destroyed then, RI5, unless run->keep_scope). */
int svc_exec_spawn(const struct svc_run *run, const struct unit_exec *e, struct cg_scope *scope,
		   int log_fd, pid_t *pid);

#endif
