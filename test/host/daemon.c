/* Host-tier harness for running pact-init in namespaces (see daemon.h). */
#include "daemon.h"
#include "hostutil.h"
#include "lib/fileio.h"
#include "os/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *build_path(const char *rel)
{
	static char buf[4][PATH_MAX + 64];
	static int i;
	const char *b = getenv("BUILD");
	char base[PATH_MAX] = "";
	if (!realpath(b && *b ? b : "build", base))
		snprintf(base, sizeof base, "build");
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%.4000s/%.60s", base, rel);
	return buf[i];
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

int daemon_start(struct daemon *d, const char *conf, const char *cmdline)
{
	return daemon_start_env(d, conf, cmdline, NULL);
}

int daemon_start_env(struct daemon *d, const char *conf, const char *cmdline, char *const *env)
{
	int r = daemon_prepare(d, conf, cmdline);
	return r < 0 ? r : daemon_launch_env(d, env);
}

int daemon_launch(struct daemon *d)
{
	return daemon_launch_env(d, NULL);
}

const char *host_cgroup_dir(void)
{
	static char dir[256];
	static int looked;
	if (looked)
		return dir;
	looked = 1;
	static char buf[65536];
	char mnt[200] = "", self[512] = "";
	if (read_file("/proc/self/mountinfo", buf, sizeof buf) > 0) {
		for (char *save, *l = strtok_r(buf, "\n", &save); l && !mnt[0];
		     l = strtok_r(NULL, "\n", &save))
			if (strstr(l, " - cgroup2 ") &&
			    sscanf(l, "%*s %*s %*s %*s %199s", mnt) != 1)
				mnt[0] = '\0';
	}
	if (!mnt[0] || read_file("/proc/self/cgroup", buf, sizeof buf) <= 0)
		return dir;
	char *p = strstr(buf, "0::/");
	if (p) {
		p += 3;
		p[strcspn(p, "\n")] = '\0';
		snprintf(self, sizeof self, "%s", strcmp(p, "/") == 0 ? "" : p);
	}
	if (path_fmt(dir, sizeof dir, "%s%s", mnt, self) < 0)
		dir[0] = '\0';
	return dir;
}

/* A cgroup of its own for pact-init: the root of its cgroup namespace. */
static int make_test_cgroup(struct daemon *d)
{
	static int n;
	const char *prefix = getenv("PACT_HOST_CG_PREFIX");
	if (!host_cgroup_dir()[0])
		return -ENOENT;
	if (path_fmt(d->cg, sizeof d->cg, "%s/%s-%d-%d", host_cgroup_dir(),
		     prefix && *prefix ? prefix : "pact-host", (int)getpid(), n++) < 0)
		return -ENAMETOOLONG;
	if (mkdir(d->cg, 0755) < 0) {
		int e = errno;
		d->cg[0] = '\0';
		return -e;
	}
	return 0;
}

int daemon_prepare(struct daemon *d, const char *conf, const char *cmdline)
{
	memset(d, 0, sizeof *d);
	snprintf(d->dir, sizeof d->dir, "/tmp/pact-host-%d-XXXXXX", getpid());
	if (!mkdtemp(d->dir))
		return -errno;
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/etc", d->dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/etc/init.conf", d->dir);
	write_text(p, conf);
	snprintf(p, sizeof p, "%s/cmdline", d->dir);
	write_text(p, cmdline ? cmdline : "");
	snprintf(d->run_dir, sizeof d->run_dir, "%s/run", d->dir);
	return 0;
}

int daemon_launch_env(struct daemon *d, char *const *env)
{
	char logp[PATH_MAX], consp[PATH_MAX];
	snprintf(logp, sizeof logp, "%s/log", d->dir);
	snprintf(consp, sizeof consp, "%s/console", d->dir);
	d->log_fd = open(logp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	close(open(consp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	int report[2];
	int r = make_test_cgroup(d);
	if (r < 0) {
		fprintf(stderr, "# no test cgroup under %s: %s\n", host_cgroup_dir(), strerror(-r));
		return r;
	}
	if (pipe2(report, O_CLOEXEC) < 0)
		return -errno;
	d->outer = fork();
	if (d->outer == 0) {
		/* its own hostname, and a cgroup root that is the test cgroup:
		 * the machine's name and cgroup root stay as they are */
		char procs[300];
		snprintf(procs, sizeof procs, "%s/cgroup.procs", d->cg);
		if (write_file(procs, "0") < 0 ||
		    unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWCGROUP) < 0)
			_exit(120);
		pid_t init = fork();
		if (init == 0) {
			char a_run[300], a_conf[300], a_cmd[300], a_cg[300];
			snprintf(a_run, sizeof a_run, "--run-dir=%s", d->run_dir);
			snprintf(a_conf, sizeof a_conf, "--config-dir=%s/etc", d->dir);
			snprintf(a_cmd, sizeof a_cmd, "--cmdline=%s/cmdline", d->dir);
			snprintf(a_cg, sizeof a_cg, "--cgroup-root=%s/cgroup", d->dir);
			/* a /proc of its own pid namespace, as a real PID 1 has (never
			 * propagated back: the new mount namespace is made private) */
			if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0) {
				(void)mount("proc", "/proc", "proc",
					    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
				/* its console (the console program, the emergency
				 * shell) is a file of its own, not the machine's */
				(void)mount(consp, "/dev/console", NULL, MS_BIND, NULL);
			}
			int fd = d->console > 0 ? d->console : open(logp, O_WRONLY | O_APPEND);
			dup2(fd, 1);
			dup2(fd, 2);
			for (int i = 0; env && env[i]; i++)
				putenv(env[i]);
			const char *bin = getenv("PACT_INIT_BIN");
			if (!bin || !*bin)
				bin = build_path("san/pact-init");
			char *argv[] = {(char *)bin,   a_run,	    a_conf,	   a_cmd, a_cg,
					"--no-mounts", "--no-kmsg", "--no-reboot", NULL};
			execv(bin, argv);
			_exit(127);
		}
		(void)!write(report[1], &init, sizeof init);
		int st = 0;
		waitpid(init, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	close(report[1]);
	if (read(report[0], &d->pid, sizeof d->pid) != sizeof d->pid)
		d->pid = -1;
	close(report[0]);
	return d->pid > 0 ? 0 : -ECHILD;
}

int daemon_wait_file(struct daemon *d, const char *name, int timeout_ms)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", d->run_dir, name);
	long deadline = host_ms_now() + timeout_ms;
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	/* the run dir itself may not exist yet: watch the parent first */
	int wd_top = inotify_add_watch(in, d->dir, IN_CREATE);
	(void)wd_top;
	int watching_run = 0;
	while (host_ms_now() < deadline) {
		if (!watching_run &&
		    inotify_add_watch(in, d->run_dir, IN_CREATE | IN_MOVED_TO) >= 0)
			watching_run = 1;
		if (access(path, F_OK) == 0) {
			close(in);
			return 0;
		}
		struct pollfd pfd = {.fd = in, .events = POLLIN};
		poll(&pfd, 1, (int)(deadline - host_ms_now()));
		char ev[4096];
		while (read(in, ev, sizeof ev) > 0)
			;
	}
	close(in);
	return -ETIMEDOUT;
}

int daemon_read_line(struct daemon *d, const char *sock, char *buf, size_t cap, int timeout_ms)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%.80s/%.20s", d->run_dir, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	size_t used = 0;
	long deadline = host_ms_now() + timeout_ms;
	while (used < cap - 1 && host_ms_now() < deadline) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)(deadline - host_ms_now())) <= 0)
			break;
		ssize_t n = read(fd, buf + used, cap - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		if (memchr(buf, '\n', used))
			break;
	}
	buf[used] = '\0';
	close(fd);
	return used ? (int)used : -ETIMEDOUT;
}

/* Everything in dir/name, up to 4 MiB. */
static const char *read_all(struct daemon *d, const char *name, int fd)
{
	static char buf[4 << 20];
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", d->dir, name);
	int own = fd < 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n = pread(fd < 0 ? own : fd, buf, sizeof buf - 1, 0);
	if (own >= 0)
		close(own);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

struct text_wait {
	struct daemon *d;
	const char *name;
	int fd;
	regex_t re;
};

static int text_matches(void *ctx)
{
	struct text_wait *w = ctx;
	return regexec(&w->re, read_all(w->d, w->name, w->fd), 0, NULL, 0) == 0;
}

/* Wait until a line of dir/name matches pattern: inotify on the file. */
static int wait_text(struct daemon *d, const char *name, int fd, const char *pattern,
		     int timeout_ms)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", d->dir, name);
	struct text_wait w = {.d = d, .name = name, .fd = fd};
	if (regcomp(&w.re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0)
		return -EINVAL;
	int r = wait_until(path, IN_MODIFY, text_matches, &w, timeout_ms);
	regfree(&w.re);
	return r;
}

int daemon_wait_log(struct daemon *d, const char *pattern, int timeout_ms)
{
	return wait_text(d, "log", d->log_fd, pattern, timeout_ms);
}

int daemon_wait_console(struct daemon *d, const char *pattern, int timeout_ms)
{
	return wait_text(d, "console", -1, pattern, timeout_ms);
}

int daemon_pactctl(struct daemon *d, const char *args, char *out, size_t cap)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "%s --run-dir %s %s 2>&1", build_path("san/pactctl"), d->run_dir,
		 args);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int daemon_wait_exit(struct daemon *d, int timeout_ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, d->outer, 0);
	if (pfd < 0)
		return -errno;
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	int r = poll(&p, 1, timeout_ms);
	close(pfd);
	if (r <= 0)
		return -ETIMEDOUT;
	int st = 0;
	waitpid(d->outer, &st, 0);
	d->outer = 0;
	return st;
}

const char *daemon_log(struct daemon *d)
{
	return read_all(d, "log", d->log_fd);
}

/* Everything left in its cgroup is killed, then the cgroup tree removed. */
static int remove_test_cgroup(struct daemon *d)
{
	if (!d->cg[0])
		return 0;
	(void)cg_kill(d->cg); /* nothing to do when it is empty already */
	int r = cg_wait_populated(d->cg, 0, 10000);
	if (r == 0)
		r = cg_scope_remove(d->cg);
	if (r < 0)
		fprintf(stderr, "# test cgroup %s left behind: %s\n", d->cg, strerror(-r));
	else
		d->cg[0] = '\0';
	return r;
}

int daemon_cleanup(struct daemon *d)
{
	if (d->outer > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->outer, NULL, 0);
		d->outer = 0;
	}
	int r = remove_test_cgroup(d);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->dir);
	(void)!system(cmd);
	if (d->log_fd > 0)
		close(d->log_fd);
	d->log_fd = -1;
	return r;
}

int daemon_finish(struct daemon *d, int show_log)
{
	if (show_log)
		diag("log:\n%s", daemon_log(d));
	kill(d->pid, SIGUSR2);
	daemon_wait_exit(d, 15000);
	return daemon_cleanup(d);
}

void daemon_put_unit(struct daemon *d, const char *name, const char *text, int enabled)
{
	mkdir(pf("%s/etc/units", d->dir), 0755);
	mkdir(pf("%s/etc/units/multi-user.target.wants", d->dir), 0755);
	FILE *f = fopen(pf("%s/etc/units/%s", d->dir, name), "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	if (enabled)
		(void)!symlink(pf("../%s", name),
			       pf("%s/etc/units/multi-user.target.wants/%s", d->dir, name));
}
