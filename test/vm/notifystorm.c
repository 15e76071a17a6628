/*
 * Floods the sd_notify socket with datagrams from outside every service's
 * scope, as fast as it can, until it is killed:
 *   notifyflood PATH [UID]
 * It prints how many it sent when it gets SIGTERM.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sched.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: notifystorm PATH [UID]\n");
		return 2;
	}
	if (argc > 2) {
		gid_t g = (gid_t)atoi(argv[2]);
		if (setgroups(1, &g) < 0 || setgid(g) < 0 || setuid((uid_t)atoi(argv[2])) < 0)
			return 1;
	}
	signal(SIGTERM, on_term);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	long sent = 0;
	while (!stop) {
		if (sendto(fd, "STATUS=flood", 12, MSG_DONTWAIT, (struct sockaddr *)&sa,
			   sizeof sa) == 12)
			sent++;
		else if (errno == EAGAIN)
			sched_yield();
	}
	printf("notifystorm: %ld datagrams sent\n", sent);
	return 0;
}
