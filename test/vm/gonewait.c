/*
 * Wait, with a bound, until processes have exited and paths are gone: the
 * events the VM cases wait on instead of polling with sleep. A process is
 * watched through a pidfd (readable once it has exited), a path through
 * inotify on its parent directory (an rmdir of a cgroup, the unlink of a
 * file); each is checked again after its watch is armed, so an exit or a
 * removal that came first counts.
 *   gonewait [-t SECONDS] PID|PATH...
 *     -t  give up after this long (default 10): exit 1, naming what is left
 * An argument of digits only is a pid; anything else is a path.
 * Exit: 0 all gone, 1 timed out, 2 usage or error.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WATCH_MAX 32

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int is_pid(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* A pidfd, or -1 when the process is already gone. */
static int open_pid(const char *s)
{
	int fd = (int)syscall(SYS_pidfd_open, atoi(s), 0);
	if (fd < 0 && errno != ESRCH) {
		fprintf(stderr, "gonewait: pidfd_open %s: %s\n", s, strerror(errno));
		exit(2);
	}
	return fd;
}

static void watch_parent(int in, const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	/* a parent that is gone already takes its child with it */
	if (inotify_add_watch(in, dir, IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF) < 0 &&
	    errno != ENOENT) {
		fprintf(stderr, "gonewait: watch %s: %s\n", dir, strerror(errno));
		exit(2);
	}
}

int main(int argc, char **argv)
{
	int opt;
	long long limit = 10000;
	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			goto usage;
		limit = (long long)(atof(optarg) * 1000);
	}
	int n = argc - optind;
	if (n < 1 || n > WATCH_MAX)
		goto usage;
	char **what = argv + optind;
	struct pollfd pfd[WATCH_MAX + 1];
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0) {
		perror("gonewait: inotify_init1");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		pfd[i].fd = -1;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
		if (is_pid(what[i]))
			pfd[i].fd = open_pid(what[i]);
		else
			watch_parent(in, what[i]);
	}
	pfd[n].fd = in;
	pfd[n].events = POLLIN;
	long long end = now_ms() + limit;
	for (;;) {
		int left = 0;
		for (int i = 0; i < n; i++) {
			if (is_pid(what[i])) {
				if (pfd[i].fd >= 0 && (pfd[i].revents & POLLIN)) {
					close(pfd[i].fd);
					pfd[i].fd = -1;
				}
				left += pfd[i].fd >= 0;
			} else {
				left += access(what[i], F_OK) == 0;
			}
		}
		if (!left)
			return 0;
		long long wait = end - now_ms();
		if (wait <= 0)
			break;
		char drain[4096];
		while (read(in, drain, sizeof drain) > 0)
			;
		if (poll(pfd, (nfds_t)n + 1, (int)wait) < 0 && errno != EINTR) {
			perror("gonewait: poll");
			return 2;
		}
	}
	for (int i = 0; i < n; i++)
		if (is_pid(what[i]) ? pfd[i].fd >= 0 : access(what[i], F_OK) == 0)
			fprintf(stderr, "gonewait: still there after %lld ms: %s\n", limit,
				what[i]);
	return 1;
usage:
	fprintf(stderr, "usage: gonewait [-t SECONDS] PID|PATH... (at most %d)\n", WATCH_MAX);
	return 2;
}
