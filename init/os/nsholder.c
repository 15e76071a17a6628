/*
 * The namespace holder process (see nsholder.h): clone3 into a new pid
 * namespace (the other namespaces it unshares itself), a status
 * handshake over a socketpair so that creation never blocks the loop and
 * the parent-death signal has no race, and the holder's whole life: reap
 * orphans, wait.
 *
 * The child runs right after a raw clone3, so it sticks to plain system
 * calls (no stdio, no malloc, no locks).
 */
#include "os/nsholder.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/log.h"
#include "os/mounts.h"

static const char *const ns_file[PACT_NS_COUNT] = {"pid", "net", "mnt"};
static const uint64_t ns_flag[PACT_NS_COUNT] = {CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS};

void nsholder_init(struct nsholder *h)
{
	memset(h, 0, sizeof *h);
	h->pidfd = -1;
	h->sync_fd = -1;
	for (int i = 0; i < PACT_NS_COUNT; i++)
		h->fds[i] = -1;
}

/* 1 if the parent's end of the sync socket is closed: the parent has died. */
static int parent_gone(int sync)
{
	struct pollfd p = {.fd = sync, .events = POLLRDHUP};
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/*
 * In the holder's new mount namespace: below dir, nothing but keep. dir is
 * made private first, so that no mount made later in pact-init's namespace
 * comes in (keep itself stays a slave: an emergency force unmount still
 * reaches it); EINVAL: dir is no mount point there, nothing propagates.
 */
static int keep_only_below(const char *dir, const char *keep)
{
	if (mount(NULL, dir, NULL, MS_PRIVATE, NULL) < 0 && errno != EINVAL && errno != ENOENT)
		return errno;
	int r = unmount_below(dir, keep);
	return r < 0 ? -r : 0;
}

__attribute__((noreturn)) static void holder_main(int sync, uint64_t flags,
						  const struct nsholder_config *cfg)
{
	int status = 0;
	sigset_t chld;

	close_fds_except(&sync, 1); /* it must not pin pact-init's sockets and files */
	if (chdir("/") < 0)
		status = errno;
	/*
	 * Armed first, then checked: a parent that died before this point has
	 * already closed its fds (the kernel closes them before it reparents
	 * children), so parent_gone() sees it; one that dies later sends SIGKILL.
	 */
	if (!status && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		status = errno;
	if (parent_gone(sync))
		_exit(1); /* child: the holder */
	/* the new mount and network namespaces are made here, not in clone3:
	 * copying the mount table and setting up a network stack is the
	 * holder's time, while pact-init serves the next client */
	if (!status && (flags & (CLONE_NEWNS | CLONE_NEWNET)) &&
	    unshare((int)(flags & (CLONE_NEWNS | CLONE_NEWNET))) < 0)
		status = errno;
	/* nothing mounted in here may propagate back; host mounts still propagate in */
	if (!status && (flags & CLONE_NEWNS) && mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		status = errno;
	if (!status && (flags & CLONE_NEWNS) && cfg && cfg->mnt_only_below)
		status = keep_only_below(cfg->mnt_only_below, cfg->mnt_keep);
	/* SIGCHLD is consumed synchronously below; every other signal keeps its default */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (!status && sigprocmask(SIG_SETMASK, &chld, NULL) < 0)
		status = errno;
	/* the status, then the close (the parent waits for the hang-up): no fd is left */
	if (write(sync, &status, sizeof status) != sizeof status || status)
		_exit(1); /* child: the holder */
	close(sync);
	for (;;) {
		siginfo_t si;
		if (sigwaitinfo(&chld, &si) < 0 && errno != EINTR)
			pause(); /* cannot happen; never spin */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

int nsholder_start(struct nsholder *h, const enum pact_ns_type *ns, unsigned n_ns,
		   const struct nsholder_config *cfg)
{
	uint64_t flags = 0;
	int sv[2], pidfd = -1;

	nsholder_init(h);
	if (n_ns < 1 || n_ns > PACT_NS_COUNT)
		return -EINVAL;
	for (unsigned i = 0; i < n_ns; i++) {
		if ((unsigned)ns[i] >= PACT_NS_COUNT || (flags & ns_flag[ns[i]]))
			return -EINVAL;
		flags |= ns_flag[ns[i]];
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		return -errno;

	struct clone_args a;
	memset(&a, 0, sizeof a);
	a.flags = (flags & CLONE_NEWPID) | CLONE_PIDFD; /* the rest: holder_main's unshare */
	a.pidfd = (uint64_t)(uintptr_t)&pidfd;
	a.exit_signal = SIGCHLD;
	if (cfg && cfg->cgroup_fd >= 0) {
		a.flags |= CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)cfg->cgroup_fd;
	}
	long pid = syscall(SYS_clone3, &a, sizeof a);
	if (pid < 0) {
		int e = errno;
		close_fd(sv[0]);
		close_fd(sv[1]);
		log_err("nsholder: clone3: %s", strerror(e));
		return -e;
	}
	if (pid == 0)
		holder_main(sv[1], flags, cfg);
	close_fd(sv[1]);
	h->pid = (pid_t)pid;
	h->pidfd = pidfd;
	h->sync_fd = sv[0];
	h->n_ns = n_ns;
	memcpy(h->ns, ns, sizeof(*ns) * n_ns);
	return 0;
}

static int pidfd_signal(int pidfd, int sig)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

void nsholder_close_ns(struct nsholder *h)
{
	for (int i = 0; i < PACT_NS_COUNT; i++) {
		close_fd(h->fds[i]);
		h->fds[i] = -1;
	}
}

/* Creation failed after clone3: kill the holder, keep only pid/pidfd for the reaper. */
static int abort_holder(struct nsholder *h, int err, const char *what)
{
	log_err("nsholder: pid %d: %s: %s", (int)h->pid, what, strerror(-err));
	nsholder_close_ns(h); /* first: the namespaces go in the holder's exit (nsholder.h) */
	pidfd_signal(h->pidfd, SIGKILL);
	close_fd(h->sync_fd);
	h->sync_fd = -1;
	return err;
}

static int open_ns_fds(struct nsholder *h, const char *proc)
{
	for (unsigned i = 0; i < h->n_ns; i++) {
		char path[128];
		int r = path_fmt(path, sizeof path, "%s/%d/ns/%s", proc, (int)h->pid,
				 ns_file[h->ns[i]]);
		if (r < 0)
			return r;
		/* openat: musl's open() follows O_CLOEXEC with an fcntl, for old kernels */
		h->fds[i] = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		if (h->fds[i] < 0)
			return -errno;
	}
	/* alive after the opens, and not yet reaped: the pid cannot have been reused */
	return pidfd_signal(h->pidfd, 0);
}

int nsholder_complete(struct nsholder *h, const struct nsholder_config *cfg, int timeout_ms)
{
	const char *proc = cfg && cfg->proc_root ? cfg->proc_root : "/proc";
	/* the holder writes its status and then closes its end: wait for the hang-up */
	struct pollfd p = {.fd = h->sync_fd, .events = POLLRDHUP};
	int status, r;

	if (h->sync_fd < 0)
		return -EINVAL;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return abort_holder(h, r == 0 ? -ETIMEDOUT : -errno, "waiting for setup");
	ssize_t n = recv(h->sync_fd, &status, sizeof status, MSG_DONTWAIT);
	if (n != sizeof status)
		return abort_holder(h, -ESRCH, "holder died during setup");
	if (status)
		return abort_holder(h, -status, "holder setup");
	close_fd(h->sync_fd);
	h->sync_fd = -1;
	r = open_ns_fds(h, proc);
	if (r < 0)
		return abort_holder(h, r, "opening namespace fds");
	for (unsigned i = 0; i < h->n_ns; i++) {
		if (h->ns[i] != PACT_NS_NET || !cfg || !cfg->net_setup)
			continue;
		r = cfg->net_setup(cfg->net_ctx, h, h->fds[i]);
		if (r < 0)
			return abort_holder(h, r, "network setup");
	}
	return 0;
}

int nsholder_spawn(struct nsholder *h, const enum pact_ns_type *ns, unsigned n_ns,
		   const struct nsholder_config *cfg)
{
	int r = nsholder_start(h, ns, n_ns, cfg);
	if (r < 0)
		return r;
	int t = cfg && cfg->ready_timeout_ms > 0 ? cfg->ready_timeout_ms : 5000;
	return nsholder_complete(h, cfg, t);
}

int nsholder_dup_ns(const struct nsholder *h, unsigned i)
{
	if (i >= h->n_ns || h->fds[i] < 0)
		return -EBADF;
	/* the system call: musl's fcntl() follows F_DUPFD_CLOEXEC with F_SETFD */
	long fd = syscall(SYS_fcntl, h->fds[i], F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? -errno : (int)fd;
}

int nsholder_dup_fds(const struct nsholder *h, int fds[PACT_NS_COUNT])
{
	for (int i = 0; i < PACT_NS_COUNT; i++)
		fds[i] = -1;
	if (h->pidfd < 0 || h->fds[0] < 0)
		return -ESRCH;
	int r = pidfd_signal(h->pidfd, 0);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < h->n_ns; i++) {
		fds[i] = nsholder_dup_ns(h, i);
		if (fds[i] < 0) {
			r = fds[i];
			fds[i] = -1;
			for (unsigned j = 0; j < i; j++) {
				close_fd(fds[j]);
				fds[j] = -1;
			}
			return r;
		}
	}
	return (int)h->n_ns;
}

int nsholder_kill(const struct nsholder *h)
{
	if (h->pidfd < 0)
		return -ESRCH;
	return pidfd_signal(h->pidfd, SIGKILL);
}

void nsholder_release(struct nsholder *h)
{
	nsholder_close_ns(h);
	close_fd(h->pidfd);
	close_fd(h->sync_fd);
	h->pidfd = -1;
	h->sync_fd = -1;
}
