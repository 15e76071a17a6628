/*
 * pact-init for the benchmark programs, as the host tier runs it (header
 * only, like bench.h: each bench is built from its own file): PID 1 of new
 * pid and mount namespaces, with a /proc of its own and every path in a
 * temporary directory (etc/init.conf, cmdline, run/, cgroup/, log);
 * optionally in a new cgroup namespace rooted at a cgroup of its own below
 * the caller's, so that its pact.slice and workload.slice stay out of the
 * host's cgroup root.
 *   bench_daemon_prepare()  the directory and an init.conf (the caller may
 *                           add files, e.g. images, before the launch)
 *   bench_daemon_launch()   start it; d->pid is its pid as seen from here
 *   bench_daemon_stop()     power it off, wait, remove the directory and
 *                           the cgroup
 */
#ifndef PACT_BENCH_DAEMON_H
#define PACT_BENCH_DAEMON_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct bench_daemon {
	char dir[64];
	char cg_dir[PATH_MAX - 64]; /* its cgroup namespace's root; "" without one */
	pid_t outer;		    /* the namespaces' parent process */
	pid_t pid;		    /* pact-init */
};

static inline void bench_write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* mkdtemp "/tmp/pact-bench-<pid>-XXXXXX", etc/init.conf = conf, an empty cmdline. */
static inline int bench_daemon_prepare(struct bench_daemon *d, const char *conf)
{
	char p[PATH_MAX];
	memset(d, 0, sizeof *d);
	d->outer = d->pid = -1;
	snprintf(d->dir, sizeof d->dir, "/tmp/pact-bench-%d-XXXXXX", getpid());
	if (!mkdtemp(d->dir))
		return -errno;
	snprintf(p, sizeof p, "%s/etc", d->dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/etc/init.conf", d->dir);
	bench_write_text(p, conf);
	snprintf(p, sizeof p, "%s/cmdline", d->dir);
	bench_write_text(p, "");
	return 0;
}

/* d->cg_dir = <cgroup2 mount><our cgroup>/pact-bench-<pid>, created. */
static inline int bench_make_cgroup(struct bench_daemon *d)
{
	char line[1024], mnt[512] = "", ours[512] = "";
	FILE *f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof line, f)) {
		if (strstr(line, " - cgroup2 ") && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1)
			break;
		mnt[0] = '\0';
	}
	if (f)
		fclose(f);
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "0::", 3) == 0 && sscanf(line + 3, "%511s", ours) == 1)
			break;
	if (f)
		fclose(f);
	if (!mnt[0] || !ours[0])
		return -ENOENT;
	snprintf(d->cg_dir, sizeof d->cg_dir, "%s%s/pact-bench-%d", mnt,
		 strcmp(ours, "/") ? ours : "", getpid());
	return mkdir(d->cg_dir, 0755) < 0 ? -errno : 0;
}

/* The daemon's side of the fork: namespaces, /proc, log, exec. Never returns. */
static inline void bench_daemon_child(struct bench_daemon *d, const char *bin, int report_fd)
{
	char p[PATH_MAX];
	int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS; /* its sethostname stays its own */
	if (d->cg_dir[0]) {
		snprintf(p, sizeof p, "%s/cgroup.procs", d->cg_dir);
		bench_write_text(p, "0");
		flags |= CLONE_NEWCGROUP;
	}
	if (unshare(flags) < 0)
		_exit(120);
	pid_t c = fork();
	if (c == 0) {
		char a[4][PATH_MAX + 20];
		snprintf(a[0], sizeof a[0], "--run-dir=%s/run", d->dir);
		snprintf(a[1], sizeof a[1], "--config-dir=%s/etc", d->dir);
		snprintf(a[2], sizeof a[2], "--cmdline=%s/cmdline", d->dir);
		snprintf(a[3], sizeof a[3], "--cgroup-root=%s/cgroup", d->dir);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
			(void)mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
				    NULL);
		snprintf(p, sizeof p, "%s/log", d->dir);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		static char nm[] = "--no-mounts", nk[] = "--no-kmsg", nr[] = "--no-reboot";
		char *argv[] = {(char *)bin, a[0], a[1], a[2], a[3], nm, nk, nr, NULL};
		execv(bin, argv);
		_exit(127);
	}
	(void)!write(report_fd, &c, sizeof c);
	int st = 0;
	waitpid(c, &st, 0);
	_exit(0);
}

/* Start bin in a cgroup namespace of its own, rooted at a bench cgroup:
 * the hierarchy it builds never lands at the machine's cgroup root.
 * 0 or -errno. */
static inline int bench_daemon_launch(struct bench_daemon *d, const char *bin)
{
	int r = bench_make_cgroup(d);
	if (r < 0) {
		fprintf(stderr, "bench: a cgroup of our own (%s): %s\n",
			d->cg_dir[0] ? d->cg_dir : "no cgroup2 mount", strerror(-r));
		d->cg_dir[0] = '\0';
		return r;
	}
	int rep[2];
	if (pipe2(rep, O_CLOEXEC) < 0)
		return -errno;
	d->outer = fork();
	if (d->outer == 0)
		bench_daemon_child(d, bin, rep[1]);
	close(rep[1]);
	if (d->outer < 0 || read(rep[0], &d->pid, sizeof d->pid) != sizeof d->pid)
		d->pid = -1;
	close(rep[0]);
	return d->pid > 0 ? 0 : -ECHILD;
}

static inline void bench_daemon_stop(struct bench_daemon *d)
{
	char cmd[PATH_MAX + 80];
	if (d->pid > 0)
		kill(d->pid, SIGUSR2);
	if (d->outer > 0)
		waitpid(d->outer, NULL, 0);
	d->pid = d->outer = -1;
	if (d->cg_dir[0]) {
		/* cgroup directories hold only interface files: rmdir them bottom up */
		snprintf(cmd, sizeof cmd, "find '%s' -depth -type d -exec rmdir {} + 2>/dev/null",
			 d->cg_dir);
		(void)!system(cmd);
	}
	if (d->dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->dir);
		(void)!system(cmd);
	}
}

#endif
