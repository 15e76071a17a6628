/*
 * Waiting for a cgroup to empty (the handoff's WI5: an allocation's
 * namespaces go when its workload cgroup empties). A watch fires once the
 * cgroup went from populated to empty, never on a freeze (a frozen cgroup
 * keeps its processes), and when a cgroup that had been populated is
 * removed. It watches the cgroup's cgroup.events with inotify; a cgroup
 * that does not exist yet is waited for through its parent directory
 * (IN_CREATE) and a re-look every second, for a parent that is missing
 * too. Everything runs on the event loop; nothing blocks.
 */
#ifndef PACT_CGROUP_WATCH_H
#define PACT_CGROUP_WATCH_H

#include "os/cgroup.h"

#define CG_WATCH_MAX 64 /* watches at once (one per live allocation) */

struct cg_watch {
	char path[CG_PATH_MAX]; /* absolute */
	int seen_populated;	/* fire only after a populated -> empty change */
	/* called once, when it fires; the watch is removed first */
	void (*on_empty)(void *ctx, const char *why);
	void *ctx;
	/* the watcher's own */
	int wd;		 /* on its cgroup.events, -1 when none */
	int last_frozen; /* a change that only froze it is no emptying */
	int modified;	 /* cgroup.events changed since it was last read */
	int active;
};

/* The inotify instance, on the event loop. 0, or -errno (then no watch
 * ever fires: the owner says what that means). */
int cg_watch_init(void);
/* Start watching w (path, on_empty, ctx and seen_populated set by the
 * caller). -ENOSPC when CG_WATCH_MAX watches are active. */
int cg_watch_add(struct cg_watch *w);
/* Stop watching w (a no-op when it is not active). */
void cg_watch_remove(struct cg_watch *w);
/* Look at w's cgroup now, or at every active watch's; fire what emptied. */
void cg_watch_check(struct cg_watch *w);
void cg_watch_check_all(void);

#endif
