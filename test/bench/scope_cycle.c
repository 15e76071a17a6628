/*
 * Bench: the scope lifecycle through our API (create scope, spawn /bin/true
 * into it with clone3, reap, cgroup.kill, wait for empty, rmdir) against a
 * floor loop making the same syscalls inline, in the same run, alternating
 * rounds so drift hits both; and the spawn primitive's cost, clone3 with
 * CLONE_INTO_CGROUP against fork + writing cgroup.procs (both through
 * spawn_process, a child that _exits at once, reaped).
 * Usage: scope_cycle [cgroup2 dir]; run as root. Prints JSON lines.
 */
#include "bench.h"
#include "os/cgroup.h"
#include "lib/fileio.h"
#include "lib/loop.h"
#include "os/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sched.h>

#define CYCLES 600
#define SPAWNS 1500

static char *const true_argv[] = {(char *)"/bin/true", NULL};
static char *const no_env[] = {NULL};

static int reap(pid_t pid)
{
	int st = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* One cycle through the API. */
static int cycle_ours(struct cg_ctx *cg, int i)
{
	char name[32];
	struct cg_scope s;
	snprintf(name, sizeof name, "ours-%d", i);
	int r = cg_create_scope(cg, "", name, NULL, &s);
	if (r < 0)
		return r;
	struct spawn_req req;
	struct spawn_result res;
	spawn_req_init(&req);
	req.argv = true_argv;
	if ((r = spawn_in_scope(cg, &s, &req, &res)) < 0)
		return r;
	reap(res.pid);
	return cg_destroy_scope(cg, &s);
}

/* The same cycle with the bare syscalls: the floor. */
static int cycle_floor(const char *root, int i)
{
	char path[CG_PATH_MAX], buf[128];
	snprintf(path, sizeof path, "%s/floor-%d.scope", root, i);
	if (mkdir(path, 0755) < 0)
		return -errno;
	int dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct clone_args a;
	memset(&a, 0, sizeof a);
	a.flags = CLONE_INTO_CGROUP;
	a.cgroup = (uint64_t)dfd;
	a.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &a, sizeof a);
	if (pid == 0) {
		execve("/bin/true", true_argv, no_env); /* child */
		_exit(127);
	}
	if (pid < 0)
		return -errno;
	reap((pid_t)pid);
	int kfd = openat(dfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
	if (kfd < 0 || write(kfd, "1", 1) != 1)
		return -errno;
	close(kfd);
	if (read_file_at(dfd, "cgroup.events", buf, sizeof buf) < 0 || !strstr(buf, "populated 0"))
		return -EBUSY;
	close(dfd);
	return rmdir(path) < 0 ? -errno : 0;
}

static int exit_at_once(void *arg)
{
	(void)arg;
	return 0;
}

/* Spawn + reap of a child that exits at once, in a cgroup, by one path. */
static int spawn_once(int cgfd, int force_fork)
{
	struct spawn_req req;
	struct spawn_result res;
	spawn_req_init(&req);
	req.child_fn = exit_at_once;
	req.cgroup_fd = cgfd;
	req.force_fork = force_fork;
	int r = spawn_process(&req, &res);
	if (r < 0)
		return r;
	if (res.used_clone3 == force_fork)
		return -ENOTSUP; /* the path asked for was not the one taken */
	reap(res.pid);
	return 0;
}

static const char *default_base(void)
{
	if (cg_is_cgroup2("/sys/fs/cgroup/unified") == 1)
		return "/sys/fs/cgroup/unified";
	return "/sys/fs/cgroup";
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : default_base();
	char root[CG_PATH_MAX];
	struct cg_ctx cg;
	snprintf(root, sizeof root, "%s/pact-bench-%d", base, (int)getpid());
	if (cg_is_cgroup2(base) != 1 || mkdir(root, 0755) < 0 || cg_ctx_init(&cg, root) < 0) {
		fprintf(stderr, "scope_cycle: %s: not a usable cgroup2 dir (%s); run as root\n",
			base, strerror(errno));
		return 1;
	}
	static uint64_t t_ours[CYCLES], t_floor[CYCLES], t_clone3[SPAWNS], t_fork[SPAWNS];
	int r = 0, cgfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* warm-up: page cache, dentries */
	for (int i = 0; i < 5 && r == 0; i++)
		r = cycle_floor(root, -1 - i);
	/* alternate one of each and keep medians: the machine is shared, and
	 * a burst of other load then hits both sides alike and drops out */
	for (int i = 0; i < CYCLES && r == 0; i++) {
		uint64_t t0 = now_ns();
		r = cycle_ours(&cg, i);
		uint64_t t1 = now_ns();
		if (r == 0)
			r = cycle_floor(root, i);
		t_ours[i] = t1 - t0;
		t_floor[i] = now_ns() - t1;
	}
	for (int i = 0; i < SPAWNS && r == 0; i++) {
		uint64_t t0 = now_ns();
		r = spawn_once(cgfd, 0);
		uint64_t t1 = now_ns();
		if (r == 0)
			r = spawn_once(cgfd, 1);
		t_clone3[i] = t1 - t0;
		t_fork[i] = now_ns() - t1;
	}
	close(cgfd);
	cg_kill(root);
	cg_wait_populated(root, 0, 5000);
	int rm = cg_scope_remove(root);
	if (r < 0) {
		fprintf(stderr, "scope_cycle: failed: %s\n", strerror(-r));
		return 1;
	}
	double ours = 1e9 / median(t_ours, CYCLES), floor_rate = 1e9 / median(t_floor, CYCLES);
	double us_clone3 = median(t_clone3, SPAWNS) / 1e3, us_fork = median(t_fork, SPAWNS) / 1e3;
	double ratio = ours / floor_rate, sratio = us_fork / us_clone3;
	printf(
	    "{\"name\":\"scope_cycle_ratio\",\"value\":%.3f,\"unit\":\"ratio\",\"floor\":%.1f,"
	    "\"ratio\":%.3f,\"note\":\"scope create+clone3 /bin/true+reap+kill+wait empty+rmdir: "
	    "ours %.1f/s vs inline syscalls %.1f/s (floor, cycles/s, from medians of %d "
	    "alternating cycles); ratio ours/floor, bigger is better; the gap is the child's "
	    "hygiene the floor skips: setsid (a new sched autogroup), signal reset, fd "
	    "closing, exec-failure pipe\"}\n",
	    ratio, floor_rate, ratio, ours, floor_rate, CYCLES);
	printf(
	    "{\"name\":\"clone3_vs_fork_ratio\",\"value\":%.3f,\"unit\":\"ratio\",\"floor\":%.1f,"
	    "\"ratio\":%.3f,\"note\":\"spawn_process into a cgroup + reap of a child that exits "
	    "at once: clone3 CLONE_INTO_CGROUP %.1f us vs fork + write cgroup.procs %.1f us "
	    "(floor, us per spawn, medians of %d alternating spawns); ratio fork time / clone3 "
	    "time, bigger is better\"}\n",
	    sratio, us_fork, sratio, us_clone3, us_fork, SPAWNS);
	return rm < 0 ? 1 : 0;
}
