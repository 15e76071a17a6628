/*
 * Unit tests of uevent parsing: kernel netlink messages (the header must
 * agree with ACTION= and DEVPATH=), sysfs uevent files, node names that
 * would leave /dev, and the socket (received from the kernel only) where
 * the machine allows opening one.
 */
#include "tap.h"
#include "os/uevent.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

static size_t msg(char *buf, const char *const *recs)
{
	size_t n = 0;
	for (; *recs; recs++) {
		size_t l = strlen(*recs) + 1;
		memcpy(buf + n, *recs, l);
		n += l;
	}
	return n;
}

int main(void)
{
	char buf[UEVENT_BUF];
	struct uevent ev;
	const char *add[] = {"add@/devices/pci0000:00/0000:00:04.0/virtio1",
			     "ACTION=add",
			     "DEVPATH=/devices/pci0000:00/0000:00:04.0/virtio1",
			     "SUBSYSTEM=virtio",
			     "MODALIAS=virtio:d00000004v00001AF4",
			     "SEQNUM=1234",
			     NULL};
	size_t n = msg(buf, add);
	is_int(uevent_parse(buf, n, '\0', &ev), 0, "a kernel add message");
	is_str(ev.action, "add", "ACTION");
	is_str(ev.devpath, "/devices/pci0000:00/0000:00:04.0/virtio1", "DEVPATH");
	is_str(ev.subsystem, "virtio", "SUBSYSTEM");
	is_str(ev.modalias, "virtio:d00000004v00001AF4", "MODALIAS");
	is_str(ev.kernel, "virtio1", "the kernel name is DEVPATH's last component");
	is_int(ev.seqnum, 1234, "SEQNUM");
	ok(ev.devname == NULL, "no DEVNAME");

	const char *node[] = {"add@/devices/virtual/misc/hw_random",
			      "ACTION=add",
			      "DEVPATH=/devices/virtual/misc/hw_random",
			      "SUBSYSTEM=misc",
			      "DEVNAME=hwrng",
			      "MAJOR=10",
			      "MINOR=183",
			      NULL};
	n = msg(buf, node);
	is_int(uevent_parse(buf, n - 1, '\0', &ev), 0, "a message whose last record lacks its NUL");
	is_str(ev.devname, "hwrng", "DEVNAME");
	ok(ev.modalias == NULL, "no MODALIAS");

	const char *lie[] = {"add@/devices/a", "ACTION=remove", "DEVPATH=/devices/a", NULL};
	n = msg(buf, lie);
	is_int(uevent_parse(buf, n, '\0', &ev), -EBADMSG, "a header that disagrees with ACTION");
	const char *lie2[] = {"add@/devices/a", "ACTION=add", "DEVPATH=/devices/b", NULL};
	n = msg(buf, lie2);
	is_int(uevent_parse(buf, n, '\0', &ev), -EBADMSG, "... or with DEVPATH");
	const char *nohead[] = {"ACTION=add", "DEVPATH=/devices/a", NULL};
	n = msg(buf, nohead);
	is_int(uevent_parse(buf, n, '\0', &ev), -EBADMSG, "a message without its header");
	const char *udev[] = {"libudev", "ACTION=add", NULL};
	n = msg(buf, udev);
	is_int(uevent_parse(buf, n, '\0', &ev), -EBADMSG,
	       "libudev's messages are not the kernel's");
	const char *escape[] = {"add@/devices/x", "ACTION=add", "DEVPATH=/devices/x",
				"DEVNAME=../etc/passwd", NULL};
	n = msg(buf, escape);
	is_int(uevent_parse(buf, n, '\0', &ev), -EBADMSG, "a node name with .. is refused");
	const char *abs[] = {"add@/devices/x", "ACTION=add", "DEVPATH=/devices/x",
			     "DEVNAME=/etc/shadow", NULL};
	n = msg(buf, abs);
	is_int(uevent_parse(buf, n, '\0', &ev), -EBADMSG, "... and an absolute one");
	is_int(uevent_parse(buf, 0, '\0', &ev), -EBADMSG, "an empty message");

	char file[] = "MAJOR=4\nMINOR=65\nDEVNAME=ttyS1\nDEVMODE=0600\n";
	is_int(uevent_parse(file, strlen(file), '\n', &ev), 0, "a sysfs uevent file");
	is_str(ev.devname, "ttyS1", "its DEVNAME");
	ok(ev.action == NULL && ev.devpath == NULL, "no ACTION or DEVPATH there");
	is_str(ev.subsystem, "", "subsystem empty when absent");

	int fd = uevent_open();
	if (fd == -EPERM || fd == -EACCES || fd == -EPROTONOSUPPORT) {
		skip("no uevent socket here", "uevent socket");
	} else {
		ok(fd >= 0, "uevent socket opened (%d)", fd);
		is_int(uevent_recv(fd, buf, sizeof buf), -EAGAIN,
		       "nothing queued: -EAGAIN, not blocking");
		/* a datagram from user space (port != 0) is dropped */
		int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
		struct sockaddr_nl to = {.nl_family = AF_NETLINK};
		struct sockaddr_nl me;
		socklen_t ml = sizeof me;
		getsockname(fd, (struct sockaddr *)&me, &ml);
		to.nl_pid = me.nl_pid;
		const char fake[] = "add@/devices/fake\0ACTION=add\0DEVPATH=/devices/fake";
		if (s >= 0 &&
		    sendto(s, fake, sizeof fake, 0, (struct sockaddr *)&to, sizeof to) > 0)
			is_int(uevent_recv(fd, buf, sizeof buf), 0,
			       "a user space datagram is dropped");
		else
			skip("cannot send to the socket here", "a user space datagram is dropped");
		close(s);
		close(fd);
	}
	return done_testing();
}
