/*
 * Internal to the supervisor (supervise.c) and its control commands
 * (supervise_ctl.c): the per-service state machine's record and the few
 * functions the commands drive it with. Not an API for anyone else.
 */
#ifndef PACT_SUPERVISE_INT_H
#define PACT_SUPERVISE_INT_H

#include "os/cgroup.h"
#include "lib/loop.h"
#include "supervise/svclog.h"
#include "units/unit.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum svc_state {
	SVC_INACTIVE = 0,
	SVC_STARTING,
	SVC_RUNNING,
	SVC_EXITED, /* a oneshot that finished well */
	SVC_STOPPING,
	SVC_RESTART_WAIT,
	SVC_FAILED,
	SVC_STOPPED,
};

struct svc {
	struct unit *u;
	enum svc_state state;
	pid_t pid;
	int pre_next;	 /* next ExecStartPre to run; n_pre: ExecStart */
	int running_pre; /* pid is an ExecStartPre */
	struct cg_scope scope;
	int have_scope;
	unsigned gen;
	unsigned restarts;
	uint64_t oom_kills; /* seen in scopes that are gone (memory.events oom_kill) */
	uint64_t backoff_ms;
	uint64_t started_ms;
	int last_status; /* wait status; -1 never exited */
	int settled;	 /* boot: ready, or failed at least once */
	int admin_stop;	 /* stopped by request: no restart */
	int restart_after_stop;
	struct timer start_timer, stop_timer, restart_timer;
	struct svclog log;
	char status_text[128];
	char why[512]; /* last failure */
};

extern const char *const svc_state_names[]; /* indexed by enum svc_state */

/* The loaded units and their services, same index; sv_n of them. */
extern struct unit sv_units[UNITS_MAX];
extern struct svc sv_svcs[UNITS_MAX];
extern int sv_n;

/* Start s (from INACTIVE, or the next command while STARTING): 0 or -errno,
 * with s->why set. */
int svc_start(struct svc *s);
/* Stop s: KillSignal, TimeoutStopSec, then cgroup.kill of its scope. */
void svc_stop(struct svc *s);
/* "exited with status N", "killed by signal N (name)" */
void svc_describe_status(int status, char *buf, size_t cap);
/* Watch s->pid: its exit goes through the supervisor's exit handling. */
void svc_watch(struct svc *s);
/* "chronyd.service" -> "chronyd": the scope and log name */
void svc_base_name(const struct svc *s, char *out, size_t cap);
/* Live re-exec (supervise_reexec.c): take the log pipe of a service that
 * came across (0) or say there is none (-1); restore the carried services;
 * adopt running services from their scopes when the state was lost. */
int svc_log_restore(struct svc *s, const char *dir, const char *base);
void svc_reexec_restore(void);
void svc_adopt_all(void);

#endif
