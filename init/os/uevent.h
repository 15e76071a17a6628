/*
 * Kernel device events (NETLINK_KOBJECT_UEVENT, the kernel's multicast
 * group only) and the same records as sysfs "uevent" files show them:
 * ACTION, DEVPATH, SUBSYSTEM, MODALIAS, DEVNAME.
 */
#ifndef PACT_UEVENT_H
#define PACT_UEVENT_H

#include <stddef.h>
#include <sys/types.h>

#define UEVENT_BUF 8192 /* the kernel's messages are at most 2 KiB (UEVENT_BUFFER_SIZE) */

struct uevent {
	const char *action;	   /* "add", "remove", "change", "bind", ... */
	const char *devpath;	   /* "/devices/pci0000:00/..." */
	const char *subsystem;	   /* "net", "block", "virtio" ... ("" when absent) */
	const char *modalias;	   /* NULL when the device has none */
	const char *devname;	   /* node under /dev ("ttyS0", "infiniband/umad0"), or NULL */
	const char *kernel;	   /* the last component of devpath */
	unsigned long long seqnum; /* SEQNUM: the kernel's count of events */
};

/* Parse buf (len bytes of KEY=VALUE records, each ended by sep: '\0' from
 * netlink, '\n' in a sysfs uevent file) in place. A netlink message
 * starts with "ACTION@DEVPATH", which must agree with its ACTION= and
 * DEVPATH=; a sysfs file has neither (both are left NULL). 0 or -EBADMSG. */
int uevent_parse(char *buf, size_t len, char sep, struct uevent *ev);
/* A non-blocking, close-on-exec socket on the kernel's uevent group with
 * a large receive buffer (a coldplug's burst). fd or -errno. */
int uevent_open(void);
/* One message into buf (UEVENT_BUF), NUL-terminated: its length; 0 for a
 * datagram not from the kernel (dropped); -EAGAIN when none is queued;
 * -ENOBUFS when the kernel dropped events for lack of room. */
ssize_t uevent_recv(int fd, char *buf, size_t cap);

#endif
