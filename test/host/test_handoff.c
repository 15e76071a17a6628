/*
 * Host tier: the handoff server of the real pact-init (sanitized build, PID 1
 * of fresh pid and mount namespaces, run dir in a temp dir) with real
 * sockets, fds, namespaces, cgroups and a squashfs uenv built at test time:
 * round trip (inodes, lo only and UP, pid namespace, uenv inside), repeat,
 * end by message, end by cgroup emptiness (the push), PermissionDenied, and
 * queueing before readiness (a slow notify service). Hostile inputs are
 * test_handoff_hostile.c.
 * The 10000-cycle leak test is test_handoff_cycles.c.
 */
#include "daemon.h"
#include "lib/fileio.h"
#include "lib/frame.h"
#include "proto/handoff_msg.h"
#include "os/netconf.h"
#include "pact/handoff.h"
#include "hostutil.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct daemon d;
static struct pact_handoff_conn conn, conn2;
static char imgdir[128];
static int have_uenv;

static unsigned long long ino_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

static unsigned long long ino_path(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

static char *sock_path(void)
{
	static char p[256];
	snprintf(p, sizeof p, "%s/handoff.sock", d.run_dir);
	return p;
}

/* The host pid of the daemon's child whose pid in the daemon's namespace is nspid. */
static int host_pid_of(int nspid)
{
	char p[128], line[4096];
	snprintf(p, sizeof p, "/proc/%d/task/%d/children", (int)d.pid, (int)d.pid);
	if (read_file(p, line, sizeof line) < 0)
		return -1;
	for (char *save, *w = strtok_r(line, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		char st[4096], *q;
		snprintf(p, sizeof p, "/proc/%s/status", w);
		if (read_file(p, st, sizeof st) < 0 || !(q = strstr(st, "NSpid:")))
			continue;
		int host = 0, ns = 0;
		if (sscanf(q, "NSpid: %d %d", &host, &ns) == 2 && ns == nspid)
			return host;
	}
	return -1;
}

/* Run fn in a forked child; its exit status (0 = pass). */
static int in_child(int (*fn)(void *), void *arg)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0)
		_exit(fn(arg));
	int st = 0;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int check_net(void *arg)
{
	struct net_link_info links[8];
	if (setns(*(int *)arg, CLONE_NEWNET) < 0)
		return 10;
	int n = net_list_links(links, 8);
	if (n != 1)
		return 11;
	if (strcmp(links[0].ifname, "lo") != 0)
		return 12;
	return (links[0].flags & IFF_UP) ? 0 : 13;
}

static int check_pid(void *arg)
{
	int fd = *(int *)arg;
	unsigned long long want = ino_of(fd);
	if (setns(fd, CLONE_NEWPID) < 0)
		return 10;
	pid_t c = fork();
	if (c == 0) {
		/* a /proc of that pid namespace shows who its PID 1 is */
		if (getpid() <= 1)
			_exit(11);
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("proc", "/proc", "proc", 0, NULL) < 0)
			_exit(12);
		if (ino_path("/proc/1/ns/pid") != want)
			_exit(13);
		if (ino_path("/proc/self/ns/pid") != want)
			_exit(14);
		_exit(0);
	}
	int st = 0;
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

struct mnt_arg {
	int fd;
	const char *path;
};

static int check_mnt(void *arg)
{
	struct mnt_arg *a = arg;
	char buf[64] = "", p[1200];
	if (setns(a->fd, CLONE_NEWNS) < 0)
		return 10;
	snprintf(p, sizeof p, "%s/env/name", a->path);
	if (read_file(p, buf, sizeof buf) < 0)
		return 11;
	return strcmp(buf, "tiny\n") == 0 ? 0 : 12;
}

static void close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static const enum pact_ns_type all3[] = {PACT_NS_PID, PACT_NS_NET, PACT_NS_MOUNT};

static void test_round_trip(void)
{
	struct pact_handoff_msg resp;
	int fds[3] = {-1, -1, -1};
	char id[64];
	snprintf(id, sizeof id, "rt-%d", getpid());
	is_int(pact_handoff_connect(&conn, sock_path()), 0, "connect to the handoff socket");
	int r = pact_handoff_request_ns(&conn, id, all3, 3, have_uenv ? "tiny.sqfs" : NULL, &resp,
					fds, 15000);
	is_int(r, PACT_HANDOFF_OK, "NamespaceRequest Pid+Net+Mount%s answered",
	       have_uenv ? "+uenv" : "");
	if (r != 0) {
		if (r == 1)
			diag("error %s: %s", pact_handoff_err_name(resp.kind), resp.reason);
		return;
	}
	ok(resp.n_ns == 3 && resp.ns[0] == PACT_NS_PID && resp.ns[1] == PACT_NS_NET &&
	       resp.ns[2] == PACT_NS_MOUNT,
	   "fd_types in request order");
	ok(fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0, "three fds arrived");
	ok((fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0, "received fds are close-on-exec");
	char want[512];
	snprintf(want, sizeof want, "%s/uenv/tiny", d.run_dir);
	if (have_uenv)
		is_str(resp.has_uenv ? resp.uenv : "", want, "uenv_mount_path is <run>/uenv/tiny");
	else
		skip("no mksquashfs", "uenv_mount_path");
	int hp = alloc_holder_pid(&d, id);
	ok(hp > 1, "pactctl allocations lists the allocation with its holder pid (%d)", hp);
	int host = host_pid_of(hp);
	ok(host > 0, "the holder is a child of pact-init (host pid %d)", host);
	static const char *nsn[] = {"pid", "net", "mnt"};
	for (int i = 0; i < 3; i++) {
		char p[128];
		snprintf(p, sizeof p, "/proc/%d/ns/%s", host, nsn[i]);
		ok(ino_of(fds[i]) != 0 && ino_of(fds[i]) == ino_path(p),
		   "%s fd inode equals the holder's /proc/<pid>/ns/%s", nsn[i], nsn[i]);
	}
	ok(ino_of(fds[1]) != ino_path("/proc/self/ns/net"), "a new net namespace, not ours");
	is_int(in_child(check_net, &fds[1]), 0, "inside the net fd: only lo, and it is UP");
	is_int(in_child(check_pid, &fds[0]), 0,
	       "inside the pid fd: a child is pid > 1 and PID 1 there is the holder");
	if (have_uenv) {
		struct mnt_arg a = {fds[2], want};
		is_int(in_child(check_mnt, &a), 0,
		       "the uenv is visible inside the mount namespace");
		char inner[600];
		snprintf(inner, sizeof inner, "%s/env/name", want);
		ok(access(inner, F_OK) != 0, "and not in the test's own mount namespace");
	} else {
		skip("no mksquashfs", "uenv inside the mount namespace");
		skip("no mksquashfs", "uenv not outside");
	}

	/* idempotent repeat: same namespaces, new fds, no second mount reference */
	int fds2[3] = {-1, -1, -1};
	struct pact_handoff_msg resp2;
	r = pact_handoff_request_ns(&conn, id, all3, 3, have_uenv ? "tiny.sqfs" : NULL, &resp2,
				    fds2, 10000);
	is_int(r, 0, "a repeated request is answered");
	ok(r == 0 && fds2[0] != fds[0] && ino_of(fds2[0]) == ino_of(fds[0]) &&
	       ino_of(fds2[1]) == ino_of(fds[1]) && ino_of(fds2[2]) == ino_of(fds[2]),
	   "with new fds to the same three namespaces");
	is_int(alloc_holder_pid(&d, id), hp, "still the same holder");
	char buf[8192];
	if (have_uenv) {
		pactctl_json(&d, "mounts", buf, sizeof buf);
		ok(strstr(buf, "\"refcount\":1") != NULL, "the uenv mount has one reference");
	} else {
		skip("no mksquashfs", "refcount");
	}
	close_fds(fds2, 3);
	const enum pact_ns_type sub[] = {PACT_NS_MOUNT, PACT_NS_PID};
	r = pact_handoff_request_ns(&conn, id, sub, 2, have_uenv ? "tiny.sqfs" : NULL, &resp2, fds2,
				    10000);
	ok(r == 0 && resp2.n_ns == 2 && ino_of(fds2[0]) == ino_of(fds[2]) &&
	       ino_of(fds2[1]) == ino_of(fds[0]),
	   "a repeat with a subset in another order gets those, in its order");
	if (r == 0)
		close_fds(fds2, 2);

	/* ended by message */
	int pfd = (int)syscall(SYS_pidfd_open, host, 0);
	r = pact_handoff_end(&conn, id, &resp2, 10000);
	is_int(r, PACT_HANDOFF_OK, "AllocationEnded is acknowledged by its echo");
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	is_int(poll(&p, 1, 5000), 1, "the holder exits");
	close(pfd);
	ok(alloc_holder_pid(&d, id) < 0, "the allocation is gone from pactctl allocations");
	if (have_uenv) {
		pactctl_json(&d, "mounts", buf, sizeof buf);
		ok(strstr(buf, "\"refcount\":0") != NULL,
		   "the mount reference was released (hold)");
	} else {
		skip("no mksquashfs", "refcount released");
	}
	r = pact_handoff_end(&conn, id, &resp2, 10000);
	ok(r == PACT_HANDOFF_GOT_ERROR && resp2.kind == PACT_ERR_ALLOCATION_NOT_FOUND,
	   "a second AllocationEnded gets AllocationNotFound");
	close_fds(fds, 3);
}

static void test_cgroup_empty(void)
{
	char id[64], scope[512], procs[600];
	struct pact_handoff_msg resp, ev;
	int fds[3];
	snprintf(id, sizeof id, "cg-%d", getpid());
	if (!d.cg[0]) {
		skip("no test cgroup", "WI5");
		return;
	}
	const enum pact_ns_type pm[] = {PACT_NS_PID, PACT_NS_MOUNT};
	int r = pact_handoff_request_ns(&conn, id, pm, 2, NULL, &resp, fds, 10000);
	is_int(r, 0, "request Pid+Mount for the WI5 test");
	if (r == 0)
		close_fds(fds, 2);
	int host = host_pid_of(alloc_holder_pid(&d, id));
	/* the workload manager's part: its scope, a process in it */
	snprintf(scope, sizeof scope, "%s/workload.slice/alloc-%s.scope", d.cg, id);
	is_int(mkdir(scope, 0755), 0, "workload manager creates workload.slice/alloc-%s.scope", id);
	int pipefd[2];
	(void)!pipe2(pipefd, O_CLOEXEC);
	pid_t w = fork();
	if (w == 0) {
		char b;
		close(pipefd[1]);
		(void)!read(pipefd[0], &b, 1);
		_exit(0);
	}
	close(pipefd[0]);
	snprintf(procs, sizeof procs, "%s/cgroup.procs", scope);
	char pidtxt[32];
	snprintf(pidtxt, sizeof pidtxt, "%d", (int)w);
	is_int(write_file(procs, pidtxt), 0, "a workload process joins it");
	ok(pact_handoff_next_event(&conn, &ev, 300) == -ETIMEDOUT,
	   "no AllocationEnded while it is populated");
	/* it stays silent: connected late, well within handoff.frame_timeout_ms */
	is_int(pact_handoff_connect(&conn2, sock_path()), 0, "a second client connects");
	close(pipefd[1]); /* the workload ends */
	waitpid(w, NULL, 0);
	r = pact_handoff_next_event(&conn, &ev, 5000);
	ok(r == 0 && strcmp(ev.allocation_id, id) == 0,
	   "the server pushes AllocationEnded when the cgroup empties (WI5)");
	r = pact_handoff_next_event(&conn2, &ev, 5000);
	ok(r == 0 && strcmp(ev.allocation_id, id) == 0, "to every connected client");
	int pfd = host > 0 ? (int)syscall(SYS_pidfd_open, host, 0) : -1;
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	ok(pfd < 0 || poll(&p, 1, 5000) == 1, "the holder was killed");
	if (pfd >= 0)
		close(pfd);
	ok(alloc_holder_pid(&d, id) < 0, "and the allocation is gone");
	ok(rmdir(scope) == 0, "the workload scope is left alone for its owner to remove");
	pact_handoff_close(&conn2);
}

static int try_as(uid_t uid, gid_t gid)
{
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
			_exit(20);
		static struct pact_handoff_conn cc;
		struct pact_handoff_msg m;
		int fds[3];
		if (pact_handoff_connect(&cc, sock_path()) < 0)
			_exit(21);
		char id[64];
		snprintf(id, sizeof id, "uid-%d-%u", getppid(), (unsigned)uid);
		int r = pact_handoff_request_ns(&cc, id, all3, 2, NULL, &m, fds, 10000);
		if (r == PACT_HANDOFF_GOT_ERROR && m.kind == PACT_ERR_PERMISSION_DENIED)
			_exit(1);
		if (r == 0) {
			close_fds(fds, 2);
			_exit(pact_handoff_end(&cc, id, NULL, 10000) == 0 ? 0 : 22);
		}
		_exit(23);
	}
	int st = 0;
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

static void test_permission(void)
{
	is_int(try_as(65533, 65534), 1,
	       "uid 65533 (group member, not listed) gets PermissionDenied");
	is_int(try_as(65534, 65534), 0, "uid 65534 (handoff.uids) is served");
}

/* ---- queueing before readiness: a second daemon with a slow notify service ---- */

static void test_queue(void)
{
	struct daemon q;
	char conf[256], p[400];
	snprintf(conf, sizeof conf, "node_id = q-node\n");
	const char *fifo = NULL;
	if (daemon_prepare(&q, conf, "") < 0 || !(fifo = daemon_add_gate_service(&q))) {
		skip("daemon_prepare", "queueing");
		return;
	}
	is_int(daemon_launch(&q), 0, "a daemon whose readiness waits on a slow notify service");
	struct daemon saved = d;
	d = q;
	is_int(daemon_wait_file(&d, "handoff.sock", 10000), 0, "its handoff socket exists early");
	ok(access(strcat(strcpy(p, d.run_dir), "/ready"), F_OK) != 0, "the node is not ready yet");
	struct pact_handoff_msg m;
	int fds[3] = {-1, -1, -1};
	unsigned nfds = 0;
	is_int(pact_handoff_connect(&conn2, sock_path()), 0, "connect before readiness");
	struct pact_handoff_msg req;
	memset(&req, 0, sizeof req);
	req.type = PACT_MSG_NAMESPACE_REQUEST;
	req.has_allocation_id = 1;
	snprintf(req.allocation_id, sizeof req.allocation_id, "q-%d", getpid());
	req.n_ns = 2;
	req.ns[0] = PACT_NS_NET;
	req.ns[1] = PACT_NS_PID;
	is_int(pact_handoff_send(&conn2, &req, 5000), 0, "a request sent before readiness");
	is_int(pact_handoff_recv(&conn2, &m, fds, 3, &nfds, 300), -ETIMEDOUT,
	       "is not answered while the node is not ready (queued, not rejected)");
	int go = open(fifo, O_WRONLY | O_CLOEXEC);
	close(go); /* the service goes on and notifies READY=1 */
	is_int(pact_handoff_recv(&conn2, &m, fds, 3, &nfds, 15000), 0, "then it is answered");
	ok(m.type == PACT_MSG_NAMESPACE_RESPONSE && nfds == 2,
	   "with a NamespaceResponse and 2 fds");
	ok(access(p, F_OK) == 0, "after readiness");
	close_fds(fds, nfds);
	pact_handoff_close(&conn2);
	if (tap_failed)
		diag("queue daemon log:\n%s", daemon_log(&d));
	kill(d.pid, SIGUSR2);
	daemon_wait_exit(&d, 15000);
	daemon_cleanup(&d);
	d = saved;
}

/* A live re-exec keeps the allocation: same holder, same namespaces, one mount reference. */
static void test_reexec(void)
{
	char id[64], buf[8192];
	struct pact_handoff_msg resp;
	int fds[3], fds2[3];
	snprintf(id, sizeof id, "rx-%d", getpid());
	const char *img = have_uenv ? "tiny.sqfs" : NULL;
	int r = pact_handoff_request_ns(&conn, id, all3, 3, img, &resp, fds, 15000);
	is_int(r, 0, "an allocation before the re-exec");
	if (r != 0)
		return;
	int hp = alloc_holder_pid(&d, id);
	is_int(pactctl_json(&d, "reexec", buf, sizeof buf), 0, "pactctl reexec");
	/* the listening socket is carried over: a new client waits in its backlog */
	struct pact_handoff_conn *c = &conn2;
	is_int(pact_handoff_connect(c, sock_path()), 0, "the handoff socket still accepts");
	r = pact_handoff_request_ns(c, id, all3, 3, img, &resp, fds2, 15000);
	is_int(r, 0, "the allocation is answered after the re-exec");
	ok(r == 0 && ino_of(fds2[0]) == ino_of(fds[0]) && ino_of(fds2[1]) == ino_of(fds[1]) &&
	       ino_of(fds2[2]) == ino_of(fds[2]),
	   "with fds to the same three namespaces");
	is_int(alloc_holder_pid(&d, id), hp, "the same holder");
	char want[128];
	snprintf(want, sizeof want, "handoff: re-exec: %s adopted", id);
	ok(strstr(daemon_log(&d), want) != NULL, "adopted by the new image (its log says so)");
	if (have_uenv) {
		pactctl_json(&d, "mounts", buf, sizeof buf);
		ok(strstr(buf, "\"refcount\":1") != NULL, "the uenv count was rebuilt: 1 (WI6)");
	} else {
		skip("no mksquashfs", "uenv count");
	}
	if (r == 0)
		close_fds(fds2, 3);
	close_fds(fds, 3);
	int host = host_pid_of(hp);
	int pfd = host > 0 ? (int)syscall(SYS_pidfd_open, host, 0) : -1;
	is_int(pact_handoff_end(c, id, NULL, 10000), 0, "it ends as before");
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	ok(pfd >= 0 && poll(&p, 1, 5000) == 1, "and its holder is killed");
	if (pfd >= 0)
		close(pfd);
	if (have_uenv) {
		pactctl_json(&d, "mounts", buf, sizeof buf);
		ok(strstr(buf, "\"refcount\":0") != NULL, "and the reference released");
	}
	pact_handoff_close(c);
	pact_handoff_close(&conn); /* its connection did not survive the exec */
}

/* A node whose boot fails (a module that does not exist, no retries). */
static void test_boot_failed(void)
{
	struct daemon b;
	struct daemon saved = d;
	const char *conf = "node_id = f-node\nmodules = pact_no_such_module_x\nboot_retries = 0\n"
			   "emergency_shell = /bin/true\n";
	is_int(daemon_start(&b, conf, ""), 0, "a daemon whose boot fails");
	d = b;
	is_int(daemon_wait_file(&d, "handoff.sock", 10000), 0, "its handoff socket exists");
	char line[256] = "";
	daemon_read_line(&d, "ready.sock", line, sizeof line, 10000);
	ok(strncmp(line, "FAILED", 6) == 0, "its boot failed (%s)", line);
	struct pact_handoff_msg m;
	int fds[3];
	char id[64];
	snprintf(id, sizeof id, "bf-%d", getpid());
	int r = pact_handoff_connect(&conn2, sock_path());
	if (r == 0)
		r = pact_handoff_request_ns(&conn2, id, all3, 1, NULL, &m, fds, 10000);
	ok(r == PACT_HANDOFF_GOT_ERROR && m.kind == PACT_ERR_BOOT_FAILED &&
	       strcmp(m.allocation_id, id) == 0,
	   "a request gets Error BootFailed naming it (%s)", r == 1 ? m.reason : "");
	pact_handoff_close(&conn2);
	kill(d.pid, SIGUSR2);
	daemon_wait_exit(&d, 15000);
	daemon_cleanup(&d);
	d = saved;
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	snprintf(imgdir, sizeof imgdir, "/tmp/pact-himg-%d", getpid());
	mkdir(imgdir, 0755);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "images/mkuenv.sh %s/tiny.sqfs tiny 2>/dev/null", imgdir);
	have_uenv = system(cmd) == 0;
	snprintf(cmd, sizeof cmd, "%s/text.sqfs", imgdir);
	FILE *tf = fopen(cmd, "w");
	if (tf) {
		fputs("not a squashfs image\n", tf);
		fclose(tf);
	}
	char conf[1024];
	snprintf(conf, sizeof conf,
		 "node_id = handoff-node\nuenv.image_roots = %s\nuenv.hold_s = 600\n"
		 "handoff.group = 65534\nhandoff.uids = 65534\nhandoff.frame_timeout_ms = 500\n",
		 imgdir);
	is_int(daemon_start(&d, conf, ""), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	chmod(d.dir, 0755); /* for the unprivileged clients */
	struct stat st;
	ok(stat(sock_path(), &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0660 &&
	       st.st_uid == 0 && st.st_gid == 65534,
	   "handoff.sock is a socket, 0660 root:65534 (handoff.group)");
	test_round_trip();
	test_cgroup_empty();
	test_permission();
	test_reexec();
	test_queue();
	test_boot_failed();
	if (tap_failed)
		diag("log:\n%s", daemon_log(&d));
	kill(d.pid, SIGUSR2);
	daemon_wait_exit(&d, 15000);
	daemon_cleanup(&d);
	snprintf(cmd, sizeof cmd, "rm -rf %s", imgdir);
	(void)!system(cmd);
	return done_testing();
}
