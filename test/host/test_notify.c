/*
 * Host tier: the sd_notify sockets of the real pact-init.
 * Under another supervisor: with NOTIFY_SOCKET set (a filesystem path or
 * an abstract '@name', as systemd and systemd-nspawn give it), pact-init
 * sends READY=1 there once the node is ready, and not before: the ready
 * file exists by the time the datagram arrives.
 * Its own notify.sock, open to every user: fds passed with a message never
 * reach PID 1's fd table (a FUSE file whose FLUSH is never answered would
 * hang PID 1 in close()), and BARRIER=1 still works.
 */
#include "daemon.h"
#include "hostutil.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
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
#include <time.h>
#include <unistd.h>

/* Bind a datagram socket at name ('@' = abstract); returns the fd or -errno. */
static int bind_notify(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	memcpy(sa.sun_path, name, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(sizeof sa.sun_family + n)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void one_run(const char *sockname, const char *what)
{
	char env_var[200], msg[256] = "";
	snprintf(env_var, sizeof env_var, "NOTIFY_SOCKET=%s", sockname);
	int fd = bind_notify(sockname);
	ok(fd >= 0, "%s: notify socket %s bound (%s)", what, sockname,
	   fd < 0 ? strerror(-fd) : "ok");
	if (fd < 0)
		return;
	struct daemon d;
	char *env[] = {env_var, NULL};
	is_int(daemon_start_env(&d, "node_id = notify-node\n", "quiet", env), 0,
	       "%s: pact-init started with %s", what, env_var);
	/* bounded wait for the datagram: boot takes well under a second here */
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = poll(&p, 1, 20000);
	ssize_t n = r > 0 ? recv(fd, msg, sizeof msg - 1, MSG_DONTWAIT) : -1;
	msg[n > 0 ? n : 0] = '\0';
	is_str(msg, "READY=1", "%s: READY=1 arrived on NOTIFY_SOCKET", what);
	char ready[300];
	snprintf(ready, sizeof ready, "%s/ready", d.run_dir);
	ok(access(ready, F_OK) == 0, "%s: the ready file existed before READY=1 was sent", what);
	/* only once: nothing more arrives while the node stays up */
	r = poll(&p, 1, 300);
	ok(r == 0, "%s: READY=1 sent once", what);
	if (tap_failed)
		printf("# log:\n%s", daemon_log(&d));
	daemon_cleanup(&d);
	close(fd);
	if (sockname[0] != '@')
		unlink(sockname);
}

/* Send msg to the daemon's notify.sock with nfds fds attached, from here. */
static int send_here(const char *path, const char *msg, const int *fds, int nfds)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", path);
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char cbuf[CMSG_SPACE(sizeof(int) * 16)];
	struct iovec iov = {(void *)msg, strlen(msg)};
	struct msghdr mh = {
	    .msg_name = &sa, .msg_namelen = sizeof sa, .msg_iov = &iov, .msg_iovlen = 1};
	if (nfds > 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	ssize_t n = sendmsg(s, &mh, 0);
	close(s);
	return n == (ssize_t)strlen(msg) ? 0 : -1;
}

/*
 * A sender in the daemon's pid namespace: the kernel gives a sender's pid
 * as the receiver sees it, 0 for one it cannot see (and pact-init ignores
 * those). It is forked once, before any FUSE file is open here: a process
 * that held one would hang in its exit, closing it.
 */
struct ns_sender {
	pid_t pid;
	int cmd, ack;
};

static int sender_start(struct ns_sender *s, struct daemon *d)
{
	int cmd[2], ack[2];
	if (pipe2(cmd, O_CLOEXEC) < 0 || pipe2(ack, O_CLOEXEC) < 0)
		return -1;
	char path[200];
	snprintf(path, sizeof path, "%.90s/notify.sock", d->run_dir);
	fflush(stdout);
	s->pid = fork();
	if (s->pid == 0) {
		int ns = open(pf("/proc/%d/ns/pid", (int)d->pid), O_RDONLY | O_CLOEXEC);
		if (ns < 0 || setns(ns, CLONE_NEWPID) < 0)
			_exit(10);
		if (fork() == 0) { /* the new pid namespace is for our children */
			char msg[512];
			ssize_t n;
			while ((n = read(cmd[0], msg, sizeof msg - 1)) > 0) {
				msg[n] = '\0';
				char r = send_here(path, msg, NULL, 0) == 0 ? 'k' : 'e';
				(void)!write(ack[1], &r, 1);
			}
			_exit(0);
		}
		_exit(0);
	}
	close(cmd[0]);
	close(ack[1]);
	s->cmd = cmd[1];
	s->ack = ack[0];
	waitpid(s->pid, NULL, 0); /* the sender itself lives on in the namespace */
	return 0;
}

static int notify_send(struct ns_sender *s, const char *msg)
{
	char r = 0;
	struct pollfd p = {.fd = s->ack, .events = POLLIN};
	if (write(s->cmd, msg, strlen(msg)) != (ssize_t)strlen(msg) || poll(&p, 1, 5000) != 1 ||
	    read(s->ack, &r, 1) != 1)
		return -1;
	return r == 'k' ? 0 : -1;
}

static void sender_stop(struct ns_sender *s)
{
	close(s->cmd); /* it exits on EOF */
	close(s->ack);
}

/* Wait (bounded) until the daemon's log holds needle at least count times. */
static int log_count(struct daemon *d, const char *needle)
{
	int n = 0;
	for (const char *p = daemon_log(d); (p = strstr(p, needle)); p++)
		n++;
	return n;
}

struct log_want {
	struct daemon *d;
	const char *needle;
	int count;
};

static int log_has(void *ctx)
{
	struct log_want *w = ctx;
	return log_count(w->d, w->needle) >= w->count;
}

/* Looks again each time the log file is written. */
static int wait_log(struct daemon *d, const char *needle, int count, int timeout_ms)
{
	struct log_want w = {d, needle, count};
	return wait_until(pf("%s/log", d->dir), IN_MODIFY, log_has, &w, timeout_ms);
}

/* Which fd of pid (if any) refers to the same file as fd here. */
static int holds_file(pid_t pid, int fd)
{
	struct stat want, st;
	if (fstat(fd, &want) < 0)
		return 0;
	for (int i = 0; i < 1024; i++)
		if (stat(pf("/proc/%d/fd/%d", (int)pid, i), &st) == 0 && st.st_dev == want.st_dev &&
		    st.st_ino == want.st_ino)
			return 1;
	return 0;
}

/* fusestub on mnt (hang mode); its pid, or -1 (*why says why). */
static pid_t start_fusestub(const char *mnt, const char **why)
{
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return -1;
	pid_t p = fork();
	if (p == 0) {
		dup2(out[1], 1);
		const char *bin = build_path("test/vm/fusestub");
		execl(bin, bin, "--hang-flush", mnt, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	char line[64] = "";
	struct pollfd pp = {.fd = out[0], .events = POLLIN};
	ssize_t n = poll(&pp, 1, 10000) == 1 ? read(out[0], line, sizeof line - 1) : -1;
	close(out[0]);
	if (n <= 0 || strncmp(line, "ready", 5) != 0) {
		*why = "fusestub did not mount (is fuse available?)";
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
		return -1;
	}
	return p;
}

/*
 * A supervisor whose notify socket does not take READY=1 (its queue is
 * full): pact-init does not wait for it, keeps answering, and sends
 * READY=1 once the queue has room again.
 */
static void test_supervisor_full(void)
{
	char path[108], env_var[200];
	snprintf(path, sizeof path, "/tmp/pact-notify-full-%d.sock", getpid());
	unlink(path);
	int fd = bind_notify(path);
	int fill = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int queued = 0;
	while (queued < 100000 && sendto(fill, "X=1", 3, 0, (struct sockaddr *)&sa, sizeof sa) == 3)
		queued++;
	ok(fd >= 0 && queued > 0 && errno == EAGAIN, "a supervisor socket whose queue is full (%d)",
	   queued);
	close(fill);
	snprintf(env_var, sizeof env_var, "NOTIFY_SOCKET=%s", path);
	char *env[] = {env_var, NULL};
	struct daemon d;
	is_int(daemon_start_env(&d, "node_id = full-node\n", "quiet", env), 0,
	       "pact-init started with it as NOTIFY_SOCKET");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	char line[128] = "";
	daemon_read_line(&d, "ready.sock", line, sizeof line, 5000);
	line[strcspn(line, "\n")] = '\0';
	ok(strncmp(line, "READY", 5) == 0, "it still answers ready.sock (%s)", line);
	/* the supervisor reads its queue: READY=1 comes after what filled it */
	int got = 0;
	long end = host_ms_now() + 10000;
	while (!got && host_ms_now() < end) {
		char msg[64];
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)(end - host_ms_now())) != 1)
			break;
		ssize_t n = recv(fd, msg, sizeof msg - 1, MSG_DONTWAIT);
		if (n > 0) {
			msg[n] = '\0';
			got = strcmp(msg, "READY=1") == 0;
		}
	}
	ok(got, "READY=1 arrives once the queue has room");
	if (tap_failed)
		printf("# log:\n%s", daemon_log(&d));
	kill(d.pid, SIGUSR2);
	daemon_wait_exit(&d, 15000);
	daemon_cleanup(&d);
	close(fd);
	unlink(path);
}

/*
 * Fds passed to notify.sock: BARRIER=1 still sees its fd closed; fds never
 * show up in PID 1's table; and a FUSE file whose FLUSH is never answered
 * (as a dead server's) does not hang PID 1: it still answers its sockets
 * and reads later notify messages.
 */
static void test_passed_fds(void)
{
	struct daemon d;
	is_int(daemon_start(&d, "node_id = fd-node\n", "quiet"), 0, "pact-init started");
	is_int(daemon_wait_file(&d, "ready", 10000), 0, "it is ready");
	char line[128] = "", path[200];
	snprintf(path, sizeof path, "%.90s/notify.sock", d.run_dir);
	daemon_read_line(&d, "ready.sock", line, sizeof line, 5000);
	int base = fd_count(d.pid);
	struct ns_sender snd;
	ok(sender_start(&snd, &d) == 0, "a sender in pact-init's pid namespace");

	/* BARRIER=1: its fd is closed once the message was handled */
	int bp[2];
	(void)!pipe2(bp, O_CLOEXEC);
	is_int(send_here(path, "BARRIER=1", &bp[1], 1), 0,
	       "BARRIER=1 sent with a pipe's write end");
	close(bp[1]);
	struct pollfd p = {.fd = bp[0], .events = POLLIN};
	ok(poll(&p, 1, 10000) == 1 && (p.revents & POLLHUP), "the barrier's fd was closed");
	close(bp[0]);

	/* fds with a message: never in PID 1's table */
	int probe = memfd_create("notify-probe", MFD_CLOEXEC);
	int many[16];
	for (int i = 0; i < 16; i++)
		many[i] = probe;
	is_int(send_here(path, "STATUS=sixteen fds", many, 16), 0, "16 fds sent with a message");
	is_int(notify_send(&snd, "STATUS=after"), 0, "a message from inside the namespace");
	is_int(wait_log(&d, "in no service's scope", 1, 10000), 0, "is read after them");
	ok(!holds_file(d.pid, probe), "PID 1 holds none of them");
	int now = fd_count(d.pid);
	ok(now <= base, "PID 1's fd count did not grow (%d, was %d)", now, base);
	close(probe);

	/* a FUSE file whose FLUSH is never answered */
	char mnt[200];
	snprintf(mnt, sizeof mnt, "%s/fuse", d.dir);
	mkdir(mnt, 0755);
	const char *why = NULL;
	pid_t server = start_fusestub(mnt, &why);
	if (server < 0) {
		skip(why, "a FUSE file passed to notify.sock");
		sender_stop(&snd);
		daemon_cleanup(&d);
		return;
	}
	int ffd = open(pf("%s/f", mnt), O_RDONLY | O_CLOEXEC);
	ok(ffd >= 0, "a file on a FUSE mount whose server never answers FLUSH");
	is_int(send_here(path, "STATUS=a fuse file", &ffd, 1), 0, "sent to notify.sock");
	line[0] = '\0';
	daemon_read_line(&d, "ready.sock", line, sizeof line, 10000);
	line[strcspn(line, "\n")] = '\0';
	ok(strncmp(line, "READY", 5) == 0, "PID 1 still answers ready.sock (%s)", line);
	ok(!holds_file(d.pid, ffd), "PID 1 does not hold the FUSE file");
	int seen = log_count(&d, "in no service's scope");
	is_int(notify_send(&snd, "READY=1"), 0, "a later message");
	is_int(wait_log(&d, "in no service's scope", seen + 1, 10000), 0,
	       "is still read and handled");
	sender_stop(&snd);
	kill(server, SIGKILL); /* aborts the connection: every FLUSH waiter gets an error */
	waitpid(server, NULL, 0);
	close(ffd);
	umount2(mnt, MNT_DETACH);
	if (tap_failed)
		printf("# log:\n%s", daemon_log(&d));
	kill(d.pid, SIGUSR2);
	is_int(daemon_wait_exit(&d, 15000) >= 0, 1, "it shuts down");
	daemon_cleanup(&d);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	char path[108], abstract[108];
	snprintf(path, sizeof path, "/tmp/pact-notify-%d.sock", getpid());
	snprintf(abstract, sizeof abstract, "@pact-notify-%d", getpid());
	unlink(path);
	one_run(path, "path socket");
	one_run(abstract, "abstract socket");
	test_supervisor_full();
	/* the FUSE mount of the fd test stays in a mount namespace of our own */
	if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		test_passed_fds();
	else
		skip(strerror(errno), "a private mount namespace for the fd tests");
	return done_testing();
}
