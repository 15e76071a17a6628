/*
 * Host tier: the allocation table of the real pact-init (sanitized build,
 * PID 1 of fresh namespaces) where a client pushes it to its bounds: an
 * allocation whose every field is as long as allowed survives a live
 * re-exec whole (its holder, its namespaces, its uenv reference); an
 * allocation restored by a re-exec holds a reference to its mount instance
 * and no other (after an emergency force unmount and a new mount of the
 * same image, its end does not drop the new allocation's reference); a
 * request queued before readiness by a client that left meanwhile creates
 * nothing; an allocation whose workload cgroup never gets a process is
 * released after handoff.cgroup_wait_s; an allocation belongs to the uid
 * that asked for it: another permitted uid may neither use nor end it; a
 * client asking again and again for bad images gets few log lines, as
 * warnings; an allocation's mount namespace shows its own uenv image and
 * no other allocation's, those mounted before it and after.
 */
#include "daemon.h"
#include "hostutil.h"
#include "pact/handoff.h"
#include "tap.h"

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct daemon d;
static char imgdir[128];
static int have_uenv;

static const char *sock_path(void)
{
	return pf("%s/handoff.sock", d.run_dir);
}

static unsigned long long ino_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* The refcount of image's mount in `pactctl mounts`, -1 when not listed. */
static int refcount_of(const char *image)
{
	return pactctl_int(&d, "mounts", "image_path", image, "refcount");
}

static const enum pact_ns_type all3[] = {PACT_NS_PID, PACT_NS_NET, PACT_NS_MOUNT};

/*
 * Every field of an alloc record at its longest, and full of bytes the
 * state format escapes: a 128-byte id, an image path near its 511-byte
 * bound made of '%' and ' ', a workload cgroup template with both. Its
 * record is several KiB: the new image must read it back whole.
 */
static void test_long_record(void)
{
	if (!have_uenv) {
		skip("no mksquashfs", "an allocation with every field at its maximum");
		return;
	}
	char id[PACT_HANDOFF_ALLOC_ID_MAX + 1], img[700], dir[600];
	snprintf(id, sizeof id, "rx-%0125d", 7);
	int n = snprintf(dir, sizeof dir, "%s", imgdir);
	for (int c = 0; c < 4; c++) {
		n += snprintf(dir + n, sizeof dir - (size_t)n, "/");
		for (int i = 0; i < 118; i++)
			dir[n++] = i % 2 ? '%' : ' ';
		dir[n] = '\0';
	}
	snprintf(img, sizeof img, "%s/x.sqfs", dir);
	const char *mk[] = {"mkdir", "-p", dir, NULL};
	const char *mku[] = {"images/mkuenv.sh", img, "long", NULL};
	ok(strlen(img) <= 511 && run(mk) == 0 && run(mku) == 0, "an image at a %zu-byte path",
	   strlen(img));
	struct pact_handoff_conn c;
	struct pact_handoff_msg resp;
	int fds[3] = {-1, -1, -1}, fds2[3] = {-1, -1, -1};
	is_int(pact_handoff_connect(&c, sock_path()), 0, "connect");
	int r = pact_handoff_request_ns(&c, id, all3, 3, img, &resp, fds, 15000);
	is_int(r, 0, "allocation %.12s... (128 bytes) with it: %s", id, r == 1 ? resp.reason : "");
	if (r != 0)
		return;
	int hp = alloc_holder_pid(&d, id);
	ok(hp > 1, "listed with its holder (%d)", hp);
	is_int(refcount_of(img), 1, "one reference to the image");
	pact_handoff_close(&c);
	char buf[4096];
	is_int(pactctl_json(&d, "reexec", buf, sizeof buf), 0, "pactctl reexec");
	is_int(pact_handoff_connect(&c, sock_path()), 0, "the handoff socket still accepts");
	r = pact_handoff_request_ns(&c, id, all3, 3, img, &resp, fds2, 15000);
	is_int(r, 0, "the allocation is answered after the re-exec");
	ok(r == 0 && ino_of(fds2[0]) == ino_of(fds[0]) && ino_of(fds2[1]) == ino_of(fds[1]) &&
	       ino_of(fds2[2]) == ino_of(fds[2]),
	   "with the same three namespaces");
	is_int(alloc_holder_pid(&d, id), hp, "the same holder");
	ok(strstr(daemon_log(&d), pf("re-exec: %s adopted", id)) != NULL,
	   "adopted from its record by the new image");
	is_int(refcount_of(img), 1, "its uenv reference rebuilt (WI6)");
	ok(strstr(daemon_log(&d), "cannot be read") == NULL, "no record was lost");
	is_int(pact_handoff_end(&c, id, NULL, 10000), 0, "it ends");
	is_int(refcount_of(img), 0, "and its reference is released");
	for (int i = 0; i < 3; i++) {
		close(fds[i]);
		close(fds2[i]);
	}
	pact_handoff_close(&c);
}

/*
 * A restored allocation's uenv handle names its mount instance: once that
 * mount was force-unmounted (an emergency) and the image mounted again for
 * another allocation, the restored one's end must not take the new one's
 * reference (which would unmount the image under it).
 */
static void test_restored_generation(void)
{
	if (!have_uenv) {
		skip("no mksquashfs", "a restored allocation's mount instance");
		return;
	}
	char img[200], buf[4096];
	snprintf(img, sizeof img, "%s/tiny.sqfs", imgdir);
	const enum pact_ns_type mnt[] = {PACT_NS_MOUNT};
	struct pact_handoff_conn c;
	struct pact_handoff_msg m;
	int fds[3] = {-1, -1, -1};
	is_int(pact_handoff_connect(&c, sock_path()), 0, "connect");
	is_int(pact_handoff_request_ns(&c, "gen-a", mnt, 1, "tiny.sqfs", &m, fds, 15000), 0,
	       "allocation gen-a with tiny.sqfs");
	close(fds[0]);
	pact_handoff_close(&c);
	is_int(pactctl_json(&d, "reexec", buf, sizeof buf), 0, "pactctl reexec: gen-a is restored");
	is_int(pact_handoff_connect(&c, sock_path()), 0, "connect again");
	is_int(pactctl_json(&d, "emergency on --reason generations", buf, sizeof buf), 0,
	       "an emergency");
	is_int(pactctl_json(&d, pf("force-unmount %s", img), buf, sizeof buf), 0,
	       "tiny.sqfs force-unmounted (gen-a's reference dropped with it)");
	pactctl_json(&d, "emergency off", buf, sizeof buf);
	is_int(pact_handoff_request_ns(&c, "gen-b", mnt, 1, "tiny.sqfs", &m, fds, 15000), 0,
	       "allocation gen-b mounts tiny.sqfs anew");
	close(fds[0]);
	is_int(refcount_of(img), 1, "one reference: gen-b's");
	is_int(pact_handoff_end(&c, "gen-a", NULL, 10000), 0, "gen-a ends");
	is_int(refcount_of(img), 1, "gen-b's reference is untouched");
	is_int(pact_handoff_end(&c, "gen-b", NULL, 10000), 0, "gen-b ends");
	is_int(refcount_of(img), 0, "no reference left");
	pact_handoff_close(&c);
}

static int send_request(struct pact_handoff_conn *c, const char *id)
{
	struct pact_handoff_msg req;
	memset(&req, 0, sizeof req);
	req.type = PACT_MSG_NAMESPACE_REQUEST;
	req.has_allocation_id = 1;
	snprintf(req.allocation_id, sizeof req.allocation_id, "%s", id);
	req.n_ns = 1;
	req.ns[0] = PACT_NS_PID;
	return pact_handoff_send(c, &req, 5000);
}

/*
 * An allocation whose workload cgroup never gets a process (the workload
 * manager died before it started the job) is released after
 * handoff.cgroup_wait_s (2 s on this daemon), and the end is pushed.
 */
static void test_cgroup_wait(struct daemon *q, struct pact_handoff_conn *c)
{
	struct pact_handoff_msg m;
	int fds[3] = {-1, -1, -1};
	const enum pact_ns_type pid[] = {PACT_NS_PID};
	is_int(pact_handoff_request_ns(c, "w-never", pid, 1, NULL, &m, fds, 10000), 0,
	       "an allocation whose workload cgroup nobody creates");
	close(fds[0]);
	ok(alloc_holder_pid(q, "w-never") > 1, "it is live");
	int r = pact_handoff_next_event(c, &m, 15000);
	ok(r == 0 && m.type == PACT_MSG_ALLOCATION_ENDED && strcmp(m.allocation_id, "w-never") == 0,
	   "AllocationEnded is pushed once handoff.cgroup_wait_s is over");
	is_int(alloc_holder_pid(q, "w-never"), -1, "and the allocation is gone");
	ok(strstr(daemon_log(q), "had no process within 2 s") != NULL, "the log says why");
	if (tap_failed)
		printf("# log:\n%s", daemon_log(q));
}

/*
 * Requests queued before readiness: one from a client that has gone by
 * the time the node is ready must not create an allocation (nobody would
 * ever end it); one from a client still there is answered.
 */
static void test_queued_gone(void)
{
	struct daemon q;
	const char *fifo = NULL;
	if (daemon_prepare(&q, "node_id = q-node\nhandoff.cgroup_wait_s = 2\n", "") < 0 ||
	    !(fifo = daemon_add_gate_service(&q))) {
		skip("daemon_prepare", "requests queued before readiness");
		return;
	}
	is_int(daemon_launch(&q), 0, "a daemon whose readiness waits for the test");
	is_int(daemon_wait_file(&q, "handoff.sock", 10000), 0, "its handoff socket is there");
	struct pact_handoff_conn gone, kept;
	struct pact_handoff_msg m;
	int fds[3] = {-1, -1, -1};
	unsigned nfds = 0;
	const char *path = pf("%s/handoff.sock", q.run_dir);
	ok(pact_handoff_connect(&gone, path) == 0 && send_request(&gone, "q-gone") == 0,
	   "a request before readiness");
	pact_handoff_close(&gone);
	ok(pact_handoff_connect(&kept, path) == 0 && send_request(&kept, "q-kept") == 0,
	   "another, from a client that stays");
	close(open(fifo, O_WRONLY | O_CLOEXEC)); /* the node becomes ready */
	is_int(pact_handoff_recv(&kept, &m, fds, 3, &nfds, 15000), 0,
	       "the client that stayed is answered");
	ok(m.type == PACT_MSG_NAMESPACE_RESPONSE && nfds == 1, "with its namespace");
	for (unsigned i = 0; i < nfds; i++)
		close(fds[i]);
	is_int(alloc_holder_pid(&q, "q-gone"), -1, "the one that left got no allocation");
	ok(strstr(daemon_log(&q), "1 more from clients gone meanwhile: dropped") != NULL,
	   "and its request was dropped (logged)");
	is_int(pact_handoff_end(&kept, "q-kept", NULL, 10000), 0, "the other ends");
	test_cgroup_wait(&q, &kept);
	pact_handoff_close(&kept);
	kill(q.pid, SIGUSR2);
	daemon_wait_exit(&q, 15000);
	daemon_cleanup(&q);
}

/* As uid: "make", "use" or "end" allocation id; the result as an exit code
 * (0 done, 1 PermissionDenied, else another failure). */
static int as_uid(uid_t uid, const char *op, const char *id)
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(uid) < 0)
			_exit(20);
		static struct pact_handoff_conn c;
		struct pact_handoff_msg m;
		int fds[3], r;
		const enum pact_ns_type pid[] = {PACT_NS_PID};
		if (pact_handoff_connect(&c, sock_path()) < 0)
			_exit(21);
		if (strcmp(op, "end") == 0)
			r = pact_handoff_end(&c, id, &m, 10000);
		else
			r = pact_handoff_request_ns(&c, id, pid, 1, NULL, &m, fds, 10000);
		if (r == 0 && strcmp(op, "end") != 0)
			close(fds[0]);
		_exit(r == 0 ? 0 : r == 1 && m.kind == PACT_ERR_PERMISSION_DENIED ? 1 : 22);
	}
	int st = 0;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

/* An allocation belongs to the uid that asked for it. */
static void test_owner(void)
{
	is_int(as_uid(65534, "make", "own-1"), 0, "uid 65534 makes own-1");
	is_int(pactctl_int(&d, "allocations", "allocation_id", "own-1", "owner_uid"), 65534,
	       "listed with its owner");
	is_int(as_uid(65533, "end", "own-1"), 1, "uid 65533 (also permitted) may not end it");
	is_int(as_uid(65533, "use", "own-1"), 1, "nor get its namespaces");
	ok(alloc_holder_pid(&d, "own-1") > 1, "it is still there");
	is_int(as_uid(65534, "use", "own-1"), 0, "its owner gets them again");
	is_int(as_uid(65534, "end", "own-1"), 0, "and ends it");
	is_int(as_uid(65534, "make", "own-2"), 0, "uid 65534 makes own-2");
	is_int(as_uid(0, "end", "own-2"), 0, "root may end anyone's");
}

/* Lines of the daemon's log holding needle; those also holding "error:" in *errors. */
static int log_lines(const char *needle, int *errors)
{
	int n = 0;
	*errors = 0;
	const char *log = daemon_log(&d);
	for (const char *l = log; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		size_t len = strcspn(l, "\n");
		char line[1024];
		snprintf(line, sizeof line, "%.*s",
			 (int)(len < sizeof line ? len : sizeof line - 1), l);
		if (strstr(line, needle)) {
			n++;
			*errors += strstr(line, "error:") != NULL;
		}
	}
	return n;
}

/*
 * A permitted client that asks again and again for images that are not
 * there (one missing under the root: the mount worker finds out; one
 * outside every root: refused at once) gets an Error each time, but the
 * log gets each failure once, as a warning, at most 10 at once and then
 * one a second (lib/ratelimit.h): it cannot write error lines at will.
 */
static void test_failures_logged(void)
{
	struct pact_handoff_conn c;
	struct pact_handoff_msg m;
	int fds[3], refused = 0;
	const enum pact_ns_type mnt[] = {PACT_NS_MOUNT};
	is_int(pact_handoff_connect(&c, sock_path()), 0, "connect");
	long start = host_ms_now();
	for (int i = 0; i < 30; i++) {
		refused += pact_handoff_request_ns(&c, pf("bad-%d", i), mnt, 1, "nope-missing.sqfs",
						   &m, fds, 10000) == PACT_HANDOFF_GOT_ERROR &&
			   m.kind == PACT_ERR_INVALID_REQUEST;
		refused += pact_handoff_request_ns(&c, pf("out-%d", i), mnt, 1, "/etc/passwd", &m,
						   fds, 10000) == PACT_HANDOFF_GOT_ERROR &&
			   m.kind == PACT_ERR_INVALID_REQUEST;
	}
	long secs = (host_ms_now() - start) / 1000 + 1;
	is_int(refused, 60, "60 bad requests, each refused with InvalidRequest");
	int errors = 0, lines = log_lines("nope-missing.sqfs", &errors);
	int e2 = 0;
	lines += log_lines("/etc/passwd", &e2);
	errors += e2;
	ok(lines <= 10 + secs, "%d log lines for them in %ld s (at most 10, then one a second)",
	   lines, secs);
	is_int(errors, 0, "none at error level");
	pact_handoff_close(&c);
}

/* Which of base/<name> are mount points in the mount namespace of nsfd:
 * one letter each, 'm' mounted, '-' not (its /proc is not ours to read, so
 * a mount point is a directory on another device than base). */
static void mounted_in(int nsfd, const char *base, const char *const *names, int n, char *out)
{
	int p[2];
	memset(out, '?', (size_t)n);
	out[n] = '\0';
	if (pipe(p) < 0)
		return;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		struct stat b, st;
		if (setns(nsfd, CLONE_NEWNS) < 0 || stat(base, &b) < 0) {
			printf("# mounted_in: %s: %s\n", base, strerror(errno));
			fflush(stdout);
			_exit(1);
		}
		for (int i = 0; i < n; i++) {
			char path[600], mark;
			snprintf(path, sizeof path, "%s/%s", base, names[i]);
			mark = stat(path, &st) == 0 && st.st_dev != b.st_dev ? 'm' : '-';
			(void)!write(p[1], &mark, 1);
		}
		_exit(0);
	}
	close(p[1]);
	/* the child writes one letter at a time: read until all came or EOF */
	int got = 0;
	for (ssize_t r; got < n && (r = read(p[0], out + got, (size_t)(n - got))) > 0;)
		got += (int)r;
	if (got != n)
		out[0] = '!';
	close(p[0]);
	waitpid(c, NULL, 0);
}

/*
 * Each allocation's mount namespace has its own uenv image below the base
 * and no other: not one mounted before it was created (detached there),
 * nor one mounted after (the base is private there).
 */
static void test_uenv_isolation(void)
{
	if (!have_uenv) {
		skip("no mksquashfs", "each allocation sees its own image");
		return;
	}
	const char *mk1[] = {"images/mkuenv.sh", pf("%s/before.sqfs", imgdir), "before", NULL};
	const char *mk2[] = {"images/mkuenv.sh", pf("%s/after.sqfs", imgdir), "after", NULL};
	ok(run(mk1) == 0 && run(mk2) == 0, "two more images");
	struct pact_handoff_conn c;
	struct pact_handoff_msg m;
	int fb[3] = {-1, -1, -1}, fa[3] = {-1, -1, -1}, fc[3] = {-1, -1, -1};
	const enum pact_ns_type mnt[] = {PACT_NS_MOUNT};
	char base[300];
	snprintf(base, sizeof base, "%s/uenv", d.run_dir);
	is_int(pact_handoff_connect(&c, sock_path()), 0, "connect");
	is_int(pact_handoff_request_ns(&c, "iso-before", mnt, 1, "before.sqfs", &m, fb, 15000), 0,
	       "iso-before with before.sqfs");
	is_int(pact_handoff_request_ns(&c, "iso-a", mnt, 1, "tiny.sqfs", &m, fa, 15000), 0,
	       "iso-a with tiny.sqfs");
	is_int(pact_handoff_request_ns(&c, "iso-after", mnt, 1, "after.sqfs", &m, fc, 15000), 0,
	       "iso-after with after.sqfs");
	static const char *const names[] = {"before", "tiny", "after"};
	char in_a[4], in_after[4];
	mounted_in(fa[0], base, names, 3, in_a);
	mounted_in(fc[0], base, names, 3, in_after);
	printf("# before, tiny, after mounted in iso-a: %s, in iso-after: %s\n", in_a, in_after);
	ok(in_a[1] == 'm', "iso-a's namespace has its own image");
	ok(in_a[0] == '-', "not the one mounted before it");
	ok(in_a[2] == '-', "nor the one mounted after it");
	is_str(in_after, "--m", "iso-after's has its own only");
	for (int i = 0; i < 1; i++) {
		close(fb[i]);
		close(fa[i]);
		close(fc[i]);
	}
	pact_handoff_end(&c, "iso-before", NULL, 10000);
	pact_handoff_end(&c, "iso-a", NULL, 10000);
	pact_handoff_end(&c, "iso-after", NULL, 10000);
	pact_handoff_close(&c);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	snprintf(imgdir, sizeof imgdir, "/tmp/pact-alloc-%d", getpid());
	mkdir(imgdir, 0755);
	have_uenv = system(pf("images/mkuenv.sh %s/tiny.sqfs tiny 2>/dev/null", imgdir)) == 0;
	char conf[1024];
	snprintf(conf, sizeof conf,
		 "node_id = alloc-node\nuenv.image_roots = %s\nuenv.hold_s = 600\n"
		 "handoff.group = 65534\nhandoff.uids = 65533 65534\n"
		 "handoff.cgroup_template = workload.slice/alloc 100%% {allocation_id}.scope\n",
		 imgdir);
	is_int(daemon_start(&d, conf, ""), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	chmod(d.dir, 0755); /* for the unprivileged clients */
	test_long_record();
	test_restored_generation();
	test_queued_gone();
	test_owner();
	test_failures_logged();
	test_uenv_isolation();
	if (tap_failed)
		printf("# log:\n%s", daemon_log(&d));
	kill(d.pid, SIGUSR2);
	daemon_wait_exit(&d, 15000);
	daemon_cleanup(&d);
	const char *rm[] = {"rm", "-rf", imgdir, NULL};
	run(rm);
	return done_testing();
}
