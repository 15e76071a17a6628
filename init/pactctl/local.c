/*
 * The verbs that need no control socket: wait-ready (the readiness socket)
 * and notify (sd_notify for services, a systemd-notify stand-in).
 */
#include "lib/fileio.h"
#include "pactctl/pactctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* One question to ready.sock: its answer line into line (0), -ETIMEDOUT,
 * or -errno when it could not be asked (worth another try). */
static int ask_ready(long deadline, char *line, size_t cap)
{
	int fd = connect_unix("ready.sock");
	if (fd < 0)
		return fd;
	size_t used = 0;
	while (used < cap - 1) {
		ssize_t n = read_deadline(fd, line + used, cap - 1 - used, deadline);
		if (n == -ETIMEDOUT) {
			close_fd(fd);
			return -ETIMEDOUT;
		}
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close_fd(fd);
	line[used] = '\0';
	return used ? 0 : -ECONNRESET;
}

int pactctl_wait_ready(int argc, char **argv)
{
	long timeout_s = -1;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout_s = atol(argv[++i]);
		else if (strncmp(argv[i], "--timeout=", 10) == 0)
			timeout_s = atol(argv[i] + 10);
		else
			return pactctl_bad_usage("wait-ready");
	}
	long deadline = timeout_s < 0 ? ms_now() + 86400000L : ms_now() + timeout_s * 1000;
	long delay = 100;
	for (;;) {
		/* the socket may not exist yet early in boot, and a BUSY answer
		 * (too many waiting) is worth another try: until the deadline */
		char line[512];
		int r = ask_ready(deadline, line, sizeof line);
		if (r == 0 && strcmp(line, "BUSY\n") != 0) {
			fputs(line, stdout);
			return strncmp(line, "READY ", 6) == 0 ? 0 : 1;
		}
		if (r == -ETIMEDOUT || !backoff(&delay, deadline)) {
			printf("timeout: the node was not ready within %ld s\n", timeout_s);
			return 2;
		}
	}
}

int pactctl_notify(int argc, char **argv)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	if (!sock || !*sock) {
		fprintf(stderr, "pactctl notify: NOTIFY_SOCKET is not set\n");
		return 1;
	}
	char msg[1024];
	size_t used = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = strcmp(argv[i], "--ready") == 0 ? "READY=1" : argv[i];
		if (!strchr(a, '='))
			return pactctl_bad_usage("notify");
		int n = snprintf(msg + used, sizeof msg - used, "%s%s", used ? "\n" : "", a);
		if (n < 0 || (size_t)n >= sizeof msg - used)
			return fprintf(stderr, "pactctl notify: message too long\n"), 1;
		used += (size_t)n;
	}
	if (!used)
		return pactctl_bad_usage("notify");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t sl = strlen(sock);
	if (sl >= sizeof sa.sun_path)
		return fprintf(stderr, "pactctl notify: NOTIFY_SOCKET too long\n"), 1;
	memcpy(sa.sun_path, sock, sl);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	/* like sd_notify_barrier: pass a pipe's write end along and wait until
	 * the receiver closed it, so we (the sender) still exist while it
	 * judges our credentials */
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return fprintf(stderr, "pactctl notify: pipe: %s\n", strerror(errno)), 1;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = {msg, used};
	struct msghdr mh = {.msg_name = &sa,
			    .msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sl),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = &cm,
			    .msg_controllen = sizeof cm};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "pactctl notify: %s: %s\n", sock, strerror(errno));
		return 1;
	}
	close_fd(p[1]);
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	if (poll(&pf, 1, 5000) <= 0)
		fprintf(stderr, "pactctl notify: no barrier reply within 5 s\n");
	close_fd(p[0]);
	close_fd(fd);
	return 0;
}
