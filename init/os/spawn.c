/*
 * The spawner. clone3(CLONE_INTO_CGROUP) puts the child in its scope
 * atomically (RI2); kernels without it get clone + the child writing "0"
 * (itself) to cgroup.procs before exec. The child reports a failed step
 * and its errno through a CLOEXEC pipe whose EOF means "exec'd".
 * Everything between clone and exec/_exit runs in the child: only
 * async-signal-safe calls there (raw syscalls, no stdio, no malloc).
 */
#include "os/spawn.h"
#include "os/cgroup.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sched.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define SPAWN_EXEC_TIMEOUT_MS 10000
#define SPAWN_NSIG	      65

enum child_step {
	STEP_CGROUP,
	STEP_SETSID,
	STEP_STDIO,
	STEP_RLIMIT,
	STEP_OOM,
	STEP_CWD,
	STEP_SETUP,
	STEP_GROUPS,
	STEP_GID,
	STEP_UID,
	STEP_CAPS,
	STEP_EXEC,
	STEP_COUNT,
};

static const char *const step_names[STEP_COUNT] = {
    [STEP_CGROUP] = "join cgroup", [STEP_SETSID] = "setsid",	 [STEP_STDIO] = "stdio",
    [STEP_RLIMIT] = "rlimit",	   [STEP_OOM] = "oom_score_adj", [STEP_CWD] = "chdir",
    [STEP_SETUP] = "set up",	   [STEP_GROUPS] = "setgroups",	 [STEP_GID] = "setgid",
    [STEP_UID] = "setuid",	   [STEP_CAPS] = "capabilities", [STEP_EXEC] = "exec",
};

/* What the child writes to the pipe when a step fails. */
struct child_err {
	int32_t err;
	int32_t step;
};

static char *const empty_env[] = {NULL};

void spawn_req_init(struct spawn_req *req)
{
	memset(req, 0, sizeof *req);
	req->stdio[0] = req->stdio[1] = req->stdio[2] = -1;
	req->cgroup_fd = -1;
}

/* child: report the failed step and leave */
static __attribute__((noreturn)) void child_fail(int errfd, enum child_step step, int err)
{
	struct child_err ce = {err ? err : EIO, (int32_t)step};
	(void)!write(errfd, &ce, sizeof ce);
	_exit(127); /* child */
}

/* child: decimal, async-signal-safe */
static size_t fmt_int(char *buf, int v)
{
	char tmp[16];
	size_t n = 0, len = 0;
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) && n < sizeof tmp);
	if (v < 0)
		buf[len++] = '-';
	while (n)
		buf[len++] = tmp[--n];
	return len;
}

/* child: move fd out of 0..2 so dup2 onto 0..2 cannot clobber it */
static int lift(int fd)
{
	return fd >= 0 && fd < 3 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : fd;
}

/* child: put the requested fds on 0, 1, 2 */
static int child_stdio(const struct spawn_req *req)
{
	int src[3], null_fd = -1;
	for (int i = 0; i < 3; i++) {
		src[i] = req->stdio[i];
		if (src[i] >= 0)
			continue;
		if (null_fd < 0 && (null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
			return -1;
		src[i] = null_fd;
	}
	for (int i = 0; i < 3; i++)
		if (src[i] != i && (src[i] = lift(src[i])) < 0)
			return -1;
	for (int i = 0; i < 3; i++) {
		int r = src[i] == i ? fcntl(i, F_SETFD, 0) : dup2(src[i], i);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* child: the listening sockets on 3, 4, ... (sd_listen_fds), error pipe
 * and sources moved above them first; LISTEN_PID gets our own pid */
static int child_listen_fds(const struct spawn_req *req, int *errfd)
{
	int n = req->n_listen_fds, src[SPAWN_LISTEN_MAX];
	if (n > SPAWN_LISTEN_MAX)
		return -1;
	if ((*errfd = fcntl(*errfd, F_DUPFD_CLOEXEC, 3 + n)) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if ((src[i] = fcntl(req->listen_fds[i], F_DUPFD_CLOEXEC, 3 + n)) < 0)
			return -1;
	for (int i = 0; i < n; i++)
		if (dup2(src[i], 3 + i) < 0) /* the copy on 3 + i is not close-on-exec */
			return -1;
	if (req->listen_pid_env) {
		char *digits = strchr(req->listen_pid_env, '=');
		if (digits) /* the parent left room for 11 digits */
			digits[1 + fmt_int(digits + 1, (int)getpid())] = '\0';
	}
	return 0;
}

/* child: everything between clone and exec. Never returns. */
static __attribute__((noreturn)) void child_run(const struct spawn_req *req, int errfd,
						int procs_fd)
{
	/* dispositions first, then the mask: a pending signal must not run one
	 * of our handlers; SIG_IGN must not leak into the service */
	for (int s = 1; s < SPAWN_NSIG; s++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		(void)sigaction(s, &sa, NULL);
	}
	loop_child_sigreset();
	errfd = lift(errfd);
	if (errfd < 0)
		_exit(127); /* child */
	if (procs_fd >= 0 && write(procs_fd, "0", 1) != 1)
		child_fail(errfd, STEP_CGROUP, errno);
	if (setsid() < 0)
		child_fail(errfd, STEP_SETSID, errno);
	if (child_stdio(req) < 0)
		child_fail(errfd, STEP_STDIO, errno);
	if (req->n_listen_fds > 0 && child_listen_fds(req, &errfd) < 0)
		child_fail(errfd, STEP_STDIO, errno);
	if (req->nofile) {
		struct rlimit rl = {req->nofile, req->nofile};
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			child_fail(errfd, STEP_RLIMIT, errno);
	}
	int ofd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	char num[16];
	size_t len = fmt_int(num, req->set_oom_score_adj ? req->oom_score_adj : 0);
	int ow = ofd >= 0 && write(ofd, num, len) == (ssize_t)len ? 0 : errno;
	if (ofd >= 0)
		close(ofd);
	/* the reset to 0 is best effort; a requested value is not */
	if (ow && req->set_oom_score_adj)
		child_fail(errfd, STEP_OOM, ow);
	if (req->cwd && chdir(req->cwd) < 0)
		child_fail(errfd, STEP_CWD, errno);
	int sr = req->setup_fn ? req->setup_fn(req->setup_arg) : 0;
	if (sr < 0)
		child_fail(errfd, STEP_SETUP, -sr);
	if (req->set_ids) {
		/* raw syscalls: this thread only, no libc bookkeeping */
		if (syscall(SYS_setgroups, req->ngroups, req->groups) < 0)
			child_fail(errfd, STEP_GROUPS, errno);
		if (syscall(SYS_setresgid, req->gid, req->gid, req->gid) < 0)
			child_fail(errfd, STEP_GID, errno);
		if (syscall(SYS_setresuid, req->uid, req->uid, req->uid) < 0)
			child_fail(errfd, STEP_UID, errno);
	}
	sr = req->post_ids_fn ? req->post_ids_fn(req->setup_arg) : 0;
	if (sr < 0)
		child_fail(errfd, STEP_CAPS, -sr);
	if (req->child_fn) {
		close(errfd);				     /* EOF: set up */
		_exit(req->child_fn(req->child_arg) & 0xff); /* child */
	}
	/* only 0-2 survive the exec: everything else becomes close-on-exec,
	 * the error pipe included (its EOF tells the parent we exec'd). Old
	 * kernels: every fd of ours is O_CLOEXEC already */
	(void)syscall(SYS_close_range, 3u + (unsigned)req->n_listen_fds, ~0u, CLOSE_RANGE_CLOEXEC);
	execve(req->path ? req->path : req->argv[0], req->argv, req->envp ? req->envp : empty_env);
	child_fail(errfd, STEP_EXEC, errno);
}

/* clone3 into the cgroup. Returns pid (0 in the child), or -errno. */
static long do_clone3(const struct spawn_req *req, int *pidfd)
{
	struct clone_args args;
	memset(&args, 0, sizeof args);
	args.flags = req->clone_flags;
	if (req->cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)req->cgroup_fd;
	}
	if (req->want_pidfd) {
		args.flags |= CLONE_PIDFD;
		args.pidfd = (uint64_t)(uintptr_t)pidfd;
	}
	args.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &args, sizeof args);
	return pid < 0 ? -errno : pid;
}

/* Which clone3 errors mean "this kernel lacks it" rather than a real error.
 * EINVAL is not one: a 5.3-5.6 kernel says E2BIG for our larger struct. */
static int clone3_unsupported(long r)
{
	return r == -ENOSYS || r == -E2BIG || r == -EOPNOTSUPP;
}

/* Wait for the exec: 0 on EOF, a filled ce on failure, -ETIMEDOUT. */
static int wait_exec(int fd, int timeout_ms, struct child_err *ce)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		uint64_t now = now_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t n = read_retry(fd, ce, sizeof *ce);
		if (n == 0)
			return 0;
		if (n == (ssize_t)sizeof *ce)
			return 1;
		return n < 0 ? (int)n : -EIO;
	}
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int spawn_process(const struct spawn_req *req, struct spawn_result *res)
{
	const char *what = req->child_fn ? "(function)"
			   : req->path	 ? req->path
			   : req->argv	 ? req->argv[0]
					 : NULL;
	res->pid = -1;
	res->pidfd = -1;
	res->used_clone3 = 0;
	if (!what) {
		log_err("spawn: no program given");
		return -EINVAL;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		int r = -errno;
		log_err("spawn: %s: pipe: %s", what, strerror(-r));
		return r;
	}
	int pidfd = -1, procs_fd = -1;
	long pid = -ENOSYS;
	if (!req->force_fork) {
		pid = do_clone3(req, &pidfd);
		if (pid == 0)
			child_run(req, p[1], -1); /* child */
		if (pid > 0)
			res->used_clone3 = 1;
	}
	if (pid < 0 && clone3_unsupported(pid)) {
		if (req->cgroup_fd >= 0) {
			procs_fd = openat(req->cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
			if (procs_fd < 0)
				pid = -errno;
		}
		if (req->cgroup_fd < 0 || procs_fd >= 0) {
			/* raw clone: fork semantics plus the namespace flags */
			pid = syscall(SYS_clone, (unsigned long)(SIGCHLD | req->clone_flags), 0, 0,
				      0, 0);
			if (pid == 0)
				child_run(req, p[1], procs_fd); /* child */
			if (pid < 0)
				pid = -errno;
			if (pid > 0 && req->want_pidfd)
				pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		}
		close_fd(procs_fd);
	}
	close_fd(p[1]);
	if (pid < 0) {
		close_fd(p[0]);
		log_err("spawn: %s: clone: %s", what, strerror((int)-pid));
		return (int)pid;
	}
	struct child_err ce = {0, 0};
	int tmo = req->exec_timeout_ms > 0 ? req->exec_timeout_ms : SPAWN_EXEC_TIMEOUT_MS;
	int r = wait_exec(p[0], tmo, &ce);
	close_fd(p[0]);
	if (r != 0) {
		if (r == 1) {
			r = -ce.err;
			log_err("spawn: %s: %s: %s", what,
				ce.step >= 0 && ce.step < STEP_COUNT ? step_names[ce.step] : "?",
				strerror(ce.err));
			/* the child is in _exit: reap it here, the caller never saw it */
			reap((pid_t)pid);
		} else {
			if (r == -ETIMEDOUT)
				log_err("spawn: %s: no exec within %d ms, killed", what, tmo);
			else
				log_err("spawn: %s: waiting for exec: %s", what, strerror(-r));
			/* it may be stuck in D state: no blocking wait for it; the
			 * event loop reaps it as an orphan when it dies */
			kill((pid_t)pid, SIGKILL);
			(void)waitpid((pid_t)pid, NULL, WNOHANG);
		}
		close_fd(pidfd);
		return r;
	}
	res->pid = (pid_t)pid;
	res->pidfd = pidfd;
	return 0;
}

int spawn_in_scope(struct cg_ctx *cg, struct cg_scope *scope, struct spawn_req *req,
		   struct spawn_result *res)
{
	int fd = cg_scope_spawn_fd(scope);
	if (fd < 0)
		return fd;
	req->cgroup_fd = fd;
	int r = spawn_process(req, res);
	if (r < 0) {
		/* RI5. After an exec failure the child was reaped: the scope is
		 * empty and the destroy quick. After a timeout the killed child
		 * may hang on (D state): let the event loop wait for it */
		int d = r == -ETIMEDOUT ? cg_destroy_async(cg, scope, NULL, NULL)
					: cg_destroy_scope(cg, scope);
		if (d < 0)
			log_err("spawn: cleanup of %s: %s", scope->path, strerror(-d));
	}
	return r;
}
