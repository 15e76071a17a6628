/* ptrace helpers for the host tests (see trace.h). */
#include "trace.h"
#include "hostutil.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

pid_t trace_spawn(char *const argv[], int out_fd)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (out_fd >= 0) {
			dup2(out_fd, 1);
			dup2(out_fd, 2);
		}
		signal(SIGPIPE, SIG_DFL); /* never the tester's disposition */
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(126);
		raise(SIGSTOP);
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) /* the SIGSTOP above */
		return -ECHILD;
	(void)ptrace(PTRACE_SETOPTIONS, pid, NULL,
		     (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
	return pid;
}

int trace_to_syscall(pid_t pid, long nr, int n, int *status)
{
	int sig = 0;
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig) < 0)
			return -errno;
		sig = 0;
		int st;
		if (waitpid(pid, &st, 0) != pid)
			return -ECHILD;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			*status = st;
			return -ESRCH;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			if (WSTOPSIG(st) != SIGTRAP) /* a signal for it: pass it on */
				sig = WSTOPSIG(st);
			continue;
		}
		struct __ptrace_syscall_info info;
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info) <= 0)
			return -errno ? -errno : -ENOSYS;
		if (info.op == PTRACE_SYSCALL_INFO_ENTRY && (nr < 0 || (long)info.entry.nr == nr) &&
		    --n == 0)
			return 0;
	}
}

int trace_seize_exec(pid_t pid)
{
	return ptrace(PTRACE_SEIZE, pid, NULL, (void *)(long)PTRACE_O_TRACEEXEC) < 0 ? -errno : 0;
}

int trace_wait_exec(pid_t pid, int timeout_ms)
{
	/* a tracer hears of its tracee's stops by SIGCHLD: wait on that */
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	long deadline = host_ms_now() + timeout_ms;
	int r = -ETIMEDOUT;
	for (;;) {
		int st;
		pid_t w = waitpid(pid, &st, WNOHANG | __WALL);
		if (w == pid && WIFSTOPPED(st)) {
			if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
				r = 0;
				break;
			}
			/* another stop (a signal for it): let it go on, with the signal */
			int sig = WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st);
			(void)ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
			continue;
		}
		if (w == pid || (w < 0 && errno != EINTR)) {
			r = -ESRCH;
			break;
		}
		long left = deadline - host_ms_now();
		if (left <= 0 || sfd < 0)
			break;
		struct pollfd p = {.fd = sfd, .events = POLLIN};
		if (poll(&p, 1, (int)left) > 0) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof si) > 0)
				;
		}
	}
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

int trace_detach(pid_t pid)
{
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL) == 0)
		return 0;
	/* not stopped (a wait that failed): stop it first, or collect its end
	 * (a tracee's end goes to its tracer before its parent) */
	int st, e = errno;
	if (e != ESRCH || ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0)
		return -e;
	if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st))
		return 0;
	return ptrace(PTRACE_DETACH, pid, NULL, NULL) < 0 ? -errno : 0;
}
