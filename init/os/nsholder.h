/*
 * The namespace holder: one tiny process per allocation that owns the
 * allocation's new pid/net/mount namespaces and keeps them alive. It is
 * created with clone3 (CLONE_NEWPID as requested, optionally
 * CLONE_INTO_CGROUP into a pact-owned scope) and unshares the new net and
 * mount namespaces itself (their setup is its time, not the caller's), is
 * PID 1 of the new pid namespace and reaps the orphans there, makes mount
 * propagation slave
 * (nothing leaks back to the host; host mounts such as uenv binds still
 * propagate in), and otherwise only waits. It dies with SIGKILL (the
 * scope's cgroup.kill), and with its parent (PR_SET_PDEATHSIG).
 *
 * Creation is split so the event loop never blocks: nsholder_start() does
 * the clone3 and returns a sync fd that hangs up (EPOLLRDHUP) when the
 * holder has set itself up and written its status; nsholder_complete() then
 * reads the status and opens the namespace fds. nsholder_spawn() does both
 * with a bounded wait, for callers that may block briefly.
 */
#ifndef PACT_NSHOLDER_H
#define PACT_NSHOLDER_H

#include <sys/types.h>

#include "pact/contract.h"

struct nsholder;

/* Hook run by the parent once the holder is ready, e.g. bring `lo` up via netlink. */
typedef int (*nsholder_net_hook)(void *ctx, const struct nsholder *h, int netns_fd);

struct nsholder_config {
	const char *proc_root;	     /* NULL: "/proc" */
	int cgroup_fd;		     /* >= 0: clone3 CLONE_INTO_CGROUP into this directory */
	nsholder_net_hook net_setup; /* NULL: none; called only if Net was requested */
	void *net_ctx;
	int ready_timeout_ms; /* nsholder_spawn's bound on the holder's setup; 0: 5000 */
	/* With Mount: below this directory the new mount namespace keeps only
	 * mnt_keep (NULL: nothing) and gets no later mount (the directory is
	 * made private there): the uenv base, where every allocation's image
	 * is mounted, so that each sees its own. NULL: everything, as the host. */
	const char *mnt_only_below;
	const char *mnt_keep;
};

struct nsholder {
	pid_t pid;   /* in the caller's pid namespace; 0 when none */
	int pidfd;   /* from CLONE_PIDFD: signals and exit polling without pid reuse races */
	int sync_fd; /* during creation only, else -1 */
	unsigned n_ns;
	enum pact_ns_type ns[PACT_NS_COUNT]; /* as requested, in order */
	int fds[PACT_NS_COUNT];		     /* parallel to ns[]; -1 when not open */
};

void nsholder_init(struct nsholder *h);
/*
 * clone3 the holder with the requested namespaces (1..3, distinct). Returns 0
 * (h->pid, h->pidfd, h->sync_fd set) or -errno; on error nothing is left
 * behind. The caller must reap h->pid when it exits (loop_watch_child).
 */
int nsholder_start(struct nsholder *h, const enum pact_ns_type *ns, unsigned n_ns,
		   const struct nsholder_config *cfg);
/*
 * After h->sync_fd hangs up (or to wait for that, up to timeout_ms): read
 * the holder's setup status, open /proc/<pid>/ns/{pid,net,mnt} into h->fds,
 * and run the net hook. Returns 0 or -errno (the
 * holder's own setup errno, -ETIMEDOUT, -ESRCH if it died); on error the
 * holder is killed (the caller still reaps it).
 */
int nsholder_complete(struct nsholder *h, const struct nsholder_config *cfg, int timeout_ms);
/* start + complete with cfg->ready_timeout_ms. */
int nsholder_spawn(struct nsholder *h, const enum pact_ns_type *ns, unsigned n_ns,
		   const struct nsholder_config *cfg);
/*
 * New fds to the holder's namespaces in the order of h->ns (for a repeated
 * request: same namespaces, new fds), close-on-exec; the caller closes them.
 * Returns the count or -errno (-ESRCH if the holder is gone).
 */
int nsholder_dup_fds(const struct nsholder *h, int fds[PACT_NS_COUNT]);
/*
 * Close the caller's fds to the holder's namespaces. Before killing a
 * live holder: the holder then drops the last reference in its own exit,
 * and with it the namespaces' teardown (a mount namespace's unmounts wait
 * for an RCU grace period, milliseconds), which the caller would
 * otherwise wait for in close().
 */
void nsholder_close_ns(struct nsholder *h);
/* A new fd (close-on-exec, >= 3) to h->fds[i], or -errno. */
int nsholder_dup_ns(const struct nsholder *h, unsigned i);
/* SIGKILL the holder (through its pidfd). 0, or -errno (-ESRCH: already dead). */
int nsholder_kill(const struct nsholder *h);
/* Close every fd held (namespace fds, pidfd, sync fd). Does not kill or reap. */
void nsholder_release(struct nsholder *h);

#endif
