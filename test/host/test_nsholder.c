/*
 * Host test of the namespace holder (root): clone3 into new pid/net/mount
 * namespaces, fds whose inodes equal the holder's /proc/<pid>/ns files, the
 * holder as PID 1 of its pid namespace reaping orphans, slave mount
 * propagation, no inherited fds, repeated fds to the same namespaces, the
 * net hook, death by SIGKILL and by its parent's death, CLONE_INTO_CGROUP.
 */
#include "os/nsholder.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const enum pact_ns_type all3[3] = {PACT_NS_PID, PACT_NS_NET, PACT_NS_MOUNT};
static const char *const nsname[3] = {"pid", "net", "mnt"};

static ino_t ino_fd(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static ino_t ino_path(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

static int count_fds(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int max_fd_in(const char *dir)
{
	DIR *d = opendir(dir);
	int m = -1;
	struct dirent *e;
	if (!d)
		return -2;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) > m)
			m = atoi(e->d_name);
	closedir(d);
	return m;
}

static int reap(pid_t pid, int *status)
{
	int r;
	do
		r = waitpid(pid, status, 0);
	while (r < 0 && errno == EINTR);
	return r;
}

static int hook_calls;
static ino_t hook_ino;

static int net_hook(void *ctx, const struct nsholder *h, int netns_fd)
{
	(void)h;
	hook_calls++;
	hook_ino = ino_fd(netns_fd);
	return ctx ? -ENETDOWN : 0;
}

static int read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return (int)n;
}

/* Run fn in a forked child; returns its exit code (or -1). */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t p = fork();
	if (p == 0)
		_exit(fn(arg));
	int st;
	if (p < 0 || reap(p, &st) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* In the child: join the net ns; 0 if /proc/thread-self/ns/net is then that ns. */
static int join_net(void *arg)
{
	int fd = *(int *)arg;
	if (setns(fd, CLONE_NEWNET) < 0)
		return 2;
	return ino_path("/proc/thread-self/ns/net") == ino_fd(fd) ? 0 : 1;
}

/* In the child: join the pid ns for children, fork; the grandchild exits with its pid. */
static int join_pid(void *arg)
{
	int fd = *(int *)arg;
	if (setns(fd, CLONE_NEWPID) < 0)
		return 200;
	pid_t g = fork();
	if (g == 0)
		_exit(getpid() > 250 ? 250 : getpid());
	int st;
	if (g < 0 || reap(g, &st) < 0 || !WIFEXITED(st))
		return 201;
	return WEXITSTATUS(st);
}

static void test_round_trip(struct nsholder *h)
{
	char path[128], buf[4096];
	int same = 1, differ = 1;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)h->pid, nsname[i]);
		if (h->fds[i] < 0 || ino_fd(h->fds[i]) != ino_path(path))
			same = 0;
		snprintf(path, sizeof path, "/proc/self/ns/%s", nsname[i]);
		if (ino_fd(h->fds[i]) == ino_path(path))
			differ = 0;
	}
	ok(same, "each fd's ns inode equals the holder's /proc/<pid>/ns file");
	ok(differ, "and they are new namespaces, not ours");
	ok(fcntl(h->fds[0], F_GETFD) & FD_CLOEXEC, "ns fds are close-on-exec");

	snprintf(path, sizeof path, "/proc/%d/status", (int)h->pid);
	read_small(path, buf, sizeof buf);
	char want[64];
	snprintf(want, sizeof want, "NSpid:\t%d\t1\n", (int)h->pid);
	ok(strstr(buf, want) != NULL, "the holder is PID 1 of its pid namespace");

	snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)h->pid);
	read_small(path, buf, sizeof buf);
	ok(buf[0] && !strstr(buf, " shared:"), "no mount in the holder's namespace is shared");

	snprintf(path, sizeof path, "/proc/%d/fd", (int)h->pid);
	ok(max_fd_in(path) <= 2, "the holder kept no inherited fd above 2 (max %d)",
	   max_fd_in(path));

	is_int(in_child(join_net, &h->fds[1]), 0, "a process can setns into the net fd");
	is_int(in_child(join_pid, &h->fds[0]), 2,
	       "a process entering the pid namespace is pid 2 there (holder is 1)");

	int again[3];
	is_int(nsholder_dup_fds(h, again), 3, "repeat: 3 new fds");
	int eq = 1;
	for (int i = 0; i < 3; i++) {
		if (again[i] == h->fds[i] || ino_fd(again[i]) != ino_fd(h->fds[i]))
			eq = 0;
		close(again[i]);
	}
	ok(eq, "repeat: new fds to the same namespaces");
	ok(hook_calls == 1 && hook_ino == ino_fd(h->fds[1]), "net hook ran once with the net fd");
}

/* An orphan in the holder's pid namespace is reaped by the holder. */
static void test_orphan(struct nsholder *h)
{
	int self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC), p[2];
	char path[128], buf[256];
	if (pipe2(p, O_CLOEXEC) < 0 || setns(h->fds[0], CLONE_NEWPID) < 0) {
		skip("setns", "orphan reaping");
		return;
	}
	pid_t g = fork();
	if (g == 0) {
		if (fork() == 0) { /* the orphan-to-be: waits for the test to close the pipe */
			char c;
			close(p[1]);
			(void)!read(p[0], &c, 1);
			_exit(0);
		}
		_exit(0);
	}
	setns(self, CLONE_NEWPID);
	close(self);
	close(p[0]);
	int st;
	reap(g, &st);
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)h->pid, (int)h->pid);
	read_small(path, buf, sizeof buf);
	int orphan = atoi(buf);
	ok(orphan > 0, "the orphan was reparented to the holder (host pid %d)", orphan);
	int pfd = (int)syscall(SYS_pidfd_open, orphan, 0);
	close(p[1]); /* the orphan exits now */
	struct pollfd pp = {.fd = pfd, .events = POLLIN};
	ok(pfd >= 0 && poll(&pp, 1, 5000) == 1, "the orphan exited");
	/*
	 * Reaping by another process has no event we can wait on: retry a
	 * bounded number of times, 1 ms apart, until the holder has no child.
	 */
	int tries = 0;
	for (; tries < 2000; tries++) {
		read_small(path, buf, sizeof buf);
		if (buf[0] == '\0')
			break;
		poll(NULL, 0, 1);
	}
	ok(buf[0] == '\0', "the holder reaped it (after %d ms)", tries);
	if (pfd >= 0)
		close(pfd);
}

/* The holder dies when its parent dies. */
static void test_pdeathsig(void)
{
	int p[2], go[2];
	if (pipe2(p, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid_t m = fork();
	if (m == 0) {
		struct nsholder h;
		close(go[1]);
		close(p[0]);
		static const enum pact_ns_type mnt[1] = {PACT_NS_MOUNT};
		int r = nsholder_spawn(&h, mnt, 1, NULL);
		int pid = r == 0 ? h.pid : -1;
		(void)!write(p[1], &pid, sizeof pid);
		char c;
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	close(p[1]);
	close(go[0]);
	int hp = -1;
	(void)!read(p[0], &hp, sizeof hp);
	ok(hp > 0, "an intermediate process spawned a holder");
	int pfd = hp > 0 ? (int)syscall(SYS_pidfd_open, hp, 0) : -1;
	close(go[1]); /* the intermediate exits now */
	int st;
	reap(m, &st);
	struct pollfd pp = {.fd = pfd, .events = POLLIN};
	ok(pfd >= 0 && poll(&pp, 1, 5000) == 1, "the holder died with its parent");
	if (hp > 0 && reap(hp, &st) == hp)
		ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "by SIGKILL (PR_SET_PDEATHSIG)");
	else
		ok(0, "reaped the re-parented holder");
	if (pfd >= 0)
		close(pfd);
	close(p[0]);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void test_cgroup(void)
{
	char dir[128], path[160], buf[512];
	struct stat st;
	if (stat("/sys/fs/cgroup/unified/cgroup.procs", &st) == 0)
		snprintf(dir, sizeof dir, "/sys/fs/cgroup/unified/pact-nsholder-test-%d",
			 (int)getpid());
	else if (stat("/sys/fs/cgroup/cgroup.procs", &st) == 0 &&
		 stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0)
		snprintf(dir, sizeof dir, "/sys/fs/cgroup/pact-nsholder-test-%d", (int)getpid());
	else {
		skip("no cgroup2 hierarchy", "CLONE_INTO_CGROUP");
		return;
	}
	if (mkdir(dir, 0755) < 0) {
		skip("cannot create a cgroup", "CLONE_INTO_CGROUP");
		return;
	}
	struct nsholder h;
	struct nsholder_config cfg = {.cgroup_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
	static const enum pact_ns_type pm[2] = {PACT_NS_PID, PACT_NS_MOUNT};
	int r = nsholder_spawn(&h, pm, 2, &cfg);
	is_int(r, 0, "holder spawned into a cgroup (Pid+Mount)");
	if (r == 0) {
		snprintf(path, sizeof path, "/proc/%d/cgroup", (int)h.pid);
		read_small(path, buf, sizeof buf);
		ok(strstr(buf, strrchr(dir, '/')) != NULL, "it lives in that cgroup");
		ok(h.fds[0] >= 0 && h.fds[1] >= 0 && h.fds[2] == -1, "two fds for two namespaces");
		snprintf(path, sizeof path, "%s/cgroup.kill", dir);
		int k = open(path, O_WRONLY | O_CLOEXEC);
		ok(k >= 0 && write(k, "1", 1) == 1, "cgroup.kill");
		if (k >= 0)
			close(k);
		int stt;
		ok(reap(h.pid, &stt) == h.pid && WIFSIGNALED(stt) && WTERMSIG(stt) == SIGKILL,
		   "cgroup.kill killed the holder");
		nsholder_release(&h);
	}
	close(cfg.cgroup_fd);
	rmdir(dir);
}

int main(void)
{
	struct nsholder h;
	int st;
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root\n");
		return 0;
	}
	int before = count_fds("/proc/self/fd");
	struct nsholder_config cfg = {.cgroup_fd = -1, .net_setup = net_hook};
	int r = nsholder_spawn(&h, all3, 3, &cfg);
	if (r == -EPERM || r == -ENOSPC) {
		printf("1..0 # SKIP cannot create namespaces here: %s\n", strerror(-r));
		return 0;
	}
	is_int(r, 0, "holder spawned with Pid+Net+Mount");
	if (r == 0) {
		test_round_trip(&h);
		test_orphan(&h);
		is_int(nsholder_kill(&h), 0, "nsholder_kill");
		ok(reap(h.pid, &st) == h.pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		   "the holder died of SIGKILL");
		int fds[3];
		is_int(nsholder_dup_fds(&h, fds), -ESRCH, "no new fds once the holder is gone");
		nsholder_release(&h);
	}

	/* a failing net hook fails the creation and kills the holder */
	static const enum pact_ns_type net[1] = {PACT_NS_NET};
	cfg.net_ctx = &cfg;
	r = nsholder_spawn(&h, net, 1, &cfg);
	is_int(r, -ENETDOWN, "net hook failure fails the creation");
	ok(h.pid > 0 && reap(h.pid, &st) == h.pid && WIFSIGNALED(st), "and kills the holder");
	nsholder_release(&h);

	static const enum pact_ns_type dup[2] = {PACT_NS_NET, PACT_NS_NET};
	is_int(nsholder_spawn(&h, dup, 2, NULL), -EINVAL, "duplicate types refused");
	is_int(nsholder_spawn(&h, all3, 0, NULL), -EINVAL, "no types refused");

	test_pdeathsig();
	test_cgroup();
	is_int(count_fds("/proc/self/fd"), before, "no fd leaked");
	return done_testing();
}
