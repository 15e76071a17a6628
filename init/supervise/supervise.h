/*
 * The service supervisor: units from <config>/services started in
 * dependency order, each in its own one-shot cgroup scope (RI2), with
 * readiness per Type=, restart policies with backoff, stop in reverse
 * order with KillSignal, a grace and cgroup.kill (PS3), and log capture.
 *
 * Its satellites (supervise_reexec.c, ctl/services.c) see the services
 * through this narrow API: svc_count/svc_at/svc_find to reach a record
 * (read its fields, do not write them), and the functions below to drive
 * it. The state machine itself is supervise.c's alone.
 */
#ifndef PACT_SUPERVISE_H
#define PACT_SUPERVISE_H

#include "lib/loop.h"
#include "os/cgroup.h"
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
	SVC_SKIPPED, /* a Condition*= was false: not started, not a failure */
};

struct svc {
	struct unit *u;
	enum svc_state state;
	pid_t pid;	   /* the main process; 0: none */
	int pidfd;	   /* its pidfd (svc_follow.c), valid while pidfd_pid > 0 */
	pid_t pidfd_pid;   /* the pid pidfd was opened for; 0: no pidfd */
	int final_sent;	   /* the stop sent FinalKillSignal= (the SIGKILL comes next) */
	pid_t ctl_pid;	   /* the control command running (ExecStartPre...); 0: none */
	int ctl_kind;	   /* enum unit_cmd: the list being run */
	int cmd_next;	   /* the next command of that list */
	int in_stop_post;  /* ExecStopPost= ran (or runs) for this scope */
	int reached_ready; /* this run got ready: ExecStop= applies */
	int timed_out;	   /* 1: TimeoutStartSec, 2: WatchdogSec killed this run */
	int pidfile_tries; /* Type=forking: waits for the PIDFile= so far */
	char invocation_id[33];
	struct cg_scope scope; /* the current run's (have_scope) */
	int have_scope;
	unsigned scope_gen; /* generation of scope: base-<scope_gen>.scope */
	int scope_dying;    /* scope is being killed and removed (asynchronously) */
	unsigned gen;	    /* the next start's generation */
	unsigned restarts;
	uint64_t oom_kills; /* seen in scopes that are gone (memory.events oom_kill) */
	uint64_t backoff_ms;
	uint64_t started_ms;
	uint64_t limit_since; /* the start limit's window began (0: not yet) */
	unsigned limit_starts;
	int last_status; /* wait status; -1 never exited */
	int settled;	 /* boot: ready, or failed at least once */
	int admin_stop;	 /* stopped by request: no restart */
	int restart_after_stop;
	int end_depth; /* started by another unit's OnFailure=/OnSuccess= chain this deep */
	struct timer start_timer, stop_timer, restart_timer, watchdog_timer, pidfile_timer;
	struct svclog log;
	char status_text[128];
	char why[512]; /* last failure */
};

/* Claim the init.conf keys `instances`, `services_required` and
 * `services_dir` (before the file is read). */
void svc_register_config(void);
/* Load the units, open their logs (or take the pipes a re-exec carried),
 * bind the notify socket. */
void svc_init(void);

/* The loaded services, in unit order; svc_find takes "chronyd" or
 * "chronyd.service". NULL when out of range or unknown. */
int svc_count(void);
struct svc *svc_at(int i);
struct svc *svc_find(const char *name);
/* "running", "stopped", ... for pactctl and the metrics. */
const char *svc_state_name(enum svc_state st);

/* Is s one of services_required? How many not required have failed
 * (the node is ready but degraded)? */
int svc_is_required(const struct svc *s);
int svc_degraded(void);
/* The StartServices boot step: start every boot service in dependency
 * order; finished when each is ready or has failed. */
int svc_step_start(char *err, size_t errlen);
/* The shutdown hook: stop every service in reverse dependency order. */
void svc_stop_all(void (*done)(void));

/* Start s (from INACTIVE, or the next command while STARTING): 0 or -errno,
 * with s->why set. */
int svc_start(struct svc *s);
/* Stop s: ExecStop=, KillSignal as KillMode= says, TimeoutStopSec, then
 * cgroup.kill of its scope (control-group, mixed). */
void svc_stop(struct svc *s);
/* ExecReload= of a running service: 0, or -errno with why in err. */
int svc_reload(struct svc *s, char *err, size_t cap);
/* The operator's start, stop and restart (pactctl): they also decide
 * whether a restart policy still applies. start: 0 or -errno, s->why set. */
int svc_admin_start(struct svc *s);
void svc_admin_stop(struct svc *s);
void svc_admin_restart(struct svc *s);
/* Watch s->pid: its exit goes through the supervisor's exit handling. */
void svc_watch(struct svc *s);

/* Where s's main process is now, relative to the cgroup root (it may have
 * left its scope: "system.slice/node_slurmstepd.scope/slurmd"), read
 * through its pidfd (svc_follow.c): 0, or -errno (-ESRCH: none). */
int svc_follow_cgroup(const struct svc *s, char *out, size_t cap);

/* "exited with status N", "killed by signal N (name)" */
void svc_describe_status(int status, char *buf, size_t cap);
/* "chronyd.service" -> "chronyd": the scope and log name */
void svc_base_name(const struct svc *s, char *out, size_t cap);

/* Live re-exec (supervise_reexec.c): carry each service's state and log
 * pipe; restore them after svc_init. When the state was lost, the
 * "adopt services" boot step takes running services back from their
 * scopes before StartServices starts anything. */
void svc_reexec_init(void);
int svc_step_adopt(char *err, size_t errlen);

#endif
