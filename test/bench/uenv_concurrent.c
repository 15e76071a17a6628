/*
 * Bench: uenv at job-start scale. A 128-rank job starting on one node is
 * 128 handoff clients asking a running pact-init, at the same moment, for
 * an allocation (a mount namespace) with the same uenv image. Figures:
 *   uenv_128_concurrent_ratio: time until all 128 are answered ÷ the time
 *     of one request alone, both from a cold image (not mounted: each round
 *     uses an image of its own), medians of ROUNDS alternating rounds;
 *     every answer must be a NamespaceResponse, and while all 128 hold
 *     their allocation the image must be mounted once, with refcount 128
 *     (`pactctl mounts`) and one mount in pact-init's mount table;
 *   uenv_16_concurrent_ratio: the same with 16 clients (what the limits of
 *     today serve: a scale to compare the 128 with).
 * The anchor: a per-task mounting tool goes from 0.07 s for one mount to
 * 1.87 s for 128 concurrent ones on one node (ratio 27).
 *
 * Each client is a process: forked before the start, it waits on a pipe
 * that the parent closes to start them all at once, connects (a blocking
 * connect: a full listen backlog makes it wait in the kernel, bounded by
 * SO_SNDTIMEO), sends its NamespaceRequest and notes when the answer came.
 * Only the public client library (pact/handoff.h) is used.
 *
 * pact-init runs as PID 1 of new pid, mount and cgroup namespaces (the
 * cgroup namespace rooted at a cgroup of its own below ours, so its
 * pact.slice and workload.slice do not land in the host's root), with
 * uenv.hold_s = 0. Root only. Prints JSON lines.
 *   uenv_concurrent [PACT_INIT [PACTCTL]]   (default $BUILD/pact-init, $BUILD/pactctl)
 */
#include "bench.h"
#include "bench_daemon.h"
#include "pact/handoff.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLIENTS_MAX    128
#define ROUNDS	       9
#define REQUEST_MS     20000	    /* one client's bound for its answer */
#define ROUND_MS       60000	    /* the parent's bound for a whole round */
#define IMAGES_PER_RUN (4 * ROUNDS) /* one per round and side, for 128 and 16 */

struct answer {
	uint64_t done_ns; /* when the answer came (CLOCK_MONOTONIC) */
	int rc;		  /* PACT_HANDOFF_OK, _GOT_ERROR or -errno */
	int kind;	  /* the Error's kind when rc is _GOT_ERROR */
	char reason[120]; /* its reason, or the failing step and errno */
};

static char sock_path[108], run_dir[PATH_MAX], bin_init[PATH_MAX], bin_ctl[PATH_MAX];
static struct bench_daemon dmn;
static struct answer *answers; /* shared with the clients */
static struct pact_handoff_conn conn;

/*
 * Run argv with stdout into buf (NUL-terminated, cap-1 bytes at most) and
 * stderr to /dev/null; its exit status, or -1.
 */
static int run_capture(const char *const argv[], char *buf, size_t cap)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		dup2(p[1], 1);
		if (null >= 0)
			dup2(null, 2); /* pactctl wait-ready says each retry */
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < cap && (r = read(p[0], buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(p[0]);
	int st = -1;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- pact-init in its own namespaces ---- */

static int start_daemon(void)
{
	char p[PATH_MAX];
	int r = bench_daemon_prepare(&dmn, "");
	if (r < 0)
		return r;
	snprintf(p, sizeof p, "%s/images", dmn.dir);
	mkdir(p, 0755);
	char conf[512];
	snprintf(conf, sizeof conf,
		 "node_id = bench\nuenv.image_roots = %s/images\nuenv.hold_s = 0\n", dmn.dir);
	snprintf(p, sizeof p, "%s/etc/init.conf", dmn.dir);
	bench_write_text(p, conf);
	snprintf(sock_path, sizeof sock_path, "%s/run/handoff.sock", dmn.dir);
	snprintf(run_dir, sizeof run_dir, "%s/run", dmn.dir);
	if ((r = bench_daemon_launch(&dmn, bin_init)) < 0)
		return r;
	/* the node's readiness, bounded: requests before it would be queued */
	char out[256];
	const char *argv[] = {bin_ctl, "--run-dir", run_dir, "wait-ready", "--timeout", "30", NULL};
	return run_capture(argv, out, sizeof out) == 0 ? 0 : -ETIMEDOUT;
}

/* ---- images ---- */

static const char *find_mkuenv(void)
{
	return access("images/mkuenv.sh", X_OK) == 0 ? "images/mkuenv.sh" : NULL;
}

/* One image made with images/mkuenv.sh, then one copy per round and kind (cold each time). */
static int make_images(void)
{
	char first[PATH_MAX], cmd[3 * PATH_MAX];
	const char *mk = find_mkuenv();
	if (!mk) {
		fprintf(stderr,
			"uenv_concurrent: run from the top of the tree (images/mkuenv.sh)\n");
		return -1;
	}
	snprintf(first, sizeof first, "%s/images/job-0.sqfs", dmn.dir);
	snprintf(cmd, sizeof cmd, "%s '%s' job >/dev/null", mk, first);
	if (system(cmd) != 0)
		return -1;
	for (int i = 1; i < IMAGES_PER_RUN; i++) {
		snprintf(cmd, sizeof cmd, "cp '%s' '%s/images/job-%d.sqfs'", first, dmn.dir, i);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* ---- one round ---- */

static void client(int i, int start_fd, int done_fd, int end_fd, const char *image, int round)
{
	char b;
	while (read(start_fd, &b, 1) < 0 && errno == EINTR)
		;
	struct answer *a = &answers[i];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, sock_path, sizeof sa.sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = REQUEST_MS / 1000};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		a->rc = -errno;
		snprintf(a->reason, sizeof a->reason, "connect: %s", strerror(errno));
	} else {
		pact_handoff_attach(&conn, fd);
		static const enum pact_ns_type mnt[] = {PACT_NS_MOUNT};
		struct pact_handoff_msg resp;
		int fds[PACT_NS_COUNT];
		char id[64];
		snprintf(id, sizeof id, "job-%d-r%d-rank%d", getppid(), round, i);
		a->rc = pact_handoff_request_ns(&conn, id, mnt, 1, image, &resp, fds, REQUEST_MS);
		a->done_ns = now_ns();
		if (a->rc == PACT_HANDOFF_OK)
			for (unsigned k = 0; k < resp.n_ns; k++)
				close(fds[k]);
		else if (a->rc == PACT_HANDOFF_GOT_ERROR)
			a->kind = (int)resp.kind;
		if (a->rc == PACT_HANDOFF_GOT_ERROR)
			snprintf(a->reason, sizeof a->reason, "%.119s", resp.reason);
		else if (a->rc < 0)
			snprintf(a->reason, sizeof a->reason, "request: %s", strerror(-a->rc));
		(void)!write(done_fd, "x", 1);
		/* hold the allocation until every client is answered and counted */
		while (read(end_fd, &b, 1) < 0 && errno == EINTR)
			;
		if (a->rc == PACT_HANDOFF_OK)
			(void)pact_handoff_end(&conn, id, NULL, REQUEST_MS);
		pact_handoff_close(&conn);
		_exit(0);
	}
	a->done_ns = now_ns();
	(void)!write(done_fd, "x", 1);
	_exit(0);
}

/* Mounts of the image in pact-init's mount table (by the mount point's name). */
static int count_mounts(const char *name)
{
	char path[64], line[2048], want[160];
	snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)dmn.pid);
	snprintf(want, sizeof want, "/uenv/%s ", name);
	FILE *f = fopen(path, "re");
	int n = 0;
	while (f && fgets(line, sizeof line, f))
		n += strstr(line, want) != NULL;
	if (f)
		fclose(f);
	return f ? n : -1;
}

/* The image's refcount in `pactctl mounts`, or -1. */
static long refcount_of(const char *image)
{
	static char out[65536];
	const char *argv[] = {bin_ctl, "--json", "--run-dir", run_dir, "mounts", NULL};
	if (run_capture(argv, out, sizeof out) != 0)
		return -1;
	char *at = strstr(out, image), *rc;
	if (!at || !(rc = strstr(at, "\"refcount\":")))
		return -1;
	return strtol(rc + 11, NULL, 10);
}

/* Wait (bounded) until pact-init's mount table no longer has the image: a
 * change of /proc/PID/mountinfo wakes poll with POLLPRI. */
static int wait_unmounted(const char *name)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)dmn.pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t deadline = now_ns() + 10000000000ull;
	while (fd >= 0 && count_mounts(name) > 0 && now_ns() < deadline) {
		struct pollfd p = {.fd = fd, .events = POLLPRI};
		(void)poll(&p, 1, 1000);
	}
	if (fd >= 0)
		close(fd);
	return count_mounts(name) == 0 ? 0 : -ETIMEDOUT;
}

struct round {
	double all_ms;			   /* until the last answer */
	int answered;			   /* NamespaceResponses */
	int errors[PACT_ERR_COUNT], other; /* Error kinds; connect/IO failures */
	long refcount;			   /* while all held */
	int mounts;			   /* of the image, while all held */
	char reasons[400];		   /* the distinct failure reasons, "; "-separated */
};

/* Add a failure reason to r->reasons unless it is there already (or full). */
static void note_reason(struct round *r, const char *why)
{
	size_t len = strlen(r->reasons);
	if (!why[0] || strstr(r->reasons, why) || len + strlen(why) + 3 >= sizeof r->reasons)
		return;
	snprintf(r->reasons + len, sizeof r->reasons - len, "%s%s", len ? "; " : "", why);
}

static int run_round(int n, int round, const char *image_name, struct round *res)
{
	char image[80];
	snprintf(image, sizeof image, "%s.sqfs", image_name);
	memset(res, 0, sizeof *res);
	memset(answers, 0, sizeof *answers * CLIENTS_MAX);
	int start[2], done[2], end[2];
	if (pipe2(start, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0 || pipe2(end, O_CLOEXEC) < 0)
		return -1;
	pid_t pids[CLIENTS_MAX];
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(start[1]);
			close(done[0]);
			close(end[1]);
			client(i, start[0], done[1], end[0], image, round);
		}
	}
	close(start[0]);
	close(done[1]);
	close(end[0]);
	uint64_t t0 = now_ns();
	close(start[1]); /* every client starts */
	int got = 0;
	char buf[CLIENTS_MAX];
	while (got < n) {
		struct pollfd p = {.fd = done[0], .events = POLLIN};
		if (poll(&p, 1, ROUND_MS) <= 0)
			break;
		ssize_t r = read(done[0], buf, sizeof buf);
		if (r <= 0)
			break;
		got += (int)r;
	}
	uint64_t last = t0;
	for (int i = 0; i < n; i++) {
		struct answer *a = &answers[i];
		if (a->done_ns > last)
			last = a->done_ns;
		if (a->rc == PACT_HANDOFF_OK)
			res->answered++;
		else if (a->rc == PACT_HANDOFF_GOT_ERROR && a->kind >= 0 &&
			 a->kind < PACT_ERR_COUNT)
			res->errors[a->kind]++;
		else
			res->other++;
		if (a->rc != PACT_HANDOFF_OK)
			note_reason(res, a->reason);
	}
	res->all_ms = (double)(last - t0) / 1e6;
	res->refcount = refcount_of(image);
	res->mounts = count_mounts(image_name);
	close(end[1]); /* every client ends its allocation */
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	close(done[0]);
	if (got < n) {
		fprintf(stderr, "uenv_concurrent: round %d: %d of %d clients reported\n", round,
			got, n);
		return -1;
	}
	return wait_unmounted(image_name);
}

static void describe_errors(const struct round *r, int n, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "%d of %d answered", r->answered, n);
	for (int k = 0; k < PACT_ERR_COUNT && o < cap; k++)
		if (r->errors[k])
			o += (size_t)snprintf(out + o, cap - o, ", %d %s", r->errors[k],
					      pact_handoff_err_name((enum pact_handoff_err)k));
	if (r->other && o < cap)
		o += (size_t)snprintf(out + o, cap - o, ", %d connect or I/O failures", r->other);
	if (r->reasons[0] && o < cap)
		snprintf(out + o, cap - o, " [%s]", r->reasons);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median_d(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

/* Alternating rounds of one client and n clients; prints the figure. */
static int measure(int n, int *image_no)
{
	double one[ROUNDS], all[ROUNDS];
	struct round r1, rn, worst = {0};
	int ok = 1;
	for (int k = 0; k < ROUNDS; k++) {
		char name[32];
		snprintf(name, sizeof name, "job-%d", (*image_no)++);
		if (run_round(1, k, name, &r1) < 0 || r1.answered != 1) {
			fprintf(stderr, "uenv_concurrent: one request alone failed (round %d)\n",
				k);
			return -1;
		}
		one[k] = r1.all_ms;
		snprintf(name, sizeof name, "job-%d", (*image_no)++);
		if (run_round(n, k, name, &rn) < 0)
			return -1;
		all[k] = rn.all_ms;
		if (rn.answered != n || rn.refcount != n || rn.mounts != 1) {
			ok = 0;
			worst = rn;
		}
	}
	double m1 = median_d(one, ROUNDS), mn = median_d(all, ROUNDS);
	char name[48], note[1024], errs[640];
	snprintf(name, sizeof name, "uenv_%d_concurrent_ratio", n);
	if (!ok) {
		describe_errors(&worst, n, errs, sizeof errs);
		snprintf(
		    note, sizeof note,
		    "%d handoff clients asking for the same uenv image at once: not all served "
		    "(%s; refcount %ld, %d mounts while they held); one request alone %.2f ms; "
		    "goal: all answered, one mount shared, ratio <= 3",
		    n, errs, worst.refcount, worst.mounts, m1);
		printf("{\"name\":\"%s\",\"value\":null,\"unit\":\"ratio\",\"floor\":%.3f,"
		       "\"ratio\":null,\"note\":\"%s\"}\n",
		       name, m1, note);
		return 0;
	}
	snprintf(note, sizeof note,
		 "value = time until all %d concurrent handoff clients (NamespaceRequest Mount + "
		 "the same uenv image, cold) are answered %.2f ms ÷ one such request alone %.2f ms "
		 "(floor, ms), medians of %d alternating rounds, pact-init on the host; one mount "
		 "shared (refcount %d); smaller is better%s; ratio = floor ÷ the all-answered "
		 "time, bigger is better",
		 n, mn, m1, ROUNDS, n, n == 128 ? ", goal <= 3" : "");
	printf("{\"name\":\"%s\",\"value\":%.3f,\"unit\":\"ratio\",\"floor\":%.3f,"
	       "\"ratio\":%.3f,\"note\":\"%s\"}\n",
	       name, mn / m1, m1, m1 / mn, note);
	return 0;
}

/* given, or $BUILD/name, resolved into out (PATH_MAX); -1 with a message if missing */
static int find_binary(const char *given, const char *build, const char *name, char *out)
{
	char arg[PATH_MAX];
	if (given)
		snprintf(arg, sizeof arg, "%s", given);
	else
		snprintf(arg, sizeof arg, "%s/%s", build, name);
	if (!realpath(arg, out) || access(out, X_OK) < 0) {
		fprintf(stderr, "uenv_concurrent: %s: not found\n", arg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	if (getuid() != 0) {
		fprintf(stderr, "uenv_concurrent: needs root\n");
		return 1;
	}
	if (find_binary(argc > 1 ? argv[1] : NULL, build, "pact-init", bin_init) < 0 ||
	    find_binary(argc > 2 ? argv[2] : NULL, build, "pactctl", bin_ctl) < 0)
		return 1;
	answers = mmap(NULL, sizeof *answers * CLIENTS_MAX, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (answers == MAP_FAILED)
		return 1;
	if (start_daemon() < 0) {
		fprintf(stderr, "uenv_concurrent: pact-init did not get ready (log: %s/log)\n",
			dmn.dir);
		bench_daemon_stop(&dmn);
		return 1;
	}
	int image_no = 0, r = make_images();
	if (r == 0)
		r = measure(128, &image_no);
	if (r == 0)
		r = measure(16, &image_no);
	bench_daemon_stop(&dmn);
	return r == 0 ? 0 : 1;
}
