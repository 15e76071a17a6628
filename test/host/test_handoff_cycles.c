/*
 * Host tier: 10000 allocation cycles (NamespaceRequest Pid+Net+Mount, the
 * three fds received and closed, AllocationEnded) against the real
 * pact-init, with no growth in its fd count or RSS. It runs the product
 * build ($BUILD/pact-init, static musl): under ASan 10000 cycles take about
 * 46 s here against 30 s, and the product's RSS is the figure that matters.
 * PACT_HANDOFF_CYCLES_BIN names another binary (e.g. build/san/pact-init);
 * HANDOFF_CYCLES sets the count.
 */
#include "daemon.h"
#include "handoff/alloc.h"
#include "lib/fileio.h"
#include "pact/handoff.h"
#include "hostutil.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct daemon d;
static struct pact_handoff_conn conn;

static long rss_kb(void)
{
	char p[64], buf[4096];
	snprintf(p, sizeof p, "/proc/%d/status", (int)d.pid);
	if (read_file(p, buf, sizeof buf) < 0)
		return -1;
	const char *v = strstr(buf, "VmRSS:");
	return v ? atol(v + 6) : -1;
}

static int cycles(int n, int *failed_at)
{
	static const enum pact_ns_type ns[] = {PACT_NS_PID, PACT_NS_NET, PACT_NS_MOUNT};
	for (int i = 0; i < n; i++) {
		struct pact_handoff_msg resp;
		int fds[3];
		char id[64];
		snprintf(id, sizeof id, "cyc-%d-%d", getpid(), i);
		int r = pact_handoff_request_ns(&conn, id, ns, 3, NULL, &resp, fds, 10000);
		if (r != 0) {
			*failed_at = i;
			return r;
		}
		for (unsigned j = 0; j < resp.n_ns; j++)
			close(fds[j]);
		r = pact_handoff_end(&conn, id, NULL, 10000);
		if (r != 0) {
			*failed_at = i;
			return r;
		}
	}
	return 0;
}

/* ALLOC_MAX allocations live at once, then all ended: every slot of the
 * daemon's tables has been used once, so how many cycles overlap in flight
 * (holders reaped late on a loaded machine) cannot touch new pages later. */
static int fill_tables(void)
{
	static const enum pact_ns_type ns[] = {PACT_NS_PID};
	int r = 0, made = 0;
	for (; made < ALLOC_MAX && r == 0; made++) {
		struct pact_handoff_msg resp;
		int fds[3];
		char id[64];
		snprintf(id, sizeof id, "fill-%d-%d", getpid(), made);
		r = pact_handoff_request_ns(&conn, id, ns, 1, NULL, &resp, fds, 10000);
		if (r == 0)
			close(fds[0]);
	}
	for (int i = 0; i < made - (r != 0); i++) {
		char id[64];
		snprintf(id, sizeof id, "fill-%d-%d", getpid(), i);
		if (pact_handoff_end(&conn, id, NULL, 10000) != 0)
			r = r ? r : -EIO;
	}
	return r;
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	const char *bin = getenv("PACT_HANDOFF_CYCLES_BIN");
	if (!bin || !*bin)
		bin = build_path("pact-init");
	setenv("PACT_INIT_BIN", bin, 1);
	int n = getenv("HANDOFF_CYCLES") ? atoi(getenv("HANDOFF_CYCLES")) : 10000;
	char conf[128];
	snprintf(conf, sizeof conf, "node_id = cycles\nhandoff.max_allocations_per_uid = %d\n",
		 ALLOC_MAX);
	is_int(daemon_start(&d, conf, ""), 0, "pact-init started (%s)", bin);
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	char sock[256];
	snprintf(sock, sizeof sock, "%s/handoff.sock", d.run_dir);
	is_int(pact_handoff_connect(&conn, sock), 0, "connected");
	int at = -1;
	is_int(cycles(200, &at), 0, "200 warm-up cycles");
	is_int(fill_tables(), 0, "%d allocations at once, then ended", ALLOC_MAX);
	int fd0 = fd_count_settled(d.pid);
	long rss0 = rss_kb();
	long t0 = host_ms_now();
	int r = cycles(n, &at);
	long took = host_ms_now() - t0;
	is_int(r, 0, "%d allocation cycles (Pid+Net+Mount, fds, end) in %ld ms", n, took);
	if (r)
		printf("# failed at cycle %d\n", at);
	int fd1 = fd_count_settled(d.pid);
	long rss1 = rss_kb();
	is_int(fd1, fd0, "pact-init's fd count did not grow (%d -> %d)", fd0, fd1);
	/* no growth: a few pages of slack for the allocator and the stack */
	ok(rss1 - rss0 <= 64, "pact-init's RSS did not grow (%ld kB -> %ld kB)", rss0, rss1);
	pact_handoff_close(&conn);
	if (tap_failed)
		printf("# log tail:\n%s\n", daemon_log(&d));
	kill(d.pid, SIGUSR2);
	daemon_wait_exit(&d, 15000);
	daemon_cleanup(&d);
	return done_testing();
}
