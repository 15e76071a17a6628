/*
 * sd_notify server (see notify.h). The sender is judged by the kernel's
 * credentials, never by anything it writes, so a process can only speak
 * for the service whose cgroup it is in.
 */
#include "supervise/notify.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "node/reexec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int sock = -1;
static notify_fn handler;
static char env[sizeof(((struct sockaddr_un *)0)->sun_path) + 16];

const char *notify_env(void)
{
	return env;
}

int notify_get(const char *msg, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	for (const char *p = msg; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t vl = len - kl - 1;
			if (vl >= cap)
				vl = cap - 1;
			memcpy(out, p + kl + 1, vl);
			out[vl] = '\0';
			return 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

static void on_message(void *ctx, int fd, uint32_t events)
{
	(void)ctx;
	(void)events;
	for (int budget = 32; budget > 0; budget--) {
		char buf[NOTIFY_MSG_MAX + 1];
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 8)];
		} cm;
		struct iovec iov = {buf, NOTIFY_MSG_MAX};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = &cm,
				    .msg_controllen = sizeof cm};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0)
			return;
		buf[n] = '\0';
		pid_t sender = 0;
		int fds[8], nfds = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET)
				continue;
			if (c->cmsg_type == SCM_CREDENTIALS) {
				struct ucred uc;
				memcpy(&uc, CMSG_DATA(c), sizeof uc);
				sender = uc.pid;
			} else if (c->cmsg_type == SCM_RIGHTS) {
				size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				for (size_t i = 0; i < k && nfds < 8; i++)
					memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int),
					       sizeof(int));
			}
		}
		if (mh.msg_flags & MSG_TRUNC)
			log_warn("notify: message from pid %d too long, ignored", sender);
		else if (sender > 0 && handler)
			handler(sender, buf, (size_t)n);
		/* BARRIER=1: closing its fd tells the sender we are done */
		for (int i = 0; i < nfds; i++)
			close_fd(fds[i]);
	}
}

int notify_init(notify_fn fn)
{
	handler = fn;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (run_path(sa.sun_path, sizeof sa.sun_path, "notify.sock") < 0)
		return -ENAMETOOLONG;
	snprintf(env, sizeof env, "NOTIFY_SOCKET=%s", sa.sun_path);
	reexec_carry_fd("notify", &sock);
	sock = reexec_take_fd("notify");
	if (sock >= 0) /* carried across a re-exec */
		return loop_add_fd(sock, EPOLLIN, on_message, NULL);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return -errno;
	int one = 1;
	unlink(sa.sun_path);
	if (setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0 ||
	    bind(sock, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		log_err("notify socket %s: %s", sa.sun_path, strerror(e));
		close_fd(sock);
		sock = -1;
		return -e;
	}
	/* services may run as other users: anyone may send, credentials decide */
	chmod(sa.sun_path, 0666);
	return loop_add_fd(sock, EPOLLIN, on_message, NULL);
}
