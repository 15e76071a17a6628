/*
 * Following a service's main process wherever it goes. A workload manager
 * may move its daemon out of the scope pact-init started it in (slurmd
 * with Slurm's cgroup/v2 plugin and IgnoreSystemd=yes moves itself below
 * system.slice): the scope empties while the daemon runs. The service is
 * the process, not the scope's population: pact-init holds a pidfd of
 * the main process from the moment it is known, signals it through that
 * pidfd (a stop reaches it outside its scope too) and reads where it is
 * now for pactctl. Its exit still comes through the reaper (PID 1 is
 * every orphan's parent), which is what ends the run.
 */
#include "supervise/supervise_int.h"
#include "lib/fileio.h"
#include "lib/log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void svc_follow_main(struct svc *s)
{
	if (s->pidfd_pid > 0 && s->pidfd_pid == s->pid)
		return;
	svc_follow_drop(s);
	if (s->pid <= 0)
		return;
	/* CLOEXEC by the kernel; the pid is not reaped yet, so it is this process */
	int fd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (fd < 0) {
		log_warn("service %s: pidfd of main process %d: %s", s->u->name, (int)s->pid,
			 strerror(errno));
		return;
	}
	s->pidfd = fd;
	s->pidfd_pid = s->pid;
}

void svc_follow_drop(struct svc *s)
{
	if (s->pidfd_pid > 0)
		close(s->pidfd);
	s->pidfd = -1;
	s->pidfd_pid = 0;
}

int svc_follow_signal(const struct svc *s, int sig)
{
	if (s->pidfd_pid <= 0 || s->pidfd_pid != s->pid)
		return -ESRCH;
	if (syscall(SYS_pidfd_send_signal, s->pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

int svc_follow_cgroup(const struct svc *s, char *out, size_t cap)
{
	char path[64], text[CG_PATH_MAX + 8];
	if (s->pidfd_pid <= 0 || s->pidfd_pid != s->pid)
		return -ESRCH;
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)s->pid);
	ssize_t n = read_file(path, text, sizeof text);
	/* read, then asked: alive now means the file was this process's */
	if (n <= 0 || svc_follow_signal(s, 0) < 0)
		return -ESRCH;
	const char *p = strstr(text, "0::/");
	if (!p)
		return -ENOENT;
	p += 4;
	size_t len = strcspn(p, "\n");
	if (len >= cap)
		return -ENAMETOOLONG;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

int svc_follow_left_scope(const struct svc *s)
{
	char now[CG_PATH_MAX];
	if (!s->have_scope || svc_follow_cgroup(s, now, sizeof now) < 0)
		return 0;
	size_t l = strlen(s->scope.rel);
	return !(strncmp(now, s->scope.rel, l) == 0 && (now[l] == '\0' || now[l] == '/'));
}
