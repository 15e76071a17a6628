/*
 * In-guest helper: wait until a kernel log record (from the start of the
 * log on) contains TEXT, at most TIMEOUT_S seconds; an event wait on
 * /dev/kmsg (poll), not a sleep loop. Prints the record found.
 * Usage: kmsgwait TIMEOUT_S TEXT. Exit 0 found, 1 timeout or error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return fprintf(stderr, "usage: kmsgwait TIMEOUT_S TEXT\n"), 2;
	long deadline = ms_now() + atol(argv[1]) * 1000;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return perror("/dev/kmsg"), 1;
	char rec[8192];
	for (;;) {
		ssize_t n = read(fd, rec, sizeof rec - 1);
		if (n > 0) {
			rec[n] = '\0';
			if (strstr(rec, argv[2])) {
				fputs(rec, stdout);
				return 0;
			}
			continue;
		}
		if (n < 0 && errno == EPIPE)
			continue; /* records were overwritten: go on from the next */
		if (n < 0 && errno != EAGAIN)
			return perror("read /dev/kmsg"), 1;
		long left = deadline - ms_now();
		if (left <= 0)
			break;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		poll(&p, 1, (int)left);
	}
	fprintf(stderr, "kmsgwait: no '%s' within %s s\n", argv[2], argv[1]);
	return 1;
}
