/* The DHCP client's socket (see dhcp_sock.h). */
#include "os/dhcp_sock.h"
#include "os/dhcp_msg.h"
#include "lib/fileio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

int dhcp_sock_open(const char *ifname)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT)};
	/* the device before bind: each interface's client has port 68 to itself */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close_fd(fd);
		return -e;
	}
	return fd;
}

int dhcp_sock_send(int fd, const uint8_t *msg, size_t len, const uint8_t *to)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT)};
	if (to)
		memcpy(&sa.sin_addr, to, 4);
	else
		sa.sin_addr.s_addr = INADDR_BROADCAST;
	ssize_t n = sendto(fd, msg, len, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
	return n < 0 ? -errno : 0;
}

ssize_t dhcp_sock_recv(int fd, uint8_t *buf, size_t cap)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if ((size_t)n > cap || fl < sizeof from || from.sin_port != htons(DHCP_SERVER_PORT))
		return 0;
	return n;
}
