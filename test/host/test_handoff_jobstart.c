/*
 * Host tier: a 128-rank job starting on one node. 128 handoff clients of
 * the real pact-init (sanitized build, PID 1 of fresh namespaces), each on
 * its own connection, send a NamespaceRequest (Mount) for the same cold
 * uenv image before any answer is read. Every one is answered with a
 * NamespaceResponse and its own mount namespace, which shows the image;
 * the image is mounted once, with refcount 128. pact-init's two tables
 * that grow with clients (connections, allocations) are left out of the
 * children it forks (wipe-on-fork), so that starting each holder does not
 * copy them. Once all 128 end their allocation, nothing is left: the
 * image is unmounted (uenv.hold_s = 0), every holder's scope is removed,
 * and pact-init has the fds it had before.
 */
#include "daemon.h"
#include "hostutil.h"
#include "pact/handoff.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define RANKS 128 /* handoff.max_allocations_per_uid's default: one uid's whole share */

static struct daemon d;
static char imgdir[128];
static struct pact_handoff_conn conns[RANKS];
static int nsfd[RANKS];

/* A blocking connect (a full backlog waits in the kernel, bounded), then
 * the client library on the socket. */
static int connect_rank(struct pact_handoff_conn *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = pf("%s/handoff.sock", d.run_dir);
	if (strlen(path) >= sizeof sa.sun_path)
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = 10};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return -e;
	}
	pact_handoff_attach(c, fd);
	return 0;
}

static const char *rank_id(int i)
{
	return pf("job-rank-%d", i);
}

/* Lines of pact-init's mount table whose mount point is <base>/job. */
static int mounts_of_job(void)
{
	char line[2048];
	FILE *f = fopen(pf("/proc/%d/mountinfo", (int)d.pid), "re");
	int n = 0;
	const char *want = pf(" %s/uenv/job ", d.run_dir);
	while (f && fgets(line, sizeof line, f))
		n += strstr(line, want) != NULL;
	if (f)
		fclose(f);
	return f ? n : -1;
}

/* Wait (bounded) until the image is gone from pact-init's mount table: a
 * change of /proc/PID/mountinfo wakes poll with POLLPRI. */
static int wait_job_unmounted(int timeout_ms)
{
	int fd = open(pf("/proc/%d/mountinfo", (int)d.pid), O_RDONLY | O_CLOEXEC);
	long deadline = host_ms_now() + timeout_ms;
	while (fd >= 0 && mounts_of_job() != 0 && host_ms_now() < deadline) {
		struct pollfd p = {.fd = fd, .events = POLLPRI};
		(void)poll(&p, 1, (int)(deadline - host_ms_now()));
	}
	if (fd >= 0)
		close(fd);
	return mounts_of_job() == 0 ? 0 : -ETIMEDOUT;
}

/* The uenv image mounted at <base>/job in the mount namespace nsfd? */
static int shows_image(int fd)
{
	pid_t c = fork();
	if (c == 0) {
		struct stat b, st;
		const char *base = pf("%s/uenv", d.run_dir);
		_exit(setns(fd, CLONE_NEWNS) == 0 && stat(base, &b) == 0 &&
			      stat(pf("%s/job", base), &st) == 0 && st.st_dev != b.st_dev
			  ? 0
			  : 1);
	}
	int st;
	return c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* The holders' scopes left in pact.slice/infra.slice. */
static int holder_scopes(void)
{
	DIR *dir = opendir(pf("%s/pact.slice/infra.slice", d.cg));
	int n = 0;
	for (struct dirent *e; dir && (e = readdir(dir));)
		n += strncmp(e->d_name, "nsholder-job-rank-", 18) == 0;
	if (dir)
		closedir(dir);
	return dir ? n : -1;
}

static int no_holder_scope(void *ctx)
{
	(void)ctx;
	return holder_scopes() == 0;
}

/* A VMA of pact-init marked wipe-on-fork ("wf" in its VmFlags). */
static int has_wipeonfork(void)
{
	char line[512];
	FILE *f = fopen(pf("/proc/%d/smaps", (int)d.pid), "re");
	int n = 0;
	while (f && fgets(line, sizeof line, f))
		n += strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " wf") != NULL;
	if (f)
		fclose(f);
	return n;
}

static void job_start(void)
{
	static const enum pact_ns_type mnt[] = {PACT_NS_MOUNT};
	int fd0 = fd_count_settled(d.pid), connected = 0, sent = 0, answered = 0, errors = 0;
	for (int i = 0; i < RANKS; i++)
		connected += connect_rank(&conns[i]) == 0;
	is_int(connected, RANKS, "%d clients connected", RANKS);
	for (int i = 0; i < connected; i++) {
		struct pact_handoff_msg m;
		memset(&m, 0, sizeof m);
		m.type = PACT_MSG_NAMESPACE_REQUEST;
		m.has_allocation_id = 1;
		snprintf(m.allocation_id, sizeof m.allocation_id, "%s", rank_id(i));
		m.n_ns = 1;
		m.ns[0] = mnt[0];
		m.has_uenv = 1;
		snprintf(m.uenv, sizeof m.uenv, "job.sqfs");
		sent += pact_handoff_send(&conns[i], &m, 10000) == 0;
	}
	is_int(sent, connected, "each sent its NamespaceRequest before any answer was read");
	for (int i = 0; i < sent; i++) {
		struct pact_handoff_msg resp;
		unsigned nfds = 0;
		int fds[PACT_NS_COUNT] = {-1, -1, -1};
		nsfd[i] = -1;
		int r = pact_handoff_recv(&conns[i], &resp, fds, PACT_NS_COUNT, &nfds, 30000);
		if (r == 0 && resp.type == PACT_MSG_NAMESPACE_RESPONSE && nfds == 1) {
			answered++;
			nsfd[i] = fds[0];
		} else {
			if (errors++ == 0)
				diag("rank %d: %s", i,
				     r < 0 ? strerror(-r)
					   : (resp.type == PACT_MSG_ERROR ? resp.reason : "no fd"));
			for (unsigned k = 0; k < nfds; k++)
				close(fds[k]);
		}
	}
	is_int(answered, RANKS, "all %d answered with a NamespaceResponse and one fd", RANKS);
	is_int(pactctl_int(&d, "mounts", "image_path", pf("%s/job.sqfs", imgdir), "refcount"),
	       RANKS, "the image holds %d references", RANKS);
	is_int(mounts_of_job(), 1, "and is mounted once in pact-init's mount table");
	int shown = 0, distinct = 1;
	for (int i = 0; i < answered; i++) {
		shown += shows_image(nsfd[i]);
		struct stat a, b;
		if (i && fstat(nsfd[i], &a) == 0 && fstat(nsfd[i - 1], &b) == 0 &&
		    a.st_ino == b.st_ino)
			distinct = 0;
	}
	is_int(shown, RANKS, "every allocation's mount namespace shows the image");
	ok(distinct, "each allocation has a mount namespace of its own");
	ok(has_wipeonfork() >= 2, "pact-init's connection and allocation tables are left out of "
				  "the children it forks (wipe-on-fork)");

	int ended = 0;
	for (int i = 0; i < answered; i++) {
		close(nsfd[i]);
		ended += pact_handoff_end(&conns[i], rank_id(i), NULL, 10000) == 0;
	}
	is_int(ended, RANKS, "all %d ended their allocation", RANKS);
	for (int i = 0; i < connected; i++)
		pact_handoff_close(&conns[i]);
	is_int(wait_job_unmounted(10000), 0,
	       "the image is unmounted once the last reference is gone (hold 0 s)");
	is_int(pactctl_int(&d, "mounts", "image_path", pf("%s/job.sqfs", imgdir), "refcount"), -1,
	       "and no longer listed");
	is_int(wait_until(pf("%s/pact.slice/infra.slice", d.cg), IN_DELETE | IN_DELETE_SELF,
			  no_holder_scope, NULL, 10000),
	       0, "every holder's scope is removed");
	is_int(fd_count_settled(d.pid), fd0, "pact-init has the fds it had before the job (%d)",
	       fd0);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	snprintf(imgdir, sizeof imgdir, "/tmp/pact-jobstart-%d", getpid());
	const char *mk[] = {"images/mkuenv.sh", pf("%s/job.sqfs", imgdir), "job", NULL};
	if (mkdir(imgdir, 0755) < 0 || run(mk) != 0) {
		printf("1..0 # SKIP images/mkuenv.sh failed (mksquashfs missing?)\n");
		rmdir(imgdir);
		return 0;
	}
	char conf[512];
	snprintf(conf, sizeof conf, "node_id = job-node\nuenv.image_roots = %s\nuenv.hold_s = 0\n",
		 imgdir);
	is_int(daemon_start(&d, conf, ""), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	if (!d.cg[0])
		skip("no test cgroup for pact-init", "a 128-rank job start");
	else
		job_start();
	daemon_finish(&d, tap_failed);
	const char *rm[] = {"rm", "-rf", imgdir, NULL};
	run(rm);
	return done_testing();
}
