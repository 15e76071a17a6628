/*
 * The cgroup v2 manager: the provider side of the contract's CgroupManager.
 * It owns the cgroup2 mount, the slice hierarchy (pact.slice/... and
 * workload.slice), the ownership rule (RI1, RI3), one-shot scopes with their
 * limits, scope destruction (cgroup.kill, wait for empty, rmdir; zombie
 * scopes, F30) and metrics reads (RI6).
 *
 * Paths: a cg_ctx holds the cgroup2 root (default /sys/fs/cgroup). Paths
 * given to the ctx-taking functions are relative to that root
 * ("pact.slice/infra.slice") or absolute under it. The low-level kill, wait
 * and remove helpers take absolute paths.
 */
#ifndef PACT_CGROUP_H
#define PACT_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

#include "pact/contract.h"

#define CG_DEFAULT_ROOT "/sys/fs/cgroup"
#define CG_PATH_MAX	512
/* a scope name is at most this many characters, before ".scope" */
#define CG_NAME_MAX    100
#define CG_IO_MAX_DEVS 4
/* bound on waiting for a killed scope to empty (contract: 10 s) */
#define CG_DESTROY_TIMEOUT_MS 10000
/* concurrent asynchronous destroys (fixed table) */
#define CG_ASYNC_MAX 32
/* cgroup depth walked when enumerating or removing a subtree */
#define CG_WALK_DEPTH 16

struct cg_ctx {
	char root[CG_PATH_MAX]; /* cgroup2 mount point, no trailing '/' */
	int emergency;		/* RI3: writes under workload.slice allowed */
	char reason[128];	/* why the emergency was declared */
	int destroy_timeout_ms; /* wait for a killed scope to empty; 0 = CG_DESTROY_TIMEOUT_MS */
};

/* One io.max entry. 0 means "max" (unlimited) for that direction. */
struct cg_io_limit {
	unsigned major, minor;
	uint64_t rbps, wbps;
};

/* Limits of a scope; zero-initialised means none (the contract's default). */
struct cg_limits {
	uint64_t memory_max; /* bytes -> memory.max; 0 = unset */
	uint32_t cpu_weight; /* 1..10000 -> cpu.weight; 0 = unset */
	uint64_t pids_max;   /* -> pids.max; 0 = unset */
	unsigned n_io;	     /* entries used in io[] */
	struct cg_io_limit io[CG_IO_MAX_DEVS];
};

/* A created scope. One-shot: once killed it is never spawned into again. */
struct cg_scope {
	char rel[CG_PATH_MAX];	/* relative to the root: <parent>/<name>.scope */
	char path[CG_PATH_MAX]; /* absolute */
	int dirfd;		/* O_PATH|O_DIRECTORY, for CLONE_INTO_CGROUP; -1 when closed */
	int killed;		/* cgroup.kill written: never spawn into it again */
	int zombie;		/* could not be emptied (F30): never reuse */
};

/* Read from a cgroup; a file that is missing (controller off) reads as 0/none. */
struct cg_metrics {
	uint64_t memory_current;
	uint64_t memory_max; /* valid when memory_max_set */
	int memory_max_set;  /* 0: "max" or no memory controller */
	uint64_t cpu_usage_usec;
	uint32_t nr_processes; /* lines of this cgroup's own cgroup.procs */
	uint64_t pids_current; /* valid when pids_set: tasks here and below */
	int pids_set;	       /* 0: no pids controller */
	uint64_t oom_kills;    /* memory.events oom_kill */
	int populated;	       /* cgroup.events: recursive */
};

/* --- context, mount, hierarchy (cgroup.c) --- */

/* root NULL = CG_DEFAULT_ROOT. Returns 0 or -EINVAL/-ENAMETOOLONG. */
int cg_ctx_init(struct cg_ctx *cg, const char *root);
/* 1 if path is a cgroup2 mount (statfs magic), 0 if not, -errno. */
int cg_is_cgroup2(const char *path);
/* Mount cgroup2 at root unless it is one already: nsdelegate and
 * memory_recursiveprot, retried without the options the kernel refuses. */
int cg_mount(const char *root);
/* Enable cpu, memory, io, pids in dir's subtree_control, each on its own and
 * only if dir's cgroup.controllers lists it. Returns how many are enabled. */
int cg_enable_controllers(const char *dir);
/* Idempotent: pact.slice/{infra,network,gpu,audit}.slice and workload.slice,
 * controllers enabled level by level. */
int cg_create_hierarchy(struct cg_ctx *cg);

/* --- ownership (RI1, RI3) --- */

/* Owner of path by whole path components. Absolute paths are judged relative
 * to root (may be NULL: then absolute paths have no owner). Pure. */
enum pact_slice_owner cg_slice_owner(const char *root, const char *path);
/* "Pact", "Workload" or "none", as the contract's SliceOwner spells them. */
const char *cg_owner_name(enum pact_slice_owner o);
/* May we write (create, destroy, write files) at path? 0, or -EPERM with a
 * log line naming path and owner. In an emergency each override is logged. */
int cg_check_write(struct cg_ctx *cg, const char *path, const char *action);
/* Write value to path/file (e.g. cgroup.freeze) under the ownership rule.
 * file must be a plain name. 0 or -errno (logged). */
int cg_write(struct cg_ctx *cg, const char *path, const char *file, const char *value);
/* Declare (on=1) or end an emergency; logged before it takes effect. */
void cg_set_emergency(struct cg_ctx *cg, int on, const char *reason);

/* --- scopes --- */

/* 0 or -EINVAL with *why set to a short reason. Pure. */
int cg_validate_name(const char *name, const char **why);
/* 0 or -EINVAL if w is outside 1..10000. Pure. */
int cg_validate_cpu_weight(uint32_t w);
/* 0 or -EINVAL with *why. Pure. */
int cg_validate_limits(const struct cg_limits *l, const char **why);
/* "MAJ:MIN rbps=N wbps=N" (0 -> "max"). Returns length or -ENAMETOOLONG. Pure. */
int cg_format_io_line(char *buf, size_t cap, const struct cg_io_limit *l);
/* MAJ:MIN of a block device node (st_rdev). -ENOTBLK if path is not one. */
int cg_dev_of_path(const char *path, unsigned *major, unsigned *minor);
/* Name of generation gen of a scope: base for 0, "base-<gen>" after. Pure. */
int cg_scope_name(char *buf, size_t cap, const char *base, unsigned gen);

/* Make <parent>/<name>.scope, open its fd, write limits. -EEXIST if it exists
 * (scopes are one-shot). On any failure after mkdir the scope is removed (RI5). */
int cg_create_scope(struct cg_ctx *cg, const char *parent, const char *name,
		    const struct cg_limits *lim, struct cg_scope *out);
/* As cg_create_scope, trying base, base-1, base-2 ... from *gen on; *gen is
 * left at the generation used, so a restart passes *gen + 1. */
int cg_create_scope_fresh(struct cg_ctx *cg, const char *parent, const char *base,
			  const struct cg_limits *lim, struct cg_scope *out, unsigned *gen);
/* A handle for an existing cgroup (relative or absolute path below the root),
 * e.g. to destroy a workload scope in an emergency. -ENOENT if missing; -EINVAL
 * if path is outside the root. */
int cg_scope_open(const struct cg_ctx *cg, const char *path, struct cg_scope *out);
/* The fd to clone into, or -ESTALE (logged) if the scope was killed or is a zombie. */
int cg_scope_spawn_fd(const struct cg_scope *s);
void cg_scope_close(struct cg_scope *s);

/* --- metrics (RI6: any path, no ownership check) --- */

int cg_read_metrics(const struct cg_ctx *cg, const char *path, struct cg_metrics *out);
/* 1 if nothing runs in path or below (cgroup.events populated 0), 0 if not, -errno. */
int cg_is_empty(const struct cg_ctx *cg, const char *path);
/* cb for every "*.scope" cgroup below rel, depth-first (bounded depth); a
 * non-zero return of cb stops the walk and is returned. Read-only (RI6). */
int cg_for_each_scope(const struct cg_ctx *cg, const char *rel,
		      int (*cb)(void *ctx, const char *rel), void *ctx);
/* path relative to the root or absolute -> absolute. -EINVAL on ".." components. */
int cg_abs_path(const struct cg_ctx *cg, const char *path, char *buf, size_t cap);

/* Parsers of cgroup flat-keyed files ("key value\n"...). Pure. */
int cg_parse_keyed(const char *text, const char *key, uint64_t *out);
/* memory.max style: 1 and *out for a number, 0 for "max", -EINVAL otherwise. */
int cg_parse_max(const char *text, uint64_t *out);
uint32_t cg_count_lines(const char *text);

/* RI4: oom_score_adj -1000 for ourselves. path NULL = /proc/self/oom_score_adj. */
int cg_oom_protect(const char *path);

/* --- destroy (cgroup_kill.c), absolute paths --- */

/* cgroup.kill; when the kernel has none, cg_kill_fallback. */
int cg_kill(const char *path);
/* Freeze, SIGKILL every pid in path and below, always thaw. */
int cg_kill_fallback(const char *path);
/* Wait until cgroup.events says populated == want: inotify + poll, bounded.
 * 0, -ETIMEDOUT or -errno. */
int cg_wait_populated(const char *path, int want, int timeout_ms);
/* Call cb for every pid in path and its descendants (bounded depth).
 * A non-zero return of cb stops the walk and is returned. */
int cg_for_each_pid(const char *path, int (*cb)(void *ctx, pid_t pid), void *ctx);
/* rmdir path and any child cgroups, retrying EBUSY a bounded number of times,
 * each retry waiting on cgroup.events. A missing path is success. */
int cg_scope_remove(const char *path);
/* The bound on waiting for a killed scope (cg->destroy_timeout_ms or 10 s). */
int cg_destroy_timeout(const struct cg_ctx *cg);
/* Kill, wait (10 s bound), remove. On timeout: -ETIMEDOUT, s->zombie set and
 * the stuck pids logged (F30). Closes s->dirfd. */
int cg_destroy_scope(struct cg_ctx *cg, struct cg_scope *s);
/* Like cg_destroy_scope without blocking: the wait runs in the event loop
 * (init/loop.h), done(ctx, 0 or -errno) is called from the loop, never from
 * here. -EAGAIN when CG_ASYNC_MAX destroys are already in flight. */
typedef void (*cg_done_cb)(void *ctx, int result);
int cg_destroy_async(struct cg_ctx *cg, struct cg_scope *s, cg_done_cb done, void *ctx);
/* Number of asynchronous destroys in flight, and of zombie scopes seen. */
int cg_async_pending(void);
int cg_zombie_count(void);

#endif
