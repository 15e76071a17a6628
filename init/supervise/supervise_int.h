/*
 * Internal to the supervisor (supervise.c, svc_stop.c, svc_boot.c, ...): the
 * table of services and the steps of the state machine that the files
 * share. Satellites outside these files use supervise.h only.
 */
#ifndef PACT_SUPERVISE_INT_H
#define PACT_SUPERVISE_INT_H

#include "supervise/supervise.h"
#include "units/depgraph.h"

/* The loaded units and their services, same index; svc_n of them. */
extern struct unit svc_units[UNITS_MAX];
extern struct svc svc_table[UNITS_MAX];
extern int svc_n;
extern struct depgraph svc_graph;

/* Each service's state as the dependency graph sees it. */
void svc_dg_states(enum dg_state *st);
/* Enter st, then let the boot verdict, the stop of all and the starts
 * that waited on s see it. */
void svc_set_state(struct svc *s, enum svc_state st);
/* The run failed for good: why is said, its scope dropped. */
void svc_failed(struct svc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Kill what is left of s's scope and remove it (asynchronously); then
 * restart with backoff or settle. */
void svc_drop_scope(struct svc *s);
void svc_became_ready(struct svc *s, const char *how);
/* Start every service whose dependencies allow it. */
void svc_start_ready(void);
/* The next command of the start (ExecStartPre=, ExecStart=,
 * ExecStartPost=), or ready when there is none left. */
void svc_start_next(struct svc *s);
/* Control command number from of kind: 0 spawned, -ENOENT when the list is
 * done, -errno (why set). */
int svc_run_ctl(struct svc *s, enum unit_cmd kind, int from);
/* A fresh scope for the next run (or for ExecStop= of an exited oneshot). */
int svc_make_scope(struct svc *s);
/* WATCHDOG=1 (usec 0) or WATCHDOG_USEC=: the watchdog waits anew. */
void svc_watchdog_ping(struct svc *s, uint64_t usec);
/* svc_main.c: Type=forking's ExecStart= exited 0: find the daemon (the
 * PIDFile=, else the only process of the scope) and go on. */
void svc_forking_exited(struct svc *s);
/* Conditions of u on this node: 1 hold, 0 skip, -1 an assertion failed. */
int svc_cond_check(const struct unit *u, char *why, size_t cap);
void svc_new_invocation_id(struct svc *s);
/* OOM kills of s's scope before it goes: 1 when the main process (status)
 * was the OOM killer's. */
int svc_note_oom_kills(struct svc *s, int status);
/* svc_follow.c: s->pid is the main process now (or 0): hold its pidfd;
 * the main process is gone: close it; signal it through it (0, or -errno,
 * -ESRCH: none); 1 when it runs outside the scope it was started in. */
void svc_follow_main(struct svc *s);
void svc_follow_drop(struct svc *s);
int svc_follow_signal(const struct svc *s, int sig);
int svc_follow_left_scope(const struct svc *s);
/* svc_outcome.c: the first command of a start; ExecCondition= ended
 * with status: 1 when it skipped the unit (settled as skipped). */
enum unit_cmd svc_first_start_cmd(const struct unit *u);
int svc_condition_skips(struct svc *s, int status);
/* A socket with ExecStartPre=/ExecStartPost= starts as a service does, its
 * bind where a service's ExecStart= is: done here once no ExecStart= is
 * left (a oneshot's too), then ExecStartPost=, then ready. */
int svc_kind_runs_cmds(const struct unit *u);
void svc_start_cmds_done(struct svc *s);
/* s entered st: when it failed for good, its FailureAction= and its
 * OnFailure= units; when it ended well, SuccessAction= and OnSuccess=; a
 * socket that listens drops the scope its commands ran in. */
void svc_on_end(struct svc *s, enum svc_state st);
/* svc_restart.c: did the run end cleanly (systemd's sense, with
 * SuccessExitStatus=)? Does Restart= apply to a run that ended with
 * status (-1: it could not start at all)? s->backoff_ms becomes the wait
 * before the next restart. Has the start limit been hit; a start that
 * counts against it. */
int svc_clean_exit(const struct unit *u, int status);
int svc_restart_wanted(const struct svc *s, int status);
void svc_backoff_step(struct svc *s);
int svc_start_limit_reached(const struct svc *s);
void svc_start_limit_count(struct svc *s);
/* svc_stop.c: an ExecStop= command ended: the next, or the kill. */
void svc_stop_continue(struct svc *s);
/* svc_boot.c: has the boot's StartServices step begun (units may start)? */
int svc_services_began(void);
/* svc_boot.c: a fresh record for the unit of slot i (its log opened or
 * carried across a re-exec). */
void svc_slot_init(int i);
/* svc_reload.c: a unit whose new definition waited for its next start
 * takes it now (from svc_start); a unit that daemon-reload removed
 * leaves the table once it is at rest (from svc_set_state). */
void svc_reload_before_start(struct svc *s);
void svc_reload_at_rest(struct svc *s);
/* Finish the boot step once every service is settled (svc_boot.c). */
void svc_check_boot(void);
/* Finish svc_stop_all once every service is stopped (svc_stop.c). */
void svc_check_stop_all(void);

#endif
