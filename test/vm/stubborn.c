/*
 * A process that will not go quietly: ignores SIGTERM, optionally forks
 * grandchildren that ignore it too, then waits forever. Used to prove that
 * shutdown and scope teardown do not depend on cooperation.
 *   stubborn [N]   N grandchildren (default 0); prints its pids on stdout
 * Run as a Type=notify service ($NOTIFY_SOCKET set), it sends READY=1 once
 * the pids are printed, so a test knows they are all there.
 */
#include "sdnotify.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	sd_notify_text("READY=1");
	for (;;)
		pause();
}
