/*
 * Host tier: a late end of an old scope never takes the new run's scope.
 *
 * A service's first run leaves a process held in the kernel (a lookup on
 * a FUSE file system whose answer the test holds back: SIGKILL cannot end
 * it before the answer), then exits: its scope is killed, but cannot empty
 * and stays behind while its removal waits. `pactctl start` runs the
 * service again in a new scope; only then is the old process let go, the
 * old scope empties and its removal completes. The service must still
 * know its new scope, and `pactctl stop` must kill every process in it
 * (before, the late completion cleared the service's scope: the new run's
 * processes escaped supervision, even stop).
 */
#include "daemon.h"
#include "fusehold.h"
#include "hostutil.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct daemon d;

static const char *slice(void)
{
	return pf("%s/pact.slice/infra.slice", d.cg);
}

static int gone(void *path)
{
	return access(path, F_OK) != 0;
}

/* Wait until dir/name is gone: inotify on dir, bounded. 0 or -ETIMEDOUT. */
static int wait_gone(const char *dir, const char *name, int timeout_ms)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return wait_until(dir, IN_DELETE, gone, path, timeout_ms);
}

/* The pids (host view) in a cgroup's cgroup.procs. */
static int procs_of(const char *cg, pid_t *pids, int max)
{
	char buf[4096];
	FILE *f = fopen(pf("%s/cgroup.procs", cg), "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	int k = 0;
	for (char *save, *l = strtok_r(buf, "\n", &save); l && k < max;
	     l = strtok_r(NULL, "\n", &save))
		pids[k++] = (pid_t)atoi(l);
	return k;
}

static int dies_within(pid_t pid, int timeout_ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return errno == ESRCH;
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	int r = poll(&p, 1, timeout_ms) == 1;
	close(pfd);
	return r;
}

static void write_unit(const char *fuse)
{
	mkdir(pf("%s/etc/services", d.dir), 0755);
	FILE *f = fopen(pf("%s/etc/services/holder.service", d.dir), "w");
	if (!f)
		return;
	/* run 1: a process held in the kernel, then exit 0 when told (the
	 * fifo); run 2: two sleeps, ready once both are there */
	fprintf(
	    f,
	    "[Service]\nType=notify\nRestart=no\nExecStart=/bin/sh -c '"
	    "if [ -e %s/second ]; then sleep 100000 & %s notify --ready; exec sleep 100000; fi; "
	    "stat %s/hold >/dev/null 2>&1 & %s notify --ready; read x < %s/fifo; exit 0'\n",
	    d.dir, build_path("san/pactctl"), fuse, build_path("san/pactctl"), d.dir);
	fclose(f);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	struct fusehold h;
	char fuse[64];
	snprintf(fuse, sizeof fuse, "/tmp/pact-fusehold-%d", getpid());
	int r = fusehold_mount(&h, fuse);
	if (r < 0) {
		printf("1..0 # SKIP no FUSE here (%s): the VM tier has no other way to hold a "
		       "process in its scope\n",
		       strerror(-r));
		return 0;
	}
	is_int(daemon_prepare(&d, "node_id = race-node\n", "quiet"), 0, "prepared");
	write_unit(fuse);
	mkfifo(pf("%s/fifo", d.dir), 0600);
	is_int(daemon_launch(&d), 0, "pact-init started (the FUSE mount is in its namespace)");
	is_int(daemon_wait_file(&d, "ready", 20000), 0, "ready: holder runs");
	is_int(fusehold_wait_held(&h, 10000), 0,
	       "holder's first run has a process held in the kernel");

	int fifo = open(pf("%s/fifo", d.dir), O_WRONLY | O_CLOEXEC);
	ok(fifo >= 0 && write(fifo, "x\n", 2) == 2, "holder's main process told to exit");
	if (fifo >= 0)
		close(fifo);
	is_int(daemon_wait_log(&d, "service holder\\.service: exited with status 0", 10000), 0,
	       "it exited: its scope is killed");
	char events[256] = "";
	FILE *f = fopen(pf("%s/holder.scope/cgroup.events", slice()), "r");
	if (f) {
		(void)!fread(events, 1, sizeof events - 1, f);
		fclose(f);
	}
	ok(strstr(events, "populated 1") != NULL,
	   "but holder.scope cannot empty: the held process");

	close(open(pf("%s/second", d.dir), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	char out[16384];
	is_int(daemon_pactctl(&d, "start holder", out, sizeof out), 0, "pactctl start holder");
	is_int(daemon_wait_log(&d,
			       "scope pact\\.slice/infra\\.slice/holder-1\\.scope\\)\n(.|\n)*"
			       "service holder\\.service: ready",
			       10000),
	       0, "its second run is ready, in holder-1.scope");
	pid_t pids[8];
	int n = procs_of(pf("%s/holder-1.scope", slice()), pids, 8);
	ok(n >= 2, "the second run has its processes in holder-1.scope (%d)", n);

	is_int(fusehold_release(&h), 0, "the held process let go");
	is_int(wait_gone(slice(), "holder.scope", 15000), 0,
	       "the first run's scope empties and is removed");
	is_int(daemon_pactctl(&d, "--json services", out, sizeof out), 0, "pactctl services");
	ok(strstr(out, "\"scope\":\"pact.slice/infra.slice/holder-1.scope\"") != NULL,
	   "the service still knows its new scope");
	if (!strstr(out, "holder-1.scope"))
		diag("%s", out);

	is_int(daemon_pactctl(&d, "stop holder", out, sizeof out), 0, "pactctl stop holder");
	is_int(daemon_wait_log(&d, "service holder\\.service: stopped", 15000), 0, "it stopped");
	int dead = 0;
	for (int i = 0; i < n; i++)
		dead += dies_within(pids[i], 5000);
	is_int(dead, n, "every process of the new run was killed");
	is_int(wait_gone(slice(), "holder-1.scope", 5000), 0, "and its scope removed");

	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	fusehold_end(&h);
	daemon_cleanup(&d);
	return done_testing();
}
