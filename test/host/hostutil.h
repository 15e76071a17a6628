/* Small helpers shared by the host-tier test programs. */
#ifndef PACT_TEST_HOSTUTIL_H
#define PACT_TEST_HOSTUTIL_H

#include <sys/types.h>

/* printf into one of 16 rotating static buffers (for building paths inline). */
char *pf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run argv (PATH searched) with stdout to /dev/null; its exit status or -1. */
int run(const char *const argv[]);
/* Number of open fds of pid, or -1. */
int fd_count(pid_t pid);
/* Wait until cond(ctx) is true, looking again after each inotify event
 * (mask) on watch, at most timeout_ms. 0, or -ETIMEDOUT. */
int wait_until(const char *watch, unsigned mask, int (*cond)(void *ctx), void *ctx, int timeout_ms);
/* A TAP comment; every line of a multi-line text gets its "# ". */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
