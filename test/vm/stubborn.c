/*
 * A process that will not go quietly: ignores SIGTERM, optionally forks
 * grandchildren that ignore it too, then waits forever. Used to prove that
 * shutdown and scope teardown do not depend on cooperation.
 *   stubborn [N]   N grandchildren (default 0); prints its pids on stdout
 * Run as a Type=notify service ($NOTIFY_SOCKET set), it sends READY=1 once
 * the pids are printed, so a test knows they are all there.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!path || !*path || strlen(path) >= sizeof sa.sun_path)
		return;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)!sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&sa, sizeof sa);
	close(fd);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	/* a daemon-like process: detached from the console, deaf to TERM */
	setsid();
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	for (int i = 0; i < n && i < 64; i++) {
		pid_t p = fork();
		if (p == 0)
			for (;;)
				pause();
		if (p > 0)
			printf("%d\n", p);
	}
	printf("%d\n", getpid());
	fflush(stdout);
	notify_ready();
	for (;;)
		pause();
}
