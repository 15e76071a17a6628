/*
 * An unprivileged process flooding the notify socket, as any user of a
 * node can: it drops to UID (and gid UID), then sends COUNT datagrams to
 * SOCKET as fast as the socket takes them (blocking sends: every one is
 * delivered), and prints "sent N in M ms" on stdout.
 *   notifyflood UID COUNT [SOCKET]   (SOCKET: /run/pact/notify.sock)
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: notifyflood UID COUNT [SOCKET]\n");
		return 2;
	}
	unsigned uid = (unsigned)strtoul(argv[1], NULL, 10);
	long count = strtol(argv[2], NULL, 10);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s",
		 argc > 3 ? argv[3] : "/run/pact/notify.sock");
	if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0 || getuid() != uid) {
		perror("notifyflood: dropping to the uid");
		return 1;
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("notifyflood: connect");
		return 1;
	}
	long long start = ms_now();
	long sent = 0;
	static const char msg[] = "READY=1\nSTATUS=flooding";
	while (sent < count && send(fd, msg, sizeof msg - 1, 0) == (ssize_t)sizeof msg - 1)
		sent++;
	printf("sent %ld in %lld ms\n", sent, ms_now() - start);
	return sent == count ? 0 : 1;
}
