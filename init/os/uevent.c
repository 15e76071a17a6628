/*
 * Uevent parsing and the netlink socket (see uevent.h). Only datagrams from
 * the kernel (sender port 0) are taken: user space may send to the group
 * only with CAP_NET_ADMIN, and even then its port is not 0.
 */
#include "os/uevent.h"

#include <errno.h>
#include <stdlib.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int uevent_parse(char *buf, size_t len, char sep, struct uevent *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->subsystem = "";
	const char *head = NULL;
	char *end = buf + len;
	for (char *p = buf; p < end;) {
		char *e = memchr(p, sep, (size_t)(end - p));
		if (!e)
			e = end; /* the last record may lack its separator */
		*e = '\0';
		char *eq = strchr(p, '=');
		if (p == buf && !eq && strchr(p, '@'))
			head = p;
		else if (eq) {
			*eq = '\0';
			const char *v = eq + 1;
			if (!strcmp(p, "ACTION"))
				ev->action = v;
			else if (!strcmp(p, "DEVPATH"))
				ev->devpath = v;
			else if (!strcmp(p, "SUBSYSTEM"))
				ev->subsystem = v;
			else if (!strcmp(p, "MODALIAS"))
				ev->modalias = v;
			else if (!strcmp(p, "DEVNAME"))
				ev->devname = v;
			else if (!strcmp(p, "SEQNUM"))
				ev->seqnum = strtoull(v, NULL, 10);
		}
		p = e + 1;
	}
	if (sep == '\0') { /* a netlink message: its header must agree */
		const char *at = head ? strchr(head, '@') : NULL;
		if (!at || !ev->action || !ev->devpath ||
		    (size_t)(at - head) != strlen(ev->action) ||
		    strncmp(head, ev->action, (size_t)(at - head)) != 0 ||
		    strcmp(at + 1, ev->devpath))
			return -EBADMSG;
	}
	if (ev->devpath) {
		const char *k = strrchr(ev->devpath, '/');
		ev->kernel = k ? k + 1 : ev->devpath;
	}
	if (ev->devname && (!*ev->devname || strstr(ev->devname, "..") || ev->devname[0] == '/'))
		return -EBADMSG; /* a node name must stay under /dev */
	return 0;
}

int uevent_open(void)
{
	int fd =
	    socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -errno;
	int size = 4 << 20; /* as root, past rmem_max: a coldplug's events fit */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

ssize_t uevent_recv(int fd, char *buf, size_t cap)
{
	struct sockaddr_nl from = {0};
	struct iovec iov = {buf, cap - 1};
	struct msghdr mh = {
	    .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return errno == EINTR ? -EAGAIN : -errno;
	if (from.nl_pid != 0 || (mh.msg_flags & MSG_TRUNC))
		return 0;
	buf[n] = '\0';
	return n;
}
