/*
 * A FUSE file system that holds a process in the kernel: a lookup of
 * <dir>/hold is read by its server and not answered until the test says
 * so. A process waiting for an answer its server has already read sleeps
 * uninterruptibly: SIGKILL (cgroup.kill too) marks it, but it cannot end
 * before the answer comes, so its cgroup stays populated exactly as long
 * as the test wants. Everything else answers ENOENT or ENOSYS.
 */
#ifndef PACT_TEST_FUSEHOLD_H
#define PACT_TEST_FUSEHOLD_H

#include <sys/types.h>

struct fusehold {
	char dir[128];
	pid_t server; /* the child that serves /dev/fuse */
	int held;     /* read end: a byte each time a lookup of "hold" is held */
	int release;  /* write end: a byte answers the held lookups */
};

/* Mount at dir (made if needed) and start the server. 0, or -errno
 * (-ENODEV when there is no /dev/fuse: the caller skips). */
int fusehold_mount(struct fusehold *h, const char *dir);
/* Wait until a lookup of "hold" is held, at most timeout_ms. 0, -ETIMEDOUT. */
int fusehold_wait_held(struct fusehold *h, int timeout_ms);
/* Answer every held lookup (ENOENT): the waiting processes go on. */
int fusehold_release(struct fusehold *h);
/* Unmount (lazily) and stop the server. */
void fusehold_end(struct fusehold *h);

#endif
