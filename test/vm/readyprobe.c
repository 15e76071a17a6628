/*
 * In-guest ReadinessGate client for the VM tests: open N connections to
 * ready.sock at once, note whether the ready file existed when they were
 * connected, then wait (poll, bounded) for every answer and note the time
 * and whether the ready file existed by then. Times are CLOCK_BOOTTIME ms
 * (the clock of pact-init's phase times). Prints key=value lines:
 *   connected_ms=T ready_file_at_connect=0|1 clients=N
 *   answer_1=READY node ... answer_ms=T ready_file_at_answer=0|1
 * Usage: readyprobe [-n N] [-t TIMEOUT_S] [RUN_DIR]. Exit 0 when every
 * client got an answer line, 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 16

static long boot_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	int n = 1, timeout_s = 60, opt;
	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 't')
			timeout_s = atoi(optarg);
		else
			return 2;
	}
	const char *run = optind < argc ? argv[optind] : "/run/pact";
	if (n < 1 || n > MAX_CLIENTS)
		return 2;
	char file[256];
	snprintf(file, sizeof file, "%s/ready", run);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/ready.sock", run);
	int fds[MAX_CLIENTS];
	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&sa, sizeof sa) < 0) {
			printf("error=connect %s: %s\n", sa.sun_path, strerror(errno));
			return 1;
		}
	}
	printf("connected_ms=%ld ready_file_at_connect=%d clients=%d\n", boot_ms(),
	       access(file, F_OK) == 0, n);
	fflush(stdout);
	long deadline = boot_ms() + timeout_s * 1000L;
	int answered = 0;
	for (int i = 0; i < n; i++) {
		char line[512] = "";
		size_t used = 0;
		while (used < sizeof line - 1 && !memchr(line, '\n', used)) {
			long left = deadline - boot_ms();
			struct pollfd p = {.fd = fds[i], .events = POLLIN};
			if (left <= 0 || poll(&p, 1, (int)left) <= 0)
				break;
			ssize_t r = read(fds[i], line + used, sizeof line - 1 - used);
			if (r <= 0)
				break;
			used += (size_t)r;
		}
		line[used] = '\0';
		line[strcspn(line, "\n")] = '\0';
		printf("answer_%d=%s answer_ms=%ld ready_file_at_answer=%d\n", i + 1,
		       used ? line : "(none)", boot_ms(), access(file, F_OK) == 0);
		fflush(stdout);
		answered += used > 0;
		close(fds[i]);
	}
	return answered == n ? 0 : 1;
}
