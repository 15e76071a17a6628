/*
 * Bench: namespace handoff allocation cycles through a running pact-init
 * (NamespaceRequest, fds received, AllocationEnded, released) against a
 * floor loop doing the same kernel work directly in this process: clone3
 * with the same namespace flags, open /proc/<pid>/ns/{pid,net,mnt}, pass the fds over a
 * socketpair, kill, reap. Pid+Net+Mount and Pid+Mount (no netns).
 *
 * It starts $BUILD/pact-init itself as PID 1 of new pid and mount
 * namespaces (a /proc of its own, paths in a temp dir), like the host tier.
 * The floor and the cycles through pact-init alternate in BLOCKS blocks,
 * so that both see the same load of a shared machine. Root only. Prints
 * JSON lines: handoff_cycle_ratio, handoff_cycle_ratio_nonet,
 * handoff_p99_ms.
 */
#include "bench_daemon.h"
#include "lib/fileio.h"
#include "pact/handoff.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CYCLES 600
#define WARMUP 50
#define BLOCKS 6 /* alternating floor / pact-init blocks of CYCLES / BLOCKS cycles */

static struct pact_handoff_conn conn;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct result {
	double lat[CYCLES]; /* each cycle's, in µs */
	int n;
	double total_us;
	double rate; /* cycles per second */
	double p50_ms, p99_ms;
};

static void summarise(struct result *r)
{
	qsort(r->lat, CYCLES, sizeof r->lat[0], cmp_d);
	r->rate = CYCLES / (r->total_us / 1e6);
	r->p50_ms = r->lat[CYCLES / 2] / 1e3;
	r->p99_ms = r->lat[CYCLES * 99 / 100] / 1e3;
}

/* One cycle of either kind, timed into r. */
static int timed(struct result *r, int (*cycle)(void *ctx, int i), void *ctx)
{
	double s = now_us();
	int rc = cycle(ctx, r->n);
	double d = now_us() - s;
	if (rc < 0)
		return rc;
	r->lat[r->n++] = d;
	r->total_us += d;
	return 0;
}

/* ---- floor: the same kernel work, directly ---- */

static int floor_cycle(uint64_t flags, int nns, int sp[2])
{
	static const char *names[] = {"pid", "net", "mnt"};
	int pidfd = -1;
	struct clone_args ca;
	memset(&ca, 0, sizeof ca);
	ca.flags = flags | CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &ca, sizeof ca);
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		for (;;)
			pause();
	}
	int fds[3], n = 0;
	char p[64];
	for (int i = 0; i < 3; i++) {
		if (i == 1 && nns == 2)
			continue;
		snprintf(p, sizeof p, "/proc/%ld/ns/%s", pid, names[i]);
		fds[n++] = open(p, O_RDONLY | O_CLOEXEC);
	}
	char cbuf[CMSG_SPACE(sizeof(int) * 3)];
	memset(cbuf, 0, sizeof cbuf);
	char byte = 'x';
	struct iovec iov = {&byte, 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	int r = sendmsg(sp[0], &mh, 0) == 1 ? 0 : -errno;
	for (int i = 0; i < n; i++)
		close(fds[i]);
	mh.msg_controllen = sizeof cbuf;
	if (r == 0 && recvmsg(sp[1], &mh, MSG_CMSG_CLOEXEC) == 1) {
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			int got[3];
			size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(got, CMSG_DATA(cm), k * sizeof(int));
			for (size_t i = 0; i < k; i++)
				close(got[i]);
		}
	}
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	waitpid((pid_t)pid, NULL, 0);
	close(pidfd);
	return r;
}

struct floor_kind {
	uint64_t flags;
	int nns;
	int sp[2];
};

static int floor_one(void *ctx, int i)
{
	struct floor_kind *k = ctx;
	(void)i;
	return floor_cycle(k->flags, k->nns, k->sp);
}

/* ---- through pact-init ---- */

static int handoff_cycle(const char *tag, int i, int nns)
{
	static const enum pact_ns_type all[] = {PACT_NS_PID, PACT_NS_NET, PACT_NS_MOUNT};
	static const enum pact_ns_type pm[] = {PACT_NS_PID, PACT_NS_MOUNT};
	struct pact_handoff_msg resp;
	int fds[3];
	char id[64];
	snprintf(id, sizeof id, "bench-%s-%d", tag, i);
	int r = pact_handoff_request_ns(&conn, id, nns == 3 ? all : pm, (unsigned)nns, NULL, &resp,
					fds, 10000);
	if (r != 0)
		return r < 0 ? r : -EPROTO;
	for (unsigned j = 0; j < resp.n_ns; j++)
		close(fds[j]);
	return pact_handoff_end(&conn, id, NULL, 10000);
}

struct handoff_kind {
	const char *tag;
	int nns;
};

static int handoff_one(void *ctx, int i)
{
	struct handoff_kind *k = ctx;
	int r = handoff_cycle(k->tag, i, k->nns);
	if (r < 0)
		fprintf(stderr, "handoff cycle %d: %s\n", i, strerror(-r));
	return r;
}

/*
 * The floor and the cycles through pact-init of one kind, after a warm-up
 * of each, in alternating blocks: a machine whose load changes during the
 * run weighs on both alike.
 */
static int run_pair(struct floor_kind *fk, struct handoff_kind *hk, struct result *f,
		    struct result *h)
{
	char w[32];
	snprintf(w, sizeof w, "%s-w", hk->tag);
	struct handoff_kind warm = {w, hk->nns};
	for (int i = 0; i < WARMUP; i++)
		if (floor_one(fk, i) < 0 || handoff_one(&warm, i) < 0)
			return -1;
	memset(f, 0, sizeof *f);
	memset(h, 0, sizeof *h);
	for (int b = 0; b < BLOCKS; b++) {
		int end = CYCLES * (b + 1) / BLOCKS;
		while (f->n < end)
			if (timed(f, floor_one, fk) < 0)
				return -1;
		while (h->n < end)
			if (timed(h, handoff_one, hk) < 0)
				return -1;
	}
	summarise(f);
	summarise(h);
	return 0;
}

/* ---- the daemon ---- */

static struct bench_daemon dmn;

static int start_daemon(const char *bin)
{
	char p[PATH_MAX];
	if (bench_daemon_prepare(&dmn, "node_id = bench\n") < 0 ||
	    bench_daemon_launch(&dmn, bin) < 0)
		return -1;
	/* the socket appears early; requests before readiness are queued */
	snprintf(p, sizeof p, "%s/run/handoff.sock", dmn.dir);
	for (int i = 0; i < 1000; i++) {
		if (pact_handoff_connect(&conn, p) == 0)
			return 0;
		poll(NULL, 0, 10);
	}
	return -ETIMEDOUT;
}

static void stop_daemon(void)
{
	pact_handoff_close(&conn);
	bench_daemon_stop(&dmn);
}

static void figure(const char *name, double value, const char *unit, double floor, double ratio,
		   const char *note)
{
	printf("{\"name\":\"%s\",\"value\":%.3f,\"unit\":\"%s\",\"floor\":%.3f,\"ratio\":%.3f,"
	       "\"note\":\"%s\"}\n",
	       name, value, unit, floor, ratio, note);
}

int main(int argc, char **argv)
{
	char arg[PATH_MAX], bin[PATH_MAX];
	if (getuid() != 0) {
		fprintf(stderr, "handoff bench: needs root\n");
		return 1;
	}
	if (argc > 1)
		snprintf(arg, sizeof arg, "%s", argv[1]);
	else
		snprintf(arg, sizeof arg, "%s/pact-init",
			 getenv("BUILD") ? getenv("BUILD") : "build");
	if (!realpath(arg, bin) || access(bin, X_OK) < 0) {
		fprintf(stderr, "handoff bench: %s: not found\n", bin);
		return 1;
	}
	static struct result f3, f2, h3, h2;
	struct floor_kind fk3 = {CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS, 3, {-1, -1}};
	struct floor_kind fk2 = {CLONE_NEWPID | CLONE_NEWNS, 2, {-1, -1}};
	struct handoff_kind hk3 = {"pnm", 3}, hk2 = {"pm", 2};
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fk3.sp) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fk2.sp) < 0) {
		fprintf(stderr, "handoff bench: socketpair: %s\n", strerror(errno));
		return 1;
	}
	if (start_daemon(bin) < 0) {
		fprintf(stderr, "handoff bench: pact-init did not start\n");
		stop_daemon();
		return 1;
	}
	if (run_pair(&fk3, &hk3, &f3, &h3) < 0 || run_pair(&fk2, &hk2, &f2, &h2) < 0) {
		fprintf(stderr, "handoff bench: a floor or handoff cycle failed: %s\n",
			strerror(errno));
		stop_daemon();
		return 1;
	}
	stop_daemon();
	char note[512];
	snprintf(note, sizeof note,
		 "allocation cycles/s Pid+Net+Mount via pact-init %.0f/s (p50 %.2f ms) vs direct "
		 "clone3+ns fds+SCM_RIGHTS+kill+reap %.0f/s (p50 %.2f ms), %d cycles each in %d "
		 "alternating blocks; ratio = ours/floor, bigger is better",
		 h3.rate, h3.p50_ms, f3.rate, f3.p50_ms, CYCLES, BLOCKS);
	figure("handoff_cycle_ratio", h3.rate / f3.rate, "ratio", f3.rate, h3.rate / f3.rate, note);
	snprintf(note, sizeof note,
		 "as handoff_cycle_ratio with Pid+Mount only (no netns): %.0f/s (p50 %.2f ms) vs "
		 "floor %.0f/s (p50 %.2f ms); bigger is better",
		 h2.rate, h2.p50_ms, f2.rate, f2.p50_ms);
	figure("handoff_cycle_ratio_nonet", h2.rate / f2.rate, "ratio", f2.rate, h2.rate / f2.rate,
	       note);
	snprintf(note, sizeof note,
		 "p99 latency of one Pid+Net+Mount cycle via pact-init (p50 %.2f ms); floor = the "
		 "direct loop's p99; ratio = floor/ours, bigger is better",
		 h3.p50_ms);
	figure("handoff_p99_ms", h3.p99_ms, "ms", f3.p99_ms, f3.p99_ms / h3.p99_ms, note);
	return 0;
}
