/*
 * Internal to the allocation table: its record and the few functions of
 * alloc.c that its satellite alloc_reexec.c (the table across a live
 * re-exec) uses. Calls go one way, from the satellite to alloc.c. Not an
 * API for anyone else: alloc.h is.
 */
#ifndef PACT_ALLOC_INT_H
#define PACT_ALLOC_INT_H

#include "handoff/alloc.h"
#include "lib/loop.h"
#include "os/cgroup.h"
#include "os/cgroup_watch.h"
#include "os/nsholder.h"
#include "os/uenv.h"

enum alloc_state {
	ALLOC_FREE = 0,
	ALLOC_MOUNTING, /* waiting for the uenv mount (worker child) */
	ALLOC_STARTING, /* holder cloned, waiting for its setup status */
	ALLOC_LIVE,
	ALLOC_RELEASING, /* holder killed; freed once reaped and its scope removed */
};

struct alloc_waiter {
	struct handoff_ref ref;
	unsigned n_ns;
	enum pact_ns_type ns[PACT_NS_COUNT];
};

struct alloc {
	enum alloc_state state;
	char id[PACT_HANDOFF_ALLOC_ID_MAX + 1];
	uid_t owner; /* the uid that asked for it: only it (and root) may use or end it */
	/* the connection whose request made it (bounds: handoff.max_allocations_per_uid,
	 * and no eviction of that connection); none for one carried across a re-exec */
	int has_maker;
	struct handoff_ref maker;
	unsigned n_ns;
	enum pact_ns_type ns[PACT_NS_COUNT];
	int has_uenv;				  /* the request named an image */
	char uenv_req[PACT_HANDOFF_PATH_MAX + 1]; /* as the client spelled it */
	int has_handle;				  /* we hold a mount reference */
	struct uenv_handle uh;
	struct nsholder h;
	int has_scope;
	struct cg_scope scope;
	int started; /* a holder process exists (to be reaped) */
	int reaped;
	struct timer create_timer;
	uint64_t created_ms;
	unsigned long long ino[PACT_NS_COUNT]; /* parallel to ns[] */
	struct cg_watch watch;		       /* WI5: its workload cgroup (absolute path) */
	struct timer cgroup_wait;	       /* bounds the wait for that cgroup's first process */
	int restore_uenv; /* carried across a re-exec: take the mount reference again */
	/* requests waiting for creation, and AllocationEnded received meanwhile */
	unsigned nw;
	struct alloc_waiter w[ALLOC_WAITERS];
	unsigned nend;
	struct handoff_ref endw[ALLOC_WAITERS];
};

/* handoff.cgroup_wait_s (alloc_paths.c). */
unsigned alloc__cgroup_wait_s(void);
/* Slot i of the table (0 <= i < ALLOC_MAX), NULL beyond. */
struct alloc *alloc__at(int i);
/* A free slot, now counted among the taken ones (alloc.c's loops reach
 * it), or NULL when all ALLOC_MAX are in use. */
struct alloc *alloc__take_free(void);
/* Release a live allocation; push = it was our decision (WI5, holder died):
 * AllocationEnded goes to every client. */
void alloc__release(struct alloc *a, const char *why, int push);
/* The holder was reaped (a loop_watch_child callback; ctx: the allocation). */
void alloc__on_reap(void *ctx, pid_t pid, int status);
/* Watch a live allocation's workload cgroup (WI5): it is released when the
 * cgroup empties, or when it has had no process within
 * handoff.cgroup_wait_s. 0, or -ENOSPC. */
int alloc__watch(struct alloc *a);

#endif
