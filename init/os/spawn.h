/*
 * The spawner: start one process, directly in its cgroup (clone3 with
 * CLONE_INTO_CGROUP; fork + cgroup.procs where the kernel lacks it), with a
 * clean signal state, its own session, fds 0-2 and nothing else of ours,
 * and exec failures reported back as -errno through a CLOEXEC pipe.
 */
#ifndef PACT_SPAWN_H
#define PACT_SPAWN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SPAWN_LISTEN_MAX 32 /* fds passed by sd_listen_fds */

struct cg_ctx;
struct cg_scope;

struct spawn_req {
	const char *path;  /* executable; NULL = argv[0]. No PATH search. */
	char *const *argv; /* NULL-terminated; unused with child_fn */
	char *const *envp; /* NULL = empty environment */
	const char *cwd;   /* NULL = inherit */
	int set_ids;	   /* apply uid, gid, groups */
	uid_t uid;
	gid_t gid;
	size_t ngroups; /* supplementary groups (0: none) */
	const gid_t *groups;
	int stdio[3];	 /* fds dup'ed onto 0, 1, 2; -1 = /dev/null */
	uint64_t nofile; /* RLIMIT_NOFILE soft = hard; 0 = inherit */
	int set_oom_score_adj;
	int oom_score_adj;    /* when set; otherwise reset to 0 (PID 1 has -1000) */
	int cgroup_fd;	      /* scope dir fd; -1 = stay in our cgroup */
	uint64_t clone_flags; /* extra: CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS */
	/* run in the child before the ids change (as root): limits, scheduling,
	 * namespaces; async-signal-safe only. 0 or -errno (the spawn fails) */
	int (*setup_fn)(const void *arg);
	/* run in the child after the ids changed (capabilities to keep) */
	int (*post_ids_fn)(const void *arg);
	const void *setup_arg;	    /* for both */
	int (*child_fn)(void *arg); /* run this in the child instead of exec */
	void *child_arg;
	int want_pidfd;	     /* return a pidfd in the result */
	int force_fork;	     /* take the fork + cgroup.procs path (tests, bench) */
	int exec_timeout_ms; /* bound on waiting for exec; 0 = 10 s */
	/* sd_listen_fds: these fds become 3, 4, ... in the child, and the
	 * child writes its own pid at the end of listen_pid_env
	 * ("LISTEN_PID=" and room for the digits, an entry of envp) */
	const int *listen_fds;
	int n_listen_fds;
	char *listen_pid_env;
};

struct spawn_result {
	pid_t pid;
	int pidfd;	 /* -1 unless want_pidfd */
	int used_clone3; /* 1: clone3 path, 0: fork fallback */
};

/* Defaults: stdio -> /dev/null, no cgroup, everything else off. */
void spawn_req_init(struct spawn_req *req);

/* Start the process. Returns 0 with res filled once it has exec'd (or, with
 * child_fn, once it is set up), or -errno: the exec's errno when the exec
 * failed (the child is reaped here then), -ETIMEDOUT when it did not get to
 * exec in time (killed, reaped later by the event loop: it may be stuck in
 * D state). With child_fn, the child _exits with
 * child_fn's return value and keeps every fd of ours (it is our code). */
int spawn_process(const struct spawn_req *req, struct spawn_result *res);

/* RI2/RI5: spawn into scope (refused with -ESTALE if it was killed: scopes
 * are one-shot); on failure the scope is destroyed (after an exec timeout,
 * asynchronously through the event loop). Overrides req->cgroup_fd. */
int spawn_in_scope(struct cg_ctx *cg, struct cg_scope *scope, struct spawn_req *req,
		   struct spawn_result *res);

#endif
