/*
 * A fork bomb that stops itself: forks children that only wait, until
 * fork fails (a pids.max reached: EAGAIN) or it made MAX of them (so that,
 * without a limit, it still does not take every task of the test VM).
 * Then it says how many and why it stopped, tells $NOTIFY_SOCKET READY=1
 * (a Type=notify service: the test knows it reached its end), and waits.
 *   forkbomb [MAX]   (default 2000)
 */
#include "sdnotify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long max = argc > 1 ? atol(argv[1]) : 2000;
	long n = 0;
	int err = 0;
	while (n < max) {
		pid_t p = fork();
		if (p == 0)
			for (;;)
				pause();
		if (p < 0) {
			err = errno;
			break;
		}
		n++;
	}
	printf("forkbomb: %ld children, then %s\n", n, err ? strerror(err) : "its own maximum");
	fflush(stdout);
	char msg[128];
	snprintf(msg, sizeof msg, "READY=1\nSTATUS=%ld children, %s", n,
		 err == EAGAIN ? "capped (EAGAIN)" : "not capped");
	sd_notify_text(msg);
	for (;;)
		pause();
}
