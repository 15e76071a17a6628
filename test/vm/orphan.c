/*
 * In-guest check that PID 1 reaps orphans: make a grandchild, let its
 * parent exit so it is re-parented to PID 1, let it exit, and wait (on
 * /dev/kmsg, bounded) for pact-init's "reaped orphan pid N"; then the pid
 * must be gone from /proc, not left as a zombie. Exit 0 when all held.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(void)
{
	int go[2], report[2];
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0)
		return perror("pipe"), 1;
	pid_t child = fork();
	if (child == 0) {
		pid_t gc = fork();
		if (gc == 0) {
			char c;
			close(go[1]);
			(void)!read(go[0], &c, 1); /* until the test closes go[1] */
			_exit(0);
		}
		(void)!write(report[1], &gc, sizeof gc);
		_exit(0);
	}
	close(report[1]);
	pid_t gc = 0;
	if (read(report[0], &gc, sizeof gc) != sizeof gc)
		return fprintf(stderr, "no grandchild pid\n"), 1;
	waitpid(child, NULL, 0);
	/* listen from the end of the kernel log before the orphan exits */
	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg < 0)
		return perror("/dev/kmsg"), 1;
	lseek(kmsg, 0, SEEK_END);
	char want[64], rec[1024];
	snprintf(want, sizeof want, "reaped orphan pid %d ", gc);
	close(go[1]); /* the orphan exits now */
	long deadline = ms_now() + 10000;
	int seen = 0;
	while (!seen && ms_now() < deadline) {
		struct pollfd p = {.fd = kmsg, .events = POLLIN};
		if (poll(&p, 1, (int)(deadline - ms_now())) <= 0)
			break;
		ssize_t n;
		while ((n = read(kmsg, rec, sizeof rec - 1)) > 0) {
			rec[n] = '\0';
			if (strstr(rec, want))
				seen = 1;
		}
	}
	if (!seen)
		return fprintf(stderr, "no '%s' in the kernel log within 10 s\n", want), 1;
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d", gc);
	if (stat(path, &st) == 0)
		return fprintf(stderr, "%s still exists after the reap\n", path), 1;
	printf("orphan %d re-parented to PID 1 and reaped\n", gc);
	return 0;
}
