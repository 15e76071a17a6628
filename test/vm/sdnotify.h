/*
 * sd_notify for the test programs run as services (the programs of test/vm): one
 * datagram to $NOTIFY_SOCKET, nothing when it is not set.
 */
#ifndef PACT_TEST_SDNOTIFY_H
#define PACT_TEST_SDNOTIFY_H

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static inline void sd_notify_text(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!path || !*path || strlen(path) >= sizeof sa.sun_path)
		return;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)!sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, sizeof sa);
	close(fd);
}

#endif
