/*
 * The allocation table of the handoff server: one entry per allocation
 * (allocation_id, its namespace holder process and scope, the namespace
 * inodes, its uenv mount reference and the watch on its workload cgroup),
 * with the life cycle: mount the uenv (asynchronously) -> start the holder
 * -> complete it when it reports (never blocking the loop) -> live ->
 * released (on AllocationEnded, on its cgroup emptying (WI5), or when the
 * holder dies) -> freed once the holder is reaped and its scope removed.
 */
#ifndef PACT_ALLOC_H
#define PACT_ALLOC_H

#include "pact/handoff.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ALLOC_MAX		256   /* live allocations at once */
#define ALLOC_WAITERS		8     /* requests waiting for one allocation's creation */
#define ALLOC_CREATE_TIMEOUT_MS 10000 /* holder setup bound */
#define ALLOC_TEMPLATE_MAX	256
#define ALLOC_CGROUP_WAIT_S	600 /* default handoff.cgroup_wait_s */

/* The default of handoff.cgroup_template; {allocation_id} is replaced. */
#define HANDOFF_DEFAULT_CGROUP_TEMPLATE "workload.slice/alloc-{allocation_id}.scope"

/* A client connection as the table sees it: stale once the connection
 * closes; uid: its peer's (SO_PEERCRED), who an allocation it makes belongs to. */
struct handoff_ref {
	int idx;
	unsigned gen;
	uid_t uid;
};

#define ALLOC_OWNER_ANY ((uid_t)-1) /* restored from a state that did not say */

/*
 * What the table needs of the server that owns the connections, passed at
 * init (a unit test passes a fake one): reply sends m to ref if it is still
 * open, and always consumes the fds (nfds of them: sent, or closed);
 * push_ended sends AllocationEnded for id to every connected client (the
 * table released it on its own: WI5, or its holder died).
 */
struct alloc_port {
	void (*reply)(void *ctx, struct handoff_ref ref, const struct pact_handoff_msg *m, int *fds,
		      unsigned nfds);
	void (*push_ended)(void *ctx, const char *allocation_id);
	void *ctx;
};

/* Set up the table and the cgroup watch (WI5). */
int alloc_init(const struct alloc_port *port);
/* Carry the live allocations across a live re-exec (alloc_reexec.c): take
 * back what the previous image carried; call after alloc_init. */
int alloc_reexec_init(void);
/* handoff.cgroup_template: a relative cgroup path with {allocation_id}, for
 * the allocations made from now on. 0, or -EINVAL with err set. */
int alloc_set_cgroup_template(const char *tmpl, char *err, size_t errlen);
const char *alloc_cgroup_template(void);
/* handoff.cgroup_wait_s: how long a live allocation waits for its workload
 * cgroup to have a process before it is released (1..86400 s). 0, or
 * -EINVAL with err set. */
int alloc_set_cgroup_wait(const char *value, char *err, size_t errlen);
/* Handle a client's NamespaceRequest or AllocationEnded (node ready). */
void alloc_handle(struct handoff_ref ref, const struct pact_handoff_msg *m);
/* Allocations not yet released. */
size_t alloc_live_count(void);
/* Is allocation id in the table and not being released? */
int alloc_is_live(const char *id);
/* Live allocations that uid's requests made since this start (not those
 * carried across a re-exec), and those made through the connection ref. */
int alloc_made_by_uid(uid_t uid);
int alloc_made_through(struct handoff_ref ref);

/* One allocation as listed (pactctl allocations); valid during the callback. */
struct alloc_info {
	const char *id;
	const char *state; /* mounting, starting, live, releasing */
	pid_t holder_pid;  /* 0: none */
	unsigned n_ns;
	const enum pact_ns_type *ns;	       /* as requested */
	unsigned long long ino[PACT_NS_COUNT]; /* by type; 0: none, or not live yet */
	const char *uenv_image, *uenv_mount;   /* NULL: no mount reference held */
	const char *cgroup;		       /* the workload cgroup watched (WI5) */
	int cgroup_seen_populated;
	uid_t owner; /* ALLOC_OWNER_ANY: not known */
	uint64_t age_ms;
};
/* Call cb for each allocation in the table; stops at a non-zero result. */
int alloc_foreach(int (*cb)(void *ctx, const struct alloc_info *), void *ctx);

/* Pure helpers (unit-tested). */
/* tmpl with every "{allocation_id}" replaced by id. 0, -ENAMETOOLONG, -EINVAL. */
int alloc_cgroup_path(const char *tmpl, const char *id, char *out, size_t cap);
/*
 * The image path to mount for a request's uenv_image: an absolute path as
 * it is; a bare file name ("pytorch-2.5.sqfs") under root (the first
 * uenv.image_roots entry). Anything else (a relative path with '/', "." or
 * "..") is refused: -EINVAL with *why.
 */
int alloc_resolve_image(const char *req, const char *root, char *out, size_t cap, const char **why);

#endif
